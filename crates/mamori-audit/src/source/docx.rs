//! Text of a .docx: the body's paragraphs and table cells in document order, with Word's
//! automatic numbering rendered, tracked insertions kept and deletions dropped.
//!
//! The archive is checked before anything is decompressed, with the same precautions as
//! `mamori-ingest`'s workbook check: entry count, declared sizes and compression ratios (zip
//! bombs), encrypted entries, and reads capped at the declared size in case the header lies.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::AuditError;
use crate::source::numbering::{Numbering, attribute, local};

/// Limits on a .docx archive; far above any real contract.
const MAX_ENTRIES: usize = 5_000;
const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
const MAX_RATIO: u64 = 200;
const RATIO_CHECK_FROM: u64 = 1024 * 1024;

/// Extracts the text of the .docx in `bytes`.
pub(crate) fn extract(file: &str, bytes: &[u8]) -> Result<String, AuditError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| AuditError::CorruptArchive {
            file: file.to_owned(),
            reason: error.to_string(),
        })?;
    check_archive(file, &mut archive)?;
    let document = read_part(file, &mut archive, "word/document.xml")?.ok_or_else(|| {
        AuditError::NotWordDocument {
            file: file.to_owned(),
        }
    })?;
    let numbering_xml = read_part(file, &mut archive, "word/numbering.xml")?;
    let styles_xml = read_part(file, &mut archive, "word/styles.xml")?;
    let mut numbering = Numbering::parse(numbering_xml.as_deref(), styles_xml.as_deref());
    body_text(file, &document, &mut numbering)
}

fn check_archive(
    file: &str,
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
) -> Result<(), AuditError> {
    if archive.len() > MAX_ENTRIES {
        return Err(AuditError::ArchiveTooLarge {
            file: file.to_owned(),
            detail: format!("項目数 {} が上限 {MAX_ENTRIES} を超えます", archive.len()),
        });
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| AuditError::CorruptArchive {
                file: file.to_owned(),
                reason: error.to_string(),
            })?;
        if entry.encrypted() {
            return Err(AuditError::PasswordProtected {
                file: file.to_owned(),
            });
        }
        let size = entry.size();
        let ratio = size / entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size > MAX_ENTRY_BYTES || (size > RATIO_CHECK_FROM && ratio > MAX_RATIO) {
            return Err(AuditError::ArchiveTooLarge {
                file: file.to_owned(),
                detail: format!(
                    "項目「{}」が展開後 {size} バイト、圧縮率 {ratio} 倍",
                    entry.name().unwrap_or_default()
                ),
            });
        }
    }
    if total > MAX_TOTAL_BYTES {
        return Err(AuditError::ArchiveTooLarge {
            file: file.to_owned(),
            detail: format!("展開後の合計 {total} バイトが上限 {MAX_TOTAL_BYTES} バイトを超えます"),
        });
    }
    Ok(())
}

/// Reads one part as UTF-8, or `None` when the archive has no such part. The read is capped at
/// the declared size plus one byte, so a header that understates the size cannot inflate memory.
fn read_part(
    file: &str,
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, AuditError> {
    let entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => {
            return Err(AuditError::CorruptArchive {
                file: file.to_owned(),
                reason: error.to_string(),
            });
        }
    };
    let declared = entry.size();
    let mut content =
        Vec::with_capacity(usize::try_from(declared.min(MAX_ENTRY_BYTES)).unwrap_or(0));
    entry
        .take(declared.saturating_add(1).min(MAX_ENTRY_BYTES))
        .read_to_end(&mut content)
        .map_err(|error| AuditError::CorruptArchive {
            file: file.to_owned(),
            reason: format!("{name}: {error}"),
        })?;
    if u64::try_from(content.len()).unwrap_or(u64::MAX) > declared {
        return Err(AuditError::ArchiveTooLarge {
            file: file.to_owned(),
            detail: format!("項目「{name}」が宣言された大きさを超えて展開されます"),
        });
    }
    match String::from_utf8(content) {
        Ok(text) => Ok(Some(text)),
        Err(error) => Ok(Some(String::from_utf8_lossy(error.as_bytes()).into_owned())),
    }
}

/// Walks `w:body`: one line per paragraph (table cells included), runs' `w:t` text, `w:tab` as
/// a tab, `w:br`/`w:cr` as a line break; `w:del`, `w:moveFrom`, field instructions and
/// `mc:Fallback` copies are skipped.
fn body_text(file: &str, xml: &str, numbering: &mut Numbering) -> Result<String, AuditError> {
    let mut reader = Reader::from_str(xml);
    let mut text = String::with_capacity(xml.len() / 4);
    let mut paragraph = String::new();
    let mut in_body = false;
    let mut in_text = false;
    let mut skipped_depth: usize = 0;
    let mut in_paragraph_properties = false;
    let mut style: Option<String> = None;
    let mut direct_num_id: Option<String> = None;
    let mut direct_level: Option<u8> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| AuditError::MalformedXml {
                file: file.to_owned(),
                part: "word/document.xml".to_owned(),
                reason: error.to_string(),
            })?;
        match event {
            Event::Eof => break,
            Event::Start(element) => {
                let name = local(&element);
                match name.as_str() {
                    "body" => in_body = true,
                    "del" | "moveFrom" | "instrText" | "delText" | "Fallback" => {
                        skipped_depth += 1;
                    }
                    _ if skipped_depth > 0 => {}
                    "p" => {
                        paragraph.clear();
                        style = None;
                        direct_num_id = None;
                        direct_level = None;
                    }
                    "pPr" => in_paragraph_properties = true,
                    "t" => in_text = true,
                    _ => {}
                }
            }
            Event::Empty(element) => {
                if skipped_depth > 0 || !in_body {
                    continue;
                }
                let name = local(&element);
                match name.as_str() {
                    "tab" if !in_paragraph_properties => paragraph.push('\t'),
                    "br" | "cr" => paragraph.push('\n'),
                    "pStyle" if in_paragraph_properties => style = attribute(&element, "val"),
                    "numId" if in_paragraph_properties => {
                        direct_num_id = attribute(&element, "val");
                    }
                    "ilvl" if in_paragraph_properties => {
                        direct_level = attribute(&element, "val").and_then(|v| v.parse().ok());
                    }
                    "p" => text.push('\n'),
                    _ => {}
                }
            }
            Event::End(element) => {
                let name = element.local_name().as_ref().to_owned();
                match name.as_str() {
                    "body" => in_body = false,
                    "del" | "moveFrom" | "instrText" | "delText" | "Fallback" => {
                        skipped_depth = skipped_depth.saturating_sub(1);
                    }
                    _ if skipped_depth > 0 => {}
                    "pPr" => in_paragraph_properties = false,
                    "t" => in_text = false,
                    "p" if in_body => {
                        let list = match (&direct_num_id, &style) {
                            (Some(num_id), _) => Some((num_id.clone(), direct_level.unwrap_or(0))),
                            (None, Some(style)) => numbering
                                .style_list(style)
                                .map(|(num_id, level)| (num_id, direct_level.unwrap_or(level))),
                            (None, None) => None,
                        };
                        if let Some((num_id, level)) = list
                            && !paragraph.trim().is_empty()
                            && let Some(label) = numbering.next_label(&num_id, level)
                        {
                            text.push_str(&label);
                        }
                        text.push_str(&paragraph);
                        text.push('\n');
                        paragraph.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(content) if in_text && skipped_depth == 0 && in_body => {
                paragraph.push_str(&content.xml10_content());
            }
            Event::CData(content) if in_text && skipped_depth == 0 && in_body => {
                paragraph.push_str(&content.xml10_content());
            }
            Event::GeneralRef(reference) if in_text && skipped_depth == 0 && in_body => {
                match reference.resolve_char_ref() {
                    Ok(Some(character)) => paragraph.push(character),
                    _ => match reference.as_ref() {
                        "lt" => paragraph.push('<'),
                        "gt" => paragraph.push('>'),
                        "amp" => paragraph.push('&'),
                        "quot" => paragraph.push('"'),
                        "apos" => paragraph.push('\''),
                        _ => {}
                    },
                }
            }
            _ => {}
        }
    }
    Ok(text)
}
