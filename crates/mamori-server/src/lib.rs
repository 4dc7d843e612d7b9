//! mamori-server: `mamori serve`, the web pages and JSON API for staff who don't use a terminal.
//!
//! Owns: the HTTP routes ([`router`]), the page templates of `templates/web/`, sign-in and the
//! cross-site checks, receiving uploads, and the worker process that parses them ([`worker`]).
//! Handlers are thin: they call the same `mamori_jobs::stage` functions, store queries and
//! report renderers the CLI calls, so a page and a command never disagree.
//!
//! Must not: parse an uploaded file in the server process (a hostile file may abort its
//! parser), use a client's file name as a path, or answer a state-changing form without its
//! CSRF token.
//!
//! Start reading at [`router`], then `audits.rs` (契約書チェック), `imports.rs` (運用状況の取込),
//! `reports.rs` (年次報告) and `jobs.rs` (ジョブ).

mod audits;
pub mod auth;
pub mod error;
mod imports;
mod jobs;
mod pages;
mod reports;
mod security;
mod state;
mod upload;
pub mod worker;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub use auth::{Auth, User, hash_password};
pub use error::ApiError;
pub use state::{AppState, DEFAULT_UPLOAD_LIMIT, ServerConfig, StartError};
pub use worker::WorkerCommand;

use crate::security::CsrfToken;

/// The OpenAPI document of `/api/`.
const OPENAPI: &str = include_str!("openapi.json");

/// Every route, with the security layers around them.
pub fn router(state: AppState) -> Router {
    let uploads = DefaultBodyLimit::disable();
    let pages = Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route(
            "/audit",
            get(audits::page).post(audits::submit).layer(uploads),
        )
        .route("/audits/{id}", get(audits::show))
        .route("/audits/{id}/download", get(audits::download))
        .route(
            "/import",
            get(imports::page).post(imports::submit).layer(uploads),
        )
        .route("/import/{id}/confirm", post(imports::confirm))
        .route("/import/{id}/cancel", post(imports::cancel))
        .route("/report", get(reports::page))
        .route("/report/download", get(reports::download))
        .route("/jobs", get(jobs::page))
        .route("/jobs/{name}/run", get(jobs::confirm).post(jobs::run))
        .route("/static/mamori.css", get(pages::style))
        .route("/static/mamori.js", get(pages::script))
        .fallback(not_found);
    let api = Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/audit", post(audits::api).layer(uploads))
        .route("/api/audits", get(audits::api_list))
        .route("/api/audits/{id}", get(audits::api_show))
        .route("/api/import", post(imports::api).layer(uploads))
        .route("/api/figures", get(reports::figures))
        .route("/api/report/annual", get(reports::api))
        .route("/api/jobs", get(jobs::api_list))
        .route("/api/jobs/{name}/history", get(jobs::api_history))
        .route("/api/jobs/{name}/run", post(jobs::api_run))
        .route("/api/{*rest}", get(not_found).post(not_found));
    Router::new()
        .merge(api)
        .merge(pages)
        .layer(from_fn_with_state(state.clone(), security::csrf))
        .layer(from_fn_with_state(state.clone(), auth::require))
        .layer(from_fn_with_state(state.clone(), security::declared_length))
        .layer(from_fn_with_state(state.clone(), pages::html_errors))
        .layer(from_fn(security::headers))
        .layer(from_fn(security::access_log))
        .with_state(state)
}

/// Serves `router(state)` on `address` until `shutdown` completes. Refuses an address other
/// than loopback unless authentication is configured (E-SERVE-001).
pub async fn serve(
    state: AppState,
    address: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let listener = bind(&state, address).await?;
    serve_on(state, listener, shutdown).await
}

/// Checks the address against the authentication settings and listens on it.
pub async fn bind(
    state: &AppState,
    address: SocketAddr,
) -> Result<tokio::net::TcpListener, StartError> {
    if !address.ip().is_loopback() && !state.config().auth.is_configured() {
        return Err(StartError::OpenWithoutAuth { address });
    }
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Bind { address, source })
}

/// Serves on a listener from [`bind`].
pub async fn serve_on(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Serve)
}

async fn openapi() -> Response {
    let mut response = OPENAPI.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("ページ")
}

/// `GET /`: the four things staff come for.
async fn home(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    signed_in: Option<Extension<auth::SignedIn>>,
) -> Result<Html<String>, ApiError> {
    state.inner.pages.render(
        "home.html",
        &csrf,
        serde_json::json!({
            "title": "mamori",
            "signed_in": state.config().auth.is_configured(),
            "user": signed_in.map(|Extension(auth::SignedIn(user))| user),
        }),
    )
}

async fn login_page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, ApiError> {
    state.inner.pages.render(
        "login.html",
        &csrf,
        serde_json::json!({ "title": "ログイン", "failed": false }),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    if !csrf.accepts(&form.csrf) {
        return Err(ApiError::forbidden_cross_site());
    }
    let auth = &state.config().auth;
    let Some(user) = auth.sign_in(form.user.trim(), &form.password) else {
        tracing::warn!("a sign-in failed");
        let page = state.inner.pages.render(
            "login.html",
            &csrf,
            serde_json::json!({ "title": "ログイン", "failed": true }),
        )?;
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    };
    let id = auth::start_session(&state, user);
    let secure = if state.config().secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict{secure}",
        auth::SESSION_COOKIE
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: axum::http::HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    if !csrf.accepts(&form.csrf) {
        return Err(ApiError::forbidden_cross_site());
    }
    if let Some(id) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        auth::end_session(&state, id);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("mamori_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    Ok(response)
}
