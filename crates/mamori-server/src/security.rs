//! What every response and every state-changing request goes through: security headers, the
//! cross-site checks (Origin / Sec-Fetch-Site, and the CSRF token forms carry), the body size
//! limit by `Content-Length`, and an access log that records no personal data.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::auth::{Credential, cookie};
use crate::error::ApiError;
use crate::state::AppState;

/// The CSRF cookie's name; forms carry the same value in their `csrf` field.
pub(crate) const CSRF_COOKIE: &str = "mamori_csrf";
/// The header an API client signed in by cookie sends the token in.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of this request's browser (from its cookie, or new).
#[derive(Debug, Clone)]
pub(crate) struct CsrfToken(pub(crate) String);

impl CsrfToken {
    /// Whether a submitted token is this browser's.
    pub(crate) fn accepts(&self, submitted: &str) -> bool {
        !submitted.is_empty()
            && submitted.len() == self.0.len()
            && submitted
                .bytes()
                .zip(self.0.bytes())
                .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
                == 0
    }
}

/// Security headers on every response: no inline script or style, no framing, no sniffing.
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    // `no-referrer` would make Chromium send `Origin: null` on same-site form posts.
    set(headers, "referrer-policy", "same-origin");
    set(headers, "cross-origin-opener-policy", "same-origin");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    response
}

/// Refuses state-changing requests from another site, and requests from a browser signed in by
/// cookie that lack the CSRF token (forms check their `csrf` field themselves; API requests by
/// cookie send it as `X-CSRF-Token`). Gives handlers the browser's token, setting the cookie
/// when it is new.
pub(crate) async fn csrf(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method && is_cross_site(request.headers()) {
        return ApiError::forbidden_cross_site().into_response();
    }
    let existing = cookie(request.headers(), CSRF_COOKIE)
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let is_api = request.uri().path().starts_with("/api/");
    let by_cookie = request.extensions().get::<Credential>() == Some(&Credential::Session);
    if unsafe_method && is_api && by_cookie {
        let submitted = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let accepted = existing
            .as_ref()
            .is_some_and(|token| CsrfToken(token.clone()).accepts(submitted));
        if !accepted {
            return ApiError::forbidden_cross_site().into_response();
        }
    }
    let is_new = existing.is_none();
    let token = existing.unwrap_or_else(crate::state::random_token);
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if is_new {
        let secure = if state.config().secure_cookies {
            "; Secure"
        } else {
            ""
        };
        if let Ok(value) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
        )) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Whether the browser says the request comes from another site.
fn is_cross_site(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    // A browser that says where the request comes from is believed; others are judged by Origin.
    if let Some(site) = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
    {
        return !matches!(site, "same-origin" | "none");
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_none_or(|(_, authority)| !authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Refuses a body whose declared length is over the upload limit before reading any of it
/// (413, not a parse error). Bodies without a declared length are counted while streamed.
pub(crate) async fn declared_length(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.config().upload_limit_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit + MULTIPART_OVERHEAD) {
        return ApiError::too_large(limit).into_response();
    }
    next.run(request).await
}

/// What the multipart framing and the small form fields may add to the files' bytes.
pub(crate) const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// One line per request: method, route, status and time. No query string, client address,
/// user name or file name: those can be personal data.
pub(crate) async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    tracing::info!(
        target: "mamori::access",
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn requests_from_another_site_are_told_apart() {
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(!is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example"),
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("sec-fetch-site", "cross-site"),
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null"),
        ])));
        assert!(!is_cross_site(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ])));
    }

    #[test]
    fn a_token_is_accepted_only_whole() {
        let token = CsrfToken("ab".repeat(32));
        assert!(token.accepts(&"ab".repeat(32)));
        assert!(!token.accepts(""));
        assert!(!token.accepts(&"ab".repeat(31)));
        assert!(!token.accepts(&format!("{}ac", "ab".repeat(31))));
    }
}
