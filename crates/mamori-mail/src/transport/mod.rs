//! [`Transport`]: delivers [`Composed`] bytes, unchanged, to a folder or an SMTP server.
//!
//! Every failure is a [`SendError`] with a [`FailureKind`]: the caller's outbox retries
//! [`FailureKind::Transient`] ones later and gives up on [`FailureKind::Permanent`] ones.

mod file;
mod smtp;

use std::fmt;
use std::path::PathBuf;

use crate::{Composed, Secret, TransportUrl};

/// A configured transport. One SMTP transport keeps a pool of connections that many
/// [`Transport::send`] calls reuse.
pub struct Transport {
    url: TransportUrl,
    inner: Inner,
}

enum Inner {
    File(file::FileTransport),
    Smtp(Box<smtp::SmtpTransport>),
}

/// What happened to a message that was delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Written to the outbox folder.
    Written { path: PathBuf },
    /// Accepted by the SMTP server, with its reply (e.g. `250 OK queued as 1234`).
    Accepted { response: String },
}

/// Whether sending again later may succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Connection errors, timeouts, TLS handshake failures, 4xx replies, local write errors.
    Transient,
    /// 5xx replies: the server refused this message.
    Permanent,
}

/// A message that was not delivered. `message` says where and why (with the server's reply); it
/// never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub kind: FailureKind,
    /// The SMTP reply code, when the server answered.
    pub code: Option<u16>,
    pub message: String,
}

/// Why a transport cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("the smtp transport for `{url}` must be created inside a tokio runtime")]
    NoRuntime { url: String },
    #[error(
        "`{url}` would send mail unencrypted to `{host}`; plain smtp is only for loopback hosts"
    )]
    PlainNotLoopback { url: String, host: String },
    #[error(
        "`{url}` names user `{user}` but no password was given; set `MAMORI_SMTP_PASSWORD` or use a password file"
    )]
    MissingPassword { url: String, user: String },
    #[error("a password was given but `{url}` names no user; write the user before the host")]
    PasswordWithoutUser { url: String },
    #[error("extra root certificate #{index} for `{url}` holds no PEM certificate")]
    NoCertificate { url: String, index: usize },
    #[error("extra root certificate #{index} for `{url}` is invalid")]
    Certificate {
        url: String,
        index: usize,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error("could not set up tls for `{url}`")]
    Tls {
        url: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

impl Transport {
    /// Sets up the transport. Does no I/O: a file transport creates its folder on the first send,
    /// an SMTP transport connects on the first send. A `password` is required exactly when the
    /// URL names a user; a file transport ignores it.
    pub fn new(url: &TransportUrl, password: Option<Secret>) -> Result<Transport, TransportError> {
        let inner = match url {
            TransportUrl::File { dir } => Inner::File(file::FileTransport::new(dir.clone())),
            TransportUrl::Smtp(config) => {
                Inner::Smtp(Box::new(smtp::SmtpTransport::new(config, password)?))
            }
        };
        Ok(Transport {
            url: url.clone(),
            inner,
        })
    }

    /// False for a folder of files, true for SMTP.
    pub fn sends_outside(&self) -> bool {
        matches!(self.inner, Inner::Smtp(_))
    }

    /// The URL this transport was made from (without password), for logs.
    pub fn url(&self) -> &TransportUrl {
        &self.url
    }

    /// Delivers the stored bytes as they are: a retry sends the same Message-ID.
    pub async fn send(&self, message: &Composed) -> Result<Delivery, SendError> {
        match &self.inner {
            Inner::File(transport) => transport.send(message).await,
            Inner::Smtp(transport) => transport.send(message).await,
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("url", &format_args!("{}", self.url))
            .finish_non_exhaustive()
    }
}
