-- Contract audits made through the web pages and API: the result as it was shown, kept so it
-- can be shown again later with the contract's hash and the checklist version that judged it.
CREATE TABLE audits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    ruleset TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    verdict TEXT NOT NULL,
    audited_at TEXT NOT NULL,
    report TEXT NOT NULL
);

CREATE INDEX audits_by_sha256 ON audits (sha256);
