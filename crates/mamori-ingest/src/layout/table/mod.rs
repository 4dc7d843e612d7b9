//! Summary tables: the header block, the meaning of each column, the kind of each row, and the
//! counts, with totals rows and columns used as checks.
//!
//! This file finds tables and reads their rows; `columns.rs` gives each column its meaning,
//! `rows.rs` tells what a row is, `totals.rs` checks totals rows and columns.

mod columns;
mod rows;
mod totals;

use std::collections::BTreeMap;

use mamori_core::category::HeaderMeaning;
use mamori_core::text::fold_label;
use mamori_core::{Agency, CategoryKey, CategorySchema, Code, Figure, FiscalYear, Provenance};

use crate::DiagnosticSeed;
use crate::grid::{Cell, Row};
use crate::layout::sheet::Sheet;
use crate::layout::{FileContext, Hints, SheetMeta, SheetOutcome};
use crate::value::read_count;

use self::columns::{is_group_row, read_columns};
use self::rows::{bare_label, find_data_rows, looks_like_agency, strip_note_marks};
use self::totals::{column_count, infer_unlabelled_totals};

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
    // A table read cleanly upright is not tried across: a transposed table read upright has no
    // header row, or rows that are not years or 実施機関 (warnings).
    let clean = !upright.0.figures.is_empty()
        && upright
            .0
            .seeds
            .iter()
            .all(|seed| seed.code.severity() < mamori_core::Severity::Warning);
    if clean {
        return with_unread_rows(upright, &sheet, meta);
    }
    let transposed_sheet = sheet.transposed();
    let transposed = read_oriented(context, meta, &transposed_sheet);
    if transposed.0.figures.len() > upright.0.figures.len() {
        with_unread_rows(transposed, &transposed_sheet, meta)
    } else {
        with_unread_rows(upright, &sheet, meta)
    }
}

/// Rows of numbers that no table took are reported, so that nothing is passed over in silence
/// (a second table the reader did not recognise, rows after a break it took for the end).
fn with_unread_rows(
    read: (SheetOutcome, Vec<(u32, u32)>),
    sheet: &Sheet,
    meta: &SheetMeta,
) -> SheetOutcome {
    const MAX_REPORTED: usize = 10;
    let (mut outcome, consumed) = read;
    if outcome.figures.is_empty() {
        // Nothing was read at all: the file-level "no table" error says so.
        return outcome;
    }
    let mut reported = 0;
    let mut next = sheet.next_row_from(0);
    while let Some(row) = next {
        next = row
            .checked_add(1)
            .and_then(|after| sheet.next_row_from(after));
        if consumed
            .iter()
            .any(|(first, last)| (*first..=*last).contains(&row))
        {
            continue;
        }
        let numbers: Vec<u32> = sheet
            .row(row)
            .filter(|(_, cell)| match cell {
                Cell::Number(_) => true,
                Cell::Text(text) => {
                    text.chars().any(|c| c.is_ascii_digit()) && read_count(cell).is_ok()
                }
                _ => false,
            })
            .map(|(column, _)| column)
            .collect();
        // One number alone is a page number or a code; a row of them looks like data.
        if numbers.len() < 2 {
            continue;
        }
        reported += 1;
        if reported > MAX_REPORTED {
            break;
        }
        outcome.seeds.push(DiagnosticSeed {
            code: Code::UnreadRow,
            message: "表の外に数値の並んだ行があり、取り込んでいません。表の続きなら、空行や見出しを整えて保存し直してください".to_owned(),
            sheet: meta.name.clone(),
            cell: Some(sheet.origin(row, numbers[0])),
        });
    }
    outcome
}

fn read_oriented(
    context: &FileContext<'_>,
    meta: &SheetMeta,
    sheet: &Sheet,
) -> (SheetOutcome, Vec<(u32, u32)>) {
    let schema = context.options.schema;
    let mut outcome = SheetOutcome::default();
    let mut next = sheet.next_row_from(0);
    let mut previous_end: Option<u32> = None;
    let mut consumed = Vec::new();
    while let Some(row) = next {
        if is_header_row(sheet, schema, row) {
            let layout = TableLayout::find(sheet, schema, row, previous_end);
            let end = layout.last_row();
            consumed.push((layout.header_top, end));
            layout.read(context, meta, sheet, &mut outcome);
            previous_end = Some(end);
            next = end
                .checked_add(1)
                .and_then(|after| sheet.next_row_from(after));
        } else {
            next = row
                .checked_add(1)
                .and_then(|after| sheet.next_row_from(after));
        }
    }
    (outcome, consumed)
}

/// Whether a table's header starts at this row: two labels that name categories or totals, or
/// one (西宮市's 個人情報開示等請求数 beside a 情報公開 column) directly above a row labelled with a
/// fiscal year that has a count under it.
fn is_header_row(sheet: &Sheet, schema: &CategorySchema, row: u32) -> bool {
    match header_score(sheet, schema, row) {
        0 => false,
        // A group label beside a single leaf (処理の状況 › 取下げ next to 利用停止): the
        // categories of the leaf row below count too.
        1 if !sheet.row(row + 1).any(|(_, cell)| is_count_like(cell))
            && header_score(sheet, schema, row + 1) >= 1 =>
        {
            true
        }
        1 => {
            let Some(column) = sheet.row(row).map(|(column, _)| column).find(|column| {
                sheet.header_label(row, *column).is_some_and(|(label, _)| {
                    matches!(
                        schema.classify(&[label.as_str()]),
                        HeaderMeaning::Category(_)
                    )
                })
            }) else {
                return false;
            };
            let next = row + 1;
            let label = sheet
                .row(next)
                .next()
                .filter(|(first, _)| *first < column)
                .map(|(_, cell)| cell.label())
                .unwrap_or_default();
            FiscalYear::parse(&label).is_ok() && sheet.cell(next, column).is_some_and(is_count_like)
        }
        _ => true,
    }
}

/// How many distinct header labels in a row name a category or a total.
fn header_score(sheet: &Sheet, schema: &CategorySchema, row: u32) -> usize {
    let mut origins = Vec::new();
    // A merged label lives in its top-left cell, so the row's own cells hold every label.
    for (column, cell) in sheet.row(row) {
        // Numbers, dates and error values are never header words.
        if !matches!(cell, Cell::Text(_)) {
            continue;
        }
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
    /// The path's labels folded for matching.
    folded: Vec<String>,
    /// The lowest header cell of the column, for messages.
    header_cell: (u32, u32),
    meaning: HeaderMeaning,
    /// A column without any header whose values are, row by row, the sum of the columns before
    /// it: a total the publisher did not label (鈴鹿市, 西宮市).
    unlabelled_total: bool,
    /// What a bracketed second number in a cell counts, when the header says so:
    /// `不開示決定(うち文書不存在)` over `3(3)件`.
    subset_note: Option<String>,
}

impl Column {
    /// Whether the column holds counts a total may add up: a category, or a labelled column the
    /// schema does not know (a composite such as 不存在等 is still part of its group's 計).
    fn is_part(&self) -> bool {
        !self.path.is_empty()
            && matches!(
                self.meaning,
                HeaderMeaning::Category(_) | HeaderMeaning::Unknown | HeaderMeaning::Ambiguous(_)
            )
    }
}

#[derive(Debug)]
struct TableLayout {
    header_top: u32,
    header_bottom: u32,
    label_columns: Vec<u32>,
    columns: Vec<Column>,
    data_rows: Vec<u32>,
    title_cells: Vec<String>,
    /// The schema's decision categories (not requests), for totals of decisions.
    decision_keys: Vec<CategoryKey>,
}

#[derive(Debug, Clone, PartialEq)]
enum RowKind {
    Year(FiscalYear),
    Agency(Agency),
    Total,
    Subtotal,
    Unlabelled,
    BadYear(String),
    /// A label that is neither a year nor shaped like a 実施機関 (a request type such as 開示, a
    /// month such as 4月, a decision such as 承諾): the table's rows are on an axis this reader
    /// does not read.
    NotAgency(String),
}

impl TableLayout {
    fn find(
        sheet: &Sheet,
        schema: &CategorySchema,
        anchor: u32,
        previous_end: Option<u32>,
    ) -> TableLayout {
        let first_column = sheet
            .row(anchor)
            .map(|(column, _)| column)
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
        // Leaf rows below the anchor. A group label left of the anchor's first category
        // (`処理の状況` before `訂正請求`) has its leaves below it, so they count from there.
        let classified = |row: u32, column: u32| {
            sheet.header_label(row, column).is_some_and(|(label, _)| {
                matches!(
                    schema.classify(&[label.as_str()]),
                    HeaderMeaning::Category(_) | HeaderMeaning::Total
                )
            })
        };
        let leaves_from = (1..first_column)
            .find(|column| {
                sheet.header_label(anchor, *column).is_some() && classified(anchor + 1, *column)
            })
            .unwrap_or(first_column);
        let mut header_bottom = anchor;
        while header_bottom - anchor < MAX_HEADER_ROWS && header_bottom < sheet.last_row {
            let candidate = header_bottom + 1;
            let cells: Vec<(u32, &Cell)> = sheet
                .row(candidate)
                .filter(|(column, _)| *column >= leaves_from)
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
        // A leaf standing beside a group (倉敷市's 開示等請求 next to 決定等の状況) may sit left of
        // the first category label of the anchor row, merged down or, in CSV, only in the top row.
        let first_column = header_rows
            .iter()
            .flat_map(|row| sheet.row(*row).map(|(column, cell)| (column, cell.label())))
            .filter(|(column, label)| {
                *column < first_column
                    && matches!(
                        schema.classify(&[label.as_str()]),
                        HeaderMeaning::Category(_) | HeaderMeaning::Total
                    )
            })
            .map(|(column, _)| column)
            .min()
            .unwrap_or(first_column);
        // A labelled column the schema does not know, left of the first category, still holds
        // values when the first row below has a count under it (西宮市's 公文書公開請求数).
        let first_data = header_bottom + 1;
        let mut first_column = first_column;
        while first_column > 1 {
            let candidate = first_column - 1;
            let labelled = header_rows
                .iter()
                .any(|row| sheet.header_label(*row, candidate).is_some());
            let counts_below = sheet.cell(first_data, candidate).is_some_and(is_count_like);
            let label_is_text = sheet
                .cell(first_data, 0)
                .is_some_and(|cell| !is_count_like(cell));
            if !(labelled && counts_below && label_is_text) {
                break;
            }
            first_column = candidate;
        }
        let mut columns = read_columns(sheet, schema, &header_rows, first_column);
        let label_columns: Vec<u32> = (0..first_column).collect();
        let data_rows = find_data_rows(sheet, schema, header_bottom, first_column, &columns);
        infer_unlabelled_totals(sheet, &mut columns, &data_rows);
        let title_start = header_top
            .saturating_sub(TITLE_ROWS)
            .max(previous_end.map_or(0, |end| end + 1));
        let mut title_cells = Vec::new();
        for row in (title_start..header_top).rev() {
            // Only text names a year or a body: a date cell above a table is the day it was
            // compiled, a number a page or a code.
            for (_, cell) in sheet
                .row(row)
                .filter(|(_, cell)| matches!(cell, Cell::Text(_)))
            {
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
            decision_keys: schema
                .categories()
                .iter()
                .filter(|c| !c.is_request())
                .map(|c| c.key().clone())
                .collect(),
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
                HeaderMeaning::Total if column.unlabelled_total => outcome.seeds.push(seed(
                    Code::DerivedColumn,
                    Some(column.header_cell),
                    "見出しのない列は、どの行でも左の列の和と一致するため合計の列とみなし、取り込みません"
                        .to_owned(),
                )),
                HeaderMeaning::Unknown
                    if column.path.is_empty() && self.column_has_values(sheet, column.column) =>
                {
                    // Values under no header: unknown counts, or a row shifted right (an unquoted
                    // thousands separator in a CSV). Either way the figures cannot be trusted.
                    outcome.seeds.push(seed(
                        Code::ValuesWithoutHeader,
                        Some(column.header_cell),
                        "見出しのない列に値があります。何の件数か分からず、行の値が右にずれている（CSV で桁区切りのカンマを引用符で囲んでいない など）おそれもあるため、このファイルは取り込みません。見出しを付けるか、余分な値を消してください"
                            .to_owned(),
                    ));
                }
                HeaderMeaning::Unknown if column.path.is_empty() => {}
                HeaderMeaning::Unknown => {
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
        // Several columns for one category: 苦情 and 相談 add up to 苦情相談 (a warning says so);
        // the same heading twice (a year-over-year layout, 令和3年度 › 開示 and 令和4年度 › 開示)
        // cannot be added up and is an error.
        let mut columns_by_key: BTreeMap<&CategoryKey, Vec<&Column>> = BTreeMap::new();
        for (column, key) in &category_columns {
            columns_by_key.entry(*key).or_default().push(*column);
        }
        for (key, columns) in &columns_by_key {
            let [first, rest @ ..] = columns.as_slice() else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            let shown = |column: &Column| column.path.join(" › ");
            let repeated = rest
                .iter()
                .find(|column| column.folded.last() == first.folded.last());
            match repeated {
                Some(second) => outcome.seeds.push(seed(
                    Code::RepeatedColumn,
                    Some(second.header_cell),
                    format!(
                        "見出し「{}」と「{}」がどちらも「{key}」に当たり、合計できません（年度ごとに列を並べた表は読めません）。1つの年度の表にして取り込んでください",
                        shown(first),
                        shown(second)
                    ),
                )),
                None => {
                    let names: Vec<String> = columns.iter().map(|column| format!("「{}」", shown(column))).collect();
                    outcome.seeds.push(seed(
                        Code::SummedColumns,
                        Some(first.header_cell),
                        format!("{}はどれも「{key}」に当たるため、合計して取り込みます", names.join("と")),
                    ));
                }
            }
        }
        // Row kinds, with section years: a year row without values heads a section only when
        // 実施機関 rows follow it; above another year (or at the end) it is a year whose counts
        // are all blank, i.e. zero.
        let mut kinds: Vec<(u32, RowKind, Option<FiscalYear>)> = Vec::new();
        let mut section_year: Option<FiscalYear> = None;
        let row_kinds: Vec<(u32, RowKind)> = self
            .data_rows
            .iter()
            .map(|row| (*row, self.row_kind(sheet, context.options.schema, *row)))
            .collect();
        for (index, (row, kind)) in row_kinds.iter().enumerate() {
            let has_values = category_columns.iter().any(|(column, _)| {
                sheet
                    .cell(*row, column.column)
                    .is_some_and(|c| !c.is_empty())
            });
            let agencies_follow = matches!(row_kinds.get(index + 1), Some((_, RowKind::Agency(_))));
            if let RowKind::Year(year) = kind
                && !has_values
                && agencies_follow
            {
                section_year = Some(*year);
                continue;
            }
            kinds.push((*row, kind.clone(), section_year));
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
        // A 合計 closes a section: the next one adds up only the rows after it.
        let mut section_start = 0;
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
                RowKind::NotAgency(text) => {
                    outcome.seeds.push(seed(
                        Code::UnknownRow,
                        Some((*row, self.label_columns.last().copied().unwrap_or(0))),
                        format!(
                            "行の見出し「{text}」は年度とも実施機関とも読めないため、この行は取り込みません（請求の種類・月などを行にした表は読めません）"
                        ),
                    ));
                    continue;
                }
                RowKind::Total | RowKind::Subtotal | RowKind::Unlabelled => {
                    let rows_checked = if *kind == RowKind::Subtotal {
                        &figure_rows[subtotal_start..]
                    } else {
                        &figure_rows[section_start..]
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
                    if *kind == RowKind::Total || (*kind == RowKind::Unlabelled && matched) {
                        section_start = figure_rows.len();
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
                match column_count(sheet, *row, column) {
                    Ok((count, subset)) => {
                        // A count merged over several cells is counted once, in its first column;
                        // the other columns read as 0. Say so: the publisher may have meant
                        // something else.
                        if count > 0
                            && let Some(merge) = sheet.merge_at(*row, column.column)
                            && (merge.first_row, merge.first_column) == (*row, column.column)
                            && (merge.last_row > merge.first_row
                                || merge.last_column > merge.first_column)
                        {
                            outcome.seeds.push(seed(
                                Code::MergedValue,
                                Some((*row, column.column)),
                                format!(
                                    "結合されたセルの値 {count} を、最初の列「{}」にだけ数えました。結合した範囲のほかの列は 0 として読んでいます",
                                    column.path.join(" › ")
                                ),
                            ));
                        }
                        values.insert(column.column, count);
                        by_key.entry(*key).or_default().push((column.column, count));
                        if let (Some(subset), Some(note)) = (subset, &column.subset_note) {
                            outcome.seeds.push(seed(
                                Code::UnknownColumn,
                                Some((*row, column.column)),
                                format!(
                                    "「{}」の括弧内の数「({subset})」は見出し「{}」の「{note}」の件数で、分類にないため取り込みません。括弧の前の {count} を取り込みました",
                                    sheet.text(*row, column.column),
                                    column.path.join(" › ")
                                ),
                            ));
                        }
                    }
                    Err(error) => outcome.seeds.push(seed(
                        error.code,
                        Some((*row, column.column)),
                        error.message,
                    )),
                }
            }
            self.check_total_columns(sheet, *row, &seed, outcome);
            for (key, parts) in by_key {
                let count: u64 = parts
                    .iter()
                    .fold(0u64, |sum, (_, count)| sum.saturating_add(*count));
                let first = parts.first().map(|(column, _)| *column).unwrap_or(0);
                let last = parts.last().map(|(column, _)| *column).unwrap_or(first);
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

    fn row_kind(&self, sheet: &Sheet, schema: &CategorySchema, row: u32) -> RowKind {
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
        // A bare number (倉敷市's `15` for 平成15年度) names no era and no body.
        let bare_number = folded
            .trim_end_matches(['年', '度'])
            .chars()
            .all(|c| c.is_ascii_digit());
        if folded.contains("年度") || bare_number || Agency::new(&label).is_none() {
            return RowKind::BadYear(label);
        }
        // The last label column holds the most specific name (a department under 市長).
        let specific = self
            .label_columns
            .iter()
            .rev()
            .map(|c| sheet.text(row, *c))
            .find(|t| !t.is_empty())
            .unwrap_or_else(|| label.clone());
        let specific = strip_note_marks(&specific);
        if !looks_like_agency(&specific, schema) {
            return RowKind::NotAgency(label);
        }
        Agency::new(&specific).map_or(RowKind::Unlabelled, RowKind::Agency)
    }
}
