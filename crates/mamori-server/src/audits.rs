//! 契約書チェック: contracts uploaded (docx, pdf, txt), their text extracted in a worker, checked
//! for the eight clauses by mamori-audit exactly as `mamori audit` does, and every result kept as
//! an audit record (hash, checklist version, the result as shown) that can be shown again.

use axum::Json;
use axum::extract::{Extension, Multipart, Path, Query, State};
use axum::response::{Html, IntoResponse as _, Response};
use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::compare::compare;
use mamori_audit::report::AuditReport;
use mamori_audit::source::SourceText;
use mamori_report::audit::AuditView;
use mamori_store::NewAudit;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::security::CsrfToken;
use crate::state::AppState;
use crate::upload::{self, Form, Upload};
use crate::worker;

/// How many past audits the page lists.
const LISTED: u32 = 50;

/// One uploaded contract's outcome.
#[derive(Debug)]
enum Outcome {
    Audited {
        id: i64,
        /// The JSON `mamori audit --json` prints for the contract, plus `audit_id`.
        item: serde_json::Value,
        view: AuditView,
    },
    Failed(FileError),
}

/// A contract that could not be audited, with the stable code of why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FileError {
    pub(crate) file: String,
    pub(crate) code: String,
    pub(crate) message: String,
}

/// What an audit record keeps: the API's JSON and the view the page and downloads are made from.
#[derive(Debug, Serialize, Deserialize)]
struct Recorded {
    item: serde_json::Value,
    view: AuditView,
}

/// `GET /audit`: the upload form and past audits.
pub(crate) async fn page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, ApiError> {
    let store = &state.config().context.store;
    let past = store.audits(LISTED).await?;
    let past: Vec<serde_json::Value> = past.iter().map(row_json).collect();
    state.inner.pages.render(
        "audit.html",
        &csrf,
        serde_json::json!({
            "title": "契約書チェック",
            "past": past,
            "ruleset": state.inner.ruleset.label(),
            "limit_mib": state.config().upload_limit_bytes / 1024 / 1024,
        }),
    )
}

fn row_json(row: &mamori_store::AuditRow) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "file": row.file,
        "sha256": row.sha256,
        "ruleset": row.ruleset,
        "ruleset_version": row.ruleset_version,
        "verdict": row.verdict,
        "verdict_label": if row.verdict == "pass" { "適合" } else { "要確認" },
        "audited_at": row.audited_at.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%d %H:%M").to_string(),
    })
}

/// `POST /audit`: the result page for the contracts sent.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    multipart: Multipart,
) -> Result<Html<String>, ApiError> {
    let form = upload::receive(&state, multipart, Some(&csrf)).await?;
    let outcomes = audit_form(&state, form).await?;
    let mut view: Option<AuditView> = None;
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Audited { id, view: one, .. } => {
                records.push(id);
                merge(&mut view, one);
            }
            Outcome::Failed(error) => errors.push(error),
        }
    }
    state.inner.pages.render(
        "audit_result.html",
        &csrf,
        serde_json::json!({
            "title": "契約書チェックの結果",
            "audit": view,
            "records": records,
            "errors": errors,
        }),
    )
}

/// Adds one contract's view to a batch.
fn merge(batch: &mut Option<AuditView>, one: AuditView) {
    match batch {
        Some(batch) => batch.contracts.extend(one.contracts),
        None => *batch = Some(one),
    }
}

/// `POST /api/audit`: the same JSON as `mamori audit --json` (one item per contract, with its
/// `audit_id`), contracts that could not be read as `{"file","error":{"code","message"}}`.
pub(crate) async fn api(
    State(state): State<AppState>,
    multipart: Multipart,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let form = upload::receive(&state, multipart, None).await?;
    let outcomes = audit_form(&state, form).await?;
    Ok(Json(
        outcomes
            .into_iter()
            .map(|outcome| match outcome {
                Outcome::Audited { item, .. } => item,
                Outcome::Failed(error) => serde_json::json!({
                    "file": error.file,
                    "error": { "code": error.code, "message": error.message },
                }),
            })
            .collect(),
    ))
}

/// Audits the `contracts` of a form (with its optional `template`), records each result, and
/// removes the uploads.
async fn audit_form(state: &AppState, form: Form) -> Result<Vec<Outcome>, ApiError> {
    let result = audit_uploads(state, &form).await;
    form.discard().await;
    result
}

async fn audit_uploads(state: &AppState, form: &Form) -> Result<Vec<Outcome>, ApiError> {
    let contracts: Vec<&Upload> = form
        .files
        .iter()
        .filter(|file| file.field == "contracts")
        .collect();
    if contracts.is_empty() {
        return Err(ApiError::bad_request(
            "契約書のファイルを選んでください（docx・pdf・txt）",
        ));
    }
    let template = match form.files.iter().find(|file| file.field == "template") {
        Some(file) => match extract(state, file).await? {
            Ok(text) => Some(text),
            Err(error) => {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    &error.code,
                    format!("特記事項のひな形: {}", error.message),
                ));
            }
        },
        None => None,
    };
    let mut outcomes = Vec::with_capacity(contracts.len());
    for file in contracts {
        let text = match extract(state, file).await? {
            Ok(text) => text,
            Err(error) => {
                outcomes.push(Outcome::Failed(error));
                continue;
            }
        };
        outcomes.push(audit_one(state, file, &text, template.as_ref()).await?);
    }
    Ok(outcomes)
}

/// A contract's text, through a worker; files that are no contract are refused by content.
async fn extract(
    state: &AppState,
    file: &Upload,
) -> Result<Result<SourceText, FileError>, ApiError> {
    let failed = |code: &str, message: String| FileError {
        file: file.name.clone(),
        code: code.to_owned(),
        message,
    };
    if !upload::is_contract(&file.head) {
        let error = ApiError::unsupported_file(&file.name, "契約書（docx・pdf・txt）");
        return Ok(Err(failed(&error.code, error.message)));
    }
    let _slot = state.worker_slot().await?;
    match worker::contract(&state.config().worker, &file.path, &file.name).await {
        Ok(Ok(text)) => Ok(Ok(text)),
        Ok(Err((code, message))) => Ok(Err(failed(&code, message))),
        Err(error) => Ok(Err(failed(&error.code, error.message))),
    }
}

async fn audit_one(
    state: &AppState,
    file: &Upload,
    text: &SourceText,
    template: Option<&SourceText>,
) -> Result<Outcome, ApiError> {
    let ruleset = &state.inner.ruleset;
    let request = AuditRequest {
        path: &file.name,
        sha256: &file.sha256,
        main: text,
        annex: None,
    };
    let report: AuditReport = audit(&request, ruleset, &state.inner.wording);
    let comparison = template.map(|template| compare(text, template));
    let view = mamori_jobs::stage::contracts::audit_view(
        std::slice::from_ref(&report),
        std::slice::from_ref(&comparison),
        ruleset,
    );
    let mut item = serde_json::to_value(&report).map_err(|error| ApiError::internal(&error))?;
    if let (Some(comparison), Some(object)) = (&comparison, item.as_object_mut()) {
        object.insert(
            "template_comparison".to_owned(),
            serde_json::to_value(comparison).map_err(|error| ApiError::internal(&error))?,
        );
    }
    let verdict = item
        .get("verdict")
        .and_then(|verdict| verdict.as_str())
        .unwrap_or("fail")
        .to_owned();
    let recorded = Recorded {
        item: item.clone(),
        view: view.clone(),
    };
    let json = serde_json::to_string(&recorded).map_err(|error| ApiError::internal(&error))?;
    let id = state
        .config()
        .context
        .store
        .record_audit(&NewAudit {
            file: &file.name,
            sha256: &file.sha256,
            ruleset: &ruleset.label(),
            ruleset_version: ruleset.version(),
            verdict: &verdict,
            audited_at: chrono::Utc::now(),
            report: &json,
        })
        .await?;
    if let Some(object) = item.as_object_mut() {
        object.insert("audit_id".to_owned(), serde_json::Value::from(id));
    }
    tracing::info!(audit = id, verdict = %verdict, "audited an uploaded contract");
    Ok(Outcome::Audited { id, item, view })
}

async fn record(state: &AppState, id: i64) -> Result<(mamori_store::AuditRow, Recorded), ApiError> {
    let (row, json) = state
        .config()
        .context
        .store
        .audit_record(id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("監査記録 {id} ")))?;
    let recorded: Recorded =
        serde_json::from_str(&json).map_err(|error| ApiError::internal(&error))?;
    Ok((row, recorded))
}

/// `GET /audits/{id}`: a past audit, as it was shown.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<i64>,
) -> Result<Html<String>, ApiError> {
    let (row, recorded) = record(&state, id).await?;
    state.inner.pages.render(
        "audit_result.html",
        &csrf,
        serde_json::json!({
            "title": format!("監査記録 {id}"),
            "audit": recorded.view,
            "records": vec![id],
            "record": row_json(&row),
            "errors": Vec::<FileError>::new(),
        }),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct DownloadQuery {
    format: String,
}

/// `GET /audits/{id}/download?format=xlsx|md|json`.
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let (row, recorded) = record(&state, id).await?;
    let stem = format!(
        "契約書チェック_{}_{}",
        id,
        row.file
            .rsplit_once('.')
            .map_or(row.file.as_str(), |(stem, _)| stem)
    );
    match query.format.as_str() {
        "xlsx" => {
            let bytes = mamori_report::audit::workbook(&recorded.view)
                .map_err(|error| ApiError::internal(&error))?;
            Ok(crate::pages::download(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{stem}.xlsx"),
                bytes,
            ))
        }
        "md" => {
            let text =
                mamori_report::audit::markdown(&recorded.view, &state.config().context.templates)
                    .map_err(|error| ApiError::internal(&error))?;
            Ok(crate::pages::download(
                "text/markdown; charset=utf-8",
                &format!("{stem}.md"),
                text.into_bytes(),
            ))
        }
        "json" => {
            let mut text = serde_json::to_string_pretty(&recorded.item)
                .map_err(|error| ApiError::internal(&error))?;
            text.push('\n');
            Ok(crate::pages::download(
                "application/json",
                &format!("{stem}.json"),
                text.into_bytes(),
            ))
        }
        other => Err(ApiError::bad_request(format!(
            "形式「{other}」では書き出せません（xlsx・md・json）"
        ))),
    }
}

/// `GET /api/audits`: recorded audits, newest first.
pub(crate) async fn api_list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let rows = state.config().context.store.audits(LISTED).await?;
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            serde_json::json!({
                "id": row.id,
                "file": row.file,
                "sha256": row.sha256,
                "ruleset": row.ruleset,
                "ruleset_version": row.ruleset_version,
                "verdict": row.verdict,
                "audited_at": row.audited_at.to_rfc3339(),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "audits": list })).into_response())
}

/// `GET /api/audits/{id}`: one recorded audit's result, as `POST /api/audit` returned it.
pub(crate) async fn api_show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, recorded) = record(&state, id).await?;
    let mut item = recorded.item;
    if let Some(object) = item.as_object_mut() {
        object.insert("audit_id".to_owned(), serde_json::Value::from(id));
    }
    Ok(Json(item))
}
