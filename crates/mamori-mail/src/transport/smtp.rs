//! The SMTP transport: a pooled lettre `AsyncSmtpTransport` on tokio, rustls with aws-lc-rs.
//!
//! `smtp+starttls://` is `Tls::Required` (a server that does not offer STARTTLS is an error,
//! never a silent downgrade), `smtps://` is `Tls::Wrapper`, plain `Tls::None` only reaches
//! loopback hosts. The stored bytes go out with `send_raw`, so retries repeat the Message-ID.

use std::error::Error as _;
use std::net::Ipv6Addr;
use std::str::FromStr as _;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::response::Response;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

use crate::url::is_loopback;
use crate::{
    Composed, Delivery, FailureKind, Secret, Security, SendError, SmtpConfig, TransportError,
};

pub(crate) struct SmtpTransport {
    /// `host:port`, for messages.
    server: String,
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpTransport {
    pub(crate) fn new(
        config: &SmtpConfig,
        password: Option<Secret>,
    ) -> Result<SmtpTransport, TransportError> {
        let url = config.to_string();
        // The pool spawns its reaper task on creation; without a runtime lettre would panic.
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
            Security::Plain => Tls::None,
            Security::StartTls => Tls::Required(tls_parameters(config, &url)?),
            Security::Implicit => Tls::Wrapper(tls_parameters(config, &url)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        Ok(SmtpTransport {
            server: match config.host.parse::<Ipv6Addr>() {
                Ok(_) => format!("[{}]:{}", config.host, config.port),
                Err(_) => format!("{}:{}", config.host, config.port),
            },
            inner: builder.build(),
        })
    }

    pub(crate) async fn send(&self, message: &Composed) -> Result<Delivery, SendError> {
        let envelope = envelope(message).map_err(|detail| SendError {
            kind: FailureKind::Permanent,
            code: None,
            message: format!("message `{}` has {detail}", message.message_id),
        })?;
        let result = self.inner.send_raw(&envelope, &message.bytes).await;
        // lettre hands the connection back to its pool from a spawned task; yielding once lets
        // that task run, so the next `send` reuses the connection instead of opening another.
        tokio::task::yield_now().await;
        match result {
            Ok(response) => Ok(Delivery::Accepted {
                response: describe_response(&response),
            }),
            Err(error) => Err(classify(&self.server, &message.message_id, &error)),
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
