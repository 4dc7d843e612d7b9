//! A figure: one count for one 実施機関, fiscal year and category, with the cell it came from.

use std::fmt;

use crate::agency::Agency;
use crate::category::CategoryKey;
use crate::diagnostic::{CellRef, Location};
use crate::fiscal_year::FiscalYear;

/// Where a figure came from: the file, the sheet (absent for CSV) and the cell, or for a tally of
/// ledger rows the first and last cell of the rows counted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Provenance {
    pub file: String,
    pub sheet: Option<String>,
    pub cell: CellRef,
    pub range_end: Option<CellRef>,
}

impl Provenance {
    /// A single cell.
    pub fn cell(file: &str, sheet: Option<&str>, cell: CellRef) -> Provenance {
        Provenance {
            file: file.to_owned(),
            sheet: sheet.map(str::to_owned),
            cell,
            range_end: None,
        }
    }

    /// `B5` or, for a range, `B5:B90`.
    pub fn cell_text(&self) -> String {
        match self.range_end {
            Some(end) if end != self.cell => format!("{}:{end}", self.cell),
            _ => self.cell.to_string(),
        }
    }

    /// The same place as a diagnostic location.
    pub fn location(&self) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            cell: Some(self.cell),
        }
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(formatter, " シート「{sheet}」")?;
        }
        write!(formatter, " セル{}", self.cell_text())
    }
}

/// One stored count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Figure {
    pub fiscal_year: FiscalYear,
    pub agency: Agency,
    pub category: CategoryKey,
    pub count: u64,
    pub provenance: Provenance,
}

impl Figure {
    /// The identity a file may state only once: (fiscal year, agency, category).
    pub fn identity(&self) -> (FiscalYear, &Agency, &CategoryKey) {
        (self.fiscal_year, &self.agency, &self.category)
    }
}
