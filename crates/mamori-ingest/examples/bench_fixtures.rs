//! Writes the benchmark inputs: `N` department workbooks (a 運用状況 table each, three fiscal years,
//! a merged two-level header, different counts per file) or one per-request ledger of `ROWS` rows.
//!
//! ```sh
//! cargo run --release -p mamori-ingest --example bench_fixtures -- workbooks DIR 1000
//! cargo run --release -p mamori-ingest --example bench_fixtures -- ledger FILE.xlsx 500000
//! ```
#![expect(clippy::print_stdout, reason = "a command-line helper")]

use std::path::Path;

use mamori_test_support::table::example_headers;
use mamori_test_support::{TableSpec, Value};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const AGENCIES: &[&str] = &[
    "市長",
    "教育委員会",
    "選挙管理委員会",
    "監査委員",
    "農業委員会",
    "固定資産評価審査委員会",
    "公営企業管理者",
    "議会",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["workbooks", directory, count] => {
            workbooks(Path::new(directory), count.parse()?, Senders::Departments)
        }
        ["resends", directory, count] => {
            workbooks(Path::new(directory), count.parse()?, Senders::EightBodies)
        }
        ["ledger", file, rows] => ledger(Path::new(file), rows.parse()?),
        _ => Err("usage: bench_fixtures workbooks DIR N | resends DIR N | ledger FILE ROWS".into()),
    }
}

/// A deterministic pseudo-random sequence (no dependency needed for fixtures).
fn next(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

/// Who sends the workbooks.
#[derive(Clone, Copy)]
enum Senders {
    /// Every workbook from its own department (第1課, 第2課…): the spring collection.
    Departments,
    /// The eight 実施機関 in turn, so that every workbook after the eighth replaces an earlier
    /// one's figures: the worst case for the store.
    EightBodies,
}

fn workbooks(
    directory: &Path,
    count: usize,
    senders: Senders,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(directory)?;
    let headers = example_headers();
    let mut state = 42;
    for index in 0..count {
        let agency = match senders {
            Senders::Departments => format!("第{}課", index + 1),
            Senders::EightBodies => AGENCIES[index % AGENCIES.len()].to_owned(),
        };
        let mut table = TableSpec::new("年度", headers.clone())
            .title(&format!("{agency}　個人情報の開示請求等の運用状況"));
        for year in ["令和2年度", "令和3年度", "令和4年度"] {
            let decisions: Vec<u64> = (0..5).map(|_| next(&mut state) % 20).collect();
            let requests: u64 = decisions.iter().sum();
            let mut values = vec![Value::Count(requests)];
            values.extend(decisions.into_iter().map(Value::Count));
            values.extend((0..4).map(|_| Value::Count(next(&mut state) % 5)));
            table = table.row(year, values);
        }
        let path = directory.join(format!("{index:04}_{agency}.xlsx"));
        std::fs::write(&path, table.to_xlsx("運用状況"))?;
    }
    println!("wrote {count} workbooks to {}", directory.display());
    Ok(())
}

fn ledger(file: &Path, rows: u32) -> Result<(), Box<dyn std::error::Error>> {
    let kinds = [
        "開示請求",
        "開示請求",
        "開示請求",
        "訂正請求",
        "利用停止請求",
    ];
    let decisions = ["開示", "一部開示", "不開示", "不存在", "取下げ", ""];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("受付簿")?;
    let date_format = Format::new().set_num_format("yyyy/mm/dd");
    for (column, title) in ["受付番号", "受付日", "請求の種類", "決定内容", "実施機関"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *title)?;
    }
    let mut state = 7;
    for row in 1..=rows {
        let day = next(&mut state) % (365 * 4);
        let date = ExcelDateTime::from_ymd(2020, 4, 1)?;
        let serial = date.to_excel() + day as f64;
        sheet.write_number(row, 0, f64::from(row))?;
        sheet.write_datetime_with_format(
            row,
            1,
            &ExcelDateTime::from_serial_datetime(serial)?,
            &date_format,
        )?;
        let kind = kinds[(next(&mut state) % kinds.len() as u64) as usize];
        sheet.write_string(row, 2, kind)?;
        if kind == "開示請求" {
            let decision = decisions[(next(&mut state) % decisions.len() as u64) as usize];
            if !decision.is_empty() {
                sheet.write_string(row, 3, decision)?;
            }
        }
        sheet.write_string(
            row,
            4,
            AGENCIES[(next(&mut state) % AGENCIES.len() as u64) as usize],
        )?;
    }
    workbook.save(file)?;
    println!("wrote a ledger of {rows} rows to {}", file.display());
    Ok(())
}
