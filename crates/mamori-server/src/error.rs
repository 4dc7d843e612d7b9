//! One error type for every route. The API answers it as JSON
//! (`{"error":{"code","message"}}`); page routes render the same error as a Japanese page (see
//! `pages::html_errors`). Codes are stable: scripts match on them.

use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: String,
    /// Japanese, for staff.
    pub message: String,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: &'a ApiError,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// E-SERVE-002: authentication needed.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "E-SERVE-002",
            "ログインが必要です。トークンまたは利用者名とパスワードで認証してください",
        )
    }

    /// E-SERVE-003: a form or request from another site, or without its CSRF token.
    pub fn forbidden_cross_site() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "E-SERVE-003",
            "この送信は受け付けられません（画面の有効期限切れか、別のサイトからの送信です）。ページを開き直してから送信してください",
        )
    }

    /// E-SERVE-004: the request body is over the route's limit.
    pub fn too_large(limit_bytes: u64) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "E-SERVE-004",
            format!(
                "送信されたファイルが大きすぎます（上限 {} MiB）。ファイルを分けて送ってください",
                limit_bytes / 1024 / 1024
            ),
        )
    }

    /// E-SERVE-005: a file whose content is none of the kinds the route reads.
    pub fn unsupported_file(name: &str, expected: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "E-SERVE-005",
            format!("「{name}」は{expected}ではありません（拡張子ではなく中身で判定しています）"),
        )
    }

    /// E-SERVE-006: the worker reading a file stopped without a result.
    pub fn worker_failed(name: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-SERVE-006",
            format!(
                "「{name}」を読み取れませんでした（読み取り処理が異常終了しました）。ファイルが壊れているか、大きすぎる可能性があります。保存し直したファイルで試してください"
            ),
        )
    }

    /// E-SERVE-007: the worker reading a file took too long.
    pub fn worker_timeout(name: &str, limit: Duration) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E-SERVE-007",
            format!(
                "「{name}」の読み取りが {} 秒以内に終わりませんでした",
                limit.as_secs()
            ),
        )
    }

    /// E-SERVE-008: nothing at this address.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "E-SERVE-008",
            format!("{what}が見つかりません"),
        )
    }

    /// E-SERVE-009: a request the server cannot act on as sent.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "E-SERVE-009", message)
    }

    /// E-SERVE-010: the server failed (the store, a template): logged in full, told briefly.
    pub fn internal(error: &dyn std::error::Error) -> ApiError {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::error!("{chain}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E-SERVE-010",
            "サーバーで処理できませんでした。管理者に連絡してください（詳細はサーバーのログにあります）",
        )
    }

    /// E-SERVE-011: too many requests at once.
    pub fn busy() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "E-SERVE-011",
            "ほかの読み取りが多数実行中です。しばらく待ってから送信してください",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "[{}] {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(Envelope { error: &self })).into_response();
        // Page routes turn this into an error page.
        response.extensions_mut().insert(self);
        response
    }
}

impl From<mamori_store::StoreError> for ApiError {
    fn from(error: mamori_store::StoreError) -> ApiError {
        ApiError::internal(&error)
    }
}
