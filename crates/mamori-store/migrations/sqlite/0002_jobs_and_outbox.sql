-- Jobs the store has seen: when each was first seen (no catch-up before that), the last fire
-- handled (by running it or by recording it missed), and the recipients approved for it.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    first_seen_at TEXT NOT NULL,
    last_fire_at TEXT,
    approved_fingerprint TEXT,
    approved_at TEXT
);

-- Every run of a job, whatever came of it: one row per attempt, with its stages as JSON.
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'catch-up', 'manual', 'dry-run')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'sent', 'preview', 'skipped', 'missed', 'failed', 'interrupted')),
    detail TEXT NOT NULL,
    stages TEXT NOT NULL
);
CREATE INDEX job_runs_by_job ON job_runs (job, scheduled_for);

-- Mail waiting to go out, and what became of it. The bytes are stored once and sent as they are
-- (the same Message-ID on every attempt). (job, dedupe_key, recipient) is unique, so neither a
-- rerun nor a second daemon queues the same mail twice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT REFERENCES job_runs (id),
    job TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    envelope_to TEXT NOT NULL,
    subject TEXT NOT NULL,
    message BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'dead')),
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_holder TEXT,
    lease_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    alerted BIGINT NOT NULL
);
CREATE UNIQUE INDEX outbox_once ON outbox (job, dedupe_key, recipient);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Named leases: the daemon holds `daemon` while it runs, renewing it; a lease not renewed in
-- time may be taken over.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    renewed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
