//! Command-line arguments (clap). Values are resolved into settings in [`crate::settings`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// mamori: 個人情報保護制度の運用状況の集計・公表を支援するツール
#[derive(Debug, Parser)]
#[command(name = "mamori", version, about, long_about = None)]
pub struct Cli {
    /// The store: a SQLite file path, or a `sqlite://` / `postgres://` URL [default: mamori.toml's
    /// `[store]`, else ./mamori-data/mamori.db]
    #[arg(long, global = true, env = "MAMORI_DB", value_name = "PATH|URL")]
    pub db: Option<String>,

    /// The application config file [default: ./mamori.toml when present]
    #[arg(long, global = true, env = "MAMORI_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// More log lines on stderr (-v: milestones, -vv: debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import department spreadsheets (xlsx, xlsm, xls, ods, csv, tsv, html) from files, folders or URLs
    Import(ImportArgs),
    /// Print the stored (current) figures with the file, sheet and cell each came from
    Figures(FiguresArgs),
    /// List or show past imports
    Imports(ImportsArgs),
    /// Write reports from the stored figures
    #[command(subcommand)]
    Report(ReportCommand),
    /// Check outsourcing contracts (docx, pdf, txt) for the eight clauses of 第6条, with evidence
    Audit(AuditArgs),
    /// Scheduled jobs from jobs/*.toml: check, list, run, approve, history, daemon
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Mail: send a test message, list the outbox
    #[command(subcommand)]
    Mail(MailCommand),
    /// Web pages and a JSON API for the same operations (127.0.0.1:8080 by default)
    Serve(ServeArgs),
    /// Parse one uploaded file for `mamori serve` (run by the server, not by people)
    #[command(hide = true)]
    Worker(WorkerArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    /// The address to listen on [default: mamori.toml's `[serve] bind`, else 127.0.0.1:8080]
    #[arg(long, value_name = "ADDRESS:PORT")]
    pub bind: Option<String>,
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Read a password from standard input and print its hash for `[[serve.users]] password-hash`
    HashPassword,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// `spreadsheet|contract FILE NAME`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub arguments: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Validate every job file and name the file and key of any mistake
    Check(JsonArgs),
    /// Each job's next three fire times in its time zone, last run and status
    List(JsonArgs),
    /// Run one job now (mail goes out only if its recipients are approved)
    Run(JobRunArgs),
    /// Approve a job's recipients as they are now, so its runs send mail
    Approve(JobNameArgs),
    /// Every run with its stages' outcomes and errors, newest first
    History(JobHistoryArgs),
    /// Run jobs on their schedules until SIGTERM or Ctrl-C
    Daemon,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send a test message through the configured transport
    Test(MailTestArgs),
    /// List queued, sent, failed and dead messages, newest first
    Outbox(OutboxArgs),
    /// Send the queued messages that are due now (the daemon does this on its own)
    Flush(JsonArgs),
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    /// JSON on stdout for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobNameArgs {
    /// The job's name (its file name without .toml)
    pub name: String,
}

#[derive(Debug, Args)]
pub struct JobRunArgs {
    /// The job's name (its file name without .toml)
    pub name: String,

    /// Write the mail and attachments to a folder and send nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Run as of this date or time (2023-05-10 or 2023-05-10T09:00:00+09:00): the fiscal year
    /// and the mail's identity follow it; a second run as of the same time sends nothing again
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// JSON on stdout for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobHistoryArgs {
    /// Only this job
    pub name: Option<String>,

    /// How many runs to show
    #[arg(long, default_value_t = 50)]
    pub limit: u32,

    /// JSON on stdout for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MailTestArgs {
    /// The address to send the test message to
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,

    /// JSON on stdout for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// Only messages in this state
    #[arg(long, value_enum)]
    pub status: Option<OutboxStatusArg>,

    /// How many messages to show
    #[arg(long, default_value_t = 100)]
    pub limit: u32,

    /// JSON on stdout for scripts
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutboxStatusArg {
    Queued,
    Sent,
    Failed,
    Dead,
}

/// Output formats of `mamori audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// A table per contract on the terminal
    Table,
    /// Markdown, with the wording to add for each partial or missing clause
    Md,
    /// JSON for scripts
    Json,
    /// Excel workbook: one row per contract, one column per clause, evidence on a second sheet
    Xlsx,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    /// Contract files (docx, pdf, txt, md) or folders (read recursively)
    #[arg(required = true, value_name = "PATH")]
    pub inputs: Vec<PathBuf>,

    /// The 特記事項 that goes with the contracts, when it is a separate file
    #[arg(long, value_name = "FILE")]
    pub annex: Option<PathBuf>,

    /// The city's own current 特記事項: compare each contract with it, article by article
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,

    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Write to this file instead of standard output (xlsx without it goes under the data folder)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Measure the checklist against labelled contracts (labels.json beside a docs/ folder)
    Eval(EvalArgs),
    /// Print the checklist in use (the built-in one, or the ruleset named in mamori.toml) as TOML,
    /// a starting point for a city's own; with --explain, what each item checks and why
    Rules(RulesArgs),
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Explain each item (what it checks, why, an example, what does not count, references)
    /// instead of printing the TOML
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The labels file; each document is read from docs/ID.txt beside it
    #[arg(value_name = "LABELS.json")]
    pub labels: PathBuf,

    /// Print JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The annual 運用状況 report: the fiscal year and the years before it, in total and per 実施機関
    Annual(AnnualArgs),
}

/// Output formats of `mamori report annual`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Excel workbook: 運用状況, 実施機関別, データ, 確認事項
    Xlsx,
    /// A standalone HTML page with the chart
    Html,
    /// The HTML tables alone, to paste into a CMS
    HtmlFragment,
    /// Records (UTF-8 with BOM, CRLF) for Excel and open data
    Csv,
    /// Markdown, for the terminal and mail
    Md,
    /// JSON for scripts
    Json,
}

#[derive(Debug, Args)]
pub struct AnnualArgs {
    /// The fiscal year the report is for: 2022, 令和4年度, R4
    #[arg(long, value_name = "FY")]
    pub year: String,

    /// How many fiscal years the table shows, ending with --year
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub years: u32,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,

    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Write to this file instead of standard output (xlsx without it goes under the data folder)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Refuse to write the report while warnings stand (exit 1, listing them)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files, folders (read recursively) or http(s) URLs
    #[arg(required = true, value_name = "PATH|URL")]
    pub inputs: Vec<String>,

    /// Read and check everything, store nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print one JSON object on stdout instead of the summary table
    #[arg(long)]
    pub json: bool,

    /// Reject a file that has warnings, not only one with errors
    #[arg(long)]
    pub strict: bool,

    /// Seconds to wait for a URL before giving up
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub http_timeout: u64,
}

#[derive(Debug, Args)]
pub struct FiguresArgs {
    /// Only this fiscal year: 2022, 令和4年度, R4
    #[arg(long, value_name = "FY")]
    pub year: Option<String>,

    /// Print JSON on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ImportsArgs {
    #[command(subcommand)]
    pub command: ImportsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImportsCommand {
    /// Every import, newest first
    List {
        /// Print JSON on stdout
        #[arg(long)]
        json: bool,
    },
    /// One import with its figures and diagnostics
    Show {
        /// The import's number, as `imports list` shows it
        id: i64,
        /// Print JSON on stdout
        #[arg(long)]
        json: bool,
    },
}
