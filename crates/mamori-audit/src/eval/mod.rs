//! Measuring the rules against labelled contracts (the format of the shared corpus's
//! `labels.json`): per clause, true/false positives and negatives of "present", precision and
//! recall, and every disagreement (partial vs missing included), so a city can check a changed
//! ruleset against its own contracts before using it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::check::{AuditRequest, audit};
use crate::error::AuditError;
use crate::report::{AuditReport, ClauseStatus, Evidence};
use crate::ruleset::Ruleset;
use crate::source::SourceText;
use crate::wording::ClauseWording;

/// One labelled document. Unknown fields are ignored: the label format is not ours.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelRecord {
    /// Document id; the text is `docs/<id>.txt`.
    pub id: String,
    /// Kind of document (`contract`, `special-provisions`, `guideline`, …).
    #[serde(default)]
    pub kind: String,
    /// Clause number (`"1"` … `"8"`) → label.
    pub clauses: BTreeMap<String, ClauseLabel>,
}

/// The label of one clause.
#[derive(Debug, Clone, Deserialize)]
pub struct ClauseLabel {
    /// `present`, `partial` or `absent`.
    pub status: String,
    /// Where the labeller found it.
    #[serde(default, rename = "where")]
    pub location: Option<String>,
    /// An exact quote of at most 60 characters.
    #[serde(default)]
    pub quote: Option<String>,
}

/// Counts for one clause, "present" being the positive class.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClauseScore {
    /// 1–8.
    pub id: u8,
    /// Documents labelled present.
    pub positives: usize,
    /// Labelled present, reported present.
    pub true_positives: usize,
    /// Labelled partial or absent, reported present.
    pub false_positives: usize,
    /// Labelled present, reported partial or missing.
    pub false_negatives: usize,
    /// Labelled partial or absent, reported partial or missing.
    pub true_negatives: usize,
    /// TP / (TP + FP), when anything was reported present.
    pub precision: Option<f64>,
    /// TP / (TP + FN), when there are positives.
    pub recall: Option<f64>,
    /// Documents whose three-way status (present/partial/missing) matches the label.
    pub exact: usize,
}

/// A document and clause where the audit and the label differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// Document id.
    pub document: String,
    /// Clause number.
    pub clause: u8,
    /// The label (`present`, `partial`, `missing`).
    pub expected: ClauseStatus,
    /// What the audit said.
    pub actual: ClauseStatus,
    /// The labeller's quote, if any.
    pub quote: Option<String>,
    /// The audit's evidence.
    pub evidence: Vec<Evidence>,
}

/// The whole measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// `name version` of the ruleset measured.
    pub ruleset: String,
    /// Documents audited.
    pub documents: usize,
    /// Labelled documents without a text, or whose text could not be read.
    pub skipped: Vec<String>,
    /// Per clause, 1–8.
    pub clauses: Vec<ClauseScore>,
    /// Every disagreement, by document then clause.
    pub disagreements: Vec<Disagreement>,
}

/// Parses a `labels.json` array.
pub fn parse_labels(json: &str) -> Result<Vec<LabelRecord>, AuditError> {
    serde_json::from_str(json).map_err(|error| AuditError::InvalidLabels {
        reason: error.to_string(),
    })
}

/// Audits every labelled document found in `texts` (id → text) and compares.
pub fn evaluate(
    records: &[LabelRecord],
    texts: &BTreeMap<String, SourceText>,
    ruleset: &Ruleset,
) -> Evaluation {
    let mut scores: Vec<ClauseScore> = (1..=8)
        .map(|id| ClauseScore {
            id,
            ..ClauseScore::default()
        })
        .collect();
    let mut disagreements = Vec::new();
    let mut skipped = Vec::new();
    let mut documents = 0;
    for record in records {
        let Some(source) = texts.get(&record.id) else {
            skipped.push(record.id.clone());
            continue;
        };
        documents += 1;
        let report: AuditReport = audit(
            &AuditRequest {
                path: &record.id,
                sha256: "",
                main: source,
                annex: None,
            },
            ruleset,
            &ClauseWording::none(),
        );
        for score in &mut scores {
            let label = record.clauses.get(&score.id.to_string());
            let expected = match label.map(|label| label.status.as_str()) {
                Some("present") => ClauseStatus::Present,
                Some("partial") => ClauseStatus::Partial,
                _ => ClauseStatus::Missing,
            };
            let Some(result) = report.clause(score.id) else {
                continue;
            };
            let actual = result.status;
            let labelled_present = expected == ClauseStatus::Present;
            let reported_present = actual == ClauseStatus::Present;
            score.positives += usize::from(labelled_present);
            match (labelled_present, reported_present) {
                (true, true) => score.true_positives += 1,
                (false, true) => score.false_positives += 1,
                (true, false) => score.false_negatives += 1,
                (false, false) => score.true_negatives += 1,
            }
            if expected == actual {
                score.exact += 1;
            } else {
                disagreements.push(Disagreement {
                    document: record.id.clone(),
                    clause: score.id,
                    expected,
                    actual,
                    quote: label.and_then(|label| label.quote.clone()),
                    evidence: result.evidence.clone(),
                });
            }
        }
    }
    for score in &mut scores {
        let reported = score.true_positives + score.false_positives;
        score.precision = ratio(score.true_positives, reported);
        score.recall = ratio(score.true_positives, score.positives);
    }
    Evaluation {
        ruleset: ruleset.label(),
        documents,
        skipped,
        clauses: scores,
        disagreements,
    }
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    if denominator == 0 {
        return None;
    }
    // Counts are far below 2^52, so the conversion is exact.
    let to_float = |value: usize| f64::from(u32::try_from(value).unwrap_or(u32::MAX));
    Some(to_float(numerator) / to_float(denominator))
}

impl Evaluation {
    /// The per-clause table as Markdown.
    pub fn table(&self) -> String {
        let format_ratio =
            |value: Option<f64>| value.map_or("-".to_owned(), |value| format!("{value:.2}"));
        let mut table = String::new();
        let _ = writeln!(
            table,
            "| clause | positives | TP | FP | FN | TN | precision | recall | exact 3-way |"
        );
        let _ = writeln!(table, "|---|---|---|---|---|---|---|---|---|");
        for score in &self.clauses {
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {}/{} |",
                score.id,
                score.positives,
                score.true_positives,
                score.false_positives,
                score.false_negatives,
                score.true_negatives,
                format_ratio(score.precision),
                format_ratio(score.recall),
                score.exact,
                self.documents
            );
        }
        table
    }

    /// Whether the accuracy targets hold: no false "present", and recall of at least
    /// `min_recall` for every clause with at least `min_positives` positives.
    pub fn meets(&self, min_recall: f64, min_positives: usize) -> bool {
        self.clauses.iter().all(|score| {
            score.false_positives == 0
                && (score.positives < min_positives
                    || score.recall.is_some_and(|recall| recall >= min_recall))
        })
    }
}
