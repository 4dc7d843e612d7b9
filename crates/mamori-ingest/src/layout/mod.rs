//! Layout recognition: where in a sheet the 運用状況 table (or a per-request ledger) is, what each
//! column means, and which fiscal year and 実施機関 each row is for.
//!
//! Every value is located by its header, never by counting positions: the header block is found
//! by the schema's wording (`table.rs`), group labels are carried over their leaves through merged
//! regions or by forward filling, and a table with fiscal years across the top is read transposed.
//! A sheet whose header names a receipt date and a request type or decision is a ledger
//! (`ledger.rs`), tallied row by row as it streams.

mod hints;
mod ledger;
mod sheet;
mod table;

use mamori_core::{Code, Figure};

use crate::grid::{Merge, Row, RowSource};
use crate::{DiagnosticSeed, ReadOptions};

pub use hints::Hints;

/// What every sheet of a file shares.
#[derive(Debug, Clone, Copy)]
pub struct FileContext<'a> {
    /// The file's display name (path or URL), used in provenance and diagnostics.
    pub file: &'a str,
    /// The file name without directories and extension, a hint for the year and 実施機関.
    pub hint: &'a str,
    pub options: &'a ReadOptions<'a>,
}

/// What a reader knows about one sheet besides its rows.
#[derive(Debug, Clone, Default)]
pub struct SheetMeta {
    /// The sheet name; `None` for CSV.
    pub name: Option<String>,
    pub merges: Vec<Merge>,
    /// Text around the table that may name the year or 実施機関 (an HTML page's headings).
    pub titles: Vec<String>,
}

/// What one sheet gave.
#[derive(Debug, Clone, Default)]
pub struct SheetOutcome {
    pub figures: Vec<Figure>,
    pub seeds: Vec<DiagnosticSeed>,
}

/// Rows read before deciding between a summary table and a ledger.
const PROBE_ROWS: usize = 64;

/// Reads one sheet whose merged regions are already in `meta`. `Err` means the whole file
/// cannot be read (a broken stream, a hostile size); problems with cells are seeds in the outcome.
pub fn read_sheet(
    context: &FileContext<'_>,
    meta: &SheetMeta,
    rows: &mut dyn RowSource,
) -> Result<SheetOutcome, DiagnosticSeed> {
    match stream_sheet(context, meta, rows)? {
        SheetRead::Done(outcome) => Ok(outcome),
        SheetRead::Table(rows) => Ok(read_table(context, meta, rows)),
    }
}

/// What streaming a sheet gave: a tallied ledger, or the rows of a summary table still to be
/// laid out (for which the caller may now fetch the merged regions: a ledger never needs them,
/// and reading them costs a second pass over the sheet).
#[derive(Debug)]
pub enum SheetRead {
    Done(SheetOutcome),
    Table(Vec<Row>),
}

/// Streams a sheet: a ledger is tallied as it passes, anything else is buffered (up to the
/// table cell limit) for [`read_table`].
pub fn stream_sheet(
    context: &FileContext<'_>,
    meta: &SheetMeta,
    rows: &mut dyn RowSource,
) -> Result<SheetRead, DiagnosticSeed> {
    let mut probe: Vec<Row> = Vec::new();
    while probe.len() < PROBE_ROWS {
        match rows.next_row()? {
            Some(row) => probe.push(row),
            None => break,
        }
    }
    if let Some(header) = ledger::detect(&probe, context.options.schema) {
        return ledger::tally(context, meta, header, probe, rows).map(SheetRead::Done);
    }
    let mut cells: usize = probe.iter().map(|row| row.cells.len()).sum();
    while let Some(row) = rows.next_row()? {
        cells += row.cells.len();
        if cells > context.options.limits.max_table_cells {
            return Err(DiagnosticSeed {
                code: Code::SheetTooLarge,
                message: format!(
                    "集計表として読むにはセルが多すぎます（{}セル超）。受付簿なら、1行目に「受付日」「請求の種類」などの見出しを付けてください",
                    context.options.limits.max_table_cells
                ),
                sheet: meta.name.clone(),
                cell: None,
            });
        }
        probe.push(row);
    }
    Ok(SheetRead::Table(probe))
}

/// Lays out a buffered summary table (see [`stream_sheet`]).
pub fn read_table(context: &FileContext<'_>, meta: &SheetMeta, rows: Vec<Row>) -> SheetOutcome {
    table::read(context, meta, rows)
}
