//! 運用状況の取込: department spreadsheets uploaded, read in a worker, shown as the table mamori
//! recognised with every diagnostic and its cell, and stored only when the user confirms. Each
//! file is stored all or nothing, exactly as `mamori import` stores it; identical bytes already
//! stored are left alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use axum::Json;
use axum::extract::{Extension, Form as UrlForm, Multipart, Path, Query, State};
use axum::response::Html;
use mamori_core::{CategorySchema, Diagnostic, Severity};
use mamori_ingest::FileReading;
use mamori_store::{NewImport, Store};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::security::CsrfToken;
use crate::state::{AppState, PREVIEW_LIFETIME, lock};
use crate::upload::{self, Upload};
use crate::worker;

/// Uploaded files waiting for the user's confirmation.
#[derive(Debug)]
pub(crate) struct Preview {
    created: Instant,
    files: Vec<PreviewFile>,
}

#[derive(Debug)]
struct PreviewFile {
    name: String,
    /// The upload, removed when the preview is confirmed, cancelled or expires.
    path: PathBuf,
    sha256: String,
    size: u64,
    /// The reading, or why there is none (not a spreadsheet, a worker that died).
    reading: Result<FileReading, ApiError>,
}

/// What happens (or happened) to a file; the same words as `mamori import --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum FileStatus {
    Imported,
    Unchanged,
    Superseded,
    Rejected,
}

impl FileStatus {
    fn label(self, done: bool) -> &'static str {
        match (self, done) {
            (FileStatus::Imported, true) => "取り込みました",
            (FileStatus::Imported, false) => "取り込めます",
            (FileStatus::Superseded, true) => "取り込みました（以前の値を置き換え）",
            (FileStatus::Superseded, false) => "取り込めます（以前の値を置き換えます）",
            (FileStatus::Unchanged, _) => "取込済み（同じファイル）",
            (FileStatus::Rejected, true) => "取り込みませんでした",
            (FileStatus::Rejected, false) => "誤りがあるため取り込めません",
        }
    }
}

/// One file as `mamori import --json` reports it.
#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    sha256: Option<String>,
    status: FileStatus,
    format: Option<&'static str>,
    agency: Option<String>,
    agencies: Vec<String>,
    fiscal_years: Vec<i32>,
    figures: usize,
    import_id: Option<i64>,
    diagnostics: Vec<DiagnosticJson>,
}

#[derive(Debug, Serialize)]
struct DiagnosticJson {
    code: String,
    severity: &'static str,
    message: String,
    file: String,
    sheet: Option<String>,
    cell: Option<String>,
}

impl From<&Diagnostic> for DiagnosticJson {
    fn from(diagnostic: &Diagnostic) -> DiagnosticJson {
        let location = diagnostic.location();
        DiagnosticJson {
            code: diagnostic.code().as_str().to_owned(),
            severity: diagnostic.severity().as_str(),
            message: diagnostic.message().to_owned(),
            file: location.file.clone(),
            sheet: location.sheet.clone(),
            cell: location.cell.map(|cell| cell.to_string()),
        }
    }
}

/// `mamori import --json`'s object.
#[derive(Debug, Serialize)]
struct ImportReport {
    dry_run: bool,
    files: Vec<FileReport>,
    skipped: Vec<String>,
}

/// `GET /import`: the upload form.
pub(crate) async fn page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, ApiError> {
    state.inner.pages.render(
        "import.html",
        &csrf,
        serde_json::json!({
            "title": "運用状況の取込",
            "limit_mib": state.config().upload_limit_bytes / 1024 / 1024,
        }),
    )
}

/// `POST /import`: reads the files and shows what would be stored, with a confirm button.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    multipart: Multipart,
) -> Result<Html<String>, ApiError> {
    let form = upload::receive(&state, multipart, Some(&csrf)).await?;
    let files = read_uploads(&state, form.files).await;
    if files.is_empty() {
        return Err(ApiError::bad_request(
            "取り込むファイルを選んでください（xlsx・xls・ods・csv・html）",
        ));
    }
    let store = &state.config().context.store;
    let mut shown = Vec::with_capacity(files.len());
    for file in &files {
        let status = planned_status(store, file).await?;
        shown.push(file_view(
            &state.config().context.schema,
            file,
            status,
            false,
        ));
    }
    let any_importable = shown
        .iter()
        .any(|file| file["importable"].as_bool() == Some(true));
    let id = crate::state::random_token();
    {
        let mut previews = lock(&state.inner.previews);
        let expired: Vec<String> = previews
            .iter()
            .filter(|(_, preview)| preview.created.elapsed() > PREVIEW_LIFETIME)
            .map(|(id, _)| id.clone())
            .collect();
        for old in expired {
            if let Some(preview) = previews.remove(&old) {
                tokio::spawn(discard(preview));
            }
        }
        previews.insert(
            id.clone(),
            Preview {
                created: Instant::now(),
                files,
            },
        );
    }
    state.inner.pages.render(
        "import_preview.html",
        &csrf,
        serde_json::json!({
            "title": "取込内容の確認",
            "preview_id": id,
            "files": shown,
            "any_importable": any_importable,
        }),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /import/{id}/confirm`: stores the previewed files.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    UrlForm(form): UrlForm<ConfirmForm>,
) -> Result<Html<String>, ApiError> {
    if !csrf.accepts(&form.csrf) {
        return Err(ApiError::forbidden_cross_site());
    }
    let preview = take_preview(&state, &id)?;
    let result = store_files(&state, &preview.files).await;
    discard(preview).await;
    let reports = result?;
    let years: BTreeSet<i32> = reports
        .iter()
        .filter(|report| report.status != FileStatus::Rejected)
        .flat_map(|report| report.fiscal_years.iter().copied())
        .collect();
    let files: Vec<serde_json::Value> = reports
        .iter()
        .map(|report| {
            serde_json::json!({
                "name": report.path,
                "status": report.status,
                "status_label": report.status.label(true),
                "figures": report.figures,
                "import_id": report.import_id,
                "fiscal_years": report.fiscal_years.iter().map(|year| year_label(*year)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let report_years: Vec<serde_json::Value> = years
        .iter()
        .map(|year| serde_json::json!({ "year": year, "label": year_label(*year) }))
        .collect();
    state.inner.pages.render(
        "import_done.html",
        &csrf,
        serde_json::json!({ "title": "取込の結果", "files": files, "years": report_years }),
    )
}

/// `POST /import/{id}/cancel`: drops the previewed files.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    UrlForm(form): UrlForm<ConfirmForm>,
) -> Result<axum::response::Redirect, ApiError> {
    if !csrf.accepts(&form.csrf) {
        return Err(ApiError::forbidden_cross_site());
    }
    discard(take_preview(&state, &id)?).await;
    Ok(axum::response::Redirect::to("/import"))
}

fn take_preview(state: &AppState, id: &str) -> Result<Preview, ApiError> {
    lock(&state.inner.previews)
        .remove(id)
        .filter(|preview| preview.created.elapsed() <= PREVIEW_LIFETIME)
        .ok_or_else(|| {
            ApiError::not_found(
                "取込の確認画面（1時間で期限切れになります。もう一度ファイルを送ってください）",
            )
        })
}

async fn discard(preview: Preview) {
    for file in preview.files {
        upload::remove(&file.path).await;
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ApiQuery {
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/import[?dry_run=true]`: the files of the form's `files` fields, stored (each all or
/// nothing) unless `dry_run`; the answer is `mamori import --json`'s object.
pub(crate) async fn api(
    State(state): State<AppState>,
    Query(query): Query<ApiQuery>,
    multipart: Multipart,
) -> Result<Json<serde_json::Value>, ApiError> {
    let form = upload::receive(&state, multipart, None).await?;
    let files = read_uploads(&state, form.files).await;
    if files.is_empty() {
        return Err(ApiError::bad_request(
            "ファイルがありません（フォームの files 項目）",
        ));
    }
    let result = if query.dry_run {
        let store = &state.config().context.store;
        let mut reports = Vec::with_capacity(files.len());
        for file in &files {
            let status = planned_status(store, file).await?;
            reports.push(file_report(file, status, None));
        }
        Ok(reports)
    } else {
        store_files(&state, &files).await
    };
    discard(Preview {
        created: Instant::now(),
        files,
    })
    .await;
    let report = ImportReport {
        dry_run: query.dry_run,
        files: result?,
        skipped: Vec::new(),
    };
    serde_json::to_value(&report)
        .map(Json)
        .map_err(|error| ApiError::internal(&error))
}

/// Reads each uploaded file in a worker.
async fn read_uploads(state: &AppState, uploads: Vec<Upload>) -> Vec<PreviewFile> {
    let mut files = Vec::with_capacity(uploads.len());
    for upload in uploads {
        let reading = if upload::is_spreadsheet(&upload.head) {
            match state.worker_slot().await {
                Ok(_slot) => {
                    worker::spreadsheet(&state.config().worker, &upload.path, &upload.name).await
                }
                Err(error) => Err(error),
            }
        } else {
            Err(ApiError::unsupported_file(
                &upload.name,
                "表計算ファイル（xlsx・xls・ods・csv・html）",
            ))
        };
        files.push(PreviewFile {
            name: upload.name,
            path: upload.path,
            sha256: upload.sha256,
            size: upload.size,
            reading,
        });
    }
    files
}

/// What confirming would do with a file.
async fn planned_status(store: &Store, file: &PreviewFile) -> Result<FileStatus, ApiError> {
    let Ok(reading) = &file.reading else {
        return Ok(FileStatus::Rejected);
    };
    if store
        .current_import_with_sha256(&file.sha256)
        .await?
        .is_some()
    {
        return Ok(FileStatus::Unchanged);
    }
    if reading.has_errors() {
        return Ok(FileStatus::Rejected);
    }
    Ok(
        if store.count_would_supersede(&reading.figures).await? > 0 {
            FileStatus::Superseded
        } else {
            FileStatus::Imported
        },
    )
}

/// Stores each file on its own (all of it or nothing), as `mamori import` does: rejected files
/// are recorded with their diagnostics and no figures; identical bytes are left alone.
async fn store_files(state: &AppState, files: &[PreviewFile]) -> Result<Vec<FileReport>, ApiError> {
    let store = &state.config().context.store;
    let imported_at = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let mut reports = Vec::with_capacity(files.len());
    for file in files {
        let Ok(reading) = &file.reading else {
            reports.push(file_report(file, FileStatus::Rejected, None));
            continue;
        };
        if store
            .current_import_with_sha256(&file.sha256)
            .await?
            .is_some()
        {
            reports.push(file_report(file, FileStatus::Unchanged, None));
            continue;
        }
        let import = NewImport {
            source: &file.name,
            sha256: &file.sha256,
            size_bytes: file.size,
            format: mamori_jobs::stage::import::format_name(reading),
            imported_at: &imported_at,
            figures: &reading.figures,
            diagnostics: &reading.diagnostics,
        };
        if reading.has_errors() {
            let id = store.record_rejection(&import).await?;
            reports.push(file_report(file, FileStatus::Rejected, Some(id)));
        } else {
            let outcome = store.record_import(&import).await?;
            let status = if outcome.superseded_figures > 0 {
                FileStatus::Superseded
            } else {
                FileStatus::Imported
            };
            tracing::info!(
                import = outcome.import_id,
                figures = reading.figures.len(),
                "imported an uploaded file"
            );
            reports.push(file_report(file, status, Some(outcome.import_id)));
        }
    }
    Ok(reports)
}

fn file_report(file: &PreviewFile, status: FileStatus, import_id: Option<i64>) -> FileReport {
    match &file.reading {
        Ok(reading) => {
            let agencies: Vec<String> = reading
                .agencies()
                .iter()
                .map(|agency| agency.as_str().to_owned())
                .collect();
            FileReport {
                path: file.name.clone(),
                sha256: Some(file.sha256.clone()),
                status,
                format: Some(mamori_jobs::stage::import::format_name(reading)),
                agency: (agencies.len() == 1).then(|| agencies[0].clone()),
                agencies,
                fiscal_years: reading
                    .fiscal_years()
                    .iter()
                    .map(|year| year.start_year())
                    .collect(),
                figures: if status == FileStatus::Rejected {
                    0
                } else {
                    reading.figures.len()
                },
                import_id,
                diagnostics: reading
                    .diagnostics
                    .iter()
                    .map(DiagnosticJson::from)
                    .collect(),
            }
        }
        Err(error) => FileReport {
            path: file.name.clone(),
            sha256: Some(file.sha256.clone()),
            status,
            format: None,
            agency: None,
            agencies: Vec::new(),
            fiscal_years: Vec::new(),
            figures: 0,
            import_id,
            diagnostics: vec![DiagnosticJson {
                code: error.code.clone(),
                severity: Severity::Error.as_str(),
                message: error.message.clone(),
                file: file.name.clone(),
                sheet: None,
                cell: None,
            }],
        },
    }
}

/// `令和4年度（2022年度）`.
fn year_label(year: i32) -> String {
    mamori_core::FiscalYear::new(year).map_or_else(
        |_| format!("{year}年度"),
        |fiscal_year| format!("{}（{year}年度）", fiscal_year.label()),
    )
}

/// A recognised row's values by category key: the count and the cell it came from.
type RowValues<'a> = BTreeMap<&'a str, (u64, String)>;

/// A file as the preview page shows it: the recognised table (rows: 実施機関 and year, columns:
/// the schema's categories, each value with its cell) and the diagnostics.
fn file_view(
    schema: &CategorySchema,
    file: &PreviewFile,
    status: FileStatus,
    done: bool,
) -> serde_json::Value {
    let report = file_report(file, status, None);
    let diagnostics: Vec<serde_json::Value> = report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            serde_json::json!({
                "code": diagnostic.code,
                "severity": diagnostic.severity,
                "severity_label": match diagnostic.severity {
                    "error" => "誤り",
                    "warning" => "注意",
                    _ => "参考",
                },
                "message": diagnostic.message,
                "sheet": diagnostic.sheet,
                "cell": diagnostic.cell,
            })
        })
        .collect();
    let mut table = serde_json::Value::Null;
    if let Ok(reading) = &file.reading
        && !reading.figures.is_empty()
    {
        let used: BTreeSet<&str> = reading
            .figures
            .iter()
            .map(|figure| figure.category.as_str())
            .collect();
        let columns: Vec<(&str, &str)> = schema
            .categories()
            .iter()
            .filter(|category| used.contains(category.key().as_str()))
            .map(|category| (category.key().as_str(), category.label()))
            .collect();
        let mut rows: BTreeMap<(i32, String), RowValues<'_>> = BTreeMap::new();
        for figure in &reading.figures {
            rows.entry((
                figure.fiscal_year.start_year(),
                figure.agency.as_str().to_owned(),
            ))
            .or_default()
            .insert(
                figure.category.as_str(),
                (figure.count, figure.provenance.to_string()),
            );
        }
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|((year, agency), values)| {
                serde_json::json!({
                    "year": year_label(*year),
                    "agency": agency,
                    "values": columns.iter().map(|(key, _)| match values.get(key) {
                        Some((count, source)) => serde_json::json!({ "count": count, "source": source }),
                        None => serde_json::json!({ "count": null, "source": null }),
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        table = serde_json::json!({
            "columns": columns.iter().map(|(_, label)| *label).collect::<Vec<_>>(),
            "rows": rows,
        });
    }
    serde_json::json!({
        "name": file.name,
        "sha256": file.sha256,
        "status": status,
        "status_label": status.label(done),
        "importable": matches!(status, FileStatus::Imported | FileStatus::Superseded),
        "figures": report.figures,
        "agencies": report.agencies,
        "fiscal_years": report.fiscal_years.iter().map(|year| year_label(*year)).collect::<Vec<_>>(),
        "table": table,
        "diagnostics": diagnostics,
    })
}
