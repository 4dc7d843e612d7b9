//! Totals rows and columns: what each one adds up, and the warnings when it does not match.

// The parent's imports and items: these files split one table reader.
use super::*;

impl TableLayout {
    /// Compares a totals row with the column sums of `rows`; returns whether every column matched.
    pub(super) fn check_total_row(
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
                .fold(0u64, |sum, value| sum.saturating_add(*value));
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
    pub(super) fn check_total_columns(
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
    pub(super) fn total_candidates(&self, total: &Column) -> Vec<Vec<&Column>> {
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

    pub(super) fn is_decision(&self, key: &CategoryKey) -> bool {
        self.decision_keys.contains(key)
    }
}

/// Total columns that add up decisions (札幌市 処理件数, 富里市 決定の合計).
pub(super) const DECISION_TOTAL_LABELS: &[&str] = &[
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
pub(super) fn column_count(
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
pub(super) fn infer_unlabelled_totals(sheet: &Sheet, columns: &mut [Column], data_rows: &[u32]) {
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
