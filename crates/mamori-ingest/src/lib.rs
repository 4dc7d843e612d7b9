//! mamori-ingest: department spreadsheets → figures with provenance, plus diagnostics.
//!
//! Owns: recognising a file by its bytes ([`sniff`]), refusing hostile archives before a parser
//! sees them ([`archive`]), reading xlsx/xls/ods/csv/html into one row shape ([`reader`],
//! [`grid`]), finding the 運用状況 table or a per-request ledger in it ([`layout`]) and reading counts
//! ([`value`]).
//!
//! Must not: open files or sockets (callers pass bytes and a display name), store anything, or
//! panic on any input. Every rejection or coercion is a [`Diagnostic`] naming the file, sheet and
//! cell; an error-severity diagnostic means the caller must store nothing of the file.
//!
//! Start reading at [`read_file`], then [`layout::read_sheet`].

pub mod archive;
pub mod grid;
pub mod layout;
pub mod reader;
pub mod sniff;
pub mod value;

use std::collections::BTreeSet;

use mamori_core::{
    CategorySchema, CellRef, Code, Diagnostic, Figure, FiscalYear, Location, Severity,
};

pub use sniff::Format;

/// Size and shape limits that keep hostile files from exhausting memory or time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_archive_entries: usize,
    pub max_uncompressed_entry_bytes: u64,
    pub max_uncompressed_total_bytes: u64,
    /// Compression ratio above which a large entry is treated as a zip bomb.
    pub max_compression_ratio: u64,
    pub ratio_check_from_bytes: u64,
    /// Cells a summary table may hold in memory (a 運用状況 table has a few hundred).
    pub max_table_cells: usize,
    /// The widest sheet accepted, in columns.
    pub max_columns: u32,
    /// The largest used range a sheet may declare (rows × columns).
    pub max_declared_cells: u64,
    /// The largest total of an xlsx's value parts that is inflated into memory once and read
    /// from there; a larger workbook (a long ledger) is streamed from the file's compressed parts.
    pub max_repacked_bytes: u64,
}

impl Limits {
    /// Limits for department files: far above any real 運用状況 workbook or ledger.
    pub fn standard() -> Limits {
        Limits {
            max_file_bytes: 100 * 1024 * 1024,
            max_archive_entries: 10_000,
            max_uncompressed_entry_bytes: 1024 * 1024 * 1024,
            max_uncompressed_total_bytes: 2 * 1024 * 1024 * 1024,
            max_compression_ratio: 200,
            ratio_check_from_bytes: 10 * 1024 * 1024,
            max_table_cells: 2_000_000,
            max_columns: 1_000,
            max_declared_cells: 50_000_000,
            max_repacked_bytes: 16 * 1024 * 1024,
        }
    }
}

/// What to read with.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    pub schema: &'a CategorySchema,
    pub limits: &'a Limits,
}

/// A diagnostic before the file name is attached: readers know the sheet and cell, the caller the
/// file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticSeed {
    pub code: Code,
    pub message: String,
    pub sheet: Option<String>,
    pub cell: Option<CellRef>,
}

impl DiagnosticSeed {
    pub fn file(code: Code, message: impl Into<String>) -> DiagnosticSeed {
        DiagnosticSeed {
            code,
            message: message.into(),
            sheet: None,
            cell: None,
        }
    }

    pub fn sheet(code: Code, sheet: &str, message: impl Into<String>) -> DiagnosticSeed {
        DiagnosticSeed {
            code,
            message: message.into(),
            sheet: Some(sheet.to_owned()),
            cell: None,
        }
    }

    pub fn cell(
        code: Code,
        sheet: &str,
        cell: CellRef,
        message: impl Into<String>,
    ) -> DiagnosticSeed {
        DiagnosticSeed {
            code,
            message: message.into(),
            sheet: Some(sheet.to_owned()),
            cell: Some(cell),
        }
    }

    pub fn into_diagnostic(self, file: &str) -> Diagnostic {
        Diagnostic::new(
            self.code,
            Location {
                file: file.to_owned(),
                sheet: self.sheet,
                cell: self.cell,
            },
            self.message,
        )
    }
}

/// Everything read from one file.
#[derive(Debug, Clone)]
pub struct FileReading {
    pub format: Format,
    pub figures: Vec<Figure>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReading {
    /// Whether the file must be rejected (nothing of it stored).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity() == Severity::Error)
    }

    pub fn has_warnings(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity() == Severity::Warning)
    }

    /// The fiscal years the figures cover, ascending.
    pub fn fiscal_years(&self) -> Vec<FiscalYear> {
        self.figures
            .iter()
            .map(|f| f.fiscal_year)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The 実施機関 the figures are for, sorted.
    pub fn agencies(&self) -> Vec<mamori_core::Agency> {
        self.figures
            .iter()
            .map(|f| f.agency.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

/// Reads one file's bytes. `display_name` names the file in every diagnostic and provenance (a
/// path or URL); its last component also serves as a hint for the 実施機関 and fiscal year.
pub fn read_file(display_name: &str, bytes: &[u8], options: &ReadOptions<'_>) -> FileReading {
    let format = sniff::detect(bytes);
    let seeds_and_figures = read_detected(display_name, bytes, format, options);
    let (figures, seeds) = match seeds_and_figures {
        Ok(sheets) => sheets,
        Err(seed) => (Vec::new(), vec![seed]),
    };
    let mut diagnostics: Vec<Diagnostic> = seeds
        .into_iter()
        .map(|seed| seed.into_diagnostic(display_name))
        .collect();
    let (figures, duplicate_diagnostics) = mamori_core::consistency::deduplicate(figures);
    diagnostics.extend(duplicate_diagnostics);
    diagnostics.extend(mamori_core::consistency::check_requests_against_decisions(
        &figures,
        options.schema,
    ));
    if figures.is_empty() && !diagnostics.iter().any(|d| d.severity() == Severity::Error) {
        diagnostics.push(Diagnostic::new(
            Code::NoHeader,
            Location::file(display_name),
            "運用状況の表（開示請求・開示・一部開示などの見出し）も、請求ごとの受付簿も見つかりません",
        ));
    }
    FileReading {
        format,
        figures,
        diagnostics,
    }
}

fn read_detected(
    display_name: &str,
    bytes: &[u8],
    format: Format,
    options: &ReadOptions<'_>,
) -> Result<(Vec<Figure>, Vec<DiagnosticSeed>), DiagnosticSeed> {
    if bytes.is_empty() {
        return Err(DiagnosticSeed::file(
            Code::EmptyFile,
            "ファイルが空（0バイト）です。保存し直したファイルを取り込んでください",
        ));
    }
    if bytes.len() as u64 > options.limits.max_file_bytes {
        return Err(DiagnosticSeed::file(
            Code::FileTooLarge,
            format!(
                "ファイルの大きさ（{} バイト）が上限（{} バイト）を超えます",
                bytes.len(),
                options.limits.max_file_bytes
            ),
        ));
    }
    let hint = file_hint(display_name);
    let context = layout::FileContext {
        file: display_name,
        hint: &hint,
        options,
    };
    match format {
        Format::Xlsx => reader::workbook::read_xlsx(bytes, &context),
        Format::Ods => {
            archive::check(bytes, options.limits)?;
            reader::workbook::read_ods(bytes, &context)
        }
        Format::Xls => reader::workbook::read_xls(bytes, &context),
        Format::EncryptedOoxml => Err(archive::password_protected()),
        Format::Html => reader::html::read(bytes, &context),
        Format::Delimited => reader::delimited::read(bytes, &context),
        Format::OtherZip | Format::Unknown => Err(DiagnosticSeed::file(
            Code::UnsupportedFormat,
            format!(
                "このファイルは{}で、取り込める形式（xlsx・xlsm・xls・ods・csv・tsv・html）ではありません。拡張子ではなく中身で判定しています",
                format.label()
            ),
        )),
    }
}

/// The last path or URL component, without its extension.
fn file_hint(display_name: &str) -> String {
    let last = display_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(display_name);
    let last = last.split(['?', '#']).next().unwrap_or(last);
    match last.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => last.to_owned(),
    }
}
