//! Job state and run history: when a job was first seen, the last fire handled, the approved
//! recipients, and every run with its stages. Finishing a run and queuing its mail is one
//! transaction, so a crash leaves either both or neither.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::outbox::{NewMessage, insert_messages};
use crate::time::{parse, parse_optional, stamp};
use crate::{Store, StoreError, query_error};

/// What the store remembers of a job between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub name: String,
    pub first_seen_at: DateTime<Utc>,
    /// The last fire handled, by running it or recording it missed.
    pub last_fire_at: Option<DateTime<Utc>>,
    /// The recipients' fingerprint last approved with `mamori jobs approve`.
    pub approved_fingerprint: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTrigger {
    Schedule,
    CatchUp,
    Manual,
    DryRun,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    /// Mail queued for delivery.
    Sent,
    /// Rendered only: a dry run, or a job waiting for approval.
    Preview,
    /// Nothing to send, and the job says to skip (or everything was already sent).
    Skipped,
    /// A fire that was not run (downtime outside the catch-up window).
    Missed,
    Failed,
    /// A run found still `running` when the next process started.
    Interrupted,
}

/// One run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub job: String,
    pub scheduled_for: DateTime<Utc>,
    pub trigger: RunTrigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    /// One sentence for people: why it was skipped, what failed.
    pub detail: String,
    /// The stages' outcomes as JSON (the shape belongs to mamori-jobs).
    pub stages: String,
}

/// The end of a run, recorded with its mail in one transaction.
#[derive(Debug, Clone)]
pub struct FinishedRun<'a> {
    pub run_id: i64,
    pub finished_at: DateTime<Utc>,
    pub status: RunStatus,
    pub detail: &'a str,
    pub stages: &'a str,
    pub messages: &'a [NewMessage],
    /// Set the job's last handled fire (scheduled runs only).
    pub handled_fire: Option<DateTime<Utc>>,
}

/// What finishing a run queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Outbox ids of the messages queued now, in the order given.
    pub queued: Vec<i64>,
    /// Indexes (into the messages given) of messages already in the outbox under the same
    /// (job, dedupe key, recipient): not queued again.
    pub already_queued: Vec<usize>,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            RunTrigger::Schedule => "schedule",
            RunTrigger::CatchUp => "catch-up",
            RunTrigger::Manual => "manual",
            RunTrigger::DryRun => "dry-run",
        }
    }

    fn parse(text: &str) -> Result<RunTrigger, StoreError> {
        [
            RunTrigger::Schedule,
            RunTrigger::CatchUp,
            RunTrigger::Manual,
            RunTrigger::DryRun,
        ]
        .into_iter()
        .find(|trigger| trigger.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown run trigger `{text}`")))
    }
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Sent => "sent",
            RunStatus::Preview => "preview",
            RunStatus::Skipped => "skipped",
            RunStatus::Missed => "missed",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> Result<RunStatus, StoreError> {
        [
            RunStatus::Running,
            RunStatus::Sent,
            RunStatus::Preview,
            RunStatus::Skipped,
            RunStatus::Missed,
            RunStatus::Failed,
            RunStatus::Interrupted,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown run status `{text}`")))
    }
}

impl JobState {
    fn from_row(row: &AnyRow) -> Result<JobState, StoreError> {
        let decode = query_error("decoding a job");
        Ok(JobState {
            name: row.try_get("name").map_err(decode)?,
            first_seen_at: parse(
                &row.try_get::<String, _>("first_seen_at")
                    .map_err(query_error("decoding a job"))?,
            )?,
            last_fire_at: parse_optional(
                row.try_get::<Option<String>, _>("last_fire_at")
                    .map_err(query_error("decoding a job"))?
                    .as_deref(),
            )?,
            approved_fingerprint: row
                .try_get("approved_fingerprint")
                .map_err(query_error("decoding a job"))?,
            approved_at: parse_optional(
                row.try_get::<Option<String>, _>("approved_at")
                    .map_err(query_error("decoding a job"))?
                    .as_deref(),
            )?,
        })
    }
}

impl RunRow {
    fn from_row(row: &AnyRow) -> Result<RunRow, StoreError> {
        let text = |column: &str| -> Result<String, StoreError> {
            row.try_get(column).map_err(query_error("decoding a run"))
        };
        Ok(RunRow {
            id: row.try_get("id").map_err(query_error("decoding a run"))?,
            job: text("job")?,
            scheduled_for: parse(&text("scheduled_for")?)?,
            trigger: RunTrigger::parse(&text("trigger")?)?,
            started_at: parse(&text("started_at")?)?,
            finished_at: parse_optional(
                row.try_get::<Option<String>, _>("finished_at")
                    .map_err(query_error("decoding a run"))?
                    .as_deref(),
            )?,
            status: RunStatus::parse(&text("status")?)?,
            detail: text("detail")?,
            stages: text("stages")?,
        })
    }
}

const RUN_COLUMNS: &str =
    "id, job, scheduled_for, trigger, started_at, finished_at, status, detail, stages";

impl Store {
    /// The job's state, recording it as first seen at `now` when the store has not seen it.
    pub async fn register_job(
        &self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<JobState, StoreError> {
        sqlx::query(
            "INSERT INTO jobs (name, first_seen_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(stamp(now))
        .execute(&self.pool)
        .await
        .map_err(query_error("registering a job"))?;
        self.job_state(name)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("job `{name}` vanished after registering")))
    }

    /// The job's state, if the store has seen it.
    pub async fn job_state(&self, name: &str) -> Result<Option<JobState>, StoreError> {
        let row = sqlx::query(
            "SELECT name, first_seen_at, last_fire_at, approved_fingerprint, approved_at FROM jobs WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("reading a job"))?;
        row.as_ref().map(JobState::from_row).transpose()
    }

    /// Approves the job's recipients as they are now (their fingerprint).
    pub async fn approve_job(
        &self,
        name: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO jobs (name, first_seen_at, approved_fingerprint, approved_at) VALUES ($1, $2, $3, $2)
             ON CONFLICT (name) DO UPDATE SET approved_fingerprint = excluded.approved_fingerprint, approved_at = excluded.approved_at",
        )
        .bind(name)
        .bind(stamp(now))
        .bind(fingerprint)
        .execute(&self.pool)
        .await
        .map_err(query_error("approving a job"))?;
        Ok(())
    }

    /// Records the start of a run; returns its id.
    pub async fn start_run(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        trigger: RunTrigger,
        started_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO job_runs (job, scheduled_for, trigger, started_at, status, detail, stages)
             VALUES ($1, $2, $3, $4, 'running', '', '[]') RETURNING id",
        )
        .bind(job)
        .bind(stamp(scheduled_for))
        .bind(trigger.as_str())
        .bind(stamp(started_at))
        .fetch_one(&self.pool)
        .await
        .map_err(query_error("starting a run"))
    }

    /// Finishes a run: its outcome, its mail into the outbox, and the job's last handled fire,
    /// all in one transaction.
    pub async fn finish_run(&self, run: &FinishedRun<'_>) -> Result<Queued, StoreError> {
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(query_error("starting to finish a run"))?;
        let outcome = insert_messages(&mut transaction, run.messages, Some(run.run_id)).await?;
        sqlx::query(
            "UPDATE job_runs SET finished_at = $1, status = $2, detail = $3, stages = $4 WHERE id = $5",
        )
        .bind(stamp(run.finished_at))
        .bind(run.status.as_str())
        .bind(run.detail)
        .bind(run.stages)
        .bind(run.run_id)
        .execute(&mut *transaction)
        .await
        .map_err(query_error("finishing a run"))?;
        if let Some(fire) = run.handled_fire {
            set_last_fire(&mut transaction, run.run_id, fire).await?;
        }
        transaction
            .commit()
            .await
            .map_err(query_error("committing a run"))?;
        Ok(outcome)
    }

    /// Records fires that were not run (downtime beyond the catch-up window, or `skip`), and
    /// moves the job's last handled fire past them.
    pub async fn record_missed(
        &self,
        job: &str,
        fires: &[DateTime<Utc>],
        uncounted: u64,
        now: DateTime<Utc>,
        detail: &str,
    ) -> Result<(), StoreError> {
        let Some(last) = fires.iter().max().copied() else {
            return Ok(());
        };
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(query_error("starting to record missed fires"))?;
        for fire in fires {
            let detail = if *fire == last && uncounted > 0 {
                format!("{detail}（ほかに {uncounted} 回）")
            } else {
                detail.to_owned()
            };
            sqlx::query(
                "INSERT INTO job_runs (job, scheduled_for, trigger, started_at, finished_at, status, detail, stages)
                 VALUES ($1, $2, 'schedule', $3, $3, 'missed', $4, '[]')",
            )
            .bind(job)
            .bind(stamp(*fire))
            .bind(stamp(now))
            .bind(detail)
            .execute(&mut *transaction)
            .await
            .map_err(query_error("recording a missed fire"))?;
        }
        sqlx::query("UPDATE jobs SET last_fire_at = $1 WHERE name = $2 AND (last_fire_at IS NULL OR last_fire_at < $1)")
            .bind(stamp(last))
            .bind(job)
            .execute(&mut *transaction)
            .await
            .map_err(query_error("moving a job past missed fires"))?;
        transaction
            .commit()
            .await
            .map_err(query_error("committing missed fires"))?;
        Ok(())
    }

    /// Marks runs left `running` by a process that ended (crash, kill) as interrupted.
    pub async fn interrupt_running(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "UPDATE job_runs SET status = 'interrupted', finished_at = $1,
                detail = '実行中にプロセスが終了しました（次の実行で改めて処理します）'
             WHERE status = 'running'",
        )
        .bind(stamp(now))
        .execute(&self.pool)
        .await
        .map_err(query_error("marking interrupted runs"))?;
        Ok(result.rows_affected())
    }

    /// Takes the named lease for `holder` until `expires_at`, unless another holder has it and
    /// it has not expired at `now`. Renewing one's own lease is taking it again. True when
    /// `holder` holds it afterwards.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at) VALUES ($1, $2, $3, $3, $4)
             ON CONFLICT (name) DO UPDATE SET
                holder = excluded.holder,
                acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
                renewed_at = excluded.renewed_at,
                expires_at = excluded.expires_at
             WHERE leases.holder = excluded.holder OR leases.expires_at < excluded.renewed_at",
        )
        .bind(name)
        .bind(holder)
        .bind(stamp(now))
        .bind(stamp(expires_at))
        .execute(&self.pool)
        .await
        .map_err(query_error("taking a lease"))?;
        Ok(result.rows_affected() == 1)
    }

    /// Who holds the named lease and until when, if anyone ever took it.
    pub async fn lease(&self, name: &str) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        let row = sqlx::query("SELECT holder, expires_at FROM leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_error("reading a lease"))?;
        let Some(row) = row else { return Ok(None) };
        let holder: String = row
            .try_get("holder")
            .map_err(query_error("decoding a lease"))?;
        let expires: String = row
            .try_get("expires_at")
            .map_err(query_error("decoding a lease"))?;
        Ok(Some((holder, parse(&expires)?)))
    }

    /// Gives the lease up, if `holder` has it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(query_error("releasing a lease"))?;
        Ok(())
    }

    /// Runs, newest first: all jobs, or one.
    pub async fn runs(&self, job: Option<&str>, limit: u32) -> Result<Vec<RunRow>, StoreError> {
        let rows = match job {
            Some(job) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {RUN_COLUMNS} FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2"
                )))
                .bind(job)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {RUN_COLUMNS} FROM job_runs ORDER BY started_at DESC, id DESC LIMIT $1"
                )))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(query_error("listing runs"))?;
        rows.iter().map(RunRow::from_row).collect()
    }
}

async fn set_last_fire(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    run_id: i64,
    fire: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET last_fire_at = $1
         WHERE name = (SELECT job FROM job_runs WHERE id = $2) AND (last_fire_at IS NULL OR last_fire_at < $1)",
    )
    .bind(stamp(fire))
    .bind(run_id)
    .execute(&mut **transaction)
    .await
    .map_err(query_error("recording a job's last fire"))?;
    Ok(())
}
