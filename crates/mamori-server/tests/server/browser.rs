//! Real headless Chromium, driven through chromedriver, against a server on a loopback port:
//! the contract check and the import as staff click through them, and axe-core's WCAG 2.1 A/AA
//! rules on every page. Each page the axe test visits is saved as a PNG under
//! `$CARGO_TARGET_TMPDIR/screenshots/`.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `apt-get install chromium
//! chromium-driver`) and axe-core (`npm ci --prefix crates/mamori-server/tests/browser`). A
//! missing one fails the tests; nothing here is skipped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use mamori_test_support::{Contract, DocxNumbering, Header, STYLES, TableSpec, Value, Wording};
use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::oneshot;

use crate::support::{Harness, Setup};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const INSTALL_BROWSER: &str = "install them with `apt-get install chromium chromium-driver`";
/// How long a page (an upload parsed by the worker included) may take to appear.
const PAGE_TIMEOUT: Duration = Duration::from_secs(60);
/// The axe-core rule tags the pages must pass: WCAG 2.0 and 2.1, levels A and AA.
const WCAG_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contracts_checked_in_chromium_show_eight_numbered_rows_each_and_their_downloads() {
    let server = Server::start(Setup::default()).await;
    let browser = Browser::start().await;
    let client = browser.client();
    let files = tempfile::tempdir().expect("temporary folder");
    let contracts = contract_files(files.path());

    check_contracts(client, &server, &contracts).await;
    let sections = client
        .find_all(Locator::Css("section.contract"))
        .await
        .expect("contract sections");
    assert_eq!(sections.len(), 2, "one section per contract");
    let compliant = section_of(&sections, "委託契約書.docx").await;
    let lacking = section_of(&sections, "委託契約書_第3項なし.docx").await;
    assert_eq!(heading(&compliant).await, "委託契約書.docx：適合");
    assert_eq!(heading(&lacking).await, "委託契約書_第3項なし.docx：要確認");

    let column_titles = texts(&compliant, "table.clauses thead th").await;
    assert_eq!(
        column_titles,
        ["項目", "状況", "該当箇所と記載", "追記する文例"]
    );
    let rows = clause_rows(&compliant).await;
    for (number, row) in (1..).zip(&rows) {
        assert_eq!(
            row.status, "記載あり",
            "clause {number} of the compliant contract: {row:?}"
        );
    }
    let rows = clause_rows(&lacking).await;
    let third = &rows[2];
    assert_ne!(third.status, "記載あり", "clause 3 was removed: {third:?}");
    assert!(
        !third.suggestion.is_empty() && third.suggestion != "（不要）",
        "clause 3 offers wording to add: {third:?}"
    );
    for (number, row) in (1..).zip(&rows) {
        if number != 3 {
            assert_eq!(row.status, "記載あり", "clause {number}: {row:?}");
        }
    }

    for section in [&compliant, &lacking] {
        let links = download_links(section).await;
        for format in ["xlsx", "md", "json"] {
            assert!(
                links
                    .iter()
                    .any(|href| href.ends_with(&format!("/download?format={format}"))),
                "a {format} download among {links:?}"
            );
        }
    }
    let json_link = download_links(&lacking)
        .await
        .into_iter()
        .find(|href| href.ends_with("format=json"))
        .expect("a JSON download");
    let (status, body) = http_get(server.address, &json_link).await;
    assert_eq!(status, 200, "{json_link}: {body}");
    let record: Json = serde_json::from_str(&body).expect("the download is JSON");
    let clauses = record["clauses"].as_array().expect("clauses in the JSON");
    assert_eq!(clauses.len(), 8, "{body}");
    assert_ne!(clauses[2]["status"], "present", "{body}");

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_imported_in_chromium_is_previewed_with_its_cells_then_reported() {
    let server = Server::start(Setup::default()).await;
    let browser = Browser::start().await;
    let client = browser.client();
    let files = tempfile::tempdir().expect("temporary folder");
    let workbook = workbook_file(files.path());

    preview_import(client, &server, &workbook).await;
    let caption = client
        .find(Locator::Css("table.recognised caption"))
        .await
        .expect("the recognised table's caption")
        .text()
        .await
        .expect("caption text");
    assert!(
        caption.starts_with("市長部局_令和4年度.xlsx から読み取った表"),
        "{caption}"
    );
    let mut twelve = None;
    for cell in client
        .find_all(Locator::Css("table.recognised td.count"))
        .await
        .expect("count cells")
    {
        let text = cell.text().await.expect("cell text");
        if text.lines().next().map(str::trim) == Some("12") {
            twelve = Some(cell);
            break;
        }
    }
    let twelve = twelve.expect("the recognised table shows the 12 requests");
    let source = twelve
        .find(Locator::Css(".source"))
        .await
        .expect("the 12 names the cell it came from")
        .text()
        .await
        .expect("source text");
    let cell = mayor_r4().value_a1(0, 0);
    assert!(
        source.ends_with(&format!("シート「運用状況」 セル{cell}")),
        "12 comes from cell {cell}: {source:?}"
    );

    confirm_import(client).await;
    client
        .find(Locator::Css("a[href=\"/report?year=2022\"]"))
        .await
        .expect("the import names the report of 令和4年度")
        .click()
        .await
        .expect("follow to the report");
    let table = wait_for(client, ".published table").await;
    let caption = table
        .find(Locator::Css("caption"))
        .await
        .expect("the published table's caption")
        .text()
        .await
        .expect("caption text");
    assert!(caption.contains("運用状況"), "{caption}");
    let mut counts = None;
    for row in table
        .find_all(Locator::Css("tbody tr"))
        .await
        .expect("table rows")
    {
        let header = text_of(&row, "th").await;
        if header.contains("令和4年度") {
            counts = Some(texts(&row, "td").await);
        }
    }
    let counts = counts.expect("a 令和4年度 row in the published table");
    assert!(counts.iter().any(|count| count == "12"), "{counts:?}");

    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_core_wcag_2_1_aa_in_chromium() {
    let axe = Axe::load();
    let server = Server::start(Setup {
        jobs: vec![("annual-report", ANNUAL_JOB.to_owned())],
        ..Setup::default()
    })
    .await;
    let browser = Browser::start().await;
    let client = browser.client();
    let files = tempfile::tempdir().expect("temporary folder");
    let mut found = Vec::new();

    for (page, path) in [
        ("home", "/"),
        ("audit", "/audit"),
        ("import", "/import"),
        ("login", "/login"),
        ("not-found", "/no-such-page"),
    ] {
        goto(client, &server, path).await;
        found.extend(axe.check(client, page).await);
    }

    check_contracts(client, &server, &contract_files(files.path())).await;
    found.extend(axe.check(client, "audit-result").await);
    goto(client, &server, "/audit").await;
    found.extend(axe.check(client, "audit-history").await);

    preview_import(client, &server, &workbook_file(files.path())).await;
    found.extend(axe.check(client, "import-preview").await);
    confirm_import(client).await;
    found.extend(axe.check(client, "import-done").await);
    goto(client, &server, "/report?year=2022").await;
    wait_for(client, ".published table").await;
    found.extend(axe.check(client, "report").await);

    goto(client, &server, "/jobs/annual-report/run?mode=preview").await;
    found.extend(axe.check(client, "job-confirm").await);
    press(client, "プレビューを作る").await;
    wait_for(client, "section.mail").await;
    found.extend(axe.check(client, "job-preview").await);
    goto(client, &server, "/jobs").await;
    found.extend(axe.check(client, "jobs").await);

    assert!(
        found.is_empty(),
        "axe-core found {} WCAG 2.1 A/AA violation(s):\n\n{}",
        found.len(),
        found.join("\n\n")
    );
    browser.close().await;
}

/// A job whose mail preview the axe test opens.
const ANNUAL_JOB: &str = r#"
name = "annual-report"
description = "運用状況の年次報告"
schedule = "0 9 10 5 *"
timezone = "Asia/Tokyo"
on_closed_day = "next-open-day"
when_empty = "notify"

[mail]
to = ["総務課 <soumu@city.example.jp>"]

[annual_report]
fiscal_year = "令和4年度"
years = 3
attach = ["xlsx"]
"#;

/// A server on a fresh project, listening on a loopback port until dropped.
struct Server {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    /// Holds the project folder for as long as the server runs.
    _harness: Harness,
}

impl Server {
    async fn start(setup: Setup) -> Server {
        let harness = Harness::with(setup).await;
        let listener = mamori_server::bind(
            &harness.state,
            "127.0.0.1:0".parse().expect("a loopback address"),
        )
        .await
        .expect("listen on loopback");
        let address = listener.local_addr().expect("the listening address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(mamori_server::serve_on(
            harness.state.clone(),
            listener,
            async move {
                let _ = stopped.await;
            },
        ));
        Server {
            address,
            stop: Some(stop),
            _harness: harness,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start() -> Driver {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "the browser tests need {program}: {INSTALL_BROWSER}"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {CHROMEDRIVER} ({error}): {INSTALL_BROWSER}")
            });
        let mut driver = Driver { child, port };
        driver.wait_until_ready().await;
        driver
    }

    async fn wait_until_ready(&mut self) {
        let started = Instant::now();
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Some(status) = self.child.try_wait().expect("chromedriver's state") {
                panic!(
                    "{CHROMEDRIVER} --port={} exited at start: {status}",
                    self.port
                );
            }
            if tokio::net::TcpStream::connect(address).await.is_ok() {
                let (status, body) = http_get(address, "/status").await;
                if status == 200 && body.contains("\"ready\":true") {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{CHROMEDRIVER} did not answer on port {} within 30 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session with its own profile folder. Only for tests on the
/// multi-thread runtime: dropping it unclosed blocks in place to end the session.
struct Browser {
    client: Option<Client>,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        let driver = Driver::start().await;
        let profile = tempfile::tempdir().expect("a profile folder");
        let Json::Object(capabilities) = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    // Root (as in CI containers) cannot use Chromium's sandbox.
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    // Without these Chromium's own connections are refused on a closed network.
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--window-size=1280,1024",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }) else {
            unreachable!("json! of an object literal is an object")
        };
        // chromedriver speaks plain HTTP, but without a TLS feature fantoccini's builder needs a
        // connector from hyper-util, which this crate does not depend on. Its `rustls-tls`
        // connector speaks plain HTTP too; it only insists on loading the system's root
        // certificates.
        let client = ClientBuilder::rustls()
            .expect("fantoccini's connector loads the system's root certificates (ca-certificates)")
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|error| panic!("no Chromium session from {CHROMEDRIVER}: {error}"));
        Browser {
            client: Some(client),
            _driver: driver,
            _profile: profile,
        }
    }

    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the session is open until closed")
    }

    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            client.close().await.expect("end the browser session");
        }
    }
}

impl Drop for Browser {
    /// A failed assertion unwinds past `close`: end the session here so that no Chromium
    /// outlives its test (killing chromedriver alone leaves the browser running).
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
                });
            });
        }
    }
}

/// axe-core, injected into each page it checks.
struct Axe {
    source: String,
}

impl Axe {
    fn load() -> Axe {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/browser/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "cannot read {} ({error}): run `npm ci --prefix crates/mamori-server/tests/browser`",
                path.display()
            )
        });
        Axe { source }
    }

    /// Saves a screenshot of the page the browser shows, then returns axe's WCAG 2.1 A/AA
    /// violations on it, one entry per rule with its failing elements.
    async fn check(&self, client: &Client, page: &str) -> Vec<String> {
        save_screenshot(client, page).await;
        let injected = client
            .execute(&format!("{}\n;return true;", self.source), Vec::new())
            .await
            .unwrap_or_else(|error| panic!("inject axe-core into {page}: {error}"));
        assert_eq!(injected, Json::Bool(true), "axe-core loaded on {page}");
        let results = client
            .execute_async(
                r"
                const done = arguments[arguments.length - 1];
                axe.run(document, { runOnly: { type: 'tag', values: arguments[0] } }).then(
                  (results) => done({ violations: results.violations.map((violation) => ({
                    id: violation.id,
                    impact: violation.impact,
                    help: violation.help,
                    helpUrl: violation.helpUrl,
                    nodes: violation.nodes.map((node) => ({
                      html: node.html,
                      target: node.target,
                      summary: node.failureSummary,
                    })),
                  })) }),
                  (error) => done({ error: String(error) }),
                );
                ",
                vec![json!(WCAG_TAGS)],
            )
            .await
            .unwrap_or_else(|error| panic!("run axe-core on {page}: {error}"));
        assert!(
            results["error"].is_null(),
            "axe-core failed on {page}: {}",
            results["error"]
        );
        results["violations"]
            .as_array()
            .unwrap_or_else(|| panic!("axe-core's violations on {page}: {results}"))
            .iter()
            .map(|violation| describe(page, violation))
            .collect()
    }
}

/// One violation as the template author needs it: page, rule, help, and each failing element.
fn describe(page: &str, violation: &Json) -> String {
    let text = |value: &Json| value.as_str().unwrap_or_default().to_owned();
    let mut lines = vec![format!(
        "[{page}] {} ({}): {} <{}>",
        text(&violation["id"]),
        text(&violation["impact"]),
        text(&violation["help"]),
        text(&violation["helpUrl"]),
    )];
    for node in violation["nodes"].as_array().into_iter().flatten() {
        lines.push(format!(
            "    {}  at {}",
            text(&node["html"]),
            node["target"]
        ));
        for line in text(&node["summary"]).lines() {
            lines.push(format!("      {line}"));
        }
    }
    lines.join("\n")
}

async fn save_screenshot(client: &Client, page: &str) {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&folder).expect("the screenshots folder");
    let png = client
        .screenshot()
        .await
        .unwrap_or_else(|error| panic!("screenshot of {page}: {error}"));
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot of {page}");
    std::fs::write(folder.join(format!("{page}.png")), png).expect("save the screenshot");
}

/// The two contracts of the audit tests: one with all 8 clauses, one without clause 3.
fn contract_files(folder: &Path) -> Vec<PathBuf> {
    let contract = Contract::compliant(STYLES[0], Wording::Standard);
    let files = [
        ("委託契約書.docx", contract.to_docx(DocxNumbering::Typed)),
        (
            "委託契約書_第3項なし.docx",
            contract.without_clause(3).to_docx(DocxNumbering::Typed),
        ),
    ];
    files
        .into_iter()
        .map(|(name, bytes)| {
            let path = folder.join(name);
            std::fs::write(&path, bytes).expect("write the contract");
            path
        })
        .collect()
}

/// The mayor's office's 令和4年度 table: 12 requests, 11 disclosed, 1 in part.
fn mayor_r4() -> TableSpec {
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
        vec![Value::Count(12), Value::Count(11), Value::Count(1)],
    )
}

fn workbook_file(folder: &Path) -> PathBuf {
    let path = folder.join("市長部局_令和4年度.xlsx");
    std::fs::write(&path, mayor_r4().to_xlsx("運用状況")).expect("write the workbook");
    path
}

async fn goto(client: &Client, server: &Server, path: &str) {
    client
        .goto(&server.url(path))
        .await
        .unwrap_or_else(|error| panic!("open {path}: {error}"));
}

/// Chooses `files` in the input `#input_id` of the page the browser shows and presses `button`.
async fn upload(client: &Client, input_id: &str, files: &[PathBuf], button: &str) {
    let names: Vec<&str> = files
        .iter()
        .map(|file| file.to_str().expect("a UTF-8 path"))
        .collect();
    let input = match client.find(Locator::Id(input_id)).await {
        Ok(input) => input,
        Err(error) => panic!("no #{input_id} ({error}) on {}", page_summary(client).await),
    };
    input
        .send_keys(&names.join("\n"))
        .await
        .expect("choose the files");
    press(client, button).await;
}

/// Clicks the button labelled `label`.
async fn press(client: &Client, label: &str) {
    client
        .find(Locator::XPath(&format!(
            "//button[normalize-space()='{label}']"
        )))
        .await
        .unwrap_or_else(|error| panic!("a button {label}: {error}"))
        .click()
        .await
        .unwrap_or_else(|error| panic!("press {label}: {error}"));
}

/// Sends the contracts from `/audit` and waits for the result page.
async fn check_contracts(client: &Client, server: &Server, contracts: &[PathBuf]) {
    goto(client, server, "/audit").await;
    let label = text_of(
        &client
            .find(Locator::Css("main"))
            .await
            .expect("the main region"),
        "label[for=\"contracts\"]",
    )
    .await;
    assert!(
        label.starts_with("契約書"),
        "the file input's label: {label}"
    );
    upload(client, "contracts", contracts, "チェックする").await;
    wait_for(client, "table.clauses, .alert").await;
    assert_no_alert(client).await;
}

/// Sends the workbook from `/import` and waits for the preview.
async fn preview_import(client: &Client, server: &Server, workbook: &Path) {
    goto(client, server, "/import").await;
    upload(
        client,
        "files",
        &[workbook.to_path_buf()],
        "読み取って確認する",
    )
    .await;
    wait_for(client, "table.recognised, .alert").await;
    assert_no_alert(client).await;
}

/// Presses 取り込む on the preview and waits for the result, which links to the report.
async fn confirm_import(client: &Client) {
    press(client, "取り込む").await;
    wait_for(client, "main a[href^=\"/report?year=\"]").await;
    let text = text_of(
        &client.find(Locator::Css("body")).await.expect("the page"),
        "main",
    )
    .await;
    assert!(text.contains("取り込みました"), "{text}");
}

async fn wait_for(client: &Client, css: &str) -> Element {
    match client
        .wait()
        .at_most(PAGE_TIMEOUT)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(error) => panic!("no `{css}` ({error}) on {}", page_summary(client).await),
    }
}

async fn assert_no_alert(client: &Client) {
    let alerts = client
        .find_all(Locator::Css(".alert"))
        .await
        .expect("look for alerts");
    assert!(
        alerts.is_empty(),
        "an error on {}",
        page_summary(client).await
    );
}

/// The address and text of the page the browser shows, for failure messages.
async fn page_summary(client: &Client) -> String {
    let url = client.current_url().await.map_or_else(
        |error| format!("(no address: {error})"),
        |url| url.to_string(),
    );
    let text = match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(error) => format!("(no body: {error})"),
    };
    format!("{url}:\n{text}")
}

/// The section of the audit result whose heading names `file`.
async fn section_of(sections: &[Element], file: &str) -> Element {
    for section in sections {
        let heading = heading(section).await;
        if heading.split('：').next() == Some(file) {
            return section.clone();
        }
    }
    panic!("no section for {file}");
}

async fn heading(section: &Element) -> String {
    text_of(section, "h2").await
}

/// One body row of a contract's 8-clause table.
#[derive(Debug)]
struct ClauseRow {
    header: String,
    status: String,
    suggestion: String,
}

/// The 8 rows of the section's clause table, checked to be numbered 1 to 8.
async fn clause_rows(section: &Element) -> Vec<ClauseRow> {
    let table = section
        .find(Locator::Css("table.clauses"))
        .await
        .expect("a table.clauses per contract");
    let mut rows = Vec::new();
    for row in table
        .find_all(Locator::Css("tbody tr"))
        .await
        .expect("the table's rows")
    {
        let cells = row
            .find_all(Locator::Css("th, td"))
            .await
            .expect("the row's cells");
        assert_eq!(cells.len(), 4, "four columns per clause");
        let suggestion = cells[3].text().await.expect("the suggestion's text");
        rows.push(ClauseRow {
            header: text_of(&row, "th[scope=row]").await,
            status: text_of(&cells[1], ".badge").await,
            suggestion: suggestion.trim().to_owned(),
        });
    }
    assert_eq!(rows.len(), 8, "8 clauses: {rows:?}");
    for (number, row) in (1..).zip(&rows) {
        assert!(
            row.header.starts_with(&format!("{number}.")),
            "row {number} is headed by its number: {row:?}"
        );
    }
    rows
}

/// The `href`s of a contract's download links.
async fn download_links(section: &Element) -> Vec<String> {
    let mut hrefs = Vec::new();
    for link in section
        .find_all(Locator::Css(".downloads a"))
        .await
        .expect("download links")
    {
        hrefs.extend(link.attr("href").await.expect("the link's href"));
    }
    hrefs
}

/// The trimmed text of the first `css` inside `element`.
async fn text_of(element: &Element, css: &str) -> String {
    element
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no `{css}`: {error}"))
        .text()
        .await
        .expect("the element's text")
        .trim()
        .to_owned()
}

/// The trimmed texts of every `css` inside `element`.
async fn texts(element: &Element, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for found in element
        .find_all(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no `{css}`: {error}"))
    {
        texts.push(
            found
                .text()
                .await
                .expect("the element's text")
                .trim()
                .to_owned(),
        );
    }
    texts
}

/// A plain HTTP/1.1 GET: status and body. (chromedriver refuses HTTP/1.0 and keeps the
/// connection open after its answer, so the body ends by its `Content-Length` when it has one.)
async fn http_get(address: SocketAddr, path: &str) -> (u16, String) {
    let request = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut answer = Vec::new();
        let mut buffer = [0_u8; 16 * 1024];
        loop {
            let read = stream.read(&mut buffer).await?;
            if read == 0 {
                return Ok::<_, std::io::Error>(answer);
            }
            answer.extend_from_slice(&buffer[..read]);
            if let Some((head, body)) = split_answer(&answer)
                && content_length(&head).is_some_and(|length| body.len() >= length)
            {
                return Ok(answer);
            }
        }
    };
    let answer = tokio::time::timeout(PAGE_TIMEOUT, request)
        .await
        .unwrap_or_else(|_| panic!("no answer from {address}{path} within {PAGE_TIMEOUT:?}"))
        .unwrap_or_else(|error| panic!("GET {address}{path}: {error}"));
    let (head, mut body) = split_answer(&answer).unwrap_or_else(|| {
        panic!(
            "an HTTP answer from {address}{path}: {}",
            String::from_utf8_lossy(&answer)
        )
    });
    if head.contains("\r\ntransfer-encoding: chunked") {
        body = dechunk(&body);
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// An answer's head (lowercased) and body, once the head is complete.
fn split_answer(answer: &[u8]) -> Option<(String, Vec<u8>)> {
    let end = answer.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    Some((head, answer[end + 4..].to_vec()))
}

fn content_length(head: &str) -> Option<usize> {
    head.lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
}

/// The body of a chunked HTTP/1.1 answer.
fn dechunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = chunked
            .windows(2)
            .position(|window| window == b"\r\n")
            .expect("a chunk size line");
        let size = std::str::from_utf8(&chunked[..line_end])
            .ok()
            .and_then(|line| usize::from_str_radix(line.split(';').next()?.trim(), 16).ok())
            .expect("a hexadecimal chunk size");
        if size == 0 {
            return body;
        }
        let start = line_end + 2;
        body.extend_from_slice(&chunked[start..start + size]);
        chunked = &chunked[start + size + 2..];
    }
}
