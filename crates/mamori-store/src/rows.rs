//! Rows read back from the store, as plain result types (serialisable by the callers' DTOs).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;

macro_rules! figure_columns {
    () => {
        "SELECT id, import_id, fiscal_year, agency, category, count, file, sheet, cell, superseded_by FROM figures"
    };
}
pub(crate) use figure_columns as FIGURE_COLUMNS;

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Imported,
    Superseded,
    Rejected,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Imported => "imported",
            ImportStatus::Superseded => "superseded",
            ImportStatus::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Result<ImportStatus, StoreError> {
        match text {
            "imported" => Ok(ImportStatus::Imported),
            "superseded" => Ok(ImportStatus::Superseded),
            "rejected" => Ok(ImportStatus::Rejected),
            other => Err(StoreError::Corrupt(format!(
                "unknown import status `{other}`"
            ))),
        }
    }
}

/// One import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub id: i64,
    pub source: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub format: String,
    pub imported_at: String,
    pub status: ImportStatus,
    pub figure_count: i64,
}

impl ImportRow {
    pub(crate) fn from_row(row: &AnyRow) -> Result<ImportRow, StoreError> {
        let get = |error| StoreError::Query {
            operation: "decoding an import",
            source: error,
        };
        Ok(ImportRow {
            id: row.try_get("id").map_err(get)?,
            source: row.try_get("source").map_err(get)?,
            sha256: row.try_get("sha256").map_err(get)?,
            size_bytes: row.try_get("size_bytes").map_err(get)?,
            format: row.try_get("format").map_err(get)?,
            imported_at: row.try_get("imported_at").map_err(get)?,
            status: ImportStatus::parse(&row.try_get::<String, _>("status").map_err(get)?)?,
            figure_count: row.try_get("figure_count").map_err(get)?,
        })
    }
}

/// A stored figure with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFigure {
    pub id: i64,
    pub import_id: i64,
    pub fiscal_year: i64,
    pub agency: String,
    pub category: String,
    pub count: i64,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: String,
    pub superseded_by: Option<i64>,
}

impl StoredFigure {
    pub(crate) fn from_row(row: &AnyRow) -> Result<StoredFigure, StoreError> {
        let get = |error| StoreError::Query {
            operation: "decoding a figure",
            source: error,
        };
        Ok(StoredFigure {
            id: row.try_get("id").map_err(get)?,
            import_id: row.try_get("import_id").map_err(get)?,
            fiscal_year: row.try_get("fiscal_year").map_err(get)?,
            agency: row.try_get("agency").map_err(get)?,
            category: row.try_get("category").map_err(get)?,
            count: row.try_get("count").map_err(get)?,
            file: row.try_get("file").map_err(get)?,
            sheet: row.try_get("sheet").map_err(get)?,
            cell: row.try_get("cell").map_err(get)?,
            superseded_by: row.try_get("superseded_by").map_err(get)?,
        })
    }
}

/// A stored diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDiagnostic {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: Option<String>,
}

impl StoredDiagnostic {
    pub(crate) fn from_row(row: &AnyRow) -> Result<StoredDiagnostic, StoreError> {
        let get = |error| StoreError::Query {
            operation: "decoding a diagnostic",
            source: error,
        };
        Ok(StoredDiagnostic {
            code: row.try_get("code").map_err(get)?,
            severity: row.try_get("severity").map_err(get)?,
            message: row.try_get("message").map_err(get)?,
            file: row.try_get("file").map_err(get)?,
            sheet: row.try_get("sheet").map_err(get)?,
            cell: row.try_get("cell").map_err(get)?,
        })
    }
}

/// An import with everything it stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDetail {
    pub import: ImportRow,
    pub figures: Vec<StoredFigure>,
    pub diagnostics: Vec<StoredDiagnostic>,
}
