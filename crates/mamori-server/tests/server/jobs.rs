//! ジョブ: next runs, "run now" and "preview mail" behind a confirmation, history and outbox.

use axum::http::StatusCode;

use crate::support::{Harness, Multipart, Setup};

const ANNUAL: &str = r#"
name = "annual-report"
description = "運用状況の年次報告"
schedule = "0 9 10 5 *"
timezone = "Asia/Tokyo"
on_closed_day = "next-open-day"
when_empty = "notify"

[mail]
to = ["総務課 <soumu@city.example.jp>", "議会事務局 <gikai@city.example.jp>"]

[annual_report]
fiscal_year = "令和4年度"
years = 3
attach = ["xlsx"]
"#;

fn mayor_r4() -> Vec<u8> {
    use mamori_test_support::{Header, TableSpec, Value};
    TableSpec::new("年度", vec![Header::leaf("開示請求"), Header::leaf("開示")])
        .title("市長部局 運用状況")
        .row("令和4年度", vec![Value::Count(5), Value::Count(5)])
        .to_xlsx("運用状況")
}

fn eml_files(harness: &Harness) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(harness.path("mamori-data/outbox")) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "eml"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn a_job_is_previewed_then_run_from_the_page_and_shows_in_history_and_outbox() {
    let harness = Harness::with(Setup {
        jobs: vec![("annual-report", ANNUAL.to_owned())],
        ..Setup::default()
    })
    .await;
    let imported = harness
        .post_multipart(
            "/api/import",
            None,
            &Multipart::default().file("files", "市長部局.xlsx", &mayor_r4()),
        )
        .await
        .json();
    assert_eq!(imported["files"][0]["status"], "imported");

    let page = harness.get("/jobs").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("annual-report"), "{html}");
    assert!(html.contains("<code>0 9 10 5 *</code>"), "{html}");
    // The next fire: 10 May, moved off a closed day when needed, shown in Tokyo time.
    assert!(html.contains("-05-1"), "{html}");
    assert!(html.contains("承認不要（ファイルに出力）"), "{html}");

    let confirm = harness.get("/jobs/annual-report/run?mode=preview").await;
    assert_eq!(confirm.status, StatusCode::OK);
    let confirm_html = confirm.text();
    assert!(
        confirm_html.contains("gikai@city.example.jp"),
        "{confirm_html}"
    );
    let token = confirm.cookie("mamori_csrf").expect("csrf cookie");

    let preview = harness
        .post_form(
            "/jobs/annual-report/run",
            &token,
            &[("csrf", &token), ("mode", "preview")],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let preview_html = preview.text();
    assert!(preview_html.contains("プレビューのみ"), "{preview_html}");
    assert!(preview_html.contains("令和4年度"), "{preview_html}");
    assert!(
        preview_html.contains("soumu@city.example.jp"),
        "{preview_html}"
    );
    assert!(
        preview_html.contains(".xlsx"),
        "the attachment is named: {preview_html}"
    );
    assert!(eml_files(&harness).is_empty(), "a preview sends nothing");

    let without_token = harness
        .post_form("/jobs/annual-report/run", &token, &[("mode", "run")])
        .await;
    assert_eq!(without_token.status, StatusCode::FORBIDDEN);
    assert!(eml_files(&harness).is_empty());

    let run = harness
        .post_form(
            "/jobs/annual-report/run",
            &token,
            &[("csrf", &token), ("mode", "run")],
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text());
    assert!(run.text().contains("送信済み 2 通"), "{}", run.text());
    assert_eq!(eml_files(&harness).len(), 2);

    let listed = harness.get("/api/jobs").await.json();
    assert_eq!(listed["jobs"][0]["name"], "annual-report");
    let statuses: Vec<&str> = listed["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|run| run["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["sent", "preview"]);
    let outbox: Vec<&str> = listed["outbox"]
        .as_array()
        .expect("outbox")
        .iter()
        .filter_map(|message| message["status"].as_str())
        .collect();
    assert_eq!(outbox, vec!["sent", "sent"]);
    let history = harness.get("/api/jobs/annual-report/history").await.json();
    assert_eq!(history["runs"].as_array().map(Vec::len), Some(2));
    assert!(
        history["runs"][0]["stages"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    let page = harness.get("/jobs").await.text();
    assert!(page.contains("送信待ちに登録"), "{page}");
    assert!(page.contains("送信済み"), "{page}");
    let unknown = harness.get("/jobs/none/run").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
