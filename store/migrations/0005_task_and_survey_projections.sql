-- Read models of participants' tasks and of survey answers (domain/read_models.py).
-- Tasks are followed through TaskOpened/TaskClosed events, which steps record from now on.

CREATE TABLE rm_tasks (
    task_id        text    PRIMARY KEY,
    programme_id   text    NOT NULL,
    participant_id text    NOT NULL,
    kind           text    NOT NULL,
    pair_id        text,
    due_at         text,
    status         text    NOT NULL,
    opened_at      text,
    closed_at      text
);
CREATE INDEX rm_tasks_programme_status ON rm_tasks (programme_id, status, due_at);

CREATE TABLE rm_surveys (
    programme_id      text    NOT NULL,
    pair_id           text    NOT NULL,
    participant_id    text    NOT NULL,
    survey            text    NOT NULL,
    role              text,
    satisfaction      integer,
    progress          integer,
    wants_to_continue boolean,
    nps               integer,
    kpi_attainment    double precision,
    answered_at       text,
    PRIMARY KEY (programme_id, pair_id, participant_id, survey)
);

-- The new tables start empty: fold the whole log again on the next catch-up, so they are filled
-- from the first event (the other read models come out identical, as any rebuild does).
TRUNCATE rm_programmes, rm_pairs, rm_sessions;
UPDATE projection_checkpoints SET position = 0, updated_at = now();
