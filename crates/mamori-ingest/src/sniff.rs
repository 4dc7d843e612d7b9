//! What kind of file the bytes are, by their content: the file name's extension is never trusted.

use std::io::Cursor;

/// A file kind the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Ods,
    Xls,
    /// An OLE compound file holding an `EncryptedPackage`: a password-protected xlsx.
    EncryptedOoxml,
    Html,
    /// Delimited text (CSV or TSV) in any supported encoding.
    Delimited,
    /// A zip archive that is none of the above (a docx, say).
    OtherZip,
    /// Binary content that is none of the above.
    Unknown,
}

impl Format {
    /// A short Japanese name for messages.
    pub fn label(self) -> &'static str {
        match self {
            Format::Xlsx => "Excel ブック (xlsx)",
            Format::Ods => "OpenDocument スプレッドシート (ods)",
            Format::Xls => "Excel 97-2003 ブック (xls)",
            Format::EncryptedOoxml => "暗号化された Excel ブック",
            Format::Html => "HTML",
            Format::Delimited => "CSV/TSV",
            Format::OtherZip => "zip 形式の別種のファイル",
            Format::Unknown => "不明な形式",
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Detects the format from the first bytes and, for zip and OLE files, their directory.
pub fn detect(bytes: &[u8]) -> Format {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(ZIP_EMPTY_MAGIC) {
        return detect_zip(bytes);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return detect_cfb(bytes);
    }
    // UTF-16 text (Excel's 「Unicode テキスト」) is full of NUL bytes: decide by its BOM first.
    if let Some((encoding, bom_length)) = encoding_rs::Encoding::for_bom(bytes)
        && (encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE)
    {
        let end = bytes.len().min(bom_length + 8192) & !1;
        let (head, _) =
            encoding.decode_without_bom_handling(&bytes[bom_length..end.max(bom_length)]);
        return if looks_like_html(head.as_bytes()) {
            Format::Html
        } else {
            Format::Delimited
        };
    }
    let head = &bytes[..bytes.len().min(4096)];
    if looks_like_html(head) {
        return Format::Html;
    }
    if looks_like_text(head) {
        return Format::Delimited;
    }
    Format::Unknown
}

fn detect_zip(bytes: &[u8]) -> Format {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // A zip signature with an unreadable directory: let the archive check name it as corrupt.
        return Format::Xlsx;
    };
    if archive.index_for_name("xl/workbook.xml").is_some()
        || archive.index_for_name("xl/workbook.bin").is_some()
    {
        return Format::Xlsx;
    }
    if let Ok(mut mimetype) = archive.by_name("mimetype") {
        let mut content = String::new();
        use std::io::Read as _;
        if mimetype
            .by_ref()
            .take(256)
            .read_to_string(&mut content)
            .is_ok()
            && content.trim() == "application/vnd.oasis.opendocument.spreadsheet"
        {
            return Format::Ods;
        }
    }
    if archive.index_for_name("[Content_Types].xml").is_some()
        && archive
            .file_names()
            .any(|n| n.is_ok_and(|n| n.starts_with("xl/")))
    {
        return Format::Xlsx;
    }
    Format::OtherZip
}

fn detect_cfb(bytes: &[u8]) -> Format {
    // The stream names are UTF-16 in the directory sectors; a plain byte search for them is
    // enough to tell an encrypted OOXML package from a BIFF workbook.
    let encrypted: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    if bytes
        .windows(encrypted.len())
        .any(|window| window == encrypted.as_slice())
    {
        return Format::EncryptedOoxml;
    }
    Format::Xls
}

fn looks_like_html(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
        || (trimmed.starts_with('<') && (text.contains("<table") || text.contains("<body")))
}

fn looks_like_text(head: &[u8]) -> bool {
    // Control bytes other than tab, CR, LF and form feed do not occur in text files, in UTF-8 or CP932.
    !head.is_empty()
        && !head
            .iter()
            .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0C))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_html_by_content() {
        assert_eq!(
            detect("年度,開示請求\n令和4年度,3\n".as_bytes()),
            Format::Delimited
        );
        assert_eq!(
            detect(b"\xef\xbb\xbf<!DOCTYPE html><html><table></table>"),
            Format::Html
        );
        assert_eq!(
            detect(b"  <table><tr><td>1</td></tr></table>"),
            Format::Html
        );
        assert_eq!(detect(&[0x00, 0x01, 0x02, 0xff]), Format::Unknown);
        assert_eq!(detect(CFB_MAGIC), Format::Xls);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "年度\t開示請求\r\n令和4年度\t3\r\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(detect(&utf16), Format::Delimited);
    }
}
