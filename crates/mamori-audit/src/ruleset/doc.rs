//! A rule's documentation as data: the five fixed headings of every audit rule (style rule 10),
//! read from a `[clause.part.doc]` table and shown by `mamori audit rules --explain` and the web
//! page. Optional when a ruleset is loaded, so a city's own rules need none; `cargo xtask tidy`
//! requires all five for the standard ruleset.

use serde::Deserialize;

/// The documentation of one rule, under the five fixed headings of every audit rule (style
/// rule 10). Each section is optional when a ruleset is loaded; `cargo xtask tidy` requires all
/// five for the standard ruleset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleDoc {
    what: Option<String>,
    why: Option<String>,
    example: Option<String>,
    not_flagged: Option<String>,
    references: Option<String>,
}

/// The fixed headings of a rule's documentation, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocHeading {
    /// What it checks: the obligation a contract must state for the part to count.
    What,
    /// Why it matters: why a city needs the obligation in its contracts.
    Why,
    /// Example: wording that counts.
    Example,
    /// Not flagged: wording that looks alike but does not count as this part.
    NotFlagged,
    /// References: the regulation item and, since April 2023, the article of the law.
    References,
}

impl DocHeading {
    /// Every heading, in display order.
    pub const ALL: [DocHeading; 5] = [
        DocHeading::What,
        DocHeading::Why,
        DocHeading::Example,
        DocHeading::NotFlagged,
        DocHeading::References,
    ];

    /// The key in a `[clause.part.doc]` table.
    pub fn key(self) -> &'static str {
        match self {
            DocHeading::What => "what",
            DocHeading::Why => "why",
            DocHeading::Example => "example",
            DocHeading::NotFlagged => "not-flagged",
            DocHeading::References => "references",
        }
    }

    /// The fixed English heading of style rule 10.
    pub fn title(self) -> &'static str {
        match self {
            DocHeading::What => "What it checks",
            DocHeading::Why => "Why it matters",
            DocHeading::Example => "Example",
            DocHeading::NotFlagged => "Not flagged",
            DocHeading::References => "References",
        }
    }

    /// The heading as shown to city staff.
    pub fn label(self) -> &'static str {
        match self {
            DocHeading::What => "確認する内容",
            DocHeading::Why => "必要な理由",
            DocHeading::Example => "記載例",
            DocHeading::NotFlagged => "該当しない記載",
            DocHeading::References => "根拠",
        }
    }
}

impl RuleDoc {
    /// The text under `heading`, if the rule has one.
    pub fn section(&self, heading: DocHeading) -> Option<&str> {
        let text = match heading {
            DocHeading::What => &self.what,
            DocHeading::Why => &self.why,
            DocHeading::Example => &self.example,
            DocHeading::NotFlagged => &self.not_flagged,
            DocHeading::References => &self.references,
        };
        text.as_deref()
    }

    /// The sections the rule has, in display order.
    pub fn sections(&self) -> impl Iterator<Item = (DocHeading, &str)> {
        DocHeading::ALL
            .into_iter()
            .filter_map(|heading| self.section(heading).map(|text| (heading, text)))
    }

    /// The headings the rule has no text for.
    pub fn missing(&self) -> Vec<DocHeading> {
        DocHeading::ALL
            .into_iter()
            .filter(|heading| self.section(*heading).is_none())
            .collect()
    }

    /// Whether the rule has no documentation at all (a city's own rule may have none).
    pub fn is_empty(&self) -> bool {
        self.sections().next().is_none()
    }
}

/// `[clause.part.doc]`: one string per fixed heading, each optional. A blank string counts as
/// absent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct DocWire {
    /// What it checks.
    what: Option<String>,
    /// Why it matters.
    why: Option<String>,
    /// Example: wording that counts.
    example: Option<String>,
    /// Not flagged: near misses that do not count.
    not_flagged: Option<String>,
    /// References: the regulation item and the article of the law.
    references: Option<String>,
}

impl DocWire {
    /// The documentation as loaded: sections trimmed, blank ones absent.
    pub(crate) fn to_doc(&self) -> RuleDoc {
        let section = |text: &Option<String>| {
            text.as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        RuleDoc {
            what: section(&self.what),
            why: section(&self.why),
            example: section(&self.example),
            not_flagged: section(&self.not_flagged),
            references: section(&self.references),
        }
    }
}
