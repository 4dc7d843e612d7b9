//! The word-level difference between a template article and the contract article matched to
//! it, as spans of the texts as written.
//!
//! Tokens (see [`super::article`]) are diffed with `similar`'s patience algorithm, which anchors
//! on tokens that occur once in each body and so keeps the many repeated particles (`は`, `、`)
//! from pairing up across unrelated sentences. Adjacent deletions and insertions are merged
//! into one deleted and one inserted span, and an unchanged single character squeezed between
//! two changes is folded into them, so `直ちに` → `速やかに` reads as one replacement. Very long
//! bodies fall back to a common prefix and suffix around one replacement, keeping the cost
//! linear.

use std::ops::Range;

use similar::{Algorithm, DiffTag, capture_diff_slices};

use super::article::{Article, Document};
use super::{CharRange, DiffSpan, SpanKind};

/// Above this many tokens in the two bodies together, only the common prefix and suffix are
/// found (the full diff is quadratic in the worst case).
const MAX_DIFF_TOKENS: usize = 8_000;

/// An unchanged stretch between two changes at most this long (in characters) is folded into
/// them.
const MAX_FOLDED_CHARACTERS: usize = 1;

/// A stretch of tokens, unchanged or changed, by token index in each body.
#[derive(Debug, Clone)]
struct Run {
    equal: bool,
    template: Range<usize>,
    contract: Range<usize>,
}

/// The spans of the template article `old` against the contract article `new`.
pub(super) fn diff(
    template: &Document<'_>,
    old: &Article,
    contract: &Document<'_>,
    new: &Article,
) -> Vec<DiffSpan> {
    let old_words: Vec<&str> = old
        .tokens
        .iter()
        .map(|token| template.token_text(token))
        .collect();
    let new_words: Vec<&str> = new
        .tokens
        .iter()
        .map(|token| contract.token_text(token))
        .collect();
    let runs = fold_short_equals(&runs(&old_words, &new_words), &old_words);

    // Each run becomes one or two spans; each span covers tokens of one or both bodies.
    let mut pieces: Vec<Piece> = Vec::new();
    for run in runs {
        if run.equal {
            pieces.push(Piece {
                kind: SpanKind::Equal,
                template: Some(run.template),
                contract: Some(run.contract),
            });
            continue;
        }
        if !run.template.is_empty() {
            pieces.push(Piece {
                kind: SpanKind::Deleted,
                template: Some(run.template),
                contract: None,
            });
        }
        if !run.contract.is_empty() {
            pieces.push(Piece {
                kind: SpanKind::Inserted,
                template: None,
                contract: Some(run.contract),
            });
        }
    }
    let template_ranges = tile(
        template,
        old,
        pieces.iter().map(|piece| piece.template.as_ref()),
    );
    let contract_ranges = tile(
        contract,
        new,
        pieces.iter().map(|piece| piece.contract.as_ref()),
    );
    pieces
        .iter()
        .zip(template_ranges.into_iter().zip(contract_ranges))
        .map(|(piece, (template_range, contract_range))| {
            let text = match (piece.kind, contract_range, template_range) {
                (SpanKind::Deleted, _, Some(range)) => template.quote(range.start, range.end),
                (_, Some(range), _) => contract.quote(range.start, range.end),
                _ => String::new(),
            };
            DiffSpan {
                kind: piece.kind,
                text,
                template: template_range,
                contract: contract_range,
            }
        })
        .collect()
}

/// A span before it has source offsets: token ranges in the template and contract bodies.
struct Piece {
    kind: SpanKind,
    template: Option<Range<usize>>,
    contract: Option<Range<usize>>,
}

fn runs(old: &[&str], new: &[&str]) -> Vec<Run> {
    if old.len() + new.len() > MAX_DIFF_TOKENS {
        return prefix_and_suffix(old, new);
    }
    let mut runs: Vec<Run> = Vec::new();
    for op in capture_diff_slices(Algorithm::Patience, old, new) {
        let (tag, template, contract) = op.as_tag_tuple();
        if template.is_empty() && contract.is_empty() {
            continue;
        }
        let equal = tag == DiffTag::Equal;
        push_run(
            &mut runs,
            Run {
                equal,
                template,
                contract,
            },
        );
    }
    runs
}

/// Appends `run`, merging it into the previous run when both are changes.
fn push_run(runs: &mut Vec<Run>, run: Run) {
    match runs.last_mut() {
        Some(last) if !last.equal && !run.equal => {
            last.template.end = run.template.end;
            last.contract.end = run.contract.end;
        }
        _ => runs.push(run),
    }
}

/// The linear fallback: common prefix, one replacement, common suffix.
fn prefix_and_suffix(old: &[&str], new: &[&str]) -> Vec<Run> {
    let prefix = old
        .iter()
        .zip(new)
        .take_while(|(one, other)| one == other)
        .count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(one, other)| one == other)
        .count();
    let candidates = [
        (true, 0..prefix, 0..prefix),
        (
            false,
            prefix..old.len() - suffix,
            prefix..new.len() - suffix,
        ),
        (
            true,
            old.len() - suffix..old.len(),
            new.len() - suffix..new.len(),
        ),
    ];
    let mut runs = Vec::new();
    for (equal, template, contract) in candidates {
        if !template.is_empty() || !contract.is_empty() {
            push_run(
                &mut runs,
                Run {
                    equal,
                    template,
                    contract,
                },
            );
        }
    }
    runs
}

/// Folds a very short unchanged run between two changes into them.
fn fold_short_equals(runs: &[Run], old: &[&str]) -> Vec<Run> {
    let mut folded: Vec<Run> = Vec::with_capacity(runs.len());
    for (index, run) in runs.iter().enumerate() {
        let between_changes = folded.last().is_some_and(|previous| !previous.equal)
            && runs.get(index + 1).is_some_and(|next| !next.equal);
        let short = old[run.template.clone()]
            .iter()
            .map(|word| word.chars().count())
            .sum::<usize>()
            <= MAX_FOLDED_CHARACTERS;
        let mut run = run.clone();
        run.equal = run.equal && !(between_changes && short);
        push_run(&mut folded, run);
    }
    folded
}

/// The source character range of each span on one side, so that the spans of that side tile
/// the article body: each starts where the one before ended (white space and anything else the
/// normaliser dropped goes with the span before it), and none overlap even where a folded
/// spelling variant maps several tokens to one source range.
fn tile<'r>(
    document: &Document<'_>,
    article: &Article,
    spans: impl Iterator<Item = Option<&'r Range<usize>>>,
) -> Vec<Option<CharRange>> {
    let mut ranges: Vec<Option<CharRange>> = spans
        .map(|tokens| {
            let tokens = tokens.filter(|tokens| !tokens.is_empty())?;
            let (start, end) = document.source_range(
                &article.tokens[tokens.start],
                &article.tokens[tokens.end - 1],
            );
            Some(CharRange { start, end })
        })
        .collect();
    let mut previous: Option<usize> = None;
    for index in 0..ranges.len() {
        let Some(raw) = ranges[index] else {
            continue;
        };
        let mut start = raw.start;
        if let Some(before) = previous.and_then(|at| ranges[at].as_mut()) {
            // No overlap, and no gap: the span before runs up to this one's start.
            start = start.max(before.end);
            before.end = start;
        }
        ranges[index] = Some(CharRange {
            start,
            end: raw.end.max(start),
        });
        previous = Some(index);
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(runs: &[Run]) -> Vec<(bool, Range<usize>, Range<usize>)> {
        runs.iter()
            .map(|run| (run.equal, run.template.clone(), run.contract.clone()))
            .collect()
    }

    #[test]
    fn the_fallback_keeps_prefix_and_suffix() {
        let old = ["甲", "は", "直", "ちに", "知らせる"];
        let new = ["甲", "は", "速", "やかに", "知らせる"];
        assert_eq!(
            described(&prefix_and_suffix(&old, &new)),
            vec![(true, 0..2, 0..2), (false, 2..4, 2..4), (true, 4..5, 4..5)]
        );
        assert_eq!(
            described(&prefix_and_suffix(&old, &old)),
            vec![(true, 0..5, 0..5)]
        );
    }

    #[test]
    fn one_unchanged_character_between_changes_is_folded() {
        let old = ["直", "ちに", "甲", "へ"];
        let new = ["速", "ちに", "乙", "へ"];
        let folded = fold_short_equals(&runs(&old, &new), &old);
        // `ちに` (two characters) stays; nothing shorter sits between two changes here.
        assert_eq!(
            described(&folded),
            vec![
                (false, 0..1, 0..1),
                (true, 1..2, 1..2),
                (false, 2..3, 2..3),
                (true, 3..4, 3..4)
            ]
        );
        let old = ["直", "に", "甲"];
        let new = ["速", "に", "乙"];
        let folded = fold_short_equals(&runs(&old, &new), &old);
        assert_eq!(described(&folded), vec![(false, 0..3, 0..3)]);
    }
}
