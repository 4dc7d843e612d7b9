//! A real SMTP server on loopback for tests: Debian's aiosmtpd (package `python3-aiosmtpd`), run
//! with `/usr/bin/python3` (not a pyenv `python3` on PATH, which lacks the Debian package).
//!
//! [`SmtpServer::start`] listens on `127.0.0.1:PORT` in clear text, with STARTTLS required, or with
//! TLS from the first byte ([`ServerTls`]), using certificates from [`TestCerts`] (a test CA made
//! by rcgen; clients trust [`TestCerts::ca_pem`]). It waits until the port accepts connections
//! and kills the server on drop. Every message the server accepts lands in a Maildir, numbered in
//! arrival order; [`SmtpServer::messages`] returns the raw bytes, with aiosmtpd's `X-Peer`,
//! `X-MailFrom` and `X-RcptTo` headers in front.
//!
//! A [`Handler`] can answer DATA with scripted replies (`451 …`, `550 …`) before going back to
//! `250`, and can hold each reply back for a while after storing the message (a slow server, to
//! kill a client mid-delivery). [`SmtpServer::stop`] and [`SmtpServer::restart`] take the server
//! down and bring it back on the same port with the same Maildir; [`free_port`] names a port for a
//! server started later (a client first meets nobody listening).
//!
//! Missing aiosmtpd is a failure that says to install python3-aiosmtpd, never a skip.

mod certs;

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use certs::TestCerts;

/// How the server protects connections.
#[derive(Debug, Clone, Copy)]
pub enum ServerTls<'a> {
    /// Clear text (for `smtp://` to loopback).
    None,
    /// STARTTLS offered and required before MAIL (for `smtp+starttls://`).
    StartTls(&'a TestCerts),
    /// TLS from the first byte (for `smtps://`).
    Implicit(&'a TestCerts),
}

/// What the server answers to DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// Replies for the next messages in turn (`451 4.3.0 try again later`); `250 OK` once they
    /// are used up. Only a message answered `250` is stored. Survives [`SmtpServer::restart`].
    pub replies: Vec<String>,
    /// How long each reply waits after the message was stored.
    pub delay: Duration,
}

impl Handler {
    /// Stores every message and answers `250 OK` at once.
    pub fn mailbox() -> Handler {
        Handler {
            replies: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// Answers the next messages with `replies` in turn, then `250 OK`.
    pub fn scripted<I, S>(replies: I) -> Handler
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Handler {
            replies: replies.into_iter().map(Into::into).collect(),
            delay: Duration::ZERO,
        }
    }

    /// Stores every message, then waits `delay` before answering `250 OK`.
    pub fn slow(delay: Duration) -> Handler {
        Handler {
            replies: Vec::new(),
            delay,
        }
    }
}

/// A running (or stopped) aiosmtpd with its Maildir.
#[derive(Debug)]
pub struct SmtpServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    maildir: PathBuf,
    tls_args: Vec<OsString>,
}

/// The interpreter that has the Debian package.
const PYTHON: &str = "/usr/bin/python3";
/// How long a server may take to accept connections.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// The handler module, written next to the server's files.
const HANDLER_MODULE: &str = "mamori_smtp_handler";
const HANDLER_SOURCE: &str = include_str!("handler.py");

/// A port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

impl SmtpServer {
    /// Starts aiosmtpd on `127.0.0.1:port` with its files in a new folder under `work`; panics
    /// with the command and the server's stderr when it does not come up within 10 s.
    pub fn start(work: &Path, port: u16, tls: &ServerTls<'_>, handler: &Handler) -> SmtpServer {
        require_aiosmtpd();
        static SERVERS: AtomicUsize = AtomicUsize::new(0);
        let dir = work.join(format!("smtp-{}", SERVERS.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).expect("server folder");
        std::fs::write(dir.join(format!("{HANDLER_MODULE}.py")), HANDLER_SOURCE)
            .expect("handler module");
        let replies: String = handler
            .replies
            .iter()
            .map(|reply| format!("{reply}\n"))
            .collect();
        std::fs::write(dir.join("replies.txt"), replies).expect("replies file");
        std::fs::write(
            dir.join("delay.txt"),
            format!("{}", handler.delay.as_secs_f64()),
        )
        .expect("delay file");
        let tls_args: Vec<OsString> = match tls {
            ServerTls::None => Vec::new(),
            ServerTls::StartTls(certs) => vec![
                "--tlscert".into(),
                certs.cert_path.clone().into(),
                "--tlskey".into(),
                certs.key_path.clone().into(),
            ],
            ServerTls::Implicit(certs) => vec![
                "--smtpscert".into(),
                certs.cert_path.clone().into(),
                "--smtpskey".into(),
                certs.key_path.clone().into(),
            ],
        };
        let mut server = SmtpServer {
            child: None,
            port,
            maildir: dir.join("Maildir"),
            dir,
            tls_args,
        };
        server.launch();
        server
    }

    /// The port the server listens on (also while stopped).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The messages accepted so far, raw, in arrival order (across restarts).
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.message_paths()
            .iter()
            .map(|path| std::fs::read(path).expect("read a delivered message"))
            .collect()
    }

    /// How many messages were accepted so far.
    pub fn message_count(&self) -> usize {
        self.message_paths().len()
    }

    /// Waits until at least `count` messages arrived and returns them all; panics with the
    /// server's stderr after `timeout`.
    pub fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.message_count() >= count {
                return self.messages();
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} messages arrived within {timeout:?}\n{}",
                self.message_count(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the server; the port stops accepting connections. Messages stay readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The server may have died already; either way it is gone once `wait` returns.
            let _ = child.kill();
            child.wait().expect("wait for aiosmtpd");
        }
    }

    /// Starts the server again on the same port with the same Maildir and remaining replies
    /// (stopping it first if it runs).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    fn message_paths(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|entry| entry.expect("maildir entry").path())
            .collect();
        // `NNNNNN.PID.eml`: zero-padded arrival numbers sort as text.
        paths.sort();
        paths
    }

    fn launch(&mut self) {
        let delay = std::fs::read_to_string(self.dir.join("delay.txt")).expect("delay file");
        let mut command = Command::new(PYTHON);
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(&self.tls_args)
            .arg("-c")
            .arg(format!("{HANDLER_MODULE}.Recorder"))
            .arg(&self.maildir)
            .arg(self.dir.join("replies.txt"))
            .arg(delay.trim())
            .env("PYTHONPATH", &self.dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&self.dir);
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("stderr.log"))
            .expect("stderr log");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let shown = format!("{command:?}");
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("could not start {shown}: {error}"));

        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("poll aiosmtpd") {
                panic!(
                    "aiosmtpd exited with {status} before accepting connections: {shown}\n{}",
                    self.log()
                );
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                // Best effort: the panic below is the failure that matters.
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "aiosmtpd did not accept connections on {address} within {STARTUP_TIMEOUT:?}: {shown}\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Nothing to report from a drop: the server is gone either way.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Fails (never skips) when the Debian package is missing.
fn require_aiosmtpd() {
    let status = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => {}
        _ => panic!(
            "{PYTHON} cannot import aiosmtpd: install the Debian package python3-aiosmtpd \
             (`apt-get install python3-aiosmtpd`); the SMTP tests need a real server"
        ),
    }
}
