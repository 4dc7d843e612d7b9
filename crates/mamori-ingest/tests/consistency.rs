//! The checks an import makes on what it reads: requests against decisions, totals rows and
//! columns against their parts, and columns the schema does not know. Each is a warning or a
//! note naming the cells; none changes a value.

mod support;

use mamori_core::{Code, Severity};
use mamori_ingest::FileReading;
use mamori_test_support::{Header, TableSpec, Value};

use crate::support::{counts, located, message_at, read};

fn count_of(reading: &FileReading, year: i32, key: &str) -> Option<(u64, String)> {
    reading
        .figures
        .iter()
        .find(|f| f.fiscal_year.start_year() == year && f.category.as_str() == key)
        .map(|f| (f.count, f.provenance.cell_text()))
}

fn decided_table() -> TableSpec {
    let g = |leaf| Header::grouped("処理の状況", leaf);
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            g("開示"),
            g("一部開示"),
            g("不開示"),
            g("不存在"),
            g("取下げ"),
        ],
    )
}

#[test]
fn requests_that_differ_from_their_decisions_are_a_warning_naming_the_cells() {
    // 令和4年度: 7 requests, 6 decisions (one carried over); 令和5年度 balances.
    let table = decided_table()
        .row("令和4年度", counts(&[7, 2, 2, 1, 1, 0]))
        .row("令和5年度", counts(&[3, 1, 1, 0, 0, 1]));
    let reading = read("市民課_市長.xlsx", &table.to_xlsx("運用状況"));
    assert_eq!(
        located(&reading),
        vec![(Code::RequestsDecisionsMismatch, "B3".to_owned())]
    );
    let text = message_at(&reading, Code::RequestsDecisionsMismatch, "B3");
    assert!(text.contains("7件") && text.contains("6件"), "{text}");
    for cell in ["C3", "D3", "E3", "F3", "G3"] {
        assert!(text.contains(cell), "{cell} in {text}");
    }
    // The values are stored as written.
    assert_eq!(
        count_of(&reading, 2022, "disclosure_requests"),
        Some((7, "B3".to_owned()))
    );
    assert!(!reading.has_errors());
}

#[test]
fn a_totals_row_that_does_not_add_up_is_a_warning_at_the_total_cell() {
    let table = TableSpec::new(
        "実施機関",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("開示"),
            Header::leaf("一部開示"),
        ],
    )
    .title("令和5年度 個人情報保護制度の運用状況")
    .row("市長", counts(&[10, 6, 4]))
    .row("教育委員会", counts(&[3, 2, 1]))
    .row("議会", counts(&[0, 0, 0]))
    .row("合計", counts(&[13, 9, 5]));
    let reading = read("運用状況.xlsx", &table.to_xlsx("R5"));
    // 開示: 6 + 2 + 0 = 8, not 9; 一部開示: 4 + 1 = 5 is right; 開示請求 13 is right.
    assert_eq!(
        located(&reading),
        vec![(Code::TotalMismatch, "C6".to_owned())]
    );
    let text = message_at(&reading, Code::TotalMismatch, "C6");
    assert!(
        text.contains('9') && text.contains('8') && text.contains("開示"),
        "{text}"
    );
    // The totals row is a check, never stored as an agency.
    assert_eq!(reading.figures.len(), 9);
    assert!(reading.figures.iter().all(|f| f.agency.as_str() != "合計"));
}

#[test]
fn subtotal_rows_check_the_rows_since_the_previous_subtotal() {
    let table = TableSpec::new(
        "実施機関",
        vec![Header::leaf("開示請求"), Header::leaf("開示")],
    )
    .title("令和5年度")
    .row("市長", counts(&[4, 4]))
    .row("消防長", counts(&[1, 1]))
    .row("小計", counts(&[5, 5]))
    .row("教育委員会", counts(&[2, 2]))
    .row("小計", counts(&[3, 2]))
    .row("合計", counts(&[7, 7]));
    let reading = read("運用状況.xlsx", &table.to_xlsx("R5"));
    assert_eq!(
        located(&reading),
        vec![(Code::TotalMismatch, "B7".to_owned())]
    );
    assert_eq!(reading.figures.len(), 6);
}

#[test]
fn a_totals_column_that_does_not_add_up_is_a_warning_at_its_cell() {
    let g = |leaf| Header::grouped("処理の状況", leaf);
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            g("開示"),
            g("一部開示"),
            g("不開示"),
            g("計"),
        ],
    )
    .row("令和4年度", counts(&[5, 2, 2, 1, 5]))
    .row("令和5年度", counts(&[4, 1, 1, 1, 4]));
    let reading = read("教育委員会.csv", table.to_delimited(',').as_bytes());
    assert_eq!(
        located(&reading),
        vec![
            (Code::RequestsDecisionsMismatch, "B4".to_owned()),
            (Code::TotalMismatch, "F4".to_owned()),
        ]
    );
    let text = message_at(&reading, Code::TotalMismatch, "F4");
    assert!(
        text.contains("処理の状況 › 計") && text.contains('4') && text.contains('3'),
        "{text}"
    );
    assert!(
        reading
            .figures
            .iter()
            .all(|f| f.provenance.cell_text() != "F3")
    );
}

#[test]
fn a_processed_total_beside_the_requests_adds_up_the_decisions() {
    // 札幌市's layout: 請求件数 | 処理件数 | outcomes. 処理件数 is compared with the outcomes only.
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("請求件数"),
            Header::leaf("処理件数"),
            Header::leaf("開示"),
            Header::leaf("一部開示"),
            Header::leaf("取下げ"),
        ],
    )
    .row("令和4年度", counts(&[4, 6, 3, 2, 1]))
    .row("令和5年度", counts(&[5, 6, 3, 2, 0]));
    let reading = read("市長.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        located(&reading),
        vec![
            (Code::RequestsDecisionsMismatch, "B2".to_owned()),
            (Code::TotalMismatch, "C3".to_owned()),
        ]
    );
}

#[test]
fn a_column_the_schema_does_not_know_is_named_with_its_header_cell() {
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("開示"),
            Header::leaf("任意開示"),
            Header::leaf("手数料(円)"),
        ],
    )
    .row("令和5年度", counts(&[2, 2, 1, 300]));
    let reading = read("議会.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "D1".to_owned()),
            (Code::UnknownColumn, "E1".to_owned()),
        ]
    );
    assert!(message_at(&reading, Code::UnknownColumn, "D1").contains("任意開示"));
    assert!(message_at(&reading, Code::UnknownColumn, "E1").contains("手数料(円)"));
    assert_eq!(reading.figures.len(), 2);
    assert!(
        reading
            .diagnostics
            .iter()
            .all(|d| d.severity() == Severity::Warning)
    );
}

#[test]
fn a_value_under_no_header_rejects_the_file() {
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("開示"),
            Header::leaf(""),
        ],
    )
    .row("令和5年度", counts(&[2, 2, 9]));
    let reading = read("議会.xlsx", &table.to_xlsx("S"));
    // Counts nobody can name may also be a row shifted right: nothing of the file is stored.
    assert_eq!(
        located(&reading),
        vec![(Code::ValuesWithoutHeader, "D1".to_owned())]
    );
    assert!(reading.has_errors());
}

#[test]
fn a_csv_row_shifted_by_an_unquoted_thousands_separator_is_refused() {
    let csv = "年度,開示請求,開示,一部開示\r\n令和4年度,1,234,1,200,34\r\n";
    let reading = read("市長部局.csv", csv.as_bytes());
    assert!(reading.has_errors(), "{:#?}", reading.diagnostics);
    assert!(
        located(&reading)
            .iter()
            .any(|(code, _)| *code == Code::ValuesWithoutHeader)
    );
}

#[test]
fn complaints_and_consultations_in_two_columns_are_summed_and_noted() {
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("苦情"),
            Header::leaf("相談"),
        ],
    )
    .row("令和5年度", counts(&[3, 1, 4]));
    let reading = read("市長.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        count_of(&reading, 2023, "complaints"),
        Some((5, "C2:D2".to_owned()))
    );
    // One warning for the pair of columns, at the first header.
    assert_eq!(
        located(&reading),
        vec![(Code::SummedColumns, "C1".to_owned())]
    );
}

#[test]
fn the_same_heading_under_two_years_is_an_error_not_a_sum() {
    // 令和3年度 › 開示請求 and 令和4年度 › 開示請求 side by side: adding them would store two
    // years' requests as one.
    let table = TableSpec::new(
        "実施機関",
        vec![
            Header::grouped("令和3年度", "開示請求"),
            Header::grouped("令和3年度", "開示"),
            Header::grouped("令和4年度", "開示請求"),
            Header::grouped("令和4年度", "開示"),
        ],
    )
    .row("選挙管理委員会", counts(&[2, 2, 3, 3]));
    let reading = read("R4_運用状況.xlsx", &table.to_xlsx("S"));
    assert!(reading.has_errors());
    assert!(
        located(&reading).contains(&(Code::RepeatedColumn, "D2".to_owned())),
        "{:#?}",
        reading.diagnostics
    );
}

#[test]
fn an_unlabelled_totals_row_is_a_check_and_a_wrong_one_is_reported() {
    let table = TableSpec::new(
        "実施機関",
        vec![Header::leaf("開示"), Header::leaf("部分開示")],
    )
    .title("平成29年度")
    .row("市長", counts(&[2, 7]))
    .row("教育委員会", counts(&[1, 0]))
    .row("", counts(&[3, 7]));
    let reading = read("表5.xlsx", &table.to_xlsx("S"));
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
    assert_eq!(reading.figures.len(), 4);

    let mut wrong = table;
    wrong.rows[2].1[1] = Value::Count(8);
    let reading = read("表5.xlsx", &wrong.to_xlsx("S"));
    assert_eq!(located(&reading), vec![(Code::UnknownRow, "A5".to_owned())]);
    assert_eq!(reading.figures.len(), 4);
}

#[test]
fn a_rate_column_is_noted_and_skipped() {
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("開示"),
            Header::leaf("開示率(%)"),
        ],
    )
    .row(
        "令和5年度",
        vec![
            Value::Count(2),
            Value::Count(2),
            Value::Text("100.0".to_owned()),
        ],
    );
    let reading = read("市長.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        located(&reading),
        vec![(Code::DerivedColumn, "D1".to_owned())]
    );
    assert_eq!(reading.figures.len(), 2);
}

#[test]
fn a_closing_total_may_add_up_the_decisions_or_the_requests() {
    let header = || {
        vec![
            Header::leaf("開示請求"),
            Header::leaf("訂正請求"),
            Header::leaf("開示"),
            Header::leaf("不開示"),
            Header::leaf("合計"),
        ]
    };
    // 令和4年度's 合計 is the requests (3 + 1), 令和5年度's the decisions (2 + 1); 令和6年度's
    // is neither, and the warning names the decisions it compared with.
    let table = TableSpec::new("年度", header())
        .row("令和4年度", counts(&[3, 1, 2, 1, 4]))
        .row("令和5年度", counts(&[3, 0, 2, 1, 3]))
        .row("令和6年度", counts(&[3, 0, 2, 1, 9]));
    let reading = read("市長.csv", table.to_delimited(',').as_bytes());
    assert_eq!(
        located(&reading),
        vec![(Code::TotalMismatch, "F4".to_owned())]
    );
    let text = message_at(&reading, Code::TotalMismatch, "F4");
    assert!(
        text.contains("開示、不開示") && text.contains('3'),
        "{text}"
    );
}

#[test]
fn a_total_that_cannot_be_checked_does_not_stop_the_next_one() {
    // 開示 › その他 holds a note, so 開示 › 計 cannot be verified; 訂正 › 計 still is.
    let g = Header::grouped;
    let table = TableSpec::new(
        "年度",
        vec![
            g("開示", "計"),
            g("開示", "開示"),
            g("開示", "その他"),
            g("訂正", "計"),
            g("訂正", "訂正"),
            g("訂正", "一部訂正"),
        ],
    )
    .row(
        "令和5年度",
        vec![
            Value::Count(5),
            Value::Count(4),
            Value::Text("※".to_owned()),
            Value::Count(3),
            Value::Count(1),
            Value::Count(1),
        ],
    );
    let reading = read("市長.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "D2".to_owned()),
            (Code::TotalMismatch, "E3".to_owned()),
        ]
    );
}

#[test]
fn a_second_section_total_adds_up_only_its_own_section() {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    let blank = vec![Value::Blank; 3];
    let table = TableSpec::new(
        "実施機関",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
        ],
    )
    .row("令和3年度", blank.clone())
    .row("選挙管理委員会", [2, 1, 1].map(Value::Count).to_vec())
    .row("農業委員会", [1, 1, 0].map(Value::Count).to_vec())
    .row("合計", [3, 2, 1].map(Value::Count).to_vec())
    .row("令和4年度", blank)
    .row("選挙管理委員会", [4, 3, 1].map(Value::Count).to_vec())
    .row("農業委員会", [1, 0, 1].map(Value::Count).to_vec())
    .row("合計", [5, 3, 2].map(Value::Count).to_vec());
    let reading = read("行政委員会.xlsx", &table.to_xlsx("運用状況"));
    assert!(
        reading
            .diagnostics
            .iter()
            .all(|d| d.code() != Code::TotalMismatch),
        "{:#?}",
        reading.diagnostics
    );
    assert_eq!(reading.figures.len(), 12, "{:#?}", reading.diagnostics);
}
