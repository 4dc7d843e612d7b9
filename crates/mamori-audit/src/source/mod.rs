//! Contract bytes to text "as written": the string every evidence offset points into.
//!
//! The format is told by magic bytes, never by the file name: `PK` is a .docx, `D0 CF 11 E0`
//! an old .doc or a password-protected Office file, `%PDF` a PDF (whose text the caller
//! extracts and passes to [`SourceText::from_pdf_text`]), anything else text.

mod docx;
mod numbering;
mod plain;
mod quality;

pub use quality::{MAX_UNREADABLE_PERCENT, MIN_CHARACTERS, TextQuality};

use crate::error::AuditError;

/// The longest text audited, in characters: about 500 dense pages.
pub const MAX_CHARACTERS: usize = 2_000_000;

/// Where a text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// A Word document (.docx), numbering rendered.
    Docx,
    /// The text layer of a PDF, extracted by the caller.
    PdfText,
    /// A .txt or .md file, or text handed over as a string.
    PlainText,
}

/// The text of one contract (or annex) as written, with the name of the file it came from.
#[derive(Debug, Clone)]
pub struct SourceText {
    file: String,
    format: SourceFormat,
    text: String,
}

impl SourceText {
    /// Reads a .docx, .txt or .md file's bytes, telling the format by its magic bytes.
    /// `file` is only used in messages and results.
    pub fn from_bytes(file: &str, bytes: &[u8]) -> Result<SourceText, AuditError> {
        let owned_file = || file.to_owned();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(AuditError::Empty { file: owned_file() });
        }
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            let text = docx::extract(file, bytes)?;
            return SourceText::checked(file, SourceFormat::Docx, text);
        }
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err(if is_encrypted_package(bytes) {
                AuditError::PasswordProtected { file: owned_file() }
            } else {
                AuditError::LegacyWord { file: owned_file() }
            });
        }
        if bytes.starts_with(b"%PDF") {
            return Err(AuditError::PdfNeedsText { file: owned_file() });
        }
        if bytes.starts_with(b"PK") || looks_binary(bytes) {
            return Err(AuditError::UnsupportedFormat { file: owned_file() });
        }
        let text = plain::decode(file, bytes)?;
        SourceText::checked(file, SourceFormat::PlainText, text)
    }

    /// Takes the text layer of a PDF, as extracted by the caller (`pdftotext -layout -enc
    /// UTF-8`). Fails when the layer is empty or nearly so (a scan) or mostly unreadable.
    pub fn from_pdf_text(file: &str, text: &str) -> Result<SourceText, AuditError> {
        let quality = TextQuality::measure(text);
        if quality.looks_scanned() {
            return Err(AuditError::LooksScanned {
                file: file.to_owned(),
                characters: quality.characters,
            });
        }
        if quality.unreadable_percent() > MAX_UNREADABLE_PERCENT {
            return Err(AuditError::PoorTextLayer {
                file: file.to_owned(),
                percent: u32::try_from(quality.unreadable_percent()).unwrap_or(100),
            });
        }
        SourceText::checked(file, SourceFormat::PdfText, text.to_owned())
    }

    /// Takes text that is already decoded (a pasted clause, a test).
    pub fn from_text(file: &str, text: &str) -> Result<SourceText, AuditError> {
        if text.trim().is_empty() {
            return Err(AuditError::Empty {
                file: file.to_owned(),
            });
        }
        SourceText::checked(file, SourceFormat::PlainText, text.to_owned())
    }

    /// Takes text another process already extracted in `format` (the web server reads uploads in
    /// a worker process and audits the text it hands back). Checked like every other text.
    pub fn from_extracted(
        file: &str,
        format: SourceFormat,
        text: &str,
    ) -> Result<SourceText, AuditError> {
        match format {
            SourceFormat::PdfText => SourceText::from_pdf_text(file, text),
            SourceFormat::Docx | SourceFormat::PlainText => {
                SourceText::checked(file, format, text.to_owned())
            }
        }
    }

    /// The file name given by the caller.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where the text came from.
    pub fn format(&self) -> SourceFormat {
        self.format
    }

    /// The text as written; evidence offsets are character offsets into it.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn checked(file: &str, format: SourceFormat, text: String) -> Result<SourceText, AuditError> {
        if text.trim().is_empty() {
            return Err(AuditError::Empty {
                file: file.to_owned(),
            });
        }
        let characters = text.chars().count();
        if characters > MAX_CHARACTERS {
            return Err(AuditError::TooLong {
                file: file.to_owned(),
                characters,
                limit: MAX_CHARACTERS,
            });
        }
        Ok(SourceText {
            file: file.to_owned(),
            format,
            text,
        })
    }
}

/// An encrypted OOXML file is a CFB container whose directory names the stream
/// `EncryptedPackage` (UTF-16LE); a plain .doc has `WordDocument` instead.
fn is_encrypted_package(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(needle.len()).any(|window| window == needle)
}

/// NUL bytes or many control characters in the first 8 KiB mean this is not text. UTF-16 with
/// a BOM is let through to the decoder.
fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return false;
    }
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head
        .iter()
        .filter(|byte| **byte < 0x20 && !matches!(**byte, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    head.contains(&0) || controls * 20 > head.len()
}
