//! `mamori import PATH|URL...`: read department files, store each one whole or not at all.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use mamori_core::{CategorySchema, Code, Diagnostic, Location, Severity};
use mamori_ingest::{FileReading, Limits, ReadOptions};
use mamori_jobs::stage::contracts::hex;
use mamori_jobs::stage::import::format_name;
use mamori_store::{ImportRow, ImportStatus, NewImport, RecordOutcome, Store, StoreError};
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
    let expanded = match source::expand(&args.inputs, source::SPREADSHEET_EXTENSIONS) {
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
    let known = match &store {
        Some(store) => store.current_imports_by_sha256().await?,
        None => BTreeMap::new(),
    };
    let progress = progress_bar(inputs.len() as u64);
    let imported_at = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    // Files are parsed on blocking threads a few ahead; accepted files are staged and recorded
    // in batches (one transaction each, every file all or nothing), in input order, so parsing
    // and storing overlap and the output stays deterministic.
    let window = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
    let mut pending: VecDeque<Pending> = VecDeque::with_capacity(window + 1);
    let mut run = Run {
        store: store.as_ref(),
        args,
        imported_at: &imported_at,
        known,
        files: Vec::with_capacity(inputs.len()),
        staged: Vec::new(),
        in_flight: None,
        in_flight_sha256: BTreeSet::new(),
    };
    let mut failure: Option<anyhow::Error> = None;
    'inputs: for input in &inputs {
        pending.push_back(parser.start(input, &fetch).await);
        while pending.len() > window {
            let Some(next) = pending.pop_front() else {
                break;
            };
            if let Err(error) = run.finish(next).await {
                failure = Some(error);
                break 'inputs;
            }
            progress.inc(1);
        }
    }
    while failure.is_none()
        && let Some(next) = pending.pop_front()
    {
        if let Err(error) = run.finish(next).await {
            failure = Some(error);
        }
        progress.inc(1);
    }
    let drained = if failure.is_none() {
        run.drain().await
    } else {
        // Files stored before the failure are still listed.
        run.settle().await
    };
    if let Err(error) = drained {
        failure.get_or_insert(error);
    }
    // Files of a batch that failed to commit were not stored: they are left out of the list.
    let files: Vec<FileReport> = run.files.into_iter().flatten().collect();
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
        // The files listed are stored (each all or nothing): the report above says which, and
        // the error stops the command, so nobody guesses what the store holds.
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

/// A file on its way: not readable, or being read and parsed.
enum Pending {
    Unread(FileReport),
    Parsing {
        name: String,
        parsed: tokio::task::JoinHandle<Result<Parsed, Diagnostic>>,
    },
}

/// Where a file's bytes come from on the parsing thread.
enum Loading {
    /// A local file, read there.
    File(std::path::PathBuf),
    /// A URL, already fetched.
    Downloaded(Vec<u8>),
}

/// A file read and parsed.
struct Parsed {
    sha256: String,
    size_bytes: u64,
    reading: FileReading,
}

impl Parser {
    /// Starts reading an input, hashing and parsing it on a blocking thread (a URL is fetched
    /// first), so that both cores share all of it.
    async fn start(&self, input: &Input, fetch: &FetchLimits) -> Pending {
        let name = input.display_name();
        tracing::debug!(file = %name, "reading");
        let loading = match input {
            Input::File(path) => Loading::File(path.clone()),
            Input::Url(_) => match source::load(input, fetch).await {
                Ok(bytes) => Loading::Downloaded(bytes),
                Err(diagnostic) => return Pending::Unread(unread(name, diagnostic)),
            },
        };
        let (schema, limits, file, fetch) = (
            Arc::clone(&self.schema),
            Arc::clone(&self.limits),
            name.clone(),
            *fetch,
        );
        let parsed = tokio::task::spawn_blocking(move || {
            let bytes = match loading {
                Loading::Downloaded(bytes) => bytes,
                Loading::File(path) => source::load_file(&path, &fetch)?,
            };
            let options = ReadOptions {
                schema: &schema,
                limits: &limits,
            };
            // A bug in a reader must cost one file, not the whole import: the file is rejected
            // with a message that asks for a report, and nothing of it is stored.
            let parse = || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    mamori_ingest::read_file(&file, &bytes, &options)
                }))
                .unwrap_or_else(|_| reader_failed(&file))
            };
            let (sha256, reading) = hashed_while(&bytes, parse);
            Ok(Parsed {
                sha256,
                size_bytes: bytes.len() as u64,
                reading,
            })
        });
        Pending::Parsing { name, parsed }
    }
}

/// Files at least this large are hashed on a second thread while they are parsed.
const HASH_APART_BYTES: usize = 1 << 20;

/// The SHA-256 of `bytes` and the result of `parse`: side by side for a large file (a long
/// ledger is one file on one core otherwise), one after the other for small ones.
fn hashed_while<T>(bytes: &[u8], parse: impl FnOnce() -> T) -> (String, T) {
    let hash = || hex(&Sha256::digest(bytes));
    if bytes.len() < HASH_APART_BYTES {
        return (hash(), parse());
    }
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("mamori-hash".to_owned())
            .spawn_scoped(scope, hash)
        {
            Ok(hashing) => {
                let parsed = parse();
                let sha256 = hashing.join().unwrap_or_else(|_| hash());
                (sha256, parsed)
            }
            Err(_) => (hash(), parse()),
        }
    })
}

/// The reading of a file whose reader panicked: rejected, nothing stored.
fn reader_failed(name: &str) -> FileReading {
    FileReading {
        format: mamori_ingest::Format::Unknown,
        figures: Vec::new(),
        diagnostics: vec![Diagnostic::new(
            Code::ReaderFailed,
            Location::file(name),
            "このファイルの読み取り中に mamori の内部エラーが起きたため、取り込みませんでした。お手数ですが、ファイルを添えて開発担当へ報告してください",
        )],
    }
}

/// Accepted files recorded together: at most this many wait for one transaction.
const BATCH_FILES: usize = 128;

/// An accepted file waiting for its batch's transaction.
struct Staged {
    /// Its place in [`Run::files`].
    slot: usize,
    name: String,
    sha256: String,
    size_bytes: u64,
    reading: FileReading,
}

impl Staged {
    fn as_new_import<'a>(&'a self, imported_at: &'a str) -> NewImport<'a> {
        NewImport {
            source: &self.name,
            sha256: &self.sha256,
            size_bytes: self.size_bytes,
            format: format_name(&self.reading),
            imported_at,
            figures: &self.reading.figures,
            diagnostics: &self.reading.diagnostics,
        }
    }
}

/// The state of one `mamori import` run.
struct Run<'r> {
    store: Option<&'r Store>,
    args: &'r ImportArgs,
    imported_at: &'r str,
    /// Current imports by their bytes' sha256, to report identical bytes as unchanged.
    known: BTreeMap<String, ImportRow>,
    /// One slot per file handled, in input order; a staged file's slot fills when its batch commits.
    files: Vec<Option<FileReport>>,
    staged: Vec<Staged>,
    /// The batch being recorded, and the bytes it holds.
    in_flight: Option<InFlight>,
    in_flight_sha256: BTreeSet<String>,
}

/// A batch being recorded: the files, the outcomes of those stored, the error that stopped it.
type InFlight = tokio::task::JoinHandle<(Vec<Staged>, Vec<RecordOutcome>, Option<StoreError>)>;

impl Run<'_> {
    /// Waits for a file's parse, then reports it, or stages it for the store.
    async fn finish(&mut self, pending: Pending) -> anyhow::Result<()> {
        let (name, parsed) = match pending {
            Pending::Unread(report) => {
                self.files.push(Some(report));
                return Ok(());
            }
            Pending::Parsing { name, parsed } => (name, parsed),
        };
        let (sha256, size_bytes, reading) = match parsed.await {
            Ok(Ok(parsed)) => (parsed.sha256, parsed.size_bytes, parsed.reading),
            Ok(Err(diagnostic)) => {
                self.files.push(Some(unread(name, diagnostic)));
                return Ok(());
            }
            Err(error) => return Err(error).context("a file's reader stopped unexpectedly"),
        };
        // The same bytes twice in one run: the first must be stored before the second is judged.
        if self.in_flight_sha256.contains(&sha256)
            || self.staged.iter().any(|staged| staged.sha256 == sha256)
        {
            self.drain().await?;
        }
        let report = match (self.store, self.known.get(&sha256)) {
            (Some(store), Some(existing)) => unchanged(store, name, sha256, existing).await?,
            _ => {
                let rejected = reading.has_errors() || (self.args.strict && reading.has_warnings());
                match (rejected, self.store, self.args.dry_run) {
                    (false, Some(_), false) => {
                        let slot = self.files.len();
                        self.files.push(None);
                        self.staged.push(Staged {
                            slot,
                            name,
                            sha256,
                            size_bytes,
                            reading,
                        });
                        if self.staged.len() >= BATCH_FILES {
                            self.flush().await?;
                        }
                        return Ok(());
                    }
                    (rejected, store, dry_run) => {
                        let store = store.filter(|_| !dry_run);
                        let (status, import_id) = if rejected {
                            let new_import = NewImport {
                                source: &name,
                                sha256: &sha256,
                                size_bytes,
                                format: format_name(&reading),
                                imported_at: self.imported_at,
                                figures: &reading.figures,
                                diagnostics: &reading.diagnostics,
                            };
                            let id = match store {
                                Some(store) => {
                                    // The history keeps input order: staged files go first.
                                    self.drain().await?;
                                    Some(store.record_rejection(&new_import).await?)
                                }
                                None => None,
                            };
                            (FileStatus::Rejected, id)
                        } else {
                            // --dry-run, or no store at all: say what would happen.
                            let replaced = match self.store {
                                Some(store) => {
                                    store.count_would_supersede(&reading.figures).await?
                                }
                                None => 0,
                            };
                            let status = if replaced > 0 {
                                FileStatus::Superseded
                            } else {
                                FileStatus::Imported
                            };
                            (status, None)
                        };
                        file_report(name, sha256, &reading, status, import_id, Vec::new())
                    }
                }
            }
        };
        tracing::info!(file = %report.path, status = report.status.label(), figures = report.figures, "done");
        self.files.push(Some(report));
        Ok(())
    }

    /// Hands the staged files to the store as one batch, recorded while the next files are
    /// parsed; first waits for the batch before it, so at most one is in flight.
    async fn flush(&mut self) -> anyhow::Result<()> {
        self.settle().await?;
        let Some(store) = self.store else {
            return Ok(());
        };
        if self.staged.is_empty() {
            return Ok(());
        }
        let staged = std::mem::take(&mut self.staged);
        self.in_flight_sha256 = staged.iter().map(|file| file.sha256.clone()).collect();
        self.in_flight = Some(tokio::spawn(record_batch(
            store.clone(),
            staged,
            self.imported_at.to_owned(),
        )));
        Ok(())
    }

    /// Waits for the batch in flight and fills its files' reports.
    async fn settle(&mut self) -> anyhow::Result<()> {
        let Some(handle) = self.in_flight.take() else {
            return Ok(());
        };
        self.in_flight_sha256.clear();
        let (staged, outcomes, error) = handle
            .await
            .context("the task recording a batch stopped unexpectedly")?;
        for (file, outcome) in staged.into_iter().zip(&outcomes) {
            self.stored(file, outcome);
        }
        match error {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }

    /// Records everything staged and waits until it is stored.
    async fn drain(&mut self) -> anyhow::Result<()> {
        self.flush().await?;
        self.settle().await
    }

    /// Fills a stored file's report and remembers its bytes.
    fn stored(&mut self, file: Staged, outcome: &mamori_store::RecordOutcome) {
        let mut extra = Vec::new();
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
            extra.push(Diagnostic::new(
                    Code::NoLongerReported,
                    Location::file(&file.name),
                    format!(
                        "このファイルで置き換えた年度・実施機関のうち、{}はこのファイルに書かれていないため、以前の値は使われず「報告なし」になります。意図どおりか確認してください",
                        items.join("、")
                    ),
                ));
        }
        self.known
            .retain(|_, row| !outcome.superseded_imports.contains(&row.id));
        self.known.insert(
            file.sha256.clone(),
            ImportRow {
                id: outcome.import_id,
                source: file.name.clone(),
                sha256: file.sha256.clone(),
                size_bytes: file.size_bytes as i64,
                format: format_name(&file.reading).to_owned(),
                imported_at: self.imported_at.to_owned(),
                status: ImportStatus::Imported,
                figure_count: file.reading.figures.len() as i64,
            },
        );
        let status = if outcome.superseded_figures > 0 {
            FileStatus::Superseded
        } else {
            FileStatus::Imported
        };
        let report = file_report(
            file.name,
            file.sha256,
            &file.reading,
            status,
            Some(outcome.import_id),
            extra,
        );
        tracing::info!(file = %report.path, status = report.status.label(), figures = report.figures, "done");
        self.files[file.slot] = Some(report);
    }
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

/// Records one batch; on failure, its files one by one, so that a failure costs the files from
/// the one that fails (those before it are stored), as if the batch had never been. Returns the
/// files, the outcomes of those stored (a prefix), and the error that stopped it, if any.
async fn record_batch(
    store: Store,
    staged: Vec<Staged>,
    imported_at: String,
) -> (Vec<Staged>, Vec<RecordOutcome>, Option<StoreError>) {
    let imports: Vec<NewImport<'_>> = staged
        .iter()
        .map(|file| file.as_new_import(&imported_at))
        .collect();
    let result = store.record_imports(&imports).await;
    drop(imports);
    match result {
        Ok(outcomes) => (staged, outcomes, None),
        Err(error) => {
            tracing::warn!(%error, "a batch failed; recording its files one by one");
            let mut outcomes = Vec::with_capacity(staged.len());
            for file in &staged {
                match store.record_import(&file.as_new_import(&imported_at)).await {
                    Ok(outcome) => outcomes.push(outcome),
                    Err(error) => return (staged, outcomes, Some(error)),
                }
            }
            (staged, outcomes, None)
        }
    }
}

/// The report of a file that was read (stored, rejected, or judged by `--dry-run`).
fn file_report(
    name: String,
    sha256: String,
    reading: &FileReading,
    status: FileStatus,
    import_id: Option<i64>,
    extra_diagnostics: Vec<Diagnostic>,
) -> FileReport {
    let agencies: Vec<String> = reading.agencies().iter().map(ToString::to_string).collect();
    let figures = if status == FileStatus::Rejected {
        0
    } else {
        reading.figures.len()
    };
    let diagnostics_full: Vec<Diagnostic> = reading
        .diagnostics
        .iter()
        .cloned()
        .chain(extra_diagnostics)
        .collect();
    FileReport {
        path: name,
        sha256: Some(sha256),
        status,
        format: Some(format_name(reading)),
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
        diagnostics: diagnostics_full.iter().map(DiagnosticJson::from).collect(),
        diagnostics_full,
    }
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

fn existing_format(stored: &str) -> &'static str {
    ["xlsx", "ods", "xls", "html", "csv"]
        .into_iter()
        .find(|known| *known == stored)
        .unwrap_or("unknown")
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
