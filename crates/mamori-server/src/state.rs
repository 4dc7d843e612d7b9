//! What the handlers share: the settings the CLI read, the store, the checklist, the page
//! templates, sign-in sessions and the imports waiting for confirmation.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mamori_audit::ruleset::Ruleset;
use mamori_audit::wording::ClauseWording;
use mamori_jobs::run::JobContext;
use mamori_jobs::schedule::ClosedDays;
use mamori_mail::Transport;
use tokio::sync::Semaphore;

use crate::auth::Auth;
use crate::error::ApiError;
use crate::imports::Preview;
use crate::pages::Pages;
use crate::worker::WorkerCommand;

/// Everything `mamori serve` is started with.
#[derive(Debug)]
pub struct ServerConfig {
    /// The store, schema, city, templates, checklist paths, mail settings and data folder, as the
    /// jobs use them.
    pub context: JobContext,
    /// Where "run now" sends queued mail.
    pub transport: Transport,
    /// The name this server's mail leases carry (`host:pid`).
    pub holder: String,
    /// Whether another sender named in a lease is a process known to be gone.
    pub holder_is_gone: fn(&str) -> bool,
    pub jobs_dir: PathBuf,
    pub closed_days: ClosedDays,
    pub worker: WorkerCommand,
    pub auth: Auth,
    /// The largest upload a route accepts (20 MiB by default).
    pub upload_limit_bytes: u64,
    /// A folder whose `*.html` files replace the built-in page templates of the same name.
    pub page_templates: Option<PathBuf>,
    /// Whether session cookies are marked `Secure` (the service is behind HTTPS).
    pub secure_cookies: bool,
}

/// The standard upload limit.
pub const DEFAULT_UPLOAD_LIMIT: u64 = 20 * 1024 * 1024;

/// How long an upload waits for its confirmation, and a sign-in lasts without use.
pub(crate) const PREVIEW_LIFETIME: Duration = Duration::from_secs(60 * 60);
pub(crate) const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// Shared state behind every handler (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: ServerConfig,
    pub(crate) ruleset: Ruleset,
    pub(crate) wording: ClauseWording,
    pub(crate) pages: Pages,
    pub(crate) sessions: Mutex<HashMap<String, Session>>,
    pub(crate) previews: Mutex<HashMap<String, Preview>>,
    /// Workers running at once: parsing is CPU- and memory-heavy, and a queue of hostile files
    /// must not take the machine.
    pub(crate) workers: Semaphore,
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: String,
    pub(crate) last_used: Instant,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Checklist(#[from] mamori_jobs::stage::contracts::ChecklistError),
    #[error("page templates: {0}")]
    Templates(String),
    #[error(
        "[E-SERVE-001] {address} は 127.0.0.1 以外のアドレスです。ほかの端末から使えるようにするには、mamori.toml の [serve] に token-file か users を設定して認証を有効にしてください"
    )]
    OpenWithoutAuth { address: std::net::SocketAddr },
    #[error("cannot listen on {address}")]
    Bind {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped")]
    Serve(#[source] std::io::Error),
}

impl AppState {
    /// Loads the checklist and page templates named by `config`.
    pub fn new(config: ServerConfig) -> Result<AppState, StartError> {
        let ruleset =
            mamori_jobs::stage::contracts::load_ruleset(config.context.audit_ruleset.as_deref())?;
        let wording =
            mamori_jobs::stage::contracts::load_wording(config.context.audit_clauses.as_deref())?;
        let pages = Pages::load(config.page_templates.as_deref()).map_err(StartError::Templates)?;
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                ruleset,
                wording,
                pages,
                sessions: Mutex::new(HashMap::new()),
                previews: Mutex::new(HashMap::new()),
                workers: Semaphore::new(workers),
            }),
        })
    }

    pub(crate) fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The folder uploads are kept in, under generated names.
    pub(crate) fn upload_dir(&self) -> PathBuf {
        self.inner.config.context.data_dir.join("uploads")
    }

    /// Waits for a free worker slot, or refuses when the queue is long.
    pub(crate) async fn worker_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(Duration::from_secs(120), self.inner.workers.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::busy()),
        }
    }
}

/// Locks a mutex whose data stays usable even if a holder panicked (every update is a single
/// insert or remove).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 32 random bytes as hex: session ids, CSRF tokens, upload names.
pub(crate) fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    // The OS generator only fails on systems that cannot run this server at all.
    if let Err(error) = getrandom::fill(&mut bytes) {
        tracing::error!("the system's random generator failed: {error}");
        std::process::abort();
    }
    mamori_jobs::stage::contracts::hex(&bytes)
}
