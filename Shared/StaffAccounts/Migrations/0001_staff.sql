-- Staff accounts and their sign-in sessions: one sign-in for intake's call screen, the units' desk and
-- the council's dashboard. Passwords are bcrypt hashes; session tokens are stored as SHA-256 hashes
-- (the cookie holds the token, so a copy of this table signs nobody in).
CREATE TABLE accounts (
    account_id           uuid PRIMARY KEY,
    username             text NOT NULL UNIQUE,
    display_name         text NOT NULL,
    roles                text[] NOT NULL,
    password_hash        text NOT NULL,
    -- Wrong passwords in a row since the last good one; from the fifth, each locks the account a while.
    failed_attempts      integer NOT NULL DEFAULT 0,
    locked_until         timestamptz,
    disabled_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    password_changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    token_hash    bytea PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    -- Every staff form carries this token; a form without it is refused (CSRF).
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
