//! Per-request ledgers (受付簿): one row per request, tallied by the fiscal year of receipt,
//! the 実施機関 and the decision; dates as real date cells, serial numbers, 和暦 text or ISO text.

mod support;

use std::collections::BTreeSet;

use mamori_core::Code;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::support::{Row, cell_of, figures, figures_with_cells, located, read};

fn tally(rows: &[(i32, &str, &str, u64)]) -> BTreeSet<Row> {
    rows.iter()
        .map(|(year, agency, key, count)| (*year, (*agency).to_owned(), (*key).to_owned(), *count))
        .collect()
}

/// A ledger as CSV text: header then rows.
fn csv(header: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    let mut text = header.join(",");
    text.push_str("\r\n");
    for row in rows {
        text.push_str(&row.join(","));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// The receipts of one year around 31 March and 1 April, with every kind of decision.
const RECEIPTS: &[(&str, &str, &str, &str)] = &[
    ("2022-04-01", "開示請求", "一部開示", "市長部局"),
    ("2023-03-31", "開示請求", "開示", "市長"),
    ("2023-04-01", "開示請求", "一部開示", "市長"),
    ("2023-04-10", "開示請求", "不開示", "教育委員会"),
    ("2023-05-01", "開示請求", "", "市長"),
    ("2023-06-01", "訂正請求", "訂正", "市長"),
    ("2023-07-01", "開示請求", "不存在", "教育委員会"),
    ("2024-03-31", "開示請求", "取下げ", "市長"),
];

/// The figures a ledger counted rows for (the zeros it adds for unreached decisions apart).
fn counted(reading: &mamori_ingest::FileReading) -> BTreeSet<Row> {
    figures(reading)
        .into_iter()
        .filter(|(_, _, _, count)| *count > 0)
        .collect()
}

fn receipts_tally() -> BTreeSet<Row> {
    tally(&[
        (2022, "市長", "disclosure_requests", 2),
        (2022, "市長", "disclosed", 1),
        (2022, "市長", "partially_disclosed", 1),
        (2023, "市長", "disclosure_requests", 3),
        (2023, "市長", "partially_disclosed", 1),
        (2023, "市長", "pending", 1),
        (2023, "市長", "withdrawn", 1),
        (2023, "市長", "correction_requests", 1),
        (2023, "市長", "corrected", 1),
        (2023, "教育委員会", "disclosure_requests", 2),
        (2023, "教育委員会", "not_disclosed", 1),
        (2023, "教育委員会", "nonexistent", 1),
    ])
}

fn ymd(iso: &str) -> (u16, u8, u8) {
    let parts: Vec<&str> = iso.split('-').collect();
    (
        parts[0].parse().expect("year"),
        parts[1].parse().expect("month"),
        parts[2].parse().expect("day"),
    )
}

#[test]
fn real_date_cells_are_tallied_by_fiscal_year_of_receipt() {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("受付簿").expect("valid name");
    let date_format = Format::new().set_num_format("yyyy/mm/dd");
    for (column, label) in ["受付日", "請求の種類", "決定内容", "実施機関"]
        .iter()
        .enumerate()
    {
        worksheet
            .write_string(0, column as u16, *label)
            .expect("header");
    }
    for (index, (date, kind, decision, agency)) in RECEIPTS.iter().enumerate() {
        let row = index as u32 + 1;
        let (y, m, d) = ymd(date);
        let date = ExcelDateTime::from_ymd(y, m, d).expect("valid date");
        worksheet
            .write_datetime_with_format(row, 0, &date, &date_format)
            .expect("date");
        worksheet.write_string(row, 1, *kind).expect("kind");
        if !decision.is_empty() {
            worksheet.write_string(row, 2, *decision).expect("decision");
        }
        worksheet.write_string(row, 3, *agency).expect("agency");
    }
    let reading = read("受付簿.xlsx", &workbook.save_to_buffer().expect("saves"));
    assert_eq!(counted(&reading), receipts_tally());
    // A tally points at the first and last cell it counted.
    assert_eq!(
        cell_of(&reading, 2022, "市長", "disclosure_requests"),
        "A2:A3"
    );
    assert_eq!(
        cell_of(&reading, 2023, "市長", "disclosure_requests"),
        "A4:A9"
    );
    assert_eq!(cell_of(&reading, 2023, "市長", "pending"), "C6");
    assert_eq!(cell_of(&reading, 2023, "教育委員会", "nonexistent"), "C8");
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn serial_numbers_without_a_date_format_are_dates() {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    for (column, label) in ["受付日", "決定内容"].iter().enumerate() {
        worksheet
            .write_string(0, column as u16, *label)
            .expect("header");
    }
    // 45016 is 2023-03-31, 45017 is 2023-04-01 (1900 date system).
    for (row, (serial, decision)) in [(45_016.0, "開示"), (45_017.0, "非開示")]
        .into_iter()
        .enumerate()
    {
        let row = row as u32 + 1;
        worksheet.write_number(row, 0, serial).expect("serial");
        worksheet.write_string(row, 1, decision).expect("decision");
    }
    let reading = read(
        "農業委員会_受付簿.xlsx",
        &workbook.save_to_buffer().expect("saves"),
    );
    assert_eq!(
        counted(&reading),
        tally(&[
            (2022, "農業委員会", "disclosure_requests", 1),
            (2022, "農業委員会", "disclosed", 1),
            (2023, "農業委員会", "disclosure_requests", 1),
            (2023, "農業委員会", "not_disclosed", 1),
        ])
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn wareki_text_dates_in_a_csv() {
    let rows: Vec<Vec<String>> = RECEIPTS
        .iter()
        .map(|(date, kind, decision, agency)| {
            let (y, m, d) = ymd(date);
            let era_year = i32::from(y) - 2018;
            let era = if era_year == 1 {
                "令和元".to_owned()
            } else {
                format!("令和{era_year}")
            };
            vec![
                format!("{era}年{m}月{d}日"),
                (*kind).to_owned(),
                (*decision).to_owned(),
                (*agency).to_owned(),
            ]
        })
        .collect();
    let borrowed: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = borrowed.iter().map(Vec::as_slice).collect();
    let bytes = csv(&["受付日", "請求の種類", "決定内容", "実施機関"], &slices);
    let reading = read("受付簿.csv", &bytes);
    assert_eq!(counted(&reading), receipts_tally());
    assert_eq!(
        cell_of(&reading, 2022, "市長", "disclosure_requests"),
        "A2:A3"
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn iso_text_dates_full_width_digits_and_header_variants() {
    // 受付年月日 | 種別 | 処理結果 | 実施機関名, dates as text (one with full-width digits,
    // one with slashes), decisions with 決定 and the 非 wording.
    let bytes = csv(
        &["受付年月日", "種別", "処理結果", "実施機関名"],
        &[
            &["2023-03-31", "開示", "開示決定", "選挙管理委員会"],
            &["２０２３－０４－０１", "開示", "非開示", "選挙管理委員会"],
            &["2023/4/2", "利用停止", "", "選挙管理委員会"],
            &["2023/4/3", "開示", "部分開示決定", "監査委員"],
        ],
    );
    let reading = read("ledger.csv", &bytes);
    assert_eq!(
        counted(&reading),
        tally(&[
            (2022, "選挙管理委員会", "disclosure_requests", 1),
            (2022, "選挙管理委員会", "disclosed", 1),
            (2023, "選挙管理委員会", "disclosure_requests", 1),
            (2023, "選挙管理委員会", "not_disclosed", 1),
            (2023, "選挙管理委員会", "suspension_requests", 1),
            (2023, "監査委員", "disclosure_requests", 1),
            (2023, "監査委員", "partially_disclosed", 1),
        ])
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

#[test]
fn without_an_agency_column_the_file_name_names_the_agency() {
    let bytes = csv(
        &["受付日", "決定内容"],
        &[&["2023-04-01", "開示"], &["2023-04-02", "取り下げ"]],
    );
    let reading = read("教育委員会_受付簿.csv", &bytes);
    assert_eq!(
        counted(&reading),
        tally(&[
            (2023, "教育委員会", "disclosure_requests", 2),
            (2023, "教育委員会", "disclosed", 1),
            (2023, "教育委員会", "withdrawn", 1),
        ])
    );
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
    // Without any hint the whole city is assumed, with a warning at the first row counted.
    let reading = read("受付簿.csv", &bytes);
    assert_eq!(
        counted(&reading),
        tally(&[
            (2023, "全実施機関", "disclosure_requests", 2),
            (2023, "全実施機関", "disclosed", 1),
            (2023, "全実施機関", "withdrawn", 1),
        ])
    );
    assert_eq!(
        located(&reading),
        vec![(Code::AgencyAssumed, "A2".to_owned())]
    );
}

#[test]
fn an_unreadable_date_is_an_error_at_its_cell() {
    let bytes = csv(
        &["受付日", "請求の種類", "決定内容", "実施機関"],
        &[
            &["2023-04-01", "開示請求", "開示", "市長"],
            &["4月1日頃", "開示請求", "開示", "市長"],
            &["", "開示請求", "開示", "市長"],
            &["令和5年2月30日", "開示請求", "開示", "市長"],
        ],
    );
    let reading = read("受付簿.csv", &bytes);
    assert!(reading.has_errors());
    assert_eq!(
        located(&reading),
        vec![
            (Code::LedgerDate, "A3".to_owned()),
            (Code::LedgerDate, "A4".to_owned()),
            (Code::LedgerDate, "A5".to_owned()),
        ]
    );
    let message = reading.diagnostics[0].message();
    assert!(message.contains("4月1日頃"), "{message}");
    // The readable row is still tallied (shown to staff), but the file as a whole is refused.
    assert_eq!(
        counted(&reading),
        tally(&[
            (2023, "市長", "disclosure_requests", 1),
            (2023, "市長", "disclosed", 1),
        ])
    );
}

#[test]
fn an_unknown_request_type_or_decision_is_an_error_at_its_cell() {
    let bytes = csv(
        &["受付日", "請求の種類", "決定内容", "実施機関"],
        &[
            &["2023-04-01", "相談", "", "市長"],
            &["2023-04-02", "閲覧", "開示", "市長"],
            &["2023-04-03", "開示請求", "保留", "市長"],
        ],
    );
    let reading = read("受付簿.csv", &bytes);
    assert!(reading.has_errors());
    assert_eq!(
        located(&reading),
        vec![
            (Code::LedgerValue, "B3".to_owned()),
            (Code::LedgerValue, "C4".to_owned()),
        ]
    );
    // 相談 is a complaint/consultation, a request category without decisions.
    assert_eq!(counted(&reading), tally(&[(2023, "市長", "complaints", 1)]));
}

#[test]
fn a_date_after_the_era_change_written_in_the_old_era_is_read_and_noted() {
    let bytes = csv(
        &["受付日", "決定内容", "実施機関"],
        &[
            &["平成31年4月30日", "開示", "市長"],
            &["平成31年5月7日", "開示", "市長"],
        ],
    );
    let reading = read("受付簿.csv", &bytes);
    assert_eq!(
        counted(&reading),
        tally(&[
            (2019, "市長", "disclosure_requests", 2),
            (2019, "市長", "disclosed", 2),
        ])
    );
    assert_eq!(
        located(&reading),
        vec![(Code::EraAfterChange, "A3".to_owned())]
    );
    assert!(!reading.has_errors());
}

#[test]
fn a_long_ledger_streams_past_the_probe_rows_and_caps_its_error_list() {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    let date_format = Format::new().set_num_format("yyyy/mm/dd");
    for (column, label) in ["受付日", "決定内容", "実施機関"].iter().enumerate() {
        worksheet
            .write_string(0, column as u16, *label)
            .expect("header");
    }
    // 1,000 good rows across two fiscal years, then 60 rows with a broken date.
    // 44927 is 2023-01-01; five receipts a day.
    for row in 1..=1000u32 {
        let date = ExcelDateTime::from_serial_datetime(f64::from(44_927 + (row - 1) / 5))
            .expect("valid serial");
        worksheet
            .write_datetime_with_format(row, 0, &date, &date_format)
            .expect("date");
        worksheet
            .write_string(
                row,
                1,
                if row % 2 == 0 {
                    "開示"
                } else {
                    "一部開示"
                },
            )
            .expect("decision");
        worksheet.write_string(row, 2, "市長").expect("agency");
    }
    for row in 1001..=1060u32 {
        worksheet.write_string(row, 0, "不明").expect("bad date");
        worksheet.write_string(row, 2, "市長").expect("agency");
    }
    let reading = read("受付簿.xlsx", &workbook.save_to_buffer().expect("saves"));
    // 2023-01-01 + 199 days = 2023-07-19; rows 1-450 fall before 2023-04-01 (90 days × 5).
    assert_eq!(
        counted(&reading),
        tally(&[
            (2022, "市長", "disclosure_requests", 450),
            (2022, "市長", "disclosed", 225),
            (2022, "市長", "partially_disclosed", 225),
            (2023, "市長", "disclosure_requests", 550),
            (2023, "市長", "disclosed", 275),
            (2023, "市長", "partially_disclosed", 275),
        ])
    );
    let dates = located(&reading)
        .iter()
        .filter(|(code, _)| *code == Code::LedgerDate)
        .count();
    assert_eq!(dates, 50);
    assert!(
        reading
            .diagnostics
            .iter()
            .any(|d| d.code() == Code::TooManyErrors && d.message().contains("60"))
    );
}

#[test]
fn a_blank_request_type_is_an_error_not_a_disclosure_request() {
    let bytes = csv(
        &["受付日", "請求の種類", "決定内容", "実施機関"],
        &[
            &["2022/5/1", "開示請求", "開示", "市長"],
            &["2022/6/1", "", "開示", "市長"],
        ],
    );
    let reading = read("受付簿.csv", &bytes);
    assert!(reading.has_errors());
    assert_eq!(
        located(&reading),
        vec![(Code::LedgerValue, "B3".to_owned())]
    );
}

#[test]
fn a_receipt_outside_the_ledgers_stated_year_is_an_error() {
    // One stray row would otherwise replace all of 令和3年度's figures for 市長.
    let bytes = csv(
        &["受付日", "請求の種類", "決定内容", "実施機関"],
        &[
            &["2022/5/1", "開示請求", "開示", "市長"],
            &["2022/3/31", "開示請求", "開示", "市長"],
        ],
    );
    let reading = read("令和4年度_受付簿.csv", &bytes);
    assert!(reading.has_errors());
    assert_eq!(located(&reading), vec![(Code::LedgerDate, "A3".to_owned())]);
    // Without a stated year, receipts of several years are tallied by year.
    let reading = read("受付簿.csv", &bytes);
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
}

#[test]
fn a_ledger_with_decisions_counts_the_published_decisions_no_request_reached_as_zero() {
    let bytes = csv(
        &["受付日", "請求の種類", "決定内容", "実施機関"],
        &[
            &["2022-05-01", "開示請求", "開示", "市長"],
            &["2022-06-01", "開示請求", "一部開示", "市長"],
            &["2022-07-01", "訂正請求", "訂正", "市長"],
        ],
    );
    let reading = read("受付簿.csv", &bytes);
    let zeros: BTreeSet<(String, String)> = figures_with_cells(&reading)
        .into_iter()
        .filter(|(_, _, _, count, _)| *count == 0)
        .map(|(_, _, key, _, cell)| (key, cell))
        .collect();
    // The decisions every published table has are 0, at the rows of the requests counted;
    // extensions (処理中, 存否応答拒否) and the correction outcomes stay unreported.
    let expected: BTreeSet<(String, String)> = ["not_disclosed", "nonexistent", "withdrawn"]
        .iter()
        .map(|key| ((*key).to_owned(), "A2:A3".to_owned()))
        .collect();
    assert_eq!(zeros, expected);

    // Without a decision column the ledger says nothing about decisions.
    let bytes = csv(
        &["受付日", "請求の種類", "実施機関"],
        &[&["2022-05-01", "開示請求", "市長"]],
    );
    let reading = read("受付簿.csv", &bytes);
    assert!(
        figures(&reading).iter().all(|(_, _, _, count)| *count > 0),
        "{:?}",
        figures(&reading)
    );
}
