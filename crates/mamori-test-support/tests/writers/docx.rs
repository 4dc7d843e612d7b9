//! .docx packages opened with the zip crate: the parts exist, are well-formed XML, and carry the
//! numbering the paragraphs asked for.

use std::io::{Cursor, Read};

use mamori_test_support::document::{NumberFormat, Numbered, Paragraph, Run, docx, zip_parts};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Every part of a package, by name, in archive order.
pub(crate) fn parts(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip");
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).expect("a readable entry");
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("a UTF-8 part");
            let name = entry.name().expect("a UTF-8 entry name").into_owned();
            (name, text)
        })
        .collect()
}

fn part<'a>(parts: &'a [(String, String)], name: &str) -> &'a str {
    parts
        .iter()
        .find(|(part_name, _)| part_name == name)
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("missing part {name}"))
}

fn names(parts: &[(String, String)]) -> Vec<&str> {
    parts.iter().map(|(name, _)| name.as_str()).collect()
}

fn assert_well_formed(name: &str, xml: &str) {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0_i32;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(error) => panic!("{name} is not well-formed: {error}\n{xml}"),
        }
    }
    assert_eq!(depth, 0, "{name} has unclosed elements");
}

#[test]
fn a_plain_document_has_the_four_required_parts_and_no_numbering() {
    let bytes = docx(&[
        Paragraph::text("業務委託契約書"),
        Paragraph::text("甲と乙は、次のとおり契約する。<&>"),
    ]);
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let parts = parts(&bytes);
    assert_eq!(
        names(&parts),
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
            "word/_rels/document.xml.rels"
        ]
    );
    for (name, xml) in &parts {
        assert_well_formed(name, xml);
    }
    let document = part(&parts, "word/document.xml");
    assert!(document.contains("業務委託契約書"), "{document}");
    assert!(document.contains("契約する。&lt;&amp;&gt;"), "{document}");
    assert!(!document.contains("w:numPr"));
    let content_types = part(&parts, "[Content_Types].xml");
    assert!(content_types.contains(r#"PartName="/word/document.xml""#));
    assert!(!content_types.contains("numbering"));
    assert!(part(&parts, "_rels/.rels").contains(r#"Target="word/document.xml""#));
}

#[test]
fn numbered_articles_point_at_a_list_labelled_dai_n_jo_in_the_chosen_format() {
    for format in [
        NumberFormat::Decimal,
        NumberFormat::DecimalFullWidth,
        NumberFormat::JapaneseCounting,
    ] {
        let bytes = docx(&[
            Paragraph::text("（秘密の保持）"),
            Paragraph::article(format, "乙は、秘密を守らなければならない。"),
            Paragraph::item(format, "契約の終了後も、同様とする。"),
        ]);
        let parts = parts(&bytes);
        assert!(names(&parts).contains(&"word/numbering.xml"));
        assert!(!names(&parts).contains(&"word/styles.xml"));
        for (name, xml) in &parts {
            assert_well_formed(name, xml);
        }
        let numbering = part(&parts, "word/numbering.xml");
        assert!(
            numbering.contains(&format!(r#"<w:numFmt w:val="{}"/>"#, format.word_name())),
            "{numbering}"
        );
        assert!(numbering.contains(r#"<w:lvlText w:val="第%1条"/>"#));
        assert!(numbering.contains(r#"<w:num w:numId="1"><w:abstractNumId w:val="0"/>"#));
        let document = part(&parts, "word/document.xml");
        assert!(
            document.contains(r#"<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>"#),
            "{document}"
        );
        assert!(document.contains(r#"<w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr>"#));
        assert!(!document.contains("第1条"), "the label is not typed");
        assert!(part(&parts, "word/_rels/document.xml.rels").contains(r#"Target="numbering.xml""#));
        assert!(part(&parts, "[Content_Types].xml").contains("numbering+xml"));
    }
}

#[test]
fn each_format_gets_its_own_list_and_styled_articles_get_a_style_chain() {
    let bytes = docx(&[
        Paragraph::article(NumberFormat::Decimal, "一つ目"),
        Paragraph::text("二つ目")
            .numbered(Numbered::ArticleByStyle(NumberFormat::JapaneseCounting)),
    ]);
    let parts = parts(&bytes);
    for (name, xml) in &parts {
        assert_well_formed(name, xml);
    }
    let numbering = part(&parts, "word/numbering.xml");
    assert!(numbering.contains(r#"<w:numFmt w:val="decimal"/>"#));
    assert!(numbering.contains(r#"<w:numFmt w:val="japaneseCounting"/>"#));
    assert!(numbering.contains(r#"<w:num w:numId="2"><w:abstractNumId w:val="1"/>"#));
    let styles = part(&parts, "word/styles.xml");
    assert!(styles.contains(r#"w:styleId="ArticleBase""#), "{styles}");
    assert!(styles.contains(r#"<w:basedOn w:val="ArticleBase"/>"#));
    assert!(styles.contains(r#"<w:numId w:val="2"/>"#), "{styles}");
    let document = part(&parts, "word/document.xml");
    assert!(document.contains(r#"<w:pStyle w:val="Article"/>"#));
    assert!(part(&parts, "word/_rels/document.xml.rels").contains(r#"Target="styles.xml""#));
}

#[test]
fn tracked_changes_and_tables_are_written_as_word_does() {
    let paragraphs = [
        Paragraph::runs(vec![
            Run::Text("複製".to_owned()),
            Run::Deleted("することができる".to_owned()),
            Run::Inserted("してはならない".to_owned()),
        ]),
        Paragraph::text("表の一行目").in_table(),
        Paragraph::text("表の二行目").in_table(),
        Paragraph::text("表の後"),
    ];
    assert_eq!(paragraphs[0].accepted_text(), "複製してはならない");
    let parts = parts(&docx(&paragraphs));
    let document = part(&parts, "word/document.xml");
    assert_well_formed("word/document.xml", document);
    assert!(document.contains(
        r#"<w:del w:id="1" w:author="mamori"><w:r><w:delText xml:space="preserve">することができる</w:delText>"#
    ));
    assert!(document.contains(
        r#"<w:ins w:id="2" w:author="mamori"><w:r><w:t xml:space="preserve">してはならない</w:t>"#
    ));
    assert_eq!(document.matches("<w:tbl>").count(), 1, "{document}");
    assert_eq!(document.matches("<w:tr>").count(), 2);
    let table_end = document.find("</w:tbl>").expect("a table");
    assert!(document[table_end..].contains("表の後"));
}

#[test]
fn the_same_paragraphs_give_the_same_bytes() {
    let paragraphs = [Paragraph::article(NumberFormat::JapaneseCounting, "本文")];
    assert_eq!(docx(&paragraphs), docx(&paragraphs));
}

#[test]
fn zip_parts_writes_the_parts_given() {
    let bytes = zip_parts(&[("word/document.xml", b"<broken".as_slice())]);
    let parts = parts(&bytes);
    assert_eq!(
        parts,
        [("word/document.xml".to_owned(), "<broken".to_owned())]
    );
}

#[test]
fn number_formats_render_as_word_shows_them() {
    let cases = [
        (NumberFormat::Decimal, 11, "第11条"),
        (NumberFormat::DecimalFullWidth, 11, "第１１条"),
        (NumberFormat::JapaneseCounting, 1, "第一条"),
        (NumberFormat::JapaneseCounting, 10, "第十条"),
        (NumberFormat::JapaneseCounting, 11, "第十一条"),
        (NumberFormat::JapaneseCounting, 20, "第二十条"),
        (NumberFormat::JapaneseCounting, 105, "第百五条"),
        (NumberFormat::JapaneseDigitalTenThousand, 10, "第一〇条"),
    ];
    for (format, number, label) in cases {
        assert_eq!(format.article_label(number), label, "{format:?} {number}");
    }
}
