//! `mamori serve`: the web pages and JSON API (mamori-server) with this command's settings, and
//! `mamori serve hash-password` for `[[serve.users]]`.
//!
//! Uploads are parsed by this same binary started as `mamori worker` (hidden), so a hostile file
//! kills only that child. Exit codes: 0 after a clean stop (SIGTERM or Ctrl-C), 2 when the server
//! cannot start (e.g. E-SERVE-001: another address than loopback without authentication).

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use mamori_jobs::schedule::ClosedDays;
use mamori_server::{AppState, Auth, ServerConfig, User, WorkerCommand};

use crate::args::{ServeArgs, ServeCommand};
use crate::settings::Settings;
use crate::{ExitStatus, printer};

pub(crate) async fn run(
    settings: &Settings,
    args: &ServeArgs,
    config_path: Option<&Path>,
) -> anyhow::Result<ExitStatus> {
    if let Some(ServeCommand::HashPassword) = args.command {
        return hash_password();
    }
    let bind = args.bind.as_deref().unwrap_or(&settings.serve.bind);
    let address: SocketAddr = bind
        .parse()
        .with_context(|| format!("`{bind}` は 127.0.0.1:8080 の形のアドレスではありません"))?;
    let auth = auth(settings)?;
    let (context, transport) = crate::commands::jobs::job_context(settings).await?;
    let program = std::env::current_exe().context("cannot find this program to start workers")?;
    let mut worker_arguments = Vec::new();
    if let Some(path) = config_path {
        worker_arguments.push("--config".to_owned());
        worker_arguments.push(path.display().to_string());
    }
    worker_arguments.push("worker".to_owned());
    let state = AppState::new(ServerConfig {
        context,
        transport,
        holder: crate::commands::jobs::holder(),
        holder_is_gone: crate::commands::jobs::holder_is_gone,
        jobs_dir: settings.jobs_dir.clone(),
        closed_days: ClosedDays::new(settings.closed_days.clone()),
        worker: WorkerCommand::new(program, worker_arguments),
        auth,
        upload_limit_bytes: settings.serve.upload_limit_bytes,
        page_templates: settings.serve.templates.clone(),
        secure_cookies: settings.serve.secure_cookies,
    })?;
    let listener = mamori_server::bind(&state, address).await?;
    let local = listener.local_addr().unwrap_or(address);
    printer::note(&format!(
        "mamori を http://{local}/ で公開しています（終了は Ctrl-C）"
    ));
    mamori_server::serve_on(state, listener, stop_signal()).await?;
    printer::note("終了しました");
    Ok(ExitStatus::Success)
}

/// `[serve] token-file` and `[[serve.users]]` as the server checks them.
fn auth(settings: &Settings) -> anyhow::Result<Auth> {
    let mut auth = Auth::none();
    if let Some(token) = &settings.serve.token {
        auth = auth
            .with_token(token.expose())
            .context("[serve] token-file")?;
    }
    let users: Vec<User> = settings
        .serve
        .users
        .iter()
        .map(|(name, hash)| User {
            name: name.clone(),
            password_hash: hash.clone(),
        })
        .collect();
    auth.with_users(&users).context("[[serve.users]]")
}

/// Resolves on SIGTERM or Ctrl-C.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Reads a password from standard input (one line) and prints its argon2id hash.
fn hash_password() -> anyhow::Result<ExitStatus> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the password from standard input")?;
    let password = input.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 12 {
        anyhow::bail!("パスワードは12文字以上にしてください");
    }
    let hash = mamori_server::hash_password(password)
        .map_err(|error| anyhow::anyhow!("cannot hash the password: {error}"))?;
    printer::line(&hash);
    Ok(ExitStatus::Success)
}
