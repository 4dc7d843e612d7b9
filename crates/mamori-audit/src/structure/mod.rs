//! Normalised text to sentences that know their place: section (main text or annex), article
//! label (`第2条`, `第2`, `2`) and heading (`秘密の保持`).
//!
//! Articles open with `第N条`, `第N` or, in documents with no `第N` articles at all, `N.`;
//! paragraphs and items (`2`, `(1)`, `一`, `ア`, `①`) stay inside their article. A heading is
//! either a line of its own in brackets just before the article (`(秘密の保持)`, `【秘密保持】`)
//! or follows the article number (`第2条(秘密の保持)`). A line `別記`/`別紙` or a title ending in
//! `特記事項` opens the annex section. Sentences end at `。` and at line breaks that
//! normalisation kept.

use std::sync::LazyLock;

use regex::Regex;

/// Which part of the contract a sentence belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// The contract itself.
    Main,
    /// An annex inside the same text (別記, 特記事項).
    Annex,
    /// An annex given separately by the caller.
    SeparateAnnex,
}

/// One sentence with its place in the document. Offsets are bytes of the normalised text.
#[derive(Debug, Clone)]
pub struct Sentence {
    /// The section the sentence is in.
    pub section: Section,
    /// The article label as normalised (`第2条`, `第2`, `2`), if the sentence is in an article.
    pub article: Option<String>,
    /// The article's heading without brackets, if it has one.
    pub heading: Option<String>,
    /// Counts articles (and headed blocks) from 0 in document order; sentences of one article
    /// share it.
    pub article_index: usize,
    /// Start byte in the normalised text.
    pub start: usize,
    /// End byte in the normalised text.
    pub end: usize,
}

/// The sentences of a text, and whether it has an annex section of its own.
#[derive(Debug, Clone)]
pub struct Outline {
    /// Every sentence in order.
    pub sentences: Vec<Sentence>,
    /// Whether a `別記`/`特記事項` section was found.
    pub has_annex: bool,
}

static ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^第([0-9一二三四五六七八九十百〇●]{1,4})(条(?:の[0-9一二三四五六七八九十]{1,3})?)?(?: |\(|【|$)",
    )
    .expect("article pattern")
});
static ARTICLE_WITH_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^第([0-9一二三四五六七八九十百〇]{1,4})条(?:の[0-9一二三四五六七八九十]{1,3})?")
        .expect("article pattern")
});
static NUMBERED_ARTICLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{1,2})\. ?").expect("numbered pattern"));
static BRACKET_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\(([^()]{1,30})\)|【([^【】]{1,30})】)$").expect("heading pattern")
});
static INLINE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ ?(?:\(([^()]{1,30})\)|【([^【】]{1,30})】)").expect("inline heading pattern")
});
static ANNEX_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\(?(?:別記|別紙)[0-9一二三]*\)?(?: |$|「|\(|[^。、]{0,40}特記事項)|[^。、]{0,30}特記事項(?:\(.{0,20}\))?$)")
        .expect("annex pattern")
});

impl Outline {
    /// Splits normalised `text` into sentences.
    pub fn new(text: &str, section: Section) -> Outline {
        let lines: Vec<(usize, &str)> = line_spans(text);
        let uses_kanji_articles = lines
            .iter()
            .filter(|(_, line)| ARTICLE.is_match(line) || ARTICLE_WITH_TEXT.is_match(line))
            .count()
            >= 2;
        let mut sentences = Vec::new();
        let mut current_section = section;
        let mut has_annex = false;
        let mut article: Option<String> = None;
        let mut heading: Option<String> = None;
        let mut pending_heading: Option<String> = None;
        let mut article_index = 0;
        for (offset, line) in lines {
            if line.is_empty() {
                continue;
            }
            if section == Section::Main && ANNEX_TITLE.is_match(line) && line.chars().count() <= 50
            {
                current_section = Section::Annex;
                has_annex = true;
                article_index += 1;
                article = None;
                heading = None;
                pending_heading = None;
                continue;
            }
            if let Some(captures) = BRACKET_HEADING.captures(line) {
                let name = captures.get(1).or_else(|| captures.get(2));
                pending_heading = name.map(|name| name.as_str().to_owned());
                continue;
            }
            let mut body_start = 0;
            let marker = ARTICLE
                .captures(line)
                .or_else(|| ARTICLE_WITH_TEXT.captures(line));
            let numbered = if uses_kanji_articles {
                None
            } else {
                // `1.4` is a section number, not article 1.
                NUMBERED_ARTICLE.captures(line).filter(|captures| {
                    let end = captures.get(0).map_or(0, |whole| whole.end());
                    !line[end..].starts_with(|next: char| next.is_ascii_digit())
                })
            };
            if let Some(captures) = marker.or(numbered) {
                let whole = captures.get(0).map_or("", |whole| whole.as_str());
                let label = whole.trim_end_matches([' ', '(', '【', '.']);
                article = Some(label.to_owned());
                article_index += 1;
                body_start = whole.trim_end_matches(['(', '【']).len();
                heading = pending_heading.take();
                if let Some(inline) = INLINE_HEADING.captures(&line[body_start..]) {
                    if let Some(name) = inline.get(1).or_else(|| inline.get(2)) {
                        heading = Some(name.as_str().to_owned());
                    }
                    body_start += inline.get(0).map_or(0, |whole| whole.len());
                }
            } else if pending_heading.is_some() {
                // A heading followed by text without an article number (sample clauses).
                heading = pending_heading.take();
                article = None;
                article_index += 1;
            }
            split_sentences(offset + body_start, &line[body_start..], |start, end| {
                sentences.push(Sentence {
                    section: current_section,
                    article: article.clone(),
                    heading: heading.clone(),
                    article_index,
                    start,
                    end,
                });
            });
        }
        Outline {
            sentences,
            has_annex,
        }
    }
}

fn line_spans(text: &str) -> Vec<(usize, &str)> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        spans.push((offset, line));
        offset += line.len() + 1;
    }
    spans
}

/// Calls `emit` with the byte range of each sentence of `line` (which starts at `offset`):
/// split after `。` outside brackets (a definition `（以下「乙」という。）` does not end the
/// sentence, nor does `以下同じ。` where a web copy stripped the brackets), trimmed of spaces.
fn split_sentences(offset: usize, line: &str, mut emit: impl FnMut(usize, usize)) {
    let mut start = 0;
    let mut depth: usize = 0;
    let mut depth_since = 0;
    for (index, character) in line.char_indices() {
        match character {
            '(' | '「' | '『' => {
                if depth == 0 {
                    depth_since = index;
                }
                depth += 1;
            }
            ')' | '」' | '』' => depth = depth.saturating_sub(1),
            '。' => {
                // An unclosed bracket must not swallow the rest of a long line.
                if depth > 0 && index - depth_since > 600 {
                    depth = 0;
                }
                let before = &line[start..index];
                // A sentence never starts with a particle: where brackets were stripped,
                // `…を含む。をいう。` is still one sentence.
                let next = line[index + character.len_utf8()..].chars().next();
                let continues = before.ends_with("以下同じ")
                    || before.ends_with("という")
                    || next.is_some_and(|next| "をにはがのとでもやへ)」".contains(next))
                    || line[index + character.len_utf8()..].starts_with("以下");
                if depth == 0 && !continues {
                    let end = index + character.len_utf8();
                    emit_trimmed(offset, &line[start..end], start, &mut emit);
                    start = end;
                }
            }
            _ => {}
        }
    }
    emit_trimmed(offset, &line[start..], start, &mut emit);
}

fn emit_trimmed(offset: usize, piece: &str, start: usize, emit: &mut impl FnMut(usize, usize)) {
    let trimmed = piece.trim_start_matches(' ');
    let leading = piece.len() - trimmed.len();
    let trimmed = trimmed.trim_end_matches(' ');
    if trimmed.is_empty() {
        return;
    }
    let from = offset + start + leading;
    emit(from, from + trimmed.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_articles_and_annex_are_found() {
        let text = "第1条 甲は乙に委託する。\n別記\n個人情報取扱特記事項\n(秘密の保持)\n第2 乙は秘密を守る。以後も同様とする。\n第3条(再委託の禁止)乙は再委託してはならない。";
        let outline = Outline::new(text, Section::Main);
        assert!(outline.has_annex);
        let described: Vec<(Section, Option<&str>, Option<&str>, &str)> = outline
            .sentences
            .iter()
            .map(|sentence| {
                (
                    sentence.section,
                    sentence.article.as_deref(),
                    sentence.heading.as_deref(),
                    &text[sentence.start..sentence.end],
                )
            })
            .collect();
        assert_eq!(
            described,
            vec![
                (Section::Main, Some("第1条"), None, "甲は乙に委託する。"),
                (
                    Section::Annex,
                    Some("第2"),
                    Some("秘密の保持"),
                    "乙は秘密を守る。"
                ),
                (
                    Section::Annex,
                    Some("第2"),
                    Some("秘密の保持"),
                    "以後も同様とする。"
                ),
                (
                    Section::Annex,
                    Some("第3条"),
                    Some("再委託の禁止"),
                    "乙は再委託してはならない。"
                ),
            ]
        );
    }

    #[test]
    fn numbered_articles_only_without_kanji_articles() {
        let outline = Outline::new(
            "1. 乙は守る。\n2. (報告)乙は報告する。\n2 乙は届け出る。",
            Section::Main,
        );
        let labels: Vec<Option<&str>> = outline
            .sentences
            .iter()
            .map(|sentence| sentence.article.as_deref())
            .collect();
        assert_eq!(labels, vec![Some("1"), Some("2"), Some("2")]);
        assert_eq!(outline.sentences[1].heading.as_deref(), Some("報告"));
        assert_eq!(
            outline.sentences[1].article_index,
            outline.sentences[2].article_index
        );
    }
}
