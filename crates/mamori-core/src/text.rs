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
    let characters: Box<dyn Iterator<Item = char> + '_> =
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            Box::new(text.chars())
        } else {
            Box::new(text.nfkc())
        };
    for character in characters {
        match character {
            c if c.is_whitespace() => {}
            '〜' | '~' | '～' => folded.push('~'),
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' | 'ｰ' if folded.is_empty() => {
                folded.push('-')
            }
            c => folded.extend(c.to_lowercase()),
        }
    }
    folded
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
