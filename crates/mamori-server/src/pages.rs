//! Server-rendered pages: minijinja templates from `templates/web/` (embedded; a city may
//! replace any of them from a folder), the style sheet and the one script (drag and drop, an
//! enhancement: every form works without it), and error pages for page routes.

use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;

use crate::error::ApiError;
use crate::security::CsrfToken;
use crate::state::AppState;

/// The built-in page templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../templates/web/base.html"),
    ),
    (
        "home.html",
        include_str!("../../../templates/web/home.html"),
    ),
    (
        "login.html",
        include_str!("../../../templates/web/login.html"),
    ),
    (
        "error.html",
        include_str!("../../../templates/web/error.html"),
    ),
    (
        "audit.html",
        include_str!("../../../templates/web/audit.html"),
    ),
    (
        "audit_result.html",
        include_str!("../../../templates/web/audit_result.html"),
    ),
    (
        "import.html",
        include_str!("../../../templates/web/import.html"),
    ),
    (
        "import_preview.html",
        include_str!("../../../templates/web/import_preview.html"),
    ),
    (
        "import_done.html",
        include_str!("../../../templates/web/import_done.html"),
    ),
    (
        "report.html",
        include_str!("../../../templates/web/report.html"),
    ),
    (
        "jobs.html",
        include_str!("../../../templates/web/jobs.html"),
    ),
    (
        "job_confirm.html",
        include_str!("../../../templates/web/job_confirm.html"),
    ),
    (
        "job_result.html",
        include_str!("../../../templates/web/job_result.html"),
    ),
];

const STYLE: &str = include_str!("../../../templates/web/static/mamori.css");
const SCRIPT: &str = include_str!("../../../templates/web/static/mamori.js");

/// The page templates, ready to render.
pub(crate) struct Pages {
    environment: Environment<'static>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Pages")
    }
}

impl Pages {
    /// The built-in templates, with the `*.html` files of `folder` in place of those they name.
    pub(crate) fn load(folder: Option<&Path>) -> Result<Pages, String> {
        let mut environment = Environment::new();
        environment.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            let source = match folder.map(|folder| folder.join(name)) {
                Some(path) if path.is_file() => std::fs::read_to_string(&path)
                    .map_err(|error| format!("{}: {error}", path.display()))?,
                _ => (*source).to_owned(),
            };
            environment
                .add_template_owned(*name, source)
                .map_err(|error| format!("{name}: {error:#}"))?;
        }
        Ok(Pages { environment })
    }

    /// Renders `name` with `context` (a JSON object) plus `csrf`, the browser's token.
    pub(crate) fn render(
        &self,
        name: &str,
        csrf: &CsrfToken,
        mut context: serde_json::Value,
    ) -> Result<Html<String>, ApiError> {
        let template = self
            .environment
            .get_template(name)
            .map_err(|error| ApiError::internal(&error))?;
        if let Some(object) = context.as_object_mut() {
            object.insert("csrf".to_owned(), serde_json::Value::from(csrf.0.as_str()));
        }
        template
            .render(minijinja::Value::from(minijinja::value::Serde(&context)))
            .map(Html)
            .map_err(|error| ApiError::internal(&error))
    }
}

/// `/static/mamori.css`.
pub(crate) async fn style() -> Response {
    static_file("text/css; charset=utf-8", STYLE)
}

/// `/static/mamori.js`.
pub(crate) async fn script() -> Response {
    static_file("text/javascript; charset=utf-8", SCRIPT)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// Routes outside `/api/` answer errors as a page in Japanese (with the code), not as JSON.
pub(crate) async fn html_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    // This layer runs outside the CSRF layer: the token comes from the cookie, if any.
    let csrf = CsrfToken(
        crate::auth::cookie(request.headers(), crate::security::CSRF_COOKIE)
            .unwrap_or_default()
            .to_owned(),
    );
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<ApiError>().cloned() else {
        return response;
    };
    let status = response.status();
    let page = state.inner.pages.render(
        "error.html",
        &csrf,
        serde_json::json!({ "title": "エラー", "error": &error, "status": status.as_u16() }),
    );
    match page {
        Ok(page) => {
            let mut rendered = (status, page).into_response();
            // Keep cookies the inner layers set.
            for value in response.headers().get_all(header::SET_COOKIE) {
                rendered
                    .headers_mut()
                    .append(header::SET_COOKIE, value.clone());
            }
            rendered
        }
        Err(_) => response,
    }
}

/// An attachment download with a Japanese file name (RFC 6266 / 5987).
pub(crate) fn download(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b".-_".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_page_compiles_and_the_name_is_encoded_for_downloads() {
        let pages = Pages::load(None).expect("templates compile");
        let token = CsrfToken("0".repeat(64));
        let error = ApiError::not_found("監査記録");
        let html = pages
            .render(
                "error.html",
                &token,
                serde_json::json!({ "title": "エラー", "error": &error, "status": 404 }),
            )
            .expect("render");
        assert!(html.0.contains("E-SERVE-008"), "{}", html.0);
        assert!(html.0.contains("lang=\"ja\""));
        let folder = std::env::temp_dir().join(format!("mamori-pages-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::write(
            folder.join("error.html"),
            "<p lang=\"ja\">{{ error.code }}（市の独自ページ）</p>",
        )
        .expect("override");
        let city = Pages::load(Some(&folder)).expect("the city's template compiles");
        let html = city
            .render("error.html", &token, serde_json::json!({ "error": &error }))
            .expect("render");
        assert_eq!(html.0, "<p lang=\"ja\">E-SERVE-008（市の独自ページ）</p>");
        std::fs::remove_dir_all(&folder).expect("cleanup");
        let response = download("text/csv", "運用状況_令和4年度.csv", b"a".to_vec());
        let disposition = response
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .expect("disposition");
        assert!(
            disposition.contains("filename*=UTF-8''%E9%81%8B"),
            "{disposition}"
        );
    }
}
