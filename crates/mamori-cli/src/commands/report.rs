//! `mamori report annual --year FY`: the 運用状況 report from the stored figures.
//!
//! Text formats go to standard output unless `-o` names a file; an xlsx without `-o` is written
//! under the data folder and its path printed. `--strict` refuses to write while warnings stand.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use mamori_core::FiscalYear;
use mamori_report::{Format, ReportRequest, Templates};

use crate::args::{AnnualArgs, ReportFormat};
use crate::settings::Settings;
use crate::{ExitStatus, printer};

pub(crate) async fn annual(settings: &Settings, args: &AnnualArgs) -> anyhow::Result<ExitStatus> {
    let year = FiscalYear::parse(&args.year).map_err(|error| anyhow::anyhow!("--year: {error}"))?;
    let request = ReportRequest {
        schema: &settings.schema,
        city: settings.city.clone(),
        fiscal_year: year,
        years: args.years,
        rollup: settings.rollup.clone(),
    };
    request
        .first_year()
        .map_err(|error| anyhow::anyhow!("--years: {error}"))?;
    let format = if args.json {
        Format::Json
    } else {
        match args.format {
            ReportFormat::Xlsx => Format::Xlsx,
            ReportFormat::Html => Format::Html,
            ReportFormat::HtmlFragment => Format::HtmlFragment,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Md => Format::Markdown,
            ReportFormat::Json => Format::Json,
        }
    };
    // Templates first: a broken override should stop the command before anything is read.
    let templates = load_templates(settings.report_templates.as_deref())?;

    let store = crate::commands::open_existing_store(settings).await?;
    let report = mamori_jobs::stage::report::annual_report(&store, &request).await;
    store.close().await;
    let report = report?;
    if !report.has_figures_for_selected_year() {
        printer::note(&format!(
            "{}の件数が保存されていません。`mamori import` で取り込んでから実行してください。",
            year.label()
        ));
        return Ok(ExitStatus::Failure);
    }
    if args.strict && !report.warnings.is_empty() {
        printer::note(&format!(
            "確認事項が{}件あるため、--strict により報告を書き出しません:",
            report.warnings.len()
        ));
        for warning in &report.warnings {
            printer::note(&format!(
                "  {} {}（{}）",
                warning.code,
                warning.message,
                warning.source.describe()
            ));
        }
        return Ok(ExitStatus::Failure);
    }

    let bytes = mamori_report::render(&report, format, &templates)?;
    match (&args.output, format) {
        (Some(path), _) => {
            write_file(path, &bytes)?;
            printer::note(&format!("書き出しました: {}", path.display()));
        }
        (None, Format::Xlsx) => {
            let path = settings
                .data_dir
                .join("reports")
                .join(format!("運用状況_{}.xlsx", year.label()));
            write_file(&path, &bytes)?;
            printer::line(&path.display().to_string());
        }
        (None, _) => printer::bytes(&bytes)?,
    }
    if !report.warnings.is_empty() {
        printer::note(&format!(
            "確認事項が{}件あります（xlsx は「確認事項」シート、Markdown は末尾、JSON は warnings）。",
            report.warnings.len()
        ));
    }
    Ok(ExitStatus::Success)
}

/// The built-in templates with the city's files (`*.html`, `*.md`) from `folder` in their place.
pub(crate) fn load_templates(folder: Option<&Path>) -> anyhow::Result<Templates> {
    mamori_jobs::stage::report::load_templates(folder).with_context(|| match folder {
        Some(folder) => format!(
            "mamori.toml の [report] templates のフォルダ `{}` を使えません",
            folder.display()
        ),
        None => "組み込みのテンプレートを使えません".to_owned(),
    })
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create the folder `{}`", folder.display()))?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{file_name}.partial"));
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("cannot write `{}`", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}
