//! The audit itself: sentences of the contract (and its separate annex, if given) against the
//! ruleset, giving one [`ClauseResult`] per clause and the findings.
//!
//! A sentence is evidence for a part when it (with its article's heading and text) matches the
//! part's topic, states the obligation (`require`), is not a false friend (`ignore`) or a
//! weakened form (`exclude`, which may still count as `weak`), and binds
//! the contractor: its article names a party and it is not guideline prose (`not-binding`).
//! Items under a lead-in ban (`次に掲げる行為をしてはならない` → `…知らせること。`) are read as
//! bans. Each pattern runs once per sentence, so the cost is linear in the text.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::normalize::{LineBreaks, NormalizedText};
use crate::report::{
    AuditReport, ClauseResult, ClauseStatus, Evidence, Finding, Severity, Verdict,
};
use crate::ruleset::{ClauseRule, Combine, PartRule, Ruleset};
use crate::source::{SourceFormat, SourceText};
use crate::structure::{Outline, Section, Sentence};
use crate::wording::ClauseWording;

/// What to audit: the contract, an optional separate annex, and the identifiers the caller
/// computed (path as shown to the user, SHA-256 of the file's bytes).
#[derive(Debug, Clone, Copy)]
pub struct AuditRequest<'a> {
    /// The path as the caller shows it.
    pub path: &'a str,
    /// The SHA-256 of the file, hex, computed by the caller.
    pub sha256: &'a str,
    /// The contract text.
    pub main: &'a SourceText,
    /// A separately supplied annex (`--annex FILE`).
    pub annex: Option<&'a SourceText>,
}

/// Finding code: the main text makes an annex part of the contract, but the annex is absent.
pub const ANNEX_MISSING: &str = "A6-ANNEX-MISSING";
/// Finding code of the checklist-not-legal-advice notice.
pub const NOTICE: &str = "A6-NOTICE";

/// Audits a contract against a ruleset. `wording` supplies the standard clause texts suggested
/// for partial or missing clauses (use [`ClauseWording::none`] for none).
pub fn audit(
    request: &AuditRequest<'_>,
    ruleset: &Ruleset,
    wording: &ClauseWording,
) -> AuditReport {
    let mut documents = vec![Document::new(request.main, Section::Main)];
    if let Some(annex) = request.annex {
        documents.push(Document::new(annex, Section::SeparateAnnex));
    }
    let units = units(&documents, ruleset);
    let mut clauses = Vec::with_capacity(8);
    let mut findings = vec![Finding {
        code: NOTICE.to_owned(),
        severity: Severity::Notice,
        clause: None,
        message: format!(
            "{}（適用した確認項目: {}）",
            ruleset.disclaimer(),
            ruleset.label()
        ),
        suggestion: None,
    }];
    let annex_reference = missing_annex(&documents, &units.units, ruleset);
    if let Some(reference) = &annex_reference {
        findings.push(Finding {
            code: ANNEX_MISSING.to_owned(),
            severity: Severity::Error,
            clause: None,
            message: format!(
                "本文が別記・特記事項の遵守を定めていますが（{reference}）、その別記・特記事項が見当たりません。特記事項を含めて（または別ファイルで）確認しないと、第6条の各項目は確認できません"
            ),
            suggestion: None,
        });
    }
    for rule in ruleset.clauses() {
        let (result, part_findings) = evaluate_clause(rule, &units, &documents);
        if result.status != ClauseStatus::Present {
            let kind = if result.status == ClauseStatus::Partial {
                "PARTIAL"
            } else {
                "MISSING"
            };
            let unconfirmed = if annex_reference.is_some() {
                "（別記・特記事項が見当たらないため確認できません）"
            } else {
                ""
            };
            findings.push(Finding {
                code: format!("A6-{:02}-{kind}", rule.id),
                severity: Severity::Error,
                clause: Some(rule.id),
                message: format!(
                    "{}（{}）: {}{unconfirmed}",
                    rule.title,
                    result.status.label(),
                    result.detail
                ),
                suggestion: wording.for_clause(rule.id).map(str::to_owned),
            });
        }
        findings.extend(part_findings);
        clauses.push(result);
    }
    let verdict = if annex_reference.is_none()
        && clauses
            .iter()
            .all(|clause| clause.status == ClauseStatus::Present)
    {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    AuditReport {
        path: request.path.to_owned(),
        sha256: request.sha256.to_owned(),
        ruleset: ruleset.label(),
        verdict,
        clauses,
        findings,
    }
}

/// One source text, normalised and outlined.
struct Document<'a> {
    source: &'a SourceText,
    normalized: NormalizedText,
    outline: Outline,
    /// Byte offset of every source character, plus the length.
    char_bytes: Vec<usize>,
    /// Whether any sentence comes before the annex: when the whole text is the 特記事項, its
    /// articles are cited without the `別記` prefix.
    has_main_text: bool,
}

impl<'a> Document<'a> {
    fn new(source: &'a SourceText, section: Section) -> Document<'a> {
        let line_breaks = match source.format() {
            SourceFormat::Docx => LineBreaks::Paragraphs,
            SourceFormat::PdfText | SourceFormat::PlainText => LineBreaks::Wrapped,
        };
        let normalized = NormalizedText::new(source.text(), line_breaks);
        let outline = Outline::new(normalized.as_str(), section);
        let has_main_text = outline
            .sentences
            .iter()
            .any(|sentence| sentence.section == Section::Main);
        let mut char_bytes: Vec<usize> = source.text().char_indices().map(|(at, _)| at).collect();
        char_bytes.push(source.text().len());
        Document {
            source,
            normalized,
            outline,
            char_bytes,
            has_main_text,
        }
    }

    fn evidence(&self, sentence: &Sentence) -> Evidence {
        let (start, end) = self.normalized.source_range(sentence.start, sentence.end);
        let last = self.char_bytes.len() - 1;
        let text = self.source.text()
            [self.char_bytes[start.min(last)]..self.char_bytes[end.min(last)]]
            .to_owned();
        let prefix = match sentence.section {
            Section::Main => None,
            Section::Annex if self.has_main_text => Some("別記"),
            Section::Annex => None,
            Section::SeparateAnnex => Some("別添"),
        };
        let article = match (prefix, &sentence.article) {
            (Some(prefix), Some(article)) => Some(format!("{prefix} {article}")),
            (Some(prefix), None) => Some(prefix.to_owned()),
            (None, article) => article.clone(),
        };
        Evidence {
            article,
            heading: sentence.heading.clone(),
            text,
            start,
            end,
        }
    }
}

/// A sentence ready for matching.
struct Unit {
    document: usize,
    sentence: usize,
    /// The sentence's normalised text, with `してはならない` appended to items under a lead-in
    /// ban.
    text: String,
    /// Index into [`Units::contexts`]: heading plus the whole article's text (or, outside
    /// articles, the sentence and the one before it), where topics are looked for.
    context: usize,
    binding: bool,
}

/// The sentences ready for matching, and the article contexts they share: one string per
/// article, so a long article is not copied once per sentence.
struct Units {
    units: Vec<Unit>,
    contexts: Vec<String>,
}

static LIST_BAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"次(?:の|に掲げる)[^。]{0,40}(?:てはならない|禁止|禁ずる|行わない|しないこと|しない)",
    )
    .expect("the lead-in ban pattern is valid")
});

/// Definitions and asides in round brackets (`(以下「乙」という。)`) are dropped before
/// matching, so `請け負わせて(「再委託等」という。)はならない` reads as one ban.
static PARENTHETICAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\([^()]{0,120}\)").expect("the parenthetical pattern is valid"));

fn units(documents: &[Document<'_>], ruleset: &Ruleset) -> Units {
    let mut units = Vec::new();
    let mut contexts = Vec::new();
    for (document_index, document) in documents.iter().enumerate() {
        let text = document.normalized.as_str();
        let sentences = &document.outline.sentences;
        // Specifications often never name the contractor: every sentence is addressed to it.
        // They still name the client they report to, which a policy or a guideline does not.
        let implicit_contractor = ruleset.implicit_contractor().is_match(text);
        let mut index = 0;
        while index < sentences.len() {
            // One article at a time.
            let article = sentences[index].article_index;
            let mut past = index;
            while past < sentences.len() && sentences[past].article_index == article {
                past += 1;
            }
            let group = &sentences[index..past];
            let heading = group[0].heading.clone().unwrap_or_default();
            let mut under_ban = false;
            let mut texts = Vec::with_capacity(group.len());
            for sentence in group {
                let sentence_text = &text[sentence.start..sentence.end];
                let stripped = PARENTHETICAL.replace_all(sentence_text, "");
                let sentence_text: &str = &stripped;
                // A sentence joined across a `。` (stripped brackets) reads as one clause.
                let inner = sentence_text.strip_suffix('。').unwrap_or(sentence_text);
                let mut matched = inner.replace('。', "、");
                if inner.len() < sentence_text.len() {
                    matched.push('。');
                }
                if under_ban
                    && (sentence_text.ends_with("こと。") || sentence_text.ends_with("こと"))
                {
                    let body = matched.trim_end_matches('。');
                    matched = format!("{body}をしてはならない。");
                }
                if LIST_BAN.is_match(sentence_text) {
                    under_ban = true;
                }
                texts.push(matched);
            }
            // A numbered article is one context; loose sentences (no article) stand alone with
            // their neighbour, so a whole unnumbered document is not one "article".
            let numbered = group[0].article.is_some() || group[0].heading.is_some();
            let article_text: String = texts.concat();
            let article_names_party = implicit_contractor
                || ruleset.contractor().is_match(&article_text)
                || ruleset.contractor().is_match(&heading);
            let article_context = if numbered {
                contexts.push(format!("{heading}\n{article_text}"));
                Some(contexts.len() - 1)
            } else {
                None
            };
            for (offset, matched) in texts.iter().enumerate() {
                let (context, names_party) = if let Some(article_context) = article_context {
                    (article_context, article_names_party)
                } else {
                    let previous = offset.checked_sub(1).map_or("", |at| texts[at].as_str());
                    let local = format!("{heading}\n{previous}{matched}");
                    let names_party = implicit_contractor || ruleset.contractor().is_match(&local);
                    contexts.push(local);
                    (contexts.len() - 1, names_party)
                };
                let binding = names_party && !ruleset.not_binding().is_match(matched);
                units.push(Unit {
                    document: document_index,
                    sentence: index + offset,
                    text: matched.clone(),
                    context,
                    binding,
                });
            }
            index = past;
        }
    }
    Units { units, contexts }
}

/// The annex reference (article and quote) when the main text requires an annex that is
/// neither in the text nor given separately.
fn missing_annex(documents: &[Document<'_>], units: &[Unit], ruleset: &Ruleset) -> Option<String> {
    if documents.len() > 1 || documents[0].outline.has_annex {
        return None;
    }
    let unit = units
        .iter()
        .find(|unit| unit.document == 0 && ruleset.annex_reference().is_match(&unit.text))?;
    let document = &documents[unit.document];
    let evidence = document.evidence(&document.outline.sentences[unit.sentence]);
    Some(match evidence.article {
        Some(article) => format!("{article}「{}」", evidence.text),
        None => format!("「{}」", evidence.text),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    None,
    Weak,
    Strong,
}

struct PartOutcome<'r> {
    rule: &'r PartRule,
    strength: Strength,
    evidence: Vec<usize>,
}

fn evaluate_part<'r>(rule: &'r PartRule, units: &Units) -> PartOutcome<'r> {
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    // Each context is matched against the topic once, however many sentences share it.
    let mut topic_matches: Vec<Option<bool>> = vec![None; units.contexts.len()];
    for (index, unit) in units.units.iter().enumerate() {
        if !unit.binding {
            continue;
        }
        // The topic gates strong evidence only: weak patterns are specific enough on their own
        // (`緊急に…事態が発生したときは…通知`).
        let on_topic = match &rule.topic {
            Some(topic) => *topic_matches[unit.context]
                .get_or_insert_with(|| topic.is_match(&units.contexts[unit.context])),
            None => true,
        };
        if rule
            .ignore
            .as_ref()
            .is_some_and(|ignore| ignore.is_match(&unit.text))
        {
            continue;
        }
        if rule
            .exclude
            .as_ref()
            .is_some_and(|exclude| exclude.is_match(&unit.text))
        {
            if rule
                .weak
                .as_ref()
                .is_some_and(|weak_set| weak_set.is_match(&unit.text))
            {
                weak.push(index);
            }
            continue;
        }
        if on_topic && rule.require.is_match(&unit.text) {
            strong.push(index);
        } else if rule
            .weak
            .as_ref()
            .is_some_and(|weak_set| weak_set.is_match(&unit.text))
        {
            weak.push(index);
        }
    }
    if !strong.is_empty() {
        PartOutcome {
            rule,
            strength: Strength::Strong,
            evidence: strong,
        }
    } else if !weak.is_empty() {
        PartOutcome {
            rule,
            strength: Strength::Weak,
            evidence: weak,
        }
    } else {
        PartOutcome {
            rule,
            strength: Strength::None,
            evidence: Vec::new(),
        }
    }
}

/// At most this many sentences are quoted per part.
const EVIDENCE_PER_PART: usize = 2;

fn evaluate_clause(
    rule: &ClauseRule,
    units: &Units,
    documents: &[Document<'_>],
) -> (ClauseResult, Vec<Finding>) {
    let outcomes: Vec<PartOutcome<'_>> = rule
        .parts
        .iter()
        .map(|part| evaluate_part(part, units))
        .collect();
    let strongest = outcomes
        .iter()
        .map(|outcome| outcome.strength)
        .max()
        .unwrap_or(Strength::None);
    let weakest = outcomes
        .iter()
        .map(|outcome| outcome.strength)
        .min()
        .unwrap_or(Strength::None);
    let status = match rule.combine {
        Combine::All if weakest == Strength::Strong => ClauseStatus::Present,
        Combine::Any if strongest == Strength::Strong => ClauseStatus::Present,
        _ if strongest > Strength::None => ClauseStatus::Partial,
        _ => ClauseStatus::Missing,
    };
    let mut quoted = BTreeSet::new();
    let mut evidence = Vec::new();
    for outcome in &outcomes {
        for unit_index in outcome.evidence.iter().take(EVIDENCE_PER_PART) {
            if quoted.insert(*unit_index) {
                let unit = &units.units[*unit_index];
                let document = &documents[unit.document];
                evidence.push(document.evidence(&document.outline.sentences[unit.sentence]));
            }
        }
    }
    let detail = detail(rule, &outcomes, status, &evidence);
    let mut findings = Vec::new();
    for outcome in &outcomes {
        if outcome.rule.report_when_missing && outcome.strength != Strength::Strong {
            findings.push(Finding {
                code: outcome.rule.code.clone(),
                severity: Severity::Warning,
                clause: Some(rule.id),
                message: format!(
                    "{}: 「{}」の義務が{}",
                    rule.title,
                    outcome.rule.name,
                    if outcome.strength == Strength::Weak {
                        "弱い記載しか見当たりません（義務として定められていません）"
                    } else {
                        "見当たりません"
                    }
                ),
                suggestion: None,
            });
        }
    }
    (
        ClauseResult {
            id: rule.id,
            title: rule.title.clone(),
            status,
            evidence,
            detail,
        },
        findings,
    )
}

fn names(outcomes: &[PartOutcome<'_>], strength: Strength) -> Vec<String> {
    outcomes
        .iter()
        .filter(|outcome| outcome.strength == strength)
        .map(|outcome| format!("「{}」", outcome.rule.name))
        .collect()
}

fn detail(
    rule: &ClauseRule,
    outcomes: &[PartOutcome<'_>],
    status: ClauseStatus,
    evidence: &[Evidence],
) -> String {
    let strong = names(outcomes, Strength::Strong);
    let weak = names(outcomes, Strength::Weak);
    let none = names(outcomes, Strength::None);
    let place = evidence
        .first()
        .map(|first| match (&first.article, &first.heading) {
            (Some(article), Some(heading)) => format!("{article}（{heading}）"),
            (Some(article), None) => article.clone(),
            (None, Some(heading)) => format!("（{heading}）"),
            (None, None) => "本文".to_owned(),
        })
        .unwrap_or_default();
    match (rule.combine, status) {
        (Combine::Any, ClauseStatus::Present) => {
            let mut text = format!("確認できた義務: {}。", strong.join("、"));
            if !weak.is_empty() || !none.is_empty() {
                let mut lacking = weak;
                lacking.extend(none.iter().cloned());
                text.push_str(&format!("見当たらない義務: {}。", lacking.join("、")));
            }
            text
        }
        (_, ClauseStatus::Present) => format!("{place}に記載があります。"),
        (_, ClauseStatus::Missing) => format!(
            "{}に当たる定めが見当たりません。",
            rule.parts
                .iter()
                .map(|part| format!("「{}」", part.name))
                .collect::<Vec<_>>()
                .join("及び")
        ),
        (_, ClauseStatus::Partial) => {
            let mut text = String::new();
            if !strong.is_empty() {
                text.push_str(&format!("{}は記載がありますが、", strong.join("、")));
            }
            if !weak.is_empty() {
                text.push_str(&format!(
                    "{}は努力義務・許可・範囲の限定・見出しのみなど不十分な記載です（{place}）。",
                    weak.join("、")
                ));
            }
            if !none.is_empty() {
                text.push_str(&format!("{}が見当たりません。", none.join("、")));
            }
            text
        }
    }
}
