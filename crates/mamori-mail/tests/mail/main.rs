//! Integration tests of mamori-mail, one test binary with a module per area: composing (the bytes
//! parsed back with mail-parser), the `.eml` outbox folder, and delivery to a real SMTP server
//! (Debian's aiosmtpd) on loopback over plain SMTP, STARTTLS and implicit TLS.
//!
//! `support` holds what later tests can reuse: the sample Japanese draft, a MIME structure dump,
//! test certificates and the aiosmtpd harness.

mod compose;
mod file_transport;
mod smtp;
mod support;
