//! How readable an extracted text layer is: PDF extractors turn unmapped CID glyphs into
//! U+FFFD, private-use code points or CJK radicals, and scanned PDFs have no text at all. Such
//! a text must not be audited as if its clauses were missing.

/// Counts of the characters that betray a broken or absent text layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextQuality {
    /// Characters other than white space.
    pub characters: usize,
    /// U+FFFD replacement characters.
    pub replacement: usize,
    /// Private-use code points (U+E000–U+F8FF and the supplementary private-use planes).
    pub private_use: usize,
    /// CJK Radicals Supplement (U+2E80–U+2EFF), which NFKC does not fold, and Kangxi radicals
    /// (U+2F00–U+2FDF), which it does but which still betray a glyph-level extraction.
    pub radicals: usize,
}

/// Fewer non-space characters than this and the PDF looks scanned.
pub const MIN_CHARACTERS: usize = 40;
/// More unreadable characters than this share (in percent) and the text layer is broken.
pub const MAX_UNREADABLE_PERCENT: usize = 5;

impl TextQuality {
    /// Measures `text`.
    pub fn measure(text: &str) -> TextQuality {
        let mut quality = TextQuality {
            characters: 0,
            replacement: 0,
            private_use: 0,
            radicals: 0,
        };
        for character in text.chars().filter(|character| !character.is_whitespace()) {
            quality.characters += 1;
            match u32::from(character) {
                0xFFFD => quality.replacement += 1,
                0xE000..=0xF8FF | 0xF_0000..=0x10_FFFF => quality.private_use += 1,
                0x2E80..=0x2FDF => quality.radicals += 1,
                _ => {}
            }
        }
        quality
    }

    /// Unreadable characters as a whole percentage of all non-space characters (0 when empty).
    pub fn unreadable_percent(&self) -> usize {
        let unreadable = self.replacement + self.private_use + self.radicals;
        (unreadable * 100).checked_div(self.characters).unwrap_or(0)
    }

    /// Whether the text is too short to be a contract's text layer.
    pub fn looks_scanned(&self) -> bool {
        self.characters < MIN_CHARACTERS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_kind_of_unreadable_character() {
        let quality = TextQuality::measure("乙は\u{FFFD}\u{E001} ⺠⾏ 秘密");
        assert_eq!(quality.characters, 8);
        assert_eq!(quality.replacement, 1);
        assert_eq!(quality.private_use, 1);
        assert_eq!(quality.radicals, 2);
        assert_eq!(quality.unreadable_percent(), 50);
        assert!(quality.looks_scanned());
    }
}
