//! Word documents built in the test: automatic numbering (numbering.xml, a style carrying
//! numPr), tracked changes and a table, read back and audited.

use std::io::{Cursor, Write};

use mamori_audit::report::ClauseStatus;
use mamori_audit::source::{SourceFormat, SourceText};
use zip::write::SimpleFileOptions;

use crate::contract::{ALL_PRESENT, STYLES, articles, audit_source};

const NAMESPACE: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn run(text: &str) -> String {
    format!(
        r#"<w:r><w:t xml:space="preserve">{}</w:t></w:r>"#,
        escape(text)
    )
}

fn plain_paragraph(text: &str) -> String {
    format!("<w:p>{}</w:p>", run(text))
}

fn numbered_paragraph(level: u8, runs: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr>{runs}</w:p>"#
    )
}

fn styled_paragraph(style: &str, runs: &str) -> String {
    format!(r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{runs}</w:p>"#)
}

/// numbering.xml: level 0 `第%1条` in `format`, level 1 `%2` full-width digits from 2.
fn numbering_xml(format: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering {NAMESPACE}>
  <w:abstractNum w:abstractNumId="0">
    <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{format}"/><w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl>
    <w:lvl w:ilvl="1"><w:start w:val="2"/><w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="%2"/></w:lvl>
  </w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>"#
    )
}

fn styles_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NAMESPACE}>
  <w:style w:type="paragraph" w:styleId="ArticleBase"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
  <w:style w:type="paragraph" w:styleId="Article"><w:basedOn w:val="ArticleBase"/></w:style>
</w:styles>"#
    )
}

/// The compliant annex as a Word body: numbered articles (the last one through a paragraph
/// style), second paragraphs at level 1, the inspection article inside a table, and the copying
/// ban written over a deleted permission.
fn document_xml() -> String {
    let style = STYLES[0];
    let mut body = plain_paragraph("個人情報取扱特記事項");
    let all = articles(style);
    let last = all.len() - 1;
    for (index, article) in all.iter().enumerate() {
        let heading = plain_paragraph(&format!("（{}）", article.heading));
        let first = if article.heading == "複写又は複製の禁止" {
            let sentence = &article.sentences[0];
            let stem = sentence
                .strip_suffix("してはならない。")
                .expect("the copying ban ends with してはならない");
            format!(
                "{}<w:del><w:r><w:delText>することができる</w:delText></w:r></w:del><w:ins><w:r><w:t>してはならない</w:t></w:r></w:ins>{}",
                run(stem),
                run("。")
            )
        } else {
            run(&article.sentences[0])
        };
        let first = if index == last {
            styled_paragraph("Article", &first)
        } else {
            numbered_paragraph(0, &first)
        };
        let mut paragraphs = format!("{heading}{first}");
        for sentence in &article.sentences[1..] {
            paragraphs.push_str(&numbered_paragraph(1, &run(sentence)));
        }
        if article.heading == "立入検査" {
            body.push_str(&format!(
                "<w:tbl><w:tr><w:tc>{paragraphs}</w:tc></w:tr></w:tbl>"
            ));
        } else {
            body.push_str(&paragraphs);
        }
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NAMESPACE}><w:body>{body}<w:sectPr/></w:body></w:document>"#
    )
}

/// Zips the given parts.
pub(crate) fn zip_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .expect("start a zip entry");
        writer.write_all(content).expect("write a zip entry");
    }
    writer.finish().expect("finish the zip").into_inner()
}

pub(crate) fn contract_docx(format: &str) -> Vec<u8> {
    let document = document_xml();
    let numbering = numbering_xml(format);
    let styles = styles_xml();
    zip_parts(&[
        ("[Content_Types].xml", b"<Types/>".as_slice()),
        ("word/document.xml", document.as_bytes()),
        ("word/numbering.xml", numbering.as_bytes()),
        ("word/styles.xml", styles.as_bytes()),
    ])
}

#[test]
fn word_numbering_is_rendered_in_japanese_counting() {
    let source = SourceText::from_bytes("特記事項.docx", &contract_docx("japaneseCounting"))
        .expect("a valid docx");
    assert_eq!(source.format(), SourceFormat::Docx);
    let text = source.text();
    for label in [
        "第一条 乙は",
        "第二条 乙は",
        "第十条 甲は",
        "第十一条 この特記事項",
    ] {
        assert!(text.contains(label), "missing {label} in:\n{text}");
    }
    // Level 1 restarts under each article and starts at ２.
    assert!(text.contains("２\tこの契約が終了し"), "{text}");
    assert!(
        !text.contains("複製することができる"),
        "deleted text must be dropped"
    );
    assert!(
        text.contains("複製してはならない。"),
        "inserted text must be kept"
    );
    let report = audit_source(&source, None);
    assert_eq!(report.statuses(), ALL_PRESENT.to_vec(), "{report:#?}");
    let secrecy = &report.clause(1).expect("clause 1").evidence[0];
    // The document is the 特記事項 alone, so its articles are cited without a 別記 prefix.
    assert_eq!(secrecy.article.as_deref(), Some("第二条"));
    assert_eq!(secrecy.heading.as_deref(), Some("秘密の保持"));
    let inspection = &report.clause(6).expect("clause 6").evidence[0];
    assert_eq!(
        inspection.article.as_deref(),
        Some("第七条"),
        "read from the table"
    );
}

#[test]
fn word_numbering_in_full_width_digits_reads_as_articles() {
    let source = SourceText::from_bytes("特記事項.docx", &contract_docx("decimalFullWidth"))
        .expect("a valid docx");
    assert!(source.text().contains("第１条 乙は"), "{}", source.text());
    let report = audit_source(&source, None);
    assert_eq!(report.statuses(), ALL_PRESENT.to_vec());
    let evidence = &report.clause(4).expect("clause 4").evidence[0];
    assert_eq!(
        evidence.article.as_deref(),
        Some("第5条"),
        "annex only: no 別記"
    );
    // Quoted as written: full-width digits stay full-width in the source text.
    let quoted: String = source
        .text()
        .chars()
        .skip(evidence.start)
        .take(evidence.end - evidence.start)
        .collect();
    assert_eq!(quoted, evidence.text);
}

#[test]
fn a_deleted_ban_with_an_inserted_permission_is_not_a_ban() {
    let document = document_xml()
        .replace(
            "<w:del><w:r><w:delText>することができる</w:delText></w:r></w:del><w:ins><w:r><w:t>してはならない</w:t></w:r></w:ins>",
            "<w:del><w:r><w:delText>してはならない</w:delText></w:r></w:del><w:ins><w:r><w:t>することができる</w:t></w:r></w:ins>",
        );
    let numbering = numbering_xml("decimal");
    let bytes = zip_parts(&[
        ("word/document.xml", document.as_bytes()),
        ("word/numbering.xml", numbering.as_bytes()),
    ]);
    let source = SourceText::from_bytes("特記事項.docx", &bytes).expect("a valid docx");
    let report = audit_source(&source, None);
    assert_eq!(
        report.statuses(),
        crate::contract::all_present_except(&[(4, ClauseStatus::Partial)])
    );
}
