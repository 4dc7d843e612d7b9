//! `mamori import PATH|URL...`: read department files, store each one whole or not at all.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use mamori_core::{CategorySchema, Code, Diagnostic, Location, Severity};
use mamori_ingest::{FileReading, Limits, ReadOptions};
use mamori_store::{ImportRow, ImportStatus, NewImport, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::args::ImportArgs;
use crate::commands::DiagnosticJson;
use crate::settings::Settings;
use crate::source::{self, FetchLimits, Input};
use crate::{ExitStatus, printer};

/// The largest download accepted: a published 運用状況 page or workbook is far smaller.
const MAX_DOWNLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FileStatus {
    /// Stored (or, with `--dry-run`, would be).
    Imported,
    /// The same bytes are already stored: nothing done.
    Unchanged,
    /// Stored, replacing earlier figures for the same 実施機関 and fiscal year.
    Superseded,
    /// Not stored: the file has errors (or warnings, with `--strict`).
    Rejected,
}

impl FileStatus {
    fn label(self) -> &'static str {
        match self {
            FileStatus::Imported => "取込",
            FileStatus::Unchanged => "変更なし",
            FileStatus::Superseded => "置換",
            FileStatus::Rejected => "却下",
        }
    }
}

#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    sha256: Option<String>,
    status: FileStatus,
    format: Option<&'static str>,
    /// The 実施機関 when the file has exactly one; see `agencies` otherwise.
    agency: Option<String>,
    agencies: Vec<String>,
    fiscal_years: Vec<i32>,
    figures: usize,
    /// The store's number for this import (absent for unchanged, dry-run and unread files).
    import_id: Option<i64>,
    #[serde(skip)]
    diagnostics_full: Vec<Diagnostic>,
    diagnostics: Vec<DiagnosticJson>,
}

#[derive(Debug, Serialize)]
struct ImportReport {
    dry_run: bool,
    files: Vec<FileReport>,
    /// Files in the folders named that were not read (other kinds of file).
    skipped: Vec<String>,
}

pub(crate) async fn run(settings: &Settings, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    let expanded = match source::expand(&args.inputs) {
        Ok(expanded) => expanded,
        Err(diagnostic) => anyhow::bail!("{diagnostic}"),
    };
    let inputs = expanded.inputs;
    let skipped: Vec<String> = expanded
        .skipped
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    if !skipped.is_empty() {
        printer::note(&format!(
            "表計算・CSV・HTML 以外のファイル {} 件は読みませんでした: {}",
            skipped.len(),
            skipped.join("、")
        ));
    }
    if inputs.is_empty() {
        anyhow::bail!("no spreadsheet found in {}", args.inputs.join(", "));
    }
    let store = open_store(settings, args.dry_run).await?;
    let limits = Limits::standard();
    let fetch = FetchLimits {
        max_file_bytes: limits.max_file_bytes,
        max_download_bytes: MAX_DOWNLOAD_BYTES,
        timeout: Duration::from_secs(args.http_timeout),
    };
    let parser = Parser {
        schema: Arc::new(settings.schema.clone()),
        limits: Arc::new(limits),
    };
    let mut known = match &store {
        Some(store) => store.current_imports_by_sha256().await?,
        None => BTreeMap::new(),
    };
    let progress = progress_bar(inputs.len() as u64);
    let imported_at = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let mut files = Vec::with_capacity(inputs.len());
    // Files are parsed on blocking threads a few ahead while the store records them one by one,
    // in input order: parsing and storing overlap, and the output stays deterministic.
    let window = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
    let mut pending: VecDeque<Pending> = VecDeque::with_capacity(window + 1);
    let mut failure: Option<anyhow::Error> = None;
    'inputs: for input in &inputs {
        pending.push_back(parser.start(input, &fetch).await);
        while pending.len() > window {
            let Some(next) = pending.pop_front() else {
                break;
            };
            match finish(next, store.as_ref(), &mut known, args, &imported_at).await {
                Ok(report) => files.push(report),
                Err(error) => {
                    failure = Some(error);
                    break 'inputs;
                }
            }
            progress.inc(1);
        }
    }
    while failure.is_none()
        && let Some(next) = pending.pop_front()
    {
        match finish(next, store.as_ref(), &mut known, args, &imported_at).await {
            Ok(report) => files.push(report),
            Err(error) => failure = Some(error),
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if let Some(store) = store {
        store.close().await;
    }
    let any_rejected = files.iter().any(|f| f.status == FileStatus::Rejected);
    let report = ImportReport {
        dry_run: args.dry_run,
        files,
        skipped,
    };
    if args.json {
        printer::json(&report)?;
    } else {
        print_summary(&report);
    }
    if let Some(error) = failure {
        // The files before the failure are stored (each in its own transaction): the report
        // above says which, and the error stops the command, so nobody guesses what the store holds.
        return Err(
            error.context("the import stopped; the files listed above were handled before it did")
        );
    }
    Ok(if any_rejected {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

async fn open_store(settings: &Settings, dry_run: bool) -> anyhow::Result<Option<Store>> {
    let is_missing_sqlite = settings
        .store
        .sqlite_path()
        .is_some_and(|path| !path.exists());
    if dry_run && is_missing_sqlite {
        return Ok(None);
    }
    if is_missing_sqlite {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data folder `{}`",
                settings.data_dir.display()
            )
        })?;
    }
    Ok(Some(Store::open(&settings.store).await?))
}

fn progress_bar(length: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

/// What reading a file needs, shareable with the blocking threads that parse.
struct Parser {
    schema: Arc<CategorySchema>,
    limits: Arc<Limits>,
}

/// A file on its way: not readable, or being parsed.
enum Pending {
    Unread(FileReport),
    Parsing {
        name: String,
        sha256: String,
        size_bytes: u64,
        reading: tokio::task::JoinHandle<FileReading>,
    },
}

impl Parser {
    /// Loads an input and starts parsing it on a blocking thread.
    async fn start(&self, input: &Input, fetch: &FetchLimits) -> Pending {
        let name = input.display_name();
        tracing::debug!(file = %name, "reading");
        let bytes = match source::load(input, fetch).await {
            Ok(bytes) => bytes,
            Err(diagnostic) => return Pending::Unread(unread(name, diagnostic)),
        };
        let sha256 = hex(&Sha256::digest(&bytes));
        let size_bytes = bytes.len() as u64;
        let (schema, limits, file) = (
            Arc::clone(&self.schema),
            Arc::clone(&self.limits),
            name.clone(),
        );
        let reading = tokio::task::spawn_blocking(move || {
            let options = ReadOptions {
                schema: &schema,
                limits: &limits,
            };
            mamori_ingest::read_file(&file, &bytes, &options)
        });
        Pending::Parsing {
            name,
            sha256,
            size_bytes,
            reading,
        }
    }
}

/// Waits for a file's parse and stores it (or says why not).
async fn finish(
    pending: Pending,
    store: Option<&Store>,
    known: &mut BTreeMap<String, ImportRow>,
    args: &ImportArgs,
    imported_at: &str,
) -> anyhow::Result<FileReport> {
    let (name, sha256, size_bytes, reading) = match pending {
        Pending::Unread(report) => return Ok(report),
        Pending::Parsing {
            name,
            sha256,
            size_bytes,
            reading,
        } => (name, sha256, size_bytes, reading),
    };
    let reading = match reading.await {
        Ok(reading) => reading,
        // A bug in a reader must cost one file, not the whole import: the file is rejected with
        // a message that asks for a report, and nothing of it is stored.
        Err(error) if error.is_panic() => FileReading {
            format: mamori_ingest::Format::Unknown,
            figures: Vec::new(),
            diagnostics: vec![Diagnostic::new(
                Code::ReaderFailed,
                Location::file(&name),
                "このファイルの読み取り中に mamori の内部エラーが起きたため、取り込みませんでした。お手数ですが、ファイルを添えて開発担当へ報告してください",
            )],
        },
        Err(error) => return Err(error).context("a file's reader stopped unexpectedly"),
    };
    let report = if let (Some(store), Some(existing)) = (store, known.get(&sha256)) {
        unchanged(store, name, sha256, existing).await?
    } else {
        record(
            store,
            known,
            name,
            sha256,
            size_bytes,
            &reading,
            args,
            imported_at,
        )
        .await?
    };
    tracing::info!(file = %report.path, status = report.status.label(), figures = report.figures, "done");
    Ok(report)
}

/// The report for bytes already stored: what the earlier import holds.
async fn unchanged(
    store: &Store,
    name: String,
    sha256: String,
    existing: &ImportRow,
) -> anyhow::Result<FileReport> {
    let stored = store
        .import(existing.id)
        .await?
        .map(|detail| detail.figures)
        .unwrap_or_default();
    let agencies: Vec<String> = stored
        .iter()
        .map(|f| f.agency.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let fiscal_years: Vec<i32> = stored
        .iter()
        .filter_map(|f| i32::try_from(f.fiscal_year).ok())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(FileReport {
        path: name,
        sha256: Some(sha256),
        status: FileStatus::Unchanged,
        format: Some(existing_format(&existing.format)),
        agency: if agencies.len() == 1 {
            agencies.first().cloned()
        } else {
            None
        },
        agencies,
        fiscal_years,
        figures: existing.figure_count as usize,
        import_id: Some(existing.id),
        diagnostics_full: Vec::new(),
        diagnostics: Vec::new(),
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the values are the file's, not options"
)]
async fn record(
    store: Option<&Store>,
    known: &mut BTreeMap<String, ImportRow>,
    name: String,
    sha256: String,
    size_bytes: u64,
    reading: &FileReading,
    args: &ImportArgs,
    imported_at: &str,
) -> anyhow::Result<FileReport> {
    let rejected = reading.has_errors() || (args.strict && reading.has_warnings());
    let mut extra_diagnostics: Vec<Diagnostic> = Vec::new();
    let format = format_name(reading);
    let new_import = NewImport {
        source: &name,
        sha256: &sha256,
        size_bytes,
        format,
        imported_at,
        figures: &reading.figures,
        diagnostics: &reading.diagnostics,
    };
    let (status, import_id) = match (rejected, store, args.dry_run) {
        (true, Some(store), false) => (
            FileStatus::Rejected,
            Some(store.record_rejection(&new_import).await?),
        ),
        (true, _, _) => (FileStatus::Rejected, None),
        (false, Some(store), false) => {
            let outcome = store.record_import(&new_import).await?;
            if !outcome.no_longer_reported.is_empty() {
                let items: Vec<String> = outcome
                    .no_longer_reported
                    .iter()
                    .map(|(year, agency, category)| {
                        let year = i32::try_from(*year)
                            .ok()
                            .and_then(|year| mamori_core::FiscalYear::new(year).ok())
                            .map_or_else(|| year.to_string(), |year| year.label());
                        format!("{year} {agency}「{category}」")
                    })
                    .collect();
                extra_diagnostics.push(Diagnostic::new(
                    Code::NoLongerReported,
                    Location::file(&name),
                    format!(
                        "このファイルで置き換えた年度・実施機関のうち、{}はこのファイルに書かれていないため、以前の値は使われず「報告なし」になります。意図どおりか確認してください",
                        items.join("、")
                    ),
                ));
            }
            known.retain(|_, row| !outcome.superseded_imports.contains(&row.id));
            known.insert(
                sha256.clone(),
                ImportRow {
                    id: outcome.import_id,
                    source: name.clone(),
                    sha256: sha256.clone(),
                    size_bytes: size_bytes as i64,
                    format: format.to_owned(),
                    imported_at: imported_at.to_owned(),
                    status: ImportStatus::Imported,
                    figure_count: reading.figures.len() as i64,
                },
            );
            let status = if outcome.superseded_figures > 0 {
                FileStatus::Superseded
            } else {
                FileStatus::Imported
            };
            (status, Some(outcome.import_id))
        }
        (false, Some(store), true) => {
            let replaced = store.count_would_supersede(&reading.figures).await?;
            (
                if replaced > 0 {
                    FileStatus::Superseded
                } else {
                    FileStatus::Imported
                },
                None,
            )
        }
        (false, None, _) => (FileStatus::Imported, None),
    };
    let agencies: Vec<String> = reading.agencies().iter().map(ToString::to_string).collect();
    let figures = if status == FileStatus::Rejected {
        0
    } else {
        reading.figures.len()
    };
    Ok(FileReport {
        path: name,
        sha256: Some(sha256),
        status,
        format: Some(format),
        agency: if agencies.len() == 1 {
            agencies.first().cloned()
        } else {
            None
        },
        fiscal_years: reading
            .fiscal_years()
            .iter()
            .map(|y| y.start_year())
            .collect(),
        agencies,
        figures,
        import_id,
        diagnostics: reading
            .diagnostics
            .iter()
            .chain(&extra_diagnostics)
            .map(DiagnosticJson::from)
            .collect(),
        diagnostics_full: reading
            .diagnostics
            .iter()
            .chain(&extra_diagnostics)
            .cloned()
            .collect(),
    })
}

fn unread(name: String, diagnostic: Diagnostic) -> FileReport {
    FileReport {
        path: name,
        sha256: None,
        status: FileStatus::Rejected,
        format: None,
        agency: None,
        agencies: Vec::new(),
        fiscal_years: Vec::new(),
        figures: 0,
        import_id: None,
        diagnostics: vec![DiagnosticJson::from(&diagnostic)],
        diagnostics_full: vec![diagnostic],
    }
}

fn format_name(reading: &FileReading) -> &'static str {
    match reading.format {
        mamori_ingest::Format::Xlsx => "xlsx",
        mamori_ingest::Format::Ods => "ods",
        mamori_ingest::Format::Xls => "xls",
        mamori_ingest::Format::EncryptedOoxml => "encrypted",
        mamori_ingest::Format::Html => "html",
        mamori_ingest::Format::Delimited => "csv",
        mamori_ingest::Format::OtherZip | mamori_ingest::Format::Unknown => "unknown",
    }
}

fn existing_format(stored: &str) -> &'static str {
    ["xlsx", "ods", "xls", "html", "csv"]
        .into_iter()
        .find(|known| *known == stored)
        .unwrap_or("unknown")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn print_summary(report: &ImportReport) {
    let rows = report
        .files
        .iter()
        .map(|file| {
            let count = |severity| {
                file.diagnostics_full
                    .iter()
                    .filter(|d| d.severity() == severity)
                    .count()
            };
            let years: Vec<String> = file
                .fiscal_years
                .iter()
                .filter_map(|y| mamori_core::FiscalYear::new(*y).ok())
                .map(|y| y.label())
                .collect();
            vec![
                file.path.clone(),
                file.status.label().to_owned(),
                file.agencies.join("、"),
                years.join("、"),
                file.figures.to_string(),
                count(Severity::Warning).to_string(),
                count(Severity::Error).to_string(),
            ]
        })
        .collect();
    printer::table(
        &[
            "ファイル",
            "結果",
            "実施機関",
            "年度",
            "件数",
            "警告",
            "エラー",
        ],
        rows,
    );
    let shown: Vec<&Diagnostic> = report
        .files
        .iter()
        .flat_map(|f| f.diagnostics_full.iter())
        .filter(|d| d.severity() >= Severity::Warning)
        .collect();
    if !shown.is_empty() {
        printer::line("");
        printer::line("確認事項:");
        printer::diagnostics(shown);
    }
    let count = |status| report.files.iter().filter(|f| f.status == status).count();
    let stored = count(FileStatus::Imported) + count(FileStatus::Superseded);
    let verb = if report.dry_run {
        "取り込めます（--dry-run のため保存していません）"
    } else {
        "取り込みました"
    };
    printer::line("");
    printer::line(&format!(
        "{} 件中 {stored} 件を{verb}。変更なし {} 件、却下 {} 件。",
        report.files.len(),
        count(FileStatus::Unchanged),
        count(FileStatus::Rejected)
    ));
}
