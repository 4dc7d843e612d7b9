//! Job state, runs, the outbox and leases on a real SQLite file.

use chrono::{DateTime, Duration, TimeZone, Utc};
use mamori_store::{
    FinishedRun, NewMessage, OutboxStatus, RunStatus, RunTrigger, Store, StoreConfig,
};

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 7, hour, minute, 0)
        .single()
        .expect("valid instant")
}

async fn open(directory: &tempfile::TempDir) -> Store {
    Store::open(&StoreConfig::sqlite_file(
        &directory.path().join("mamori.db"),
    ))
    .await
    .expect("open store")
}

fn message(job: &str, key: &str, recipient: &str) -> NewMessage {
    NewMessage {
        job: job.to_owned(),
        dedupe_key: key.to_owned(),
        recipient: recipient.to_owned(),
        message_id: format!("{job}.{key}.{recipient}"),
        envelope_from: "mamori@city.example.jp".to_owned(),
        envelope_to: vec![recipient.to_owned()],
        subject: "令和7年度 運用状況".to_owned(),
        bytes: format!("Subject: test\r\n\r\n{recipient}\r\n").into_bytes(),
        created_at: at(0, 0),
    }
}

#[tokio::test]
async fn a_run_queues_its_mail_once_and_moves_the_job_past_its_fire() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    let state = store
        .register_job("annual-report", at(0, 0))
        .await
        .expect("register");
    assert_eq!(state.last_fire_at, None);
    assert_eq!(state.first_seen_at, at(0, 0));

    let messages = [
        message(
            "annual-report",
            "2026-05-07T00:00Z/report",
            "a@city.example.jp",
        ),
        message(
            "annual-report",
            "2026-05-07T00:00Z/report",
            "b@city.example.jp",
        ),
    ];
    let run = store
        .start_run("annual-report", at(0, 0), RunTrigger::Schedule, at(0, 1))
        .await
        .expect("start");
    let queued = store
        .finish_run(&FinishedRun {
            run_id: run,
            finished_at: at(0, 2),
            status: RunStatus::Sent,
            detail: "2 通を送信待ちにしました",
            stages: "[]",
            messages: &messages,
            handled_fire: Some(at(0, 0)),
        })
        .await
        .expect("finish");
    assert_eq!(queued.queued.len(), 2);
    assert!(queued.already_queued.is_empty());

    // A rerun for the same fire queues nothing new.
    let rerun = store
        .start_run("annual-report", at(0, 0), RunTrigger::Manual, at(0, 5))
        .await
        .expect("start rerun");
    let again = store
        .finish_run(&FinishedRun {
            run_id: rerun,
            finished_at: at(0, 6),
            status: RunStatus::Skipped,
            detail: "送信済み",
            stages: "[]",
            messages: &messages,
            handled_fire: None,
        })
        .await
        .expect("finish rerun");
    assert!(again.queued.is_empty());
    assert_eq!(again.already_queued, vec![0, 1]);

    let state = store
        .job_state("annual-report")
        .await
        .expect("state")
        .expect("known");
    assert_eq!(state.last_fire_at, Some(at(0, 0)));
    let runs = store.runs(Some("annual-report"), 10).await.expect("runs");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].status, RunStatus::Skipped);
    assert_eq!(runs[1].status, RunStatus::Sent);
    assert_eq!(runs[1].trigger, RunTrigger::Schedule);
    assert_eq!(store.outbox_of_run(run).await.expect("outbox").len(), 2);
    assert!(store.outbox_of_run(rerun).await.expect("outbox").is_empty());
}

#[tokio::test]
async fn leased_mail_goes_to_one_sender_and_retries_wait_their_turn() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    let ids = store
        .enqueue(&[
            message("mail-test", "1", "a@city.example.jp"),
            message("mail-test", "1", "a@city.example.jp"),
            message("mail-test", "2", "a@city.example.jp"),
        ])
        .await
        .expect("enqueue");
    assert!(ids[0].is_some());
    assert_eq!(ids[1], None, "the same key is queued once");
    assert!(ids[2].is_some());

    let first = store
        .lease_due("one", at(1, 0), at(1, 5), 10)
        .await
        .expect("lease");
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].envelope_to, vec!["a@city.example.jp".to_owned()]);
    assert!(first[0].bytes.ends_with(b"a@city.example.jp\r\n"));
    let second = store
        .lease_due("two", at(1, 1), at(1, 6), 10)
        .await
        .expect("lease");
    assert!(second.is_empty(), "leased rows are not handed out twice");

    store.mark_sent(first[0].id, at(1, 2)).await.expect("sent");
    store
        .mark_retry(first[1].id, at(1, 30), "451 4.3.0 try again")
        .await
        .expect("retry");
    assert!(
        store
            .lease_due("two", at(1, 10), at(1, 15), 10)
            .await
            .expect("lease")
            .is_empty(),
        "not due before its retry time"
    );
    let retried = store
        .lease_due("two", at(1, 30), at(1, 35), 10)
        .await
        .expect("lease");
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 1);
    assert!(
        store
            .give_up(
                retried[0].id,
                OutboxStatus::Dead,
                "451 again",
                &[message("alert", "dead/1", "admin@city.example.jp")]
            )
            .await
            .expect("dead, with its alert")
    );
    assert!(
        !store
            .give_up(
                retried[0].id,
                OutboxStatus::Failed,
                "again",
                &[message("alert", "dead/1b", "admin@city.example.jp")]
            )
            .await
            .expect("given up twice"),
        "a message is given up, and alerted about, once"
    );
    let rows = store.outbox(None, 10).await.expect("outbox");
    let statuses: Vec<_> = rows
        .iter()
        .map(|row| (row.job.as_str(), row.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("alert", OutboxStatus::Queued),
            ("mail-test", OutboxStatus::Dead),
            ("mail-test", OutboxStatus::Sent),
        ]
    );
    assert_eq!(rows[1].attempts, 2);
    assert_eq!(rows[1].last_error.as_deref(), Some("451 again"));
    assert!(rows[1].alerted);
    assert_eq!(rows[2].sent_at, Some(at(1, 2)));
    assert_eq!(store.next_due().await.expect("next"), Some(at(0, 0)));
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_a_live_one_is_refused() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    let minute = Duration::minutes(1);
    assert!(
        store
            .take_lease("daemon", "a", at(2, 0), at(2, 0) + minute)
            .await
            .expect("take")
    );
    assert!(
        !store
            .take_lease("daemon", "b", at(2, 0) + Duration::seconds(30), at(2, 2))
            .await
            .expect("refused")
    );
    assert!(
        store
            .take_lease("daemon", "a", at(2, 0) + Duration::seconds(30), at(2, 2))
            .await
            .expect("renew")
    );
    assert!(
        store
            .take_lease("daemon", "b", at(2, 3), at(2, 4))
            .await
            .expect("expired")
    );
    assert_eq!(
        store.lease("daemon").await.expect("read"),
        Some(("b".to_owned(), at(2, 4)))
    );
    store.release_lease("daemon", "a").await.expect("not held");
    assert!(store.lease("daemon").await.expect("read").is_some());
    store.release_lease("daemon", "b").await.expect("release");
    assert_eq!(store.lease("daemon").await.expect("read"), None);
}

#[tokio::test]
async fn missed_fires_are_listed_and_interrupted_runs_are_closed() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    store
        .register_job("reminder", at(0, 0))
        .await
        .expect("register");
    store
        .record_missed(
            "reminder",
            &[at(3, 0), at(4, 0)],
            5,
            at(5, 0),
            "停止中でした",
        )
        .await
        .expect("missed");
    let state = store
        .job_state("reminder")
        .await
        .expect("state")
        .expect("known");
    assert_eq!(state.last_fire_at, Some(at(4, 0)));
    store
        .start_run("reminder", at(5, 0), RunTrigger::Schedule, at(5, 0))
        .await
        .expect("start");
    assert_eq!(
        store.interrupt_running(at(6, 0)).await.expect("interrupt"),
        1
    );
    let runs = store.runs(None, 10).await.expect("runs");
    let statuses: Vec<_> = runs.iter().map(|run| run.status).collect();
    assert_eq!(
        statuses,
        vec![RunStatus::Interrupted, RunStatus::Missed, RunStatus::Missed]
    );
    assert!(
        runs.iter()
            .any(|run| run.detail == "停止中でした（ほかに 5 回）")
    );
}

#[tokio::test]
async fn audits_are_recorded_listed_newest_first_and_read_back_whole() {
    let directory = tempfile::tempdir().expect("temporary folder");
    let store = open(&directory).await;
    let first = store
        .record_audit(&mamori_store::NewAudit {
            file: "委託契約書.docx",
            sha256: "aa11",
            ruleset: "標準 v1",
            ruleset_version: "1",
            verdict: "fail",
            audited_at: at(9, 0),
            report: r#"{"verdict":"fail"}"#,
        })
        .await
        .expect("record");
    let second = store
        .record_audit(&mamori_store::NewAudit {
            file: "保守契約.pdf",
            sha256: "bb22",
            ruleset: "標準 v1",
            ruleset_version: "1",
            verdict: "pass",
            audited_at: at(9, 5),
            report: r#"{"verdict":"pass"}"#,
        })
        .await
        .expect("record");
    assert!(second > first);
    let listed = store.audits(10).await.expect("list");
    let files: Vec<&str> = listed.iter().map(|row| row.file.as_str()).collect();
    assert_eq!(files, vec!["保守契約.pdf", "委託契約書.docx"]);
    assert_eq!(listed[1].audited_at, at(9, 0));
    let (row, report) = store
        .audit_record(first)
        .await
        .expect("read")
        .expect("present");
    assert_eq!(
        (row.sha256.as_str(), row.verdict.as_str()),
        ("aa11", "fail")
    );
    assert_eq!(report, r#"{"verdict":"fail"}"#);
    assert_eq!(store.audit_record(second + 1).await.expect("read"), None);
    store.close().await;
}
