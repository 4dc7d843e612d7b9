//! The store on a real PostgreSQL server (a throwaway cluster on loopback): the statements that
//! differ most between the two backends — multi-row inserts with numbered parameters, the
//! CASE-based superseding UPDATE … RETURNING, upserts with `excluded`, BYTEA mail, leases — run
//! here exactly as on SQLite.

use chrono::{DateTime, TimeZone, Utc};
use mamori_core::{
    Agency, CategoryKey, CellRef, Code, Diagnostic, Figure, FiscalYear, Location, Provenance,
};
use mamori_store::{
    FinishedRun, ImportStatus, NewImport, NewMessage, OutboxStatus, RunStatus, RunTrigger, Store,
    StoreConfig,
};
use mamori_test_support::postgres::PostgresCluster;

fn figure(year: i32, agency: &str, category: &str, count: u64, file: &str, cell: &str) -> Figure {
    Figure {
        fiscal_year: FiscalYear::new(year).expect("year"),
        agency: Agency::new(agency).expect("agency"),
        category: CategoryKey::new(category).expect("key"),
        count,
        provenance: Provenance::cell(
            file,
            Some("運用状況"),
            CellRef::parse_a1(cell).expect("cell"),
        ),
    }
}

fn import<'a>(
    source: &'a str,
    sha256: &'a str,
    figures: &'a [Figure],
    diagnostics: &'a [Diagnostic],
) -> NewImport<'a> {
    NewImport {
        source,
        sha256,
        size_bytes: 2048,
        format: "xlsx",
        imported_at: "2026-04-10T09:00:00+09:00",
        figures,
        diagnostics,
    }
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 7, hour, 0, 0)
        .single()
        .expect("valid instant")
}

#[tokio::test]
async fn imports_supersede_and_mail_queue_alike_on_postgresql() {
    let cluster = PostgresCluster::start();
    let config = StoreConfig {
        url: cluster.database("mamori"),
    };
    let store = Store::open(&config).await.expect("open and migrate");

    // A batch: the mayor's file, then a corrected one for the same scope, and the board's.
    let first = [
        figure(2022, "市長", "disclosure_requests", 10, "市長.xlsx", "B4"),
        figure(2022, "市長", "disclosed", 7, "市長.xlsx", "C4"),
    ];
    let corrected = [figure(
        2022,
        "市長",
        "disclosure_requests",
        12,
        "市長_訂正.xlsx",
        "B4",
    )];
    let board = [figure(
        2022,
        "教育委員会",
        "disclosure_requests",
        3,
        "教育.xlsx",
        "B4",
    )];
    let warning = Diagnostic::new(
        Code::UnknownColumn,
        Location::cell(
            "教育.xlsx",
            "運用状況",
            CellRef::parse_a1("F3").expect("cell"),
        ),
        "列「備考」は集計の対象外です",
    );
    let outcomes = store
        .record_imports(&[
            import("市長.xlsx", "a1", &first, &[]),
            import("市長_訂正.xlsx", "a2", &corrected, &[]),
            import("教育.xlsx", "a3", &board, std::slice::from_ref(&warning)),
        ])
        .await
        .expect("record a batch");
    assert_eq!(outcomes.len(), 3);
    assert_eq!(outcomes[1].superseded_figures, 2);
    assert_eq!(outcomes[1].superseded_imports, vec![outcomes[0].import_id]);

    let year = FiscalYear::new(2022).expect("year");
    let current = store
        .current_figures_between(year, year)
        .await
        .expect("figures");
    let rows: Vec<(String, String, i64)> = current
        .iter()
        .map(|figure| (figure.agency.clone(), figure.category.clone(), figure.count))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("市長".to_owned(), "disclosure_requests".to_owned(), 12),
            ("教育委員会".to_owned(), "disclosure_requests".to_owned(), 3),
        ]
    );
    let warnings = store
        .warnings_behind_figures(year, year)
        .await
        .expect("warnings");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].cell.as_deref(), Some("F3"));
    let imports = store.imports().await.expect("imports");
    assert_eq!(imports.len(), 3);
    assert_eq!(imports[2].status, ImportStatus::Superseded);
    store.close().await;

    // Reopening runs the migrations again without harm.
    let store = Store::open(&config).await.expect("reopen");
    assert_eq!(store.imports().await.expect("imports").len(), 3);

    // A run queues its mail once; the bytes come back as stored.
    store
        .register_job("annual-report", at(0))
        .await
        .expect("register");
    let message = |recipient: &str| NewMessage {
        job: "annual-report".to_owned(),
        dedupe_key: "20260507T000000Z/report".to_owned(),
        recipient: recipient.to_owned(),
        message_id: format!("mamori.{recipient}"),
        envelope_from: "soumu@city.example.jp".to_owned(),
        envelope_to: vec![recipient.to_owned()],
        subject: "【年次報告】令和4年度".to_owned(),
        bytes: "Subject: x\r\n\r\n①㈱髙\r\n".as_bytes().to_vec(),
        created_at: at(0),
    };
    let messages = [message("a@city.example.jp"), message("b@city.example.jp")];
    let run = store
        .start_run("annual-report", at(0), RunTrigger::Schedule, at(0))
        .await
        .expect("start");
    let queued = store
        .finish_run(&FinishedRun {
            run_id: run,
            finished_at: at(1),
            status: RunStatus::Sent,
            detail: "2 通",
            stages: "[]",
            messages: &messages,
            handled_fire: Some(at(0)),
        })
        .await
        .expect("finish");
    assert_eq!(queued.queued.len(), 2);
    let again = store.enqueue(&messages).await.expect("enqueue again");
    assert_eq!(again, vec![None, None], "queued once");
    let state = store
        .job_state("annual-report")
        .await
        .expect("state")
        .expect("known");
    assert_eq!(state.last_fire_at, Some(at(0)));

    let leased = store
        .lease_due("one", at(2), at(3), 10)
        .await
        .expect("lease");
    assert_eq!(leased.len(), 2);
    assert_eq!(leased[0].bytes, messages[0].bytes);
    assert!(
        store
            .lease_due("two", at(2), at(3), 10)
            .await
            .expect("lease")
            .is_empty()
    );
    assert!(
        store
            .renew_lease(leased[0].id, "one", at(4))
            .await
            .expect("renew")
    );
    assert!(
        !store
            .renew_lease(leased[0].id, "two", at(4))
            .await
            .expect("not theirs")
    );
    assert_eq!(
        store.outbox_lease_holders().await.expect("holders"),
        vec!["one"]
    );
    store.mark_sent(leased[0].id, at(2)).await.expect("sent");
    let alert = NewMessage {
        job: "alert".to_owned(),
        dedupe_key: "annual-report/outbox/2".to_owned(),
        ..message("admin@city.example.jp")
    };
    assert!(
        store
            .give_up(
                leased[1].id,
                OutboxStatus::Failed,
                "550 no such user",
                &[alert]
            )
            .await
            .expect("give up")
    );
    let outbox = store.outbox(None, 10).await.expect("outbox");
    let statuses: Vec<(&str, OutboxStatus)> = outbox
        .iter()
        .map(|row| (row.job.as_str(), row.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("alert", OutboxStatus::Queued),
            ("annual-report", OutboxStatus::Failed),
            ("annual-report", OutboxStatus::Sent),
        ]
    );
    assert_eq!(store.next_due().await.expect("next"), Some(at(0)));

    assert!(
        store
            .take_lease("daemon", "a", at(5), at(6))
            .await
            .expect("take")
    );
    assert!(
        !store
            .take_lease("daemon", "b", at(5), at(6))
            .await
            .expect("refused")
    );
    store.release_lease("daemon", "a").await.expect("release");
    assert_eq!(store.lease("daemon").await.expect("read"), None);

    store
        .record_missed("annual-report", &[at(7)], 0, at(8), "停止中")
        .await
        .expect("missed");
    let runs = store.runs(Some("annual-report"), 10).await.expect("runs");
    let statuses: Vec<RunStatus> = runs.iter().map(|run| run.status).collect();
    assert_eq!(statuses, vec![RunStatus::Missed, RunStatus::Sent]);

    let audit = store
        .record_audit(&mamori_store::NewAudit {
            file: "委託契約書.docx",
            sha256: "aa11",
            ruleset: "標準 v1",
            ruleset_version: "1",
            verdict: "review",
            audited_at: at(9),
            report: r#"{"verdict":"review"}"#,
        })
        .await
        .expect("record an audit");
    let listed = store.audits(5).await.expect("list audits");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].audited_at, at(9));
    let (_, report) = store
        .audit_record(audit)
        .await
        .expect("read")
        .expect("present");
    assert_eq!(report, r#"{"verdict":"review"}"#);
    store.close().await;
}
