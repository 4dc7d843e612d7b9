//! PDFs read back by poppler's `pdftotext`, the extractor the product's callers use.

use mamori_test_support::document::{
    PDF_LINES_PER_PAGE, pdf, pdf_spaced, pdf_without_text, pdftotext,
};

/// The number of pages poppler sees (form feeds end pages).
fn page_count(text: &str) -> usize {
    text.matches('\u{c}').count()
}

/// Each run of whitespace (ideographic space included) as one ASCII space.
fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn without_whitespace(text: &str) -> String {
    text.chars()
        .filter(|character| !character.is_whitespace())
        .collect()
}

#[test]
fn japanese_lines_come_back_from_pdftotext() {
    let lines = [
        "個人情報取扱特記事項",
        "（秘密の保持）",
        "第1条　乙は、業務上知り得た個人情報を他に漏らしてはならない。",
        "",
        "ASCII and 全角ＡＢＣ、記号「」・〇",
    ];
    let bytes = pdf(&lines);
    assert!(bytes.starts_with(b"%PDF-1.4\n"));
    assert!(bytes.ends_with(b"%%EOF\n"));
    let text = pdftotext(&bytes);
    assert_eq!(page_count(&text), 1, "{text:?}");
    // pdftotext -layout turns the ideographic space after 第1条 into spaces, as it does in real
    // contracts' text layers.
    let extracted: Vec<String> = text
        .lines()
        .map(|line| collapse_spaces(line.trim()))
        .filter(|line| !line.is_empty() && line != "\u{c}")
        .collect();
    let expected: Vec<String> = lines
        .iter()
        .filter(|line| !line.is_empty())
        .map(|line| collapse_spaces(line))
        .collect();
    assert_eq!(extracted, expected, "{text}");
}

#[test]
fn long_lines_wrap_and_many_lines_make_several_pages() {
    let sentence = "乙は、甲の承諾なしに、甲から引き渡された個人情報が記録された資料等を複写し、又は複製してはならない。";
    let numbered: Vec<String> = (1..=100).map(|number| format!("{number:03}行目")).collect();
    let mut lines: Vec<&str> = numbered.iter().map(String::as_str).collect();
    lines.push(sentence);
    let text = pdftotext(&pdf(&lines));
    // 100 short lines and a sentence wrapped onto two lines: 102 lines, 40 a page.
    assert_eq!(PDF_LINES_PER_PAGE, 40);
    assert_eq!(page_count(&text), 3, "{text}");
    for line in &numbered {
        assert!(text.contains(line.as_str()), "missing {line}");
    }
    assert!(!text.contains(sentence), "the sentence is wrapped");
    assert!(without_whitespace(&text).contains(sentence), "{text}");
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(pages[0].contains("040行目") && !pages[0].contains("041行目"));
    assert!(pages[1].starts_with("041行目") || pages[1].trim_start().starts_with("041行目"));
}

#[test]
fn spaced_characters_come_back_in_order_with_spaces_between_them() {
    let line = "乙は、直ちに甲に報告しなければならない。";
    let text = pdftotext(&pdf_spaced(&[line]));
    let found = text.trim();
    assert_eq!(without_whitespace(found), line, "{text:?}");
    let gaps = found.chars().filter(|character| *character == ' ').count();
    assert!(
        gaps >= line.chars().count() - 1,
        "pdftotext separates the characters: {found:?}"
    );
    assert!(found.starts_with("乙 "), "{found:?}");
}

#[test]
fn a_pdf_without_a_text_layer_has_no_text() {
    let bytes = pdf_without_text();
    assert!(bytes.starts_with(b"%PDF-1.4\n"));
    let text = pdftotext(&bytes);
    assert_eq!(page_count(&text), 1);
    assert!(text.trim().is_empty(), "{text:?}");
}

#[test]
fn xref_offsets_point_at_their_objects() {
    for bytes in [pdf(&["一", "二"]), pdf_spaced(&["三"]), pdf_without_text()] {
        let startxref = bytes
            .windows(b"startxref\n".len())
            .rposition(|window| window == b"startxref\n")
            .expect("a startxref");
        let tail = std::str::from_utf8(&bytes[startxref..]).expect("an ASCII trailer");
        let xref: usize = tail
            .lines()
            .nth(1)
            .and_then(|line| line.parse().ok())
            .expect("an xref offset");
        assert!(bytes[xref..].starts_with(b"xref\n0 "));
        let table = std::str::from_utf8(&bytes[xref..]).expect("an ASCII xref table");
        let entries: Vec<&str> = table
            .lines()
            .skip(3)
            .take_while(|line| line.ends_with(" n "))
            .collect();
        assert!(!entries.is_empty());
        for (index, entry) in entries.iter().enumerate() {
            assert_eq!(
                entry.len(),
                19,
                "entry {entry:?} plus its two-byte end of line"
            );
            let offset: usize = entry[..10].parse().expect("an offset");
            let header = format!("{} 0 obj\n", index + 1);
            assert!(
                bytes[offset..].starts_with(header.as_bytes()),
                "object {}",
                index + 1
            );
        }
    }
}
