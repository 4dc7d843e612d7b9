//! The result of auditing one contract, shaped for `--json` (this crate owns the format):
//!
//! ```text
//! {"path","sha256","ruleset","verdict":"pass|fail",
//!  "clauses":[{"id":1,"title":"秘密の保持","status":"present|partial|missing",
//!              "evidence":[{"article","heading","text","start","end"}],"detail"}],
//!  "findings":[{"code","severity","clause"?,"message","suggestion"?}]}
//! ```
//!
//! `start`/`end` are character offsets into the text as written (the main text, or the separate
//! annex when `article` starts with `別添`). The first finding is always the notice that this
//! is a checklist, not legal advice.

use serde::Serialize;

/// Whether every clause was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// All eight clauses present and nothing blocks confirmation.
    Pass,
    /// Some clause is partial or missing, or the annex that holds them is not available.
    Fail,
}

/// What the audit found for one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClauseStatus {
    /// The obligation (both halves where there are two) is stated.
    Present,
    /// Only one half, a weak wording (努める), a permission or a restricted scope.
    Partial,
    /// Not stated.
    Missing,
}

impl ClauseStatus {
    /// `present`, `partial` or `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClauseStatus::Present => "present",
            ClauseStatus::Partial => "partial",
            ClauseStatus::Missing => "missing",
        }
    }

    /// Japanese label for tables: 記載あり, 一部のみ, 記載なし.
    pub fn label(self) -> &'static str {
        match self {
            ClauseStatus::Present => "記載あり",
            ClauseStatus::Partial => "一部のみ",
            ClauseStatus::Missing => "記載なし",
        }
    }
}

/// A sentence that shows (part of) a clause, quoted as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The article as written in the normalised text (`第2条`, `別記 第2`, `別添 第3`), if any.
    pub article: Option<String>,
    /// The article's heading without brackets, if any.
    pub heading: Option<String>,
    /// The sentence as written in the source (spacing and line breaks included).
    pub text: String,
    /// Character offset of the sentence's start in the source text.
    pub start: usize,
    /// Character offset one past the sentence's end in the source text.
    pub end: usize,
}

/// The outcome for one of the eight clauses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseResult {
    /// 1–8.
    pub id: u8,
    /// The clause's short title.
    pub title: String,
    /// Present, partial or missing.
    pub status: ClauseStatus,
    /// The sentences that show it, strongest first.
    pub evidence: Vec<Evidence>,
    /// A Japanese sentence saying what was found and what is lacking.
    pub detail: String,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks a pass.
    Error,
    /// Worth a look; does not change the verdict by itself.
    Warning,
    /// Information, such as the checklist-not-legal-advice notice.
    Notice,
}

/// Something the reviewer must act on or know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code: `A6-NOTICE`, `A6-ANNEX-MISSING`, `A6-0N-PARTIAL`, `A6-0N-MISSING`, or a
    /// part's rule code such as `A6-07-2` for a missing 返還・廃棄 duty.
    pub code: String,
    /// How much it matters.
    pub severity: Severity,
    /// The clause it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<u8>,
    /// Japanese message.
    pub message: String,
    /// Standard wording to add, when the caller supplied clause templates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// The audit of one contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// The path as the caller names it.
    pub path: String,
    /// The SHA-256 of the file's bytes, computed by the caller.
    pub sha256: String,
    /// `name version` of the checklist applied.
    pub ruleset: String,
    /// Pass or fail.
    pub verdict: Verdict,
    /// The eight clauses, in order.
    pub clauses: Vec<ClauseResult>,
    /// Notice, blocking findings and per-clause findings.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// The result for clause `id` (1–8).
    pub fn clause(&self, id: u8) -> Option<&ClauseResult> {
        self.clauses.iter().find(|clause| clause.id == id)
    }

    /// The statuses of the eight clauses in order, for compact comparisons.
    pub fn statuses(&self) -> Vec<ClauseStatus> {
        self.clauses.iter().map(|clause| clause.status).collect()
    }

    /// Whether a finding with this code is present.
    pub fn has_finding(&self, code: &str) -> bool {
        self.findings.iter().any(|finding| finding.code == code)
    }
}
