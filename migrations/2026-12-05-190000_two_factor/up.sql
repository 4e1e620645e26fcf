-- Two-factor authentication (TOTP, RFC 6238). A row exists from set-up on; the factor is in
-- force once `enabled_at` is set (the user proved their app shows the right codes).
-- `last_step` is the newest 30-second step accepted, so no code is accepted twice.
CREATE TABLE two_factor (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret bytea NOT NULL,
    enabled_at timestamptz,
    last_step bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One-time recovery codes, shown once and stored as SHA-256 hashes (they are random, so a
-- slow hash adds nothing); a used code keeps its row, marked.
CREATE TABLE two_factor_recovery (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
