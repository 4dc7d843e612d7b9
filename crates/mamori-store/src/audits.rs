//! Audit records: each contract audited through the web pages or the API, with the result as
//! JSON, so a past audit can be shown again exactly as it was judged.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::time::{parse, stamp};
use crate::{Store, StoreError, query_error};

/// An audit to record.
#[derive(Debug, Clone, Copy)]
pub struct NewAudit<'a> {
    /// The file name the user gave (shown only; never used as a path).
    pub file: &'a str,
    pub sha256: &'a str,
    /// The checklist's name and version as shown (`個人情報取扱特記事項 v3`).
    pub ruleset: &'a str,
    pub ruleset_version: &'a str,
    /// `pass`, `review` or `fail`.
    pub verdict: &'a str,
    pub audited_at: DateTime<Utc>,
    /// The result as the API returns it (JSON).
    pub report: &'a str,
}

/// A recorded audit, without its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub file: String,
    pub sha256: String,
    pub ruleset: String,
    pub ruleset_version: String,
    pub verdict: String,
    pub audited_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, file, sha256, ruleset, ruleset_version, verdict, audited_at";

impl AuditRow {
    fn from_row(row: &AnyRow) -> Result<AuditRow, StoreError> {
        let text = |column: &'static str| -> Result<String, StoreError> {
            row.try_get(column)
                .map_err(query_error("reading an audit record"))
        };
        Ok(AuditRow {
            id: row
                .try_get("id")
                .map_err(query_error("reading an audit record"))?,
            file: text("file")?,
            sha256: text("sha256")?,
            ruleset: text("ruleset")?,
            ruleset_version: text("ruleset_version")?,
            verdict: text("verdict")?,
            audited_at: parse(&text("audited_at")?)?,
        })
    }
}

impl Store {
    /// Records an audit and returns its number.
    pub async fn record_audit(&self, audit: &NewAudit<'_>) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO audits (file, sha256, ruleset, ruleset_version, verdict, audited_at, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(audit.file)
        .bind(audit.sha256)
        .bind(audit.ruleset)
        .bind(audit.ruleset_version)
        .bind(audit.verdict)
        .bind(stamp(audit.audited_at))
        .bind(audit.report)
        .fetch_one(&self.pool)
        .await
        .map_err(query_error("recording an audit"))
    }

    /// Recorded audits, newest first.
    pub async fn audits(&self, limit: u32) -> Result<Vec<AuditRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audits ORDER BY id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("listing audits"))?;
        rows.iter().map(AuditRow::from_row).collect()
    }

    /// One recorded audit with its result (JSON as recorded).
    pub async fn audit_record(&self, id: i64) -> Result<Option<(AuditRow, String)>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, report FROM audits WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("reading an audit record"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let report: String = row
            .try_get("report")
            .map_err(query_error("reading an audit record"))?;
        Ok(Some((AuditRow::from_row(&row)?, report)))
    }
}
