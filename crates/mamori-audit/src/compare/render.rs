//! The plain-text rendering of a [`Comparison`] for a terminal.
//!
//! ```text
//! 特記事項の比較: テンプレート tokki.docx / 契約書 contract.pdf（比較範囲: 別記・特記事項）
//! 同一 7件、相違 1件、契約書にない 1件、契約書のみ 1件
//!
//! [同一] 第2（秘密の保持） ⇔ 第2条（秘密の保持）
//! [相違] 第6（事故発生時の報告） ⇔ 第7条（事故発生時の報告）
//!     乙は、…が起きるおそれがあると知ったときは、【削除: 直ちに】【追加: 速やかに】甲に知らせ、…
//! [契約書にない] 第7（立入検査）
//! [契約書のみ] 第3条（データの暗号化）
//! ```

use std::fmt::Write as _;

use super::{ArticleComparison, ArticleRef, Comparison, MatchedBy, Scope, SpanKind};

/// Unchanged stretches longer than this (in characters) are shortened.
const MAX_EQUAL_CHARACTERS: usize = 40;
/// Characters kept on each side of a shortened stretch.
const KEPT_CHARACTERS: usize = 15;

pub(super) fn render(comparison: &Comparison) -> String {
    let mut out = String::new();
    let scope = match comparison.scope {
        Scope::Annex => "別記・特記事項",
        Scope::Whole => "全文",
    };
    let summary = comparison.summary();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "特記事項の比較: テンプレート {} / 契約書 {}（比較範囲: {scope}）",
        comparison.template_name, comparison.contract_name
    );
    let _ = writeln!(
        out,
        "同一 {}件、相違 {}件、契約書にない {}件、契約書のみ {}件",
        summary.same, summary.differs, summary.missing_from_contract, summary.extra_in_contract
    );
    out.push('\n');
    for article in &comparison.articles {
        let label = article.label();
        match article {
            ArticleComparison::Same {
                template,
                contract,
                matched_by,
            } => {
                let _ = writeln!(
                    out,
                    "[{label}] {} ⇔ {}{}",
                    name(template),
                    name(contract),
                    how(*matched_by, None)
                );
            }
            ArticleComparison::Differs {
                template,
                contract,
                matched_by,
                similarity,
                diff,
            } => {
                let _ = writeln!(
                    out,
                    "[{label}] {} ⇔ {}{}",
                    name(template),
                    name(contract),
                    how(*matched_by, Some(*similarity))
                );
                let last = diff.len().saturating_sub(1);
                out.push_str("    ");
                for (index, span) in diff.iter().enumerate() {
                    let text = tidy(&span.text);
                    match span.kind {
                        SpanKind::Equal => out.push_str(&shorten(&text, index == 0, index == last)),
                        SpanKind::Deleted => {
                            let _ = write!(out, "【削除: {text}】");
                        }
                        SpanKind::Inserted => {
                            let _ = write!(out, "【追加: {text}】");
                        }
                    }
                }
                out.push('\n');
            }
            ArticleComparison::MissingFromContract { template } => {
                let _ = writeln!(out, "[{label}] {}", name(template));
            }
            ArticleComparison::ExtraInContract { contract } => {
                let _ = writeln!(out, "[{label}] {}", name(contract));
            }
        }
    }
    out
}

/// `第2条（秘密の保持）`, `（番号なし）` when there is neither.
fn name(article: &ArticleRef) -> String {
    match (&article.number, &article.heading) {
        (Some(number), Some(heading)) => format!("{number}（{heading}）"),
        (Some(number), None) => number.clone(),
        (None, Some(heading)) => format!("（{heading}）"),
        (None, None) => "（番号なし）".to_owned(),
    }
}

fn how(matched_by: MatchedBy, similarity: Option<u16>) -> String {
    match (matched_by, similarity) {
        (MatchedBy::Heading, _) => String::new(),
        (MatchedBy::Similarity, Some(similarity)) => {
            format!("（本文の類似で対応、類似度 {}%）", similarity / 10)
        }
        (MatchedBy::Similarity, None) => "（本文の類似で対応）".to_owned(),
    }
}

/// White space dropped except a single space between two ASCII letters or digits, so PDF
/// spacing and wrapped lines do not show.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for character in text.chars() {
        if character.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space
            && character.is_ascii_alphanumeric()
            && out
                .chars()
                .last()
                .is_some_and(|last| last.is_ascii_alphanumeric())
        {
            out.push(' ');
        }
        pending_space = false;
        out.push(character);
    }
    out
}

/// An unchanged stretch, shortened around `…` when long: the opening stretch keeps its end,
/// the closing one its start, one in the middle both.
fn shorten(text: &str, first: bool, last: bool) -> String {
    let characters: Vec<char> = text.chars().collect();
    if characters.len() <= MAX_EQUAL_CHARACTERS {
        return text.to_owned();
    }
    let head: String = characters[..KEPT_CHARACTERS].iter().collect();
    let tail: String = characters[characters.len() - KEPT_CHARACTERS..]
        .iter()
        .collect();
    match (first, last) {
        (true, true) => text.to_owned(),
        (true, false) => format!("…{tail}"),
        (false, true) => format!("{head}…"),
        (false, false) => format!("{head}…{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_drops_pdf_spacing_but_keeps_words_apart() {
        assert_eq!(tidy("乙 は、\n直 ち に USB 2 本"), "乙は、直ちにUSB 2本");
    }

    #[test]
    fn long_unchanged_stretches_are_shortened_by_position() {
        let text = "あ".repeat(20) + &"い".repeat(30);
        assert_eq!(shorten(&text, true, false), format!("…{}", "い".repeat(15)));
        assert_eq!(shorten(&text, false, true), format!("{}…", "あ".repeat(15)));
        assert_eq!(
            shorten(&text, false, false),
            format!("{}…{}", "あ".repeat(15), "い".repeat(15))
        );
        assert_eq!(shorten("短い", false, false), "短い");
    }
}
