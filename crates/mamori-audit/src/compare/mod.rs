//! Template comparison (`mamori audit --template TOKKI.docx CONTRACT`): the contract's special
//! provisions (個人情報取扱特記事項) against the city's own current 特記事項, article by article.
//!
//! Both texts are normalised ([`crate::normalize`]) and split into articles
//! ([`crate::structure`]): label, bracketed heading, body. From the contract only its annex
//! (別記, 特記事項) is compared when it has one, since the template is an annex; otherwise the
//! whole text. The template is read the same way, so a title line `個人情報取扱特記事項` at its
//! top is harmless.
//!
//! Articles are matched by heading first (brackets, spaces, `・` and `の` ignored on top of the
//! normaliser's NFKC and variant folding), then, among those left, by body similarity (the Dice
//! coefficient of character bigrams, at least [`SIMILARITY_THRESHOLD`] per mille, best pairs
//! first). Never by number: a contract that inserts an article renumbers the rest. A matched
//! pair is [`ArticleComparison::Same`] when the bodies are identical after normalisation
//! (spacing, wrapped lines and spelling variants do not count), else
//! [`ArticleComparison::Differs`] with a word-level diff (the `diff` field below). Headings
//! are not part of the verdict; both are reported, so a renamed heading stays visible.
//!
//! Entries follow the template's order; an article found only in the contract comes right
//! after the entry of the contract article before it. The result is a pure, deterministic
//! function of the two texts.
//!
//! JSON shape (this crate owns it; offsets are character offsets into each text as written):
//!
//! ```text
//! {"template": "tokki.docx", "contract": "contract.pdf",
//!  "scope": "annex|whole",                      // what part of the contract was compared
//!  "summary": {"same", "differs", "missing_from_contract", "extra_in_contract"},
//!  "articles": [
//!    {"status": "same",
//!     "template": {"number": "第2", "heading": "秘密の保持", "start", "end"},
//!     "contract": {"number": "第3条", "heading": "秘密の保持", "start", "end"},
//!     "matched_by": "heading|similarity"},
//!    {"status": "differs", "template": {…}, "contract": {…}, "matched_by": …,
//!     "similarity": 874,                         // per mille
//!     "diff": [{"kind": "equal|deleted|inserted", "text": "…",
//!               "template": {"start", "end"} | null, "contract": {"start", "end"} | null}]},
//!    {"status": "missing_from_contract", "template": {…}},
//!    {"status": "extra_in_contract", "contract": {…}}]}
//! ```
//!
//! `number` and `heading` are `null` where the article has none. An article's `start`/`end`
//! span its heading line, label and body. Diff spans cover the bodies only: the `equal` and
//! `deleted` spans tile the template body in order, the `equal` and `inserted` spans tile the
//! contract body; `text` is the contract as written for `equal` and `inserted`, the template
//! as written for `deleted`.

mod article;
mod diff;
mod render;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use crate::source::SourceText;
use article::{Article, Document};

/// The least body similarity, in per mille, for two articles with different headings to be
/// matched.
pub const SIMILARITY_THRESHOLD: u16 = 600;

/// Which part of the contract was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The annex (別記, 特記事項) found inside the contract.
    Annex,
    /// The whole text: no annex was found.
    Whole,
}

/// How a template article found its contract article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    /// Same heading after folding.
    Heading,
    /// Most similar body among those left, above [`SIMILARITY_THRESHOLD`].
    Similarity,
}

/// One article of the template or the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleRef {
    /// The label as normalised (`第2条`, `第2`, `2`), if the article has one.
    pub number: Option<String>,
    /// The heading without brackets, as normalised, if the article has one.
    pub heading: Option<String>,
    /// Character offset of the article's start (its heading line, else its label) in the text
    /// as written.
    pub start: usize,
    /// Character offset one past the article's end.
    pub end: usize,
}

/// A range of characters in one of the texts as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CharRange {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// What a diff span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    /// In both (削除も追加もない).
    Equal,
    /// In the template only (削除).
    Deleted,
    /// In the contract only (追加).
    Inserted,
}

/// A stretch of a changed article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffSpan {
    /// Equal, deleted or inserted.
    pub kind: SpanKind,
    /// The text as written: the template's for a deletion, the contract's otherwise.
    pub text: String,
    /// Where the span is in the template (equal and deleted spans).
    pub template: Option<CharRange>,
    /// Where the span is in the contract (equal and inserted spans).
    pub contract: Option<CharRange>,
}

/// The outcome for one article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ArticleComparison {
    /// Identical bodies after normalisation.
    Same {
        /// The template article.
        template: ArticleRef,
        /// The contract article.
        contract: ArticleRef,
        /// How they were matched.
        matched_by: MatchedBy,
    },
    /// Matched, with different bodies.
    Differs {
        /// The template article.
        template: ArticleRef,
        /// The contract article.
        contract: ArticleRef,
        /// How they were matched.
        matched_by: MatchedBy,
        /// Body similarity in per mille.
        similarity: u16,
        /// The bodies' difference, in order.
        diff: Vec<DiffSpan>,
    },
    /// A template article with no counterpart in the contract: the case that matters.
    MissingFromContract {
        /// The template article.
        template: ArticleRef,
    },
    /// A contract article with no counterpart in the template.
    ExtraInContract {
        /// The contract article.
        contract: ArticleRef,
    },
}

impl ArticleComparison {
    /// The template article, unless the article is only in the contract.
    pub fn template(&self) -> Option<&ArticleRef> {
        match self {
            ArticleComparison::Same { template, .. }
            | ArticleComparison::Differs { template, .. }
            | ArticleComparison::MissingFromContract { template } => Some(template),
            ArticleComparison::ExtraInContract { .. } => None,
        }
    }

    /// The contract article, unless the article is missing from the contract.
    pub fn contract(&self) -> Option<&ArticleRef> {
        match self {
            ArticleComparison::Same { contract, .. }
            | ArticleComparison::Differs { contract, .. }
            | ArticleComparison::ExtraInContract { contract } => Some(contract),
            ArticleComparison::MissingFromContract { .. } => None,
        }
    }

    /// Japanese label: 同一, 相違, 契約書にない, 契約書のみ.
    pub fn label(&self) -> &'static str {
        match self {
            ArticleComparison::Same { .. } => "同一",
            ArticleComparison::Differs { .. } => "相違",
            ArticleComparison::MissingFromContract { .. } => "契約書にない",
            ArticleComparison::ExtraInContract { .. } => "契約書のみ",
        }
    }
}

/// Counts of each outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Articles identical after normalisation.
    pub same: usize,
    /// Matched articles with different bodies.
    pub differs: usize,
    /// Template articles not in the contract.
    pub missing_from_contract: usize,
    /// Contract articles not in the template.
    pub extra_in_contract: usize,
}

/// A contract's special provisions compared with the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The template's file name as the caller gave it.
    pub template_name: String,
    /// The contract's file name as the caller gave it.
    pub contract_name: String,
    /// Which part of the contract was compared.
    pub scope: Scope,
    /// One entry per article, in template order (see the module doc).
    pub articles: Vec<ArticleComparison>,
}

impl Comparison {
    /// Counts of each outcome.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            same: 0,
            differs: 0,
            missing_from_contract: 0,
            extra_in_contract: 0,
        };
        for article in &self.articles {
            match article {
                ArticleComparison::Same { .. } => summary.same += 1,
                ArticleComparison::Differs { .. } => summary.differs += 1,
                ArticleComparison::MissingFromContract { .. } => {
                    summary.missing_from_contract += 1;
                }
                ArticleComparison::ExtraInContract { .. } => summary.extra_in_contract += 1,
            }
        }
        summary
    }

    /// The comparison as plain text for a terminal, with Japanese labels and
    /// `【削除: …】【追加: …】` markers. Long unchanged stretches are shortened with `…`;
    /// spacing and line breaks are tidied for display (the JSON keeps the text as written).
    pub fn render_text(&self) -> String {
        render::render(self)
    }
}

impl Serialize for Comparison {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Comparison", 5)?;
        state.serialize_field("template", &self.template_name)?;
        state.serialize_field("contract", &self.contract_name)?;
        state.serialize_field("scope", &self.scope)?;
        state.serialize_field("summary", &self.summary())?;
        state.serialize_field("articles", &self.articles)?;
        state.end()
    }
}

/// Compares the contract's special provisions with the template, article by article.
pub fn compare(contract: &SourceText, template: &SourceText) -> Comparison {
    let template = Document::new(template);
    let contract = Document::new(contract);
    let matches = match_articles(&template.articles, &contract.articles);

    // (order key, entry): template entries keep their order; an extra article follows the
    // entry of the nearest matched contract article before it.
    let mut anchor_of_contract: Vec<Option<usize>> = vec![None; contract.articles.len()];
    for (template_index, found) in matches.iter().enumerate() {
        if let Some(found) = found {
            anchor_of_contract[found.contract] = Some(template_index);
        }
    }
    let mut entries: Vec<((usize, usize), ArticleComparison)> = Vec::new();
    for (template_index, (old, found)) in template.articles.iter().zip(&matches).enumerate() {
        let template_ref = article_ref(old);
        let entry = match found {
            None => ArticleComparison::MissingFromContract {
                template: template_ref,
            },
            Some(found) => {
                let new = &contract.articles[found.contract];
                if old.key == new.key {
                    ArticleComparison::Same {
                        template: template_ref,
                        contract: article_ref(new),
                        matched_by: found.by,
                    }
                } else {
                    ArticleComparison::Differs {
                        template: template_ref,
                        contract: article_ref(new),
                        matched_by: found.by,
                        similarity: found.similarity,
                        diff: diff::diff(&template, old, &contract, new),
                    }
                }
            }
        };
        entries.push(((template_index + 1, 0), entry));
    }
    let mut anchor = 0;
    for (contract_index, new) in contract.articles.iter().enumerate() {
        match anchor_of_contract[contract_index] {
            Some(template_index) => anchor = template_index + 1,
            None => entries.push((
                (anchor, contract_index + 1),
                ArticleComparison::ExtraInContract {
                    contract: article_ref(new),
                },
            )),
        }
    }
    entries.sort_by_key(|(key, _)| *key);

    Comparison {
        template_name: template.name().to_owned(),
        contract_name: contract.name().to_owned(),
        scope: contract.scope,
        articles: entries.into_iter().map(|(_, entry)| entry).collect(),
    }
}

fn article_ref(article: &Article) -> ArticleRef {
    ArticleRef {
        number: article.number.clone(),
        heading: article.heading.clone(),
        start: article.start,
        end: article.end,
    }
}

/// The contract article found for a template article.
#[derive(Debug, Clone, Copy)]
struct Match {
    contract: usize,
    by: MatchedBy,
    similarity: u16,
}

/// For each template article, its contract article if any: by heading first (the most similar
/// body among same-headed ones), then the remaining pairs by similarity, best first (ties by
/// template, then contract order).
fn match_articles(template: &[Article], contract: &[Article]) -> Vec<Option<Match>> {
    let mut matches: Vec<Option<Match>> = vec![None; template.len()];
    let mut taken = vec![false; contract.len()];
    for (template_index, old) in template.iter().enumerate() {
        let Some(key) = &old.heading_key else {
            continue;
        };
        let best = contract
            .iter()
            .enumerate()
            .filter(|(index, new)| !taken[*index] && new.heading_key.as_ref() == Some(key))
            .map(|(index, new)| (old.similarity(new), index))
            // Highest similarity, earliest article on ties.
            .max_by_key(|(similarity, index)| (*similarity, std::cmp::Reverse(*index)));
        if let Some((similarity, index)) = best {
            taken[index] = true;
            matches[template_index] = Some(Match {
                contract: index,
                by: MatchedBy::Heading,
                similarity,
            });
        }
    }
    let mut candidates: Vec<(u16, usize, usize)> = Vec::new();
    for (template_index, old) in template.iter().enumerate() {
        if matches[template_index].is_some() {
            continue;
        }
        for (index, new) in contract.iter().enumerate() {
            if taken[index] || old.similarity_bound(new) < SIMILARITY_THRESHOLD {
                continue;
            }
            let similarity = old.similarity(new);
            if similarity >= SIMILARITY_THRESHOLD {
                candidates.push((similarity, template_index, index));
            }
        }
    }
    candidates.sort_by_key(|(similarity, template_index, index)| {
        (std::cmp::Reverse(*similarity), *template_index, *index)
    });
    for (similarity, template_index, index) in candidates {
        if matches[template_index].is_some() || taken[index] {
            continue;
        }
        taken[index] = true;
        matches[template_index] = Some(Match {
            contract: index,
            by: MatchedBy::Similarity,
            similarity,
        });
    }
    matches
}
