//! Job runs end to end inside the library: a real SQLite store, real spreadsheets and contracts,
//! mail composed and queued in the outbox, delivered to a `file://` folder, on an injected clock.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use chrono_tz::Asia::Tokyo;
use mail_parser::MimeHeaders as _;
use mamori_jobs::daemon::{DaemonConfig, tick};
use mamori_jobs::outbox::{Clock, RetryPolicy, flush};
use mamori_jobs::run::{JobContext, MailSettings, RunRecord, RunRequest, run_job};
use mamori_jobs::schedule::{ClosedDays, OnClosedDay, next_fires};
use mamori_jobs::spec::{JobSpec, parse};
use mamori_mail::{Transport, TransportUrl};
use mamori_store::{OutboxStatus, RunStatus, RunTrigger, Store, StoreConfig};
use mamori_test_support::{Contract, Header, TableSpec, Value, Wording};

/// A clock the test moves.
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn new(start: DateTime<Utc>) -> TestClock {
        TestClock(Mutex::new(start))
    }

    fn set(&self, time: DateTime<Utc>) {
        *self.0.lock().expect("clock") = time;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }
}

fn tokyo(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Tokyo
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("valid JST time")
        .with_timezone(&Utc)
}

/// A project folder: `jobs/`, `mamori-data/` with the store, and mail into `mamori-data/outbox`.
struct Project {
    folder: tempfile::TempDir,
    context: JobContext,
    transport: Transport,
}

impl Project {
    async fn new() -> Project {
        Project::with_transport(None).await
    }

    /// `outside`: a transport URL that sends outside (its server need not exist: nothing is
    /// flushed in the tests that use it).
    async fn with_transport(outside: Option<&str>) -> Project {
        let folder = tempfile::tempdir().expect("tempdir");
        let data = folder.path().join("mamori-data");
        std::fs::create_dir_all(folder.path().join("jobs")).expect("jobs folder");
        std::fs::create_dir_all(&data).expect("data folder");
        let store = Store::open(&StoreConfig::sqlite_file(&data.join("mamori.db")))
            .await
            .expect("open store");
        let url = match outside {
            Some(url) => TransportUrl::parse(url).expect("url"),
            None => TransportUrl::File {
                dir: data.join("outbox"),
            },
        };
        let transport = Transport::new(&url, None).expect("transport");
        let context = JobContext {
            store,
            schema: mamori_core::CategorySchema::default(),
            city: mamori_report::City::default(),
            rollup: mamori_report::Rollup::default(),
            templates: mamori_report::Templates::default(),
            audit_ruleset: None,
            audit_clauses: None,
            mail: MailSettings {
                from: "総務課 <soumu@city.example.jp>".parse().expect("from"),
                admin: Some("johosys@city.example.jp".parse().expect("admin")),
                transport: url,
                webhook: None,
            },
            data_dir: data,
        };
        Project {
            folder,
            context,
            transport,
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.folder.path().join(relative)
    }

    fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn job(&self, name: &str, text: &str) -> JobSpec {
        let path = self.write(&format!("jobs/{name}.toml"), text.as_bytes());
        parse(text, &path).expect("valid job file")
    }

    async fn run(&self, spec: &JobSpec, scheduled_for: DateTime<Utc>) -> RunRecord {
        let approved = self
            .context
            .store
            .job_state(spec.name())
            .await
            .expect("state")
            .and_then(|state| state.approved_fingerprint);
        run_job(
            &self.context,
            spec,
            approved.as_deref(),
            RunRequest {
                scheduled_for,
                trigger: RunTrigger::Manual,
                dry_run: false,
                now: scheduled_for,
            },
        )
        .await
        .expect("run recorded")
    }

    /// Every `.eml` in the outbox folder: (file name, bytes).
    fn delivered(&self) -> Vec<Vec<u8>> {
        let folder = self.context.data_dir.join("outbox");
        let Ok(entries) = std::fs::read_dir(&folder) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| std::fs::read(path).expect("read"))
            .collect()
    }

    async fn flush(&self, now: DateTime<Utc>) {
        let report = flush(
            &self.context.store,
            &self.transport,
            &self.context.mail,
            &RetryPolicy::standard(),
            &TestClock::new(now),
            "test",
        )
        .await
        .expect("flush");
        assert_eq!(
            report.failed + report.dead + report.retrying,
            0,
            "{report:?}"
        );
    }
}

fn subject_and_to(bytes: &[u8]) -> (String, String) {
    let message = mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("a message");
    let subject = message.subject().unwrap_or_default().to_owned();
    let to = message
        .to()
        .and_then(|to| to.first())
        .and_then(|address| address.address())
        .unwrap_or_default()
        .to_owned();
    (subject, to)
}

const NOTICE_JOB: &str = r#"
name = "weekly"
description = "週次の契約書チェック"
schedule = "0 9 * * 1"
on_closed_day = "next-open-day"
when_empty = "notify"
[catch_up]
policy = "once"
window = "1d"
[mail]
to = ["a@city.example.jp", "b@city.example.jp"]
[contract_review]
inbox = "inbox"
done = "done"
"#;

#[tokio::test]
async fn a_simulated_year_of_the_daemon_sends_each_fire_once() {
    let project = Project::new().await;
    let mut spec = project.job("weekly", NOTICE_JOB);
    let start = tokyo(2026, 4, 1, 0, 0);
    let end = tokyo(2027, 4, 1, 0, 0);
    let clock = TestClock::new(start);
    let config = DaemonConfig {
        jobs_dir: project.path("jobs"),
        closed: ClosedDays::none(),
        retry: RetryPolicy::standard(),
        holder: "test".to_owned(),
        holder_is_gone: |_| false,
    };
    // Down for two days over Monday 10 August (beyond the one-day window: missed), and for four
    // hours over Monday 5 October 09:00 (caught up once when back).
    let outages = [
        (tokyo(2026, 8, 9, 12, 0), tokyo(2026, 8, 12, 0, 0)),
        (tokyo(2026, 10, 5, 8, 0), tokyo(2026, 10, 5, 12, 0)),
    ];
    let changed_at = tokyo(2026, 12, 1, 0, 0);
    let mut now = start;
    let mut changed = false;
    while now < end {
        if !changed && now >= changed_at {
            // The job file changes while the daemon runs: a third recipient from now on.
            spec = project.job(
                "weekly",
                &NOTICE_JOB.replace(
                    r#"to = ["a@city.example.jp", "b@city.example.jp"]"#,
                    r#"to = ["a@city.example.jp", "b@city.example.jp", "c@city.example.jp"]"#,
                ),
            );
            changed = true;
        }
        let down = outages.iter().any(|(from, to)| now >= *from && now < *to);
        // As the daemon does: wake at the next fire, or after a while anyway (here 110 minutes,
        // never aligned with the fire times), a few seconds late as real wake-ups are.
        let mut wake = now + Duration::minutes(110);
        if !down {
            clock.set(now);
            let report = tick(
                &project.context,
                &project.transport,
                std::slice::from_ref(&spec),
                &config,
                &clock,
            )
            .await
            .expect("tick");
            if let Some(next) = report.next_fire {
                wake = wake.min(next + Duration::seconds(3));
            }
        }
        now = wake;
    }

    let expected: Vec<DateTime<Utc>> = next_fires(
        spec.schedule(),
        OnClosedDay::NextOpenDay,
        &ClosedDays::none(),
        start,
        60,
    )
    .into_iter()
    .map(|fire| fire.at)
    .filter(|at| *at < end)
    .collect();
    assert_eq!(
        expected.len(),
        52,
        "52 Mondays; those on holidays move to the next open day"
    );
    let golden_week = tokyo(2026, 5, 7, 9, 0);
    assert!(
        expected.contains(&golden_week),
        "Monday 4 May (みどりの日) moves to Thursday 7 May"
    );
    assert!(!expected.contains(&tokyo(2026, 5, 4, 9, 0)));

    let runs = project
        .context
        .store
        .runs(Some("weekly"), 1000)
        .await
        .expect("runs");
    let mut handled: Vec<DateTime<Utc>> = runs.iter().map(|run| run.scheduled_for).collect();
    handled.sort();
    assert_eq!(handled, expected, "every fire handled exactly once");
    let missed: Vec<_> = runs
        .iter()
        .filter(|run| run.status == RunStatus::Missed)
        .collect();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].scheduled_for, tokyo(2026, 8, 10, 9, 0));
    let caught_up: Vec<_> = runs
        .iter()
        .filter(|run| run.trigger == RunTrigger::CatchUp)
        .collect();
    assert_eq!(caught_up.len(), 1);
    assert_eq!(caught_up[0].scheduled_for, tokyo(2026, 10, 5, 9, 0));
    assert!(caught_up[0].started_at >= tokyo(2026, 10, 5, 12, 0));

    let sent_runs = runs
        .iter()
        .filter(|run| run.status == RunStatus::Sent)
        .count();
    assert_eq!(sent_runs, expected.len() - 1);
    let after_change = expected.iter().filter(|at| **at >= changed_at).count();
    let outbox = project
        .context
        .store
        .outbox(None, 10_000)
        .await
        .expect("outbox");
    assert!(outbox.iter().all(|row| row.status == OutboxStatus::Sent));
    assert_eq!(
        outbox.len(),
        (sent_runs - after_change) * 2 + after_change * 3
    );
    assert_eq!(
        project.delivered().len(),
        outbox.len(),
        "one .eml per message"
    );
    let first = &project.delivered()[0];
    let (subject, _) = subject_and_to(first);
    assert_eq!(subject, "【報告事項なし】週次の契約書チェック");
}

#[tokio::test]
async fn a_rerun_of_the_same_fire_sends_nothing_more() {
    let project = Project::new().await;
    let spec = project.job("weekly", NOTICE_JOB);
    let fire = tokyo(2026, 11, 30, 9, 0);
    let first = project.run(&spec, fire).await;
    assert_eq!(first.status, "sent");
    assert_eq!(first.queued, 2);
    let second = project.run(&spec, fire).await;
    assert_eq!(second.status, "skipped");
    assert_eq!((second.queued, second.already_queued), (0, 2));
    assert!(
        second.detail.contains("再送しませんでした"),
        "{}",
        second.detail
    );
    project.flush(fire).await;
    let delivered = project.delivered();
    assert_eq!(delivered.len(), 2);
    let recipients: Vec<String> = delivered
        .iter()
        .map(|bytes| subject_and_to(bytes).1)
        .collect();
    assert_eq!(
        recipients
            .iter()
            .filter(|to| *to == "a@city.example.jp")
            .count(),
        1
    );
    assert_eq!(
        recipients
            .iter()
            .filter(|to| *to == "b@city.example.jp")
            .count(),
        1
    );
    // A later fire is a new mail.
    let third = project.run(&spec, fire + Duration::days(7)).await;
    assert_eq!(third.queued, 2);
}

#[tokio::test]
async fn new_or_changed_recipients_render_a_preview_until_approved() {
    let project = Project::with_transport(Some("smtps://mail.city.example.jp")).await;
    let spec = project.job("weekly", NOTICE_JOB);
    let fire = tokyo(2026, 11, 30, 9, 0);
    let preview = project.run(&spec, fire).await;
    assert_eq!(preview.status, "preview");
    assert_eq!(preview.queued, 0);
    let folder = preview.preview.clone().expect("preview folder");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("preview written")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["01_a@city.example.jp.eml", "02_b@city.example.jp.eml"]
    );
    assert!(
        preview.detail.contains("mamori jobs approve weekly"),
        "{}",
        preview.detail
    );
    assert!(
        project
            .context
            .store
            .outbox(None, 10)
            .await
            .expect("outbox")
            .is_empty()
    );

    project
        .context
        .store
        .approve_job("weekly", &spec.recipients_fingerprint(), fire)
        .await
        .expect("approve");
    let sent = project.run(&spec, fire + Duration::days(7)).await;
    assert_eq!((sent.status, sent.queued), ("sent", 2));

    let changed = project.job(
        "weekly",
        &NOTICE_JOB.replace("\"b@city.example.jp\"", "\"b@city.exmaple.jp\""),
    );
    let again = project.run(&changed, fire + Duration::days(14)).await;
    assert_eq!(
        again.status, "preview",
        "a changed recipient list waits for approval"
    );
    assert_eq!(
        project
            .context
            .store
            .outbox(None, 10)
            .await
            .expect("outbox")
            .len(),
        2
    );
}

#[tokio::test]
async fn nothing_to_report_is_a_notice_or_a_recorded_skip() {
    let project = Project::new().await;
    let notify = project.job("weekly", NOTICE_JOB);
    let fire = tokyo(2026, 11, 30, 9, 0);
    let record = project.run(&notify, fire).await;
    assert_eq!(record.status, "sent");
    project.flush(fire).await;
    let (subject, _) = subject_and_to(&project.delivered()[0]);
    assert!(subject.starts_with("【報告事項なし】"), "{subject}");

    let skip = project.job(
        "quiet",
        &NOTICE_JOB
            .replace("name = \"weekly\"", "name = \"quiet\"")
            .replace("when_empty = \"notify\"", "when_empty = \"skip\""),
    );
    let record = project.run(&skip, fire).await;
    assert_eq!(record.status, "skipped");
    assert!(
        record.detail.contains("when_empty = \"skip\""),
        "{}",
        record.detail
    );
    let history = project
        .context
        .store
        .runs(Some("quiet"), 5)
        .await
        .expect("runs");
    assert_eq!(history[0].status, RunStatus::Skipped);
    assert!(history[0].detail.contains("送りませんでした"));
}

#[tokio::test]
async fn each_contract_is_mailed_once_with_a_digest_and_moved_to_done() {
    let project = Project::new().await;
    let spec = project.job("weekly", NOTICE_JOB);
    let style = mamori_test_support::STYLES[0];
    let compliant = Contract::compliant(style, Wording::Standard);
    project.write("inbox/委託契約書_適合.txt", compliant.to_text().as_bytes());
    project.write(
        "inbox/委託契約書_不足.txt",
        compliant.without_clause(3).to_text().as_bytes(),
    );
    let fire = tokyo(2026, 11, 30, 9, 0);
    let record = project.run(&spec, fire).await;
    assert_eq!(record.status, "sent", "{record:?}");
    // Two contracts and a digest, to two recipients each.
    assert_eq!(record.queued, 6);
    assert!(!project.path("inbox/委託契約書_適合.txt").exists());
    assert!(project.path("done/委託契約書_適合.txt").exists());
    assert!(project.path("done/委託契約書_不足.txt").exists());
    project.flush(fire).await;
    let subjects: Vec<String> = project
        .delivered()
        .iter()
        .map(|bytes| subject_and_to(bytes).0)
        .collect();
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.as_str() == "【契約書チェック】委託契約書_不足.txt: 要確認")
            .count(),
        2,
        "{subjects:#?}"
    );
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.as_str() == "【契約書チェック】委託契約書_適合.txt: 条項がそろっています")
            .count(),
        2,
        "{subjects:#?}"
    );
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.contains("のまとめ（2 件）"))
            .count(),
        2
    );

    // The same contract dropped again: its result went out already; the digest is new.
    project.write("inbox/委託契約書_適合.txt", compliant.to_text().as_bytes());
    let again = project.run(&spec, fire + Duration::days(1)).await;
    assert_eq!((again.queued, again.already_queued), (2, 2));
    assert!(
        project.path("done/委託契約書_適合 (2).txt").exists(),
        "a second copy keeps both"
    );
}

fn table(agency_title: &str, requests: u64, extra_column: bool) -> Vec<u8> {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    let mut headers = vec![
        Header::leaf("開示請求"),
        decided("開示"),
        decided("一部開示"),
    ];
    let mut values = vec![
        Value::Count(requests),
        Value::Count(requests - 1),
        Value::Count(1),
    ];
    if extra_column {
        headers.push(Header::leaf("備考欄の件数"));
        values.push(Value::Count(3));
    }
    TableSpec::new("年度", headers)
        .title(agency_title)
        .row("令和4年度", values)
        .to_xlsx("運用状況")
}

const REMINDER_JOB: &str = r#"
name = "reminder"
schedule = "0 9 15 4 *"
[mail]
to = ["soumu@city.example.jp"]
[figures_reminder]
agencies = ["市長", "教育委員会"]
[figures_reminder.contacts]
"市長" = "shicho@city.example.jp"
"教育委員会" = "kyoiku@city.example.jp"
"#;

#[tokio::test]
async fn the_reminder_names_who_has_not_sent_and_the_cells_to_check() {
    let project = Project::new().await;
    project.write(
        "incoming/市長部局_令和4年度.xlsx",
        &table("市長部局 運用状況", 12, true),
    );
    // 教育委員会 sent a file that cannot be taken in (text where a count belongs).
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    let broken = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
        ],
    )
    .title("教育委員会 運用状況")
    .row(
        "令和4年度",
        vec![
            Value::Text("約5".to_owned()),
            Value::Count(3),
            Value::Count(1),
        ],
    )
    .to_xlsx("運用状況");
    project.write("incoming/教育委員会_令和4年度.xlsx", &broken);
    let summary = mamori_jobs::stage::import::import_folder(
        &project.context.store,
        &project.path("incoming"),
        &project.context.schema,
        "2023-04-10T09:00:00+09:00",
    )
    .await
    .expect("import");
    assert_eq!(summary.imported.len(), 1, "{summary:?}");
    assert_eq!(summary.rejected.len(), 1, "{summary:?}");
    assert!(summary.warnings > 0, "the unknown column is a warning");

    let spec = project.job("reminder", REMINDER_JOB);
    let fire = tokyo(2023, 4, 17, 9, 0);
    let record = project.run(&spec, fire).await;
    assert_eq!(record.status, "sent", "{record:?}");
    assert!(
        record.stages[0].detail.contains("未提出 1"),
        "{:?}",
        record.stages
    );
    project.flush(fire).await;
    let messages: Vec<(String, String, String)> = project
        .delivered()
        .iter()
        .map(|bytes| {
            let message = mail_parser::MessageParser::default()
                .parse(bytes)
                .expect("message");
            let (subject, to) = subject_and_to(bytes);
            (
                to,
                subject,
                message
                    .body_text(0)
                    .unwrap_or_default()
                    .replace("\r\n", "\n"),
            )
        })
        .collect();
    let to_board = messages
        .iter()
        .find(|(to, _, _)| to == "kyoiku@city.example.jp")
        .expect("教育委員会 is reminded");
    assert_eq!(
        to_board.1,
        "【提出のお願い】令和4年度 個人情報保護制度の運用状況（教育委員会）"
    );
    assert!(
        to_board.2.contains("・市長"),
        "lists who has sent: {}",
        to_board.2
    );
    let resend = messages
        .iter()
        .find(|(to, subject, _)| {
            to == "kyoiku@city.example.jp" && subject.starts_with("【再提出のお願い】")
        })
        .expect("教育委員会 is told why its file was not taken in");
    assert!(
        resend.2.contains("教育委員会_令和4年度.xlsx"),
        "{}",
        resend.2
    );
    assert!(
        resend.2.contains("シート「運用状況」のセル B"),
        "names the cell: {}",
        resend.2
    );
    let to_mayor = messages
        .iter()
        .find(|(to, _, _)| to == "shicho@city.example.jp")
        .expect("市長 gets its warnings");
    assert!(to_mayor.1.starts_with("【確認のお願い】"), "{}", to_mayor.1);
    assert!(
        to_mayor.2.contains("シート「運用状況」のセル"),
        "{}",
        to_mayor.2
    );
    assert!(to_mayor.2.contains("備考欄の件数"), "{}", to_mayor.2);
    let overview = messages
        .iter()
        .find(|(to, _, _)| to == "soumu@city.example.jp")
        .expect("the section gets the overview");
    assert!(
        overview.2.contains("未提出:\n・教育委員会"),
        "{}",
        overview.2
    );
}

#[tokio::test]
async fn the_annual_report_job_imports_then_mails_the_workbook() {
    let project = Project::new().await;
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    for entry in std::fs::read_dir(&samples).expect("samples") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        project.write(
            &format!("incoming/{name}"),
            &std::fs::read(&path).expect("sample"),
        );
    }
    let spec = project.job(
        "annual",
        r#"
name = "annual"
schedule = "0 9 10 5 *"
[mail]
to = ["soumu@city.example.jp"]
[annual_report]
import = "incoming"
attach = ["xlsx", "csv"]
"#,
    );
    let fire = tokyo(2023, 5, 10, 9, 0);
    let record = project.run(&spec, fire).await;
    assert_eq!(record.status, "sent", "{record:?}");
    assert!(
        record.stages[0].detail.contains("取込 4 件"),
        "{:?}",
        record.stages
    );
    assert_eq!(
        record.files,
        vec![
            project
                .context
                .data_dir
                .join("reports/運用状況_令和4年度.xlsx"),
            project
                .context
                .data_dir
                .join("reports/運用状況_令和4年度.csv"),
        ]
    );
    project.flush(fire).await;
    let delivered = project.delivered();
    assert_eq!(delivered.len(), 1);
    let message = mail_parser::MessageParser::default()
        .parse(&delivered[0])
        .expect("message");
    assert_eq!(
        message.subject(),
        Some("【年次報告】令和4年度 個人情報の開示請求等の運用状況")
    );
    let names: Vec<String> = message
        .attachments()
        .map(|part| part.attachment_name().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        vec!["運用状況_令和4年度.xlsx", "運用状況_令和4年度.csv"]
    );
    let xlsx = message
        .attachments()
        .next()
        .expect("xlsx")
        .contents()
        .to_vec();
    assert_eq!(
        xlsx,
        std::fs::read(&record.files[0]).expect("report file"),
        "the attachment is the report written to the data folder"
    );
    assert!(
        message
            .body_html(0)
            .is_some_and(|html| html.contains("<table"))
    );
    assert!(
        message
            .body_text(0)
            .is_some_and(|text| text.contains("令和4年度"))
    );
}

#[tokio::test]
async fn a_failing_stage_fails_the_run_and_alerts_the_admin() {
    let project = Project::new().await;
    let spec = project.job(
        "annual",
        r#"
name = "annual"
schedule = "0 9 10 5 *"
[mail]
to = ["soumu@city.example.jp"]
[annual_report]
import = "no-such-folder"
"#,
    );
    let fire = tokyo(2023, 5, 10, 9, 0);
    let record = project.run(&spec, fire).await;
    assert_eq!(record.status, "failed");
    assert_eq!(
        record.stages.last().map(|stage| stage.outcome.as_str()),
        Some("failed")
    );
    assert!(
        record.detail.contains("取込で失敗しました"),
        "{}",
        record.detail
    );
    let outbox = project
        .context
        .store
        .outbox(None, 10)
        .await
        .expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].job, "alert");
    assert_eq!(outbox[0].recipient, "johosys@city.example.jp");
    project.flush(fire).await;
    let (subject, to) = subject_and_to(&project.delivered()[0]);
    assert_eq!(
        (subject.as_str(), to.as_str()),
        ("【mamori 障害】ジョブ「annual」", "johosys@city.example.jp")
    );
    let history = project
        .context
        .store
        .runs(Some("annual"), 5)
        .await
        .expect("runs");
    assert_eq!(history[0].status, RunStatus::Failed);
    assert!(history[0].stages.contains("\"outcome\":\"failed\""));
}

/// A web hook on loopback that answers 500 to the first post and 204 to the next, and hands
/// every request body to the test.
fn flaky_webhook() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    let (bodies_tx, bodies_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (index, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { break };
            let mut request = Vec::new();
            let mut buffer = [0_u8; 4096];
            // Read the head, then as many body bytes as Content-Length says.
            loop {
                let read = stream.read(&mut buffer).unwrap_or(0);
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length = text[..head_end]
                        .lines()
                        .find_map(|line| {
                            let (name, value) = line.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())
                                .flatten()
                        })
                        .unwrap_or(0);
                    if request.len() >= head_end + 4 + length {
                        break;
                    }
                }
            }
            let text = String::from_utf8_lossy(&request).into_owned();
            let body = text
                .split_once("\r\n\r\n")
                .map(|(_, body)| body.to_owned())
                .unwrap_or_default();
            let _ = bodies_tx.send(body);
            let status = if index == 0 {
                "500 Internal Server Error"
            } else {
                "204 No Content"
            };
            let _ = stream.write_all(
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    (url, bodies_rx)
}

#[tokio::test]
async fn a_failed_run_is_posted_to_the_webhook_again_until_it_is_taken() {
    let mut project = Project::new().await;
    let (url, bodies) = flaky_webhook();
    project.context.mail.webhook = Some(mamori_mail::Secret::new(url));
    let spec = project.job(
        "annual",
        r#"
name = "annual"
schedule = "0 9 10 5 *"
[mail]
to = ["soumu@city.example.jp"]
[annual_report]
import = "no-such-folder"
"#,
    );
    let record = project.run(&spec, tokyo(2023, 5, 10, 9, 0)).await;
    assert_eq!(record.status, "failed");
    let first = bodies
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("first post");
    let second = bodies
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("a retry after the 500");
    assert_eq!(first, second, "the same alert is posted again");
    let alert: serde_json::Value = serde_json::from_str(&second).expect("JSON body");
    assert_eq!(alert["job"], "annual");
    assert!(
        alert["summary"]
            .as_str()
            .is_some_and(|s| s.contains("取込で失敗しました")),
        "{alert}"
    );
    assert!(
        bodies
            .recv_timeout(std::time::Duration::from_millis(1500))
            .is_err(),
        "no post after the hook took it"
    );
}
