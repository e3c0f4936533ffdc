-- A participant's corrected address must retire the links mailed to the old one: every link
-- carries the generation it was signed under, and only the current generation opens a task.
ALTER TABLE participants ADD COLUMN link_generation integer NOT NULL DEFAULT 0;

-- Once a participant has left the programme their links answer with a page saying so, rather
-- than letting them act on tasks the programme no longer expects.
ALTER TABLE participants ADD COLUMN withdrawn_at timestamptz NULL;
