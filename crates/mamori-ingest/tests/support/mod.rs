//! What the importer's integration tests share: reading bytes with the default schema, turning a
//! reading into sorted tuples of figures and diagnostics to compare, and the committed fixtures.
//!
//! It lives here rather than in `mamori-test-support` because it speaks `mamori-ingest` types, and
//! `mamori-test-support` has no workspace dependency (`ALLOWED_EDGES` in `crates/xtask/src/tidy.rs`).
#![expect(
    dead_code,
    reason = "each test binary uses a subset of the shared helpers"
)]

use std::collections::BTreeSet;

use mamori_core::{CategorySchema, Code};
use mamori_ingest::{FileReading, Limits, ReadOptions, read_file};
use mamori_test_support::Value;

/// `(year, agency, key, count)` of a figure.
pub(crate) type Row = (i32, String, String, u64);

/// `(year, agency, key, count, cell)` of a figure.
pub(crate) type CellRow = (i32, String, String, u64, String);

/// Reads a file with the default schema and these limits.
pub(crate) fn read_with(name: &str, bytes: &[u8], limits: &Limits) -> FileReading {
    let schema = CategorySchema::default();
    read_file(
        name,
        bytes,
        &ReadOptions {
            schema: &schema,
            limits,
        },
    )
}

/// Reads a file with the default schema and the standard limits.
pub(crate) fn read(name: &str, bytes: &[u8]) -> FileReading {
    read_with(name, bytes, &Limits::standard())
}

/// The bytes of a file in `tests/fixtures/`.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("fixture {path}: {error}"))
}

/// `(year, agency, key, count, cell)` for every figure, sorted.
pub(crate) fn figures_with_cells(reading: &FileReading) -> Vec<CellRow> {
    let mut rows: Vec<CellRow> = reading
        .figures
        .iter()
        .map(|f| {
            (
                f.fiscal_year.start_year(),
                f.agency.to_string(),
                f.category.to_string(),
                f.count,
                f.provenance.cell_text(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// `(year, agency, key, count)` for every figure.
pub(crate) fn figures(reading: &FileReading) -> BTreeSet<Row> {
    figures_with_cells(reading)
        .into_iter()
        .map(|(year, agency, key, count, _cell)| (year, agency, key, count))
        .collect()
}

/// One expected entry of [`figures_with_cells`].
pub(crate) fn cell_row(year: i32, agency: &str, key: &str, count: u64, cell: &str) -> CellRow {
    (
        year,
        agency.to_owned(),
        key.to_owned(),
        count,
        cell.to_owned(),
    )
}

/// The cell (or range, for a ledger's tally) a figure was read from.
pub(crate) fn cell_of(reading: &FileReading, year: i32, agency: &str, key: &str) -> String {
    reading
        .figures
        .iter()
        .find(|f| {
            f.fiscal_year.start_year() == year
                && f.agency.as_str() == agency
                && f.category.as_str() == key
        })
        .map(|f| f.provenance.cell_text())
        .unwrap_or_else(|| panic!("no figure for {year} {agency} {key}: {reading:#?}"))
}

/// The codes of every diagnostic, in order.
pub(crate) fn codes(reading: &FileReading) -> Vec<Code> {
    reading.diagnostics.iter().map(|d| d.code()).collect()
}

/// `(code, cell)` of every diagnostic, sorted; an empty cell for one about the whole file.
pub(crate) fn located(reading: &FileReading) -> Vec<(Code, String)> {
    let mut found: Vec<(Code, String)> = reading
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code(),
                d.location().cell.map(|c| c.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    found
}

/// The message of the one diagnostic with this code at this cell.
pub(crate) fn message_at<'r>(reading: &'r FileReading, code: Code, cell: &str) -> &'r str {
    let matching: Vec<&str> = reading
        .diagnostics
        .iter()
        .filter(|d| {
            d.code() == code && d.location().cell.map(|c| c.to_string()).as_deref() == Some(cell)
        })
        .map(|d| d.message())
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "{code} at {cell}: {:#?}",
        reading.diagnostics
    );
    matching[0]
}

/// Counts written as numbers, one cell each.
pub(crate) fn counts(values: &[u64]) -> Vec<Value> {
    values.iter().copied().map(Value::Count).collect()
}
