//! What a row of a table is: a fiscal year, a 実施機関, a total, a footnote; and where the data rows end.

// The parent's imports and items: these files split one table reader.
use super::*;

/// Whether a row label names a 実施機関 (or a department of one) rather than a category, a
/// month or a decision.
pub(super) fn looks_like_agency(label: &str, schema: &CategorySchema) -> bool {
    let folded = fold_label(label);
    if folded.is_empty() || !matches!(schema.classify(&[folded.as_str()]), HeaderMeaning::Unknown) {
        return false;
    }
    Agency::recognise(&folded).is_some() || Agency::has_body_ending(&folded)
}

/// A row label without a trailing footnote mark: `市長※1`, `教育委員会(注2)`, `議会*`.
pub(super) fn strip_note_marks(label: &str) -> String {
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
pub(super) fn bare_label(folded: &str) -> String {
    let stripped = mamori_core::text::strip_bracketed_suffix(folded);
    let stripped = stripped
        .strip_suffix("件数")
        .or_else(|| stripped.strip_suffix('件'))
        .filter(|s| !s.is_empty())
        .unwrap_or(stripped);
    stripped.to_owned()
}

pub(super) fn find_data_rows(
    sheet: &Sheet,
    schema: &CategorySchema,
    header_bottom: u32,
    first_column: u32,
    columns: &[Column],
) -> Vec<u32> {
    let mut rows = Vec::new();
    let mut expected = header_bottom + 1;
    let mut next = header_bottom
        .checked_add(1)
        .and_then(|after| sheet.next_row_from(after));
    while let Some(row) = next {
        next = row
            .checked_add(1)
            .and_then(|after| sheet.next_row_from(after));
        let cells: Vec<(u32, &Cell)> = sheet.row(row).collect();
        // A blank row ends the table, except one or two right under the header, or a spacer
        // before a row that plainly continues it (a fiscal year or a 実施機関 with counts in the
        // table's columns): dropping such a row would lose its figures without a word.
        let gap_allowed = (rows.is_empty() && row - expected <= 2)
            || continues_table(schema, &cells, first_column, columns);
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

/// Whether a row after a blank one is more of the table above: its label is a fiscal year or
/// names a 実施機関, and it has counts under the table's category columns.
fn continues_table(
    schema: &CategorySchema,
    cells: &[(u32, &Cell)],
    first_column: u32,
    columns: &[Column],
) -> bool {
    let label: String = cells
        .iter()
        .filter(|(column, _)| *column < first_column)
        .map(|(_, cell)| cell.label())
        .collect();
    let labelled = FiscalYear::parse(&label).is_ok() || looks_like_agency(&label, schema);
    let counts = cells.iter().any(|(column, cell)| {
        is_count_like(cell)
            && columns
                .iter()
                .any(|c| c.column == *column && matches!(c.meaning, HeaderMeaning::Category(_)))
    });
    labelled && counts
}
