//! The workbook for the council and the departments: sheet 運用状況 as published (two-level
//! header, A4 landscape, one page wide, a column chart), 実施機関別 with its total row written as
//! numbers (never formulas: other readers show uncached formulas as 0), データ as one record per
//! row, and 確認事項 with every warning and its cell.

use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use crate::NOT_REPORTED;
use crate::data::RECORD_HEADER;
use crate::model::{AnnualReport, ReportError};

/// Sheet names.
pub const SHEET_TABLE: &str = "運用状況";
pub const SHEET_BY_AGENCY: &str = "実施機関別";
pub const SHEET_DATA: &str = "データ";
pub const SHEET_CHECKS: &str = "確認事項";

/// The number format of every count.
pub const COUNT_FORMAT: &str = "#,##0";
/// The number format of the western year beside 令和N年度.
pub const WESTERN_YEAR_FORMAT: &str = "0\"年度\"";

const FONT: &str = "游ゴシック";
/// The first row of the header block on the two table sheets (0-based).
pub const HEADER_ROW: u32 = 2;

/// Paper size 9 is A4 in Excel's page setup.
const A4: u8 = 9;

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    count: Format,
    year: Format,
    western: Format,
    missing: Format,
    total_label: Format,
    total_count: Format,
    plain: Format,
    wrapped: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name(FONT).set_font_size(10.5);
        let cell = base.clone().set_border(FormatBorder::Thin);
        Formats {
            title: base.clone().set_bold().set_font_size(14),
            header: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_background_color(0xE8EEF6),
            text: cell.clone(),
            count: cell.clone().set_num_format(COUNT_FORMAT),
            year: cell.clone(),
            western: cell.clone().set_num_format(WESTERN_YEAR_FORMAT),
            missing: cell.clone().set_align(FormatAlign::Right),
            total_label: cell.clone().set_bold(),
            total_count: cell.set_bold().set_num_format(COUNT_FORMAT),
            plain: base.clone(),
            wrapped: base.set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// The workbook's bytes. The creation time is the day after the fiscal year ends, so the same
/// report gives the same workbook whenever it is written.
pub fn workbook(report: &AnnualReport) -> Result<Vec<u8>, ReportError> {
    build(report).map_err(|error| ReportError::Xlsx(error.to_string()))
}

fn build(report: &AnnualReport) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let created =
        ExcelDateTime::from_ymd(u16::try_from(report.fiscal_year + 1).unwrap_or(2000), 4, 1)?;
    let mut title = String::new();
    if !report.city.name.is_empty() {
        title.push_str(&report.city.name);
        title.push(' ');
    }
    title.push_str(&report.title);
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{title}（{}）", report.period))
            .set_author(report.city.section.clone().unwrap_or_default())
            .set_company(report.city.name.clone())
            .set_creation_datetime(&created),
    );

    let table = workbook.add_worksheet();
    table.set_name(SHEET_TABLE)?;
    write_table_sheet(table, report, &formats, &title)?;

    let by_agency = workbook.add_worksheet();
    by_agency.set_name(SHEET_BY_AGENCY)?;
    write_by_agency_sheet(by_agency, report, &formats, &title)?;

    let data = workbook.add_worksheet();
    data.set_name(SHEET_DATA)?;
    write_data_sheet(data, report, &formats)?;

    let checks = workbook.add_worksheet();
    checks.set_name(SHEET_CHECKS)?;
    write_checks_sheet(checks, report, &formats)?;

    workbook.save_to_buffer()
}

/// Column widths in Excel's character units: East Asian wide characters count two.
#[derive(Debug, Default)]
struct Widths(Vec<usize>);

impl Widths {
    fn fit(&mut self, column: u16, text: &str) {
        let column = usize::from(column);
        if self.0.len() <= column {
            self.0.resize(column + 1, 0);
        }
        let width = text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
        self.0[column] = self.0[column].max(width);
    }

    fn apply(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for (column, width) in self.0.iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(u16::MAX);
            // Padding for borders and the bold header; capped so a long name wraps instead.
            let width = (*width as f64 * 1.1 + 2.0).clamp(6.0, 40.0);
            sheet.set_column_width(column, width)?;
        }
        Ok(())
    }
}

fn page_setup(sheet: &mut Worksheet, report: &AnnualReport) {
    sheet.set_landscape();
    sheet.set_paper_size(A4);
    sheet.set_print_fit_to_pages(1, 0);
    let city = report.city.name.replace('&', "&&");
    sheet.set_header(format!("&L{city}&R{}", report.fiscal_year_label));
    sheet.set_footer("&C&P / &N");
}

/// The two-level header from `first_col`, returning its widths. `corner` heads the label column.
fn write_header(
    sheet: &mut Worksheet,
    report: &AnnualReport,
    formats: &Formats,
    corner: &[&str],
    widths: &mut Widths,
) -> Result<u16, XlsxError> {
    let top = HEADER_ROW;
    let bottom = HEADER_ROW + 1;
    for (index, label) in corner.iter().enumerate() {
        let column = index as u16;
        sheet.merge_range(top, column, bottom, column, label, &formats.header)?;
        widths.fit(column, label);
    }
    let first = corner.len() as u16;
    for cell in &report.header {
        let column = first + cell.first as u16;
        if cell.is_group {
            let last = column + cell.span as u16 - 1;
            if last > column {
                sheet.merge_range(top, column, top, last, &cell.label, &formats.header)?;
            } else {
                sheet.write_string_with_format(top, column, &cell.label, &formats.header)?;
            }
            for offset in 0..cell.span {
                let label = &report.columns[cell.first + offset].label;
                let leaf = column + offset as u16;
                sheet.write_string_with_format(bottom, leaf, label, &formats.header)?;
                widths.fit(leaf, label);
            }
        } else {
            sheet.merge_range(top, column, bottom, column, &cell.label, &formats.header)?;
            widths.fit(column, &cell.label);
        }
    }
    Ok(first)
}

fn write_values(
    sheet: &mut Worksheet,
    row: u32,
    first: u16,
    values: &[Option<u64>],
    formats: &Formats,
    total: bool,
    widths: &mut Widths,
) -> Result<(), XlsxError> {
    for (index, value) in values.iter().enumerate() {
        let column = first + index as u16;
        match value {
            Some(count) => {
                let format = if total {
                    &formats.total_count
                } else {
                    &formats.count
                };
                sheet.write_number_with_format(row, column, *count as f64, format)?;
                widths.fit(column, &crate::templates::group_thousands(*count as i64));
            }
            None => {
                sheet.write_string_with_format(row, column, NOT_REPORTED, &formats.missing)?;
            }
        }
    }
    Ok(())
}

fn write_notes(
    sheet: &mut Worksheet,
    mut row: u32,
    report: &AnnualReport,
    formats: &Formats,
) -> Result<u32, XlsxError> {
    let mut lines = vec![format!(
        "「{NOT_REPORTED}」は報告がなかったことを示します。"
    )];
    lines.extend(report.notes.iter().cloned());
    let contact: Vec<&str> = [
        report.city.section.as_deref(),
        report.city.contact.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !contact.is_empty() {
        lines.push(contact.join("　"));
    }
    for line in lines {
        sheet.write_string_with_format(row, 0, &line, &formats.plain)?;
        row += 1;
    }
    Ok(row)
}

fn write_table_sheet(
    sheet: &mut Worksheet,
    report: &AnnualReport,
    formats: &Formats,
    title: &str,
) -> Result<(), XlsxError> {
    page_setup(sheet, report);
    sheet.write_string_with_format(
        0,
        0,
        format!("{title}（{}）", report.period),
        &formats.title,
    )?;
    let mut widths = Widths::default();
    let first = write_header(sheet, report, formats, &["年度", "西暦"], &mut widths)?;
    let mut row = HEADER_ROW + 2;
    for year in &report.years {
        sheet.write_string_with_format(row, 0, &year.label, &formats.year)?;
        widths.fit(0, &year.label);
        sheet.write_number_with_format(row, 1, f64::from(year.fiscal_year), &formats.western)?;
        widths.fit(1, &year.western);
        write_values(sheet, row, first, &year.values, formats, false, &mut widths)?;
        row += 1;
    }
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW + 1)?;
    let notes_end = write_notes(sheet, row + 1, report, formats)?;
    widths.apply(sheet)?;

    if let Some(requests) = report
        .columns
        .iter()
        .position(|column| column.key == "disclosure_requests")
        && !report.years.is_empty()
    {
        let first_row = HEADER_ROW + 2;
        let last_row = first_row + report.years.len() as u32 - 1;
        let column = first + requests as u16;
        let mut chart = Chart::new(ChartType::Column);
        chart
            .add_series()
            .set_categories((SHEET_TABLE, first_row, 0, last_row, 0))
            .set_values((SHEET_TABLE, first_row, column, last_row, column))
            .set_name(report.columns[requests].label.as_str());
        chart.title().set_name("年度別の開示請求件数");
        chart.y_axis().set_name("件");
        chart.legend().set_hidden();
        chart.set_alt_text(format!(
            "年度別の開示請求件数の縦棒グラフ。{}",
            report
                .years
                .iter()
                .map(|year| match year.values[requests] {
                    Some(count) => format!("{} {}件", year.label, count),
                    None => format!("{} 報告なし", year.label),
                })
                .collect::<Vec<_>>()
                .join("、")
        ));
        chart.set_width(560).set_height(300);
        sheet.insert_chart(notes_end + 1, 0, &chart)?;
    }
    Ok(())
}

fn write_by_agency_sheet(
    sheet: &mut Worksheet,
    report: &AnnualReport,
    formats: &Formats,
    title: &str,
) -> Result<(), XlsxError> {
    page_setup(sheet, report);
    sheet.write_string_with_format(
        0,
        0,
        format!("{title}（{} 実施機関別）", report.by_agency.label),
        &formats.title,
    )?;
    let mut widths = Widths::default();
    let first = write_header(sheet, report, formats, &["実施機関"], &mut widths)?;
    let mut row = HEADER_ROW + 2;
    for agency in &report.by_agency.rows {
        sheet.write_string_with_format(row, 0, &agency.agency, &formats.text)?;
        widths.fit(0, &agency.agency);
        write_values(
            sheet,
            row,
            first,
            &agency.values,
            formats,
            false,
            &mut widths,
        )?;
        row += 1;
    }
    if report.by_agency.rows.is_empty() {
        sheet.write_string_with_format(
            row,
            0,
            format!(
                "{}の実施機関別の数値は取り込まれていません。",
                report.by_agency.label
            ),
            &formats.plain,
        )?;
    } else {
        sheet.write_string_with_format(row, 0, "合計", &formats.total_label)?;
        write_values(
            sheet,
            row,
            first,
            &report.by_agency.total,
            formats,
            true,
            &mut widths,
        )?;
        row += 1;
    }
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW + 1)?;
    write_notes(sheet, row + 1, report, formats)?;
    widths.apply(sheet)
}

fn write_data_sheet(
    sheet: &mut Worksheet,
    report: &AnnualReport,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    for (column, label) in RECORD_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *label, &formats.plain)?;
        widths.fit(column as u16, label);
    }
    for (index, record) in report.records.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_number_with_format(row, 0, f64::from(record.fiscal_year), &formats.plain)?;
        sheet.write_string_with_format(row, 1, &record.label, &formats.plain)?;
        sheet.write_string_with_format(row, 2, &record.agency, &formats.plain)?;
        sheet.write_string_with_format(row, 3, &record.category, &formats.plain)?;
        sheet.write_number_with_format(row, 4, record.count as f64, &formats.plain)?;
        widths.fit(1, &record.label);
        widths.fit(2, &record.agency);
        widths.fit(3, &record.category);
    }
    sheet.set_freeze_panes(1, 0)?;
    widths.apply(sheet)
}

fn write_checks_sheet(
    sheet: &mut Worksheet,
    report: &AnnualReport,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let mut widths = Widths::default();
    for (column, label) in ["コード", "内容", "ファイル", "シート", "セル"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, column as u16, *label, &formats.header)?;
        widths.fit(column as u16, label);
    }
    if report.warnings.is_empty() {
        sheet.write_string_with_format(1, 0, "確認事項はありません。", &formats.plain)?;
    }
    for (index, warning) in report.warnings.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_string_with_format(row, 0, &warning.code, &formats.text)?;
        sheet.write_string_with_format(row, 1, &warning.message, &formats.wrapped)?;
        sheet.write_string_with_format(row, 2, &warning.source.file, &formats.text)?;
        for (column, text) in [(3, &warning.source.sheet), (4, &warning.source.cell)] {
            match text {
                Some(text) => sheet.write_string_with_format(row, column, text, &formats.text)?,
                None => sheet.write_blank(row, column, &formats.text)?,
            };
        }
        widths.fit(0, &warning.code);
        widths.fit(1, &warning.message);
        widths.fit(2, &warning.source.file);
        widths.fit(3, warning.source.sheet.as_deref().unwrap_or(""));
        widths.fit(4, warning.source.cell.as_deref().unwrap_or(""));
    }
    sheet.set_freeze_panes(1, 0)?;
    widths.apply(sheet)
}
