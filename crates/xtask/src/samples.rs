//! The bundled sample data in `samples/`: a fictional city's department files in the layouts real
//! departments send (years as rows with a merged two-level header, a CP932 CSV, agencies as rows
//! with the year in the title, and a per-request ledger). The figures are made up.

use std::path::Path;

use anyhow::Context as _;
use mamori_test_support::table::example_headers;
use mamori_test_support::{TableSpec, Value};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let folder = root.join("samples");
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create `{}`", folder.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = folder.join(name);
        std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        println!("wrote {}", path.display());
        anyhow::Ok(())
    };
    write("市長部局_運用状況.xlsx", &mayor().to_xlsx("運用状況"))?;
    write("教育委員会_運用状況.csv", &education().to_cp932_csv())?;
    write(
        "行政委員会等_令和4年度.xlsx",
        &committees().to_xlsx("令和4年度"),
    )?;
    write("議会_開示請求受付簿.xlsx", &ledger()?)?;
    Ok(())
}

fn counts(values: [u64; 10]) -> Vec<Value> {
    values.map(Value::Count).to_vec()
}

fn mayor() -> TableSpec {
    TableSpec::new("年度", example_headers())
        .title("市長部局　個人情報の開示請求等の運用状況")
        .row("令和2年度", counts([14, 5, 7, 1, 1, 0, 1, 0, 6, 0]))
        .row("令和3年度", counts([18, 6, 9, 0, 2, 1, 0, 1, 4, 1]))
        .row("令和4年度", counts([21, 8, 10, 1, 1, 1, 1, 0, 7, 0]))
}

fn education() -> TableSpec {
    TableSpec::new("年度", example_headers())
        .title("教育委員会　運用状況")
        .row("令和3年度", counts([4, 2, 2, 0, 0, 0, 0, 0, 1, 0]))
        .row("令和4年度", counts([6, 3, 2, 0, 1, 0, 1, 0, 2, 0]))
}

fn committees() -> TableSpec {
    let mut columns = example_headers();
    columns.truncate(6);
    TableSpec::new("実施機関", columns)
        .title("令和4年度　行政委員会等の開示請求の状況")
        .row(
            "選挙管理委員会",
            [2, 1, 1, 0, 0, 0].map(Value::Count).to_vec(),
        )
        .row("監査委員", [0, 0, 0, 0, 0, 0].map(Value::Count).to_vec())
        .row("農業委員会", [1, 0, 0, 0, 1, 0].map(Value::Count).to_vec())
        .row(
            "固定資産評価審査委員会",
            [0, 0, 0, 0, 0, 0].map(Value::Count).to_vec(),
        )
        .row("合計", [3, 1, 1, 0, 1, 0].map(Value::Count).to_vec())
}

/// A per-request ledger: one row per request, receipt dates across two fiscal years.
fn ledger() -> anyhow::Result<Vec<u8>> {
    let rows: &[((u16, u8, u8), &str, &str)] = &[
        ((2022, 5, 12), "開示請求", "一部開示"),
        ((2022, 9, 1), "開示請求", "開示"),
        ((2023, 3, 31), "開示請求", "不存在"),
        ((2023, 4, 1), "開示請求", "開示"),
        ((2023, 7, 18), "訂正請求", ""),
        ((2024, 2, 29), "開示請求", ""),
    ];
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
    for (index, ((year, month, day), kind, decision)) in rows.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_number(row, 0, f64::from(row))?;
        sheet.write_datetime_with_format(
            row,
            1,
            &ExcelDateTime::from_ymd(*year, *month, *day)?,
            &date_format,
        )?;
        sheet.write_string(row, 2, *kind)?;
        if !decision.is_empty() {
            sheet.write_string(row, 3, *decision)?;
        }
        sheet.write_string(row, 4, "議会")?;
    }
    sheet.set_column_width(1, 12)?;
    Ok(workbook.save_to_buffer()?)
}
