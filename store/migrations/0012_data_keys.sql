-- The data keys texts are sealed with (credentials/envelope.py), each wrapped by the master key
-- whose fingerprint it records. One per participant (`participant/<id>`) and per programme
-- (`programme/<id>`). Shredding keeps the row without its key, so a later text for the same
-- owner is never sealed under a fresh key that would read again.
CREATE TABLE data_keys (
    key_id      text        PRIMARY KEY,
    wrapped     bytea,
    master_key  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    shredded_at timestamptz,
    CHECK ((wrapped IS NULL) = (shredded_at IS NOT NULL))
);

CREATE INDEX data_keys_master_idx ON data_keys (master_key) WHERE wrapped IS NOT NULL;
