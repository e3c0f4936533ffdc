-- Read models folded from the event log (domain/read_models.py, store/projections.py). Each
-- projection's checkpoint advances in the same transaction as its rows: exactly once, and a
-- rebuild (truncate, checkpoint 0, catch up) gives the same rows.
CREATE TABLE projection_checkpoints (
    name       text PRIMARY KEY,
    position   bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projection_checkpoints (name) VALUES ('read_models');

CREATE TABLE rm_programmes (
    programme_id          text PRIMARY KEY,
    name                  text    NOT NULL,
    phase                 text    NOT NULL,
    participants          integer NOT NULL,
    enrolled              integer NOT NULL,
    assessments_submitted integer NOT NULL,
    assessments_missed    integer NOT NULL,
    matching_score        double precision,
    pairs_formed          integer NOT NULL,
    pairs_completed       integer NOT NULL,
    pairs_ended_early     integer NOT NULL,
    pairs_dissolved       integer NOT NULL,
    unmatched             integer NOT NULL,
    at_risk_alerts        integer NOT NULL,
    concerns              integer NOT NULL,
    launched_at           text,
    completed_at          text,
    events                integer NOT NULL,
    last_position         bigint  NOT NULL
);

CREATE TABLE rm_pairs (
    programme_id       text    NOT NULL,
    pair_id            text    NOT NULL,
    mentor_id          text    NOT NULL,
    mentee_id          text    NOT NULL,
    phase              text    NOT NULL,
    go_answers         integer NOT NULL,
    at_risk            boolean NOT NULL,
    at_risk_episodes   integer NOT NULL,
    sessions_scheduled integer NOT NULL,
    sessions_held      integer NOT NULL,
    sessions_missed    integer NOT NULL,
    paused_until       text,
    formed_at          text,
    ended_at           text,
    end_reason         text    NOT NULL,
    events             integer NOT NULL,
    last_event_type    text    NOT NULL,
    last_event_at      text,
    PRIMARY KEY (programme_id, pair_id)
);

CREATE TABLE rm_sessions (
    programme_id    text    NOT NULL,
    pair_id         text    NOT NULL,
    number          integer NOT NULL,
    scheduled_at    text,
    status          text    NOT NULL,
    minutes         integer,
    progress_rating integer,
    logged_at       text,
    PRIMARY KEY (programme_id, pair_id, number)
);

-- Projectors sleep until an append commits (LISTEN tandem_events), polling only as a fallback.
CREATE FUNCTION events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tandem_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify_after_insert
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();
