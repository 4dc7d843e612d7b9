//! Summary tables: the header block, the meaning of each column, the kind of each row, and the
//! counts, with totals rows and columns used as checks.

use std::collections::BTreeMap;

use mamori_core::category::HeaderMeaning;
use mamori_core::text::fold_label;
use mamori_core::{Agency, CategoryKey, CategorySchema, Code, Figure, FiscalYear, Provenance};

use crate::DiagnosticSeed;
use crate::grid::{Cell, Row};
use crate::layout::sheet::Sheet;
use crate::layout::{FileContext, Hints, SheetMeta, SheetOutcome};
use crate::value::read_count;

/// At most this many header rows above or below the anchor row.
const MAX_HEADER_ROWS: u32 = 4;
/// Title cells are looked for this many rows above the header.
const TITLE_ROWS: u32 = 6;
/// Row labels that mark a totals row.
const TOTAL_ROW_LABELS: &[&str] = &["合計", "計", "総計", "総数", "全体", "合計件数", "累計"];
const SUBTOTAL_ROW_LABELS: &[&str] = &["小計"];
/// Row labels that end a table (footnotes).
const FOOTNOTE_PREFIXES: &[&str] = &["※", "注", "(注", "出典", "備考", "*"];

/// Reads every table of a sheet, in the orientation that reads more of it.
pub(crate) fn read(context: &FileContext<'_>, meta: &SheetMeta, rows: Vec<Row>) -> SheetOutcome {
    let sheet = Sheet::new(rows, &meta.merges);
    let upright = read_oriented(context, meta, &sheet);
    let transposed = read_oriented(context, meta, &sheet.transposed());
    let score = |outcome: &SheetOutcome| outcome.figures.len();
    if score(&transposed) > score(&upright) {
        transposed
    } else {
        upright
    }
}

fn read_oriented(context: &FileContext<'_>, meta: &SheetMeta, sheet: &Sheet) -> SheetOutcome {
    let schema = context.options.schema;
    let mut outcome = SheetOutcome::default();
    let mut row = 0;
    let mut previous_end: Option<u32> = None;
    while row <= sheet.last_row {
        if header_score(sheet, schema, row) >= 2 {
            let layout = TableLayout::find(sheet, schema, row, previous_end);
            let end = layout.last_row();
            layout.read(context, meta, sheet, &mut outcome);
            previous_end = Some(end);
            row = end + 1;
        } else {
            row += 1;
        }
    }
    outcome
}

/// How many distinct header labels in a row name a category or a total.
fn header_score(sheet: &Sheet, schema: &CategorySchema, row: u32) -> usize {
    let mut origins = Vec::new();
    for column in 0..=sheet.last_column {
        if let Some((label, origin)) = sheet.header_label(row, column)
            && !origins.contains(&origin)
            && matches!(
                schema.classify(&[label.as_str()]),
                HeaderMeaning::Category(_) | HeaderMeaning::Total
            )
        {
            origins.push(origin);
        }
    }
    origins.len()
}

/// Whether a cell reads as a count (a number, `3件`, `－`).
fn is_count_like(cell: &Cell) -> bool {
    !cell.is_empty() && read_count(cell).is_ok()
}

#[derive(Debug)]
struct Column {
    column: u32,
    path: Vec<String>,
    /// The lowest header cell of the column, for messages.
    header_cell: (u32, u32),
    meaning: HeaderMeaning,
}

#[derive(Debug)]
struct TableLayout {
    header_top: u32,
    header_bottom: u32,
    label_columns: Vec<u32>,
    columns: Vec<Column>,
    data_rows: Vec<u32>,
    title_cells: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum RowKind {
    Year(FiscalYear),
    Agency(Agency),
    Total,
    Subtotal,
    Unlabelled,
    BadYear(String),
}

impl TableLayout {
    fn find(
        sheet: &Sheet,
        schema: &CategorySchema,
        anchor: u32,
        previous_end: Option<u32>,
    ) -> TableLayout {
        let first_column = (0..=sheet.last_column)
            .find(|column| {
                sheet
                    .header_label(anchor, *column)
                    .is_some_and(|(label, _)| {
                        matches!(
                            schema.classify(&[label.as_str()]),
                            HeaderMeaning::Category(_) | HeaderMeaning::Total
                        )
                    })
            })
            .unwrap_or(0);
        // Group rows above the anchor.
        let mut header_top = anchor;
        while header_top > 0
            && anchor - header_top < MAX_HEADER_ROWS
            && previous_end.is_none_or(|end| header_top - 1 > end)
        {
            let candidate = header_top - 1;
            if !is_group_row(sheet, candidate, first_column) {
                break;
            }
            header_top = candidate;
        }
        // Leaf rows below the anchor.
        let mut header_bottom = anchor;
        while header_bottom - anchor < MAX_HEADER_ROWS && header_bottom < sheet.last_row {
            let candidate = header_bottom + 1;
            let cells: Vec<(u32, &Cell)> = sheet
                .row(candidate)
                .filter(|(column, _)| *column >= first_column)
                .collect();
            if cells.is_empty() || cells.iter().any(|(_, cell)| is_count_like(cell)) {
                break;
            }
            // A row whose label is a fiscal year is data even when all its values are blank.
            let label: String = (0..first_column)
                .map(|c| sheet.text(candidate, c))
                .collect();
            if !label.is_empty() && FiscalYear::parse(&label).is_ok() {
                break;
            }
            header_bottom = candidate;
        }
        let header_rows: Vec<u32> = (header_top..=header_bottom).collect();
        let columns = read_columns(sheet, schema, &header_rows, first_column);
        let label_columns: Vec<u32> = (0..first_column).collect();
        let data_rows = find_data_rows(sheet, schema, header_bottom, first_column, &columns);
        let title_start = header_top
            .saturating_sub(TITLE_ROWS)
            .max(previous_end.map_or(0, |end| end + 1));
        let mut title_cells = Vec::new();
        for row in (title_start..header_top).rev() {
            for (_, cell) in sheet.row(row) {
                title_cells.push(cell.label());
            }
        }
        // Label cells in the header block (`年度`, `実施機関名`) say nothing about the year, but
        // a corner cell such as `令和4年度` does.
        for row in &header_rows {
            for column in &label_columns {
                let text = sheet.text(*row, *column);
                if !text.is_empty() {
                    title_cells.push(text);
                }
            }
        }
        TableLayout {
            header_top,
            header_bottom,
            label_columns,
            columns,
            data_rows,
            title_cells,
        }
    }

    fn last_row(&self) -> u32 {
        self.data_rows.last().copied().unwrap_or(self.header_bottom)
    }

    fn read(
        &self,
        context: &FileContext<'_>,
        meta: &SheetMeta,
        sheet: &Sheet,
        outcome: &mut SheetOutcome,
    ) {
        let sheet_name = meta.name.as_deref();
        let seed = |code: Code, position: Option<(u32, u32)>, message: String| DiagnosticSeed {
            code,
            message,
            sheet: meta.name.clone(),
            cell: position.map(|(row, column)| sheet.origin(row, column)),
        };
        let hints = Hints::new(context, meta, self.title_cells.clone());
        // Column diagnostics.
        for column in &self.columns {
            let shown = column.path.join(" › ");
            match &column.meaning {
                HeaderMeaning::Unknown
                    if self.column_has_values(sheet, column.column) || !column.path.is_empty() =>
                {
                    outcome.seeds.push(seed(
                        Code::UnknownColumn,
                        Some(column.header_cell),
                        format!("見出し「{shown}」は分類にないため、この列は取り込みません。必要なら mamori.toml の [categories] に読み方を追加してください"),
                    ));
                }
                HeaderMeaning::Ambiguous(keys) => {
                    let keys: Vec<&str> = keys.iter().map(CategoryKey::as_str).collect();
                    outcome.seeds.push(seed(
                        Code::AmbiguousColumn,
                        Some(column.header_cell),
                        format!(
                            "見出し「{shown}」は複数の分類（{}）に当てはまるため取り込みません",
                            keys.join("、")
                        ),
                    ));
                }
                HeaderMeaning::Derived => outcome.seeds.push(seed(
                    Code::DerivedColumn,
                    Some(column.header_cell),
                    format!("見出し「{shown}」は率・備考などの列のため取り込みません"),
                )),
                _ => {}
            }
        }
        let category_columns: Vec<(&Column, &CategoryKey)> = self
            .columns
            .iter()
            .filter_map(|column| match &column.meaning {
                HeaderMeaning::Category(key) => Some((column, key)),
                _ => None,
            })
            .collect();
        if category_columns.is_empty() {
            return;
        }
        // Row kinds, with section years (a year row without values sets the year of the rows below).
        let mut kinds: Vec<(u32, RowKind, Option<FiscalYear>)> = Vec::new();
        let mut section_year: Option<FiscalYear> = None;
        for row in &self.data_rows {
            let kind = self.row_kind(sheet, *row);
            let has_values = category_columns.iter().any(|(column, _)| {
                sheet
                    .cell(*row, column.column)
                    .is_some_and(|c| !c.is_empty())
            });
            if let RowKind::Year(year) = kind
                && !has_values
                && category_columns.len() > 1
            {
                section_year = Some(year);
                continue;
            }
            kinds.push((*row, kind, section_year));
        }
        // The file-level year and agency, only when some row needs them.
        let needs_year = kinds
            .iter()
            .any(|(_, kind, section)| matches!(kind, RowKind::Agency(_)) && section.is_none());
        let table_year = if needs_year {
            match hints.fiscal_year() {
                Ok(Some((year, _))) => Some(year),
                Ok(None) => {
                    outcome.seeds.push(seed(
                        Code::NoFiscalYear,
                        Some((self.header_top, self.label_columns.first().copied().unwrap_or(0))),
                        format!(
                            "実施機関ごとの表ですが、年度が分かりません。表の上の見出し・シート名・ファイル名（{}）のどれかに「令和4年度」のように年度を書いてください",
                            hints.describe()
                        ),
                    ));
                    return;
                }
                Err(years) => {
                    let labels: Vec<String> = years.iter().map(|y| y.label()).collect();
                    outcome.seeds.push(seed(
                        Code::NoFiscalYear,
                        Some((
                            self.header_top,
                            self.label_columns.first().copied().unwrap_or(0),
                        )),
                        format!(
                            "表の見出しに複数の年度（{}）があり、どの年度の表か分かりません",
                            labels.join("、")
                        ),
                    ));
                    return;
                }
            }
        } else {
            None
        };
        let needs_agency = kinds
            .iter()
            .any(|(_, kind, _)| matches!(kind, RowKind::Year(_)));
        let table_agency = if needs_agency {
            match hints.agency() {
                Some(agency) => agency,
                None => {
                    outcome.seeds.push(seed(
                        Code::AgencyAssumed,
                        Some((self.header_top, self.label_columns.first().copied().unwrap_or(0))),
                        format!(
                            "年度ごとの表ですが、どの実施機関の数字か分からないため「{}」として取り込みます。実施機関ごとの数字なら、シート名かファイル名に実施機関名（例: 教育委員会）を入れてください",
                            Agency::WHOLE_CITY
                        ),
                    ));
                    Agency::whole_city()
                }
            }
        } else {
            Agency::whole_city()
        };
        // Values.
        let mut figure_rows: Vec<(u32, BTreeMap<u32, u64>)> = Vec::new();
        let mut subtotal_start = 0;
        for (row, kind, section) in &kinds {
            let (fiscal_year, agency) = match kind {
                RowKind::Year(year) => (*year, table_agency.clone()),
                RowKind::Agency(agency) => match section.or(table_year) {
                    Some(year) => (year, agency.clone()),
                    None => continue,
                },
                RowKind::BadYear(text) => {
                    outcome.seeds.push(seed(
                        Code::NoFiscalYear,
                        Some((*row, self.label_columns.last().copied().unwrap_or(0))),
                        format!("行の見出し「{text}」を年度として読めません"),
                    ));
                    continue;
                }
                RowKind::Total | RowKind::Subtotal | RowKind::Unlabelled => {
                    let rows_checked = if *kind == RowKind::Subtotal {
                        &figure_rows[subtotal_start..]
                    } else {
                        &figure_rows[..]
                    };
                    let matched = self.check_total_row(
                        sheet,
                        *row,
                        rows_checked,
                        &seed,
                        outcome,
                        *kind == RowKind::Unlabelled,
                    );
                    if *kind == RowKind::Subtotal {
                        subtotal_start = figure_rows.len();
                    }
                    if *kind == RowKind::Unlabelled && !matched {
                        outcome.seeds.push(seed(
                            Code::UnknownRow,
                            Some((*row, self.label_columns.first().copied().unwrap_or(0))),
                            "見出しのない行で、上の行の合計とも一致しないため取り込みません"
                                .to_owned(),
                        ));
                    }
                    continue;
                }
            };
            let mut values: BTreeMap<u32, u64> = BTreeMap::new();
            let mut by_key: BTreeMap<&CategoryKey, Vec<(u32, u64)>> = BTreeMap::new();
            for (column, key) in &category_columns {
                let cell = sheet
                    .cell(*row, column.column)
                    .cloned()
                    .unwrap_or(Cell::Empty);
                match read_count(&cell) {
                    Ok(count) => {
                        values.insert(column.column, count);
                        by_key.entry(*key).or_default().push((column.column, count));
                    }
                    Err(error) => outcome.seeds.push(seed(
                        error.code,
                        Some((*row, column.column)),
                        error.message,
                    )),
                }
            }
            self.check_total_columns(sheet, *row, &values, &seed, outcome);
            for (key, parts) in by_key {
                let count: u64 = parts.iter().map(|(_, count)| count).sum();
                let first = parts.first().map(|(column, _)| *column).unwrap_or(0);
                let last = parts.last().map(|(column, _)| *column).unwrap_or(first);
                if parts.len() > 1 {
                    outcome.seeds.push(seed(
                        Code::SummedColumns,
                        Some((*row, first)),
                        format!("「{key}」に当たる列が{}列あるため合計しました", parts.len()),
                    ));
                }
                let mut provenance =
                    Provenance::cell(context.file, sheet_name, sheet.origin(*row, first));
                if last != first {
                    provenance.range_end = Some(sheet.origin(*row, last));
                }
                outcome.figures.push(Figure {
                    fiscal_year,
                    agency: agency.clone(),
                    category: key.clone(),
                    count,
                    provenance,
                });
            }
            figure_rows.push((*row, values));
        }
    }

    fn column_has_values(&self, sheet: &Sheet, column: u32) -> bool {
        self.data_rows
            .iter()
            .any(|row| sheet.cell(*row, column).is_some_and(|c| !c.is_empty()))
    }

    fn row_label(&self, sheet: &Sheet, row: u32) -> String {
        let parts: Vec<String> = self
            .label_columns
            .iter()
            .map(|c| sheet.text(row, *c))
            .filter(|t| !t.is_empty())
            .collect();
        parts.join(" ")
    }

    fn row_kind(&self, sheet: &Sheet, row: u32) -> RowKind {
        let label = self.row_label(sheet, row);
        let folded = fold_label(&label);
        if folded.is_empty() {
            return RowKind::Unlabelled;
        }
        let bare = mamori_core::text::strip_bracketed_suffix(&folded);
        if SUBTOTAL_ROW_LABELS.contains(&bare) {
            return RowKind::Subtotal;
        }
        if TOTAL_ROW_LABELS.contains(&bare) {
            return RowKind::Total;
        }
        if let Ok(year) = FiscalYear::parse(&label) {
            return RowKind::Year(year);
        }
        if folded.contains("年度") || Agency::new(&label).is_none() {
            return RowKind::BadYear(label);
        }
        // The last label column holds the most specific name (a department under 市長).
        let specific = self
            .label_columns
            .iter()
            .rev()
            .map(|c| sheet.text(row, *c))
            .find(|t| !t.is_empty())
            .unwrap_or(label);
        Agency::new(&specific).map_or(RowKind::Unlabelled, RowKind::Agency)
    }

    /// Compares a totals row with the column sums of `rows`; returns whether every column matched.
    fn check_total_row(
        &self,
        sheet: &Sheet,
        row: u32,
        rows: &[(u32, BTreeMap<u32, u64>)],
        seed: &dyn Fn(Code, Option<(u32, u32)>, String) -> DiagnosticSeed,
        outcome: &mut SheetOutcome,
        quiet: bool,
    ) -> bool {
        if rows.is_empty() {
            return false;
        }
        let mut all_matched = true;
        let mut mismatches = Vec::new();
        for column in self
            .columns
            .iter()
            .filter(|c| matches!(c.meaning, HeaderMeaning::Category(_)))
        {
            let Some(cell) = sheet.cell(row, column.column) else {
                continue;
            };
            let Ok(stated) = read_count(cell) else {
                all_matched = false;
                continue;
            };
            let summed: u64 = rows
                .iter()
                .filter_map(|(_, values)| values.get(&column.column))
                .sum();
            if stated != summed {
                all_matched = false;
                mismatches.push((column, stated, summed));
            }
        }
        if !quiet {
            for (column, stated, summed) in mismatches {
                outcome.seeds.push(seed(
                    Code::TotalMismatch,
                    Some((row, column.column)),
                    format!(
                        "合計行の「{}」は{stated}ですが、上の行の和は{summed}です。合計行は確認用で、取り込むのは各行の値です",
                        column.path.join(" › ")
                    ),
                ));
            }
        }
        all_matched
    }

    /// Compares each total column of a data row with the columns it totals.
    fn check_total_columns(
        &self,
        sheet: &Sheet,
        row: u32,
        values: &BTreeMap<u32, u64>,
        seed: &dyn Fn(Code, Option<(u32, u32)>, String) -> DiagnosticSeed,
        outcome: &mut SheetOutcome,
    ) {
        let schema_totals: Vec<&Column> = self
            .columns
            .iter()
            .filter(|c| c.meaning == HeaderMeaning::Total)
            .collect();
        let mut previous_total: Option<u32> = None;
        for total in schema_totals {
            let Some(cell) = sheet.cell(row, total.column) else {
                previous_total = Some(total.column);
                continue;
            };
            let Ok(stated) = read_count(cell) else {
                previous_total = Some(total.column);
                continue;
            };
            let group = &total.path[..total.path.len().saturating_sub(1)];
            let siblings: Vec<u32> = if !group.is_empty() {
                self.columns
                    .iter()
                    .filter(|c| {
                        c.column != total.column
                            && c.path.starts_with(group)
                            && c.path.len() == total.path.len()
                    })
                    .filter(|c| matches!(c.meaning, HeaderMeaning::Category(_)))
                    .map(|c| c.column)
                    .collect()
            } else {
                Vec::new()
            };
            let parts: Vec<u32> = if !siblings.is_empty() {
                siblings
            } else {
                // An ungrouped total sums the category columns since the previous total column
                // that are not themselves inside a group with its own total.
                self.columns
                    .iter()
                    .filter(|c| {
                        c.column < total.column && previous_total.is_none_or(|p| c.column > p)
                    })
                    .filter(|c| matches!(c.meaning, HeaderMeaning::Category(_)))
                    .map(|c| c.column)
                    .collect()
            };
            previous_total = Some(total.column);
            if parts.is_empty() || parts.iter().any(|column| !values.contains_key(column)) {
                continue;
            }
            let summed: u64 = parts.iter().filter_map(|column| values.get(column)).sum();
            if summed != stated {
                outcome.seeds.push(seed(
                    Code::TotalMismatch,
                    Some((row, total.column)),
                    format!(
                        "合計列「{}」は{stated}ですが、内訳の列の和は{summed}です。合計列は確認用で、取り込むのは内訳の値です",
                        total.path.join(" › ")
                    ),
                ));
            }
        }
    }
}

/// Whether a row above the anchor holds group labels for the table's columns (not a title).
fn is_group_row(sheet: &Sheet, row: u32, first_column: u32) -> bool {
    let cells: Vec<(u32, &Cell)> = sheet.row(row).collect();
    if cells.iter().any(|(_, cell)| is_count_like(cell)) {
        return false;
    }
    let mut labels_in_table = 0;
    for column in first_column..=sheet.last_column {
        if let Some((_, origin)) = sheet.header_label(row, column)
            && origin.1 >= first_column
        {
            labels_in_table += 1;
        }
    }
    if labels_in_table == 0 {
        return false;
    }
    // A title merged across the whole table starts left of the first data column.
    !cells.iter().any(|(column, _)| {
        *column < first_column
            && sheet
                .merge_at(row, *column)
                .is_some_and(|m| m.last_column >= first_column)
    })
}

fn read_columns(
    sheet: &Sheet,
    schema: &CategorySchema,
    header_rows: &[u32],
    first_column: u32,
) -> Vec<Column> {
    let bottom = *header_rows
        .last()
        .expect("invariant: a header block has a row");
    let mut columns = Vec::new();
    let last_header_column = (first_column..=sheet.last_column)
        .rev()
        .find(|column| {
            header_rows
                .iter()
                .any(|row| sheet.header_label(*row, *column).is_some())
        })
        .unwrap_or(first_column);
    for column in first_column..=last_header_column {
        let mut path = Vec::new();
        let mut header_cell = (bottom, column);
        for row in header_rows {
            let label = sheet
                .header_label(*row, column)
                .or_else(|| forward_filled(sheet, header_rows, *row, column, first_column));
            if let Some((text, origin)) = label {
                path.push(text);
                header_cell = origin;
            }
        }
        let meaning = if path.is_empty() {
            HeaderMeaning::Unknown
        } else {
            schema.classify(&path)
        };
        columns.push(Column {
            column,
            path,
            header_cell,
            meaning,
        });
    }
    columns
}

/// A group label inherited from the left in a sheet without merge information: only into a cell
/// that has a leaf below it, and only from a label that itself stands over leaves.
fn forward_filled(
    sheet: &Sheet,
    header_rows: &[u32],
    row: u32,
    column: u32,
    first_column: u32,
) -> Option<(String, (u32, u32))> {
    if sheet.merge_at(row, column).is_some() {
        return None;
    }
    let below: Vec<u32> = header_rows.iter().copied().filter(|r| *r > row).collect();
    let has_leaf_below = |column: u32| {
        below
            .iter()
            .any(|r| sheet.header_label(*r, column).is_some())
    };
    if !has_leaf_below(column) {
        return None;
    }
    for left in (first_column..column).rev() {
        if let Some((text, origin)) = sheet.header_label(row, left) {
            if sheet.merge_at(row, left).is_some() || !has_leaf_below(left) {
                return None;
            }
            return Some((text, origin));
        }
    }
    None
}

fn find_data_rows(
    sheet: &Sheet,
    schema: &CategorySchema,
    header_bottom: u32,
    first_column: u32,
    columns: &[Column],
) -> Vec<u32> {
    let mut rows = Vec::new();
    let mut expected = header_bottom + 1;
    for row in header_bottom + 1..=sheet.last_row {
        let cells: Vec<(u32, &Cell)> = sheet.row(row).collect();
        if cells.is_empty() {
            continue;
        }
        if row != expected {
            break;
        }
        expected = row + 1;
        let label: String = cells
            .iter()
            .filter(|(c, _)| *c < first_column)
            .map(|(_, cell)| cell.label())
            .collect();
        let folded = fold_label(&label);
        if FOOTNOTE_PREFIXES
            .iter()
            .any(|prefix| folded.starts_with(prefix))
        {
            break;
        }
        if header_score(sheet, schema, row) >= 2 {
            break;
        }
        let in_columns = cells
            .iter()
            .any(|(c, _)| columns.iter().any(|column| column.column == *c));
        if label.is_empty() && !in_columns {
            break;
        }
        rows.push(row);
    }
    rows
}
