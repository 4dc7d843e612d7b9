//! Word documents built with the shared writer (`mamori_test_support::document::docx`): automatic
//! numbering (numbering.xml, a style carrying numPr), tracked changes and a table, read back and
//! audited.

use mamori_audit::report::ClauseStatus;
use mamori_audit::source::{SourceFormat, SourceText};
use mamori_test_support::contract::{DocxNumbering, STYLES};
use mamori_test_support::document::{NumberFormat, Numbered, Paragraph, Run, docx};

use crate::contract::{ALL_PRESENT, all_present_except, audit_source, compliant};

const COPYING: &str = "複写又は複製の禁止";
const INSPECTION: &str = "立入検査";

/// How the copying ban is written in tracked changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CopyingEdit {
    /// The ban (してはならない) written over a deleted permission (することができる).
    BanOverPermission,
    /// A permission written over a deleted ban.
    PermissionOverBan,
}

/// The paragraphs of the article headed `heading`: its `（見出し）` paragraph and the numbered
/// paragraphs after it.
fn article_range(paragraphs: &[Paragraph], heading: &str) -> std::ops::Range<usize> {
    let title = Paragraph::text(&format!("（{heading}）"));
    let start = paragraphs
        .iter()
        .position(|paragraph| *paragraph == title)
        .unwrap_or_else(|| panic!("no article headed {heading}"));
    let length = paragraphs[start + 1..]
        .iter()
        .take_while(|paragraph| paragraph.numbered.is_some())
        .count();
    start..start + 1 + length
}

/// The compliant 甲/乙 annex alone (no main contract, so no 別記) as a Word body: articles
/// numbered by Word in `format` (the last one through a paragraph style), second paragraphs at
/// level 1, the inspection article inside a table, and the copying ban in tracked changes.
fn annex_paragraphs(format: NumberFormat, edit: CopyingEdit) -> Vec<Paragraph> {
    let mut contract = compliant(STYLES[0]);
    contract.annex_titles = vec!["個人情報取扱特記事項".to_owned()];
    let mut paragraphs = contract.annex_paragraphs(format);

    let copying = article_range(&paragraphs, COPYING).start + 1;
    let ban = paragraphs[copying].accepted_text();
    let stem = ban
        .strip_suffix("してはならない。")
        .expect("the copying ban ends with してはならない");
    let (deleted, inserted) = match edit {
        CopyingEdit::BanOverPermission => ("することができる", "してはならない"),
        CopyingEdit::PermissionOverBan => ("してはならない", "することができる"),
    };
    paragraphs[copying] = Paragraph::runs(vec![
        Run::Text(stem.to_owned()),
        Run::Deleted(deleted.to_owned()),
        Run::Inserted(inserted.to_owned()),
        Run::Text("。".to_owned()),
    ])
    .numbered(Numbered::Article(format));

    let inspection = article_range(&paragraphs, INSPECTION);
    assert_eq!(
        inspection.len(),
        2,
        "heading and one paragraph in the table"
    );
    for paragraph in &mut paragraphs[inspection] {
        paragraph.in_table = true;
    }
    let last = paragraphs
        .iter()
        .rposition(|paragraph| paragraph.numbered == Some(Numbered::Article(format)))
        .expect("numbered articles");
    paragraphs[last].numbered = Some(Numbered::ArticleByStyle(format));
    paragraphs
}

/// The compliant annex as a .docx (see [`annex_paragraphs`]).
pub(crate) fn annex_docx(format: NumberFormat) -> Vec<u8> {
    docx(&annex_paragraphs(format, CopyingEdit::BanOverPermission))
}

#[test]
fn word_numbering_is_rendered_in_japanese_counting() {
    let source =
        SourceText::from_bytes("特記事項.docx", &annex_docx(NumberFormat::JapaneseCounting))
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
    let source =
        SourceText::from_bytes("特記事項.docx", &annex_docx(NumberFormat::DecimalFullWidth))
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
    let bytes = docx(&annex_paragraphs(
        NumberFormat::Decimal,
        CopyingEdit::PermissionOverBan,
    ));
    let source = SourceText::from_bytes("特記事項.docx", &bytes).expect("a valid docx");
    assert!(source.text().contains("複製することができる。"));
    let report = audit_source(&source, None);
    assert_eq!(
        report.statuses(),
        all_present_except(&[(4, ClauseStatus::Partial)])
    );
}

#[test]
fn whole_contracts_as_docx_pass_in_every_style() {
    for style in STYLES {
        let contract = compliant(style);
        for numbering in [
            DocxNumbering::Typed,
            DocxNumbering::Word(NumberFormat::JapaneseCounting),
        ] {
            let source = SourceText::from_bytes("契約書.docx", &contract.to_docx(numbering))
                .expect("a valid docx");
            let report = audit_source(&source, None);
            assert_eq!(
                report.statuses(),
                ALL_PRESENT.to_vec(),
                "{style:?} {numbering:?}: {report:#?}"
            );
            assert!(!report.has_finding("A6-ANNEX-MISSING"), "{style:?}");
            let secrecy = &report.clause(1).expect("clause 1").evidence[0];
            assert!(
                secrecy
                    .article
                    .as_deref()
                    .is_some_and(|article| article.starts_with("別記")),
                "{style:?} {numbering:?}: {secrecy:?}"
            );
        }
    }
}
