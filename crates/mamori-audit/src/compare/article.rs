//! One text split into the articles that are compared: the annex (別記, 特記事項) when the text
//! has one, else the whole text; each article with its label, heading, body tokens and source
//! offsets. Lone title lines (`業務委託契約書`, `以上`) are not articles.
//!
//! Bodies are cut into tokens by script (a run of kanji, of hiragana, of katakana, of ASCII
//! letters and digits; every other character alone), which is as close to words as Japanese
//! gets without a dictionary. White space is not a token, so PDF spacing and wrapped lines
//! (already removed or joined by [`crate::normalize`]) never count as a difference.

use std::ops::Range;

use crate::normalize::{LineBreaks, NormalizedText};
use crate::source::{SourceFormat, SourceText};
use crate::structure::{Outline, Section, Sentence};

use super::Scope;

/// A source text, normalised, with the articles that take part in the comparison.
pub(super) struct Document<'a> {
    source: &'a SourceText,
    normalized: NormalizedText,
    /// Byte offset of every source character, plus the length.
    char_bytes: Vec<usize>,
    pub(super) scope: Scope,
    pub(super) articles: Vec<Article>,
}

/// One article (or headed block, or run of loose sentences) of a [`Document`].
pub(super) struct Article {
    /// The label as normalised (`第2条`, `第2`, `2`).
    pub(super) number: Option<String>,
    /// The heading without brackets, as normalised.
    pub(super) heading: Option<String>,
    /// The heading folded further, for matching.
    pub(super) heading_key: Option<String>,
    /// Source characters of the whole article: heading line, label and body.
    pub(super) start: usize,
    pub(super) end: usize,
    /// Byte ranges of the body's tokens in the normalised text.
    pub(super) tokens: Vec<Range<usize>>,
    /// The body's tokens joined: what "identical after normalisation" compares.
    pub(super) key: String,
    /// The key's character bigrams, sorted (a multiset), for similarity.
    bigrams: Vec<u64>,
}

impl<'a> Document<'a> {
    pub(super) fn new(source: &'a SourceText) -> Document<'a> {
        let line_breaks = match source.format() {
            SourceFormat::Docx => LineBreaks::Paragraphs,
            SourceFormat::PdfText | SourceFormat::PlainText => LineBreaks::Wrapped,
        };
        let normalized = NormalizedText::new(source.text(), line_breaks);
        let outline = Outline::new(normalized.as_str(), Section::Main);
        let scope = if outline.has_annex {
            Scope::Annex
        } else {
            Scope::Whole
        };
        let compared: Vec<&Sentence> = outline
            .sentences
            .iter()
            .filter(|sentence| !outline.has_annex || sentence.section == Section::Annex)
            .collect();
        let articles = compared
            .chunk_by(|one, other| one.article_index == other.article_index)
            .filter(|group| !is_title(normalized.as_str(), group))
            .map(|group| Article::new(&normalized, group))
            .collect();
        let mut char_bytes: Vec<usize> = source.text().char_indices().map(|(at, _)| at).collect();
        char_bytes.push(source.text().len());
        Document {
            source,
            normalized,
            char_bytes,
            scope,
            articles,
        }
    }

    pub(super) fn name(&self) -> &str {
        self.source.file()
    }

    /// The normalised text of a token.
    pub(super) fn token_text(&self, token: &Range<usize>) -> &str {
        &self.normalized.as_str()[token.clone()]
    }

    /// The source characters `[start, end)` that tokens `first..=last` came from.
    pub(super) fn source_range(&self, first: &Range<usize>, last: &Range<usize>) -> (usize, usize) {
        let (start, _) = self.normalized.source_range(first.start, first.end);
        let (_, end) = self.normalized.source_range(last.start, last.end);
        (start, end.max(start))
    }

    /// Source characters `[start, end)` as written.
    pub(super) fn quote(&self, start: usize, end: usize) -> String {
        let last = self.char_bytes.len() - 1;
        let from = self.char_bytes[start.min(last)];
        let to = self.char_bytes[end.min(last)].max(from);
        self.source.text()[from..to].to_owned()
    }
}

impl Article {
    /// `group` is the non-empty run of sentences sharing one `article_index`.
    fn new(normalized: &NormalizedText, group: &[&Sentence]) -> Article {
        let text = normalized.as_str();
        let first = group[0];
        let body_start = first.start;
        let body_end = group.last().map_or(first.end, |last| last.end);
        let start = article_start(
            text,
            body_start,
            first.article.as_deref(),
            first.heading.as_deref(),
        );
        let (start, end) = normalized.source_range(start, body_end);
        let tokens = tokens(text, body_start, body_end);
        let key: String = tokens.iter().map(|token| &text[token.clone()]).collect();
        let bigrams = bigrams(&key);
        Article {
            number: first.article.clone(),
            heading: first.heading.clone(),
            heading_key: first.heading.as_deref().map(heading_key),
            start,
            end,
            tokens,
            key,
            bigrams,
        }
    }

    /// How alike two bodies are, in per mille: the Dice coefficient of their character
    /// bigrams (1000 when the bodies are identical).
    pub(super) fn similarity(&self, other: &Article) -> u16 {
        if self.key == other.key {
            return 1000;
        }
        let total = self.bigrams.len() + other.bigrams.len();
        if total == 0 {
            return 0;
        }
        let common = common_count(&self.bigrams, &other.bigrams);
        u16::try_from(common * 2 * 1000 / total).unwrap_or(1000)
    }

    /// The highest similarity the two could have, from their lengths alone.
    pub(super) fn similarity_bound(&self, other: &Article) -> u16 {
        let total = self.bigrams.len() + other.bigrams.len();
        if total == 0 {
            return 1000;
        }
        let smaller = self.bigrams.len().min(other.bigrams.len());
        u16::try_from(smaller * 2 * 1000 / total).unwrap_or(1000)
    }
}

/// A lone short line outside any article that is not a sentence: a title (`業務委託契約書`),
/// `記` or `以上`. Such lines are layout, not provisions.
fn is_title(text: &str, group: &[&Sentence]) -> bool {
    let [sentence] = group else {
        return false;
    };
    let line = &text[sentence.start..sentence.end];
    sentence.article.is_none()
        && sentence.heading.is_none()
        && !line.contains('。')
        && line.chars().count() <= MAX_TITLE_CHARACTERS
}

/// The longest line taken for a title.
const MAX_TITLE_CHARACTERS: usize = 30;

/// The normalised byte where an article starts: the bracketed heading line before it if there
/// is one, else its label, which may stand on a line of its own before the body.
fn article_start(
    text: &str,
    body_start: usize,
    number: Option<&str>,
    heading: Option<&str>,
) -> usize {
    let mut start = line_start(text, body_start);
    if let Some(number) = number
        && !text[start..].starts_with(number)
        && let Some(previous) = previous_line(text, start)
        && text[previous..].starts_with(number)
    {
        start = previous;
    }
    let Some(heading) = heading else {
        return start;
    };
    let Some(previous) = previous_line(text, start) else {
        return start;
    };
    let line = &text[previous..start - 1];
    let bracketed = line
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .or_else(|| {
            line.strip_prefix('【')
                .and_then(|rest| rest.strip_suffix('】'))
        });
    if bracketed == Some(heading) {
        previous
    } else {
        start
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |newline| newline + 1)
}

/// The start of the line before the line starting at `start`.
fn previous_line(text: &str, start: usize) -> Option<usize> {
    let newline = start.checked_sub(1)?;
    Some(line_start(text, newline))
}

/// Headings that name the same article: spaces, middle dots, brackets and the particle の
/// dropped (`秘密の保持` = `秘密保持`, `目的外利用・提供の禁止` = `目的外利用提供禁止`). The
/// normaliser has already applied NFKC and folded spelling variants.
fn heading_key(heading: &str) -> String {
    heading
        .chars()
        .filter(|character| {
            !character.is_whitespace()
                && !matches!(
                    character,
                    '・' | '･' | '、' | '(' | ')' | '【' | '】' | '「' | '」' | '〔' | '〕' | 'の'
                )
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Kanji,
    Hiragana,
    Katakana,
    Ascii,
    Space,
    Other,
}

fn script(character: char) -> Script {
    match character {
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '々'
        | '〆' => Script::Kanji,
        '\u{3041}'..='\u{309F}' => Script::Hiragana,
        '\u{30A0}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}' => Script::Katakana,
        _ if character.is_ascii_alphanumeric() => Script::Ascii,
        _ if character.is_whitespace() => Script::Space,
        _ => Script::Other,
    }
}

/// The tokens of `text[start..end]`, as byte ranges of `text`.
fn tokens(text: &str, start: usize, end: usize) -> Vec<Range<usize>> {
    let mut tokens: Vec<Range<usize>> = Vec::new();
    let mut previous = Script::Space;
    for (offset, character) in text[start..end].char_indices() {
        let at = start + offset;
        let current = script(character);
        let extends = current == previous && !matches!(current, Script::Space | Script::Other);
        match tokens.last_mut() {
            Some(token) if extends => token.end = at + character.len_utf8(),
            _ if current == Script::Space => {}
            _ => tokens.push(at..at + character.len_utf8()),
        }
        previous = current;
    }
    tokens
}

fn bigrams(key: &str) -> Vec<u64> {
    let characters: Vec<char> = key.chars().collect();
    let mut bigrams: Vec<u64> = characters
        .windows(2)
        .map(|pair| (u64::from(pair[0]) << 32) | u64::from(pair[1]))
        .collect();
    bigrams.sort_unstable();
    bigrams
}

/// The size of the intersection of two sorted multisets.
fn common_count(one: &[u64], other: &[u64]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < one.len() && j < other.len() {
        match one[i].cmp(&other[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_script_runs_and_skip_spaces() {
        let text = "乙は、直ちに甲へ USB 2本を返す。";
        let words: Vec<&str> = tokens(text, 0, text.len())
            .into_iter()
            .map(|token| &text[token])
            .collect();
        assert_eq!(
            words,
            vec![
                "乙", "は", "、", "直", "ちに", "甲", "へ", "USB", "2", "本", "を", "返", "す",
                "。"
            ]
        );
    }

    #[test]
    fn an_article_starts_at_its_heading_or_label_line() {
        let text = "前文。\n(秘密の保持)\n第2条\n乙は守る。\n第3条 乙は返す。";
        let body = text.find("乙は守る").expect("body");
        let start = article_start(text, body, Some("第2条"), Some("秘密の保持"));
        assert_eq!(&text[start..body], "(秘密の保持)\n第2条\n");
        let body = text.find("乙は返す").expect("body");
        let start = article_start(text, body, Some("第3条"), None);
        assert_eq!(&text[start..body], "第3条 ");
    }

    #[test]
    fn heading_keys_fold_particles_and_dots() {
        assert_eq!(heading_key("秘密の保持"), heading_key("秘密保持"));
        assert_eq!(heading_key("目的外利用・提供の禁止"), "目的外利用提供禁止");
        assert_ne!(heading_key("再委託の禁止"), heading_key("再委託の制限"));
    }

    #[test]
    fn bigram_similarity_counts_shared_pairs() {
        let one = bigrams("甲乙丙");
        let other = bigrams("甲乙丁");
        assert_eq!(common_count(&one, &other), 1);
        assert_eq!(common_count(&bigrams("ああああ"), &bigrams("ああ")), 1);
    }
}
