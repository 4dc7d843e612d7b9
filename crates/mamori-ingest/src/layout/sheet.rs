//! A summary table held in memory as a sparse grid, optionally transposed, that maps every
//! position back to the cell of the file.

use std::collections::BTreeMap;

use mamori_core::CellRef;

use crate::grid::{Cell, Merge, Row};

#[derive(Debug, Clone)]
pub(crate) struct Sheet {
    cells: BTreeMap<(u32, u32), Cell>,
    merges: Vec<Merge>,
    transposed: bool,
    pub(crate) last_row: u32,
    pub(crate) last_column: u32,
}

impl Sheet {
    pub(crate) fn new(rows: Vec<Row>, merges: &[Merge]) -> Sheet {
        let mut cells = BTreeMap::new();
        let (mut last_row, mut last_column) = (0, 0);
        for row in rows {
            for (column, cell) in row.cells {
                if !cell.is_empty() {
                    last_row = last_row.max(row.index);
                    last_column = last_column.max(column);
                    cells.insert((row.index, column), cell);
                }
            }
        }
        Sheet {
            cells,
            merges: merges.to_vec(),
            transposed: false,
            last_row,
            last_column,
        }
    }

    /// The same sheet with rows and columns swapped (for fiscal years across the top).
    pub(crate) fn transposed(&self) -> Sheet {
        Sheet {
            cells: self
                .cells
                .iter()
                .map(|((row, column), cell)| ((*column, *row), cell.clone()))
                .collect(),
            merges: self
                .merges
                .iter()
                .map(|m| Merge {
                    first_row: m.first_column,
                    first_column: m.first_row,
                    last_row: m.last_column,
                    last_column: m.last_row,
                })
                .collect(),
            transposed: !self.transposed,
            last_row: self.last_column,
            last_column: self.last_row,
        }
    }

    pub(crate) fn cell(&self, row: u32, column: u32) -> Option<&Cell> {
        self.cells.get(&(row, column))
    }

    pub(crate) fn text(&self, row: u32, column: u32) -> String {
        self.cell(row, column)
            .map(Cell::label)
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    }

    /// The first row at or after `row` that has a cell: loops over rows visit only rows that
    /// exist, so a sheet with two cells a million rows apart costs two steps, not a million.
    pub(crate) fn next_row_from(&self, row: u32) -> Option<u32> {
        self.cells
            .range((row, 0)..)
            .next()
            .map(|((found, _), _)| *found)
    }

    /// The non-empty cells of a row, by column.
    pub(crate) fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Cell)> {
        self.cells
            .range((row, 0)..(row, u32::MAX))
            .map(|((_, column), cell)| (*column, cell))
    }

    /// The merged region covering a position, if any.
    pub(crate) fn merge_at(&self, row: u32, column: u32) -> Option<&Merge> {
        self.merges.iter().find(|m| m.contains(row, column))
    }

    /// A header label at a position: the cell's own text, or the text of a merged region whose
    /// top row this is (a label spans its columns, not the rows below it).
    pub(crate) fn header_label(&self, row: u32, column: u32) -> Option<(String, (u32, u32))> {
        let own = self.text(row, column);
        if !own.is_empty() {
            return Some((own, (row, column)));
        }
        let merge = self.merge_at(row, column)?;
        if merge.first_row != row {
            return None;
        }
        let text = self.text(merge.first_row, merge.first_column);
        (!text.is_empty()).then_some((text, (merge.first_row, merge.first_column)))
    }

    /// The file's cell for a position of this (possibly transposed) sheet.
    pub(crate) fn origin(&self, row: u32, column: u32) -> CellRef {
        if self.transposed {
            CellRef::new(column, row)
        } else {
            CellRef::new(row, column)
        }
    }
}
