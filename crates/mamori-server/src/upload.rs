//! Receiving uploaded files: streamed to the data folder under generated names (the client's
//! file name is kept only for display), counted against the route's limit as they arrive, and
//! identified by their first bytes, never by their extension.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use crate::error::ApiError;
use crate::security::CsrfToken;
use crate::state::AppState;

/// One file received.
#[derive(Debug)]
pub(crate) struct Upload {
    /// The form field it came in.
    pub(crate) field: String,
    /// The client's file name, cleaned for display.
    pub(crate) name: String,
    /// Where it is kept (a generated name under `uploads/`).
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    pub(crate) sha256: String,
    /// The first bytes, to tell the kind of file.
    pub(crate) head: Vec<u8>,
}

/// A whole form: its files and its text fields.
#[derive(Debug, Default)]
pub(crate) struct Form {
    pub(crate) files: Vec<Upload>,
    pub(crate) fields: Vec<(String, String)>,
}

impl Form {
    /// Removes the stored files (after they were read, or when the request fails).
    pub(crate) async fn discard(self) {
        for file in self.files {
            remove(&file.path).await;
        }
    }
}

pub(crate) async fn remove(path: &Path) {
    if let Err(error) = tokio::fs::remove_file(path).await
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot remove an upload: {error}");
    }
}

/// Text fields longer than this are refused (a CSRF token, a year, a check box).
const MAX_TEXT_FIELD: usize = 4096;

/// Reads a multipart form. When `csrf` is given, the form's first field must be `csrf` with the
/// browser's token, checked before any file is stored.
pub(crate) async fn receive(
    state: &AppState,
    mut multipart: Multipart,
    csrf: Option<&CsrfToken>,
) -> Result<Form, ApiError> {
    let limit = state.config().upload_limit_bytes;
    let folder = state.upload_dir();
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(|error| ApiError::internal(&error))?;
    let mut form = Form::default();
    let mut total: u64 = 0;
    let mut checked = csrf.is_none();
    let result = async {
        while let Some(mut field) = multipart
            .next_field()
            .await
            .map_err(multipart_error(limit))?
        {
            let field_name = field.name().unwrap_or_default().to_owned();
            if !checked {
                if field_name != "csrf" {
                    return Err(ApiError::forbidden_cross_site());
                }
                let value = field.text().await.map_err(multipart_error(limit))?;
                if !csrf.is_some_and(|token| token.accepts(value.trim())) {
                    return Err(ApiError::forbidden_cross_site());
                }
                checked = true;
                continue;
            }
            let Some(file_name) = field.file_name().map(display_name) else {
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error(limit))? {
                    value.extend_from_slice(&chunk);
                    if value.len() > MAX_TEXT_FIELD {
                        return Err(ApiError::bad_request(format!(
                            "項目「{field_name}」が長すぎます"
                        )));
                    }
                }
                let value = String::from_utf8(value).map_err(|_| {
                    ApiError::bad_request(format!("項目「{field_name}」を読めません"))
                })?;
                form.fields.push((field_name, value));
                continue;
            };
            // A file input left empty arrives as a part with an empty name and no bytes.
            let path = folder.join(format!("{}.upload", crate::state::random_token()));
            let mut file = tokio::fs::File::create(&path)
                .await
                .map_err(|error| ApiError::internal(&error))?;
            let mut upload = Upload {
                field: field_name,
                name: file_name,
                path,
                size: 0,
                sha256: String::new(),
                head: Vec::new(),
            };
            let mut digest = Sha256::new();
            let streamed = async {
                while let Some(chunk) = field.chunk().await.map_err(multipart_error(limit))? {
                    total += chunk.len() as u64;
                    if total > limit {
                        return Err(ApiError::too_large(limit));
                    }
                    upload.size += chunk.len() as u64;
                    if upload.head.len() < 8192 {
                        let take = (8192 - upload.head.len()).min(chunk.len());
                        upload.head.extend_from_slice(&chunk[..take]);
                    }
                    digest.update(&chunk);
                    file.write_all(&chunk)
                        .await
                        .map_err(|error| ApiError::internal(&error))?;
                }
                file.flush()
                    .await
                    .map_err(|error| ApiError::internal(&error))
            }
            .await;
            upload.sha256 = mamori_jobs::stage::contracts::hex(&digest.finalize());
            let path = upload.path.clone();
            if upload.size == 0 && upload.name.is_empty() {
                remove(&path).await;
            } else {
                form.files.push(upload);
            }
            if let Err(error) = streamed {
                remove(&path).await;
                return Err(error);
            }
        }
        if !checked {
            return Err(ApiError::forbidden_cross_site());
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(form),
        Err(error) => {
            form.discard().await;
            Err(error)
        }
    }
}

/// A multipart error as the client should see it: the size limit as 413, the rest as 400.
fn multipart_error(limit: u64) -> impl Fn(MultipartError) -> ApiError {
    move |error| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit)
        } else {
            ApiError::bad_request(format!(
                "送信されたフォームを読めません: {}",
                error.body_text()
            ))
        }
    }
}

/// The last component of a client's file name, without control characters, at most 200
/// characters: for display only.
pub(crate) fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    last.chars()
        .filter(|character| !character.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// What an uploaded contract is, by its first bytes.
pub(crate) fn is_contract(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"%PDF")
        || (!head.is_empty() && !head.contains(&0) && !head.starts_with(b"PK"))
}

/// What an uploaded spreadsheet is, by its first bytes (zip, OLE, or text: CSV, TSV, HTML).
pub(crate) fn is_spreadsheet(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
        || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
        || head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || (!head.is_empty() && !head.contains(&0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_file_names_never_become_paths() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\総務\\契約書.docx"), "契約書.docx");
        assert_eq!(display_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(display_name(&"あ".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn kinds_are_told_by_content() {
        assert!(is_contract(b"%PDF-1.7"));
        assert!(is_contract(b"PK\x03\x04rest"));
        assert!(is_contract("第1条 秘密保持".as_bytes()));
        assert!(!is_contract(b"\x7fELF\x02\x01\x01\x00"));
        assert!(!is_contract(b""));
        assert!(is_spreadsheet(&[
            0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1
        ]));
        assert!(is_spreadsheet("年度,開示請求\n".as_bytes()));
        assert!(!is_spreadsheet(b"\x89PNG\r\n\x1a\n\x00\x00"));
    }
}
