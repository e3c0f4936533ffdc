-- Each participant's calendar feed shows the sessions of their pairs as the last invitation sent
-- to them gave them: one row per series (UID) and participant, replaced only by a newer SEQUENCE.
CREATE TABLE calendar_series (
    uid            text        NOT NULL,
    participant_id text        NOT NULL,
    programme_id   text        NOT NULL,
    partner_id     text,
    sequence       integer     NOT NULL,
    calendar       jsonb       NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (uid, participant_id)
);

CREATE INDEX calendar_series_participant_idx ON calendar_series (participant_id);
