//! The outbox: mail stored as the exact bytes to send, then delivered from here. Each row is
//! leased before sending, so two senders never send the same row at once; `sent` is set only
//! after the server accepted the message (or the file was written).
//!
//! The one duplicate no outbox can rule out: the server accepts a message and the process dies
//! before `mark_sent` commits. The next flush sends that message again, with the same
//! Message-ID, so clients that thread or deduplicate by Message-ID show it once.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::time::{parse, parse_optional, stamp};
use crate::{Store, StoreError, query_error};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The job it belongs to (`mail-test` for `mamori mail test`, `alert` for failure alerts).
    pub job: String,
    /// With `job` and `recipient`, names the mail once: the same key is never queued twice.
    pub dedupe_key: String,
    pub recipient: String,
    pub message_id: String,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub subject: String,
    pub bytes: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutboxStatus {
    Queued,
    Sent,
    /// Refused for good by the server (5xx).
    Failed,
    /// Every retry used up.
    Dead,
}

/// A queued message, leased for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub job: String,
    pub recipient: String,
    pub message_id: String,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub subject: String,
    pub bytes: Vec<u8>,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// A message as listed (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub run_id: Option<i64>,
    pub job: String,
    pub dedupe_key: String,
    pub recipient: String,
    pub message_id: String,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Whether the failure alert for this message has been queued.
    pub alerted: bool,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Dead => "dead",
        }
    }

    fn parse(text: &str) -> Result<OutboxStatus, StoreError> {
        [
            OutboxStatus::Queued,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
            OutboxStatus::Dead,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown outbox status `{text}`")))
    }
}

const ENVELOPE_SEPARATOR: &str = "\n";

fn attempts_of(row: &AnyRow) -> Result<u32, StoreError> {
    let attempts: i64 = row
        .try_get("attempts")
        .map_err(query_error("decoding outbox attempts"))?;
    u32::try_from(attempts).map_err(|_| StoreError::Corrupt(format!("attempts {attempts}")))
}

impl OutboxMessage {
    fn from_row(row: &AnyRow) -> Result<OutboxMessage, StoreError> {
        let text = |column: &str| -> Result<String, StoreError> {
            row.try_get(column)
                .map_err(query_error("decoding a queued message"))
        };
        Ok(OutboxMessage {
            id: row
                .try_get("id")
                .map_err(query_error("decoding a queued message"))?,
            job: text("job")?,
            recipient: text("recipient")?,
            message_id: text("message_id")?,
            envelope_from: text("envelope_from")?,
            envelope_to: text("envelope_to")?
                .split(ENVELOPE_SEPARATOR)
                .map(str::to_owned)
                .collect(),
            subject: text("subject")?,
            bytes: row
                .try_get("message")
                .map_err(query_error("decoding a queued message"))?,
            attempts: attempts_of(row)?,
        })
    }
}

impl OutboxRow {
    fn from_row(row: &AnyRow) -> Result<OutboxRow, StoreError> {
        let text = |column: &str| -> Result<String, StoreError> {
            row.try_get(column)
                .map_err(query_error("decoding an outbox row"))
        };
        let optional = |column: &str| -> Result<Option<String>, StoreError> {
            row.try_get(column)
                .map_err(query_error("decoding an outbox row"))
        };
        let alerted: i64 = row
            .try_get("alerted")
            .map_err(query_error("decoding an outbox row"))?;
        Ok(OutboxRow {
            id: row
                .try_get("id")
                .map_err(query_error("decoding an outbox row"))?,
            run_id: row
                .try_get("run_id")
                .map_err(query_error("decoding an outbox row"))?,
            job: text("job")?,
            dedupe_key: text("dedupe_key")?,
            recipient: text("recipient")?,
            message_id: text("message_id")?,
            subject: text("subject")?,
            status: OutboxStatus::parse(&text("status")?)?,
            attempts: attempts_of(row)?,
            next_attempt_at: parse(&text("next_attempt_at")?)?,
            last_error: optional("last_error")?,
            created_at: parse(&text("created_at")?)?,
            sent_at: parse_optional(optional("sent_at")?.as_deref())?,
            alerted: alerted != 0,
        })
    }
}

const ROW_COLUMNS: &str = "id, run_id, job, dedupe_key, recipient, message_id, subject, status, attempts, next_attempt_at, last_error, created_at, sent_at, alerted";

impl Store {
    /// Queues messages that belong to no run (a test message, an alert). Returns the outbox id
    /// of each, or `None` where the same (job, dedupe key, recipient) was already queued.
    pub async fn enqueue(&self, messages: &[NewMessage]) -> Result<Vec<Option<i64>>, StoreError> {
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(query_error("starting to queue mail"))?;
        let outcome = insert_messages(&mut transaction, messages, None).await?;
        transaction
            .commit()
            .await
            .map_err(query_error("committing queued mail"))?;
        let mut ids = outcome.queued.into_iter();
        Ok((0..messages.len())
            .map(|index| {
                if outcome.already_queued.contains(&index) {
                    None
                } else {
                    ids.next()
                }
            })
            .collect())
    }

    /// Leases up to `limit` queued messages due at `now` to `holder` until `lease_until`, oldest
    /// first, and returns them. A message leased by another holder whose lease has not expired
    /// is left alone.
    pub async fn lease_due(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let now = stamp(now);
        let until = stamp(lease_until);
        // The conditions are repeated outside the subquery so that PostgreSQL re-checks them on
        // a row another sender updated while this statement waited for its lock.
        sqlx::query(
            "UPDATE outbox SET lease_holder = $1, lease_until = $2
             WHERE status = 'queued' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
               AND id IN (SELECT id FROM outbox
                          WHERE status = 'queued' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
                          ORDER BY id LIMIT $4)",
        )
        .bind(holder)
        .bind(&until)
        .bind(&now)
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await
        .map_err(query_error("leasing due mail"))?;
        let rows = sqlx::query(
            "SELECT id, job, recipient, message_id, envelope_from, envelope_to, subject, message, attempts
             FROM outbox WHERE status = 'queued' AND lease_holder = $1 AND lease_until = $2 ORDER BY id",
        )
        .bind(holder)
        .bind(&until)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("reading leased mail"))?;
        rows.iter().map(OutboxMessage::from_row).collect()
    }

    /// Extends `holder`'s lease on one message just before sending it. False when the lease
    /// was lost (it ran out and another sender took the message): do not send it then.
    pub async fn renew_lease(
        &self,
        id: i64,
        holder: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE outbox SET lease_until = $1 WHERE id = $2 AND lease_holder = $3 AND status = 'queued'",
        )
        .bind(stamp(lease_until))
        .bind(id)
        .bind(holder)
        .execute(&self.pool)
        .await
        .map_err(query_error("renewing a lease on mail"))?;
        Ok(result.rows_affected() == 1)
    }

    /// Who holds leases on queued mail (a sender that died holds them until they run out).
    pub async fn outbox_lease_holders(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT DISTINCT lease_holder FROM outbox WHERE status = 'queued' AND lease_holder IS NOT NULL ORDER BY lease_holder",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("listing mail leases"))
    }

    /// Frees the mail leased by `holder` (a sender known to be gone).
    pub async fn release_outbox_leases(&self, holder: &str) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "UPDATE outbox SET lease_holder = NULL, lease_until = NULL WHERE lease_holder = $1 AND status = 'queued'",
        )
        .bind(holder)
        .execute(&self.pool)
        .await
        .map_err(query_error("releasing mail leases"))?;
        Ok(result.rows_affected())
    }

    /// The server accepted the message (or the file was written).
    pub async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, lease_holder = NULL, lease_until = NULL, last_error = NULL WHERE id = $2 AND status = 'queued'",
        )
        .bind(stamp(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(query_error("marking mail sent"))?;
        Ok(())
    }

    /// A transient failure: try again at `next_attempt_at`.
    pub async fn mark_retry(
        &self,
        id: i64,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, lease_holder = NULL, lease_until = NULL WHERE id = $3 AND status = 'queued'",
        )
        .bind(stamp(next_attempt_at))
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(query_error("scheduling a retry"))?;
        Ok(())
    }

    /// Gives up on a message and queues its alerts in one transaction, once: true when this
    /// call gave it up (false when it was no longer queued, e.g. another sender marked it).
    pub async fn give_up(
        &self,
        id: i64,
        status: OutboxStatus,
        error: &str,
        alerts: &[NewMessage],
    ) -> Result<bool, StoreError> {
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(query_error("starting to give up on mail"))?;
        let updated = sqlx::query(
            "UPDATE outbox SET status = $1, attempts = attempts + 1, last_error = $2, lease_holder = NULL, lease_until = NULL, alerted = 1
             WHERE id = $3 AND status = 'queued'",
        )
        .bind(status.as_str())
        .bind(error)
        .bind(id)
        .execute(&mut *transaction)
        .await
        .map_err(query_error("giving up on mail"))?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        insert_messages(&mut transaction, alerts, None).await?;
        transaction
            .commit()
            .await
            .map_err(query_error("committing given-up mail"))?;
        Ok(true)
    }

    /// The outbox, newest first, optionally of one status.
    pub async fn outbox(
        &self,
        status: Option<OutboxStatus>,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows =
            match status {
                Some(status) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {ROW_COLUMNS} FROM outbox WHERE status = $1 ORDER BY id DESC LIMIT $2"
                )))
                .bind(status.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await,
                None => {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {ROW_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1"
                    )))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                }
            }
            .map_err(query_error("listing the outbox"))?;
        rows.iter().map(OutboxRow::from_row).collect()
    }

    /// One message as listed.
    pub async fn outbox_row(&self, id: i64) -> Result<Option<OutboxRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ROW_COLUMNS} FROM outbox WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("reading a queued message"))?;
        row.as_ref().map(OutboxRow::from_row).transpose()
    }

    /// Messages a run queued, in id order.
    pub async fn outbox_of_run(&self, run_id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ROW_COLUMNS} FROM outbox WHERE run_id = $1 ORDER BY id"
        )))
        .bind(run_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("listing a run's mail"))?;
        rows.iter().map(OutboxRow::from_row).collect()
    }

    /// The earliest time a queued message is due, for a sender deciding how long to sleep.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<String> =
            sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued'")
                .fetch_one(&self.pool)
                .await
                .map_err(query_error("finding the next due mail"))?;
        parse_optional(next.as_deref())
    }
}

/// Inserts messages, skipping those already queued under the same key.
pub(crate) async fn insert_messages(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    messages: &[NewMessage],
    run_id: Option<i64>,
) -> Result<crate::jobs::Queued, StoreError> {
    let mut outcome = crate::jobs::Queued {
        queued: Vec::new(),
        already_queued: Vec::new(),
    };
    for (index, message) in messages.iter().enumerate() {
        let created = stamp(message.created_at);
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO outbox (run_id, job, dedupe_key, recipient, message_id, envelope_from, envelope_to, subject, message, status, attempts, next_attempt_at, created_at, alerted)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $10, 0)
             ON CONFLICT (job, dedupe_key, recipient) DO NOTHING RETURNING id",
        )
        .bind(run_id)
        .bind(&message.job)
        .bind(&message.dedupe_key)
        .bind(&message.recipient)
        .bind(&message.message_id)
        .bind(&message.envelope_from)
        .bind(message.envelope_to.join(ENVELOPE_SEPARATOR))
        .bind(&message.subject)
        .bind(&message.bytes)
        .bind(created)
        .fetch_optional(&mut **transaction)
        .await
        .map_err(query_error("queuing mail"))?;
        match id {
            Some(id) => outcome.queued.push(id),
            None => outcome.already_queued.push(index),
        }
    }
    Ok(outcome)
}
