//! Arbitrary input never panics, and evidence offsets always quote the evidence exactly.

use mamori_audit::normalize::{LineBreaks, NormalizedText};
use mamori_audit::source::SourceText;
use mamori_test_support::document::NumberFormat;
use proptest::prelude::*;

use crate::contract::audit_source;

/// Characters that exercise every normalisation path: CJK, full-width, spaces, line breaks,
/// brackets, markup, variants and article markers.
fn contract_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "乙は",
        "甲の",
        "、",
        "。",
        " ",
        "　",
        "\n",
        "\r\n",
        "(",
        ")",
        "（秘密の保持）",
        "第",
        "1",
        "１",
        "条",
        "漏洩",
        "毀損",
        "立ち入り",
        "してはならない",
        "第三者に提供し",
        "目的以外",
        "<span>",
        "&emsp;",
        "&#12288;",
        "**",
        "別記",
        "特記事項",
        "を遵守",
        "ｶﾞ",
        "\u{3099}",
        "①",
        "損害を賠償",
        "解除することができる",
        "\t",
        "\u{FFFD}",
        "ア ",
        "一 ",
    ]);
    prop::collection::vec(pieces, 0..120).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn normalising_never_panics_and_maps_inside_the_source(text in contract_like()) {
        let characters = text.chars().count();
        let normalized = NormalizedText::new(&text, LineBreaks::Wrapped);
        let output = normalized.as_str();
        for (start, character) in output.char_indices() {
            let (from, to) = normalized.source_range(start, start + character.len_utf8());
            prop_assert!(from <= to && to <= characters, "{from}..{to} of {characters}");
        }
    }

    #[test]
    fn evidence_quotes_the_source_exactly(text in contract_like()) {
        let Ok(source) = SourceText::from_text("p.txt", &text) else {
            return Ok(());
        };
        let report = audit_source(&source, None);
        prop_assert_eq!(report.clauses.len(), 8);
        for clause in &report.clauses {
            for evidence in &clause.evidence {
                let quoted: String = text
                    .chars()
                    .skip(evidence.start)
                    .take(evidence.end - evidence.start)
                    .collect();
                prop_assert_eq!(&quoted, &evidence.text);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        match SourceText::from_bytes("p.bin", &bytes) {
            Ok(source) => prop_assert!(!source.text().trim().is_empty()),
            Err(error) => prop_assert!(error.code().starts_with("E-AUDIT-0")),
        }
    }

    #[test]
    fn damaged_docx_never_panics(cut in 0usize..4000, flip in 0usize..4000) {
        let mut bytes = crate::docx::annex_docx(NumberFormat::JapaneseCounting);
        let flip = flip % bytes.len();
        bytes[flip] ^= 0x5A;
        bytes.truncate(cut.max(1).min(bytes.len()));
        if let Err(error) = SourceText::from_bytes("p.docx", &bytes) {
            prop_assert!(error.code().starts_with("E-AUDIT-0"));
        }
    }
}
