//! Text folding shared by every matcher: NFKC, no white space, one dash and one wave dash.
//!
//! Publishers write the same label as `一部\n開示`, `一 部 開 示`, `一部開示` or with full-width
//! characters; all of them fold to one key here, so matchers compare folded strings only.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Folds a label for matching: NFKC, white space (including U+3000) removed, wave dashes and
/// the many horizontal bars unified, ASCII letters lower-cased.
pub fn fold_label(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    // Most labels are already in NFKC: skip the normaliser's buffering for them.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        fold_into(&mut folded, text.chars());
    } else {
        fold_into(&mut folded, text.nfkc());
    }
    folded
}

fn fold_into(folded: &mut String, characters: impl Iterator<Item = char>) {
    for character in characters {
        match character {
            c if c.is_whitespace() => {}
            '〜' | '~' | '～' => folded.push('~'),
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' | 'ｰ' if folded.is_empty() => {
                folded.push('-')
            }
            c if c.is_ascii() => folded.push(c.to_ascii_lowercase()),
            // Kana, CJK symbols and ideographs have no case: skip the case table's search.
            c @ '\u{3000}'..='\u{9FFF}' => folded.push(c),
            c => folded.extend(c.to_lowercase()),
        }
    }
}

/// Removes one trailing unit or bracketed note from a folded label: `開示請求(件)` → `開示請求`,
/// `請求件数[件]` → `請求件数`. Returns the label unchanged when it has none.
pub fn strip_bracketed_suffix(folded: &str) -> &str {
    let trimmed = folded.trim_end();
    for (open, close) in [('(', ')'), ('[', ']'), ('【', '】'), ('<', '>')] {
        if trimmed.ends_with(close)
            && let Some(start) = trimmed.rfind(open)
            && start > 0
        {
            return &trimmed[..start];
        }
    }
    trimmed
}

/// The text inside the last bracket pair of a folded label, if any: `不服申立て(審査請求)` →
/// `審査請求`.
pub fn bracketed_note(folded: &str) -> Option<&str> {
    let trimmed = folded.trim_end();
    let inner = trimmed.strip_suffix(')')?;
    let start = inner.rfind('(')?;
    Some(&inner[start + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_spaces_and_newlines_and_widens_nothing() {
        assert_eq!(fold_label("一部\n開示"), "一部開示");
        assert_eq!(fold_label("開　示"), "開示");
        assert_eq!(fold_label("令和４年度"), "令和4年度");
        assert_eq!(fold_label("（参考）"), "(参考)");
        assert_eq!(fold_label("R4"), "r4");
    }

    #[test]
    fn fold_lowers_every_cased_letter() {
        assert_eq!(fold_label("ÄBÇ Ωmega"), "äbçωmega");
        assert_eq!(fold_label("ＡＢＣ開示"), "abc開示");
        // Every character of the fast range folds as the case table would.
        for character in '\u{3000}'..='\u{9FFF}' {
            let text = character.to_string();
            if is_nfkc_quick(text.chars()) == IsNormalized::Yes && !character.is_whitespace() {
                let expected: String = character.to_lowercase().collect();
                let folded = fold_label(&text);
                assert!(
                    folded == expected || folded == "~" || folded == "-",
                    "{character:?} folded to {folded:?}"
                );
            }
        }
    }

    #[test]
    fn fold_unifies_dash_markers_only_at_the_start() {
        assert_eq!(fold_label("－"), "-");
        assert_eq!(fold_label("―"), "-");
        assert_eq!(fold_label("ー"), "-");
        // A long-vowel mark inside a word stays a long-vowel mark.
        assert_eq!(fold_label("センター"), "センター");
    }

    #[test]
    fn bracket_helpers_split_unit_and_note() {
        assert_eq!(strip_bracketed_suffix("開示請求(件)"), "開示請求");
        assert_eq!(strip_bracketed_suffix("(件)"), "(件)");
        assert_eq!(bracketed_note("不服申立て(審査請求)"), Some("審査請求"));
        assert_eq!(bracketed_note("開示"), None);
    }
}
