//! A real SMTP server for tests: Debian's aiosmtpd (package `python3-aiosmtpd`), run with
//! `/usr/bin/python3` (not a pyenv `python3` on PATH, which lacks the Debian package).
//!
//! [`SmtpServer::start`] picks its options, waits until the port accepts connections and kills
//! the server on drop. Messages land in a Maildir read by [`SmtpServer::messages`]. The
//! [`Handler::Scripted`] handler answers DATA with queued replies (`451 …`, `550 …`) before
//! going back to `250`, for failure classification and retry tests.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::certs::TestCerts;

const PYTHON: &str = "/usr/bin/python3";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// How the server protects connections.
pub(crate) enum ServerTls<'a> {
    None,
    /// STARTTLS offered and required before MAIL.
    StartTls(&'a TestCerts),
    /// TLS from the first byte.
    Implicit(&'a TestCerts),
}

/// What the server does with a message.
pub(crate) enum Handler {
    /// `aiosmtpd.handlers.Mailbox`: store every message, answer 250.
    Mailbox,
    /// Answer DATA with these replies in turn, then 250; store only what gets a 250.
    Scripted { replies: Vec<String> },
}

pub(crate) struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

/// A port that was free a moment ago (bind port 0, read it, close).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Stores the message with the envelope recipients in front, like aiosmtpd's `Message` handlers.
const SCRIPTED_HANDLER: &str = r#"
import mailbox


class Scripted:
    def __init__(self, maildir, replies):
        self.maildir = maildir
        self.replies = replies

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):
        with open(self.replies, encoding="utf-8") as file:
            lines = file.read().splitlines()
        reply = "250 OK"
        if lines:
            reply = lines[0]
            with open(self.replies, "w", encoding="utf-8") as file:
                file.write("".join(line + "\n" for line in lines[1:]))
        if reply.startswith("250"):
            header = "X-RcptTo: " + ", ".join(envelope.rcpt_tos) + "\r\n"
            mailbox.Maildir(self.maildir).add(header.encode() + envelope.original_content)
        return reply
"#;

impl SmtpServer {
    /// Starts aiosmtpd on `127.0.0.1:port` with its files under `work`; panics with the command
    /// and the server's stderr when it does not come up within 10 s.
    pub(crate) fn start(
        work: &Path,
        port: u16,
        tls: &ServerTls<'_>,
        handler: Handler,
    ) -> SmtpServer {
        require_aiosmtpd();
        static SERVERS: AtomicUsize = AtomicUsize::new(0);
        let dir = work.join(format!("smtp-{}", SERVERS.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).expect("server directory");
        // aiosmtpd's Maildir refuses an existing empty directory: let it create this one.
        let maildir = dir.join("Maildir");

        let mut command = Command::new(PYTHON);
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&dir);
        match tls {
            ServerTls::None => {}
            ServerTls::StartTls(certs) => {
                command
                    .arg("--tlscert")
                    .arg(&certs.cert_path)
                    .arg("--tlskey")
                    .arg(&certs.key_path);
            }
            ServerTls::Implicit(certs) => {
                command
                    .arg("--smtpscert")
                    .arg(&certs.cert_path)
                    .arg("--smtpskey")
                    .arg(&certs.key_path);
            }
        }
        match handler {
            Handler::Mailbox => {
                command
                    .args(["-c", "aiosmtpd.handlers.Mailbox"])
                    .arg(&maildir);
            }
            Handler::Scripted { replies } => {
                std::fs::write(dir.join("mamori_scripted.py"), SCRIPTED_HANDLER)
                    .expect("handler module");
                let replies_path = dir.join("replies.txt");
                let text: String = replies.iter().map(|reply| format!("{reply}\n")).collect();
                std::fs::write(&replies_path, text).expect("replies file");
                command
                    .env("PYTHONPATH", &dir)
                    .args(["-c", "mamori_scripted.Scripted"])
                    .arg(&maildir)
                    .arg(&replies_path);
            }
        }
        let stderr_path = dir.join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path).expect("stderr log");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let shown = format!("{command:?}");
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("could not start {shown}: {error}"));

        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("poll aiosmtpd") {
                let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!(
                    "aiosmtpd exited with {status} before accepting connections: {shown}\n{log}"
                );
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!(
                    "aiosmtpd did not accept connections on {address} within 10 s: {shown}\n{log}"
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            child,
            port,
            maildir,
        }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The messages delivered so far, in file-name order.
    pub(crate) fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|entry| entry.expect("maildir entry").path())
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| std::fs::read(path).expect("read delivered message"))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
