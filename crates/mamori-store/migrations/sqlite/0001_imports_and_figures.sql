-- Imports: one row per file offered to `mamori import`, accepted or rejected.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    format TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('imported', 'superseded', 'rejected')),
    figure_count BIGINT NOT NULL
);
CREATE INDEX imports_by_sha256 ON imports (sha256, status);

-- Figures with the cell they came from. A figure is current while superseded_by is NULL.
CREATE TABLE figures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id BIGINT NOT NULL REFERENCES imports (id),
    fiscal_year BIGINT NOT NULL,
    agency TEXT NOT NULL,
    category TEXT NOT NULL,
    count BIGINT NOT NULL,
    file TEXT NOT NULL,
    sheet TEXT,
    cell TEXT NOT NULL,
    superseded_by BIGINT REFERENCES imports (id)
);
CREATE INDEX figures_by_scope ON figures (fiscal_year, agency, superseded_by);
CREATE INDEX figures_by_import ON figures (import_id);

-- What each import said about its file.
CREATE TABLE diagnostics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id BIGINT NOT NULL REFERENCES imports (id),
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    file TEXT NOT NULL,
    sheet TEXT,
    cell TEXT
);
CREATE INDEX diagnostics_by_import ON diagnostics (import_id);
