//! Contract documents written as real files: a minimal .docx (zip of WordprocessingML parts, with
//! optional Word automatic numbering) and a minimal PDF 1.4 with a Japanese text layer that
//! poppler's `pdftotext` extracts, plus a "scanned" PDF with no text layer at all.
//!
//! [`pdftotext`] reads a PDF's text layer back the way `mamori audit` does.
//!
//! Both writers are deterministic: the same input gives the same bytes (no dates, fixed zip
//! timestamps), so fixtures can be compared and hashed.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Cursor, Write as _};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use zip::write::SimpleFileOptions;

/// A Word number format (`w:numFmt`) for the article label `第%1条`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NumberFormat {
    /// `第1条`.
    Decimal,
    /// `第１条`.
    DecimalFullWidth,
    /// `第一条`, `第十一条`.
    JapaneseCounting,
    /// `第一〇条`: a digit-by-digit kanji rendering.
    JapaneseDigitalTenThousand,
}

impl NumberFormat {
    /// The value of `w:numFmt/@w:val`.
    pub fn word_name(self) -> &'static str {
        match self {
            NumberFormat::Decimal => "decimal",
            NumberFormat::DecimalFullWidth => "decimalFullWidth",
            NumberFormat::JapaneseCounting => "japaneseCounting",
            NumberFormat::JapaneseDigitalTenThousand => "japaneseDigitalTenThousand",
        }
    }

    /// `number` as Word renders it in this format (for expected texts in tests).
    pub fn render(self, number: u32) -> String {
        match self {
            NumberFormat::Decimal => number.to_string(),
            NumberFormat::DecimalFullWidth => number.to_string().chars().map(full_width).collect(),
            NumberFormat::JapaneseCounting => kanji_counting(number),
            NumberFormat::JapaneseDigitalTenThousand => number
                .to_string()
                .chars()
                .map(|digit| KANJI_DIGITS[digit_value(digit)])
                .collect(),
        }
    }

    /// The article label Word shows for article `number`: `第{number}条` in this format.
    pub fn article_label(self, number: u32) -> String {
        format!("第{}条", self.render(number))
    }
}

/// A piece of a paragraph's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// Text as written.
    Text(String),
    /// A tracked deletion (`w:del`): shown struck through in Word, not part of the accepted text.
    Deleted(String),
    /// A tracked insertion (`w:ins`): part of the accepted text.
    Inserted(String),
}

/// Where a paragraph's automatic number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbered {
    /// An article (`第%1条`, level 0) of the list in this format, through `w:numPr` on the
    /// paragraph.
    Article(NumberFormat),
    /// A second paragraph of the current article (level 1, `%2` in full-width digits starting at
    /// ２, restarting under each article), through `w:numPr` on the paragraph.
    Item(NumberFormat),
    /// An article of the list in this format, through the paragraph style `Article` (which is
    /// based on a style carrying the `w:numPr`), as Word's 見出し/条 styles do.
    ArticleByStyle(NumberFormat),
}

/// One paragraph of a .docx body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub runs: Vec<Run>,
    /// Word automatic numbering, if any: the label is not part of the runs.
    pub numbered: Option<Numbered>,
    /// Whether the paragraph sits in a table cell. Consecutive table paragraphs form one table,
    /// one row each.
    pub in_table: bool,
}

impl Paragraph {
    /// A plain paragraph.
    pub fn text(text: &str) -> Paragraph {
        Paragraph {
            runs: vec![Run::Text(text.to_owned())],
            numbered: None,
            in_table: false,
        }
    }

    /// An article paragraph numbered `第%1条` by Word in `format`; `text` follows the label
    /// after a space.
    pub fn article(format: NumberFormat, text: &str) -> Paragraph {
        Paragraph::text(text).numbered(Numbered::Article(format))
    }

    /// A second or later paragraph (項) of the current article, numbered ２, ３, … by Word.
    pub fn item(format: NumberFormat, text: &str) -> Paragraph {
        Paragraph::text(text).numbered(Numbered::Item(format))
    }

    /// A paragraph made of several runs (for tracked changes).
    pub fn runs(runs: Vec<Run>) -> Paragraph {
        Paragraph {
            runs,
            numbered: None,
            in_table: false,
        }
    }

    /// This paragraph with Word numbering.
    pub fn numbered(mut self, numbered: Numbered) -> Paragraph {
        self.numbered = Some(numbered);
        self
    }

    /// This paragraph inside a table cell.
    pub fn in_table(mut self) -> Paragraph {
        self.in_table = true;
        self
    }

    /// The paragraph's accepted text (deletions dropped), without any automatic label.
    pub fn accepted_text(&self) -> String {
        self.runs
            .iter()
            .filter_map(|run| match run {
                Run::Text(text) | Run::Inserted(text) => Some(text.as_str()),
                Run::Deleted(_) => None,
            })
            .collect()
    }
}

/// A minimal valid .docx holding `paragraphs`: `[Content_Types].xml`, `_rels/.rels`,
/// `word/document.xml` and `word/_rels/document.xml.rels`, plus `word/numbering.xml` when a
/// paragraph is numbered and `word/styles.xml` when one is numbered through a style.
///
/// Each number format used gets its own list (abstractNum + num): level 0 `第%1条` in that
/// format with a space after the label, level 1 `%2` in full-width digits from ２.
pub fn docx(paragraphs: &[Paragraph]) -> Vec<u8> {
    let formats: Vec<NumberFormat> = paragraphs
        .iter()
        .filter_map(|paragraph| paragraph.numbered.map(list_format))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let styled: Vec<NumberFormat> = paragraphs
        .iter()
        .filter_map(|paragraph| match paragraph.numbered {
            Some(Numbered::ArticleByStyle(format)) => Some(format),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let document = document_xml(paragraphs, &formats, &styled);
    let numbering = (!formats.is_empty()).then(|| numbering_xml(&formats));
    let styles = (!styled.is_empty()).then(|| styles_xml(&formats, &styled));

    let mut overrides = vec![(
        "/word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )];
    let mut relationships = Vec::new();
    if numbering.is_some() {
        overrides.push((
            "/word/numbering.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml",
        ));
        relationships.push(("numbering", "numbering.xml"));
    }
    if styles.is_some() {
        overrides.push((
            "/word/styles.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
        ));
        relationships.push(("styles", "styles.xml"));
    }
    let content_types = content_types_xml(&overrides);
    let document_rels = relationships_xml(
        &relationships
            .iter()
            .map(|(kind, target)| {
                (
                    format!(
                        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}"
                    ),
                    *target,
                )
            })
            .collect::<Vec<_>>(),
    );
    let package_rels = relationships_xml(&[(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
            .to_owned(),
        "word/document.xml",
    )]);

    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", package_rels.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", document_rels.as_bytes()),
    ];
    if let Some(numbering) = &numbering {
        parts.push(("word/numbering.xml", numbering.as_bytes()));
    }
    if let Some(styles) = &styles {
        parts.push(("word/styles.xml", styles.as_bytes()));
    }
    zip_parts(&parts)
}

/// Zips the given `(name, content)` parts, deflated, in order (for broken or hand-made
/// packages).
pub fn zip_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .expect("zip entries in memory can always be started");
        writer
            .write_all(content)
            .expect("writing to memory cannot fail");
    }
    writer
        .finish()
        .expect("finishing a zip in memory cannot fail")
        .into_inner()
}

/// Lines per A4 page in the PDFs written here.
pub const PDF_LINES_PER_PAGE: usize = 40;

/// Width of a PDF line in em (one em is one full-width character; ASCII counts as half). A longer
/// line is wrapped onto the next line, as the printed contract it imitates would be.
pub const PDF_LINE_WIDTH_EM: usize = 44;

/// A minimal PDF 1.4 (A4 pages, [`PDF_LINES_PER_PAGE`] lines a page) whose text layer holds
/// `lines`, one text line each (a `\n` inside a line starts a new line; lines wider than
/// [`PDF_LINE_WIDTH_EM`] are wrapped).
///
/// The text is shown in a non-embedded Type0 font (`Identity-H`, CIDFontType2 with
/// Adobe-Identity-0) whose codes are the characters' UTF-16 code units, and a `ToUnicode` CMap
/// maps every code used back to its character, so `pdftotext` extracts the text exactly.
/// Only Basic Multilingual Plane characters are supported (one UTF-16 code unit each): the
/// function panics on any other character.
///
/// The file is for text extraction only: with no font program, viewers cannot draw the glyphs
/// (poppler's renderer says "non-embedded font using identity encoding"). `pdftotext -layout`
/// gives an ideographic space (U+3000) back as ASCII spaces, as it does for real contracts.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    text_pdf(lines, Layout::Set)
}

/// Like [`pdf`], but each character is drawn on its own with half an em of space after it,
/// the way many PDF producers place Japanese text. `pdftotext` then puts spaces between the
/// characters, as in real contracts' text layers. Lines wrap at a third of the width of
/// [`pdf`]'s.
pub fn pdf_spaced(lines: &[&str]) -> Vec<u8> {
    text_pdf(lines, Layout::Spaced)
}

/// A one-page PDF 1.4 with only a grey rectangle and no text layer: what a scanned contract
/// looks like to `pdftotext`.
pub fn pdf_without_text() -> Vec<u8> {
    let content = b"0.8 g\n72 300 451 400 re\nf\n0 G\n1 w\n72 300 451 400 re\nS\n".to_vec();
    let mut writer = PdfWriter::new();
    writer.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
    writer.object(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    writer.object(
        3,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>",
    );
    writer.stream(4, &content);
    writer.finish(1)
}

/// The text layer of a PDF as `mamori audit` reads it: poppler's
/// `pdftotext -layout -enc UTF-8 FILE -`, with `bytes` written to a temporary file that is
/// removed afterwards.
///
/// Fails (never skips) when `pdftotext` is missing, saying to install poppler-utils, and when
/// poppler reports a damaged file.
pub fn pdftotext(bytes: &[u8]) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "mamori-test-support-{}-{}.pdf",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, bytes)
        .unwrap_or_else(|error| panic!("could not write {}: {error}", path.display()));
    let output = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output();
    std::fs::remove_file(&path)
        .unwrap_or_else(|error| panic!("could not remove {}: {error}", path.display()));
    let output = output.unwrap_or_else(|error| {
        panic!(
            "could not run `pdftotext` ({error}): install poppler-utils (CI installs it), e.g. `apt-get install poppler-utils`"
        )
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "pdftotext failed: {stderr}");
    assert!(
        !stderr.contains("Error"),
        "pdftotext reports a damaged file: {stderr}"
    );
    String::from_utf8(output.stdout).expect("pdftotext -enc UTF-8 writes UTF-8")
}

// ---------------------------------------------------------------------------------------------
// docx parts

const NAMESPACE: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// The list a paragraph belongs to.
fn list_format(numbered: Numbered) -> NumberFormat {
    match numbered {
        Numbered::Article(format) | Numbered::Item(format) | Numbered::ArticleByStyle(format) => {
            format
        }
    }
}

/// The `w:numId` of a format's list: its position among the formats used, from 1.
fn num_id(formats: &[NumberFormat], format: NumberFormat) -> usize {
    formats
        .iter()
        .position(|candidate| *candidate == format)
        .expect("every numbered paragraph's format is in the list of formats")
        + 1
}

fn content_types_xml(overrides: &[(&str, &str)]) -> String {
    let mut xml = format!(
        r#"{XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>"#
    );
    for (part, content_type) in overrides {
        write!(
            xml,
            r#"<Override PartName="{part}" ContentType="{content_type}"/>"#
        )
        .expect("writing to a String cannot fail");
    }
    xml.push_str("</Types>");
    xml
}

fn relationships_xml(relationships: &[(String, &str)]) -> String {
    let mut xml = format!(
        r#"{XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
    );
    for (index, (kind, target)) in relationships.iter().enumerate() {
        let id = index + 1;
        write!(
            xml,
            r#"<Relationship Id="rId{id}" Type="{kind}" Target="{target}"/>"#
        )
        .expect("writing to a String cannot fail");
    }
    xml.push_str("</Relationships>");
    xml
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn document_xml(
    paragraphs: &[Paragraph],
    formats: &[NumberFormat],
    styled: &[NumberFormat],
) -> String {
    let mut body = String::new();
    let mut revision = 0;
    let mut index = 0;
    while index < paragraphs.len() {
        if !paragraphs[index].in_table {
            body.push_str(&paragraph_xml(
                &paragraphs[index],
                formats,
                styled,
                &mut revision,
            ));
            index += 1;
            continue;
        }
        body.push_str(
            r#"<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="9000"/></w:tblGrid>"#,
        );
        while index < paragraphs.len() && paragraphs[index].in_table {
            body.push_str(r#"<w:tr><w:tc><w:tcPr><w:tcW w:w="9000" w:type="dxa"/></w:tcPr>"#);
            body.push_str(&paragraph_xml(
                &paragraphs[index],
                formats,
                styled,
                &mut revision,
            ));
            body.push_str("</w:tc></w:tr>");
            index += 1;
        }
        body.push_str("</w:tbl>");
    }
    format!(
        r#"{XML_DECLARATION}<w:document {NAMESPACE}><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1985" w:right="1701" w:bottom="1701" w:left="1701" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    )
}

fn paragraph_xml(
    paragraph: &Paragraph,
    formats: &[NumberFormat],
    styled: &[NumberFormat],
    revision: &mut usize,
) -> String {
    let properties = match paragraph.numbered {
        None => String::new(),
        Some(Numbered::Article(format)) => format!(
            r#"<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{}"/></w:numPr></w:pPr>"#,
            num_id(formats, format)
        ),
        Some(Numbered::Item(format)) => format!(
            r#"<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="{}"/></w:numPr></w:pPr>"#,
            num_id(formats, format)
        ),
        Some(Numbered::ArticleByStyle(format)) => format!(
            r#"<w:pPr><w:pStyle w:val="{}"/></w:pPr>"#,
            article_style_id(styled, format)
        ),
    };
    let mut runs = String::new();
    for run in &paragraph.runs {
        match run {
            Run::Text(text) => runs.push_str(&text_run(text)),
            Run::Deleted(text) => {
                *revision += 1;
                write!(
                    runs,
                    r#"<w:del w:id="{revision}" w:author="mamori"><w:r><w:delText xml:space="preserve">{}</w:delText></w:r></w:del>"#,
                    escape(text)
                )
                .expect("writing to a String cannot fail");
            }
            Run::Inserted(text) => {
                *revision += 1;
                write!(
                    runs,
                    r#"<w:ins w:id="{revision}" w:author="mamori">{}</w:ins>"#,
                    text_run(text)
                )
                .expect("writing to a String cannot fail");
            }
        }
    }
    format!("<w:p>{properties}{runs}</w:p>")
}

fn text_run(text: &str) -> String {
    format!(
        r#"<w:r><w:t xml:space="preserve">{}</w:t></w:r>"#,
        escape(text)
    )
}

fn article_style_id(styled: &[NumberFormat], format: NumberFormat) -> String {
    let position = styled
        .iter()
        .position(|candidate| *candidate == format)
        .expect("every styled paragraph's format has a style");
    match position {
        0 => "Article".to_owned(),
        other => format!("Article{}", other + 1),
    }
}

/// Children of `w:lvl` follow the schema's order (start, numFmt, suff, lvlText, lvlJc): Word
/// rejects a package whose elements are out of order.
fn numbering_xml(formats: &[NumberFormat]) -> String {
    let mut abstracts = String::new();
    let mut nums = String::new();
    for (index, format) in formats.iter().enumerate() {
        let name = format.word_name();
        write!(
            abstracts,
            r#"<w:abstractNum w:abstractNumId="{index}"><w:multiLevelType w:val="hybridMultilevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{name}"/><w:suff w:val="space"/><w:lvlText w:val="第%1条"/><w:lvlJc w:val="left"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="2"/><w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="%2"/><w:lvlJc w:val="left"/></w:lvl></w:abstractNum>"#
        )
        .expect("writing to a String cannot fail");
        write!(
            nums,
            r#"<w:num w:numId="{}"><w:abstractNumId w:val="{index}"/></w:num>"#,
            index + 1
        )
        .expect("writing to a String cannot fail");
    }
    format!("{XML_DECLARATION}<w:numbering {NAMESPACE}>{abstracts}{nums}</w:numbering>")
}

fn styles_xml(formats: &[NumberFormat], styled: &[NumberFormat]) -> String {
    let mut styles = String::new();
    for format in styled {
        let id = article_style_id(styled, *format);
        write!(
            styles,
            r#"<w:style w:type="paragraph" w:styleId="{id}Base"><w:name w:val="{id} Base"/><w:pPr><w:numPr><w:numId w:val="{}"/></w:numPr></w:pPr></w:style><w:style w:type="paragraph" w:styleId="{id}"><w:name w:val="{id}"/><w:basedOn w:val="{id}Base"/></w:style>"#,
            num_id(formats, *format)
        )
        .expect("writing to a String cannot fail");
    }
    format!("{XML_DECLARATION}<w:styles {NAMESPACE}>{styles}</w:styles>")
}

// ---------------------------------------------------------------------------------------------
// PDF

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Each line is one string.
    Set,
    /// Each character is followed by half an em of space.
    Spaced,
}

const FONT_SIZE: &str = "10.5";
const LEADING: &str = "18";
const LEFT: &str = "56";
const TOP: &str = "790";

fn text_pdf(lines: &[&str], layout: Layout) -> Vec<u8> {
    let width = match layout {
        Layout::Set => PDF_LINE_WIDTH_EM * 2,
        // 1.5 em a character: a third fewer characters fit, and a margin for ASCII.
        Layout::Spaced => PDF_LINE_WIDTH_EM * 2 * 2 / 3,
    };
    let wrapped: Vec<Vec<u16>> = lines
        .iter()
        .flat_map(|line| line.split('\n'))
        .flat_map(|line| wrap(&code_units(line), width))
        .collect();
    let used: BTreeSet<u16> = wrapped.iter().flatten().copied().collect();
    let pages: Vec<&[Vec<u16>]> = if wrapped.is_empty() {
        vec![&[]]
    } else {
        wrapped.chunks(PDF_LINES_PER_PAGE).collect()
    };

    // Objects: 1 catalog, 2 pages, 3 Type0 font, 4 CIDFont, 5 descriptor, 6 ToUnicode, then a
    // page and its content stream per page.
    let page_ids: Vec<usize> = (0..pages.len()).map(|page| 7 + 2 * page).collect();
    let mut writer = PdfWriter::new();
    writer.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
    let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
    writer.object(
        2,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .as_bytes(),
    );
    writer.object(
        3,
        b"<< /Type /Font /Subtype /Type0 /BaseFont /MamoriMincho /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>",
    );
    writer.object(
        4,
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /MamoriMincho /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 1000 /W [32 126 500] /CIDToGIDMap /Identity >>",
    );
    writer.object(
        5,
        b"<< /Type /FontDescriptor /FontName /MamoriMincho /Flags 6 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>",
    );
    writer.stream(6, to_unicode_cmap(&used).as_bytes());
    for (page, page_lines) in pages.iter().enumerate() {
        let page_id = page_ids[page];
        writer.object(
            page_id,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                page_id + 1
            )
            .as_bytes(),
        );
        writer.stream(page_id + 1, content_stream(page_lines, layout).as_bytes());
    }
    writer.finish(1)
}

/// The UTF-16 code units of `line`; panics on characters outside the BMP.
fn code_units(line: &str) -> Vec<u16> {
    line.chars()
        .map(|character| {
            let code = u32::from(character);
            u16::try_from(code).unwrap_or_else(|_| {
                panic!("pdf fixtures support only BMP characters, not U+{code:X} `{character}`")
            })
        })
        .collect()
}

/// Splits a line into pieces of at most `half_ems` half-width units (ASCII 1, else 2).
fn wrap(line: &[u16], half_ems: usize) -> Vec<Vec<u16>> {
    let mut pieces = vec![Vec::new()];
    let mut used = 0;
    for code in line {
        let advance = if (0x20..0x7F).contains(code) { 1 } else { 2 };
        if used + advance > half_ems {
            pieces.push(Vec::new());
            used = 0;
        }
        pieces
            .last_mut()
            .expect("there is always a current piece")
            .push(*code);
        used += advance;
    }
    pieces
}

fn content_stream(lines: &[Vec<u16>], layout: Layout) -> String {
    let mut stream = format!("BT\n/F1 {FONT_SIZE} Tf\n{LEADING} TL\n{LEFT} {TOP} Td\n");
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            stream.push_str("T*\n");
        }
        if line.is_empty() {
            continue;
        }
        match layout {
            Layout::Set => {
                stream.push('<');
                for code in line {
                    write!(stream, "{code:04X}").expect("writing to a String cannot fail");
                }
                stream.push_str("> Tj\n");
            }
            Layout::Spaced => {
                // A negative adjustment in TJ moves the next glyph right, in thousandths of an em.
                stream.push('[');
                for code in line {
                    write!(stream, "<{code:04X}> -500 ").expect("writing to a String cannot fail");
                }
                stream.push_str("] TJ\n");
            }
        }
    }
    stream.push_str("ET\n");
    stream
}

fn to_unicode_cmap(used: &BTreeSet<u16>) -> String {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let codes: Vec<u16> = used.iter().copied().collect();
    // A bfchar block holds at most 100 entries.
    for block in codes.chunks(100) {
        writeln!(cmap, "{} beginbfchar", block.len()).expect("writing to a String cannot fail");
        for code in block {
            writeln!(cmap, "<{code:04X}> <{code:04X}>").expect("writing to a String cannot fail");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str(
        "endcmap\nCMapName currentdict /CMapName get /CMap defineresource pop\nend\nend\n",
    );
    cmap
}

/// Writes numbered objects in order and an xref table with their byte offsets.
struct PdfWriter {
    bytes: Vec<u8>,
    offsets: Vec<usize>,
}

impl PdfWriter {
    fn new() -> PdfWriter {
        // The comment of high bytes marks the file as binary for transfer tools.
        let mut bytes = b"%PDF-1.4\n%".to_vec();
        bytes.extend_from_slice(&[0xE2, 0xE3, 0xCF, 0xD3]);
        bytes.push(b'\n');
        PdfWriter {
            bytes,
            offsets: Vec::new(),
        }
    }

    fn object(&mut self, id: usize, dictionary: &[u8]) {
        self.begin(id);
        self.bytes.extend_from_slice(dictionary);
        self.bytes.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, id: usize, content: &[u8]) {
        self.begin(id);
        self.bytes
            .extend_from_slice(format!("<< /Length {} >>\nstream\n", content.len()).as_bytes());
        self.bytes.extend_from_slice(content);
        self.bytes.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn begin(&mut self, id: usize) {
        assert_eq!(
            id,
            self.offsets.len() + 1,
            "pdf objects are written in order"
        );
        self.offsets.push(self.bytes.len());
        self.bytes
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
    }

    fn finish(mut self, root: usize) -> Vec<u8> {
        let xref = self.bytes.len();
        let size = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for offset in &self.offsets {
            // Each entry is exactly 20 bytes: 10 + 1 + 5 + 1 + 1 + a two-byte end of line
            // (space, line feed).
            writeln!(table, "{offset:010} 00000 n ").expect("writing to a String cannot fail");
        }
        write!(
            table,
            "trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .expect("writing to a String cannot fail");
        self.bytes.extend_from_slice(table.as_bytes());
        self.bytes
    }
}

// ---------------------------------------------------------------------------------------------
// Number rendering

const KANJI_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

fn digit_value(digit: char) -> usize {
    digit
        .to_digit(10)
        .and_then(|value| usize::try_from(value).ok())
        .expect("a decimal rendering has only digits")
}

fn full_width(digit: char) -> char {
    char::from_u32(u32::from(digit) - u32::from('0') + u32::from('０'))
        .expect("full-width digits are characters")
}

/// Kanji counting as Word renders japaneseCounting: 十, 十一, 二十, 百一, 千二十.
fn kanji_counting(number: u32) -> String {
    if number == 0 {
        return "〇".to_owned();
    }
    let mut text = String::new();
    let mut rest = number;
    for (unit, name) in [(10_000, "万"), (1_000, "千"), (100, "百"), (10, "十")] {
        let count = rest / unit;
        rest %= unit;
        if count == 0 {
            continue;
        }
        if count > 1 || unit == 10_000 {
            text.push_str(&kanji_counting(count));
        }
        text.push_str(name);
    }
    if rest > 0 {
        text.push(KANJI_DIGITS[usize::try_from(rest).expect("a digit fits a usize")]);
    }
    text
}
