//! What each column of a table means: header paths built from merged regions or forward filling,
//! classified by the category schema.

// The parent's imports and items: these files split one table reader.
use super::*;

/// Whether a row above the anchor holds group labels for the table's columns (not a title).
pub(super) fn is_group_row(sheet: &Sheet, row: u32, first_column: u32) -> bool {
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

pub(super) fn read_columns(
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
pub(super) const REQUEST_GROUP_LABELS: &[&str] = &[
    "請求",
    "請求件数",
    "請求数",
    "受付",
    "受付件数",
    "受付数",
    "請求の種類",
];

/// What a header path means, reading a leaf under a bare "requests" group as a request kind.
pub(super) fn classify_path(schema: &CategorySchema, path: &[String]) -> HeaderMeaning {
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
pub(super) fn forward_filled(
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
