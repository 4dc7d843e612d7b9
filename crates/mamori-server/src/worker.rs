//! Uploaded files are parsed in a child process with a memory and time limit, so a hostile file
//! that makes a parser abort or balloon (calamine allocates by a sheet's claimed size) kills only
//! the worker; the server answers with an error page and goes on serving.
//!
//! The child is `mamori worker KIND FILE NAME` (or the `mamori-worker` binary of this crate): it
//! lowers its own address-space and CPU limits, reads FILE, and prints one JSON object on
//! standard output. `NAME` is the name the user gave the file, used only in messages.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use mamori_audit::source::{SourceFormat, SourceText};
use mamori_core::{
    Agency, CategoryKey, CategorySchema, CellRef, Code, Diagnostic, Figure, FiscalYear, Location,
    Provenance,
};
use mamori_ingest::{FileReading, Format, Limits, ReadOptions};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// How to start a worker, and the limits it runs under.
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    pub program: PathBuf,
    /// Arguments before `KIND FILE NAME` (e.g. `--config mamori.toml worker`).
    pub arguments: Vec<String>,
    /// The worker's address-space limit, in bytes.
    pub memory_bytes: u64,
    /// Wall-clock time before the worker is killed.
    pub timeout: Duration,
}

impl WorkerCommand {
    /// A worker started as `program arguments… KIND FILE NAME`, with the standard limits: 2 GiB
    /// of address space and 60 seconds.
    pub fn new(program: PathBuf, arguments: Vec<String>) -> WorkerCommand {
        WorkerCommand {
            program,
            arguments,
            memory_bytes: 2 * 1024 * 1024 * 1024,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Environment variable carrying the memory limit to the worker.
const MEMORY_VARIABLE: &str = "MAMORI_WORKER_MEMORY_BYTES";
/// The CPU seconds a worker may use (a second guard behind the parent's wall-clock timeout).
const CPU_SECONDS: u64 = 120;

/// A spreadsheet as the worker read it.
#[derive(Debug, Serialize, Deserialize)]
struct WireReading {
    format: String,
    figures: Vec<WireFigure>,
    diagnostics: Vec<WireDiagnostic>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WireFigure {
    fiscal_year: i32,
    agency: String,
    category: String,
    count: u64,
    sheet: Option<String>,
    cell: String,
    range_end: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WireDiagnostic {
    code: String,
    message: String,
    sheet: Option<String>,
    cell: Option<String>,
}

/// A contract's text as the worker extracted it, or the audit error that stopped it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum WireContract {
    Text { format: String, text: String },
    Error { code: String, message: String },
}

/// The worker's side: `KIND FILE NAME` with KIND `spreadsheet` or `contract`. Prints one JSON
/// object on standard output; false on a usage or I/O error (the parent then reports the file
/// as unreadable).
pub async fn run(arguments: &[String], schema: &CategorySchema) -> bool {
    limit_self();
    let [kind, file, name] = arguments else {
        tracing::error!("usage: worker spreadsheet|contract FILE NAME");
        return false;
    };
    let bytes = match tokio::fs::read(file).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!("cannot read {file}: {error}");
            return false;
        }
    };
    let json = match kind.as_str() {
        "spreadsheet" => serde_json::to_string(&read_spreadsheet(name, &bytes, schema)),
        "contract" => serde_json::to_string(&read_contract(name, Path::new(file), &bytes).await),
        _ => {
            tracing::error!("unknown worker kind `{kind}`");
            return false;
        }
    };
    let Ok(json) = json else {
        return false;
    };
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(json.as_bytes()).is_ok() && stdout.flush().is_ok()
}

/// Lowers this process's address space (from the parent's setting) and CPU time. An allocation
/// beyond the limit aborts the worker, which is the point.
fn limit_self() {
    let memory = std::env::var(MEMORY_VARIABLE)
        .ok()
        .and_then(|text| text.parse::<u64>().ok());
    if let Some(bytes) = memory
        && let Err(error) = rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes)
    {
        tracing::warn!("cannot limit the worker's memory: {error}");
    }
    if let Err(error) = rlimit::setrlimit(rlimit::Resource::CPU, CPU_SECONDS, CPU_SECONDS) {
        tracing::warn!("cannot limit the worker's CPU time: {error}");
    }
}

fn read_spreadsheet(name: &str, bytes: &[u8], schema: &CategorySchema) -> WireReading {
    let limits = Limits::standard();
    let options = ReadOptions {
        schema,
        limits: &limits,
    };
    let reading = mamori_ingest::read_file(name, bytes, &options);
    WireReading {
        format: mamori_jobs::stage::import::format_name(&reading).to_owned(),
        figures: reading
            .figures
            .iter()
            .map(|figure| WireFigure {
                fiscal_year: figure.fiscal_year.start_year(),
                agency: figure.agency.as_str().to_owned(),
                category: figure.category.as_str().to_owned(),
                count: figure.count,
                sheet: figure.provenance.sheet.clone(),
                cell: figure.provenance.cell.to_string(),
                range_end: figure.provenance.range_end.map(|cell| cell.to_string()),
            })
            .collect(),
        diagnostics: reading
            .diagnostics
            .iter()
            .map(|diagnostic| WireDiagnostic {
                code: diagnostic.code().as_str().to_owned(),
                message: diagnostic.message().to_owned(),
                sheet: diagnostic.location().sheet.clone(),
                cell: diagnostic.location().cell.map(|cell| cell.to_string()),
            })
            .collect(),
    }
}

async fn read_contract(name: &str, path: &Path, bytes: &[u8]) -> WireContract {
    match mamori_jobs::stage::contracts::contract_text(name, path, bytes).await {
        Ok(text) => WireContract::Text {
            format: format_key(text.format()).to_owned(),
            text: text.text().to_owned(),
        },
        Err(error) => WireContract::Error {
            code: error.code().to_owned(),
            message: error.to_string(),
        },
    }
}

fn format_key(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Docx => "docx",
        SourceFormat::PdfText => "pdf",
        SourceFormat::PlainText => "text",
    }
}

/// What a worker run gave: its standard output, or why there is none.
async fn run_worker(
    command: &WorkerCommand,
    kind: &str,
    file: &Path,
    name: &str,
) -> Result<Vec<u8>, ApiError> {
    let child = tokio::process::Command::new(&command.program)
        .args(&command.arguments)
        .arg(kind)
        .arg(file)
        .arg(name)
        .env(MEMORY_VARIABLE, command.memory_bytes.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| {
            tracing::error!(program = %command.program.display(), "cannot start the worker: {error}");
            ApiError::worker_failed(name)
        })?;
    let output = tokio::time::timeout(command.timeout, child.wait_with_output())
        .await
        .map_err(|_| ApiError::worker_timeout(name, command.timeout))?
        .map_err(|error| {
            tracing::error!("the worker was lost: {error}");
            ApiError::worker_failed(name)
        })?;
    if !output.status.success() {
        tracing::warn!(
            status = %output.status,
            stderr = %String::from_utf8_lossy(&output.stderr).trim(),
            "a worker stopped without a result"
        );
        return Err(ApiError::worker_failed(name));
    }
    Ok(output.stdout)
}

/// Reads an uploaded spreadsheet in a worker: the same result `mamori import` gets for the file.
pub async fn spreadsheet(
    command: &WorkerCommand,
    file: &Path,
    name: &str,
) -> Result<FileReading, ApiError> {
    let stdout = run_worker(command, "spreadsheet", file, name).await?;
    let wire: WireReading = serde_json::from_slice(&stdout).map_err(|error| {
        tracing::error!("the worker's answer is unreadable: {error}");
        ApiError::worker_failed(name)
    })?;
    reading_from_wire(name, wire).ok_or_else(|| {
        tracing::error!("the worker's answer names an unknown code or value");
        ApiError::worker_failed(name)
    })
}

fn reading_from_wire(name: &str, wire: WireReading) -> Option<FileReading> {
    let format = match wire.format.as_str() {
        "xlsx" => Format::Xlsx,
        "ods" => Format::Ods,
        "xls" => Format::Xls,
        "encrypted" => Format::EncryptedOoxml,
        "html" => Format::Html,
        "csv" => Format::Delimited,
        _ => Format::Unknown,
    };
    let figures = wire
        .figures
        .into_iter()
        .map(|figure| {
            Some(Figure {
                fiscal_year: FiscalYear::new(figure.fiscal_year).ok()?,
                agency: Agency::new(&figure.agency)?,
                category: CategoryKey::new(&figure.category).ok()?,
                count: figure.count,
                provenance: Provenance {
                    file: name.to_owned(),
                    sheet: figure.sheet,
                    cell: CellRef::parse_a1(&figure.cell)?,
                    range_end: match figure.range_end {
                        Some(text) => Some(CellRef::parse_a1(&text)?),
                        None => None,
                    },
                },
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let diagnostics = wire
        .diagnostics
        .into_iter()
        .map(|diagnostic| {
            let cell = match diagnostic.cell {
                Some(text) => Some(CellRef::parse_a1(&text)?),
                None => None,
            };
            Some(Diagnostic::new(
                Code::parse(&diagnostic.code)?,
                Location {
                    file: name.to_owned(),
                    sheet: diagnostic.sheet,
                    cell,
                },
                diagnostic.message,
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(FileReading {
        format,
        figures,
        diagnostics,
    })
}

/// A contract's text, or the audit error (code and message) that stops its audit.
pub type ContractText = Result<SourceText, (String, String)>;

/// Extracts an uploaded contract's text in a worker (docx, text, or a PDF's text layer).
pub async fn contract(
    command: &WorkerCommand,
    file: &Path,
    name: &str,
) -> Result<ContractText, ApiError> {
    let stdout = run_worker(command, "contract", file, name).await?;
    let wire: WireContract = serde_json::from_slice(&stdout).map_err(|error| {
        tracing::error!("the worker's answer is unreadable: {error}");
        ApiError::worker_failed(name)
    })?;
    Ok(match wire {
        WireContract::Text { format, text } => {
            let format = match format.as_str() {
                "docx" => SourceFormat::Docx,
                "pdf" => SourceFormat::PdfText,
                _ => SourceFormat::PlainText,
            };
            SourceText::from_extracted(name, format, &text)
                .map_err(|error| (error.code().to_owned(), error.to_string()))
        }
        WireContract::Error { code, message } => Err((code, message)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_crosses_the_process_boundary_unchanged() {
        let schema = CategorySchema::default();
        let csv = "年度,開示請求,開示,一部開示\n令和4年度,5,3,1\n";
        let wire = read_spreadsheet("市長.csv", csv.as_bytes(), &schema);
        let json = serde_json::to_string(&wire).expect("serialise");
        let back = reading_from_wire("市長.csv", serde_json::from_str(&json).expect("parse"))
            .expect("rebuild");
        let direct = mamori_ingest::read_file(
            "市長.csv",
            csv.as_bytes(),
            &ReadOptions {
                schema: &schema,
                limits: &Limits::standard(),
            },
        );
        assert_eq!(back.figures, direct.figures);
        assert_eq!(back.diagnostics, direct.diagnostics);
        assert_eq!(back.format, direct.format);
        assert_eq!(back.figures.len(), 3);
    }
}
