//! The SMTP transport: one lettre `AsyncSmtpConnection` on tokio, kept open and reused across
//! messages (checked with NOOP before reuse, reopened when broken), rustls with aws-lc-rs.
//!
//! `smtp+starttls://` requires STARTTLS (a server that does not offer it is an error, never a
//! silent downgrade), `smtps://` is TLS from the first byte, plain only reaches loopback hosts.
//! The stored bytes go out as they are, so retries repeat the Message-ID.
//!
//! Why not lettre's pooled `AsyncSmtpTransport`: it opens its sockets without `TCP_NODELAY`, and
//! lettre writes a message's final `.` line in a write of its own, which Nagle's algorithm holds
//! back until the server's delayed ACK (about 40 ms per message on Linux: 22 messages per second
//! to a local server). The plain and STARTTLS connections here are opened with `TCP_NODELAY`.
//! (Implicit TLS goes through lettre's own connect, which still pays that delay.)

use std::error::Error as _;
use std::net::Ipv6Addr;
use std::str::FromStr as _;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::sync::Mutex;

use crate::url::is_loopback;
use crate::{
    Composed, Delivery, FailureKind, Secret, Security, SendError, SmtpConfig, TransportError,
};

pub(crate) struct SmtpTransport {
    /// `host:port`, for messages.
    server: String,
    host: String,
    port: u16,
    security: Security,
    /// `None` for plain SMTP.
    tls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    timeout: std::time::Duration,
    hello: ClientId,
    /// The open connection, reused by the next message.
    connection: Mutex<Option<AsyncSmtpConnection>>,
}

/// Why opening a connection failed: lettre's error, or the socket's, or the time limit.
enum ConnectError {
    Smtp(lettre::transport::smtp::Error),
    Io(std::io::Error),
    TimedOut,
}

impl SmtpTransport {
    pub(crate) fn new(
        config: &SmtpConfig,
        password: Option<Secret>,
    ) -> Result<SmtpTransport, TransportError> {
        let url = config.to_string();
        // Sending needs a tokio runtime (sockets, timers); say so here rather than at the first send.
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(TransportError::NoRuntime { url });
        }
        if config.security == Security::Plain && !is_loopback(&config.host) {
            return Err(TransportError::PlainNotLoopback {
                url,
                host: config.host.clone(),
            });
        }
        let credentials = match (&config.user, password) {
            (Some(user), Some(password)) => {
                Some(Credentials::new(user.clone(), password.into_exposed()))
            }
            (Some(user), None) => {
                return Err(TransportError::MissingPassword {
                    url,
                    user: user.clone(),
                });
            }
            (None, Some(_)) => return Err(TransportError::PasswordWithoutUser { url }),
            (None, None) => None,
        };
        let tls = match config.security {
            Security::Plain => None,
            Security::StartTls | Security::Implicit => Some(tls_parameters(config, &url)?),
        };
        Ok(SmtpTransport {
            server: match config.host.parse::<Ipv6Addr>() {
                Ok(_) => format!("[{}]:{}", config.host, config.port),
                Err(_) => format!("{}:{}", config.host, config.port),
            },
            host: config.host.clone(),
            port: config.port,
            security: config.security,
            tls,
            credentials,
            timeout: config.timeout,
            hello: ClientId::default(),
            connection: Mutex::new(None),
        })
    }

    pub(crate) async fn send(&self, message: &Composed) -> Result<Delivery, SendError> {
        let envelope = envelope(message).map_err(|detail| SendError {
            kind: FailureKind::Permanent,
            code: None,
            message: format!("message `{}` has {detail}", message.message_id),
        })?;
        let mut connection = self.connection.lock().await;
        if let Some(open) = connection.as_mut()
            && (open.has_broken()
                || !self
                    .within_time(open.test_connected())
                    .await
                    .unwrap_or(false))
        {
            *connection = None;
        }
        let open = match connection.as_mut() {
            Some(open) => open,
            None => match self.connect().await {
                Ok(open) => connection.insert(open),
                Err(error) => return Err(self.connect_failure(&message.message_id, error)),
            },
        };
        let result = self.within_time(open.send(&envelope, &message.bytes)).await;
        match result {
            Some(Ok(response)) => Ok(Delivery::Accepted {
                response: describe_response(&response),
            }),
            Some(Err(error)) => {
                // A refusal keeps the session usable; anything else (a broken pipe, a protocol
                // error) means the next message opens a new connection.
                if error.status().is_none() || open.has_broken() {
                    *connection = None;
                }
                Err(classify(&self.server, &message.message_id, &error))
            }
            None => {
                *connection = None;
                Err(SendError {
                    kind: FailureKind::Transient,
                    code: None,
                    message: format!(
                        "could not deliver message `{}` to `{}`: no answer within {} s",
                        message.message_id,
                        self.server,
                        self.timeout.as_secs()
                    ),
                })
            }
        }
    }

    /// `future`'s output, or `None` when it takes longer than the configured timeout.
    async fn within_time<T>(&self, future: impl std::future::Future<Output = T>) -> Option<T> {
        tokio::time::timeout(self.timeout, future).await.ok()
    }

    /// Opens a session: TCP with `TCP_NODELAY`, EHLO, STARTTLS when required, then AUTH.
    async fn connect(&self) -> Result<AsyncSmtpConnection, ConnectError> {
        let opened = self.within_time(async {
            let mut connection = match (self.security, &self.tls) {
                (Security::Implicit, Some(tls)) => AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &self.hello,
                    Some(tls.clone()),
                    None,
                )
                .await
                .map_err(ConnectError::Smtp)?,
                _ => {
                    let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                        .await
                        .map_err(ConnectError::Io)?;
                    stream.set_nodelay(true).map_err(ConnectError::Io)?;
                    let mut connection =
                        AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                            .await
                            .map_err(ConnectError::Smtp)?;
                    if let (Security::StartTls, Some(tls)) = (self.security, &self.tls) {
                        connection
                            .starttls(tls.clone(), &self.hello)
                            .await
                            .map_err(ConnectError::Smtp)?;
                    }
                    connection
                }
            };
            if let Some(credentials) = &self.credentials {
                connection
                    .auth(DEFAULT_MECHANISMS, credentials)
                    .await
                    .map_err(ConnectError::Smtp)?;
            }
            Ok(connection)
        });
        opened.await.unwrap_or(Err(ConnectError::TimedOut))
    }

    fn connect_failure(&self, message_id: &str, error: ConnectError) -> SendError {
        match error {
            ConnectError::Smtp(error) => classify(&self.server, message_id, &error),
            ConnectError::Io(error) => SendError {
                kind: FailureKind::Transient,
                code: None,
                message: format!(
                    "could not deliver message `{message_id}` to `{}`: connection error: {error}",
                    self.server
                ),
            },
            ConnectError::TimedOut => SendError {
                kind: FailureKind::Transient,
                code: None,
                message: format!(
                    "could not deliver message `{message_id}` to `{}`: no connection within {} s",
                    self.server,
                    self.timeout.as_secs()
                ),
            },
        }
    }
}

fn tls_parameters(config: &SmtpConfig, url: &str) -> Result<TlsParameters, TransportError> {
    let mut builder = TlsParameters::builder(config.host.clone());
    for (index, pem) in config.extra_root_certificates.iter().enumerate() {
        // lettre accepts PEM without any certificate in it; trusting nothing would then fail
        // later, at the handshake, with a less helpful message.
        if !pem
            .windows(b"-----BEGIN CERTIFICATE-----".len())
            .any(|window| window == b"-----BEGIN CERTIFICATE-----")
        {
            return Err(TransportError::NoCertificate {
                url: url.to_owned(),
                index,
            });
        }
        let certificate =
            Certificate::from_pem(pem).map_err(|source| TransportError::Certificate {
                url: url.to_owned(),
                index,
                source,
            })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|source| TransportError::Tls {
            url: url.to_owned(),
            source,
        })
}

fn envelope(message: &Composed) -> Result<Envelope, String> {
    let from = lettre::Address::from_str(&message.envelope_from)
        .map_err(|_| format!("an invalid sender `{}`", message.envelope_from))?;
    let to = message
        .envelope_to
        .iter()
        .map(|to| lettre::Address::from_str(to).map_err(|_| format!("an invalid recipient `{to}`")))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to).map_err(|_| "no recipients".to_owned())
}

/// `250 OK queued as 1234`: the code and the reply lines joined.
fn describe_response(response: &Response) -> String {
    let text = response.message().collect::<Vec<_>>().join(" ");
    format!("{} {text}", response.code()).trim_end().to_owned()
}

/// 5xx → permanent, 4xx → transient, both with the code; anything else (connection refused,
/// timeout, TLS handshake, a client-side protocol error) → transient without a code.
fn classify(server: &str, message_id: &str, error: &lettre::transport::smtp::Error) -> SendError {
    let code = error.status().map(u16::from);
    let kind = if error.is_permanent() {
        FailureKind::Permanent
    } else {
        FailureKind::Transient
    };
    let message = match code {
        Some(code) => format!(
            "smtp server `{server}` refused message `{message_id}` with {code}: {}",
            error
                .source()
                .map_or_else(String::new, |reply| reply.to_string())
        ),
        None => format!(
            "could not deliver message `{message_id}` to `{server}`: {}",
            error_chain(error)
        ),
    };
    SendError {
        kind,
        code,
        message,
    }
}

/// The error and its sources, each once (lettre's own message already repeats its first source).
fn error_chain(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
