//! Layout recognition over real files written by real writers: every figure of a table comes
//! back with its cell.

use mamori_core::{CategorySchema, Code, Severity};
use mamori_ingest::{FileReading, Limits, ReadOptions, read_file};
use mamori_test_support::{Header, TableSpec, Value};

fn read(name: &str, bytes: &[u8]) -> FileReading {
    let schema = CategorySchema::default();
    let limits = Limits::standard();
    read_file(
        name,
        bytes,
        &ReadOptions {
            schema: &schema,
            limits: &limits,
        },
    )
}

/// `(year, agency, key, count, cell)` for every figure, sorted.
fn figures(reading: &FileReading) -> Vec<(i32, String, String, u64, String)> {
    let mut rows: Vec<_> = reading
        .figures
        .iter()
        .map(|f| {
            (
                f.fiscal_year.start_year(),
                f.agency.to_string(),
                f.category.to_string(),
                f.count,
                f.provenance.cell_text(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn codes(reading: &FileReading) -> Vec<Code> {
    reading.diagnostics.iter().map(|d| d.code()).collect()
}

fn example_page() -> TableSpec {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
            decided("不開示"),
            decided("不存在"),
            decided("取下げ"),
            Header::leaf("訂正請求"),
            Header::leaf("利用停止"),
            Header::leaf("苦情相談"),
            Header::leaf("審査請求"),
        ],
    )
    .title("市長部局 個人情報保護制度の運用状況")
    .row(
        "令和2年度",
        [1, 0, 1, 0, 0, 0, 0, 0, 0, 0].map(Value::Count).to_vec(),
    )
    .row(
        "令和3年度",
        [2, 1, 0, 0, 1, 0, 0, 0, 1, 0].map(Value::Count).to_vec(),
    )
}

#[test]
fn two_level_merged_header_years_as_rows_in_xlsx() {
    let reading = read("市長部局.xlsx", &example_page().to_xlsx("運用状況"));
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
    let got = figures(&reading);
    assert_eq!(got.len(), 20, "{got:#?}");
    assert!(
        got.contains(&(
            2020,
            "市長".to_owned(),
            "partially_disclosed".to_owned(),
            1,
            "D4".to_owned()
        )),
        "{got:#?}"
    );
    assert!(got.contains(&(
        2020,
        "市長".to_owned(),
        "disclosure_requests".to_owned(),
        1,
        "B4".to_owned()
    )));
    assert!(got.contains(&(
        2021,
        "市長".to_owned(),
        "complaints".to_owned(),
        1,
        "J5".to_owned()
    )));
    assert!(
        codes(&reading)
            .iter()
            .all(|c| c.severity() < Severity::Warning),
        "{:#?}",
        reading.diagnostics
    );
}

#[test]
fn the_same_table_reads_alike_as_csv_cp932_and_html() {
    let xlsx = figures(&read("市長部局.xlsx", &example_page().to_xlsx("運用状況")));
    let csv = read("市長部局.csv", example_page().to_delimited(',').as_bytes());
    assert!(!csv.has_errors(), "{:#?}", csv.diagnostics);
    let strip = |rows: Vec<(i32, String, String, u64, String)>| {
        rows.into_iter()
            .map(|(y, a, k, c, _)| (y, a, k, c))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(figures(&csv)), strip(xlsx.clone()));
    let cp932 = read("市長部局.csv", &example_page().to_cp932_csv());
    assert_eq!(strip(figures(&cp932)), strip(xlsx.clone()));
    let html = read("page.html", example_page().to_html().as_bytes());
    assert!(!html.has_errors(), "{:#?}", html.diagnostics);
    assert_eq!(strip(figures(&html)), strip(xlsx.clone()));
    let transposed = read("市長部局.xlsx", &example_page().transposed().to_xlsx("S"));
    assert_eq!(strip(figures(&transposed)), strip(xlsx));
}
