//! `mamori import`, `figures` and `imports` as a user runs them.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use mamori_test_support::{Header, TableSpec, Value};

use crate::support::{Workspace, agency_statuses, figure_rows, samples};

fn mayor_r4(requests: u64) -> TableSpec {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
        ],
    )
    .title("市長部局 運用状況")
    .row(
        "令和4年度",
        vec![
            Value::Count(requests),
            Value::Count(requests - 1),
            Value::Count(1),
        ],
    )
}

#[test]
fn the_readme_command_imports_the_samples_and_reports_them() {
    let workspace = Workspace::new();
    let samples = samples();
    let samples = samples.to_str().expect("utf-8 path");
    let (code, report) = workspace.json(&["import", "--json", samples]);
    assert_eq!(code, 0, "{report:#}");
    let statuses: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, vec!["imported"; 4]);
    let (code, figures) = workspace.json(&["figures", "--json", "--year", "令和4年度"]);
    assert_eq!(code, 0);
    let rows = figure_rows(&figures);
    assert!(
        rows.contains(&(
            2022,
            "市長".to_owned(),
            "partially_disclosed".to_owned(),
            10,
            "D6".to_owned()
        )),
        "{rows:#?}"
    );
    assert!(
        rows.contains(&(
            2022,
            "選挙管理委員会".to_owned(),
            "disclosure_requests".to_owned(),
            2,
            "B4".to_owned()
        )),
        "{rows:#?}"
    );
    // The ledger: three requests received in FY2022 (the last on 2023-03-31), counted from column B.
    assert!(
        rows.contains(&(
            2022,
            "議会".to_owned(),
            "disclosure_requests".to_owned(),
            3,
            "B2:B4".to_owned()
        )),
        "{rows:#?}"
    );
    let first = &figures["figures"][0];
    assert_eq!(first["fiscal_year_label"], "令和4年度");
    assert!(
        first["file"].as_str().expect("file").ends_with(".xlsx")
            || first["file"].as_str().expect("file").ends_with(".csv")
    );
    // Importing the same bytes again changes nothing.
    let (code, again) = workspace.json(&["import", "--json", samples]);
    assert_eq!(code, 0);
    let statuses: Vec<&str> = again["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, vec!["unchanged"; 4]);
    assert_eq!(again["files"][0]["agency"], "市長");
    let (_, figures_again) = workspace.json(&["figures", "--json", "--year", "R4"]);
    assert_eq!(figure_rows(&figures_again), rows);

    // The README's report: the year's total is the sum of the 実施機関 rows, and the ledger's
    // decisions no request reached are 0, not "not reported".
    let (code, annual) = workspace.json(&["report", "annual", "--year", "令和4年度", "--json"]);
    assert_eq!(code, 0);
    let r4 = &annual["rows"][2]["values"];
    let by_agency = annual["by_agency"]["rows"].as_array().expect("rows");
    let sum: i64 = by_agency
        .iter()
        .map(|row| row["values"]["disclosure_requests"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(r4["disclosure_requests"].as_i64(), Some(sum));
    let assembly = by_agency
        .iter()
        .find(|row| row["agency"] == "議会")
        .expect("議会 row");
    assert_eq!(assembly["values"]["disclosure_requests"], 3);
    assert_eq!(assembly["values"]["not_disclosed"], 0);
    assert!(assembly["values"]["correction_requests"].is_null());
}

#[test]
fn a_bad_file_is_rejected_whole_and_the_others_are_stored() {
    let workspace = Workspace::new();
    let good = workspace.file("市長部局.xlsx", &mayor_r4(5).to_xlsx("運用状況"));
    let empty = workspace.file("空.xlsx", b"");
    let (code, report) = workspace.json(&[
        "import",
        "--json",
        good.to_str().expect("path"),
        empty.to_str().expect("path"),
    ]);
    assert_eq!(code, 1, "{report:#}");
    let files = report["files"].as_array().expect("files");
    assert_eq!(files[0]["status"], "imported");
    assert_eq!(files[0]["figures"], 3);
    assert_eq!(files[0]["agency"], "市長");
    assert_eq!(files[0]["fiscal_years"], serde_json::json!([2022]));
    assert_eq!(files[1]["status"], "rejected");
    assert_eq!(files[1]["diagnostics"][0]["code"], "E-IMPORT-001");
    assert_eq!(files[1]["diagnostics"][0]["severity"], "error");
    assert!(
        files[1]["diagnostics"][0]["file"]
            .as_str()
            .expect("file")
            .ends_with("空.xlsx")
    );
    let (_, figures) = workspace.json(&["figures", "--json"]);
    assert_eq!(figure_rows(&figures).len(), 3);
    // The rejection is in the history, with no figures.
    let (_, imports) = workspace.json(&["imports", "list", "--json"]);
    let statuses: Vec<&str> = imports["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|i| i["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, vec!["rejected", "imported"]);
}

#[test]
fn a_cell_error_names_sheet_and_cell_and_stores_nothing_of_the_file() {
    let workspace = Workspace::new();
    let mut table = mayor_r4(5);
    table.rows[0].1[1] = Value::Text("不明".to_owned());
    let path = workspace.file("市長部局.xlsx", &table.to_xlsx("運用状況"));
    let (code, report) = workspace.json(&["import", "--json", path.to_str().expect("path")]);
    assert_eq!(code, 1);
    let diagnostic = &report["files"][0]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E-IMPORT-012");
    assert_eq!(diagnostic["sheet"], "運用状況");
    assert_eq!(diagnostic["cell"], "C4");
    assert!(
        diagnostic["message"]
            .as_str()
            .expect("message")
            .contains("不明")
    );
    let (_, figures) = workspace.json(&["figures", "--json"]);
    assert!(
        figure_rows(&figures).is_empty(),
        "nothing of a rejected file is stored"
    );
}

#[test]
fn dry_run_stores_nothing_and_strict_rejects_warnings() {
    let workspace = Workspace::new();
    let mut table = mayor_r4(5);
    // 5 requests, but 4 + 1 + 1 decisions: a consistency warning.
    table.rows[0].1[1] = Value::Count(4);
    table.rows[0].1[2] = Value::Count(2);
    let path = workspace.file("市長部局.xlsx", &table.to_xlsx("運用状況"));
    let path = path.to_str().expect("path");
    let (code, report) = workspace.json(&["import", "--dry-run", "--json", path]);
    assert_eq!(code, 0);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["files"][0]["status"], "imported");
    assert_eq!(report["files"][0]["diagnostics"][0]["code"], "W-IMPORT-102");
    assert!(!workspace.db().exists(), "a dry run creates no store");
    let (code, report) = workspace.json(&["import", "--strict", "--json", path]);
    assert_eq!(code, 1);
    assert_eq!(report["files"][0]["status"], "rejected");
    let (code, report) = workspace.json(&["import", "--json", path]);
    assert_eq!(code, 0);
    assert_eq!(report["files"][0]["status"], "imported");
}

#[test]
fn a_corrected_file_supersedes_and_the_history_keeps_the_old_figures() {
    let workspace = Workspace::new();
    let old = workspace.file("old/市長部局.xlsx", &mayor_r4(5).to_xlsx("運用状況"));
    let new = workspace.file("new/市長部局.xlsx", &mayor_r4(6).to_xlsx("運用状況"));
    let (code, first) = workspace.json(&["import", "--json", old.to_str().expect("path")]);
    assert_eq!(code, 0);
    let old_id = first["files"][0]["import_id"].as_i64().expect("id");
    let (code, second) = workspace.json(&["import", "--json", new.to_str().expect("path")]);
    assert_eq!(code, 0);
    assert_eq!(second["files"][0]["status"], "superseded");
    let (_, figures) = workspace.json(&["figures", "--json"]);
    let requests: Vec<i64> = figure_rows(&figures)
        .iter()
        .filter(|r| r.2 == "disclosure_requests")
        .map(|r| r.3)
        .collect();
    assert_eq!(requests, vec![6]);
    let (code, detail) = workspace.json(&["imports", "show", &old_id.to_string(), "--json"]);
    assert_eq!(code, 0);
    assert_eq!(detail["import"]["status"], "superseded");
    let superseded_by: Vec<&serde_json::Value> = detail["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .map(|f| &f["superseded_by"])
        .collect();
    assert!(
        superseded_by
            .iter()
            .all(|value| value.as_i64() == second["files"][0]["import_id"].as_i64())
    );
    // Human output names the cell too.
    let output = workspace.run(&["figures"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("セルB4") && text.contains("一部開示"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let workspace = Workspace::new();
    assert_eq!(workspace.run(&["import"]).status.code(), Some(2));
    assert_eq!(
        workspace.run(&["figures", "--year", "来年"]).status.code(),
        Some(2)
    );
    assert_eq!(workspace.run(&["no-such-command"]).status.code(), Some(2));
}

/// A one-shot HTTP server on loopback that answers each connection with `respond`.
fn serve(respond: impl Fn(&mut std::net::TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            respond(&mut stream);
        }
    });
    format!("http://{address}")
}

#[test]
fn urls_are_fetched_and_refused_with_reasons() {
    let workspace = Workspace::new();
    let csv = mayor_r4(5).to_delimited(',');
    let ok = serve(move |stream| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            csv.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(csv.as_bytes());
    });
    let missing = serve(|stream| {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    let huge = serve(|stream| {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\nConnection: close\r\n\r\n");
        let _ = stream.write_all(&[b'0'; 65536]);
    });
    let silent = serve(|_stream| std::thread::sleep(Duration::from_secs(5)));
    let urls = [
        format!("{ok}/市長部局.csv"),
        format!("{missing}/none.xlsx"),
        format!("{huge}/big.csv"),
        format!("{silent}/slow.csv"),
    ];
    let mut arguments = vec!["import", "--json", "--http-timeout", "1"];
    arguments.extend(urls.iter().map(String::as_str));
    let (code, report) = workspace.json(&arguments);
    assert_eq!(code, 1, "{report:#}");
    let files = report["files"].as_array().expect("files");
    assert_eq!(files[0]["status"], "imported", "{report:#}");
    assert_eq!(files[0]["figures"], 3);
    let codes: Vec<&str> = files[1..]
        .iter()
        .map(|f| f["diagnostics"][0]["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["E-IMPORT-018", "E-IMPORT-007", "E-IMPORT-018"]);
    assert!(
        files[1]["diagnostics"][0]["message"]
            .as_str()
            .expect("message")
            .contains("404")
    );
    assert!(
        files[3]["diagnostics"][0]["message"]
            .as_str()
            .expect("message")
            .contains("1 秒")
    );
}

#[test]
fn department_files_are_kept_apart_and_never_replace_each_other() {
    // Departments of 市長 send their own files; the title names no 実施機関, the file name the
    // department. Each must keep its figures: a wrong total is the worst bug.
    let workspace = Workspace::new();
    let table = |requests: u64| {
        let decided = |leaf| Header::grouped("処理の状況", leaf);
        TableSpec::new(
            "年度",
            vec![
                Header::leaf("開示請求"),
                decided("開示"),
                decided("一部開示"),
            ],
        )
        .title("個人情報の開示請求等の運用状況")
        .row(
            "令和4年度",
            vec![
                Value::Count(requests),
                Value::Count(requests - 1),
                Value::Count(1),
            ],
        )
    };
    let citizens = workspace.file("市民課_運用状況.xlsx", &table(4).to_xlsx("運用状況"));
    let taxes = workspace.file("税務課_運用状況.xlsx", &table(2).to_xlsx("運用状況"));
    let (code, report) = workspace.json(&[
        "import",
        "--json",
        citizens.to_str().expect("path"),
        taxes.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{report:#}");
    let statuses = agency_statuses(&report);
    assert_eq!(
        statuses,
        vec![
            ("市民課".to_owned(), "imported".to_owned()),
            ("税務課".to_owned(), "imported".to_owned())
        ]
    );
    let (_, figures) = workspace.json(&["figures", "--json", "--year", "R4"]);
    let requests: Vec<(String, i64)> = figure_rows(&figures)
        .into_iter()
        .filter(|row| row.2 == "disclosure_requests")
        .map(|row| (row.1, row.3))
        .collect();
    assert_eq!(
        requests,
        vec![("市民課".to_owned(), 4), ("税務課".to_owned(), 2)]
    );
}

#[test]
fn reading_a_store_that_does_not_exist_is_an_error_not_an_empty_answer() {
    let workspace = Workspace::new();
    let output = workspace.run(&["figures", "--json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no store at"));
    assert!(
        !workspace.db().exists(),
        "a typo in --db must not create a database"
    );
}

#[test]
fn a_replacement_that_leaves_out_a_category_says_so() {
    let workspace = Workspace::new();
    let full = workspace.file("old/市長部局.xlsx", &mayor_r4(5).to_xlsx("運用状況"));
    let partial = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::grouped("処理の状況", "開示"),
        ],
    )
    .title("市長部局 運用状況")
    .row("令和4年度", vec![Value::Count(5), Value::Count(5)]);
    let partial = workspace.file("new/市長部局.xlsx", &partial.to_xlsx("運用状況"));
    let (code, _) = workspace.json(&["import", "--json", full.to_str().expect("path")]);
    assert_eq!(code, 0);
    let (code, report) = workspace.json(&["import", "--json", partial.to_str().expect("path")]);
    assert_eq!(code, 0, "{report:#}");
    let file = &report["files"][0];
    assert_eq!(file["status"], "superseded");
    let warnings: Vec<&str> = file["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "W-IMPORT-113")
        .map(|d| d["message"].as_str().expect("message"))
        .collect();
    assert_eq!(warnings.len(), 1, "{report:#}");
    assert!(
        warnings[0].contains("partially_disclosed"),
        "{}",
        warnings[0]
    );
}

#[test]
fn files_of_other_kinds_in_a_folder_are_listed_not_silently_passed_over() {
    let workspace = Workspace::new();
    workspace.file("inbox/市長部局.xlsx", &mayor_r4(5).to_xlsx("運用状況"));
    workspace.file("inbox/説明.docx", b"PK\x03\x04 not a spreadsheet");
    let folder = workspace.directory.path().join("inbox");
    let (code, report) = workspace.json(&["import", "--json", folder.to_str().expect("path")]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["files"].as_array().expect("files").len(), 1);
    let skipped = report["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].as_str().expect("path").ends_with("説明.docx"));
}

#[test]
fn a_store_failure_mid_batch_still_lists_what_was_stored() {
    let workspace = Workspace::new();
    let table = |title: &str| {
        TableSpec::new("年度", vec![Header::leaf("開示請求")])
            .title(title)
            .row("令和4年度", vec![Value::Count(2)])
    };
    let first = workspace.file("市長部局.xlsx", &table("市長部局 運用状況").to_xlsx("S"));
    let (code, _) = workspace.json(&["import", "--json", first.to_str().expect("path")]);
    assert_eq!(code, 0);
    // Make the store refuse 議会's figures, as a full disk or a lost server would.
    let url = format!("sqlite://{}", workspace.db().display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
            sqlx::query(
                "CREATE TRIGGER refuse_gikai BEFORE INSERT ON figures WHEN NEW.agency = '議会'
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .execute(&pool)
            .await
            .expect("trigger");
            pool.close().await;
        });
    let education = workspace.file(
        "教育委員会.xlsx",
        &table("教育委員会 運用状況").to_xlsx("S"),
    );
    let council = workspace.file("議会.xlsx", &table("議会 運用状況").to_xlsx("S"));
    let (code, report) = workspace.json(&[
        "import",
        "--json",
        education.to_str().expect("path"),
        council.to_str().expect("path"),
    ]);
    assert_eq!(code, 2, "{report:#}");
    let stored = agency_statuses(&report);
    assert_eq!(
        stored,
        vec![("教育委員会".to_owned(), "imported".to_owned())]
    );
}

#[test]
fn the_same_bytes_twice_in_one_run_are_stored_once() {
    let workspace = Workspace::new();
    let bytes = mayor_r4(4).to_xlsx("運用状況");
    let first = workspace.file("市長部局.xlsx", &bytes);
    let copy = workspace.file("写し/市長部局.xlsx", &bytes);
    let board = workspace.file(
        "教育委員会.xlsx",
        &mayor_r4(3).title("教育委員会 運用状況").to_xlsx("運用状況"),
    );
    let (code, report) = workspace.json(&[
        "import",
        "--json",
        first.to_str().expect("path"),
        board.to_str().expect("path"),
        copy.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{report:#}");
    let statuses: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["imported", "imported", "unchanged"]);
    assert_eq!(
        report["files"][2]["import_id"],
        report["files"][0]["import_id"]
    );
    let (_, figures) = workspace.json(&["figures", "--json"]);
    assert_eq!(figure_rows(&figures).len(), 6);
}
