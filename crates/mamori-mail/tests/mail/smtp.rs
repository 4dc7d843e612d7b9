//! SMTP delivery against a real server (aiosmtpd) on loopback: plain, STARTTLS, implicit TLS,
//! failure classification, retries and connection pooling.

use std::collections::BTreeSet;
use std::time::Duration;

use mamori_mail::{
    Composed, Delivery, FailureKind, Secret, Security, SmtpConfig, Transport, TransportError,
    TransportUrl, compose,
};

use mamori_test_support::smtp::{Handler, ServerTls, SmtpServer, TestCerts, free_port};

use crate::support::{TO, assert_sample_message, parse, sample_draft};

fn smtp_url(url: &str, certs: Option<&TestCerts>) -> TransportUrl {
    let mut url = TransportUrl::parse(url).expect("smtp url");
    if let TransportUrl::Smtp(config) = &mut url {
        config.timeout = Duration::from_secs(10);
        if let Some(certs) = certs {
            config.extra_root_certificates.push(certs.ca_pem.clone());
        }
    }
    url
}

fn message(id: &str) -> Composed {
    compose(&sample_draft(id)).expect("compose")
}

fn message_id(id: &str) -> String {
    format!("{id}@mamori.local")
}

/// The envelope recipients aiosmtpd recorded in `X-RcptTo`.
fn recipients(bytes: &[u8]) -> String {
    parse(bytes)
        .header_raw("X-RcptTo")
        .expect("X-RcptTo")
        .trim()
        .to_owned()
}

fn assert_accepted(delivery: &Delivery) {
    match delivery {
        Delivery::Accepted { response } => assert!(response.starts_with("250"), "{response}"),
        Delivery::Written { path } => panic!("expected smtp, wrote {}", path.display()),
    }
}

#[tokio::test]
async fn plain_smtp_delivers_the_japanese_message() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::mailbox(),
    );
    let url = smtp_url(&format!("smtp://127.0.0.1:{}", server.port()), None);
    let transport = Transport::new(&url, None).expect("transport");
    assert!(transport.sends_outside());
    let id = message_id("plain");

    let delivery = transport.send(&message(&id)).await.expect("send");

    assert_accepted(&delivery);
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(recipients(&messages[0]), TO.join(", "));
    assert_sample_message(&messages[0], &id);
}

#[tokio::test]
async fn starttls_delivers_with_an_extra_root_certificate() {
    let work = tempfile::tempdir().expect("tempdir");
    let certs = TestCerts::generate(work.path());
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::StartTls(&certs),
        &Handler::mailbox(),
    );
    let url = smtp_url(
        &format!("smtp+starttls://127.0.0.1:{}", server.port()),
        Some(&certs),
    );
    let transport = Transport::new(&url, None).expect("transport");
    let id = message_id("starttls");

    let delivery = transport.send(&message(&id)).await.expect("send");

    assert_accepted(&delivery);
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_sample_message(&messages[0], &id);
}

#[tokio::test]
async fn implicit_tls_delivers_with_an_extra_root_certificate() {
    let work = tempfile::tempdir().expect("tempdir");
    let certs = TestCerts::generate(work.path());
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::Implicit(&certs),
        &Handler::mailbox(),
    );
    let url = smtp_url(
        &format!("smtps://localhost:{}", server.port()),
        Some(&certs),
    );
    let transport = Transport::new(&url, None).expect("transport");
    let id = message_id("smtps");

    let delivery = transport.send(&message(&id)).await.expect("send");

    assert_accepted(&delivery);
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_sample_message(&messages[0], &id);
}

#[tokio::test]
async fn untrusted_certificate_is_transient_and_delivers_nothing() {
    let work = tempfile::tempdir().expect("tempdir");
    let certs = TestCerts::generate(work.path());
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::Implicit(&certs),
        &Handler::mailbox(),
    );
    // No extra root: the test CA is not trusted.
    let url = smtp_url(&format!("smtps://127.0.0.1:{}", server.port()), None);
    let transport = Transport::new(&url, None).expect("transport");

    let error = transport
        .send(&message(&message_id("untrusted")))
        .await
        .expect_err("handshake fails");

    assert_eq!(error.kind, FailureKind::Transient);
    assert_eq!(error.code, None);
    assert!(
        error
            .message
            .contains(&format!("127.0.0.1:{}", server.port())),
        "{}",
        error.message
    );
    assert!(
        error.message.to_lowercase().contains("certificate"),
        "{}",
        error.message
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn starttls_is_required_not_opportunistic() {
    let work = tempfile::tempdir().expect("tempdir");
    let certs = TestCerts::generate(work.path());
    // A server that offers no STARTTLS: the message must not go out in clear text.
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::mailbox(),
    );
    let url = smtp_url(
        &format!("smtp+starttls://127.0.0.1:{}", server.port()),
        Some(&certs),
    );
    let transport = Transport::new(&url, None).expect("transport");

    let error = transport
        .send(&message(&message_id("downgrade")))
        .await
        .expect_err("no starttls offered");

    assert_eq!(error.kind, FailureKind::Transient);
    assert_eq!(error.code, None);
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn server_down_is_transient_then_the_retry_delivers_once() {
    let work = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let url = smtp_url(&format!("smtp://127.0.0.1:{port}"), None);
    let transport = Transport::new(&url, None).expect("transport");
    let id = message_id("retry-after-down");
    let composed = message(&id);

    let error = transport.send(&composed).await.expect_err("nobody listens");
    assert_eq!(error.kind, FailureKind::Transient);
    assert_eq!(error.code, None);
    assert!(
        error.message.starts_with(&format!(
            "could not deliver message `{id}` to `127.0.0.1:{port}`: "
        )),
        "{}",
        error.message
    );

    let server = SmtpServer::start(work.path(), port, &ServerTls::None, &Handler::mailbox());
    let delivery = transport.send(&composed).await.expect("retry");

    assert_accepted(&delivery);
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once");
    assert_eq!(parse(&messages[0]).message_id(), Some(id.as_str()));
}

#[tokio::test]
async fn reply_550_is_permanent_with_its_code() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::scripted(["550 5.7.1 rejected by policy"]),
    );
    let url = smtp_url(&format!("smtp://127.0.0.1:{}", server.port()), None);
    let transport = Transport::new(&url, None).expect("transport");
    let id = message_id("rejected");

    let error = transport.send(&message(&id)).await.expect_err("550");

    assert_eq!(error.kind, FailureKind::Permanent);
    assert_eq!(error.code, Some(550));
    assert_eq!(
        error.message,
        format!(
            "smtp server `127.0.0.1:{}` refused message `{id}` with 550: 5.7.1 rejected by policy",
            server.port()
        )
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn reply_451_is_transient_and_the_retry_delivers_once() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::scripted(["451 4.3.0 try again later"]),
    );
    let url = smtp_url(&format!("smtp://127.0.0.1:{}", server.port()), None);
    let transport = Transport::new(&url, None).expect("transport");
    let id = message_id("greylisted");
    let composed = message(&id);

    let error = transport.send(&composed).await.expect_err("451");
    assert_eq!(error.kind, FailureKind::Transient);
    assert_eq!(error.code, Some(451));
    assert!(
        error.message.ends_with("with 451: 4.3.0 try again later"),
        "{}",
        error.message
    );
    assert!(server.messages().is_empty());

    let delivery = transport.send(&composed).await.expect("retry");

    assert_accepted(&delivery);
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once");
    assert_eq!(recipients(&messages[0]), TO.join(", "));
    assert_sample_message(&messages[0], &id);
}

#[tokio::test]
async fn one_pooled_transport_delivers_twenty_messages() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::mailbox(),
    );
    let url = smtp_url(&format!("smtp://127.0.0.1:{}", server.port()), None);
    let transport = Transport::new(&url, None).expect("transport");

    let mut sent = BTreeSet::new();
    for index in 0..20 {
        let id = message_id(&format!("pooled.{index:02}"));
        let delivery = transport.send(&message(&id)).await.expect("send");
        assert_accepted(&delivery);
        sent.insert(id);
    }

    let arrived: BTreeSet<String> = server
        .messages()
        .iter()
        .map(|bytes| parse(bytes).message_id().expect("message id").to_owned())
        .collect();
    assert_eq!(server.messages().len(), 20);
    assert_eq!(arrived, sent);
    // aiosmtpd records the client's address and port: one port means one reused connection.
    let connections: BTreeSet<String> = server
        .messages()
        .iter()
        .map(|bytes| {
            parse(bytes)
                .header_raw("X-Peer")
                .expect("X-Peer")
                .trim()
                .to_owned()
        })
        .collect();
    assert_eq!(connections.len(), 1, "{connections:?}");
}

#[tokio::test]
async fn password_never_appears_in_errors() {
    let work = tempfile::tempdir().expect("tempdir");
    // aiosmtpd without an authenticator offers no AUTH, so logging in fails.
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::mailbox(),
    );
    let url = smtp_url(&format!("smtp://mamori@127.0.0.1:{}", server.port()), None);
    let password = "correct-horse-battery-staple";
    let transport =
        Transport::new(&url, Some(Secret::new(password.to_owned()))).expect("transport");

    let error = transport
        .send(&message(&message_id("auth")))
        .await
        .expect_err("no auth offered");

    assert_eq!(error.kind, FailureKind::Transient);
    assert!(!error.message.contains(password), "{}", error.message);
    assert!(!format!("{error:?}").contains(password));
    assert!(!format!("{transport:?}").contains(password));
    assert_eq!(
        format!("{transport:?}"),
        format!(
            "Transport {{ url: smtp://mamori@127.0.0.1:{}, .. }}",
            server.port()
        )
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn credentials_must_match_the_url() {
    let with_user = smtp_url(
        "smtp+starttls://soumu%40city.example.jp@mail.example.jp",
        None,
    );
    match Transport::new(&with_user, None) {
        Err(error @ TransportError::MissingPassword { .. }) => assert_eq!(
            error.to_string(),
            "`smtp+starttls://soumu%40city.example.jp@mail.example.jp:587` names user `soumu@city.example.jp` but no password was given; set `MAMORI_SMTP_PASSWORD` or use a password file"
        ),
        other => panic!("expected MissingPassword, got {other:?}"),
    }
    let without_user = smtp_url("smtps://mail.example.jp", None);
    let secret = Some(Secret::new("pw".to_owned()));
    assert!(matches!(
        Transport::new(&without_user, secret),
        Err(TransportError::PasswordWithoutUser { .. })
    ));
}

#[tokio::test]
async fn plain_smtp_to_a_remote_host_is_refused_even_when_built_by_hand() {
    let config = SmtpConfig {
        host: "mail.example.jp".to_owned(),
        port: 25,
        security: Security::Plain,
        user: None,
        extra_root_certificates: Vec::new(),
        timeout: Duration::from_secs(5),
    };
    let error = Transport::new(&TransportUrl::Smtp(config), None).expect_err("refused");
    assert!(
        matches!(error, TransportError::PlainNotLoopback { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_root_certificate_without_pem_is_refused() {
    let mut url = smtp_url("smtps://mail.example.jp", None);
    if let TransportUrl::Smtp(config) = &mut url {
        config
            .extra_root_certificates
            .push(b"not a certificate".to_vec());
    }
    let error = Transport::new(&url, None).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "extra root certificate #0 for `smtps://mail.example.jp:465` holds no PEM certificate"
    );
}

#[test]
fn smtp_transport_outside_a_runtime_is_an_error() {
    let url = smtp_url("smtps://mail.example.jp", None);
    let error = Transport::new(&url, None).expect_err("no runtime");
    assert!(
        matches!(error, TransportError::NoRuntime { .. }),
        "{error:?}"
    );
}
