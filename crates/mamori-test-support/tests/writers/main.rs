//! The fixture writers read back by real readers: the zip crate and an XML parser for .docx,
//! poppler's `pdftotext` for PDF, plus the contract generator's renderings and mutations.

mod contract;
mod docx;
mod pdf;
