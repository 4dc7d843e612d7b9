//! `mamori imports list | show ID`: the import history.

use mamori_store::ImportRow;
use serde::Serialize;

use crate::args::{ImportsArgs, ImportsCommand};
use crate::settings::Settings;
use crate::{ExitStatus, printer};

#[derive(Debug, Serialize)]
struct ImportJson {
    id: i64,
    source: String,
    sha256: String,
    size_bytes: i64,
    format: String,
    imported_at: String,
    status: &'static str,
    figures: i64,
}

impl From<&ImportRow> for ImportJson {
    fn from(row: &ImportRow) -> ImportJson {
        ImportJson {
            id: row.id,
            source: row.source.clone(),
            sha256: row.sha256.clone(),
            size_bytes: row.size_bytes,
            format: row.format.clone(),
            imported_at: row.imported_at.clone(),
            status: row.status.as_str(),
            figures: row.figure_count,
        }
    }
}

#[derive(Debug, Serialize)]
struct StoredFigureJson {
    fiscal_year: i64,
    agency: String,
    category: String,
    count: i64,
    sheet: Option<String>,
    cell: String,
    superseded_by: Option<i64>,
}

#[derive(Debug, Serialize)]
struct StoredDiagnosticJson {
    code: String,
    severity: String,
    message: String,
    file: String,
    sheet: Option<String>,
    cell: Option<String>,
}

#[derive(Debug, Serialize)]
struct ImportDetailJson {
    import: ImportJson,
    figures: Vec<StoredFigureJson>,
    diagnostics: Vec<StoredDiagnosticJson>,
}

pub(crate) async fn run(settings: &Settings, args: &ImportsArgs) -> anyhow::Result<ExitStatus> {
    let store = crate::commands::open_existing_store(settings).await?;
    let status = match &args.command {
        ImportsCommand::List { json } => {
            let imports = store.imports().await?;
            if *json {
                printer::json(
                    &serde_json::json!({ "imports": imports.iter().map(ImportJson::from).collect::<Vec<_>>() }),
                )?;
            } else {
                let rows = imports
                    .iter()
                    .map(|row| {
                        vec![
                            row.id.to_string(),
                            row.imported_at.clone(),
                            status_label(row.status.as_str()).to_owned(),
                            row.figure_count.to_string(),
                            row.source.clone(),
                        ]
                    })
                    .collect();
                printer::table(&["番号", "日時", "状態", "件数", "ファイル"], rows);
            }
            ExitStatus::Success
        }
        ImportsCommand::Show { id, json } => match store.import(*id).await? {
            None => {
                printer::note(&format!(
                    "取込番号 {id} はありません（`mamori imports list` で確認してください）"
                ));
                ExitStatus::Failure
            }
            Some(detail) => {
                let view = ImportDetailJson {
                    import: ImportJson::from(&detail.import),
                    figures: detail
                        .figures
                        .iter()
                        .map(|f| StoredFigureJson {
                            fiscal_year: f.fiscal_year,
                            agency: f.agency.clone(),
                            category: f.category.clone(),
                            count: f.count,
                            sheet: f.sheet.clone(),
                            cell: f.cell.clone(),
                            superseded_by: f.superseded_by,
                        })
                        .collect(),
                    diagnostics: detail
                        .diagnostics
                        .iter()
                        .map(|d| StoredDiagnosticJson {
                            code: d.code.clone(),
                            severity: d.severity.clone(),
                            message: d.message.clone(),
                            file: d.file.clone(),
                            sheet: d.sheet.clone(),
                            cell: d.cell.clone(),
                        })
                        .collect(),
                };
                if *json {
                    printer::json(&view)?;
                } else {
                    print_detail(settings, &view);
                }
                ExitStatus::Success
            }
        },
    };
    store.close().await;
    Ok(status)
}

fn status_label(status: &str) -> &'static str {
    match status {
        "imported" => "取込済",
        "superseded" => "置換済",
        "rejected" => "却下",
        _ => "不明",
    }
}

fn print_detail(settings: &Settings, view: &ImportDetailJson) {
    let import = &view.import;
    printer::line(&format!("取込番号 {}: {}", import.id, import.source));
    printer::line(&format!(
        "  日時 {} / 状態 {} / 形式 {} / {} バイト",
        import.imported_at,
        status_label(import.status),
        import.format,
        import.size_bytes
    ));
    printer::line(&format!("  SHA-256 {}", import.sha256));
    if !view.figures.is_empty() {
        let rows = view
            .figures
            .iter()
            .map(|f| {
                let label = settings
                    .schema
                    .get(&f.category)
                    .map_or(f.category.as_str(), |c| c.label());
                let state = f
                    .superseded_by
                    .map_or_else(String::new, |id| format!("取込 {id} で置換"));
                vec![
                    f.fiscal_year.to_string(),
                    f.agency.clone(),
                    label.to_owned(),
                    f.count.to_string(),
                    f.cell.clone(),
                    state,
                ]
            })
            .collect();
        printer::table(&["年度", "実施機関", "区分", "件数", "セル", "状態"], rows);
    }
    for diagnostic in &view.diagnostics {
        let place = [
            diagnostic
                .sheet
                .as_deref()
                .map(|s| format!("シート「{s}」")),
            diagnostic.cell.as_deref().map(|c| format!("セル{c}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        printer::line(&format!(
            "  [{}] {place}: {}",
            diagnostic.code, diagnostic.message
        ));
    }
}
