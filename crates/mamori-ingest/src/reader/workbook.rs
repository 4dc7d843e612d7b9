//! Workbooks through calamine: xlsx streamed cell by cell (no whole-sheet allocation, so a sheet
//! that claims a huge used range cannot abort the process), xls and ods through calamine ranges.

use std::io::Cursor;

use calamine::{
    Data, DataRef, Dimensions, Ods, OdsError, Reader, Sheet, SheetType, SheetVisible, Xls,
    XlsError, XlsOptions, Xlsx, XlsxError,
};
use mamori_core::{CellRef, Code, Figure};

use crate::grid::{BufferedRows, Cell, Merge, Row, RowSource};
use crate::layout::{self, FileContext, SheetMeta};
use crate::{DiagnosticSeed, archive};

type Read = Result<(Vec<Figure>, Vec<DiagnosticSeed>), DiagnosticSeed>;

/// Checks an xlsx/xlsm workbook's archive and reads every sheet.
pub fn read_xlsx(bytes: &[u8], context: &FileContext<'_>) -> Read {
    match archive::xlsx_package(bytes, context.options.limits)? {
        archive::Package::Repacked(repacked) => read_package(&repacked, context),
        // A workbook too large to repack (a long ledger) is streamed from its compressed parts
        // while a second thread inflates them again to compare their checksums; what was read
        // counts only if they match.
        archive::Package::Original(original) => std::thread::scope(|scope| {
            let checking = std::thread::Builder::new()
                .name("mamori-checksums".to_owned())
                .spawn_scoped(scope, || archive::verify_checksums(original));
            let read = read_package(original, context);
            let checked = match checking {
                Ok(checking) => checking
                    .join()
                    .unwrap_or_else(|_| Err(corrupt(&"the checksum thread stopped unexpectedly"))),
                Err(_) => archive::verify_checksums(original),
            };
            checked.and(read)
        }),
    }
}

/// Reads every sheet of an xlsx package that passed the archive checks.
fn read_package(bytes: &[u8], context: &FileContext<'_>) -> Read {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let mut figures = Vec::new();
    let mut seeds = Vec::new();
    for sheet in readable_sheets(workbook.sheets_metadata(), &mut seeds) {
        let reader = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(xlsx_error)?;
        let declared = reader.dimensions();
        let declared_cells = u64::from(declared.end.0.saturating_sub(declared.start.0)) + 1;
        let declared_cells =
            declared_cells * (u64::from(declared.end.1.saturating_sub(declared.start.1)) + 1);
        if declared_cells > context.options.limits.max_declared_cells {
            return Err(DiagnosticSeed::sheet(
                Code::SheetTooLarge,
                &sheet,
                format!(
                    "シートの使用範囲 {}:{} （{} セル）が上限（{} セル）を超えます。表の外の不要なセルを削除して保存し直してください",
                    CellRef::new(declared.start.0, declared.start.1),
                    CellRef::new(declared.end.0, declared.end.1),
                    declared_cells,
                    context.options.limits.max_declared_cells
                ),
            ));
        }
        let mut rows = XlsxRows {
            reader,
            pending: None,
            finished: false,
            sheet: &sheet,
            max_columns: context.options.limits.max_columns,
        };
        let mut meta = SheetMeta {
            name: Some(sheet.clone()),
            merges: Vec::new(),
            titles: Vec::new(),
        };
        let streamed = layout::stream_sheet(context, &meta, &mut rows)?;
        drop(rows);
        let outcome = match streamed {
            layout::SheetRead::Done(outcome) => outcome,
            layout::SheetRead::Table(table_rows) => {
                // Merged regions come after the cells in the sheet's XML: read them only for a
                // summary table, once the cell stream is done.
                let merges = workbook
                    .merge_cells_by_sheet_name(&sheet)
                    .map_err(xlsx_error)?;
                meta.merges = merges_of(&merges);
                layout::read_table(context, &meta, table_rows)
            }
        };
        figures.extend(outcome.figures);
        seeds.extend(outcome.seeds);
    }
    Ok((figures, seeds))
}

/// Reads every sheet of an Excel 97-2003 workbook.
pub fn read_xls(bytes: &[u8], context: &FileContext<'_>) -> Read {
    let mut workbook =
        Xls::new_with_options(Cursor::new(bytes), XlsOptions::default()).map_err(xls_error)?;
    let mut figures = Vec::new();
    let mut seeds = Vec::new();
    for sheet in readable_sheets(workbook.sheets_metadata(), &mut seeds) {
        let merges = workbook
            .merge_cells_by_sheet_name(&sheet)
            .map_err(xls_error)?;
        let range = workbook.worksheet_range(&sheet).map_err(xls_error)?;
        let mut rows = BufferedRows::new(rows_of_range(&range, &sheet, context)?);
        let meta = SheetMeta {
            name: Some(sheet.clone()),
            merges: merges_of(&merges),
            titles: Vec::new(),
        };
        let outcome = layout::read_sheet(context, &meta, &mut rows)?;
        figures.extend(outcome.figures);
        seeds.extend(outcome.seeds);
    }
    Ok((figures, seeds))
}

/// Reads every sheet of an OpenDocument spreadsheet. calamine exposes no merged regions for ods,
/// so group headers are recovered by forward filling (see [`crate::layout`]).
pub fn read_ods(bytes: &[u8], context: &FileContext<'_>) -> Read {
    let mut workbook: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(ods_error)?;
    let mut figures = Vec::new();
    let mut seeds = Vec::new();
    for sheet in readable_sheets(workbook.sheets_metadata(), &mut seeds) {
        let range = workbook.worksheet_range(&sheet).map_err(ods_error)?;
        let mut rows = BufferedRows::new(rows_of_range(&range, &sheet, context)?);
        let meta = SheetMeta {
            name: Some(sheet.clone()),
            merges: Vec::new(),
            titles: Vec::new(),
        };
        let outcome = layout::read_sheet(context, &meta, &mut rows)?;
        figures.extend(outcome.figures);
        seeds.extend(outcome.seeds);
    }
    Ok((figures, seeds))
}

fn merges_of(dimensions: &[Dimensions]) -> Vec<Merge> {
    dimensions
        .iter()
        .map(|d| Merge {
            first_row: d.start.0,
            first_column: d.start.1,
            last_row: d.end.0,
            last_column: d.end.1,
        })
        .collect()
}

fn rows_of_range(
    range: &calamine::Range<Data>,
    sheet: &str,
    context: &FileContext<'_>,
) -> Result<Vec<Row>, DiagnosticSeed> {
    let Some((start_row, start_column)) = range.start() else {
        return Ok(Vec::new());
    };
    let (_, end_column) = range.end().unwrap_or((start_row, start_column));
    if end_column >= context.options.limits.max_columns {
        return Err(too_wide(
            sheet,
            end_column,
            context.options.limits.max_columns,
        ));
    }
    let mut rows = Vec::new();
    for (offset, values) in range.rows().enumerate() {
        let cells: Vec<(u32, Cell)> = values
            .iter()
            .enumerate()
            .map(|(column, value)| (start_column + column as u32, cell_of_data(value)))
            .filter(|(_, cell)| !cell.is_empty())
            .collect();
        if !cells.is_empty() {
            rows.push(Row {
                index: start_row + offset as u32,
                cells,
            });
        }
    }
    Ok(rows)
}

fn too_wide(sheet: &str, column: u32, max_columns: u32) -> DiagnosticSeed {
    DiagnosticSeed::sheet(
        Code::SheetTooLarge,
        sheet,
        format!(
            "{}列目（{}列）にセルがあり、上限の{max_columns}列を超えます。表の外の不要なセルを削除して保存し直してください",
            column + 1,
            CellRef::column_letters(column)
        ),
    )
}

fn cell_of_data(value: &Data) -> Cell {
    match value {
        Data::Empty => Cell::Empty,
        Data::Int(number) => Cell::Number(*number as f64),
        Data::Float(number) => Cell::Number(*number),
        Data::String(text) => Cell::Text(text.clone()),
        Data::Bool(flag) => Cell::Bool(*flag),
        Data::DateTime(date) => date_cell(date),
        Data::DateTimeIso(text) => iso_date_cell(text),
        Data::DurationIso(text) => Cell::Text(text.clone()),
        Data::Error(error) => Cell::Error(error.to_string()),
    }
}

fn cell_of_data_ref(value: DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(number) => Cell::Number(number as f64),
        DataRef::Float(number) => Cell::Number(number),
        DataRef::String(text) => Cell::Text(text),
        DataRef::SharedString(text) => Cell::Text(text.to_owned()),
        DataRef::Bool(flag) => Cell::Bool(flag),
        DataRef::DateTime(date) => date_cell(&date),
        DataRef::DateTimeIso(text) => iso_date_cell(&text),
        DataRef::DurationIso(text) => Cell::Text(text),
        DataRef::Error(error) => Cell::Error(error.to_string()),
    }
}

fn date_cell(date: &calamine::ExcelDateTime) -> Cell {
    match date.as_datetime() {
        Some(datetime) if date.is_datetime() => Cell::Date(datetime.date()),
        _ => Cell::Number(date.as_f64()),
    }
}

fn iso_date_cell(text: &str) -> Cell {
    match chrono::NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d") {
        Ok(date) => Cell::Date(date),
        Err(_) => Cell::Text(text.to_owned()),
    }
}

struct XlsxRows<'r, 'b, 's> {
    reader: calamine::XlsxCellReader<'r, Cursor<&'b [u8]>>,
    pending: Option<(u32, u32, Cell)>,
    /// Set once the reader has reported the end of `sheetData`: it must not be read again.
    finished: bool,
    sheet: &'s str,
    max_columns: u32,
}

impl XlsxRows<'_, '_, '_> {
    fn next_cell(&mut self) -> Result<Option<(u32, u32, Cell)>, DiagnosticSeed> {
        if let Some(pending) = self.pending.take() {
            return Ok(Some(pending));
        }
        if self.finished {
            return Ok(None);
        }
        loop {
            let record = self
                .reader
                .next_cell_with_formula_metadata()
                .map_err(|error| {
                    DiagnosticSeed::sheet(
                        Code::CorruptFile,
                        self.sheet,
                        format!("シートの内容を読めません（{error}）"),
                    )
                })?;
            let Some(record) = record else {
                self.finished = true;
                return Ok(None);
            };
            let (row, column) = record.pos;
            if column >= self.max_columns {
                return Err(too_wide(self.sheet, column, self.max_columns));
            }
            let has_formula = record.formula.is_some();
            let cell = match cell_of_data_ref(record.value) {
                Cell::Empty if has_formula => Cell::FormulaWithoutValue,
                Cell::Empty => continue,
                cell => cell,
            };
            return Ok(Some((row, column, cell)));
        }
    }
}

impl RowSource for XlsxRows<'_, '_, '_> {
    fn next_row(&mut self) -> Result<Option<Row>, DiagnosticSeed> {
        let Some((row_index, column, cell)) = self.next_cell()? else {
            return Ok(None);
        };
        let mut row = Row {
            index: row_index,
            cells: vec![(column, cell)],
        };
        while let Some((next_row, column, cell)) = self.next_cell()? {
            if next_row != row_index {
                self.pending = Some((next_row, column, cell));
                break;
            }
            row.cells.push((column, cell));
        }
        row.cells.sort_by_key(|(column, _)| *column);
        Ok(Some(row))
    }
}

fn xlsx_error(error: XlsxError) -> DiagnosticSeed {
    match error {
        XlsxError::Password => archive::password_protected(),
        other => corrupt(&other),
    }
}

fn xls_error(error: XlsError) -> DiagnosticSeed {
    match error {
        XlsError::Password => archive::password_protected(),
        other => corrupt(&other),
    }
}

fn ods_error(error: OdsError) -> DiagnosticSeed {
    match error {
        OdsError::Password => archive::password_protected(),
        OdsError::CellLimitExceeded { requested, max } => DiagnosticSeed::file(
            Code::SheetTooLarge,
            format!(
                "シートの使用範囲（{requested} セル）が上限（{max} セル）を超えます。表の外の不要なセルや書式を削除して保存し直してください"
            ),
        ),
        other => corrupt(&other),
    }
}

fn corrupt(error: &dyn std::fmt::Display) -> DiagnosticSeed {
    DiagnosticSeed::file(
        Code::CorruptFile,
        format!(
            "ブックを読めません（{error}）。ファイルが壊れているか、途中で切れています。元のファイルを保存し直してください"
        ),
    )
}

/// The sheets to read: worksheets that are visible. A hidden sheet (last year's copy, a working
/// sheet) is skipped with a warning that names it, so its numbers never replace visible ones
/// unseen; chart and macro sheets hold no table.
fn readable_sheets(sheets: &[Sheet], seeds: &mut Vec<DiagnosticSeed>) -> Vec<String> {
    let mut names = Vec::new();
    for sheet in sheets {
        if sheet.typ != SheetType::WorkSheet {
            seeds.push(DiagnosticSeed::sheet(
                Code::NotAWorksheet,
                &sheet.name,
                "グラフなど表でないシートのため読みません",
            ));
            continue;
        }
        if sheet.visible != SheetVisible::Visible {
            seeds.push(DiagnosticSeed::sheet(
                Code::HiddenSheet,
                &sheet.name,
                "非表示のシートのため取り込みません。取り込むなら、シートを再表示して保存し直してください",
            ));
            continue;
        }
        names.push(sheet.name.clone());
    }
    names
}
