//! A server on a temporary project (store, jobs folder, mail into a folder), driven through
//! `router(state)` in-process, or listening on a loopback port for real clients.

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt as _;
use mamori_jobs::run::{JobContext, MailSettings};
use mamori_jobs::schedule::ClosedDays;
use mamori_mail::{Transport, TransportUrl};
use mamori_server::{AppState, Auth, ServerConfig, WorkerCommand, router};
use mamori_store::{Store, StoreConfig};
use tower::ServiceExt as _;

/// The upload parser the tests run: this crate's `mamori-worker` binary.
pub(crate) fn real_worker() -> WorkerCommand {
    WorkerCommand::new(
        PathBuf::from(env!("CARGO_BIN_EXE_mamori-worker")),
        Vec::new(),
    )
}

/// A project folder and a server on it.
pub(crate) struct Harness {
    pub(crate) folder: tempfile::TempDir,
    pub(crate) state: AppState,
    pub(crate) router: Router,
}

/// How a harness is set up.
pub(crate) struct Setup {
    pub(crate) auth: Auth,
    pub(crate) worker: WorkerCommand,
    pub(crate) upload_limit_bytes: u64,
    /// Job files written into `jobs/` as (name, TOML).
    pub(crate) jobs: Vec<(&'static str, String)>,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            auth: Auth::none(),
            worker: real_worker(),
            upload_limit_bytes: mamori_server::DEFAULT_UPLOAD_LIMIT,
            jobs: Vec::new(),
        }
    }
}

impl Harness {
    pub(crate) async fn new() -> Harness {
        Harness::with(Setup::default()).await
    }

    pub(crate) async fn with(setup: Setup) -> Harness {
        let folder = tempfile::tempdir().expect("temporary folder");
        let data = folder.path().join("mamori-data");
        let jobs = folder.path().join("jobs");
        std::fs::create_dir_all(&data).expect("data folder");
        std::fs::create_dir_all(&jobs).expect("jobs folder");
        for (name, toml) in &setup.jobs {
            std::fs::write(jobs.join(format!("{name}.toml")), toml).expect("job file");
        }
        let store = Store::open(&StoreConfig::sqlite_file(&data.join("mamori.db")))
            .await
            .expect("open store");
        let url = TransportUrl::File {
            dir: data.join("outbox"),
        };
        let transport = Transport::new(&url, None).expect("transport");
        let context = JobContext {
            store,
            schema: mamori_core::CategorySchema::default(),
            city: mamori_report::City::default(),
            rollup: mamori_report::Rollup::default(),
            templates: mamori_report::Templates::default(),
            audit_ruleset: None,
            audit_clauses: None,
            mail: MailSettings {
                from: "総務課 <soumu@city.example.jp>".parse().expect("from"),
                admin: None,
                transport: url,
                webhook: None,
            },
            data_dir: data,
        };
        let state = AppState::new(ServerConfig {
            context,
            transport,
            holder: "test:1".to_owned(),
            holder_is_gone: |_| false,
            jobs_dir: jobs,
            closed_days: ClosedDays::none(),
            worker: setup.worker,
            auth: setup.auth,
            upload_limit_bytes: setup.upload_limit_bytes,
            page_templates: None,
            secure_cookies: false,
        })
        .expect("server state");
        let router = router(state.clone());
        Harness {
            folder,
            state,
            router,
        }
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.folder.path().join(relative)
    }

    /// Sends a request through the router.
    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        Reply::read(response).await
    }

    pub(crate) async fn get(&self, uri: &str) -> Reply {
        self.send(
            with_host(Request::get(uri))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// A browser's CSRF token: the cookie a page sets, also printed in its forms.
    pub(crate) async fn csrf_token(&self) -> String {
        let page = self.get("/").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        page.cookie("mamori_csrf").expect("a CSRF cookie is set")
    }

    /// Posts a multipart form, with the CSRF cookie and (as its first field) token when given.
    pub(crate) async fn post_multipart(
        &self,
        uri: &str,
        csrf: Option<&str>,
        form: &Multipart,
    ) -> Reply {
        let mut request = with_host(Request::post(uri)).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={}", form.boundary),
        );
        let mut body = form.clone();
        if let Some(token) = csrf {
            request = request.header(header::COOKIE, format!("mamori_csrf={token}"));
            body = body.with_first_field("csrf", token);
        }
        let bytes = body.finish();
        let request = request
            .header(header::CONTENT_LENGTH, bytes.len())
            .body(Body::from(bytes))
            .expect("request");
        self.send(request).await
    }

    /// Posts an URL-encoded form with the browser's cookie.
    pub(crate) async fn post_form(
        &self,
        uri: &str,
        csrf_cookie: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let body: String = fields
            .iter()
            .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = with_host(Request::post(uri))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("mamori_csrf={csrf_cookie}"))
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }
}

pub(crate) fn with_host(builder: axum::http::request::Builder) -> axum::http::request::Builder {
    builder.header(header::HOST, "127.0.0.1:8080")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// A response, read whole.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    async fn read(response: Response<Body>) -> Reply {
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("body").to_bytes().to_vec();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text()))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// A cookie this response sets.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    }

    /// The stable code of an error answer (JSON or page).
    pub(crate) fn error_code(&self) -> String {
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            return json["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        let text = self.text();
        text.split("<code>")
            .nth(1)
            .and_then(|rest| rest.split("</code>").next())
            .unwrap_or_default()
            .to_owned()
    }
}

/// A multipart body built by hand, as a browser sends it.
#[derive(Clone)]
pub(crate) struct Multipart {
    boundary: String,
    parts: Vec<(String, Option<String>, Vec<u8>)>,
}

impl Default for Multipart {
    fn default() -> Multipart {
        Multipart {
            boundary: "----mamoriTestBoundary7MA4YWxkTrZu0gW".to_owned(),
            parts: Vec::new(),
        }
    }
}

impl Multipart {
    pub(crate) fn file(mut self, field: &str, name: &str, bytes: &[u8]) -> Multipart {
        self.parts
            .push((field.to_owned(), Some(name.to_owned()), bytes.to_vec()));
        self
    }

    pub(crate) fn text(mut self, field: &str, value: &str) -> Multipart {
        self.parts
            .push((field.to_owned(), None, value.as_bytes().to_vec()));
        self
    }

    fn with_first_field(mut self, field: &str, value: &str) -> Multipart {
        self.parts
            .insert(0, (field.to_owned(), None, value.as_bytes().to_vec()));
        self
    }

    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    pub(crate) fn finish(&self) -> Vec<u8> {
        let mut body = Vec::new();
        for (field, file_name, bytes) in &self.parts {
            body.extend_from_slice(format!("--{}\r\n", self.boundary).as_bytes());
            match file_name {
                Some(name) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        body
    }
}

/// The uploads folder holds nothing once requests are done.
pub(crate) fn uploads_left(harness: &Harness) -> Vec<PathBuf> {
    let folder = harness.path("mamori-data/uploads");
    match std::fs::read_dir(&folder) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}
