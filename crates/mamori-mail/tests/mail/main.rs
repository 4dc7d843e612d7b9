//! Integration tests of mamori-mail, one test binary with a module per area: composing (the bytes
//! parsed back with mail-parser), the `.eml` outbox folder, and delivery to a real SMTP server
//! (Debian's aiosmtpd) on loopback over plain SMTP, STARTTLS and implicit TLS.
//!
//! `support` holds the sample Japanese draft and a MIME structure dump; the aiosmtpd harness and
//! its test certificates are shared with other crates in `mamori_test_support::smtp`.

mod compose;
mod file_transport;
mod smtp;
mod support;
