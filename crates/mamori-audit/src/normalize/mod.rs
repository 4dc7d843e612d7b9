//! The text the rules read, with a map back to the text as written.
//!
//! Steps, in order: NFKC per character (full-width digits and brackets, Kangxi radicals, U+3000);
//! markup a web copy may carry (`<span>`, `&emsp;`) dropped; white space removed except between
//! two ASCII letters or digits and after a line-leading item number (`一 乙は`, `第2 乙は`); line
//! breaks inside a sentence joined (PDF and web copies break lines anywhere); spelling variants
//! folded (漏洩→漏えい, 毀損→き損, 立ち入り→立入り, または→又は, 取り扱い→取扱い…). Every byte of
//! the result knows the range of source characters it came from, so a match can be quoted as
//! written.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_normalization::UnicodeNormalization;

/// Normalised text plus, for every byte of it, the source character range it came from.
#[derive(Debug, Clone)]
pub struct NormalizedText {
    text: String,
    /// `origin[byte]` = (first source char, one past the last source char).
    origin: Vec<(u32, u32)>,
}

/// Whether line breaks may be joined: Word paragraphs are real paragraphs, while text from a
/// PDF or a web page breaks lines wherever the page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineBreaks {
    /// Every line break is a paragraph break (.docx).
    Paragraphs,
    /// Line breaks inside a sentence are joined (PDF text, .txt).
    Wrapped,
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    character: char,
    start: u32,
    end: u32,
}

impl NormalizedText {
    /// Normalises `source`.
    pub fn new(source: &str, line_breaks: LineBreaks) -> NormalizedText {
        let lines = split_lines(source);
        let mut pieces: Vec<Piece> = Vec::with_capacity(source.len() / 2);
        let mut previous_line: Option<Vec<Piece>> = None;
        let mut blank_before = false;
        for line in lines {
            let mut normalized = normalize_line(&line);
            if normalized.is_empty() {
                blank_before = true;
                continue;
            }
            if let Some(previous) = &previous_line {
                let keep = line_breaks == LineBreaks::Paragraphs
                    || blank_before
                    || keeps_break(previous, &normalized);
                // `第` + `三 者…`: the numeral continues a word, it does not mark an item, so the
                // space kept after it as a marker goes.
                if !keep && previous.last().is_some_and(|piece| piece.character == '第') {
                    let space = normalized
                        .iter()
                        .take(6)
                        .position(|piece| piece.character == ' ');
                    if let Some(space) = space
                        && is_leading_marker(&normalized[..space])
                    {
                        normalized.remove(space);
                    }
                }
                if keep {
                    let at = previous.last().map_or(0, |piece| piece.end);
                    pieces.push(Piece {
                        character: '\n',
                        start: at,
                        end: at,
                    });
                }
            }
            pieces.extend_from_slice(&normalized);
            previous_line = Some(normalized);
            blank_before = false;
        }
        let pieces = fold_variants(&pieces);
        let mut text = String::with_capacity(pieces.len() * 3);
        let mut origin = Vec::with_capacity(pieces.len() * 3);
        for piece in pieces {
            text.push(piece.character);
            for _ in 0..piece.character.len_utf8() {
                origin.push((piece.start, piece.end));
            }
        }
        NormalizedText { text, origin }
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The source character range `[start, end)` that the normalised byte range came from.
    pub fn source_range(&self, start: usize, end: usize) -> (usize, usize) {
        if self.origin.is_empty() {
            return (0, 0);
        }
        let last = self.origin.len() - 1;
        let first = self.origin[start.min(last)].0;
        let past = self.origin[end.saturating_sub(1).clamp(start.min(last), last)].1;
        (to_usize(first), to_usize(past.max(first)))
    }
}

fn to_usize(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Source characters split at line breaks (`\r\n`, `\r`, `\n`, U+2028), each with its index.
fn split_lines(source: &str) -> Vec<Vec<(usize, char)>> {
    let mut lines = Vec::new();
    let mut current = Vec::new();
    let mut previous_was_cr = false;
    for (index, character) in source.chars().enumerate() {
        match character {
            '\n' if previous_was_cr => {}
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{0B}' | '\u{0C}' => {
                lines.push(std::mem::take(&mut current));
            }
            _ => current.push((index, character)),
        }
        previous_was_cr = character == '\r';
    }
    lines.push(current);
    lines
}

/// One line: markup dropped, NFKC, white space removed or kept as described in the module doc.
fn normalize_line(line: &[(usize, char)]) -> Vec<Piece> {
    let mut folded: Vec<Piece> = Vec::with_capacity(line.len());
    let mut index = 0;
    while index < line.len() {
        let (position, character) = line[index];
        if let Some(skip) = markup_length(line, index) {
            // An entity such as &emsp; or &#12288; stands for white space or one character.
            let entity: String = line[index..index + skip].iter().map(|(_, c)| *c).collect();
            if let Some(replacement) = entity_character(&entity) {
                folded.push(Piece {
                    character: replacement,
                    start: to_u32(position),
                    end: to_u32(line[index + skip - 1].0 + 1),
                });
            } else {
                folded.push(Piece {
                    character: ' ',
                    start: to_u32(position),
                    end: to_u32(line[index + skip - 1].0 + 1),
                });
            }
            index += skip;
            continue;
        }
        let start = to_u32(position);
        let end = to_u32(position + 1);
        match character {
            '\t' | '\u{00A0}' => folded.push(Piece {
                character: ' ',
                start,
                end,
            }),
            '〜' | '～' => folded.push(Piece {
                character: '~',
                start,
                end,
            }),
            '*' if line.get(index + 1).is_some_and(|(_, next)| *next == '*') => {
                // Markdown bold markers inside a sentence.
                index += 2;
                continue;
            }
            // Most characters of a contract are already in NFKC: skip the normaliser for them.
            _ if is_nfkc_stable(character) => folded.push(Piece {
                character: if character == ',' { '、' } else { character },
                start,
                end,
            }),
            _ => {
                for normalized in std::iter::once(character).nfkc() {
                    let normalized = match normalized {
                        ',' => '、',
                        '\u{3000}' => ' ',
                        other => other,
                    };
                    folded.push(Piece {
                        character: normalized,
                        start,
                        end,
                    });
                }
            }
        }
        index += 1;
    }
    drop_spaces(&folded)
}

/// Characters NFKC leaves alone: ASCII, hiragana, full-width katakana, unified ideographs and
/// the Japanese comma and full stop (U+3000 and the half-width forms are not among them).
fn is_nfkc_stable(character: char) -> bool {
    matches!(
        character,
        '\u{20}'..='\u{7E}' | '、' | '。' | '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{4E00}'..='\u{9FFF}'
    )
}

/// Removes white space, keeping one space between ASCII alphanumerics and after a line-leading
/// item marker.
fn drop_spaces(folded: &[Piece]) -> Vec<Piece> {
    let mut result: Vec<Piece> = Vec::with_capacity(folded.len());
    let mut index = 0;
    while index < folded.len() {
        let piece = folded[index];
        if !piece.character.is_whitespace() {
            result.push(piece);
            index += 1;
            continue;
        }
        let run_start = index;
        while index < folded.len() && folded[index].character.is_whitespace() {
            index += 1;
        }
        let Some(before) = result.last().copied() else {
            continue;
        };
        let Some(after) = folded.get(index).copied() else {
            continue;
        };
        let ascii_words =
            before.character.is_ascii_alphanumeric() && after.character.is_ascii_alphanumeric();
        // `第 1 条`: the space sits inside the marker, not after it.
        let after_marker = is_leading_marker(&result) && {
            let mut extended = result.clone();
            extended.push(after);
            !is_leading_marker(&extended)
        };
        if ascii_words || after_marker {
            result.push(Piece {
                character: ' ',
                start: folded[run_start].start,
                end: folded[index - 1].end,
            });
        }
    }
    result
}

/// Whether the pieces so far are exactly an item marker: digits, kanji numerals, one katakana
/// or iroha letter, ①…, or 第N / 第N条 (spaces in `第 1 条` are already gone).
fn is_leading_marker(pieces: &[Piece]) -> bool {
    // Markers are short; checking only short prefixes keeps long lines linear.
    if pieces.len() > 8 {
        return false;
    }
    let text: String = pieces.iter().map(|piece| piece.character).collect();
    LEADING_MARKER.is_match(&text)
}

static LEADING_MARKER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:第[0-9一二三四五六七八九十百〇]{1,4}(?:条(?:の[0-9一二三四五六七八九十]{1,3})?)?|[0-9]{1,3}(?:\.[0-9]{1,3})*\.?|[一二三四五六七八九十]{1,3}|[ア-ンｱ-ﾝ]|[①-⑳]|\([0-9一二三四五六七八九十ア-ン]{1,3}\)|[0-9]{1,3}\))$",
    )
    .expect("the leading-marker pattern is valid")
});

/// The number of characters of an HTML tag or entity starting at `index`, if one does.
fn markup_length(line: &[(usize, char)], index: usize) -> Option<usize> {
    let (_, first) = line[index];
    let next = line.get(index + 1).map(|(_, character)| *character)?;
    let (closing, allowed_start): (char, bool) = match first {
        '<' => (
            '>',
            next.is_ascii_alphabetic() || next == '/' || next == '!',
        ),
        '&' => (';', next.is_ascii_alphabetic() || next == '#'),
        _ => return None,
    };
    if !allowed_start {
        return None;
    }
    let limit = if first == '<' { 200 } else { 10 };
    for (offset, (_, character)) in line.iter().enumerate().skip(index + 1).take(limit) {
        if *character == closing {
            return Some(offset - index + 1);
        }
        if first == '&' && !(character.is_ascii_alphanumeric() || *character == '#') {
            return None;
        }
    }
    None
}

fn entity_character(entity: &str) -> Option<char> {
    let inner = entity.strip_prefix('&')?.strip_suffix(';')?;
    if let Some(number) = inner.strip_prefix('#') {
        let value = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(value).map(|character| {
            std::iter::once(character)
                .nfkc()
                .next()
                .unwrap_or(character)
        });
    }
    match inner {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        _ => None,
    }
}

/// Whether the break between two non-empty lines is a real one: the next line opens an
/// article, item or heading, or the previous one ends a sentence or is a heading or title.
fn keeps_break(previous: &[Piece], next: &[Piece]) -> bool {
    // `第` never ends a line: what follows it (`三者`, a number) was wrapped onto the next one,
    // even when that line then looks like an item (`三 者へ` from spaced PDF text).
    if previous.last().is_some_and(|piece| piece.character == '第') {
        return false;
    }
    let next_text: String = next.iter().take(24).map(|piece| piece.character).collect();
    if BREAK_BEFORE.is_match(&next_text) {
        return true;
    }
    let Some(last) = previous.last() else {
        return true;
    };
    // A bracket left open (`(以下「乙」という。` at the end of a wrapped line) continues.
    let opened = previous
        .iter()
        .filter(|piece| matches!(piece.character, '(' | '「'))
        .count();
    let closed = previous
        .iter()
        .filter(|piece| matches!(piece.character, ')' | '」'))
        .count();
    if opened > closed {
        return false;
    }
    if matches!(last.character, '。' | ':' | '」' | '】' | ')') {
        // A closing bracket ends a heading line, but not a parenthesis closed mid-sentence.
        if last.character != ')' || previous.first().is_some_and(|piece| piece.character == '(') {
            return true;
        }
    }
    // A short line that is not a broken sentence: a title, a heading without brackets.
    previous.len() <= 16
        && !previous
            .iter()
            .any(|piece| matches!(piece.character, '、' | '。'))
}

static BREAK_BEFORE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:第[0-9一二三四五六七八九十百〇]{1,4}(?:条|章|節| |\(|$)|[0-9]{1,3}(?:\.[0-9]{1,3})*(?:\.|\)| )|\([0-9一二三四五六七八九十ア-ン]{1,3}\)|[一二三四五六七八九十]{1,3} |[ア-ンｱ-ﾝ] |[①-⑳]|【|\(|別記|別紙|記$)",
    )
    .expect("the line-break pattern is valid")
});

/// Spelling variants and their canonical form. Longer variants win (leftmost-longest).
const VARIANTS: &[(&str, &str)] = &[
    ("漏洩", "漏えい"),
    ("漏泄", "漏えい"),
    ("毀損", "き損"),
    ("棄損", "き損"),
    ("立ち入", "立入"),
    ("立入り", "立入り"),
    ("または", "又は"),
    ("もしくは", "若しくは"),
    ("および", "及び"),
    ("ならびに", "並びに"),
    ("取り扱", "取扱"),
    ("持ち出", "持出"),
    ("引き渡", "引渡"),
    ("申し出", "申出"),
    ("受け渡", "受渡"),
    ("取り決め", "取決め"),
    ("書き換", "書換"),
    ("貸し出", "貸出"),
    ("差し入れ", "差入れ"),
    ("但し", "ただし"),
    ("但書", "ただし書"),
    ("漏らす", "漏らす"),
    ("行なう", "行う"),
    ("行なわ", "行わ"),
    ("行ない", "行い"),
    ("致します", "いたします"),
    ("出来る", "できる"),
    ("出来な", "できな"),
    ("無い", "ない"),
    ("於いて", "おいて"),
    ("於て", "おいて"),
    ("直ちに", "直ちに"),
    ("速かに", "速やかに"),
    ("承認", "承認"),
];

static VARIANT_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(VARIANTS.iter().map(|(variant, _)| variant))
        .expect("the variant table builds")
});

fn fold_variants(pieces: &[Piece]) -> Vec<Piece> {
    let text: String = pieces.iter().map(|piece| piece.character).collect();
    // Byte offset in `text` → index in `pieces`.
    let mut piece_at_byte = Vec::with_capacity(text.len() + 1);
    for (index, piece) in pieces.iter().enumerate() {
        for _ in 0..piece.character.len_utf8() {
            piece_at_byte.push(index);
        }
    }
    piece_at_byte.push(pieces.len());
    let mut result = Vec::with_capacity(pieces.len());
    let mut next_piece = 0;
    for found in VARIANT_MATCHER.find_iter(&text) {
        let first = piece_at_byte[found.start()];
        let past = piece_at_byte[found.end()];
        result.extend_from_slice(&pieces[next_piece..first]);
        let replacement = VARIANTS[found.pattern().as_usize()].1;
        let start = pieces[first].start;
        let end = pieces[past - 1].end;
        let replacement_length = replacement.chars().count();
        let original_length = past - first;
        for (offset, character) in replacement.chars().enumerate() {
            // Keep a one-to-one map where lengths agree, so partial quotes stay exact.
            let (piece_start, piece_end) = if replacement_length == original_length {
                (pieces[first + offset].start, pieces[first + offset].end)
            } else {
                (start, end)
            };
            result.push(Piece {
                character,
                start: piece_start,
                end: piece_end,
            });
        }
        next_piece = past;
    }
    result.extend_from_slice(&pieces[next_piece..]);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(source: &str) -> String {
        NormalizedText::new(source, LineBreaks::Wrapped)
            .as_str()
            .to_owned()
    }

    #[test]
    fn spaces_between_cjk_and_wrapped_lines_disappear() {
        assert_eq!(normalized("受注 者は、こ の契約"), "受注者は、この契約");
        assert_eq!(
            normalized("乙は、第三者に提供してはならな\nい。"),
            "乙は、第三者に提供してはならない。"
        );
        assert_eq!(normalized("第 １ 条　乙は"), "第1条 乙は");
        assert_eq!(normalized("Article 1"), "Article 1");
    }

    #[test]
    fn a_line_ending_in_dai_continues_on_the_next_even_when_it_looks_like_an_item() {
        assert_eq!(
            normalized("個 人 情 報 を 第\n三 者 へ 提 供 し て は な ら な い 。"),
            "個人情報を第三者へ提供してはならない。"
        );
        assert_eq!(
            normalized("乙は、別表第\n二に掲げる措置を講ずる。"),
            "乙は、別表第二に掲げる措置を講ずる。"
        );
    }

    #[test]
    fn headings_and_markers_keep_their_line_breaks() {
        assert_eq!(
            normalized("（秘密の保持）\n第２　乙は、漏洩してはならない。\n(1) 乙は"),
            "(秘密の保持)\n第2 乙は、漏えいしてはならない。\n(1) 乙は"
        );
    }

    #[test]
    fn variants_fold_and_offsets_point_at_the_source() {
        let source = "甲は乙の事務所に立ち入り、または毀損";
        let text = NormalizedText::new(source, LineBreaks::Wrapped);
        assert_eq!(text.as_str(), "甲は乙の事務所に立入り、又はき損");
        let start = text.as_str().find("立入り").expect("folded");
        let (from, to) = text.source_range(start, start + "立入り".len());
        let quoted: String = source.chars().skip(from).take(to - from).collect();
        assert_eq!(quoted, "立ち入り");
    }

    #[test]
    fn the_fast_path_agrees_with_nfkc() {
        let sample = "乙は、あいうアイウヴ漢字。ABC xyz~";
        for character in sample.chars() {
            assert!(is_nfkc_stable(character), "{character}");
            let normalized: String = std::iter::once(character).nfkc().collect();
            assert_eq!(normalized, character.to_string());
        }
        for character in ['\u{3000}', 'ｱ', '１', '（', '⾏', '\u{F900}', '㈱'] {
            assert!(!is_nfkc_stable(character), "{character}");
        }
    }

    #[test]
    fn markup_from_web_copies_is_dropped() {
        assert_eq!(
            normalized("<li><span>1.</span>&emsp;乙は**秘密**を守る。</li>"),
            "1. 乙は秘密を守る。"
        );
    }
}
