//! The outbox under faults, against a real SMTP server (aiosmtpd from `mamori_test_support::smtp`)
//! and a real SQLite store: the server down and back, greylisting (451), refusal (550), retries
//! used up, two senders at once, and twenty messages over one pooled STARTTLS connection.
//!
//! Time is simulated: the flush reads a [`TestClock`] the test moves forward itself, so a retry
//! policy of seconds (or a five-minute lease) costs no real waiting. Only SMTP takes real time.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use mail_parser::MessageParser;
use mamori_jobs::outbox::{Clock, FlushReport, RetryPolicy, flush};
use mamori_jobs::run::MailSettings;
use mamori_mail::{Draft, Transport, TransportUrl, compose};
use mamori_store::{NewMessage, OutboxRow, OutboxStatus, Store, StoreConfig};
use mamori_test_support::smtp::{Handler, ServerTls, SmtpServer, TestCerts, free_port};

const JOB: &str = "annual-report";
const FROM: &str = "総務課 <soumu@city.example.jp>";
const ADMIN: &str = "johosys@city.example.jp";
const ALERT_SUBJECT: &str = "【mamori 障害】ジョブ「annual-report」";
/// How long a flush leases what it takes (`LEASE_SECONDS` in `outbox.rs`).
const LEASE: chrono::Duration = chrono::Duration::seconds(300);
/// How long the tests wait for the server, in real time.
const PATIENCE: Duration = Duration::from_secs(10);

/// A clock the test sets.
#[derive(Debug)]
pub(crate) struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn starting_at(instant: DateTime<Utc>) -> TestClock {
        TestClock(Mutex::new(instant))
    }

    fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().expect("clock lock");
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

/// A store in a temporary folder, a clock at 2023-05-10 09:00 JST and the mail settings.
pub(crate) struct Setup {
    work: tempfile::TempDir,
    store: Store,
    clock: TestClock,
    mail: MailSettings,
}

impl Setup {
    async fn new() -> Setup {
        let work = tempfile::tempdir().expect("tempdir");
        let store = open_store(work.path()).await;
        let start = Utc
            .with_ymd_and_hms(2023, 5, 10, 0, 0, 0)
            .single()
            .expect("valid instant");
        Setup {
            store,
            clock: TestClock::starting_at(start),
            mail: MailSettings {
                from: FROM.parse().expect("from"),
                admin: Some(ADMIN.parse().expect("admin")),
                // The flush sends through the transport it is given; this is only for alerts.
                transport: TransportUrl::parse("smtp://127.0.0.1:25").expect("url"),
                webhook: None,
            },
            work,
        }
    }

    /// Queues the numbered messages, one recipient each, created now.
    async fn enqueue(&self, indexes: std::ops::Range<usize>) -> Vec<i64> {
        let messages: Vec<NewMessage> = indexes
            .map(|index| message(index, self.clock.now()))
            .collect();
        self.store
            .enqueue(&messages)
            .await
            .expect("enqueue")
            .into_iter()
            .map(|id| id.expect("queued, not already there"))
            .collect()
    }

    async fn flush(&self, transport: &Transport, policy: &RetryPolicy) -> FlushReport {
        flush(
            &self.store,
            transport,
            &self.mail,
            policy,
            &self.clock,
            "test:1",
        )
        .await
        .expect("flush")
    }

    /// Every outbox row by id.
    async fn rows(&self) -> BTreeMap<i64, OutboxRow> {
        self.store
            .outbox(None, 1000)
            .await
            .expect("outbox")
            .into_iter()
            .map(|row| (row.id, row))
            .collect()
    }

    async fn row(&self, id: i64) -> OutboxRow {
        self.rows().await.remove(&id).expect("outbox row")
    }

    async fn alert_rows(&self) -> Vec<OutboxRow> {
        self.rows()
            .await
            .into_values()
            .filter(|row| row.job == "alert")
            .collect()
    }
}

async fn open_store(dir: &std::path::Path) -> Store {
    Store::open(&StoreConfig::sqlite_file(&dir.join("mamori.db")))
        .await
        .expect("open store")
}

/// Retries 1 s, 2 s, 4 s … of simulated time apart.
fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        first_delay: chrono::Duration::seconds(1),
        max_delay: chrono::Duration::seconds(60),
        max_attempts,
    }
}

fn recipient(index: usize) -> String {
    format!("kakari{index:02}@city.example.jp")
}

fn subject(index: usize) -> String {
    format!("【年次報告】令和4年度 個人情報保護制度の運用状況（{index}）髙橋①")
}

fn message_id(index: usize) -> String {
    format!("mamori.outbox-test.{index:02}@city.example.jp")
}

/// A message as `run_job` would queue it: composed, one recipient, a Japanese subject.
fn message(index: usize, now: DateTime<Utc>) -> NewMessage {
    let draft = Draft {
        from: FROM.parse().expect("from"),
        to: vec![
            format!("係{index} <{}>", recipient(index))
                .parse()
                .expect("to"),
        ],
        subject: subject(index),
        text: format!("令和4年度の運用状況を送付します（{index}）。\n"),
        html: None,
        attachments: Vec::new(),
        message_id: message_id(index),
        date: now.into(),
    };
    let composed = compose(&draft).expect("compose");
    NewMessage {
        job: JOB.to_owned(),
        dedupe_key: format!("20230510T000000Z/report/{index}"),
        recipient: recipient(index),
        message_id: composed.message_id,
        envelope_from: composed.envelope_from,
        envelope_to: composed.envelope_to,
        subject: draft.subject,
        bytes: composed.bytes,
        created_at: now,
    }
}

fn transport(url: &str, certs: Option<&TestCerts>) -> Transport {
    let mut url = TransportUrl::parse(url).expect("smtp url");
    if let TransportUrl::Smtp(config) = &mut url {
        config.timeout = PATIENCE;
        if let Some(certs) = certs {
            config.extra_root_certificates.push(certs.ca_pem.clone());
        }
    }
    Transport::new(&url, None).expect("transport")
}

fn plain_transport(port: u16) -> Transport {
    transport(&format!("smtp://127.0.0.1:{port}"), None)
}

/// What arrived, parsed back: Message-ID, subject, `To` address and envelope recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arrived {
    message_id: String,
    subject: String,
    to: String,
    envelope_to: String,
    peer: String,
    text: String,
}

fn arrived(bytes: &[u8]) -> Arrived {
    let message = MessageParser::default()
        .parse(bytes)
        .expect("mail-parser parses the message");
    let header = |name: &str| {
        message
            .header_raw(name)
            .unwrap_or_else(|| panic!("{name} header"))
            .trim()
            .to_owned()
    };
    Arrived {
        message_id: message.message_id().expect("message id").to_owned(),
        subject: message.subject().expect("subject").to_owned(),
        to: message
            .to()
            .and_then(|to| to.first())
            .and_then(|to| to.address())
            .expect("to")
            .to_owned(),
        envelope_to: header("X-RcptTo"),
        peer: header("X-Peer"),
        text: message.body_text(0).expect("text body").into_owned(),
    }
}

fn assert_is_message(arrived: &Arrived, index: usize) {
    assert_eq!(arrived.message_id, message_id(index));
    assert_eq!(arrived.subject, subject(index));
    assert_eq!(arrived.to, recipient(index));
    assert_eq!(arrived.envelope_to, recipient(index));
}

#[tokio::test]
async fn server_down_keeps_the_message_queued_and_the_retry_delivers_it_once() {
    let setup = Setup::new().await;
    let port = free_port();
    let transport = plain_transport(port);
    let policy = policy(8);
    let ids = setup.enqueue(0..1).await;
    let queued_at = setup.clock.now();

    let report = setup.flush(&transport, &policy).await;

    assert_eq!(
        report,
        FlushReport {
            retrying: 1,
            ..FlushReport::default()
        }
    );
    let row = setup.row(ids[0]).await;
    assert_eq!(row.status, OutboxStatus::Queued);
    assert_eq!(row.attempts, 1);
    assert_eq!(
        row.next_attempt_at,
        queued_at + chrono::Duration::seconds(1)
    );
    let error = row.last_error.expect("last error");
    assert!(
        error.starts_with(&format!(
            "could not deliver message `{}` to `127.0.0.1:{port}`: ",
            message_id(0)
        )),
        "{error}"
    );

    let server = SmtpServer::start(
        setup.work.path(),
        port,
        &ServerTls::None,
        &Handler::mailbox(),
    );
    // Not due yet: the server is up, but the retry waits for its time.
    assert_eq!(
        setup.flush(&transport, &policy).await,
        FlushReport::default()
    );
    assert_eq!(server.message_count(), 0);

    setup.clock.advance(chrono::Duration::seconds(2));
    let report = setup.flush(&transport, &policy).await;

    assert_eq!(
        report,
        FlushReport {
            sent: 1,
            ..FlushReport::default()
        }
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once");
    assert_is_message(&arrived(&messages[0]), 0);
    let row = setup.row(ids[0]).await;
    assert_eq!(row.status, OutboxStatus::Sent);
    assert_eq!(row.attempts, 2);
    assert_eq!(row.sent_at, Some(setup.clock.now()));
    assert_eq!(row.last_error, None);

    setup.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        setup.flush(&transport, &policy).await,
        FlushReport::default()
    );
    assert_eq!(
        server.message_count(),
        1,
        "a sent message is not sent again"
    );
    assert!(setup.alert_rows().await.is_empty());
}

#[tokio::test]
async fn a_451_is_retried_and_delivered_once() {
    let setup = Setup::new().await;
    let server = SmtpServer::start(
        setup.work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::scripted(["451 4.3.0 greylisted, try again later"]),
    );
    let transport = plain_transport(server.port());
    let policy = policy(8);
    let ids = setup.enqueue(0..1).await;

    let report = setup.flush(&transport, &policy).await;

    assert_eq!(
        report,
        FlushReport {
            retrying: 1,
            ..FlushReport::default()
        }
    );
    let row = setup.row(ids[0]).await;
    assert_eq!((row.status, row.attempts), (OutboxStatus::Queued, 1));
    let error = row.last_error.expect("last error");
    assert!(
        error.ends_with("with 451: 4.3.0 greylisted, try again later"),
        "{error}"
    );
    assert_eq!(server.message_count(), 0);

    setup.clock.advance(chrono::Duration::seconds(1));
    let report = setup.flush(&transport, &policy).await;

    assert_eq!(
        report,
        FlushReport {
            sent: 1,
            ..FlushReport::default()
        }
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "delivered exactly once");
    assert_is_message(&arrived(&messages[0]), 0);
    let row = setup.row(ids[0]).await;
    assert_eq!((row.status, row.attempts), (OutboxStatus::Sent, 2));
    assert!(setup.alert_rows().await.is_empty());
}

#[tokio::test]
async fn a_550_fails_at_once_and_alerts_the_admin_once() {
    let setup = Setup::new().await;
    let server = SmtpServer::start(
        setup.work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::scripted(["550 5.1.1 no such user"]),
    );
    let transport = plain_transport(server.port());
    let policy = policy(8);
    let ids = setup.enqueue(0..1).await;

    let report = setup.flush(&transport, &policy).await;

    // The refusal fails the message; the alert it queues goes out in the same flush.
    assert_eq!(
        report,
        FlushReport {
            sent: 1,
            failed: 1,
            ..FlushReport::default()
        }
    );
    let row = setup.row(ids[0]).await;
    assert_eq!((row.status, row.attempts), (OutboxStatus::Failed, 1));
    assert!(row.alerted);
    let error = row.last_error.expect("last error");
    assert!(error.ends_with("with 550: 5.1.1 no such user"), "{error}");

    let alerts = setup.alert_rows().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].recipient, ADMIN);
    assert_eq!(alerts[0].subject, ALERT_SUBJECT);
    assert_eq!(alerts[0].status, OutboxStatus::Sent);

    let messages = server.messages();
    assert_eq!(messages.len(), 1, "only the alert arrives");
    let alert = arrived(&messages[0]);
    assert_eq!(alert.subject, ALERT_SUBJECT);
    assert_eq!(alert.to, ADMIN);
    assert_eq!(alert.envelope_to, ADMIN);
    assert!(alert.text.contains(&recipient(0)), "{}", alert.text);
    assert!(alert.text.contains(&subject(0)), "{}", alert.text);
    assert!(alert.text.contains("550"), "{}", alert.text);

    setup.clock.advance(chrono::Duration::hours(1));
    assert_eq!(
        setup.flush(&transport, &policy).await,
        FlushReport::default()
    );
    assert_eq!(setup.alert_rows().await.len(), 1, "still one alert");
    assert_eq!(server.message_count(), 1);
}

#[tokio::test]
async fn retries_used_up_make_the_message_dead_with_one_alert() {
    let setup = Setup::new().await;
    let port = free_port();
    let transport = plain_transport(port);
    let policy = policy(3);
    let ids = setup.enqueue(0..1).await;

    let first = setup.flush(&transport, &policy).await;
    setup.clock.advance(chrono::Duration::seconds(1));
    let second = setup.flush(&transport, &policy).await;
    let row = setup.row(ids[0]).await;
    assert_eq!((row.status, row.attempts), (OutboxStatus::Queued, 2));
    assert_eq!(
        row.next_attempt_at,
        setup.clock.now() + chrono::Duration::seconds(2),
        "the wait doubles"
    );
    setup.clock.advance(chrono::Duration::seconds(2));
    let third = setup.flush(&transport, &policy).await;

    let retrying = FlushReport {
        retrying: 1,
        ..FlushReport::default()
    };
    assert_eq!((first, second), (retrying, retrying));
    // The third attempt gives up; the alert it queues cannot go out either (it will retry).
    assert_eq!(
        third,
        FlushReport {
            dead: 1,
            retrying: 1,
            ..FlushReport::default()
        }
    );
    let row = setup.row(ids[0]).await;
    assert_eq!((row.status, row.attempts), (OutboxStatus::Dead, 3));
    assert!(row.alerted);
    let alerts = setup.alert_rows().await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].recipient, ADMIN);
    assert_eq!(
        (alerts[0].status, alerts[0].attempts),
        (OutboxStatus::Queued, 1)
    );

    let server = SmtpServer::start(
        setup.work.path(),
        port,
        &ServerTls::None,
        &Handler::mailbox(),
    );
    setup.clock.advance(chrono::Duration::seconds(1));
    let report = setup.flush(&transport, &policy).await;

    assert_eq!(
        report,
        FlushReport {
            sent: 1,
            ..FlushReport::default()
        }
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "the alert, and not the dead message");
    let alert = arrived(&messages[0]);
    assert_eq!(alert.subject, ALERT_SUBJECT);
    assert_eq!(alert.to, ADMIN);
    assert!(alert.text.contains("3回試行"), "{}", alert.text);
    assert_eq!(setup.alert_rows().await.len(), 1, "still one alert");
    assert_eq!(setup.row(ids[0]).await.status, OutboxStatus::Dead);
}

#[tokio::test]
async fn a_row_leased_by_another_holder_is_left_alone_until_its_lease_ends() {
    let setup = Setup::new().await;
    let server = SmtpServer::start(
        setup.work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::mailbox(),
    );
    let transport = plain_transport(server.port());
    let policy = policy(8);
    let ids = setup.enqueue(0..1).await;
    // Another sender (a second process on the same store) has leased the row and is sending it.
    let other = open_store(setup.work.path()).await;
    let now = setup.clock.now();
    let leased = other
        .lease_due("other:2", now, now + LEASE, 50)
        .await
        .expect("lease");
    assert_eq!(
        leased.iter().map(|message| message.id).collect::<Vec<_>>(),
        ids
    );

    assert_eq!(
        setup.flush(&transport, &policy).await,
        FlushReport::default()
    );
    assert_eq!(
        server.message_count(),
        0,
        "not sent while the other holds it"
    );

    // The other sender died: its lease runs out and this one delivers the message, once.
    setup.clock.advance(LEASE + chrono::Duration::seconds(1));
    let report = setup.flush(&transport, &policy).await;

    assert_eq!(
        report,
        FlushReport {
            sent: 1,
            ..FlushReport::default()
        }
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_is_message(&arrived(&messages[0]), 0);
    assert_eq!(setup.row(ids[0]).await.status, OutboxStatus::Sent);
    other.close().await;
}

#[tokio::test]
async fn two_flushes_at_once_send_every_row_once() {
    let setup = Setup::new().await;
    let server = SmtpServer::start(
        setup.work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::slow(Duration::from_millis(20)),
    );
    let transport_a = plain_transport(server.port());
    let transport_b = plain_transport(server.port());
    let policy = policy(8);
    let ids = setup.enqueue(0..12).await;
    // Two processes: two stores on the same file, two holders.
    let store_b = open_store(setup.work.path()).await;

    let (a, b) = tokio::join!(
        flush(
            &setup.store,
            &transport_a,
            &setup.mail,
            &policy,
            &setup.clock,
            "host:1"
        ),
        flush(
            &store_b,
            &transport_b,
            &setup.mail,
            &policy,
            &setup.clock,
            "host:2"
        ),
    );
    let (a, b) = (a.expect("flush a"), b.expect("flush b"));

    assert_eq!(a.sent + b.sent, 12, "{a:?} {b:?}");
    assert_eq!((a.retrying, a.failed, a.dead), (0, 0, 0));
    assert_eq!((b.retrying, b.failed, b.dead), (0, 0, 0));
    let mut arrived_ids: Vec<String> = server
        .messages()
        .iter()
        .map(|bytes| arrived(bytes).message_id)
        .collect();
    arrived_ids.sort();
    let expected: Vec<String> = (0..12).map(message_id).collect();
    assert_eq!(arrived_ids, expected, "every message exactly once");
    let rows = setup.rows().await;
    for id in ids {
        assert_eq!(rows[&id].status, OutboxStatus::Sent);
        assert_eq!(rows[&id].attempts, 1);
    }
    store_b.close().await;
}

/// A sender leases a batch of messages for five minutes and sends them one after the other. When
/// the server is slow (a minute a message here, in simulated time), the batch outlasts the lease:
/// a second sender then takes the rows the first still means to send. Neither may send a row the
/// other sends.
#[tokio::test]
async fn a_batch_that_outlasts_its_lease_is_not_sent_twice() {
    let setup = Setup::new().await;
    let server = SmtpServer::start(
        setup.work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::slow(Duration::from_millis(150)),
    );
    let transport_a = plain_transport(server.port());
    let transport_b = plain_transport(server.port());
    let policy = policy(8);
    setup.enqueue(0..8).await;
    let store_b = open_store(setup.work.path()).await;

    let first = flush(
        &setup.store,
        &transport_a,
        &setup.mail,
        &policy,
        &setup.clock,
        "host:1",
    );
    let second = async {
        // Each message the first sender delivers takes a minute of simulated time.
        for count in 1..=6 {
            while server.message_count() < count {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            setup.clock.advance(chrono::Duration::minutes(1));
        }
        // Six minutes on, the first sender's five-minute lease has run out; it is still sending.
        flush(
            &store_b,
            &transport_b,
            &setup.mail,
            &policy,
            &setup.clock,
            "host:2",
        )
        .await
    };
    let (a, b) = tokio::join!(first, second);
    let (a, b) = (a.expect("flush a"), b.expect("flush b"));

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for bytes in server.messages() {
        *counts.entry(arrived(&bytes).message_id).or_default() += 1;
    }
    let twice: Vec<&String> = counts
        .iter()
        .filter(|(_, count)| **count > 1)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        twice,
        Vec::<&String>::new(),
        "sent twice (first sender {a:?}, second {b:?})"
    );
    assert_eq!(counts.len(), 8);
    assert_eq!(a.sent + b.sent, 8, "{a:?} {b:?}");
    store_b.close().await;
}

#[tokio::test]
async fn twenty_messages_go_over_one_pooled_starttls_connection() {
    let setup = Setup::new().await;
    let certs = TestCerts::generate(&setup.work.path().join("certs"));
    let server = SmtpServer::start(
        setup.work.path(),
        free_port(),
        &ServerTls::StartTls(&certs),
        &Handler::mailbox(),
    );
    let transport = transport(
        &format!("smtp+starttls://127.0.0.1:{}", server.port()),
        Some(&certs),
    );
    let policy = policy(8);
    let ids = setup.enqueue(0..20).await;

    let report = setup.flush(&transport, &policy).await;

    assert_eq!(
        report,
        FlushReport {
            sent: 20,
            ..FlushReport::default()
        }
    );
    let delivered: Vec<Arrived> = server
        .messages()
        .iter()
        .map(|bytes| arrived(bytes))
        .collect();
    assert_eq!(delivered.len(), 20);
    // Oldest first, each intact (lettre sends CRLF line ends).
    for (index, message) in delivered.iter().enumerate() {
        assert_is_message(message, index);
        assert_eq!(
            message.text.replace("\r\n", "\n"),
            format!("令和4年度の運用状況を送付します（{index}）。\n"),
        );
    }
    let peers: std::collections::BTreeSet<&str> = delivered
        .iter()
        .map(|message| message.peer.as_str())
        .collect();
    assert_eq!(peers.len(), 1, "one reused connection: {peers:?}");
    let rows = setup.rows().await;
    for id in ids {
        assert_eq!(rows[&id].status, OutboxStatus::Sent);
    }
}
