//! The workbook read back with calamine: values, merged header, number formats, the データ
//! sheet's shape and the warnings on 確認事項.

mod support;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use mamori_report::xlsx::{
    COUNT_FORMAT, HEADER_ROW, SHEET_BY_AGENCY, SHEET_CHECKS, SHEET_DATA, SHEET_TABLE,
    WESTERN_YEAR_FORMAT,
};

fn open() -> Xlsx<Cursor<Vec<u8>>> {
    let bytes = mamori_report::xlsx::workbook(&support::report()).expect("workbook");
    Xlsx::new(Cursor::new(bytes)).expect("opens")
}

fn text(range: &calamine::Range<Data>, row: u32, column: u32) -> String {
    match range.get_value((row, column)) {
        Some(Data::String(text)) => text.clone(),
        Some(Data::Float(number)) => number.to_string(),
        Some(Data::Int(number)) => number.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

#[test]
fn sheets_come_in_the_published_order() {
    let workbook = open();
    assert_eq!(
        workbook.sheet_names(),
        [SHEET_TABLE, SHEET_BY_AGENCY, SHEET_DATA, SHEET_CHECKS]
    );
}

#[test]
fn the_table_sheet_has_the_merged_two_level_header_and_numbers() {
    let mut workbook = open();
    let range = workbook.worksheet_range(SHEET_TABLE).expect("sheet");
    let top = HEADER_ROW;
    assert_eq!(text(&range, top, 0), "年度");
    assert_eq!(text(&range, top, 1), "西暦");
    assert_eq!(text(&range, top, 2), "開示請求");
    assert_eq!(text(&range, top, 3), "処理の状況");
    assert_eq!(text(&range, top + 1, 3), "開示");
    assert_eq!(text(&range, top + 1, 8), "処理中");
    assert_eq!(text(&range, top, 9), "訂正請求");
    // R2..R4 as 令和N年度, 西暦 beside as a number shown as N年度.
    assert_eq!(text(&range, top + 2, 0), "令和2年度");
    assert_eq!(range.get_value((top + 2, 1)), Some(&Data::Float(2020.0)));
    assert_eq!(text(&range, top + 4, 0), "令和4年度");
    // R2's row: 1 request, partly disclosed.
    let r2: Vec<String> = (2..=8).map(|c| text(&range, top + 2, c)).collect();
    assert_eq!(r2, ["1", "0", "1", "0", "0", "0", "－"]);
    assert_eq!(range.get_value((top + 3, 2)), Some(&Data::Float(1205.0)));
    // R3 appeals not reported.
    assert_eq!(text(&range, top + 3, 12), "－");

    let merges = workbook
        .merge_cells_by_sheet_name(SHEET_TABLE)
        .expect("merges");
    let spans: Vec<((u32, u32), (u32, u32))> = merges.iter().map(|d| (d.start, d.end)).collect();
    assert!(spans.contains(&((top, 3), (top, 8))), "{spans:?}");
    assert!(spans.contains(&((top, 0), (top + 1, 0))), "{spans:?}");
    assert!(spans.contains(&((top, 2), (top + 1, 2))), "{spans:?}");

    let styles = workbook.worksheet_style(SHEET_TABLE).expect("styles");
    let format = |row: u32, column: u32| {
        styles
            .get((row, column))
            .and_then(|style| style.number_format.as_ref())
            .map(|format| format.format_code.clone())
    };
    assert_eq!(format(top + 3, 2).as_deref(), Some(COUNT_FORMAT));
    assert_eq!(format(top + 2, 1).as_deref(), Some(WESTERN_YEAR_FORMAT));
}

#[test]
fn the_by_agency_total_row_is_numbers_not_formulas() {
    let mut workbook = open();
    let range = workbook.worksheet_range(SHEET_BY_AGENCY).expect("sheet");
    let first = HEADER_ROW + 2;
    assert_eq!(text(&range, first, 0), "市長");
    assert_eq!(text(&range, first + 1, 0), "教育委員会");
    assert_eq!(text(&range, first + 2, 0), "合計");
    assert_eq!(range.get_value((first + 2, 1)), Some(&Data::Float(17.0)));
    let formulas = workbook
        .worksheet_formula(SHEET_BY_AGENCY)
        .expect("formulas");
    assert!(
        formulas.cells().all(|(_, _, formula)| formula.is_empty()),
        "no formulas on the sheet"
    );
}

#[test]
fn the_data_sheet_is_one_header_row_and_one_record_per_row() {
    let mut workbook = open();
    let range = workbook.worksheet_range(SHEET_DATA).expect("sheet");
    let header: Vec<String> = (0..5).map(|c| text(&range, 0, c)).collect();
    assert_eq!(
        header,
        ["年度(西暦)", "年度(和暦)", "実施機関", "区分", "件数"]
    );
    let report = support::report();
    assert_eq!(range.height(), report.records.len() + 1);
    assert_eq!(range.width(), 5);
    assert!(
        workbook
            .merge_cells_by_sheet_name(SHEET_DATA)
            .expect("merges")
            .is_empty()
    );
    // Every record row is complete: a year, a label, an agency, a category and a count.
    for row in 1..range.height() as u32 {
        assert!(matches!(range.get_value((row, 0)), Some(Data::Float(_))));
        assert!(matches!(range.get_value((row, 4)), Some(Data::Float(_))));
        for column in 1..4 {
            assert!(
                !text(&range, row, column).is_empty(),
                "row {row} column {column}"
            );
        }
    }
    assert_eq!(text(&range, 1, 2), "全実施機関");
    assert_eq!(text(&range, 1, 3), "開示請求");
}

#[test]
fn the_checks_sheet_lists_each_warning_with_its_cell() {
    let mut workbook = open();
    let range = workbook.worksheet_range(SHEET_CHECKS).expect("sheet");
    assert_eq!(text(&range, 1, 0), "W-IMPORT-102");
    assert!(text(&range, 1, 1).contains("教育委員会"));
    assert_eq!(text(&range, 1, 2), "教育委員会_2022.xlsx");
    assert_eq!(text(&range, 1, 3), "運用状況");
    assert_eq!(text(&range, 1, 4), "B5");
}

/// A part of the workbook's zip, as text.
fn part(name: &str) -> String {
    let bytes = mamori_report::xlsx::workbook(&support::report()).expect("workbook");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut file = archive.by_name(name).expect("part");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text).expect("utf-8");
    text
}

#[test]
fn the_table_prints_on_a4_landscape_one_page_wide_with_the_city_and_page_numbers() {
    let sheet = part("xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
    assert!(sheet.contains("paperSize=\"9\""), "{sheet}");
    assert!(sheet.contains("orientation=\"landscape\""), "{sheet}");
    assert!(sheet.contains("fitToHeight=\"0\""), "{sheet}");
    assert!(
        sheet.contains("<oddHeader>&amp;Lみほん市&amp;R令和4年度</oddHeader>"),
        "{sheet}"
    );
    assert!(
        sheet.contains("<oddFooter>&amp;C&amp;P / &amp;N</oddFooter>"),
        "{sheet}"
    );
    // Japanese labels get wide columns: 固定資産評価審査委員会 would not fit in Excel's default 8.43.
    let agency_sheet = part("xl/worksheets/sheet2.xml");
    assert!(
        agency_sheet.contains("<col min=\"1\" max=\"1\" width=\""),
        "{agency_sheet}"
    );
    // The column chart of requests by year, with alternative text.
    let chart = part("xl/charts/chart1.xml");
    assert!(chart.contains("<c:barDir val=\"col\"/>"), "{chart}");
    assert!(chart.contains("運用状況!$C$5:$C$7"), "{chart}");
    let drawing = part("xl/drawings/drawing1.xml");
    assert!(
        drawing.contains("descr=\"年度別の開示請求件数の縦棒グラフ。令和2年度 1件"),
        "{drawing}"
    );
}

#[test]
fn the_workbook_is_dated_the_day_after_its_fiscal_year() {
    let core = part("docProps/core.xml");
    assert!(core.contains("2023-04-01T00:00:00Z"), "{core}");
    assert!(core.contains("<dc:title>みほん市 個人情報の開示請求等の運用状況（令和2年度から令和4年度まで）</dc:title>"), "{core}");
}
