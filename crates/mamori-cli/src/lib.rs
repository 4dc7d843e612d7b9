//! mamori-cli: the `mamori` command.
//!
//! Owns: argument parsing ([`args`]; `MAMORI_DB` and `MAMORI_CONFIG` as option defaults), the
//! application config file `mamori.toml` ([`settings`], its only reader), fetching inputs from
//! paths and URLs ([`source`]), printing ([`printer`], the only place that writes to
//! stdout/stderr), logging set-up (`MAMORI_LOG`) and exit codes. No other crate reads the
//! environment. Each subcommand is a file in [`commands`].
//!
//! Must not: hold domain rules (they live in mamori-core), parse spreadsheets (mamori-ingest) or
//! write SQL (mamori-store).
//!
//! Exit codes: 0 = everything done, 1 = some input rejected or a check failed, 2 = usage or
//! environment error.

pub mod args;
pub mod commands;
pub mod printer;
pub mod settings;
pub mod source;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

/// How a command ended, for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything was done.
    Success,
    /// The command ran, but some input was rejected or a check failed.
    Failure,
    /// Usage or environment error: the command could not run.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Runs the command line; returns the process exit code.
pub fn run(arguments: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match args::Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
            printer::clap_message(&error);
            return code.into();
        }
    };
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            printer::error(&anyhow::Error::new(error).context("cannot start the async runtime"));
            return ExitStatus::Error.into();
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(status) => status.into(),
        Err(error) => {
            printer::error(&error);
            ExitStatus::Error.into()
        }
    }
}

/// Logs go to stderr. On a terminal only warnings show (the progress bar tells the rest); in
/// cron or CI, milestones are logged at info so a run leaves a trace.
fn init_logging(verbose: u8) {
    let default = match (verbose, std::io::stderr().is_terminal()) {
        (0, true) => "warn",
        (0, false) | (1, _) => "mamori=info,mamori_cli=info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MAMORI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LogWriter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// Standard error for log lines, where a failed write is dropped: a daemon whose log pipe
/// closed keeps running (tracing-subscriber would otherwise report the failure with
/// `eprintln!`, which panics on the same closed pipe).
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buffer);
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}
