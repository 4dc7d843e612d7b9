//! One module per subcommand: arguments → settings → library calls → printer.

mod audit;
mod figures;
mod import;
mod imports;
mod jobs;
mod mail;
mod report;
mod serve;

use serde::Serialize;

use crate::ExitStatus;
use crate::args::{Cli, Command};
use crate::settings;

/// Runs the parsed command line.
pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitStatus> {
    let settings = settings::resolve(cli.config.as_deref(), cli.db.as_deref())?;
    match cli.command {
        Command::Import(args) => import::run(&settings, &args).await,
        Command::Figures(args) => figures::run(&settings, &args).await,
        Command::Imports(args) => imports::run(&settings, &args).await,
        Command::Report(crate::args::ReportCommand::Annual(args)) => {
            report::annual(&settings, &args).await
        }
        Command::Audit(args) => audit::run(&settings, &args).await,
        Command::Jobs(command) => jobs::run(&settings, &command).await,
        Command::Mail(command) => mail::run(&settings, &command).await,
        Command::Serve(args) => serve::run(&settings, &args, cli.config.as_deref()).await,
        Command::Worker(args) => Ok(
            if mamori_server::worker::run(&args.arguments, &settings.schema).await {
                ExitStatus::Success
            } else {
                ExitStatus::Error
            },
        ),
    }
}

/// Opens an existing store for reading: a mistyped `--db` must not create an empty database
/// and report that nothing was imported.
pub(crate) async fn open_existing_store(
    settings: &settings::Settings,
) -> anyhow::Result<mamori_store::Store> {
    if let Some(path) = settings.store.sqlite_path()
        && !path.exists()
    {
        anyhow::bail!(
            "no store at `{}`: run `mamori import` first, or name the store with --db",
            path.display()
        );
    }
    Ok(mamori_store::Store::open(&settings.store).await?)
}

/// Opens the store, creating a SQLite file (and its folder) when missing: for commands that
/// write (jobs, mail).
pub(crate) async fn open_or_create_store(
    settings: &settings::Settings,
) -> anyhow::Result<mamori_store::Store> {
    if let Some(path) = settings.store.sqlite_path()
        && !path.exists()
    {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        std::fs::create_dir_all(&folder).map_err(|error| {
            anyhow::anyhow!(
                "cannot create the data folder `{}`: {error}",
                folder.display()
            )
        })?;
    }
    Ok(mamori_store::Store::open(&settings.store).await?)
}

/// A diagnostic as JSON (the shape every command uses).
#[derive(Debug, Serialize)]
pub struct DiagnosticJson {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: Option<String>,
}

impl From<&mamori_core::Diagnostic> for DiagnosticJson {
    fn from(diagnostic: &mamori_core::Diagnostic) -> DiagnosticJson {
        let location = diagnostic.location();
        DiagnosticJson {
            code: diagnostic.code().as_str(),
            severity: diagnostic.severity().as_str(),
            message: diagnostic.message().to_owned(),
            file: location.file.clone(),
            sheet: location.sheet.clone(),
            cell: location.cell.map(|cell| cell.to_string()),
        }
    }
}
