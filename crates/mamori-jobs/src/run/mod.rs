//! One run of a job: its stages in order, recorded in the store whatever happens, its mail
//! queued in the same transaction that finishes the run.
//!
//! A run ends in one of these, and the history says which and why:
//! - `sent`: mail queued for delivery (then delivered from the outbox);
//! - `preview`: rendered into a folder only (`--dry-run`, or a job whose recipients nobody has
//!   approved yet while the transport sends outside);
//! - `skipped`: nothing to report and the job says to skip, or the mail of this fire was
//!   queued before;
//! - `failed`: a stage failed; the admin is alerted.

mod annual_report;
mod contract_review;
mod figures_reminder;
mod outgoing;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mamori_core::CategorySchema;
use mamori_mail::{Address, TransportUrl};
use mamori_report::{City, Rollup, Templates};
use mamori_store::{FinishedRun, RunStatus, RunTrigger, Store, StoreError};
use serde::Serialize;

pub use outgoing::{Outgoing, preview_name};

use crate::alert::{Alert, alert_message, announce};
use crate::spec::{JobKind, JobSpec, WhenEmpty};

/// Everything a run needs besides its job: built once by the caller (the CLI from
/// `mamori.toml`, the server from its state).
#[derive(Debug)]
pub struct JobContext {
    pub store: Store,
    pub schema: CategorySchema,
    pub city: City,
    pub rollup: Rollup,
    pub templates: Templates,
    /// The city's checklist (`[audit] ruleset`), loaded when a contract review runs so an idle
    /// daemon does not hold it; `None` for the built-in one.
    pub audit_ruleset: Option<PathBuf>,
    /// The city's clause wording folder (`[audit] clauses`); `None` for the built-in texts.
    pub audit_clauses: Option<PathBuf>,
    pub mail: MailSettings,
    /// Where reports and previews are written (`./mamori-data` by default).
    pub data_dir: PathBuf,
}

/// Who mail comes from, where it goes through, and who hears about failures.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub from: Address,
    pub admin: Option<Address>,
    pub transport: TransportUrl,
    /// Failure alerts are also posted here as JSON.
    /// (A secret: such URLs carry their token; never logged.)
    pub webhook: Option<mamori_mail::Secret>,
}

impl MailSettings {
    /// Whether mail leaves the machine (SMTP) rather than landing in a folder.
    pub fn sends_outside(&self) -> bool {
        !matches!(self.transport, TransportUrl::File { .. })
    }
}

/// How this run was started.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest {
    /// The fire this run is for: its identity, with the job, for the mail it queues.
    pub scheduled_for: DateTime<Utc>,
    pub trigger: RunTrigger,
    /// Render into a folder and send nothing.
    pub dry_run: bool,
    /// The caller's clock.
    pub now: DateTime<Utc>,
}

/// One stage's outcome, as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageOutcome {
    pub stage: String,
    /// `ok`, `skipped`, `failed`.
    pub outcome: String,
    pub detail: String,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub run_id: i64,
    pub job: String,
    pub scheduled_for: DateTime<Utc>,
    pub status: &'static str,
    pub detail: String,
    pub stages: Vec<StageOutcome>,
    /// Messages queued by this run.
    pub queued: usize,
    /// Messages this run would have queued that an earlier run of the same fire queued.
    pub already_queued: usize,
    /// Where the preview was written (`preview` runs).
    pub preview: Option<PathBuf>,
    /// Report files written under the data folder.
    pub files: Vec<PathBuf>,
}

/// Why a run could not be recorded at all (a stage failing is a `failed` run, not an error).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a job's kind produced.
#[derive(Debug, Default)]
pub(crate) struct Produced {
    pub(crate) mails: Vec<Outgoing>,
    pub(crate) stages: Vec<StageOutcome>,
    /// Nothing to report (the `when_empty` policy decides).
    pub(crate) empty: Option<String>,
    /// Files to move once the run is recorded (audited contracts to the done folder).
    pub(crate) moves: Vec<(PathBuf, PathBuf)>,
    /// Files to write under the data folder once the run is recorded.
    pub(crate) files: Vec<(PathBuf, Vec<u8>)>,
}

/// A stage that failed: the run is recorded `failed` with it.
#[derive(Debug)]
pub(crate) struct StageFailure {
    pub(crate) stage: &'static str,
    pub(crate) detail: String,
}

impl StageOutcome {
    pub(crate) fn ok(stage: &str, detail: impl Into<String>) -> StageOutcome {
        StageOutcome {
            stage: stage.to_owned(),
            outcome: "ok".to_owned(),
            detail: detail.into(),
        }
    }

    pub(crate) fn skipped(stage: &str, detail: impl Into<String>) -> StageOutcome {
        StageOutcome {
            stage: stage.to_owned(),
            outcome: "skipped".to_owned(),
            detail: detail.into(),
        }
    }
}

/// Runs `spec` once for `request` and records it.
pub async fn run_job(
    context: &JobContext,
    spec: &JobSpec,
    approved_fingerprint: Option<&str>,
    request: RunRequest,
) -> Result<RunRecord, RunError> {
    let store = &context.store;
    store.register_job(spec.name(), request.now).await?;
    let trigger = if request.dry_run {
        RunTrigger::DryRun
    } else {
        request.trigger
    };
    let run_id = store
        .start_run(spec.name(), request.scheduled_for, trigger, request.now)
        .await?;
    tracing::info!(job = %spec.name(), run = run_id, scheduled_for = %request.scheduled_for, "run started");
    let handled_fire = matches!(trigger, RunTrigger::Schedule | RunTrigger::CatchUp)
        .then_some(request.scheduled_for);

    let produced = match spec.kind() {
        JobKind::AnnualReport(kind) => annual_report::produce(context, spec, kind, &request).await,
        JobKind::ContractReview(kind) => {
            contract_review::produce(context, spec, kind, &request).await
        }
        JobKind::FiguresReminder(kind) => {
            figures_reminder::produce(context, spec, kind, &request).await
        }
    };
    let mut produced = match produced {
        Ok(produced) => produced,
        Err((mut stages, failure)) => {
            stages.push(StageOutcome {
                stage: failure.stage.to_owned(),
                outcome: "failed".to_owned(),
                detail: failure.detail.clone(),
            });
            let detail = format!("{}で失敗しました: {}", failure.stage, failure.detail);
            let stages_json = stages_json(&stages);
            let key = format!("run/{run_id}");
            let alert = Alert {
                job: spec.name(),
                key: &key,
                summary: &detail,
                now: request.now,
            };
            // The alert is queued in the transaction that records the failure.
            let alerts: Vec<_> = alert_message(&context.mail, &alert).into_iter().collect();
            store
                .finish_run(&FinishedRun {
                    run_id,
                    finished_at: request.now,
                    status: RunStatus::Failed,
                    detail: &detail,
                    stages: &stages_json,
                    messages: &alerts,
                    handled_fire,
                })
                .await?;
            tracing::warn!(job = %spec.name(), run = run_id, %detail, "run failed");
            announce(context, &alert).await;
            return Ok(RunRecord {
                run_id,
                job: spec.name().to_owned(),
                scheduled_for: request.scheduled_for,
                status: RunStatus::Failed.as_str(),
                detail,
                stages,
                queued: 0,
                already_queued: 0,
                preview: None,
                files: Vec::new(),
            });
        }
    };

    if let Some(reason) = produced.empty.clone() {
        match spec.when_empty() {
            WhenEmpty::Skip => {
                let detail = format!("{reason}。when_empty = \"skip\" のため送りませんでした");
                produced.mails.clear();
                produced
                    .stages
                    .push(StageOutcome::skipped("送信", detail.clone()));
                return finish(
                    context,
                    spec,
                    run_id,
                    &request,
                    RunStatus::Skipped,
                    detail,
                    produced,
                    Vec::new(),
                    handled_fire,
                )
                .await;
            }
            WhenEmpty::Notify => {
                produced.mails = vec![outgoing::nothing_to_report(spec, &reason, &request)];
            }
        }
    }

    let outside = context.mail.sends_outside();
    let approved = approved_fingerprint == Some(spec.recipients_fingerprint().as_str());
    let preview_only = request.dry_run || (outside && !approved);
    let folder = context
        .data_dir
        .join("previews")
        .join(spec.name())
        .join(crate::run::outgoing::stamp_for_path(request.scheduled_for));
    let composed = match preview_only {
        true => outgoing::write_preview(context, spec, &produced.mails, &request, &folder)
            .map(|()| Vec::new())
            .map_err(|error| format!("{}: {error}", folder.display())),
        false => outgoing::to_messages(context, spec, &produced.mails, &request),
    };
    let messages = match composed {
        Ok(messages) => messages,
        Err(problem) => {
            produced.stages.push(StageOutcome {
                stage: "メール作成".to_owned(),
                outcome: "failed".to_owned(),
                detail: problem.clone(),
            });
            produced.moves.clear();
            produced.files.clear();
            let detail = format!("メール作成で失敗しました: {problem}");
            let key = format!("run/{run_id}");
            let alert = Alert {
                job: spec.name(),
                key: &key,
                summary: &detail,
                now: request.now,
            };
            let alerts: Vec<_> = alert_message(&context.mail, &alert).into_iter().collect();
            let record = finish(
                context,
                spec,
                run_id,
                &request,
                RunStatus::Failed,
                detail.clone(),
                produced,
                alerts,
                handled_fire,
            )
            .await?;
            announce(context, &alert).await;
            return Ok(record);
        }
    };
    if preview_only {
        let detail = if request.dry_run {
            format!(
                "--dry-run: {} 通を {} に書き出し、送信していません",
                produced.mails.len(),
                folder.display()
            )
        } else {
            format!(
                "宛先が未承認のため送信していません。{} を確認し、`mamori jobs approve {}` で承認してください",
                folder.display(),
                spec.name()
            )
        };
        produced
            .stages
            .push(StageOutcome::skipped("送信", detail.clone()));
        produced.moves.clear();
        let mut record = finish(
            context,
            spec,
            run_id,
            &request,
            RunStatus::Preview,
            detail,
            produced,
            Vec::new(),
            handled_fire,
        )
        .await?;
        record.preview = Some(folder);
        return Ok(record);
    }
    if messages.is_empty() {
        let detail =
            "送る相手がいないため、送信していません（宛先・連絡先を確認してください）".to_owned();
        produced
            .stages
            .push(StageOutcome::skipped("送信", detail.clone()));
        return finish(
            context,
            spec,
            run_id,
            &request,
            RunStatus::Skipped,
            detail,
            produced,
            Vec::new(),
            handled_fire,
        )
        .await;
    }
    let detail = format!("{} 通を送信待ちにしました", messages.len());
    produced
        .stages
        .push(StageOutcome::ok("送信待ち", detail.clone()));
    finish(
        context,
        spec,
        run_id,
        &request,
        RunStatus::Sent,
        detail,
        produced,
        messages,
        handled_fire,
    )
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per run outcome, all fields named"
)]
async fn finish(
    context: &JobContext,
    spec: &JobSpec,
    run_id: i64,
    request: &RunRequest,
    status: RunStatus,
    detail: String,
    produced: Produced,
    messages: Vec<mamori_store::NewMessage>,
    handled_fire: Option<DateTime<Utc>>,
) -> Result<RunRecord, RunError> {
    let mut status = status;
    let mut detail = detail;
    let mut produced = produced;
    let stages_json = stages_json(&produced.stages);
    let queued = context
        .store
        .finish_run(&FinishedRun {
            run_id,
            finished_at: request.now,
            status,
            detail: &detail,
            stages: &stages_json,
            messages: &messages,
            handled_fire,
        })
        .await?;
    if status == RunStatus::Sent && queued.queued.is_empty() && !messages.is_empty() {
        // Everything was queued by an earlier run of this fire: nothing goes out twice.
        status = RunStatus::Skipped;
        detail = "この実行時刻の送信は済んでいるため、再送しませんでした".to_owned();
        produced.stages.pop();
        produced
            .stages
            .push(StageOutcome::skipped("送信待ち", detail.clone()));
        let stages_json = self::stages_json(&produced.stages);
        context
            .store
            .finish_run(&FinishedRun {
                run_id,
                finished_at: request.now,
                status,
                detail: &detail,
                stages: &stages_json,
                messages: &[],
                handled_fire: None,
            })
            .await?;
    }
    let mut files = Vec::new();
    if status != RunStatus::Failed {
        for (path, bytes) in &produced.files {
            match write_atomically(path, bytes) {
                Ok(()) => files.push(path.clone()),
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "cannot write a report file")
                }
            }
        }
        for (from, to) in &produced.moves {
            if let Err(error) = move_file(from, to) {
                tracing::warn!(from = %from.display(), to = %to.display(), %error, "cannot move an audited file");
            }
        }
    }
    tracing::info!(job = %spec.name(), run = run_id, status = status.as_str(), queued = queued.queued.len(), "run finished");
    Ok(RunRecord {
        run_id,
        job: spec.name().to_owned(),
        scheduled_for: request.scheduled_for,
        status: status.as_str(),
        detail,
        stages: produced.stages,
        queued: queued.queued.len(),
        already_queued: queued.already_queued.len(),
        preview: None,
        files,
    })
}

fn stages_json(stages: &[StageOutcome]) -> String {
    serde_json::to_string(stages).unwrap_or_else(|_| "[]".to_owned())
}

/// Writes through a temporary name in the same folder, then renames.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.partial"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// Moves a file, keeping an existing file of the same name at the destination (a numbered
/// name is used instead).
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    let folder = to.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let mut target = to.to_path_buf();
    let stem = to
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = to
        .extension()
        .map(|extension| format!(".{}", extension.to_string_lossy()))
        .unwrap_or_default();
    let mut number = 1;
    while target.exists() {
        number += 1;
        target = folder.join(format!("{stem} ({number}){extension}"));
    }
    match std::fs::rename(from, &target) {
        Ok(()) => Ok(()),
        Err(_) => {
            std::fs::copy(from, &target)?;
            std::fs::remove_file(from)
        }
    }
}

/// How a run ended, for people.
pub fn run_status_label(status: &str) -> &'static str {
    match status {
        "sent" => "送信待ちに登録",
        "preview" => "プレビューのみ",
        "skipped" => "送信なし",
        "missed" => "未実行（停止中）",
        "failed" => "失敗",
        "interrupted" => "中断",
        _ => "実行中",
    }
}

/// Why a run started, for people.
pub fn run_trigger_label(trigger: &str) -> &'static str {
    match trigger {
        "schedule" => "予定どおり",
        "catch-up" => "再開後の実行",
        "dry-run" => "試行（プレビュー）",
        _ => "手動",
    }
}
