-- A programme's clock, as its launch recorded it (domain/programme_clock.py): the dashboard shows
-- a compressed demo's times as the programme's dates. Rows projected before read as real time.
ALTER TABLE rm_programmes ADD COLUMN starts_on text;
ALTER TABLE rm_programmes ADD COLUMN day_seconds integer NOT NULL DEFAULT 86400;
ALTER TABLE rm_programmes ADD COLUMN timezone text NOT NULL DEFAULT 'Europe/Paris';
ALTER TABLE rm_programmes ADD COLUMN clock_origin text;
