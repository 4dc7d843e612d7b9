//! Benchmark: flush 1,000 queued messages from the outbox to a real SMTP server (Debian's
//! aiosmtpd) on loopback through one pooled connection, plain and STARTTLS.
//!
//! `cargo run --release -p mamori-jobs --example bench_flush [-- COUNT [small]]`
//!
//! `small` sends a three-line text message instead of one with a 12 KiB attachment.
//!
//! Prints messages per second for each transport and checks that the server stored every
//! message exactly once.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mamori_jobs::outbox::{Clock, RetryPolicy, flush};
use mamori_jobs::run::MailSettings;
use mamori_mail::{Attachment, Draft, Transport, TransportUrl, compose};
use mamori_store::{NewMessage, Store, StoreConfig};
use mamori_test_support::smtp::{Handler, ServerTls, SmtpServer, TestCerts, free_port};

struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

fn messages(count: usize, now: DateTime<Utc>, small: bool) -> Vec<NewMessage> {
    let attachment = vec![0x5a_u8; 12 * 1024];
    let repeat = if small { 1 } else { 8 };
    (0..count)
        .map(|index| {
            let recipient = format!("tanto{index:04}@city.example.jp");
            let draft = Draft {
                from: "総務課 <soumu@city.example.jp>".parse().expect("from"),
                to: vec![format!("担当者{index} <{recipient}>").parse().expect("to")],
                subject: format!("【提出のお願い】令和7年度 個人情報保護制度の運用状況（{index}）"),
                text: "令和7年度の運用状況の件数が、まだ総務課に届いていません。\n①〜③の様式でご提出ください。\n".repeat(repeat),
                html: None,
                attachments: if small {
                    Vec::new()
                } else {
                    vec![Attachment {
                        file_name: "令和7年度_運用状況_様式.xlsx".to_owned(),
                        content_type:
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                .to_owned(),
                        bytes: attachment.clone(),
                    }]
                },
                message_id: format!("bench.{index}@city.example.jp"),
                date: now.into(),
            };
            let composed = compose(&draft).expect("compose");
            NewMessage {
                job: "bench".to_owned(),
                dedupe_key: format!("{index}"),
                recipient,
                message_id: composed.message_id,
                envelope_from: composed.envelope_from,
                envelope_to: composed.envelope_to,
                subject: draft.subject,
                bytes: composed.bytes,
                created_at: now,
            }
        })
        .collect()
}

async fn run(
    label: &str,
    count: usize,
    small: bool,
    tls: &ServerTls<'_>,
    url: impl Fn(u16) -> String,
    certs: &TestCerts,
) {
    let folder = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&StoreConfig::sqlite_file(&folder.path().join("mamori.db")))
        .await
        .expect("store");
    let now = Utc::now();
    store
        .enqueue(&messages(count, now, small))
        .await
        .expect("enqueue");
    let port = free_port();
    let server = SmtpServer::start(folder.path(), port, tls, &Handler::mailbox());
    let mut transport_url = TransportUrl::parse(&url(port)).expect("url");
    if let TransportUrl::Smtp(smtp) = &mut transport_url {
        smtp.extra_root_certificates.push(certs.ca_pem.clone());
    }
    let transport = Transport::new(&transport_url, None).expect("transport");
    let mail = MailSettings {
        from: "総務課 <soumu@city.example.jp>".parse().expect("from"),
        admin: None,
        transport: transport_url,
        webhook: None,
    };
    let started = Instant::now();
    let report = flush(
        &store,
        &transport,
        &mail,
        &RetryPolicy::standard(),
        &WallClock,
        "bench",
    )
    .await
    .expect("flush");
    let elapsed = started.elapsed();
    let stored = server
        .wait_for_messages(count, Duration::from_secs(60))
        .len();
    assert_eq!(report.sent, count, "{report:?}");
    assert_eq!(stored, count, "the server stored each message once");
    println!(
        "{label}: {count} messages in {:.2} s = {:.0} messages/s ({} stored by the server)",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        stored
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(1000);
    let small = std::env::args().nth(2).as_deref() == Some("small");
    let certificates = tempfile::tempdir().expect("tempdir");
    let certs = TestCerts::generate(certificates.path());
    run(
        "plain smtp://",
        count,
        small,
        &ServerTls::None,
        |port| format!("smtp://127.0.0.1:{port}"),
        &certs,
    )
    .await;
    run(
        "smtp+starttls://",
        count,
        small,
        &ServerTls::StartTls(&certs),
        |port| format!("smtp+starttls://localhost:{port}"),
        &certs,
    )
    .await;
}
