//! mamori-store: the one crate that knows SQL.
//!
//! Owns: the schema (`migrations/sqlite`, `migrations/postgres`, kept in lockstep), and the
//! queries that record an import (one transaction per file: the import row, its figures, its
//! diagnostics, and the superseding of older figures for the same 実施機関 and fiscal year) and read
//! figures, imports and history back. SQL uses `$N` parameters and portable types only, so one
//! code path serves SQLite (the embedded default) and PostgreSQL through sqlx's `Any` driver.
//!
//! Must not: read the clock (the caller passes `imported_at`), parse files, or decide what is an
//! error in a file (that is mamori-ingest's job).
//!
//! Start reading at [`Store::record_import`].

mod audits;
mod batch;
mod jobs;
mod outbox;
mod rows;
mod statement;
mod time;

use std::str::FromStr;

use mamori_core::{Diagnostic, Figure, FiscalYear};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};
use statement::Placeholders;

pub use audits::{AuditRow, NewAudit};
pub use jobs::{FinishedRun, JobState, Queued, RunRow, RunStatus, RunTrigger};
pub use outbox::{NewMessage, OutboxMessage, OutboxRow, OutboxStatus};
pub use rows::{ImportDetail, ImportRow, ImportStatus, StoredDiagnostic, StoredFigure};

/// Where the store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `sqlite://PATH` (created when missing) or `postgres://…`.
    pub url: String,
}

impl StoreConfig {
    /// The file of a SQLite store (`sqlite://PATH?…`), `None` for a server.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        let rest = self.url.strip_prefix("sqlite://")?;
        let path = rest.split('?').next().unwrap_or(rest);
        let path = path
            .replace("%3F", "?")
            .replace("%23", "#")
            .replace("%25", "%");
        (!path.is_empty()).then(|| std::path::PathBuf::from(path))
    }

    /// The SQLite file at `path`.
    pub fn sqlite_file(path: &std::path::Path) -> StoreConfig {
        // `%`, `?` and `#` would end the path inside the URL: sqlx decodes them back.
        let path = path
            .display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3F")
            .replace('#', "%23");
        StoreConfig {
            url: format!("sqlite://{path}?mode=rwc"),
        }
    }
}

/// Store failures. Messages name the database and the operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at `{url}`")]
    Open {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate the store at `{url}`")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("store query failed while {operation}")]
    Query {
        operation: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("the store holds a value mamori cannot read: {0}")]
    Corrupt(String),
}

fn query_error(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { operation, source }
}

/// A file to record.
#[derive(Debug, Clone, Copy)]
pub struct NewImport<'a> {
    pub source: &'a str,
    pub sha256: &'a str,
    pub size_bytes: u64,
    pub format: &'a str,
    /// ISO 8601, supplied by the caller.
    pub imported_at: &'a str,
    pub figures: &'a [Figure],
    pub diagnostics: &'a [Diagnostic],
}

/// What recording an accepted file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub import_id: i64,
    /// Figures of earlier imports this one replaced.
    pub superseded_figures: u64,
    /// Earlier imports that no longer have a current figure.
    pub superseded_imports: Vec<i64>,
    /// (fiscal year, 実施機関, category) that were current before and that this file does not
    /// state: after it, they are not reported at all.
    pub no_longer_reported: Vec<(i64, String, String)>,
}

/// The database behind mamori.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    placeholders: Placeholders,
}

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

impl Store {
    /// Opens (creating a SQLite file when missing) and migrates the store.
    pub async fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let open_error = |source| StoreError::Open {
            url: config.url.clone(),
            source,
        };
        let options = AnyConnectOptions::from_str(&config.url).map_err(open_error)?;
        let is_sqlite = config.url.starts_with("sqlite:");
        let mut pool_options = AnyPoolOptions::new().max_connections(if is_sqlite { 1 } else { 4 });
        if is_sqlite {
            pool_options = pool_options.after_connect(|connection, _| {
                Box::pin(async move {
                    connection.execute(SQLITE_PRAGMAS).await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(open_error)?;
        let migrator = if is_sqlite {
            sqlx::migrate!("migrations/sqlite")
        } else {
            sqlx::migrate!("migrations/postgres")
        };
        migrator
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: config.url.clone(),
                source,
            })?;
        let placeholders = if is_sqlite {
            Placeholders::Anonymous
        } else {
            Placeholders::Numbered
        };
        Ok(Store { pool, placeholders })
    }

    /// The current (not superseded) import of exactly these bytes, if any.
    pub async fn current_import_with_sha256(
        &self,
        sha256: &str,
    ) -> Result<Option<ImportRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, source, sha256, size_bytes, format, imported_at, status, figure_count
             FROM imports WHERE sha256 = $1 AND status = 'imported'
               AND NOT EXISTS (SELECT 1 FROM figures WHERE figures.import_id = imports.id AND figures.superseded_by IS NOT NULL)
             ORDER BY id DESC LIMIT 1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("looking up a file by its hash"))?;
        row.map(|row| ImportRow::from_row(&row)).transpose()
    }

    /// Every import all of whose figures are current, by the SHA-256 of its bytes: one query
    /// before a batch instead of one per file. A partly superseded file imported again is
    /// imported again (it restores its figures), not reported unchanged.
    pub async fn current_imports_by_sha256(
        &self,
    ) -> Result<std::collections::BTreeMap<String, ImportRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, sha256, size_bytes, format, imported_at, status, figure_count
             FROM imports WHERE status = 'imported'
               AND NOT EXISTS (SELECT 1 FROM figures WHERE figures.import_id = imports.id AND figures.superseded_by IS NOT NULL)
             ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("listing current imports"))?;
        let mut by_sha = std::collections::BTreeMap::new();
        for row in &rows {
            let import = ImportRow::from_row(row)?;
            by_sha.insert(import.sha256.clone(), import);
        }
        Ok(by_sha)
    }

    /// How many figures of earlier imports these figures would replace (for `--dry-run`).
    pub async fn count_would_supersede(&self, figures: &[Figure]) -> Result<u64, StoreError> {
        let mut total = 0;
        for (fiscal_year, agency) in scopes(figures) {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM figures WHERE fiscal_year = $1 AND agency = $2 AND superseded_by IS NULL",
            )
            .bind(i64::from(fiscal_year.start_year()))
            .bind(agency)
            .fetch_one(&self.pool)
            .await
            .map_err(query_error("counting figures a file would replace"))?;
            total += count as u64;
        }
        Ok(total)
    }

    /// Records an accepted file in one transaction: the import, its figures and diagnostics, and
    /// the superseding of older figures for the same (fiscal year, 実施機関).
    pub async fn record_import(&self, import: &NewImport<'_>) -> Result<RecordOutcome, StoreError> {
        let mut outcomes = self.record_imports(std::slice::from_ref(import)).await?;
        outcomes
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no outcome for a recorded import".to_owned()))
    }

    /// Records accepted files in one transaction, in order, as if each were recorded alone: a
    /// later file supersedes an earlier one for the same (fiscal year, 実施機関). All of them
    /// are stored or none is, so every file stays all or nothing. One outcome per file.
    pub async fn record_imports(
        &self,
        imports: &[NewImport<'_>],
    ) -> Result<Vec<RecordOutcome>, StoreError> {
        if imports.is_empty() {
            return Ok(Vec::new());
        }
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(query_error("starting an import"))?;
        let outcomes = batch::record_all(&mut transaction, self.placeholders, imports).await?;
        transaction
            .commit()
            .await
            .map_err(query_error("committing an import"))?;
        Ok(outcomes)
    }

    /// Records a rejected file with its diagnostics and no figures, so the history shows it.
    pub async fn record_rejection(&self, import: &NewImport<'_>) -> Result<i64, StoreError> {
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(query_error("starting a rejection record"))?;
        let import_id = insert_import(&mut transaction, import, "rejected").await?;
        let diagnostics: Vec<(i64, &Diagnostic)> =
            import.diagnostics.iter().map(|d| (import_id, d)).collect();
        batch::insert_diagnostics(&mut transaction, self.placeholders, &diagnostics).await?;
        transaction
            .commit()
            .await
            .map_err(query_error("committing a rejection record"))?;
        Ok(import_id)
    }

    /// Every import, newest first.
    pub async fn imports(&self) -> Result<Vec<ImportRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, sha256, size_bytes, format, imported_at, status, figure_count FROM imports ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("listing imports"))?;
        rows.iter().map(ImportRow::from_row).collect()
    }

    /// One import with its figures (current or not) and diagnostics.
    pub async fn import(&self, id: i64) -> Result<Option<ImportDetail>, StoreError> {
        let row = sqlx::query(
            "SELECT id, source, sha256, size_bytes, format, imported_at, status, figure_count FROM imports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("reading an import"))?;
        let Some(row) = row else { return Ok(None) };
        let import = ImportRow::from_row(&row)?;
        let figures = sqlx::query(concat!(
            rows::FIGURE_COLUMNS!(),
            " WHERE import_id = $1 ORDER BY fiscal_year, agency, category, id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("reading an import's figures"))?
        .iter()
        .map(StoredFigure::from_row)
        .collect::<Result<Vec<_>, _>>()?;
        let diagnostics = sqlx::query(
            "SELECT code, severity, message, file, sheet, cell FROM diagnostics WHERE import_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("reading an import's diagnostics"))?
        .iter()
        .map(StoredDiagnostic::from_row)
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ImportDetail {
            import,
            figures,
            diagnostics,
        }))
    }

    /// The current figures, optionally of one fiscal year, sorted by year, agency and category.
    pub async fn current_figures(
        &self,
        fiscal_year: Option<FiscalYear>,
    ) -> Result<Vec<StoredFigure>, StoreError> {
        if let Some(year) = fiscal_year {
            return self.current_figures_between(year, year).await;
        }
        let rows = sqlx::query(concat!(
            rows::FIGURE_COLUMNS!(),
            " WHERE superseded_by IS NULL"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("reading current figures"))?;
        let mut figures = rows
            .iter()
            .map(StoredFigure::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        sort_figures(&mut figures);
        Ok(figures)
    }

    /// The fiscal years that have current figures, ascending.
    pub async fn current_fiscal_years(&self) -> Result<Vec<i64>, StoreError> {
        sqlx::query_scalar(
            "SELECT DISTINCT fiscal_year FROM figures WHERE superseded_by IS NULL ORDER BY fiscal_year",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("listing fiscal years"))
    }

    /// The current figures of the fiscal years `first..=last`, sorted by year, agency and
    /// category.
    pub async fn current_figures_between(
        &self,
        first: FiscalYear,
        last: FiscalYear,
    ) -> Result<Vec<StoredFigure>, StoreError> {
        let rows = sqlx::query(concat!(
            rows::FIGURE_COLUMNS!(),
            " WHERE superseded_by IS NULL AND fiscal_year BETWEEN $1 AND $2"
        ))
        .bind(i64::from(first.start_year()))
        .bind(i64::from(last.start_year()))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("reading current figures"))?;
        let mut figures = rows
            .iter()
            .map(StoredFigure::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        sort_figures(&mut figures);
        Ok(figures)
    }

    /// The warnings recorded by the imports whose figures for `first..=last` are current: what
    /// a report built from those figures must carry along. Sorted by file, sheet, cell, code.
    pub async fn warnings_behind_figures(
        &self,
        first: FiscalYear,
        last: FiscalYear,
    ) -> Result<Vec<StoredDiagnostic>, StoreError> {
        let rows = sqlx::query(
            "SELECT code, severity, message, file, sheet, cell FROM diagnostics \
             WHERE severity = 'warning' AND import_id IN ( \
                 SELECT import_id FROM figures \
                 WHERE superseded_by IS NULL AND fiscal_year BETWEEN $1 AND $2)",
        )
        .bind(i64::from(first.start_year()))
        .bind(i64::from(last.start_year()))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("reading the warnings behind current figures"))?;
        let mut diagnostics = rows
            .iter()
            .map(StoredDiagnostic::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        diagnostics.sort_by(|a, b| {
            (&a.file, &a.sheet, &a.cell, &a.code, &a.message)
                .cmp(&(&b.file, &b.sheet, &b.cell, &b.code, &b.message))
        });
        diagnostics.dedup();
        Ok(diagnostics)
    }

    /// Closes the pool, flushing SQLite's WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// Figures by year, agency and category: sorted here, since SQLite compares bytes and
/// PostgreSQL its collation, so both backends give the same order.
fn sort_figures(figures: &mut [StoredFigure]) {
    figures.sort_by(|a, b| {
        (a.fiscal_year, &a.agency, &a.category, a.import_id).cmp(&(
            b.fiscal_year,
            &b.agency,
            &b.category,
            b.import_id,
        ))
    });
}

async fn insert_import(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    import: &NewImport<'_>,
    status: &str,
) -> Result<i64, StoreError> {
    let figure_count = if status == "rejected" {
        0
    } else {
        import.figures.len() as i64
    };
    let row = sqlx::query(
        "INSERT INTO imports (source, sha256, size_bytes, format, imported_at, status, figure_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(import.source)
    .bind(import.sha256)
    .bind(import.size_bytes as i64)
    .bind(import.format)
    .bind(import.imported_at)
    .bind(status)
    .bind(figure_count)
    .fetch_one(&mut **transaction)
    .await
    .map_err(query_error("recording an import"))?;
    row.try_get::<i64, _>(0)
        .map_err(query_error("reading a new import id"))
}

fn scopes(figures: &[Figure]) -> std::collections::BTreeSet<(FiscalYear, String)> {
    figures
        .iter()
        .map(|f| (f.fiscal_year, f.agency.as_str().to_owned()))
        .collect()
}
