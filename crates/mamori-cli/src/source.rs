//! Inputs named on the command line: files, folders (read recursively) and http(s) URLs, turned
//! into bytes with a display name, or into a diagnostic that says why not.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mamori_core::{Code, Diagnostic, Location};

/// Extensions `mamori import` picks up when a folder is read. A file named explicitly is always
/// read, whatever its extension: the readers go by content.
pub const SPREADSHEET_EXTENSIONS: &[&str] = &[
    "xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt", "html", "htm",
];

/// Extensions `mamori audit` picks up when a folder is read (.doc, to say it must be saved as
/// .docx).
pub const CONTRACT_EXTENSIONS: &[&str] = &["docx", "pdf", "txt", "md", "doc"];

/// One input to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Url(String),
}

impl Input {
    /// The name used in diagnostics, provenance and output.
    pub fn display_name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Url(url) => url.clone(),
        }
    }
}

/// What a folder walk found.
#[derive(Debug, Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    /// Files in folders that were not read (other extensions), so the user can see them.
    pub skipped: Vec<PathBuf>,
}

/// Expands arguments into inputs; folders are walked in name order, without following symbolic
/// links to folders (a link back up would never end). Hidden files and Excel's lock files (`~$…`)
/// are passed over; files of other kinds are listed in `skipped`.
pub fn expand(arguments: &[String], extensions: &[&str]) -> Result<Expanded, Diagnostic> {
    let mut expanded = Expanded::default();
    for argument in arguments {
        if argument.starts_with("http://") || argument.starts_with("https://") {
            expanded.inputs.push(Input::Url(argument.clone()));
            continue;
        }
        let path = PathBuf::from(argument);
        if path.is_dir() {
            walk(&path, extensions, &mut expanded)?;
        } else {
            expanded.inputs.push(Input::File(path));
        }
    }
    Ok(expanded)
}

fn walk(folder: &Path, extensions: &[&str], expanded: &mut Expanded) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(folder)
        .map_err(|error| read_failed(&folder.display().to_string(), &error.to_string()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        let is_link =
            std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink());
        if path.is_dir() {
            if !is_link {
                walk(&path, extensions, expanded)?;
            }
        } else {
            let extension = path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if extensions.contains(&extension.as_str()) {
                expanded.inputs.push(Input::File(path));
            } else {
                expanded.skipped.push(path);
            }
        }
    }
    Ok(())
}

/// Limits on fetching.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    pub max_file_bytes: u64,
    pub max_download_bytes: u64,
    pub timeout: Duration,
}

/// Reads an input's bytes.
pub async fn load(input: &Input, limits: &FetchLimits) -> Result<Vec<u8>, Diagnostic> {
    match input {
        Input::File(path) => load_file(path, limits),
        Input::Url(url) => download(url, limits).await,
    }
}

pub fn load_file(path: &Path, limits: &FetchLimits) -> Result<Vec<u8>, Diagnostic> {
    let name = path.display().to_string();
    let metadata =
        std::fs::metadata(path).map_err(|error| read_failed(&name, &io_reason(&error)))?;
    if metadata.len() > limits.max_file_bytes {
        return Err(Diagnostic::new(
            Code::FileTooLarge,
            Location::file(&name),
            format!(
                "ファイルの大きさ（{} バイト）が上限（{} バイト）を超えます",
                metadata.len(),
                limits.max_file_bytes
            ),
        ));
    }
    std::fs::read(path).map_err(|error| read_failed(&name, &io_reason(&error)))
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "ファイルが見つかりません".to_owned(),
        std::io::ErrorKind::PermissionDenied => "読み取る権限がありません".to_owned(),
        _ => error.to_string(),
    }
}

fn read_failed(name: &str, reason: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ReadFailed,
        Location::file(name),
        format!("ファイルを読めません（{reason}）"),
    )
}

async fn download(url: &str, limits: &FetchLimits) -> Result<Vec<u8>, Diagnostic> {
    let failed = |reason: String| {
        Diagnostic::new(
            Code::DownloadFailed,
            Location::file(url),
            format!("URL から取得できません（{reason}）"),
        )
    };
    let client = reqwest::Client::builder()
        .timeout(limits.timeout)
        .connect_timeout(limits.timeout)
        .user_agent(concat!("mamori/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| failed(error.to_string()))?;
    let mut response = client.get(url).send().await.map_err(|error| {
        if error.is_timeout() {
            failed(format!(
                "{} 秒以内に応答がありません",
                limits.timeout.as_secs()
            ))
        } else {
            failed(error.to_string())
        }
    })?;
    if !response.status().is_success() {
        return Err(failed(format!(
            "サーバーの応答が HTTP {} でした",
            response.status()
        )));
    }
    let too_large = |size: u64| {
        Diagnostic::new(
            Code::FileTooLarge,
            Location::file(url),
            format!(
                "取得するデータ（{size} バイト以上）が上限（{} バイト）を超えるため中止しました",
                limits.max_download_bytes
            ),
        )
    };
    if let Some(length) = response.content_length()
        && length > limits.max_download_bytes
    {
        return Err(too_large(length));
    }
    let mut bytes = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|error| {
            if error.is_timeout() {
                failed(format!(
                    "{} 秒以内に取得が終わりません",
                    limits.timeout.as_secs()
                ))
            } else {
                failed(error.to_string())
            }
        })?;
        let Some(chunk) = chunk else { break };
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > limits.max_download_bytes {
            return Err(too_large(bytes.len() as u64));
        }
    }
    Ok(bytes)
}
