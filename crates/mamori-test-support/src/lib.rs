//! mamori-test-support: dev-only helpers shared by the tests of several crates.
//!
//! Owns: [`table::TableSpec`], a 運用状況 table described as data and written by real writers
//! (rust_xlsxwriter for xlsx, the csv conventions of Excel for CSV in UTF-8 or CP932, HTML with
//! colspan/rowspan), so every importer test reads a real file rather than a hand-made grid.
//! [`document`] writes contract documents as real files (.docx with Word numbering, PDF with a
//! Japanese text layer, a PDF without one), and [`contract`] generates compliant 第6条
//! outsourcing contracts as data, to render and mutate. [`smtp`] runs a real SMTP server
//! (aiosmtpd) on loopback, in clear text, with STARTTLS or implicit TLS (a test CA from rcgen),
//! with scripted or slow replies, and reads back what it received in arrival order.
//! [`postgres`] starts a throwaway PostgreSQL cluster (Debian's server) on a loopback port.
//!
//! Must not: appear in a `[dependencies]` section (only `[dev-dependencies]`).

pub mod contract;
pub mod document;
pub mod postgres;
pub mod smtp;
pub mod table;

pub use contract::{Contract, DocxNumbering, STYLES, Wording};
pub use document::{NumberFormat, Paragraph, docx, pdf, pdf_spaced, pdf_without_text, pdftotext};
pub use table::{Header, TableSpec, Value, ValueStyle, a1, example_headers, xlsx_with_sheets};
