//! Job files, `jobs/*.toml`: the wire format ([`wire`]), its validation into a [`JobSpec`]
//! (`TryFrom<`[`JobFile`]`>`), and loading one file or a whole folder with errors that name the
//! file, the key and the line ([`SpecError`]).
//!
//! ```toml
//! name = "annual-report"            # = the file name without .toml
//! description = "年次報告を送る"
//! schedule = "0 9 10 5 *"           # cron, read in `timezone`
//! timezone = "Asia/Tokyo"           # the default
//! on_closed_day = "next-open-day"   # | "previous-open-day" | "run"
//! when_empty = "notify"             # | "skip"
//! enabled = true
//!
//! [catch_up]
//! policy = "once"                   # | "skip"
//! window = "1d"                     # s, m, h or d; only with policy once
//!
//! [mail]
//! to = ["soumu@city.example.jp", "総務課 <gikai@city.example.jp>"]
//! cc = []
//! subject = "{{ fiscal_year }} 年次報告"   # minijinja templates, kept as text here
//! body = "..."
//!
//! [annual_report]                   # or [contract_review] or [figures_reminder]
//! import = "incoming/figures"       # relative to the folder that holds jobs/
//! fiscal_year = "previous"          # or "令和4年度", "R4", "2022"
//! years = 3
//! attach = ["xlsx"]
//! ```
//!
//! Relative paths in a job file resolve against its `base`: the parent of the folder holding
//! the file (for `/x/jobs/a.toml`, `/x`), so a job names `incoming/figures`, not
//! `../incoming/figures`.

pub mod error;
mod locate;
mod validate;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use mamori_core::{Agency, FiscalYear, FiscalYearError};
use sha2::{Digest as _, Sha256};
use toml::de::DeTable;

pub use self::error::{KeyPath, KeySegment, Position, SpecError, SpecErrorKind};
pub use self::validate::{DEFAULT_TIME_ZONE, DEFAULT_WINDOW, DEFAULT_YEARS, JobFile};
use self::wire::JobFileWire;
use crate::schedule::{CatchUp, OnClosedDay, Schedule};

/// A validated job file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    name: String,
    description: Option<String>,
    file: PathBuf,
    base: PathBuf,
    schedule: Schedule,
    on_closed_day: OnClosedDay,
    when_empty: WhenEmpty,
    catch_up: CatchUp,
    enabled: bool,
    mail: MailSpec,
    kind: JobKind,
}

impl JobSpec {
    /// The job's name, equal to its file name without `.toml`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The job file it came from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The folder relative paths resolve against: the parent of the job file's folder.
    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn on_closed_day(&self) -> OnClosedDay {
        self.on_closed_day
    }

    pub fn when_empty(&self) -> WhenEmpty {
        self.when_empty
    }

    pub fn catch_up(&self) -> CatchUp {
        self.catch_up
    }

    /// Whether the job fires at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn mail(&self) -> &MailSpec {
        &self.mail
    }

    pub fn kind(&self) -> &JobKind {
        &self.kind
    }

    /// A hex SHA-256 over everything that decides who gets mail: the addresses of `to` and `cc`
    /// together (display names left out, sorted, each once) and, for a figures reminder, the
    /// sorted (agency, address) contacts. A job whose fingerprint differs from the approved
    /// one needs approving again; a new subject or body does not change it.
    pub fn recipients_fingerprint(&self) -> String {
        let mut canonical = String::from("mamori-jobs recipients v1\n");
        let addresses: BTreeSet<String> = self
            .mail
            .to
            .iter()
            .chain(&self.mail.cc)
            .map(|recipient| fingerprint_address(recipient))
            .collect();
        for address in addresses {
            canonical.push_str("mail\t");
            canonical.push_str(&address);
            canonical.push('\n');
        }
        if let JobKind::FiguresReminder(reminder) = &self.kind {
            for (agency, address) in &reminder.contacts {
                canonical.push_str("contact\t");
                canonical.push_str(agency.as_str());
                canonical.push('\t');
                canonical.push_str(&fingerprint_address(address));
                canonical.push('\n');
            }
        }
        Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// The address part of a recipient, lower-cased: what decides who gets the mail.
fn fingerprint_address(recipient: &str) -> String {
    validate::address_part(recipient)
        .unwrap_or(recipient)
        .to_lowercase()
}

/// What to do when a run has nothing to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WhenEmpty {
    /// Send a "nothing to report" notice.
    Notify,
    /// Send nothing; record that the run skipped.
    Skip,
}

/// Who gets a job's mail, and its wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSpec {
    to: Vec<String>,
    cc: Vec<String>,
    subject: Option<String>,
    body: Option<String>,
}

impl MailSpec {
    /// Recipients as written (`local@domain` or `名前 <local@domain>`), each checked.
    pub fn to(&self) -> &[String] {
        &self.to
    }

    pub fn cc(&self) -> &[String] {
        &self.cc
    }

    /// The subject template (minijinja), not rendered.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The body template (minijinja), not rendered.
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }
}

/// What a job does: exactly one of the kind tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    AnnualReport(AnnualReportSpec),
    ContractReview(ContractReviewSpec),
    FiguresReminder(FiguresReminderSpec),
}

impl JobKind {
    /// `annual-report`, `contract-review` or `figures-reminder`.
    pub fn label(&self) -> &'static str {
        match self {
            JobKind::AnnualReport(_) => "annual-report",
            JobKind::ContractReview(_) => "contract-review",
            JobKind::FiguresReminder(_) => "figures-reminder",
        }
    }
}

/// `[annual_report]`: mail the annual report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualReportSpec {
    import: Option<PathBuf>,
    fiscal_year: FiscalYearChoice,
    years: u8,
    attach: Vec<AttachFormat>,
}

impl AnnualReportSpec {
    /// A folder of figures to import before the report, resolved against the job's base.
    pub fn import(&self) -> Option<&Path> {
        self.import.as_deref()
    }

    pub fn fiscal_year(&self) -> FiscalYearChoice {
        self.fiscal_year
    }

    /// How many fiscal years the report compares, 1 to 20.
    pub fn years(&self) -> u8 {
        self.years
    }

    /// The formats to attach, in the order written, each once.
    pub fn attach(&self) -> &[AttachFormat] {
        &self.attach
    }
}

/// `[contract_review]`: audit the contracts dropped into a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractReviewSpec {
    inbox: PathBuf,
    done: PathBuf,
    digest: bool,
    per_file: bool,
    annex: bool,
}

impl ContractReviewSpec {
    /// The folder contracts are dropped into, resolved against the job's base.
    pub fn inbox(&self) -> &Path {
        &self.inbox
    }

    /// The folder audited contracts are moved to, resolved against the job's base.
    pub fn done(&self) -> &Path {
        &self.done
    }

    /// Whether to send one digest of everything audited in the run.
    pub fn digest(&self) -> bool {
        self.digest
    }

    /// Whether to send one mail per audited file.
    pub fn per_file(&self) -> bool {
        self.per_file
    }

    /// Whether an annex (別記) counts as part of the contract.
    pub fn annex(&self) -> bool {
        self.annex
    }
}

/// `[figures_reminder]`: remind 実施機関 to send their figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresReminderSpec {
    fiscal_year: FiscalYearChoice,
    agencies: Vec<Agency>,
    contacts: BTreeMap<Agency, String>,
}

impl FiguresReminderSpec {
    pub fn fiscal_year(&self) -> FiscalYearChoice {
        self.fiscal_year
    }

    /// The 実施機関 that must send figures, in the order written (normalised names).
    pub fn agencies(&self) -> &[Agency] {
        &self.agencies
    }

    /// Every agency's contact address; there is one for each of [`Self::agencies`].
    pub fn contacts(&self) -> &BTreeMap<Agency, String> {
        &self.contacts
    }

    pub fn contact(&self, agency: &Agency) -> Option<&str> {
        self.contacts.get(agency).map(String::as_str)
    }
}

/// Which fiscal year a job is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiscalYearChoice {
    /// The fiscal year that ended before the fire date.
    Previous,
    /// A fixed fiscal year.
    Year(FiscalYear),
}

impl FiscalYearChoice {
    /// The fiscal year meant by a run on `fire_date` (in the schedule's zone).
    pub fn for_fire_date(self, fire_date: NaiveDate) -> Result<FiscalYear, FiscalYearError> {
        match self {
            FiscalYearChoice::Year(year) => Ok(year),
            FiscalYearChoice::Previous => {
                FiscalYear::new(FiscalYear::of_date(fire_date)?.start_year() - 1)
            }
        }
    }
}

/// A report format to attach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttachFormat {
    Xlsx,
    Csv,
    Html,
    Md,
    Json,
}

impl AttachFormat {
    /// The file extension, as written in the job file.
    pub fn extension(self) -> &'static str {
        match self {
            AttachFormat::Xlsx => "xlsx",
            AttachFormat::Csv => "csv",
            AttachFormat::Html => "html",
            AttachFormat::Md => "md",
            AttachFormat::Json => "json",
        }
    }
}

/// The jobs of a folder: those that loaded, sorted by name, and the errors of the rest.
#[derive(Debug, Default)]
pub struct LoadedJobs {
    pub jobs: Vec<JobSpec>,
    pub errors: Vec<SpecError>,
}

/// Reads and validates one job file.
pub fn load_file(path: &Path) -> Result<JobSpec, SpecError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| SpecError::new(path, None, SpecErrorKind::Read { error }))?;
    parse(&text, path)
}

/// Validates the text of the job file at `file` (which is not read; it names the job and
/// anchors relative paths).
pub fn parse(text: &str, file: &Path) -> Result<JobSpec, SpecError> {
    let document = DeTable::parse(text).map_err(|error| {
        let message = error.message().to_owned();
        SpecError::new(file, None, SpecErrorKind::Syntax { message })
            .at(error.span().map(|span| locate::position(text, span.start)))
    })?;
    let table = document.get_ref();
    let wire: JobFileWire = toml::from_str(text).map_err(|error| {
        let span = error.span();
        let key = span
            .as_ref()
            .and_then(|span| locate::path_at(table, span.start));
        SpecError::new(file, key, locate::classify(error.message()))
            .at(span.map(|span| locate::position(text, span.start)))
    })?;
    JobSpec::try_from(JobFile {
        path: file.to_path_buf(),
        wire,
    })
    .map_err(|error| {
        let span = error.key().and_then(|key| locate::span_of(table, key));
        error.at(span.map(|span| locate::position(text, span.start)))
    })
}

/// Loads every `*.toml` directly in `dir` (the extension in any case), in file name order. A
/// missing folder has no jobs and no error; a second file with an already loaded name is an
/// error.
pub fn load_dir(dir: &Path) -> LoadedJobs {
    let mut loaded = LoadedJobs::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return loaded,
        Err(error) => {
            loaded
                .errors
                .push(SpecError::new(dir, None, SpecErrorKind::Read { error }));
            return loaded;
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_toml = path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("toml"));
                if is_toml && path.is_file() {
                    files.push(path);
                }
            }
            Err(error) => {
                loaded
                    .errors
                    .push(SpecError::new(dir, None, SpecErrorKind::Read { error }))
            }
        }
    }
    files.sort();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in files {
        match load_file(&file) {
            Ok(job) => match seen.get(job.name()) {
                Some(first) => loaded.errors.push(SpecError::new(
                    &file,
                    Some(KeyPath::of(&["name"])),
                    SpecErrorKind::DuplicateName {
                        name: job.name().to_owned(),
                        first: first.clone(),
                    },
                )),
                None => {
                    seen.insert(job.name().to_owned(), file);
                    loaded.jobs.push(job);
                }
            },
            Err(error) => loaded.errors.push(error),
        }
    }
    loaded.jobs.sort_by(|a, b| a.name.cmp(&b.name));
    loaded
}

#[cfg(test)]
mod tests;
