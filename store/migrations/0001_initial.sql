-- Tandem's schema: the append-only event log, and the plain tables that hold what events must not
-- (personal data, which erasure deletes) or what the web page and mailer look up by key.

-- ---------------------------------------------------------------------------------------------
-- Events (DESIGN §5). `position` is the global order projections read by; appends are serialised
-- in store/events.py so that position order is also commit order.
-- Stream names are identifiers, not prose: collation "C" lets `LIKE 'prefix%'` use the index.
CREATE TABLE events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid        NOT NULL UNIQUE,
    stream_name     text COLLATE "C" NOT NULL,
    stream_position bigint      NOT NULL CHECK (stream_position >= 0),
    type            text        NOT NULL,
    schema_version  integer     NOT NULL DEFAULT 1,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_name, stream_position)
);

-- latest_by_type: newest event of one type for a set of streams.
CREATE INDEX events_type_stream_idx ON events (type, stream_name, position);

-- History is the source of truth: rewriting or deleting it would silently change every projection.
CREATE FUNCTION events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

-- ---------------------------------------------------------------------------------------------
-- Programmes: the coordinator's file, without its participants.
CREATE TABLE programmes (
    id                text PRIMARY KEY,
    name              text        NOT NULL,
    locale            text        NOT NULL,
    coordinator_email text,
    spec              jsonb       NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Participants: the ONLY place personal data lives, so that erasure is a DELETE here.
-- No foreign key to programmes: each store stays usable on its own, and erasing people must never
-- depend on, or cascade into, anything else.
CREATE TABLE participants (
    id            text PRIMARY KEY,
    programme_id  text        NOT NULL,
    email         text        NOT NULL,
    name          text        NOT NULL,
    role          text        NOT NULL,
    locale        text        NOT NULL,
    department    text,
    manager_email text,
    grade         integer,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX participants_programme_email_idx ON participants (programme_id, email);
-- An erasure request names a person by e-mail, across programmes.
CREATE INDEX participants_email_idx ON participants (lower(email));

-- Tasks: what a participant is asked to do; `kind` and `status` are text so that new enum members
-- need no migration.
CREATE TABLE tasks (
    task_id        uuid PRIMARY KEY,
    programme_id   text        NOT NULL,
    participant_id text        NOT NULL,
    kind           text        NOT NULL,
    workflow_id    text        NOT NULL,
    update_name    text        NOT NULL,
    due_at         timestamptz NOT NULL,
    context        jsonb       NOT NULL DEFAULT '{}',
    status         text        NOT NULL DEFAULT 'open',
    issued_at      timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz
);

CREATE INDEX tasks_programme_status_idx ON tasks (programme_id, status, issued_at);
CREATE INDEX tasks_participant_kind_idx ON tasks (participant_id, kind, status);

-- Sent mail: the sender's memory, so a retried activity never e-mails anyone twice.
CREATE TABLE sent_mail (
    notification_id uuid PRIMARY KEY,
    programme_id    text        NOT NULL,
    participant_id  text,
    template        text        NOT NULL,
    message_id      text        NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sent_mail_programme_idx ON sent_mail (programme_id);
