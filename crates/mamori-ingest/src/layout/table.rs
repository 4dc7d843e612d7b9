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
    // A table read cleanly upright is not tried across: a transposed table read upright has no
    // header row, or rows that are not years or 実施機関 (warnings).
    let clean = !upright.figures.is_empty()
        && upright
            .seeds
            .iter()
            .all(|seed| seed.code.severity() < mamori_core::Severity::Warning);
    if clean {
        return upright;
    }
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
        if is_header_row(sheet, schema, row) {
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
            let Some(column) = (0..=sheet.last_column).find(|column| {
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
    for column in 0..=sheet.last_column {
        // Numbers, dates and error values are never header words.
        if sheet
            .cell(row, column)
            .is_some_and(|cell| !matches!(cell, Cell::Text(_)))
        {
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
                    outcome.seeds.push(seed(
                        Code::UnknownColumn,
                        Some(column.header_cell),
                        "見出しのない列に値があります。何の件数か分からないため、この列は取り込みません。見出しを付けてください"
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
                match column_count(sheet, *row, column) {
                    Ok((count, subset)) => {
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
        seed: &dyn Fn(Code, Option<(u32, u32)>, String) -> DiagnosticSeed,
        outcome: &mut SheetOutcome,
    ) {
        for total in self
            .columns
            .iter()
            .filter(|c| c.meaning == HeaderMeaning::Total)
        {
            let Some(cell) = sheet.cell(row, total.column) else {
                continue;
            };
            let Ok(stated) = read_count(cell) else {
                continue;
            };
            // Each way of reading the total: a part that does not read is reported on its own,
            // and a reading with such a part has nothing to compare.
            let readings: Vec<(Vec<&Column>, u64)> = self
                .total_candidates(total)
                .into_iter()
                .filter(|parts| !parts.is_empty())
                .filter_map(|parts| {
                    let summed = parts
                        .iter()
                        .map(|part| column_count(sheet, row, part).map(|(count, _)| count))
                        .sum::<Result<u64, _>>()
                        .ok()?;
                    Some((parts, summed))
                })
                .collect();
            let Some((parts, summed)) = readings.first() else {
                continue;
            };
            if readings.iter().any(|(_, summed)| *summed == stated) {
                continue;
            }
            let (parts, summed) = (parts, *summed);
            if summed != stated {
                let shown = if total.path.is_empty() {
                    "(見出しなし)".to_owned()
                } else {
                    total.path.join(" › ")
                };
                let part_names: Vec<String> = parts.iter().map(|c| c.path.join(" › ")).collect();
                outcome.seeds.push(seed(
                    Code::TotalMismatch,
                    Some((row, total.column)),
                    format!(
                        "合計列「{shown}」は{stated}ですが、内訳の列（{}）の和は{summed}です。合計列は確認用で、取り込むのは内訳の値です",
                        part_names.join("、")
                    ),
                ));
            }
        }
    }

    /// The columns a total column adds up, by what its header says: the first reading is the
    /// one reported when none matches.
    fn total_candidates(&self, total: &Column) -> Vec<Vec<&Column>> {
        let schema_is_decision = |column: &Column| match &column.meaning {
            HeaderMeaning::Category(key) => self.is_decision(key),
            _ => false,
        };
        let parts = || {
            self.columns
                .iter()
                .filter(move |c| c.column != total.column && c.is_part())
        };
        // `開示 › 計`: the other leaves of its group.
        if let [group @ .., _] = total.folded.as_slice()
            && !group.is_empty()
        {
            return vec![
                parts()
                    .filter(|c| c.folded.len() == total.folded.len() && c.folded.starts_with(group))
                    .collect(),
            ];
        }
        let leaf = total
            .folded
            .last()
            .map(|label| bare_label(label))
            .unwrap_or_default();
        // `開示計`: the leaves of the group 開示 (東京都 puts it before them).
        if let Some(prefix) = ["合計", "小計", "計"]
            .iter()
            .find_map(|suffix| leaf.strip_suffix(suffix))
            .filter(|prefix| !prefix.is_empty())
        {
            let grouped: Vec<&Column> = parts()
                .filter(|c| c.folded.len() >= 2 && bare_label(&c.folded[0]) == prefix)
                .collect();
            if !grouped.is_empty() {
                return vec![grouped];
            }
        }
        // `処理件数`, `決定の合計`: every decision, with the unknown columns among them. One
        // decision column alone (鈴鹿市's 決定 beside 取下げ) says nothing about the others.
        if DECISION_TOTAL_LABELS.contains(&leaf.as_str()) {
            let decisions: Vec<&Column> = parts().filter(|c| schema_is_decision(c)).collect();
            let (Some(first), Some(last)) = (decisions.first(), decisions.last()) else {
                return Vec::new();
            };
            if decisions.len() < 2 {
                return Vec::new();
            }
            let decision_groups: Vec<&String> = decisions
                .iter()
                .filter(|c| c.folded.len() >= 2)
                .map(|c| &c.folded[0])
                .collect();
            return vec![
                parts()
                    .filter(|c| {
                        schema_is_decision(c)
                            || (c.meaning == HeaderMeaning::Unknown
                                && ((first.column..=last.column).contains(&c.column)
                                    || (c.folded.len() >= 2
                                        && decision_groups.contains(&&c.folded[0]))))
                    })
                    .collect(),
            ];
        }
        // `合計`, `総計`, or no label: the columns since the previous total; a total that opens
        // the table adds up every column after it.
        let previous_total = self
            .columns
            .iter()
            .filter(|c| {
                c.column < total.column && c.meaning == HeaderMeaning::Total && c.folded.len() < 2
            })
            .map(|c| c.column)
            .max();
        let before: Vec<&Column> = parts()
            .filter(|c| c.column < total.column && previous_total.is_none_or(|p| c.column > p))
            .collect();
        if before.is_empty() {
            return vec![parts().filter(|c| c.column > total.column).collect()];
        }
        // Requests and decisions side by side: a 合計 after them may add up the decisions, the
        // requests, or everything; any of them is a consistent reading.
        let is_request = |c: &&Column| matches!(&c.meaning, HeaderMeaning::Category(key) if !self.is_decision(key));
        let decisions: Vec<&Column> = before.iter().copied().filter(|c| !is_request(c)).collect();
        let requests: Vec<&Column> = before.iter().copied().filter(is_request).collect();
        if before.iter().any(|c| schema_is_decision(c)) && !requests.is_empty() {
            return vec![decisions, requests, before];
        }
        vec![before]
    }

    fn is_decision(&self, key: &CategoryKey) -> bool {
        self.decision_keys.contains(key)
    }
}

/// Endings of the names of 実施機関 and their departments (市長, 教育委員会, 総務部, 水道局,
/// 会計管理者, 保健所, 市民病院…).
const AGENCY_ENDINGS: &[&str] = &[
    "長",
    "会",
    "委員",
    "者",
    "部",
    "課",
    "局",
    "室",
    "所",
    "署",
    "庁",
    "館",
    "院",
    "園",
    "センター",
    "本部",
    "公社",
    "法人",
    "組合",
    "財団",
    "機構",
    "学校",
    "大学",
    "事務所",
    "事業団",
];

/// Whether a row label names a 実施機関 (or a department of one) rather than a category, a
/// month or a decision.
fn looks_like_agency(label: &str, schema: &CategorySchema) -> bool {
    let folded = fold_label(label);
    if folded.is_empty() || !matches!(schema.classify(&[folded.as_str()]), HeaderMeaning::Unknown) {
        return false;
    }
    Agency::recognise(&folded).is_some() || AGENCY_ENDINGS.iter().any(|end| folded.ends_with(end))
}

/// A row label without a trailing footnote mark: `市長※1`, `教育委員会(注2)`, `議会*`.
fn strip_note_marks(label: &str) -> String {
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let mut text = label.trim();
    loop {
        let without_digits = text.trim_end_matches(digit);
        let rest = match without_digits.strip_suffix([')', '）']) {
            Some(inner) => inner
                .trim_end_matches(digit)
                .strip_suffix(['注', '※'])
                .and_then(|open| open.strip_suffix(['(', '（'])),
            None => without_digits.strip_suffix(['※', '*', '＊']),
        };
        match rest.map(str::trim_end) {
            Some(rest) if !rest.is_empty() => text = rest,
            _ => return text.to_owned(),
        }
    }
}

/// A folded label without a bracketed unit or a trailing 件/件数.
fn bare_label(folded: &str) -> String {
    let stripped = mamori_core::text::strip_bracketed_suffix(folded);
    let stripped = stripped
        .strip_suffix("件数")
        .or_else(|| stripped.strip_suffix('件'))
        .filter(|s| !s.is_empty())
        .unwrap_or(stripped);
    stripped.to_owned()
}

/// Total columns that add up decisions (札幌市 処理件数, 富里市 決定の合計).
const DECISION_TOTAL_LABELS: &[&str] = &[
    "処理件数",
    "処理",
    "決定件数",
    "決定",
    "決定の合計",
    "決定等件数",
    "決定等",
    "処理済",
    "処理済件数",
    "決定数",
];

/// A column's count in a row, and the bracketed subset count when the header announces one.
fn column_count(
    sheet: &Sheet,
    row: u32,
    column: &Column,
) -> Result<(u64, Option<String>), crate::value::ValueError> {
    let cell = sheet
        .cell(row, column.column)
        .cloned()
        .unwrap_or(Cell::Empty);
    match read_count(&cell) {
        Ok(count) => Ok((count, None)),
        Err(error) => {
            if column.subset_note.is_some()
                && let Some((count, subset)) = crate::value::read_count_with_subset(&cell)
            {
                return Ok((count, Some(subset)));
            }
            Err(error)
        }
    }
}

/// Marks the columns without any header whose every value is the sum of the labelled columns
/// since the previous total: a total the publisher left unlabelled.
fn infer_unlabelled_totals(sheet: &Sheet, columns: &mut [Column], data_rows: &[u32]) {
    for index in 0..columns.len() {
        if !columns[index].path.is_empty() {
            continue;
        }
        let column = columns[index].column;
        let previous_total = columns[..index]
            .iter()
            .rposition(|c| c.meaning == HeaderMeaning::Total);
        let parts: Vec<&Column> = columns[previous_total.map_or(0, |p| p + 1)..index]
            .iter()
            .filter(|c| c.is_part())
            .collect();
        if parts.len() < 2 {
            continue;
        }
        let mut rows_checked = 0;
        let mut all_match = true;
        for row in data_rows {
            let Some(cell) = sheet.cell(*row, column).filter(|c| !c.is_empty()) else {
                continue;
            };
            let Ok(stated) = read_count(cell) else {
                all_match = false;
                break;
            };
            let mut summed = 0;
            for part in &parts {
                match column_count(sheet, *row, part) {
                    Ok((count, _)) => summed += count,
                    Err(_) => all_match = false,
                }
            }
            if !all_match || summed != stated {
                all_match = false;
                break;
            }
            rows_checked += 1;
        }
        if all_match && rows_checked > 0 {
            columns[index].meaning = HeaderMeaning::Total;
            columns[index].unlabelled_total = true;
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
    // Every column up to the last one with content: a value column without a header is kept
    // (and reported, or recognised as a total) rather than silently dropped.
    for column in first_column..=sheet.last_column.max(first_column) {
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
            classify_path(schema, &path)
        };
        let folded: Vec<String> = path.iter().map(|label| fold_label(label)).collect();
        let subset_note = folded
            .iter()
            .filter_map(|label| mamori_core::text::bracketed_note(label))
            .find(|note| note.starts_with("うち") && note.chars().count() > 2)
            .map(str::to_owned);
        columns.push(Column {
            column,
            path,
            folded,
            header_cell,
            meaning,
            unlabelled_total: false,
            subset_note,
        });
    }
    columns
}

/// Group labels that only say "requests": under them a leaf names a request kind
/// (尾道市's 請求 › 開示 / 訂正 / 利用停止), not a decision.
const REQUEST_GROUP_LABELS: &[&str] = &[
    "請求",
    "請求件数",
    "請求数",
    "受付",
    "受付件数",
    "受付数",
    "請求の種類",
];

/// What a header path means, reading a leaf under a bare "requests" group as a request kind.
fn classify_path(schema: &CategorySchema, path: &[String]) -> HeaderMeaning {
    if let [groups @ .., leaf] = path
        && groups
            .iter()
            .any(|group| REQUEST_GROUP_LABELS.contains(&bare_label(&fold_label(group)).as_str()))
    {
        let leaf = fold_label(leaf);
        for candidate in [leaf.clone(), format!("{leaf}請求")] {
            if let HeaderMeaning::Category(key) = schema.classify(&[candidate.as_str()])
                && schema.get(key.as_str()).is_some_and(|c| c.is_request())
            {
                return HeaderMeaning::Category(key);
            }
        }
    }
    schema.classify(path)
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
        // A blank row ends the table, except one or two right under the header.
        let gap_allowed = rows.is_empty() && row - expected <= 2;
        if row != expected && !gap_allowed {
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
        // A label alone right above another header is that table's title (`令和5年度`).
        if !in_columns && is_header_row(sheet, schema, row + 1) {
            break;
        }
        rows.push(row);
    }
    rows
}
