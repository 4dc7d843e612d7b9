//! Layout recognition over real files written by real writers: every figure of a table comes
//! back with its cell.

mod support;

use mamori_core::{Code, Severity};
use mamori_test_support::table::example_headers;
use mamori_test_support::{Header, TableSpec, Value};

use crate::support::{CellRow, cell_row, codes, counts, figures_with_cells, read};

fn example_page() -> TableSpec {
    TableSpec::new("年度", example_headers())
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
    let got = figures_with_cells(&reading);
    assert_eq!(got.len(), 20, "{got:#?}");
    assert!(
        got.contains(&cell_row(2020, "市長", "partially_disclosed", 1, "D4")),
        "{got:#?}"
    );
    assert!(got.contains(&cell_row(2020, "市長", "disclosure_requests", 1, "B4")));
    assert!(got.contains(&cell_row(2021, "市長", "complaints", 1, "J5")));
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
    let xlsx = figures_with_cells(&read("市長部局.xlsx", &example_page().to_xlsx("運用状況")));
    let csv = read("市長部局.csv", example_page().to_delimited(',').as_bytes());
    assert!(!csv.has_errors(), "{:#?}", csv.diagnostics);
    let strip = |rows: Vec<CellRow>| {
        rows.into_iter()
            .map(|(y, a, k, c, _)| (y, a, k, c))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(figures_with_cells(&csv)), strip(xlsx.clone()));
    let cp932 = read("市長部局.csv", &example_page().to_cp932_csv());
    assert_eq!(strip(figures_with_cells(&cp932)), strip(xlsx.clone()));
    let html = read("page.html", example_page().to_html().as_bytes());
    assert!(!html.has_errors(), "{:#?}", html.diagnostics);
    assert_eq!(strip(figures_with_cells(&html)), strip(xlsx.clone()));
    let transposed = read("市長部局.xlsx", &example_page().transposed().to_xlsx("S"));
    assert_eq!(strip(figures_with_cells(&transposed)), strip(xlsx));
}

#[test]
fn year_rows_without_values_head_the_agency_rows_below_them() {
    let table = TableSpec::new(
        "実施機関",
        vec![Header::leaf("開示請求"), Header::leaf("開示")],
    )
    .row("令和4年度", vec![])
    .row("市長", counts(&[2, 2]))
    .row("教育委員会", counts(&[1, 1]))
    .row("令和5年度", vec![])
    .row("市長", counts(&[3, 3]));
    let reading = read("運用状況.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        figures_with_cells(&reading),
        vec![
            cell_row(2022, "市長", "disclosed", 2, "C3"),
            cell_row(2022, "市長", "disclosure_requests", 2, "B3"),
            cell_row(2022, "教育委員会", "disclosed", 1, "C4"),
            cell_row(2022, "教育委員会", "disclosure_requests", 1, "B4"),
            cell_row(2023, "市長", "disclosed", 3, "C6"),
            cell_row(2023, "市長", "disclosure_requests", 3, "B6"),
        ]
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn a_year_row_left_blank_among_years_is_a_year_of_zeros() {
    let table = TableSpec::new("年度", vec![Header::leaf("開示請求"), Header::leaf("開示")])
        .row("令和3年度", counts(&[2, 2]))
        .row("令和4年度", vec![Value::Blank, Value::Blank])
        .row("令和5年度", counts(&[1, 1]));
    let reading = read("議会.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        figures_with_cells(&reading),
        vec![
            cell_row(2021, "議会", "disclosed", 2, "C2"),
            cell_row(2021, "議会", "disclosure_requests", 2, "B2"),
            cell_row(2022, "議会", "disclosed", 0, "C3"),
            cell_row(2022, "議会", "disclosure_requests", 0, "B3"),
            cell_row(2023, "議会", "disclosed", 1, "C4"),
            cell_row(2023, "議会", "disclosure_requests", 1, "B4"),
        ]
    );
}

#[test]
fn agencies_across_the_top_with_the_year_in_the_title() {
    let table = TableSpec::new(
        "実施機関",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("開示"),
            Header::leaf("一部開示"),
        ],
    )
    .title("令和5年度 個人情報保護制度の運用状況")
    .row("市長", counts(&[2, 1, 1]))
    .row("教育委員会", counts(&[1, 1, 0]))
    .transposed();
    let reading = read("運用状況.xlsx", &table.to_xlsx("S"));
    assert_eq!(
        figures_with_cells(&reading),
        vec![
            cell_row(2023, "市長", "disclosed", 1, "B4"),
            cell_row(2023, "市長", "disclosure_requests", 2, "B3"),
            cell_row(2023, "市長", "partially_disclosed", 1, "B5"),
            cell_row(2023, "教育委員会", "disclosed", 1, "C4"),
            cell_row(2023, "教育委員会", "disclosure_requests", 1, "C3"),
            cell_row(2023, "教育委員会", "partially_disclosed", 0, "C5"),
        ]
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn a_title_merged_across_the_table_is_a_title_not_a_group() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet();
    let table = example_page();
    table.write_to(worksheet).expect("fits");
    worksheet
        .merge_range(
            0,
            0,
            0,
            10,
            "市長部局 個人情報保護制度の運用状況",
            &rust_xlsxwriter::Format::new(),
        )
        .expect("merge");
    let reading = read("運用状況.xlsx", &workbook.save_to_buffer().expect("saves"));
    let got = figures_with_cells(&reading);
    assert_eq!(got.len(), 20, "{got:#?}");
    assert!(got.contains(&cell_row(2020, "市長", "partially_disclosed", 1, "D4")));
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn footnote_marks_on_agency_labels_are_not_part_of_the_name() {
    let table = TableSpec::new("区分", vec![Header::leaf("開示請求"), Header::leaf("開示")])
        .title("令和5年度")
        .row("市長※1", counts(&[2, 2]))
        .row("教育委員会（注2）", counts(&[1, 1]))
        .row("議会 *", counts(&[0, 0]))
        .row("計", counts(&[3, 3]));
    let reading = read("運用状況.csv", table.to_delimited(',').as_bytes());
    assert_eq!(
        reading
            .agencies()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["市長", "教育委員会", "議会"]
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn two_tables_stacked_on_one_sheet_each_take_their_own_title() {
    let table = |year: &str, requests: u64| {
        TableSpec::new(
            "実施機関",
            vec![Header::leaf("開示請求"), Header::leaf("開示")],
        )
        .title(year)
        .row("市長", counts(&[requests, requests]))
    };
    let text = format!(
        "{}\r\n{}",
        table("令和4年度", 2).to_delimited(','),
        table("令和5年度", 3).to_delimited(',')
    );
    let reading = read("運用状況.csv", text.as_bytes());
    assert_eq!(
        figures_with_cells(&reading),
        vec![
            cell_row(2022, "市長", "disclosed", 2, "C3"),
            cell_row(2022, "市長", "disclosure_requests", 2, "B3"),
            cell_row(2023, "市長", "disclosed", 3, "C7"),
            cell_row(2023, "市長", "disclosure_requests", 3, "B7"),
        ]
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn csv_rows_are_numbered_as_a_spreadsheet_shows_them() {
    // A header cell with a quoted line break, then a blank line under the header.
    let text = "年度,開示請求,\"一部\r\n開示\"\r\n\r\n令和5年度,3,3\r\n令和6年度,4,4\r\n";
    let reading = read("市長.csv", text.as_bytes());
    assert_eq!(
        figures_with_cells(&reading),
        vec![
            cell_row(2023, "市長", "disclosure_requests", 3, "B3"),
            cell_row(2023, "市長", "partially_disclosed", 3, "C3"),
            cell_row(2024, "市長", "disclosure_requests", 4, "B4"),
            cell_row(2024, "市長", "partially_disclosed", 4, "C4"),
        ]
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn a_blank_spacer_row_does_not_end_the_table_before_more_years() {
    // Dropping 令和4年度 because a blank line stands above it would lose its figures silently.
    let csv = "市長部局 運用状況\r\n年度,開示請求,開示,一部開示\r\n令和3年度,5,4,1\r\n,,,\r\n令和4年度,3,2,1\r\n";
    let reading = read("市長部局.csv", csv.as_bytes());
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
    let requests: Vec<(i32, u64, String)> = figures_with_cells(&reading)
        .into_iter()
        .filter(|row| row.2 == "disclosure_requests")
        .map(|row| (row.0, row.3, row.4))
        .collect();
    assert_eq!(
        requests,
        vec![(2021, 5, "B3".to_owned()), (2022, 3, "B5".to_owned())]
    );
}

fn agencies_r4() -> TableSpec {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    TableSpec::new(
        "実施機関",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
        ],
    )
    .row("選挙管理委員会", [2, 1, 1].map(Value::Count).to_vec())
    .row("農業委員会", [1, 1, 0].map(Value::Count).to_vec())
}

#[test]
fn a_compilation_date_above_the_table_is_not_its_fiscal_year() {
    let table = agencies_r4()
        .title("令和4年度 実施機関別の運用状況")
        .title("令和5年6月1日現在");
    let reading = read("運用状況.xlsx", &table.to_xlsx("集計"));
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
    let years: Vec<i32> = figures_with_cells(&reading)
        .iter()
        .map(|row| row.0)
        .collect();
    assert!(
        !years.is_empty() && years.iter().all(|year| *year == 2022),
        "{years:?}"
    );
}

#[test]
fn an_html_table_takes_its_year_from_the_headings_above_it_only() {
    let html = agencies_r4()
        .title("令和4年度の運用状況")
        .to_html()
        .replace(
            "</table>",
            "</table>\n<h2>令和3年度の運用状況</h2><p>PDF</p>",
        );
    let reading = read("page.html", html.as_bytes());
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
    let years: Vec<i32> = figures_with_cells(&reading)
        .iter()
        .map(|row| row.0)
        .collect();
    assert!(
        !years.is_empty() && years.iter().all(|year| *year == 2022),
        "{years:?}"
    );
}

#[test]
fn an_html_row_that_lost_its_empty_cells_is_an_error_not_zeros() {
    // domain.md §2: the example page's 令和3年度 row shows 8 numbers for 10 columns and its
    // 令和4年度 row none at all. Which numbers belong where cannot be known.
    let mut table = TableSpec::new("年度", example_headers())
        .row(
            "令和2年度",
            [1, 0, 1, 0, 0, 0, 0, 0, 0, 0].map(Value::Count).to_vec(),
        )
        .row(
            "令和3年度",
            [2, 1, 0, 0, 1, 0, 0, 0].map(Value::Count).to_vec(),
        );
    table.rows[1].1.extend([Value::Blank, Value::Blank]);
    let html = table.to_html();
    let (before, after) = html.split_once("令和3年度").expect("the row is there");
    let after = after.replacen("<td></td><td></td></tr>", "</tr>", 1);
    let html = format!("{before}令和3年度{after}")
        .replace("</table>", "<tr><th>令和4年度</th></tr></table>");
    let reading = read("page.html", html.as_bytes());
    assert!(reading.has_errors(), "{:#?}", reading.diagnostics);
    let missing: Vec<String> = reading
        .diagnostics
        .iter()
        .filter(|d| d.code() == Code::MissingCell)
        .filter_map(|d| d.location().cell.map(|cell| cell.to_string()))
        .collect();
    assert!(
        missing.contains(&"J4".to_owned()) && missing.contains(&"K4".to_owned()),
        "{missing:?}"
    );
    assert!(missing.contains(&"B5".to_owned()), "{missing:?}");
}

#[test]
fn a_hidden_sheet_is_skipped_with_a_warning_naming_it() {
    let current = TableSpec::new("年度", vec![Header::leaf("開示請求")])
        .title("市長部局 運用状況")
        .row("令和4年度", vec![Value::Count(5)]);
    let old_copy = TableSpec::new("年度", vec![Header::leaf("開示請求")])
        .title("市長部局 運用状況")
        .row("令和4年度", vec![Value::Count(3)]);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("運用状況").expect("name");
    current.write_to(sheet).expect("write");
    let hidden = workbook.add_worksheet();
    hidden.set_name("旧").expect("name");
    old_copy.write_to(hidden).expect("write");
    hidden.set_hidden(true);
    let bytes = workbook.save_to_buffer().expect("save");
    let reading = read("市長部局.xlsx", &bytes);
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
    let counts: Vec<u64> = reading.figures.iter().map(|f| f.count).collect();
    assert_eq!(counts, vec![5]);
    let hidden_sheets: Vec<Option<String>> = reading
        .diagnostics
        .iter()
        .filter(|d| d.code() == Code::HiddenSheet)
        .map(|d| d.location().sheet.clone())
        .collect();
    assert_eq!(hidden_sheets, vec![Some("旧".to_owned())]);
}

#[test]
fn a_row_of_numbers_no_table_took_is_reported() {
    let csv =
        "年度,開示請求,開示,一部開示\r\n令和3年度,5,4,1\r\n※ 次の行は速報値\r\n令和4年度,4,4,0\r\n";
    let reading = read("市長部局.csv", csv.as_bytes());
    let unread: Vec<String> = reading
        .diagnostics
        .iter()
        .filter(|d| d.code() == Code::UnreadRow)
        .filter_map(|d| d.location().cell.map(|cell| cell.to_string()))
        .collect();
    assert_eq!(unread, vec!["B4".to_owned()], "{:#?}", reading.diagnostics);
}

#[test]
fn a_count_merged_over_two_columns_is_counted_once_with_a_warning() {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    let table = TableSpec::new(
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
        vec![Value::Count(3), Value::Blank, Value::Blank],
    );
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("S").expect("name");
    table.write_to(sheet).expect("write");
    // C4:D4 merged, holding 3 (開示 and 一部開示 together, as some publishers write it).
    let format = rust_xlsxwriter::Format::new();
    sheet.merge_range(3, 2, 3, 3, "", &format).expect("merge");
    sheet
        .write_number_with_format(3, 2, 3.0, &format)
        .expect("value");
    let bytes = workbook.save_to_buffer().expect("save");
    let reading = read("市長部局.xlsx", &bytes);
    let merged: Vec<String> = reading
        .diagnostics
        .iter()
        .filter(|d| d.code() == Code::MergedValue)
        .filter_map(|d| d.location().cell.map(|cell| cell.to_string()))
        .collect();
    assert_eq!(merged, vec!["C4".to_owned()], "{:#?}", reading.diagnostics);
    let rows = figures_with_cells(&reading);
    assert!(
        rows.contains(&(
            2022,
            "市長".to_owned(),
            "disclosed".to_owned(),
            3,
            "C4".to_owned()
        )),
        "{rows:#?}"
    );
    assert!(
        rows.contains(&(
            2022,
            "市長".to_owned(),
            "partially_disclosed".to_owned(),
            0,
            "D4".to_owned()
        )),
        "{rows:#?}"
    );
}
