//! The one shape every reader produces: rows of typed cells, streamed in row order, plus the
//! merged regions of the sheet.
//!
//! Readers stream rows through [`RowSource`] so that a 500,000-row ledger is tallied without
//! holding it; summary tables are small and are buffered by the layout code.

use chrono::NaiveDate;

use crate::DiagnosticSeed;

/// One cell's content as the file stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Number(f64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    /// An error value such as `#REF!`.
    Error(String),
    /// A formula whose result the writer did not store.
    FormulaWithoutValue,
    /// A position a row of an HTML table leaves out (fewer cells than the table is wide): its
    /// value is unknown, not zero.
    Missing,
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, for labels: numbers without a fraction print as integers.
    pub fn label(&self) -> String {
        match self {
            Cell::Empty | Cell::FormulaWithoutValue | Cell::Missing => String::new(),
            Cell::Number(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
                format!("{}", *number as i64)
            }
            Cell::Number(number) => number.to_string(),
            Cell::Text(text) => text.clone(),
            Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
            Cell::Bool(value) => value.to_string(),
            Cell::Error(error) => error.clone(),
        }
    }
}

/// A rectangular merged region, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: u32,
    pub first_column: u32,
    pub last_row: u32,
    pub last_column: u32,
}

impl Merge {
    pub fn contains(&self, row: u32, column: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_column..=self.last_column).contains(&column)
    }
}

/// One row: its 0-based index and its non-empty cells sorted by column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    pub index: u32,
    pub cells: Vec<(u32, Cell)>,
}

impl Row {
    pub fn get(&self, column: u32) -> Option<&Cell> {
        self.cells
            .binary_search_by_key(&column, |(c, _)| *c)
            .ok()
            .map(|position| &self.cells[position].1)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|(_, cell)| cell.is_empty())
    }
}

/// A stream of rows in ascending row order.
pub trait RowSource {
    /// The next row that has at least one cell, or `None` at the end of the sheet.
    fn next_row(&mut self) -> Result<Option<Row>, DiagnosticSeed>;
}

/// Rows already in memory (CSV, HTML, and the calamine ranges of xls and ods).
#[derive(Debug)]
pub struct BufferedRows {
    rows: std::vec::IntoIter<Row>,
}

impl BufferedRows {
    pub fn new(rows: Vec<Row>) -> BufferedRows {
        BufferedRows {
            rows: rows.into_iter(),
        }
    }
}

impl RowSource for BufferedRows {
    fn next_row(&mut self) -> Result<Option<Row>, DiagnosticSeed> {
        Ok(self.rows.next())
    }
}
