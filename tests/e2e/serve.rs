//! `mamori serve` as staff start it: the city's settings, uploads parsed by `mamori worker`
//! children, refusal of an open address without authentication, a clean stop on SIGTERM.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Workspace;

/// A city whose 開示請求 column is headed 開示申出.
const CONFIG: &str = r#"
[categories.synonyms]
disclosure_requests = ["開示申出"]
"#;

const CSV: &str = "年度,開示申出,開示\n令和4年度,6,6\n";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// One HTTP/1.1 exchange; (status, body).
fn http(port: u16, request: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(request).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())?;
    Some((status, body))
}

#[test]
fn an_open_address_without_authentication_is_refused() {
    let workspace = Workspace::new();
    let output = workspace.run(&["serve", "--bind", "0.0.0.0:0"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E-SERVE-001"), "{stderr}");
}

#[test]
fn the_worker_reads_with_the_citys_schema() {
    let workspace = Workspace::new();
    let config = workspace.file("mamori.toml", CONFIG.as_bytes());
    let csv = workspace.file("upload.bin", CSV.as_bytes());
    let output = workspace.run(&[
        "--config",
        config.to_str().expect("utf-8"),
        "worker",
        "spreadsheet",
        csv.to_str().expect("utf-8"),
        "市長部局.csv",
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let reading: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut figures: Vec<(&str, i64)> = reading["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .map(|figure| {
            (
                figure["category"].as_str().unwrap_or_default(),
                figure["count"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    figures.sort_unstable();
    assert_eq!(figures, vec![("disclosed", 6), ("disclosure_requests", 6)]);
}

#[test]
fn a_password_hash_is_made_from_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["serve", "hash-password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("総務課の長い合言葉2026\n".as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("$argon2id$"));
}

#[test]
fn serve_imports_an_upload_through_its_worker_and_stops_on_sigterm() {
    let workspace = Workspace::new();
    let config = workspace.file("mamori.toml", CONFIG.as_bytes());
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(workspace.db())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(workspace.directory.path())
        .env_remove("MAMORI_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let started = Instant::now();
    let home = loop {
        let request =
            format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        if let Some(answer) = http(port, request.as_bytes()) {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(home.0, 200);
    assert!(home.1.contains("lang=\"ja\""));

    let boundary = "mamoriE2eBoundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"市長部局.csv\"\r\n\r\n{CSV}\r\n--{boundary}--\r\n"
    );
    let request = format!(
        "POST /api/import HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, answer) = http(port, request.as_bytes()).expect("an answer");
    assert_eq!(status, 200, "{answer}");
    let report: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(report["files"][0]["status"], "imported", "{report:#}");
    assert_eq!(report["files"][0]["figures"], 2);

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(0));
    // What was imported is in the store.
    let (code, figures) = workspace.json(&["figures", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(figures["figures"][0]["count"], 6);
}
