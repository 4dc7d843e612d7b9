//! The scheduler: at each tick, every enabled job's due fire runs (once: the fire is recorded
//! as handled in the transaction that queues its mail), fires missed while mamori was down are
//! caught up or recorded missed by the job's policy, and the outbox is flushed. The daemon
//! holds the store's `daemon` lease while it runs, so a second daemon refuses to start.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mamori_mail::Transport;
use mamori_store::{RunTrigger, StoreError};

use crate::outbox::{Clock, FlushReport, Holder, RetryPolicy, flush};
use crate::run::{JobContext, RunError, RunRecord, RunRequest, run_job};
use crate::schedule::{ClosedDays, due};
use crate::spec::{JobSpec, load_dir};

/// The lease the daemon holds.
pub const DAEMON_LEASE: &str = "daemon";
/// How long a lease lasts without renewal; the daemon renews at every tick.
pub const LEASE_TTL: chrono::Duration = chrono::Duration::minutes(3);
/// The longest the daemon sleeps: it re-reads the clock and the job files at least this often.
pub const MAX_SLEEP: Duration = Duration::from_secs(30);

/// What the daemon needs besides the run context.
#[derive(Debug)]
pub struct DaemonConfig {
    pub jobs_dir: PathBuf,
    pub closed: ClosedDays,
    pub retry: RetryPolicy,
    /// Names this process in the lease and outbox leases (`host:pid`).
    pub holder: String,
    /// Whether the holder of a lease is known to be gone (a process of this host that no longer
    /// runs): its lease is taken over at once instead of waiting for it to expire.
    pub holder_is_gone: fn(&str) -> bool,
}

/// What one tick did.
#[derive(Debug, Default)]
pub struct TickReport {
    pub runs: Vec<RunRecord>,
    /// (job, fires recorded missed).
    pub missed: Vec<(String, u64)>,
    pub flushed: FlushReport,
    /// The earliest next fire of any job.
    pub next_fire: Option<DateTime<Utc>>,
}

/// Why the daemon stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("another daemon (`{holder}`) holds the store's lock until {until}; stop it first")]
    Locked {
        holder: String,
        until: DateTime<Utc>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// One pass over the jobs at `now`: runs what is due, records what was missed, flushes mail.
pub async fn tick(
    context: &JobContext,
    transport: &Transport,
    jobs: &[JobSpec],
    config: &DaemonConfig,
    clock: &dyn Clock,
) -> Result<TickReport, DaemonError> {
    let mut report = TickReport::default();
    for spec in jobs.iter().filter(|spec| spec.enabled()) {
        let now = clock.now();
        // A job can take minutes (a folder of PDFs, an import): the lease is renewed before
        // each one, so it never lapses while this daemon is working.
        if let Some((holder, until)) = hold_lease(context, config, now).await? {
            return Err(DaemonError::Locked { holder, until });
        }
        let state = context.store.register_job(spec.name(), now).await?;
        let since = state.last_fire_at.unwrap_or(state.first_seen_at);
        let due = due(
            spec.schedule(),
            spec.on_closed_day(),
            &config.closed,
            &spec.catch_up(),
            since,
            now,
        );
        if due.missed_count > 0 {
            let fires: Vec<DateTime<Utc>> = due.missed.iter().map(|fire| fire.at).collect();
            let listed = fires.len() as u64;
            context
                .store
                .record_missed(
                    spec.name(),
                    &fires,
                    due.missed_count.saturating_sub(listed),
                    now,
                    "mamori が止まっていたため実行しませんでした（catch_up の対象外）",
                )
                .await?;
            tracing::warn!(job = %spec.name(), missed = due.missed_count, "fires missed while mamori was down");
            report
                .missed
                .push((spec.name().to_owned(), due.missed_count));
        }
        if let Some(fire) = &due.run {
            let on_time = now - fire.at <= crate::schedule::ON_TIME;
            let record = run_job(
                context,
                spec,
                state.approved_fingerprint.as_deref(),
                RunRequest {
                    scheduled_for: fire.at,
                    trigger: if on_time {
                        RunTrigger::Schedule
                    } else {
                        RunTrigger::CatchUp
                    },
                    dry_run: false,
                    now,
                },
            )
            .await?;
            report.runs.push(record);
        }
        if let Some(next) = &due.next {
            report.next_fire = Some(
                report
                    .next_fire
                    .map_or(next.at, |earliest| earliest.min(next.at)),
            );
        }
    }
    report.flushed = flush(
        &context.store,
        transport,
        &context.mail,
        &config.retry,
        clock,
        Holder {
            name: &config.holder,
            is_gone: config.holder_is_gone,
        },
    )
    .await?;
    Ok(report)
}

/// Takes or renews the daemon's lease; `Some((holder, until))` when another process holds it.
async fn hold_lease(
    context: &JobContext,
    config: &DaemonConfig,
    now: DateTime<Utc>,
) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
    if context
        .store
        .take_lease(DAEMON_LEASE, &config.holder, now, now + LEASE_TTL)
        .await?
    {
        return Ok(None);
    }
    let holder = context.store.lease(DAEMON_LEASE).await?;
    Ok(Some(holder.unwrap_or_else(|| ("?".to_owned(), now))))
}

/// Runs until `shutdown` resolves: takes the lease, closes runs a dead process left open, then
/// ticks, reloading the job files each time, and sleeps until the next fire, the next retry or
/// [`MAX_SLEEP`]. A job in hand finishes before the daemon stops.
pub async fn run_daemon(
    context: &JobContext,
    transport: &Transport,
    config: &DaemonConfig,
    clock: &dyn Clock,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<(), DaemonError> {
    let mut shutdown = shutdown;
    let now = clock.now();
    if let Some((holder, until)) = hold_lease(context, config, now).await? {
        let taken_over = (config.holder_is_gone)(&holder) && {
            tracing::warn!(%holder, "the daemon holding the store is gone; taking over");
            context.store.release_lease(DAEMON_LEASE, &holder).await?;
            context
                .store
                .take_lease(DAEMON_LEASE, &config.holder, now, now + LEASE_TTL)
                .await?
        };
        if !taken_over {
            return Err(DaemonError::Locked { holder, until });
        }
    }
    let interrupted = context.store.interrupt_running(now).await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "runs left open by a process that ended are marked interrupted"
        );
    }
    tracing::info!(holder = %config.holder, jobs = %config.jobs_dir.display(), "daemon started");
    let mut known: Vec<(String, String)> = Vec::new();
    let result = loop {
        let loaded = load_dir(&config.jobs_dir);
        for error in &loaded.errors {
            tracing::error!(code = error.code(), "{error}");
        }
        let fingerprints: Vec<(String, String)> = loaded
            .jobs
            .iter()
            .map(|spec| (spec.name().to_owned(), format!("{spec:?}")))
            .collect();
        if fingerprints != known {
            tracing::info!(jobs = loaded.jobs.len(), "job files loaded");
            known = fingerprints;
        }
        let report = match tick(context, transport, &loaded.jobs, config, clock).await {
            Ok(report) => report,
            Err(error @ DaemonError::Locked { .. }) => break Err(error),
            Err(error) => {
                // The store busy or unreachable for a moment: say so and try again after the
                // usual sleep rather than stop scheduling.
                tracing::error!(%error, "tick failed; trying again");
                TickReport::default()
            }
        };
        let now = clock.now();
        match hold_lease(context, config, now).await {
            Ok(None) => {}
            Ok(Some((holder, until))) => break Err(DaemonError::Locked { holder, until }),
            Err(error) => tracing::error!(%error, "cannot renew the daemon's lease; trying again"),
        }
        let next_mail = context.store.next_due().await.unwrap_or(None);
        let wake = [report.next_fire, next_mail].into_iter().flatten().min();
        let sleep = wake
            .map(|at| (at - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP)
            .max(Duration::from_millis(200));
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break Ok(());
                }
            }
        }
        if *shutdown.borrow() {
            break Ok(());
        }
    };
    if let Err(error) = context
        .store
        .release_lease(DAEMON_LEASE, &config.holder)
        .await
    {
        tracing::warn!(%error, "cannot release the daemon's lease; it runs out by itself");
    }
    tracing::info!("daemon stopped");
    result
}
