//! `mamori jobs run` and `mamori mail …` delivering to a real SMTP server: aiosmtpd on loopback
//! (`mamori_test_support::smtp`), over STARTTLS with a test CA named by `[mail] ca-file`, or in
//! clear text to 127.0.0.1. Approval before the first send, one message per recipient with the
//! report attached, no second send of a fire, a flush killed mid-delivery and run again, and a
//! refusal that fails the run and alerts the admin.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use chrono::{TimeZone as _, Utc};
use mail_parser::{MessageParser, MimeHeaders as _};
use mamori_mail::{Draft, compose};
use mamori_store::{NewMessage, Store, StoreConfig};
use mamori_test_support::smtp::{Handler, ServerTls, SmtpServer, TestCerts, free_port};

use crate::support::samples;

const JOB: &str = "annual-report";
const FROM: &str = "総務課 <soumu@city.example.jp>";
const ADMIN: &str = "johosys@city.example.jp";
const RECIPIENTS: [(&str, &str); 2] = [
    ("総務課", "soumu@city.example.jp"),
    ("議会事務局", "gikai@city.example.jp"),
];
const AS_OF: &str = "2023-05-10";
const ATTACHMENT: &str = "運用状況_令和4年度.xlsx";
const PATIENCE: Duration = Duration::from_secs(10);

/// A project folder: `mamori.toml`, `jobs/annual-report.toml`, the sample spreadsheets in
/// `inbox/`, and the store in `data/`.
pub(crate) struct Project {
    directory: tempfile::TempDir,
}

impl Project {
    /// A project whose mail goes to `url`, trusting the CA in `ca_file` if given.
    fn new(url: &str, ca_file: Option<&Path>) -> Project {
        let directory = tempfile::tempdir().expect("tempdir");
        let ca_line = ca_file
            .map(|path| format!("ca-file = '{}'\n", path.display()))
            .unwrap_or_default();
        let config = format!(
            "[mail]\nurl = \"{url}\"\nfrom = \"{FROM}\"\nadmin = \"{ADMIN}\"\n{ca_line}\n[jobs]\nfolder = \"jobs\"\n"
        );
        std::fs::write(directory.path().join("mamori.toml"), config).expect("write mamori.toml");
        let inbox = directory.path().join("inbox");
        std::fs::create_dir_all(&inbox).expect("inbox");
        for entry in std::fs::read_dir(samples()).expect("samples folder") {
            let path = entry.expect("sample").path();
            let name = path.file_name().expect("file name");
            std::fs::copy(&path, inbox.join(name)).expect("copy sample");
        }
        let project = Project { directory };
        let recipients: Vec<String> = RECIPIENTS
            .iter()
            .map(|(name, address)| format!("{name} <{address}>"))
            .collect();
        project.write_job(&recipients);
        project
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn db(&self) -> PathBuf {
        self.path().join("data").join("mamori.db")
    }

    /// Writes the annual-report job with these recipients.
    fn write_job(&self, recipients: &[String]) {
        let to: Vec<String> = recipients
            .iter()
            .map(|recipient| format!("\"{recipient}\""))
            .collect();
        let job = format!(
            "name = \"{JOB}\"\n\
             description = \"個人情報保護制度の運用状況（年次報告）\"\n\
             schedule = \"0 9 10 5 *\"\n\
             timezone = \"Asia/Tokyo\"\n\n\
             [mail]\n\
             to = [{}]\n\n\
             [annual_report]\n\
             import = \"inbox\"\n\
             fiscal_year = \"previous\"\n\
             years = 3\n\
             attach = [\"xlsx\"]\n",
            to.join(", ")
        );
        let jobs = self.path().join("jobs");
        std::fs::create_dir_all(&jobs).expect("jobs folder");
        std::fs::write(jobs.join(format!("{JOB}.toml")), job).expect("write the job");
    }

    /// `mamori --config mamori.toml --db data/mamori.db ARGS` in the project folder, with no
    /// setting from the environment.
    fn command(&self, arguments: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mamori"));
        command
            .arg("--config")
            .arg(self.path().join("mamori.toml"))
            .arg("--db")
            .arg(self.db())
            .args(arguments)
            .current_dir(self.path())
            .env_remove("MAMORI_DB")
            .env_remove("MAMORI_CONFIG")
            .env_remove("MAMORI_SMTP_URL")
            .env_remove("MAMORI_SMTP_PASSWORD")
            .env_remove("MAMORI_LOG");
        command
    }

    fn run(&self, arguments: &[&str]) -> Output {
        self.command(arguments).output().expect("run mamori")
    }

    /// Runs and parses stdout as JSON.
    fn json(&self, arguments: &[&str]) -> (i32, serde_json::Value) {
        let output = self.run(arguments);
        let value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "`mamori {}` printed no JSON ({error}):\n{}\nstderr:\n{}",
                arguments.join(" "),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().expect("exit code"), value)
    }

    /// `jobs run annual-report --as-of 2023-05-10 --json`.
    fn run_job(&self) -> (i32, serde_json::Value) {
        self.json(&["jobs", "run", JOB, "--as-of", AS_OF, "--json"])
    }

    /// `mail outbox --json`, oldest first.
    fn outbox(&self) -> Vec<serde_json::Value> {
        let (code, json) = self.json(&["mail", "outbox", "--limit", "1000", "--json"]);
        assert_eq!(code, 0, "{json}");
        let mut rows = json.as_array().expect("outbox rows").clone();
        rows.reverse();
        rows
    }
}

/// A delivered message, parsed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivered {
    /// Who the server delivered to (`X-RcptTo`); `None` for a preview file.
    envelope_to: Option<String>,
    to: String,
    subject: String,
    message_id: String,
    text: String,
    attachments: Vec<(String, Vec<u8>)>,
}

fn delivered(bytes: &[u8]) -> Delivered {
    let message = MessageParser::default()
        .parse(bytes)
        .expect("mail-parser parses the message");
    Delivered {
        envelope_to: message
            .header_raw("X-RcptTo")
            .map(|recipients| recipients.trim().to_owned()),
        to: message
            .to()
            .and_then(|to| to.first())
            .and_then(|to| to.address())
            .expect("to")
            .to_owned(),
        subject: message.subject().expect("subject").to_owned(),
        message_id: message.message_id().expect("message id").to_owned(),
        text: message
            .body_text(0)
            .expect("text body")
            .replace("\r\n", "\n"),
        attachments: message
            .attachments()
            .map(|part| {
                (
                    part.attachment_name().expect("attachment name").to_owned(),
                    part.contents().to_vec(),
                )
            })
            .collect(),
    }
}

fn string(value: &serde_json::Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"))
}

fn file_names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("read {}: {error}", folder.display()))
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .collect();
    names.sort();
    names
}

/// A count as the Markdown table shows it (`1,234`).
fn grouped(count: i64) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[test]
fn a_job_previews_until_approved_then_sends_each_recipient_the_report_once() {
    let project_dir = tempfile::tempdir().expect("tempdir");
    let certs = TestCerts::generate(&project_dir.path().join("certs"));
    let server = SmtpServer::start(
        project_dir.path(),
        free_port(),
        &ServerTls::StartTls(&certs),
        &Handler::mailbox(),
    );
    let project = Project::new(
        &format!("smtp+starttls://127.0.0.1:{}", server.port()),
        Some(&certs.ca_path),
    );

    // Nobody approved the recipients yet: a preview, and nothing goes out.
    let (code, preview) = project.run_job();
    assert_eq!(code, 0, "{preview}");
    assert_eq!(preview["status"], "preview", "{preview}");
    assert_eq!(preview["queued"], 0);
    assert_eq!(preview["delivery"]["sent"], 0);
    let folder = PathBuf::from(string(&preview["preview"]));
    assert!(
        folder.starts_with(project.path().join("data").join("previews").join(JOB)),
        "{}",
        folder.display()
    );
    assert_eq!(
        file_names(&folder),
        vec![
            "01_soumu@city.example.jp.eml".to_owned(),
            "02_gikai@city.example.jp.eml".to_owned(),
            ATTACHMENT.to_owned(),
        ]
    );
    let previewed =
        delivered(&std::fs::read(folder.join("01_soumu@city.example.jp.eml")).expect("eml"));
    assert!(
        previewed.subject.starts_with("【年次報告】令和4年度 "),
        "{}",
        previewed.subject
    );
    assert_eq!(server.message_count(), 0, "a preview sends nothing");

    let approved = project.run(&["jobs", "approve", JOB]);
    assert_eq!(approved.status.code(), Some(0), "{approved:?}");

    let (code, sent) = project.run_job();
    assert_eq!(code, 0, "{sent}");
    assert_eq!(sent["status"], "sent", "{sent}");
    assert_eq!(sent["queued"], 2);
    assert_eq!(sent["delivery"]["sent"], 2);
    assert_eq!(sent["preview"], serde_json::Value::Null);

    let (code, report) = project.json(&["report", "annual", "--year", "令和4年度", "--json"]);
    assert_eq!(code, 0, "{report}");
    let year = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["label"] == "令和4年度")
        .unwrap_or_else(|| panic!("a 令和4年度 row: {report}"));
    let requests = year["values"]["disclosure_requests"]
        .as_i64()
        .unwrap_or_else(|| panic!("disclosure_requests of 令和4年度: {year}"));
    let request_column = report["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .position(|category| category["key"] == "disclosure_requests")
        .expect("a disclosure_requests column");

    let messages: Vec<Delivered> = server
        .wait_for_messages(2, PATIENCE)
        .iter()
        .map(|bytes| delivered(bytes))
        .collect();
    assert_eq!(messages.len(), 2, "one message per recipient");
    let mut recipients: Vec<&str> = messages.iter().map(|m| m.to.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(recipients, vec![RECIPIENTS[1].1, RECIPIENTS[0].1]);
    for message in &messages {
        assert_eq!(
            message.envelope_to.as_deref(),
            Some(message.to.as_str()),
            "each recipient gets a message of their own"
        );
        assert!(
            message.subject.starts_with("【年次報告】令和4年度 "),
            "{}",
            message.subject
        );
        assert_eq!(message.subject, previewed.subject);
        assert!(
            message.text.contains(&format!(
                "| 令和4年度（2022年度） | {} |",
                grouped(requests)
            )),
            "the table in the text body:\n{}",
            message.text
        );
        assert_eq!(message.attachments.len(), 1);
        let (name, bytes) = &message.attachments[0];
        assert_eq!(name, ATTACHMENT);
        let mut workbook = Xlsx::new(Cursor::new(bytes.clone())).expect("the attachment is xlsx");
        let table = workbook
            .worksheet_range("運用状況")
            .expect("sheet 運用状況");
        let row = table
            .rows()
            .position(|row| row.first() == Some(&Data::String("令和4年度".to_owned())))
            .expect("a 令和4年度 row in 運用状況");
        let count = table
            .get((row, 2 + request_column))
            .expect("the disclosure_requests cell");
        assert_eq!(count, &Data::Float(requests as f64));
    }
    let ids: std::collections::BTreeSet<&str> =
        messages.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "a Message-ID per recipient");

    // The same fire again: already queued, nothing more goes out.
    let (code, again) = project.run_job();
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["status"], "skipped", "{again}");
    assert_eq!(again["queued"], 0);
    assert_eq!(again["already_queued"], 2);
    assert_eq!(again["delivery"]["sent"], 0);
    assert_eq!(server.message_count(), 2);

    // New recipients need a new approval.
    project.write_job(&[
        "総務課 <soumu@city.example.jp>".to_owned(),
        "議会事務局 <gikai@city.example.jp>".to_owned(),
        "広報課 <kouhou@city.example.jp>".to_owned(),
    ]);
    let (code, changed) = project.run_job();
    assert_eq!(code, 0, "{changed}");
    assert_eq!(changed["status"], "preview", "{changed}");
    assert_eq!(changed["delivery"]["sent"], 0);
    assert_eq!(server.message_count(), 2);
    let rows = project.outbox();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|row| row["status"] == "sent"), "{rows:?}");
}

#[test]
fn mail_test_over_plain_smtp_to_loopback_arrives() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::mailbox(),
    );
    let project = Project::new(&format!("smtp://127.0.0.1:{}", server.port()), None);

    let (code, json) = project.json(&["mail", "test", "--to", "x@example.jp", "--json"]);

    assert_eq!(code, 0, "{json}");
    assert_eq!(json["status"], "sent", "{json}");
    assert_eq!(json["last_error"], serde_json::Value::Null);
    let messages = server.wait_for_messages(1, PATIENCE);
    assert_eq!(messages.len(), 1);
    let message = delivered(&messages[0]);
    assert_eq!(message.subject, "【mamori】テストメール（送信設定の確認）");
    assert_eq!(message.to, "x@example.jp");
    assert_eq!(message.envelope_to.as_deref(), Some("x@example.jp"));
    assert_eq!(message.message_id, string(&json["message_id"]));
    assert!(
        message
            .text
            .contains("mamori の送信設定の確認用メールです。"),
        "{}",
        message.text
    );
}

/// Messages queued as `jobs run` queues them: one recipient each, a Japanese subject.
fn queue_messages(db: &Path, count: usize) -> Vec<(String, String)> {
    let now = Utc
        .with_ymd_and_hms(2023, 5, 10, 0, 0, 0)
        .single()
        .expect("valid instant");
    let mut expected = Vec::new();
    let mut messages = Vec::new();
    for index in 0..count {
        let recipient = format!("kakari{index:02}@city.example.jp");
        let draft = Draft {
            from: FROM.parse().expect("from"),
            to: vec![recipient.parse().expect("to")],
            subject: format!("【年次報告】令和4年度 運用状況（{index}）"),
            text: format!("令和4年度の運用状況です（{index}）。\n"),
            html: None,
            attachments: Vec::new(),
            message_id: format!("mamori.kill-test.{index:02}@city.example.jp"),
            date: now.into(),
        };
        let composed = compose(&draft).expect("compose");
        expected.push((recipient.clone(), composed.message_id.clone()));
        messages.push(NewMessage {
            job: JOB.to_owned(),
            dedupe_key: "20230510T000000Z/report".to_owned(),
            recipient,
            message_id: composed.message_id,
            envelope_from: composed.envelope_from,
            envelope_to: composed.envelope_to,
            subject: draft.subject,
            bytes: composed.bytes,
            created_at: now,
        });
    }
    std::fs::create_dir_all(db.parent().expect("store folder")).expect("store folder");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&StoreConfig::sqlite_file(db))
            .await
            .expect("open store");
        let ids = store.enqueue(&messages).await.expect("enqueue");
        assert!(ids.iter().all(Option::is_some), "{ids:?}");
        store.close().await;
    });
    expected
}

#[test]
fn a_flush_killed_mid_delivery_is_finished_by_the_next_with_at_most_one_duplicate() {
    let work = tempfile::tempdir().expect("tempdir");
    // Each message is stored, then its 250 waits: a kill lands while one is in flight.
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::slow(Duration::from_millis(150)),
    );
    let project = Project::new(&format!("smtp://127.0.0.1:{}", server.port()), None);
    let expected = queue_messages(&project.db(), 30);

    let mut flush = project
        .command(&["mail", "flush", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mamori mail flush");
    server.wait_for_messages(3, PATIENCE);
    assert_eq!(
        flush.try_wait().expect("poll the flush"),
        None,
        "the flush is still delivering when it is killed"
    );
    flush.kill().expect("SIGKILL the flush");
    flush.wait().expect("reap the flush");
    let arrived_before = server.message_count();
    assert!(arrived_before < 30, "{arrived_before}");

    // Flush again until nothing is queued.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (code, report) = project.json(&["mail", "flush", "--json"]);
        assert_eq!(code, 0, "{report}");
        let (_, queued) = project.json(&["mail", "outbox", "--status", "queued", "--json"]);
        let queued: Vec<(i64, i64)> = queued
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| {
                let number = |key: &str| row[key].as_i64().expect("a number");
                (number("id"), number("attempts"))
            })
            .collect();
        if queued.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} messages still queued {PATIENCE:?} after the flush was killed ({arrived_before} had \
             arrived by then; {} have now); (id, attempts): {queued:?}",
            queued.len(),
            server.message_count()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let mut received: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for bytes in server.messages() {
        let message = delivered(&bytes);
        received
            .entry(message.envelope_to.expect("X-RcptTo"))
            .or_default()
            .push(message.message_id);
    }
    let mut duplicated = Vec::new();
    for (recipient, message_id) in &expected {
        let ids = received
            .get(recipient)
            .unwrap_or_else(|| panic!("{recipient} received nothing"));
        assert!(
            (1..=2).contains(&ids.len()),
            "{recipient} received {} copies",
            ids.len()
        );
        assert!(
            ids.iter().all(|id| id == message_id),
            "{recipient}: every copy has the queued Message-ID: {ids:?}"
        );
        if ids.len() == 2 {
            duplicated.push(recipient.clone());
        }
    }
    assert_eq!(received.len(), 30, "{received:?}");
    assert!(
        duplicated.len() <= 1,
        "only the message in flight at the kill may arrive twice: {duplicated:?}"
    );
    let rows = project.outbox();
    assert_eq!(rows.len(), 30);
    assert!(rows.iter().all(|row| row["status"] == "sent"), "{rows:?}");
}

#[test]
fn a_refusal_fails_the_run_and_alerts_the_admin() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::scripted(["550 5.1.1 no such user", "550 5.1.1 no such user"]),
    );
    let project = Project::new(&format!("smtp://127.0.0.1:{}", server.port()), None);
    let approved = project.run(&["jobs", "approve", JOB]);
    assert_eq!(approved.status.code(), Some(0), "{approved:?}");

    let (code, run) = project.run_job();

    assert_eq!(code, 1, "{run}");
    assert_eq!(run["status"], "sent", "the run queued its mail: {run}");
    assert_eq!(run["delivery"]["failed"], 2, "{run}");
    let rows = project.outbox();
    let job_rows: Vec<&serde_json::Value> = rows.iter().filter(|row| row["job"] == JOB).collect();
    assert_eq!(job_rows.len(), 2, "{rows:?}");
    for row in &job_rows {
        assert_eq!(row["status"], "failed", "{row}");
        assert_eq!(row["attempts"], 1, "{row}");
        assert!(
            string(&row["last_error"]).ends_with("with 550: 5.1.1 no such user"),
            "{row}"
        );
    }
    let alerts: Vec<&serde_json::Value> = rows.iter().filter(|row| row["job"] == "alert").collect();
    assert_eq!(alerts.len(), 2, "one alert per refused message: {rows:?}");
    for alert in &alerts {
        assert_eq!(alert["recipient"], ADMIN);
        assert_eq!(alert["subject"], "【mamori 障害】ジョブ「annual-report」");
    }
    // The server took the alerts once its refusals were used up.
    let messages = server.wait_for_messages(2, PATIENCE);
    for bytes in &messages {
        let alert = delivered(bytes);
        assert_eq!(alert.to, ADMIN);
        assert_eq!(alert.subject, "【mamori 障害】ジョブ「annual-report」");
        assert!(alert.text.contains("550"), "{}", alert.text);
    }
}
