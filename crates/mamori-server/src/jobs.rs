//! ジョブ: each job's next runs, the run history with stage outcomes and the outbox; "run now"
//! and "preview mail" behind a confirmation page. A run here is the same `run_job` the daemon
//! and `mamori jobs run` make (trigger `manual`), its mail flushed at once like the command's.

use axum::Json;
use axum::extract::{Extension, Form, Path, State};
use axum::response::Html;
use chrono::Utc;
use mail_parser::MimeHeaders as _;
use mamori_jobs::outbox::{Clock, FlushReport, Holder, RetryPolicy, flush};
use mamori_jobs::run::{
    RunRecord, RunRequest, run_job, run_status_label as status_label,
    run_trigger_label as trigger_label,
};
use mamori_jobs::schedule::next_fires;
use mamori_jobs::spec::{JobKind, JobSpec, load_dir};
use mamori_store::RunTrigger;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::security::CsrfToken;
use crate::state::AppState;

/// How many runs and messages the page lists.
const LISTED: u32 = 30;

struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> chrono::DateTime<Utc> {
        Utc::now()
    }
}

fn short(time: chrono::DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    time.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn outbox_label(status: &str) -> &'static str {
    match status {
        "pending" => "送信待ち",
        "sent" => "送信済み",
        "retry" => "再試行待ち",
        "failed" => "失敗",
        "dead" => "断念",
        _ => "送信中",
    }
}

/// A job as listed (`GET /api/jobs` and the page).
#[derive(Debug, Serialize)]
struct ListedJob {
    name: String,
    description: Option<String>,
    kind: &'static str,
    schedule: String,
    timezone: String,
    enabled: bool,
    next: Vec<ListedFire>,
    approved: bool,
    approval_needed: bool,
    recipients: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ListedFire {
    at: String,
    label: String,
    moved_because: Option<String>,
}

fn recipients(spec: &JobSpec) -> Vec<String> {
    let mut list: Vec<String> = spec
        .mail()
        .to()
        .iter()
        .chain(spec.mail().cc())
        .cloned()
        .collect();
    if let JobKind::FiguresReminder(kind) = spec.kind() {
        list.extend(
            kind.contacts()
                .iter()
                .map(|(agency, address)| format!("{agency}: {address}")),
        );
    }
    list
}

async fn listed_jobs(state: &AppState) -> Result<(Vec<ListedJob>, Vec<String>), ApiError> {
    let config = state.config();
    let loaded = load_dir(&config.jobs_dir);
    let errors = loaded
        .errors
        .iter()
        .map(|error| format!("[{}] {error}", error.code()))
        .collect();
    let now = Utc::now();
    let approval_needed = config.context.mail.sends_outside();
    let mut jobs = Vec::with_capacity(loaded.jobs.len());
    for spec in &loaded.jobs {
        let zone = spec.schedule().zone();
        let state_row = config.context.store.job_state(spec.name()).await?;
        jobs.push(ListedJob {
            name: spec.name().to_owned(),
            description: spec.description().map(str::to_owned),
            kind: spec.kind().label(),
            schedule: spec.schedule().pattern().to_owned(),
            timezone: zone.to_string(),
            enabled: spec.enabled(),
            next: next_fires(
                spec.schedule(),
                spec.on_closed_day(),
                &config.closed_days,
                now,
                3,
            )
            .into_iter()
            .map(|fire| ListedFire {
                at: fire.at.with_timezone(&zone).to_rfc3339(),
                label: short(fire.at, zone),
                moved_because: fire.moved_because,
            })
            .collect(),
            approved: state_row.and_then(|row| row.approved_fingerprint)
                == Some(spec.recipients_fingerprint()),
            approval_needed,
            recipients: recipients(spec),
        });
    }
    Ok((jobs, errors))
}

async fn history_json(
    state: &AppState,
    job: Option<&str>,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let zone = chrono_tz::Asia::Tokyo;
    let runs = state.config().context.store.runs(job, LISTED).await?;
    Ok(runs
        .iter()
        .map(|run| {
            let stages: serde_json::Value =
                serde_json::from_str(&run.stages).unwrap_or(serde_json::Value::Array(Vec::new()));
            serde_json::json!({
                "id": run.id,
                "job": run.job,
                "scheduled_for": run.scheduled_for.to_rfc3339(),
                "scheduled_label": short(run.scheduled_for, zone),
                "trigger": run.trigger.as_str(),
                "trigger_label": trigger_label(run.trigger.as_str()),
                "status": run.status.as_str(),
                "status_label": status_label(run.status.as_str()),
                "detail": run.detail,
                "stages": stages,
            })
        })
        .collect())
}

async fn outbox_json(state: &AppState) -> Result<Vec<serde_json::Value>, ApiError> {
    let zone = chrono_tz::Asia::Tokyo;
    let rows = state.config().context.store.outbox(None, LISTED).await?;
    Ok(rows
        .iter()
        .map(|row| {
            serde_json::json!({
                "id": row.id,
                "job": row.job,
                "recipient": row.recipient,
                "subject": row.subject,
                "status": row.status.as_str(),
                "status_label": outbox_label(row.status.as_str()),
                "attempts": row.attempts,
                "created_label": short(row.created_at, zone),
                "sent_label": row.sent_at.map(|at| short(at, zone)),
                "last_error": row.last_error,
            })
        })
        .collect())
}

/// `GET /jobs`.
pub(crate) async fn page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, ApiError> {
    let (jobs, errors) = listed_jobs(&state).await?;
    let history = history_json(&state, None).await?;
    let outbox = outbox_json(&state).await?;
    state.inner.pages.render(
        "jobs.html",
        &csrf,
        serde_json::json!({
            "title": "ジョブ",
            "jobs": jobs,
            "errors": errors,
            "history": history,
            "outbox": outbox,
        }),
    )
}

/// `GET /api/jobs`: the jobs as `mamori jobs list --json` describes them, with their history
/// and the outbox.
pub(crate) async fn api_list(
    State(state): State<AppState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (jobs, errors) = listed_jobs(&state).await?;
    Ok(Json(serde_json::json!({
        "jobs": jobs,
        "errors": errors,
        "history": history_json(&state, None).await?,
        "outbox": outbox_json(&state).await?,
    })))
}

fn find(state: &AppState, name: &str) -> Result<JobSpec, ApiError> {
    load_dir(&state.config().jobs_dir)
        .jobs
        .into_iter()
        .find(|spec| spec.name() == name)
        .ok_or_else(|| ApiError::not_found(&format!("ジョブ「{name}」")))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ModeQuery {
    #[serde(default)]
    mode: Option<String>,
}

/// `GET /jobs/{name}/run?mode=run|preview`: what will happen, and the button that does it.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Path(name): Path<String>,
    axum::extract::Query(query): axum::extract::Query<ModeQuery>,
) -> Result<Html<String>, ApiError> {
    let spec = find(&state, &name)?;
    let preview = query.mode.as_deref() == Some("preview");
    let (jobs, _) = listed_jobs(&state).await?;
    let job = jobs.into_iter().find(|job| job.name == name);
    state.inner.pages.render(
        "job_confirm.html",
        &csrf,
        serde_json::json!({
            "title": if preview { "メールのプレビュー" } else { "今すぐ実行" },
            "job": job,
            "preview": preview,
            "name": spec.name(),
        }),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct RunForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mode: String,
}

/// What a run here did: the run record, its delivery, and the previewed messages.
#[derive(Debug, Serialize)]
struct RunOutcome {
    #[serde(flatten)]
    record: RunRecord,
    delivery: FlushReport,
    messages: Vec<PreviewMessage>,
}

/// A message of a preview, as a person reads it.
#[derive(Debug, Serialize)]
struct PreviewMessage {
    file: String,
    to: String,
    subject: String,
    text: String,
    attachments: Vec<String>,
}

async fn run_now(state: &AppState, name: &str, preview: bool) -> Result<RunOutcome, ApiError> {
    let spec = find(state, name)?;
    let config = state.config();
    let now = Utc::now();
    let job_state = config.context.store.register_job(spec.name(), now).await?;
    let record = run_job(
        &config.context,
        &spec,
        job_state.approved_fingerprint.as_deref(),
        RunRequest {
            scheduled_for: chrono::DurationRound::duration_trunc(
                now,
                chrono::TimeDelta::seconds(1),
            )
            .unwrap_or(now),
            trigger: RunTrigger::Manual,
            dry_run: preview,
            now,
        },
    )
    .await
    .map_err(|error| ApiError::internal(&error))?;
    let delivery = if preview {
        FlushReport::default()
    } else {
        flush(
            &config.context.store,
            &config.transport,
            &config.context.mail,
            &RetryPolicy::standard(),
            &WallClock,
            Holder {
                name: &config.holder,
                is_gone: config.holder_is_gone,
            },
        )
        .await?
    };
    let messages = match &record.preview {
        Some(folder) => read_preview(folder).await,
        None => Vec::new(),
    };
    tracing::info!(job = %record.job, status = record.status, "a job was run from the web");
    Ok(RunOutcome {
        record,
        delivery,
        messages,
    })
}

/// The `.eml` files of a preview folder, decoded for reading.
async fn read_preview(folder: &std::path::Path) -> Vec<PreviewMessage> {
    let Ok(mut entries) = tokio::fs::read_dir(folder).await else {
        return Vec::new();
    };
    let mut messages = Vec::new();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !file.ends_with(".eml") {
            continue;
        }
        let Ok(bytes) = tokio::fs::read(entry.path()).await else {
            continue;
        };
        let Some(message) = mail_parser::MessageParser::default().parse(&bytes) else {
            continue;
        };
        let to = message
            .to()
            .map(|to| {
                to.iter()
                    .filter_map(|address| address.address())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        messages.push(PreviewMessage {
            file,
            to,
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|text| text.into_owned())
                .unwrap_or_default(),
            attachments: message
                .attachments()
                .filter_map(|part| part.attachment_name().map(str::to_owned))
                .collect(),
        });
    }
    messages.sort_by(|a, b| a.file.cmp(&b.file));
    messages
}

/// `POST /jobs/{name}/run` (form: `csrf`, `mode` = `run` or `preview`).
pub(crate) async fn run(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Path(name): Path<String>,
    Form(form): Form<RunForm>,
) -> Result<Html<String>, ApiError> {
    if !csrf.accepts(&form.csrf) {
        return Err(ApiError::forbidden_cross_site());
    }
    let preview = form.mode == "preview";
    let outcome = run_now(&state, &name, preview).await?;
    let stages: Vec<serde_json::Value> = outcome
        .record
        .stages
        .iter()
        .map(|stage| serde_json::to_value(stage).unwrap_or_default())
        .collect();
    state.inner.pages.render(
        "job_result.html",
        &csrf,
        serde_json::json!({
            "title": if preview { "メールのプレビュー" } else { "実行結果" },
            "name": name,
            "status_label": status_label(outcome.record.status),
            "status": outcome.record.status,
            "detail": &outcome.record.detail,
            "stages": stages,
            "queued": outcome.record.queued,
            "delivery": &outcome.delivery,
            "messages": &outcome.messages,
            "preview": preview,
        }),
    )
}

/// `POST /api/jobs/{name}/run[?mode=preview]`: `mamori jobs run --json`'s object, plus the
/// previewed messages.
pub(crate) async fn api_run(
    State(state): State<AppState>,
    Path(name): Path<String>,
    axum::extract::Query(query): axum::extract::Query<ModeQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let preview = query.mode.as_deref() == Some("preview");
    let outcome = run_now(&state, &name, preview).await?;
    serde_json::to_value(&outcome)
        .map(Json)
        .map_err(|error| ApiError::internal(&error))
}

/// `GET /api/jobs/{name}/history`.
pub(crate) async fn api_history(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    find(&state, &name)?;
    Ok(Json(
        serde_json::json!({ "runs": history_json(&state, Some(&name)).await? }),
    ))
}
