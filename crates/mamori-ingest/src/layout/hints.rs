//! The fiscal year and 実施機関 a table does not state in its rows, read from what surrounds it:
//! title cells above the header, the sheet name, the page headings and the file name.

use mamori_core::{Agency, FiscalYear};

use crate::layout::{FileContext, SheetMeta};

/// Texts that may name the table's year or 実施機関, nearest first.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    texts: Vec<String>,
}

impl Hints {
    /// Title cells come first, then the sheet name, page headings and the file name.
    pub fn new(context: &FileContext<'_>, meta: &SheetMeta, title_cells: Vec<String>) -> Hints {
        let mut texts = title_cells;
        texts.extend(meta.name.iter().cloned());
        texts.extend(meta.titles.iter().rev().cloned());
        texts.push(context.hint.to_owned());
        Hints { texts }
    }

    /// The fiscal year from the nearest text that names exactly one; `Err` lists the years when the
    /// nearest text that names any names several.
    pub fn fiscal_year(&self) -> Result<Option<(FiscalYear, &str)>, Vec<FiscalYear>> {
        for text in &self.texts {
            match FiscalYear::find_in(text).as_slice() {
                [] => {}
                [one] => return Ok(Some((*one, text.as_str()))),
                several => return Err(several.to_vec()),
            }
        }
        Ok(None)
    }

    /// The 実施機関 (or the department, for a file a department of 市長 sends) from the nearest
    /// text that names one.
    pub fn agency(&self) -> Option<Agency> {
        for text in &self.texts {
            let mut bodies = Agency::recognise_all(text);
            match bodies.len() {
                0 => {}
                1 => return bodies.pop(),
                // A text naming several bodies (`市長部局・教育委員会の合計`) is a combined table:
                // no single 実施機関, and no department guess either.
                _ => return None,
            }
            if let Some(department) = Agency::find_department(text) {
                return Some(department);
            }
        }
        None
    }

    /// Every text, for messages.
    pub fn describe(&self) -> String {
        self.texts
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| format!("「{t}」"))
            .collect::<Vec<_>>()
            .join("、")
    }
}
