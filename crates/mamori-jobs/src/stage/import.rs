//! Importing a folder of department spreadsheets before a report: each file read by
//! mamori-ingest and stored all or nothing, files already stored byte for byte left alone.
//! (`mamori import` has its own pipelined path for thousands of files; a job's folder holds a
//! season's files.)

use std::path::{Path, PathBuf};

use mamori_core::{CategorySchema, Diagnostic};
use mamori_ingest::{FileReading, Limits, ReadOptions};
use mamori_store::{NewImport, Store, StoreError};
use sha2::{Digest as _, Sha256};

use crate::stage::contracts::hex;
use crate::stage::folder::files_in;

/// Extensions read from a folder; the readers themselves go by content.
pub const SPREADSHEET_EXTENSIONS: &[&str] = &[
    "xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt", "html", "htm",
];

/// What importing a folder did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub imported: Vec<String>,
    pub unchanged: Vec<String>,
    /// Rejected files with the diagnostics that rejected them.
    pub rejected: Vec<(String, Vec<Diagnostic>)>,
    /// Warnings of the files imported now.
    pub warnings: usize,
}

/// Why a folder could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportStageError {
    #[error("cannot read the folder `{}`", folder.display())]
    Folder {
        folder: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read `{}`", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading `{file}` stopped unexpectedly")]
    Reader { file: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports every spreadsheet under `folder` (recursively, in name order).
pub async fn import_folder(
    store: &Store,
    folder: &Path,
    schema: &CategorySchema,
    imported_at: &str,
) -> Result<ImportSummary, ImportStageError> {
    let files =
        files_in(folder, SPREADSHEET_EXTENSIONS).map_err(|source| ImportStageError::Folder {
            folder: folder.to_path_buf(),
            source,
        })?;
    let known = store.current_imports_by_sha256().await?;
    let mut summary = ImportSummary::default();
    for path in files {
        let name = path.display().to_string();
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|source| ImportStageError::File {
                path: path.clone(),
                source,
            })?;
        let sha256 = hex(&Sha256::digest(&bytes));
        if known.contains_key(&sha256) {
            summary.unchanged.push(name);
            continue;
        }
        let size_bytes = bytes.len() as u64;
        let (file, schema) = (name.clone(), schema.clone());
        let reading = tokio::task::spawn_blocking(move || {
            let limits = Limits::standard();
            let options = ReadOptions {
                schema: &schema,
                limits: &limits,
            };
            mamori_ingest::read_file(&file, &bytes, &options)
        })
        .await
        .map_err(|_| ImportStageError::Reader { file: name.clone() })?;
        let import = NewImport {
            source: &name,
            sha256: &sha256,
            size_bytes,
            format: format_name(&reading),
            imported_at,
            figures: &reading.figures,
            diagnostics: &reading.diagnostics,
        };
        if reading.has_errors() {
            store.record_rejection(&import).await?;
            summary.rejected.push((name, reading.diagnostics));
        } else {
            store.record_import(&import).await?;
            summary.warnings += reading.diagnostics.len();
            summary.imported.push(name);
        }
    }
    Ok(summary)
}

/// The format as stored with the import.
pub fn format_name(reading: &FileReading) -> &'static str {
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
