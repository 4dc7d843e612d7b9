//! Load on a real loopback server: contract audits per second through `POST /api/audit` (a
//! typical docx, each parsed by a real worker process), and the latency of the 年次報告 page with
//! ten years of figures for five 実施機関.
//!
//! ```sh
//! cargo build --release -p mamori-server --bins --examples
//! target/release/examples/bench_serve [AUDITS] [PAGE_REQUESTS]
//! ```
//! (the worker is `target/release/mamori-worker`, next to the examples folder).
#![expect(
    clippy::print_stdout,
    reason = "a benchmark that reports on the terminal"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use mamori_jobs::run::{JobContext, MailSettings};
use mamori_jobs::schedule::ClosedDays;
use mamori_mail::{Transport, TransportUrl};
use mamori_server::{AppState, Auth, ServerConfig, WorkerCommand};
use mamori_store::{Store, StoreConfig};
use mamori_test_support::{Contract, DocxNumbering, Header, STYLES, TableSpec, Value, Wording};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const AGENCIES: &[&str] = &[
    "市長部局",
    "教育委員会",
    "選挙管理委員会",
    "監査委員",
    "議会",
];

fn year_label(year: i32) -> String {
    match year {
        ..=2018 => format!("平成{}年度", year - 1988),
        2019 => "令和元年度".to_owned(),
        _ => format!("令和{}年度", year - 2018),
    }
}

/// One agency's ten years, as a department would send them.
fn ten_years(agency: &str, seed: u64) -> Vec<u8> {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    let mut table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
            decided("不開示"),
            Header::leaf("訂正請求"),
            Header::leaf("利用停止請求"),
            Header::leaf("審査請求"),
        ],
    )
    .title(&format!("{agency} 運用状況"));
    for year in 2013..=2022 {
        let base = seed * 7 + (year as u64 - 2000);
        table = table.row(
            &year_label(year),
            vec![
                Value::Count(base + 6),
                Value::Count(base),
                Value::Count(4),
                Value::Count(2),
                Value::Count(year as u64 % 3),
                Value::Count(1),
                Value::Count(0),
            ],
        );
    }
    table.to_xlsx("運用状況")
}

fn multipart(field: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "mamoriBenchBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// One request on a new connection; (status, the whole answer).
async fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&(String, Vec<u8>)>,
) -> (u16, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some((content_type, bytes)) = body {
        head.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            bytes.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("send");
    if let Some((_, bytes)) = body {
        stream.write_all(bytes).await.expect("send body");
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer[..answer.len().min(64)]);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let arguments: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|argument| argument.parse().ok())
        .collect();
    let audits = arguments.first().copied().unwrap_or(60);
    let page_requests = arguments.get(1).copied().unwrap_or(2000);
    let worker = std::env::current_exe()
        .expect("this program")
        .parent()
        .and_then(|examples| examples.parent())
        .map(|release| release.join("mamori-worker"))
        .filter(|path| path.is_file())
        .expect("build the worker first: cargo build --release -p mamori-server --bins");

    let folder = tempfile::tempdir().expect("temporary folder");
    let data = folder.path().join("mamori-data");
    std::fs::create_dir_all(&data).expect("data folder");
    let store = Store::open(&StoreConfig::sqlite_file(&data.join("mamori.db")))
        .await
        .expect("store");
    let url = TransportUrl::File {
        dir: data.join("outbox"),
    };
    let state = AppState::new(ServerConfig {
        context: JobContext {
            store,
            schema: mamori_core::CategorySchema::default(),
            city: mamori_report::City::default(),
            rollup: mamori_report::Rollup::default(),
            templates: mamori_report::Templates::default(),
            audit_ruleset: None,
            audit_clauses: None,
            mail: MailSettings {
                from: "mamori <mamori@localhost>".parse().expect("from"),
                admin: None,
                transport: url.clone(),
                webhook: None,
            },
            data_dir: data,
        },
        transport: Transport::new(&url, None).expect("transport"),
        holder: "bench:1".to_owned(),
        holder_is_gone: |_| false,
        jobs_dir: folder.path().join("jobs"),
        closed_days: ClosedDays::none(),
        worker: WorkerCommand::new(worker, Vec::new()),
        auth: Auth::none(),
        upload_limit_bytes: mamori_server::DEFAULT_UPLOAD_LIMIT,
        page_templates: None,
        secure_cookies: false,
    })
    .expect("state");
    let listener = mamori_server::bind(&state, "127.0.0.1:0".parse().expect("address"))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(mamori_server::serve_on(
        state,
        listener,
        std::future::pending(),
    ));

    for (index, agency) in AGENCIES.iter().enumerate() {
        let body = multipart(
            "files",
            &format!("{agency}.xlsx"),
            &ten_years(agency, index as u64),
        );
        let (status, _) = request(port, "POST", "/api/import", Some(&body)).await;
        assert_eq!(status, 200, "import {agency}");
    }

    // Audits: a typical contract (the compliant model contract with one clause missing), two
    // clients at a time on two cores.
    let contract = Contract::compliant(STYLES[0], Wording::Standard)
        .without_clause(4)
        .to_docx(DocxNumbering::Typed);
    let body = Arc::new(multipart("contracts", "委託契約書.docx", &contract));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..2 {
        let body = Arc::clone(&body);
        tasks.push(tokio::spawn(async move {
            for _ in (client..audits).step_by(2) {
                let (status, answer) = request(port, "POST", "/api/audit", Some(&body)).await;
                assert_eq!(status, 200);
                // Audited, not refused: the result lists the eight clauses.
                let text = String::from_utf8_lossy(&answer);
                assert_eq!(text.matches("\"title\"").count(), 8, "{text}");
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    let elapsed = started.elapsed();
    println!(
        "audits: {audits} docx ({} bytes) in {:.2} s = {:.1} audits/s (2 clients)",
        contract.len(),
        elapsed.as_secs_f64(),
        audits as f64 / elapsed.as_secs_f64()
    );

    // The 年次報告 page with ten years, four clients.
    let path = "/report?year=2022&years=10";
    let (status, page) = request(port, "GET", path, None).await;
    assert_eq!(status, 200);
    let length = page.len();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..4 {
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for _ in (client..page_requests).step_by(4) {
                let sent = Instant::now();
                let (status, _) = request(port, "GET", path, None).await;
                assert_eq!(status, 200);
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    println!(
        "report page ({length} bytes, 10 years × {} 実施機関): {page_requests} requests in {:.2} s = {:.0}/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (4 clients)",
        AGENCIES.len(),
        elapsed.as_secs_f64(),
        page_requests as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
}
