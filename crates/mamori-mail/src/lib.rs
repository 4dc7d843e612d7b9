//! mamori-mail: the one crate that knows SMTP. It turns a [`Draft`] (Japanese subject, body and
//! attachment names) into the exact bytes of a message, and delivers those bytes to an SMTP
//! server or to a folder of `.eml` files.
//!
//! Owns: validated mail [`Address`]es; MIME composition ([`compose`]: UTF-8 everywhere, RFC 2047
//! subject and names, RFC 2231 plus RFC 2047 attachment names, deterministic boundaries); the
//! transport URL ([`TransportUrl`]: `smtp://`, `smtp+starttls://`, `smtps://`, `file://`); the
//! [`Transport`] that sends stored bytes unchanged (same Message-ID on every retry) and classifies
//! failures as [`FailureKind::Transient`] or [`FailureKind::Permanent`].
//!
//! Must not: read the clock (the [`Draft`] carries its date and Message-ID), read environment
//! variables or password files (the caller passes a [`Secret`]), retry or schedule (the outbox in
//! the caller does that), or put a password in a URL, log line or error message.
//!
//! Start reading at [`compose`], then [`Transport::send`].
//!
//! **TLS.** rustls runs on the aws-lc-rs provider. lettre takes the process-level rustls provider
//! when one is installed and otherwise builds an aws-lc-rs provider itself, so this library installs
//! nothing. A binary whose dependency tree enables a second rustls provider must call
//! `rustls::crypto::aws_lc_rs::default_provider().install_default()` once at start-up.
//!
//! **Runtime.** [`Transport::new`] for SMTP must run inside a tokio runtime: the connection pool
//! spawns its idle-connection reaper there.

mod address;
mod compose;
mod secret;
mod transport;
mod url;

pub use address::{Address, AddressError};
pub use compose::{Attachment, ComposeError, Composed, Draft, compose};
pub use secret::Secret;
pub use transport::{Delivery, FailureKind, SendError, Transport, TransportError};
pub use url::{Security, SmtpConfig, TransportUrl, UrlError};
