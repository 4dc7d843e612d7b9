//! [`TransportUrl`]: the whole transport configuration in one URL.
//!
//! | URL                              | meaning                                             |
//! |----------------------------------|-----------------------------------------------------|
//! | `smtp://127.0.0.1:2525`          | plain SMTP, refused unless the host is loopback     |
//! | `smtp+starttls://user@host:587`  | STARTTLS required (default port 587)                |
//! | `smtps://host:465`               | implicit TLS (default port 465)                     |
//! | `file://DIR`                     | `.eml` files in `DIR` (relative, or `file:///abs`)  |
//!
//! A password in the URL is refused: URLs end up in logs, job files and shell history. The user
//! name may be percent-encoded (`soumu%40city.jp@host`).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Duration;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS; only for loopback hosts (a test server or a local relay).
    Plain,
    /// Plain connect, then STARTTLS, which the server must offer.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

/// Where and how to reach an SMTP server. [`TransportUrl::parse`] fills `host`, `port`,
/// `security` and `user`; the caller adds root certificates and may change the timeout.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The SMTP AUTH user; the password is passed to [`crate::Transport::new`] separately.
    pub user: Option<String>,
    /// PEM certificates trusted in addition to the system roots (a city's internal CA, tests).
    pub extra_root_certificates: Vec<Vec<u8>>,
    /// For connecting and for each SMTP command.
    pub timeout: Duration,
}

impl SmtpConfig {
    /// The timeout [`TransportUrl::parse`] sets.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
}

/// The transport, as configured by one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportUrl {
    /// Write each message as `DIR/<message id>.eml`; nothing leaves the machine.
    File {
        dir: PathBuf,
    },
    Smtp(SmtpConfig),
}

/// Why a transport URL is refused. The URL in each message has any password replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error(
        "`{url}` is not a transport url: expected `smtp://`, `smtp+starttls://`, `smtps://` or `file://`"
    )]
    NotAUrl { url: String },
    #[error(
        "unknown scheme `{scheme}` in `{url}`: expected `smtp`, `smtp+starttls`, `smtps` or `file`"
    )]
    UnknownScheme { url: String, scheme: String },
    #[error(
        "`{url}` contains a password; remove it from the url and set `MAMORI_SMTP_PASSWORD` or use a password file"
    )]
    PasswordInUrl { url: String },
    #[error("`{url}` has an invalid user name (write `@` in it as `%40`)")]
    BadUser { url: String },
    #[error("`{url}` has an invalid percent escape")]
    BadEncoding { url: String },
    #[error("`{url}` has no host")]
    MissingHost { url: String },
    #[error("`{url}` has an invalid host `{host}`")]
    BadHost { url: String, host: String },
    #[error("`{url}` has an invalid port `{port}`: expected 1 to 65535")]
    BadPort { url: String, port: String },
    #[error("`{url}` has a path, query or fragment; expected nothing after the port")]
    UnexpectedPath { url: String },
    #[error(
        "`{url}` would send mail unencrypted to `{host}`; plain `smtp://` is only for loopback hosts, use `smtp+starttls://` or `smtps://`"
    )]
    PlainNotLoopback { url: String, host: String },
    #[error("`{url}` names no directory: expected `file://DIR`")]
    MissingDirectory { url: String },
}

impl TransportUrl {
    /// Parses one of the forms in the module documentation.
    pub fn parse(url: &str) -> Result<TransportUrl, UrlError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(UrlError::NotAUrl { url: redact(url) });
        };
        let security = match scheme.to_ascii_lowercase().as_str() {
            "file" => return parse_file(url, rest),
            "smtp" => Security::Plain,
            "smtp+starttls" => Security::StartTls,
            "smtps" => Security::Implicit,
            _ => {
                return Err(UrlError::UnknownScheme {
                    url: redact(url),
                    scheme: scheme.to_owned(),
                });
            }
        };
        parse_smtp(url, rest, security).map(TransportUrl::Smtp)
    }

    /// False for a folder of files, true when messages leave the machine.
    pub fn sends_outside(&self) -> bool {
        matches!(self, TransportUrl::Smtp(_))
    }
}

/// The URL in canonical form (explicit port, user percent-encoded), never with a password.
impl fmt::Display for TransportUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportUrl::File { dir } => {
                write!(
                    f,
                    "file://{}",
                    dir.display().to_string().replace('%', "%25")
                )
            }
            TransportUrl::Smtp(config) => fmt::Display::fmt(config, f),
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Security::Plain => "smtp",
            Security::StartTls => "smtp+starttls",
            Security::Implicit => "smtps",
        })
    }
}

/// `smtp+starttls://user@host:587`, the URL form without a password.
impl fmt::Display for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.security)?;
        if let Some(user) = &self.user {
            write!(f, "{}@", percent_encode(user))?;
        }
        match self.host.parse::<Ipv6Addr>() {
            Ok(_) => write!(f, "[{}]:{}", self.host, self.port),
            Err(_) => write!(f, "{}:{}", self.host, self.port),
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field(
                "extra_root_certificates",
                &format_args!("[{} PEM]", self.extra_root_certificates.len()),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `localhost`, 127.0.0.0/8 and `::1`: the only hosts plain SMTP may talk to.
pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn parse_file(url: &str, rest: &str) -> Result<TransportUrl, UrlError> {
    if rest.is_empty() {
        return Err(UrlError::MissingDirectory {
            url: url.to_owned(),
        });
    }
    let dir = percent_decode(rest).ok_or_else(|| UrlError::BadEncoding {
        url: url.to_owned(),
    })?;
    Ok(TransportUrl::File {
        dir: PathBuf::from(dir),
    })
}

fn parse_smtp(url: &str, rest: &str, security: Security) -> Result<SmtpConfig, UrlError> {
    let shown = || redact(url);
    // The last `@` ends the user info: a host has none, and neither may a path here.
    let (user, host_port_path) = match rest.rsplit_once('@') {
        Some((user_info, after)) => {
            if user_info.contains(':') {
                return Err(UrlError::PasswordInUrl { url: shown() });
            }
            if user_info.is_empty() || user_info.contains(['/', '?', '#']) {
                return Err(UrlError::BadUser { url: shown() });
            }
            let user =
                percent_decode(user_info).ok_or_else(|| UrlError::BadEncoding { url: shown() })?;
            (Some(user), after)
        }
        None => (None, rest),
    };
    let (host_port, path) = match host_port_path.find(['/', '?', '#']) {
        Some(index) => host_port_path.split_at(index),
        None => (host_port_path, ""),
    };
    if !path.is_empty() && path != "/" {
        return Err(UrlError::UnexpectedPath { url: shown() });
    }
    let (host, port) = split_host_port(host_port).ok_or_else(|| UrlError::BadHost {
        url: shown(),
        host: host_port.to_owned(),
    })?;
    if host.is_empty() {
        return Err(UrlError::MissingHost { url: shown() });
    }
    let host_is_valid = host.parse::<Ipv6Addr>().is_ok()
        || host
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.');
    if !host_is_valid {
        return Err(UrlError::BadHost {
            url: shown(),
            host: host.to_owned(),
        });
    }
    let port = match port {
        None => match security {
            Security::Plain => 25,
            Security::StartTls => 587,
            Security::Implicit => 465,
        },
        Some(text) => match text.parse::<u16>() {
            Ok(port) if port != 0 && text.bytes().all(|byte| byte.is_ascii_digit()) => port,
            _ => {
                return Err(UrlError::BadPort {
                    url: shown(),
                    port: text.to_owned(),
                });
            }
        },
    };
    if security == Security::Plain && !is_loopback(host) {
        return Err(UrlError::PlainNotLoopback {
            url: shown(),
            host: host.to_owned(),
        });
    }
    Ok(SmtpConfig {
        host: host.to_owned(),
        port,
        security,
        user,
        extra_root_certificates: Vec::new(),
        timeout: SmtpConfig::DEFAULT_TIMEOUT,
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; `None` for an unclosed or misused bracket.
fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    match text.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            host.parse::<Ipv6Addr>().ok()?;
            match after {
                "" => Some((host, None)),
                _ => Some((host, Some(after.strip_prefix(':')?))),
            }
        }
        None => match text.split_once(':') {
            Some((host, port)) => Some((host, Some(port))),
            None => Some((text, None)),
        },
    }
}

/// The URL with any password replaced by `***`, for error messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((user_info, after)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match user_info.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{after}"),
        None => url.to_owned(),
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = text.get(index + 1..index + 3)?;
                if !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                    return None;
                }
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            byte => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use crate::url::{is_loopback, redact};
    use crate::{Security, SmtpConfig, TransportUrl, UrlError};

    fn smtp(url: &str) -> SmtpConfig {
        match TransportUrl::parse(url) {
            Ok(TransportUrl::Smtp(config)) => config,
            other => panic!("{url}: expected smtp, got {other:?}"),
        }
    }

    fn error(url: &str) -> UrlError {
        TransportUrl::parse(url).expect_err(url)
    }

    #[test]
    fn plain_loopback() {
        let config = smtp("smtp://127.0.0.1:2525");
        assert_eq!(config.host, "127.0.0.1");
        assert_eq!(config.port, 2525);
        assert_eq!(config.security, Security::Plain);
        assert_eq!(config.user, None);
        assert_eq!(config.timeout, Duration::from_secs(30));
        assert!(config.extra_root_certificates.is_empty());
        assert_eq!(smtp("smtp://localhost").port, 25);
        assert_eq!(smtp("smtp://127.8.9.10:25/").host, "127.8.9.10");
        assert_eq!(smtp("smtp://[::1]:2525").host, "::1");
        assert_eq!(smtp("SMTP://LocalHost:2525").host, "LocalHost");
    }

    #[test]
    fn plain_refused_for_other_hosts() {
        assert_eq!(
            error("smtp://mail.city.example.jp:25"),
            UrlError::PlainNotLoopback {
                url: "smtp://mail.city.example.jp:25".to_owned(),
                host: "mail.city.example.jp".to_owned()
            }
        );
        assert!(matches!(
            error("smtp://10.0.0.1"),
            UrlError::PlainNotLoopback { .. }
        ));
        assert!(matches!(
            error("smtp://[::2]:25"),
            UrlError::PlainNotLoopback { .. }
        ));
        assert!(is_loopback("127.255.0.1"));
        assert!(is_loopback("::1"));
        assert!(!is_loopback("128.0.0.1"));
        assert!(!is_loopback("localhost.example.jp"));
    }

    #[test]
    fn starttls_with_percent_encoded_user() {
        let config = smtp("smtp+starttls://soumu%40city.example.jp@mail.city.example.jp");
        assert_eq!(config.security, Security::StartTls);
        assert_eq!(config.port, 587);
        assert_eq!(config.host, "mail.city.example.jp");
        assert_eq!(config.user.as_deref(), Some("soumu@city.example.jp"));
        assert_eq!(
            TransportUrl::Smtp(config).to_string(),
            "smtp+starttls://soumu%40city.example.jp@mail.city.example.jp:587"
        );
        let config = smtp("smtp+starttls://user@host:2587");
        assert_eq!(config.port, 2587);
        assert_eq!(config.user.as_deref(), Some("user"));
    }

    #[test]
    fn implicit_tls() {
        let config = smtp("smtps://mail.city.example.jp");
        assert_eq!(config.security, Security::Implicit);
        assert_eq!(config.port, 465);
        assert_eq!(
            TransportUrl::Smtp(config).to_string(),
            "smtps://mail.city.example.jp:465"
        );
        assert_eq!(
            smtp("smtps://[2001:db8::1]:4650").to_string(),
            "smtps://[2001:db8::1]:4650"
        );
    }

    #[test]
    fn file_urls() {
        assert_eq!(
            TransportUrl::parse("file://mamori-data/outbox"),
            Ok(TransportUrl::File {
                dir: PathBuf::from("mamori-data/outbox")
            })
        );
        assert_eq!(
            TransportUrl::parse("file:///var/spool/mamori"),
            Ok(TransportUrl::File {
                dir: PathBuf::from("/var/spool/mamori")
            })
        );
        assert_eq!(
            TransportUrl::parse("file:///tmp/%E9%80%81%E4%BF%A1 box"),
            Ok(TransportUrl::File {
                dir: PathBuf::from("/tmp/送信 box")
            })
        );
        let url = TransportUrl::parse("file://out").expect("file");
        assert_eq!(url.to_string(), "file://out");
        assert!(!url.sends_outside());
        assert!(smtp_url("smtps://h").sends_outside());
        assert_eq!(
            error("file://"),
            UrlError::MissingDirectory {
                url: "file://".to_owned()
            }
        );
    }

    fn smtp_url(url: &str) -> TransportUrl {
        TransportUrl::parse(url).expect(url)
    }

    #[test]
    fn password_is_refused_and_never_echoed() {
        let refused = error("smtp+starttls://soumu:s3cr3t-pw@mail.city.example.jp:587");
        assert_eq!(
            refused,
            UrlError::PasswordInUrl {
                url: "smtp+starttls://soumu:***@mail.city.example.jp:587".to_owned()
            }
        );
        let message = refused.to_string();
        assert!(!message.contains("s3cr3t"), "{message}");
        assert!(message.contains("MAMORI_SMTP_PASSWORD"), "{message}");
        assert!(message.contains("password file"), "{message}");
        // A `/` or `@` in the password must not let it slip past the redaction.
        let message = error("smtps://u:pa/ss@w@host").to_string();
        assert!(!message.contains("pa/ss"), "{message}");
        let message = error("smtpx://u:hunter2@host").to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            !error("smtp://u:hunter2@127.0.0.1:x")
                .to_string()
                .contains("hunter2")
        );
        assert_eq!(redact("smtps://u:pw@h"), "smtps://u:***@h");
        assert_eq!(redact("smtps://u@h"), "smtps://u@h");
    }

    #[test]
    fn malformed_urls() {
        assert_eq!(
            error("mail.city.example.jp"),
            UrlError::NotAUrl {
                url: "mail.city.example.jp".to_owned()
            }
        );
        assert_eq!(
            error("imap://mail.city.example.jp"),
            UrlError::UnknownScheme {
                url: "imap://mail.city.example.jp".to_owned(),
                scheme: "imap".to_owned()
            }
        );
        assert_eq!(
            error("smtps://"),
            UrlError::MissingHost {
                url: "smtps://".to_owned()
            }
        );
        assert_eq!(
            error("smtps://user@:465"),
            UrlError::MissingHost {
                url: "smtps://user@:465".to_owned()
            }
        );
        assert_eq!(
            error("smtps://host:99999"),
            UrlError::BadPort {
                url: "smtps://host:99999".to_owned(),
                port: "99999".to_owned()
            }
        );
        assert!(matches!(error("smtps://host:0"), UrlError::BadPort { .. }));
        assert!(matches!(error("smtps://host:"), UrlError::BadPort { .. }));
        assert!(matches!(
            error("smtps://host:+25"),
            UrlError::BadPort { .. }
        ));
        assert!(matches!(
            error("smtps://host:465/path"),
            UrlError::UnexpectedPath { .. }
        ));
        assert!(matches!(
            error("smtps://host?tls=no"),
            UrlError::UnexpectedPath { .. }
        ));
        assert!(matches!(error("smtps://ho st"), UrlError::BadHost { .. }));
        assert!(matches!(error("smtps://[::1"), UrlError::BadHost { .. }));
        assert!(matches!(
            error("smtps://メール.jp"),
            UrlError::BadHost { .. }
        ));
        assert!(matches!(error("smtps://@host"), UrlError::BadUser { .. }));
        assert!(matches!(
            error("smtps://bad%zzuser@host"),
            UrlError::BadEncoding { .. }
        ));
        assert_eq!(
            error("smtps://host:99999").to_string(),
            "`smtps://host:99999` has an invalid port `99999`: expected 1 to 65535"
        );
        assert_eq!(
            error("imap://h").to_string(),
            "unknown scheme `imap` in `imap://h`: expected `smtp`, `smtp+starttls`, `smtps` or `file`"
        );
    }

    #[test]
    fn debug_hides_certificate_bytes() {
        let mut config = smtp("smtps://host");
        config
            .extra_root_certificates
            .push(b"-----BEGIN CERTIFICATE-----".to_vec());
        let debug = format!("{config:?}");
        assert!(debug.contains("[1 PEM]"), "{debug}");
        assert!(!debug.contains("BEGIN"), "{debug}");
    }
}
