//! Hostile uploads: each gets a clear error, nothing is stored, the uploads are removed, and the
//! server keeps serving.

use std::io::{Cursor, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mamori_server::WorkerCommand;
use mamori_test_support::{Header, TableSpec, Value};
use rust_xlsxwriter::Workbook;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::support::{Harness, Multipart, Setup, uploads_left, with_host};

fn small_table() -> Vec<u8> {
    TableSpec::new("年度", vec![Header::leaf("開示請求"), Header::leaf("開示")])
        .title("市長部局 運用状況")
        .row("令和4年度", vec![Value::Count(3), Value::Count(3)])
        .to_xlsx("運用状況")
}

/// The server still answers a page and the API after whatever came before.
async fn assert_still_serving(harness: &Harness) {
    assert_eq!(harness.get("/").await.status, StatusCode::OK);
    let figures = harness.get("/api/figures").await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.text());
}

async fn stored_figures(harness: &Harness) -> usize {
    harness.get("/api/figures").await.json()["figures"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_30_mib_upload_is_answered_413_before_it_is_read() {
    let harness = Harness::new().await;
    let big = vec![b'1'; 30 << 20];
    let form = Multipart::default().file("files", "巨大.csv", &big);
    let reply = harness.post_multipart("/api/import", None, &form).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "E-SERVE-004");
    // The page route answers the same as a page.
    let token = harness.csrf_token().await;
    let page = harness.post_multipart("/import", Some(&token), &form).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.text().contains("20 MiB"), "{}", page.text());
    assert_eq!(page.error_code(), "E-SERVE-004");
    assert!(uploads_left(&harness).is_empty());
    assert_still_serving(&harness).await;
}

#[tokio::test]
async fn a_body_without_a_declared_length_is_cut_off_at_the_limit() {
    let harness = Harness::with(Setup {
        upload_limit_bytes: 1 << 20,
        ..Setup::default()
    })
    .await;
    let form = Multipart::default().file("files", "巨大.csv", &vec![b'1'; 3 << 20]);
    // Streamed in chunks with no Content-Length, as a chunked upload arrives.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = form
        .finish()
        .chunks(64 * 1024)
        .map(|chunk| Ok(chunk.to_vec()))
        .collect();
    let request = with_host(Request::post("/api/import"))
        .header(header::CONTENT_TYPE, form.content_type())
        .body(Body::from_stream(futures_stream(chunks)))
        .expect("request");
    let reply = harness.send(request).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text()
    );
    assert_eq!(reply.error_code(), "E-SERVE-004");
    assert!(uploads_left(&harness).is_empty());
    assert_still_serving(&harness).await;
}

/// A stream of chunks (no Content-Length).
fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    ChunkStream(chunks.into_iter())
}

struct ChunkStream(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);

impl futures_core::Stream for ChunkStream {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

/// An archive that looks like an xlsx, with a sheet of 20 MiB of zeros (a few KiB compressed).
fn zip_bomb() -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    for (name, content) in [
        (
            "[Content_Types].xml",
            &b"<?xml version=\"1.0\"?><Types/>"[..],
        ),
        (
            "xl/workbook.xml",
            &b"<?xml version=\"1.0\"?><workbook/>"[..],
        ),
    ] {
        writer.start_file(name, options).expect("entry");
        writer.write_all(content).expect("write");
    }
    writer
        .start_file("xl/worksheets/sheet1.xml", options)
        .expect("entry");
    let chunk = vec![b'0'; 1 << 20];
    for _ in 0..20 {
        writer.write_all(&chunk).expect("write");
    }
    writer.finish().expect("zip").into_inner()
}

/// A 2 KB workbook whose sheet claims A1:XFD1048576: calamine would allocate the whole grid
/// and abort the process (stack.md row 1).
fn whole_grid_claim() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("巨大").expect("name");
    worksheet.write_string(0, 0, "年度").expect("A1");
    worksheet
        .write_number(1_048_575, 16_383, 1.0)
        .expect("XFD1048576");
    workbook.save_to_buffer().expect("saves")
}

#[tokio::test]
async fn a_zip_bomb_and_a_whole_grid_claim_are_refused_and_the_server_keeps_serving() {
    let harness = Harness::new().await;
    let form = Multipart::default()
        .file("files", "爆弾.xlsx", &zip_bomb())
        .file("files", "巨大.xlsx", &whole_grid_claim())
        .file("files", "市長.xlsx", &small_table());
    let reply = harness.post_multipart("/api/import", None, &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let report = reply.json();
    let files = report["files"].as_array().expect("files");
    let summary: Vec<(String, String, String)> = files
        .iter()
        .map(|file| {
            (
                file["path"].as_str().unwrap_or_default().to_owned(),
                file["status"].as_str().unwrap_or_default().to_owned(),
                file["diagnostics"][0]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(summary[0].1, "rejected");
    assert_eq!(summary[0].2, "E-IMPORT-005");
    assert_eq!(summary[1].1, "rejected");
    assert_eq!(summary[1].2, "E-IMPORT-006");
    assert_eq!(files[1]["diagnostics"][0]["sheet"], "巨大");
    // The good file of the same request is stored, each file on its own.
    assert_eq!(summary[2].1, "imported", "{report:#}");
    assert_eq!(stored_figures(&harness).await, 2);
    assert!(uploads_left(&harness).is_empty());
    assert_still_serving(&harness).await;
}

/// A worker that dies the way calamine's allocation failure kills a process.
fn aborting_worker() -> WorkerCommand {
    WorkerCommand::new(
        PathBuf::from("/bin/sh"),
        vec![
            "-c".to_owned(),
            "kill -ABRT $$".to_owned(),
            "worker".to_owned(),
        ],
    )
}

#[tokio::test]
async fn a_worker_killed_by_its_file_costs_only_that_request() {
    let harness = Harness::with(Setup {
        worker: aborting_worker(),
        ..Setup::default()
    })
    .await;
    let token = harness.csrf_token().await;
    let form = Multipart::default().file("files", "市長.xlsx", &small_table());
    let page = harness.post_multipart("/import", Some(&token), &form).await;
    // The preview says the file could not be read, with the code, and offers nothing to import.
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("E-SERVE-006"), "{html}");
    assert!(html.contains("取り込めるファイルはありません"), "{html}");
    // The upload waits for the user's decision; cancelling removes it.
    let cancel = html
        .split("action=\"/import/")
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.ends_with("/cancel"))
        .map(|action| format!("/import/{action}"))
        .expect("a cancel form");
    assert_eq!(uploads_left(&harness).len(), 1);
    let cancelled = harness
        .post_form(&cancel, &token, &[("csrf", &token)])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let contract =
        Multipart::default().file("contracts", "契約書.txt", "第1条 秘密の保持".as_bytes());
    let audit = harness
        .post_multipart("/audit", Some(&token), &contract)
        .await;
    assert!(audit.text().contains("E-SERVE-006"), "{}", audit.text());
    assert!(uploads_left(&harness).is_empty());
    assert_still_serving(&harness).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_parse_does_not_hold_up_other_requests_and_times_out() {
    let mut worker = WorkerCommand::new(
        PathBuf::from("/bin/sh"),
        vec!["-c".to_owned(), "sleep 30".to_owned(), "worker".to_owned()],
    );
    worker.timeout = Duration::from_millis(1500);
    let harness = Harness::with(Setup {
        worker,
        ..Setup::default()
    })
    .await;
    let form = Multipart::default().file("files", "市長.xlsx", &small_table());
    let router = harness.router.clone();
    let started = std::time::Instant::now();
    let slow = tokio::spawn({
        let request = with_host(Request::post("/api/import"))
            .header(header::CONTENT_TYPE, form.content_type())
            .body(Body::from(form.finish()))
            .expect("request");
        async move { tower::ServiceExt::oneshot(router, request).await }
    });
    // Meanwhile, pages and the API answer at once.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_still_serving(&harness).await;
    assert!(
        !slow.is_finished(),
        "the slow parse should still be running"
    );
    let response = slow.await.expect("task").expect("answer");
    assert!(started.elapsed() < Duration::from_secs(10));
    let (parts, body) = response.into_parts();
    assert_eq!(parts.status, StatusCode::OK);
    let body = http_body_util::BodyExt::collect(body)
        .await
        .expect("body")
        .to_bytes();
    let report: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(report["files"][0]["status"], "rejected");
    assert_eq!(report["files"][0]["diagnostics"][0]["code"], "E-SERVE-007");
    assert_eq!(stored_figures(&harness).await, 0);
}

#[tokio::test]
async fn a_file_that_is_no_spreadsheet_or_contract_is_told_by_its_content() {
    let harness = Harness::new().await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let import = harness
        .post_multipart(
            "/api/import",
            None,
            &Multipart::default().file("files", "運用状況.xlsx", png),
        )
        .await
        .json();
    assert_eq!(import["files"][0]["status"], "rejected");
    assert_eq!(import["files"][0]["diagnostics"][0]["code"], "E-SERVE-005");
    let audit = harness
        .post_multipart(
            "/api/audit",
            None,
            &Multipart::default().file("contracts", "契約書.docx", png),
        )
        .await
        .json();
    assert_eq!(audit[0]["error"]["code"], "E-SERVE-005");
    assert_eq!(audit[0]["file"], "契約書.docx");
    assert!(uploads_left(&harness).is_empty());
}
