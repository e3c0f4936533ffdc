-- Named coordinator accounts with roles, their server-side sessions, and the failed sign-ins
-- that throttle guessing. Several web processes share these rows, so a lockout or a revoked
-- session holds on every one of them.
CREATE TABLE coordinator_accounts (
    email         text PRIMARY KEY CHECK (email = lower(email)),
    role          text NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
    -- argon2 (or the bootstrap admin's scrypt hash); NULL for an account that signs in by SSO only.
    password_hash text,
    -- The account of TANDEM_COORDINATOR_PASSWORD_HASH: made at its first sign-in, and valid only
    -- while the setting still holds the hash it signed in with.
    bootstrap     boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_sign_in  timestamptz
);

-- The programmes a coordinator or viewer may see besides those whose file names them.
CREATE TABLE coordinator_grants (
    email        text NOT NULL REFERENCES coordinator_accounts (email) ON DELETE CASCADE,
    programme_id text NOT NULL,
    PRIMARY KEY (email, programme_id)
);

-- The cookie holds a random id; only its SHA-256 is stored, so a copy of this table opens nothing.
-- Removing an account removes its sessions.
CREATE TABLE coordinator_sessions (
    id_hash      bytea PRIMARY KEY,
    email        text NOT NULL REFERENCES coordinator_accounts (email) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX coordinator_sessions_by_email ON coordinator_sessions (email);

-- One row per password checked, per scope ('account:<email>' or 'address:<ip>'), written before
-- the check (so that parallel attempts count each other) and deleted when it succeeds; rows older
-- than the throttle's window are pruned as new ones arrive.
CREATE TABLE login_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope     text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_by_scope ON login_failures (scope, failed_at);
CREATE INDEX login_failures_by_time ON login_failures (failed_at);
