//! The clause checklist as data: a named, versioned ruleset in TOML.
//!
//! The standard ruleset lives in `crates/mamori-audit/rules/` (a header file plus one file per
//! clause family) and is embedded at compile time; [`Ruleset::from_toml`] loads a city's own
//! in the same format, so a changed checklist needs no rebuild. Patterns are Rust regexes (no
//! look-around, no back-references: matching stays linear in the text) and may use named terms
//! from `[terms]` as `{乙}`. Each rule carries its documentation ([`doc`]). The format is
//! documented in `rules/README.md`.

pub mod doc;

use std::collections::BTreeMap;

use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::error::AuditError;
use crate::ruleset::doc::{DocWire, RuleDoc};

/// How the parts of a clause combine into its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Combine {
    /// Every part must be found (#3: 目的外利用 and 第三者提供; #8: 解除 and 損害賠償).
    All,
    /// One part is enough; the detail lists which were found (#7's protective duties).
    Any,
}

/// A loaded, compiled ruleset.
#[derive(Debug, Clone)]
pub struct Ruleset {
    name: String,
    version: String,
    disclaimer: String,
    clauses: Vec<ClauseRule>,
    contractor: Regex,
    implicit_contractor: Regex,
    not_binding: RegexSet,
    annex_reference: Regex,
}

/// The rules of one clause of 第6条.
#[derive(Debug, Clone)]
pub struct ClauseRule {
    /// 1–8.
    pub id: u8,
    /// The clause's short title, e.g. `秘密の保持`.
    pub title: String,
    /// How the parts combine.
    pub combine: Combine,
    /// The parts (obligations) that make up the clause.
    pub parts: Vec<PartRule>,
}

/// One obligation or prohibition, e.g. the 第三者提供 half of clause 3.
#[derive(Debug, Clone)]
pub struct PartRule {
    /// Stable code, e.g. `A6-03-2`.
    pub code: String,
    /// Short Japanese name, e.g. `第三者提供の禁止`.
    pub name: String,
    /// The heading or sentence must match one of these (none = no requirement).
    pub(crate) topic: Option<RegexSet>,
    /// The sentence states the obligation when it matches one of these.
    pub(crate) require: RegexSet,
    /// Sentences matching one of these are not strong evidence, though they may still be weak
    /// (a permission, a ban limited to copying beyond the purpose).
    pub(crate) exclude: Option<RegexSet>,
    /// Sentences matching one of these never count at all (false friends: third-party damages,
    /// assignment of rights, acceptance inspections, force majeure).
    pub(crate) ignore: Option<RegexSet>,
    /// Sentences matching one of these (and the topic) make the part partial.
    pub(crate) weak: Option<RegexSet>,
    /// Whether a missing part is reported as a finding of its own (返還・廃棄).
    pub report_when_missing: bool,
    /// The rule's documentation for city staff (`mamori audit rules --explain`, the web page).
    /// Empty for a city's own rule that has none.
    pub doc: RuleDoc,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RulesetWire {
    /// Name of the checklist, e.g. `個人情報保護条例施行規則第6条（標準）`.
    name: String,
    /// Version of the checklist, reported with every result.
    version: String,
    /// The sentence every result carries: a checklist, not legal advice.
    disclaimer: String,
    /// Named sub-patterns usable as `{name}` in every pattern.
    #[serde(default)]
    terms: BTreeMap<String, String>,
    /// A sentence (or its article) must name the contractor, matched by this pattern.
    contractor: String,
    /// A text that never names the contractor still binds it (specifications) when it matches
    /// this pattern, e.g. reports and submissions to the client.
    implicit_contractor: String,
    /// Sentences that describe what a contract should say (guidelines) rather than bind anyone.
    #[serde(default)]
    not_binding: Vec<String>,
    /// A sentence of the main text that makes an annex part of the contract.
    annex_reference: String,
    #[serde(default)]
    clause: Vec<ClauseWire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ClauseWire {
    id: u8,
    title: String,
    combine: Combine,
    part: Vec<PartWire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PartWire {
    code: String,
    name: String,
    #[serde(default)]
    topic: Vec<String>,
    require: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    weak: Vec<String>,
    #[serde(default)]
    report_when_missing: bool,
    /// Documentation for city staff under the five fixed headings; optional for the parser.
    #[serde(default)]
    doc: Option<DocWire>,
}

/// The embedded standard ruleset: the header, then one file per clause family.
const STANDARD_PARTS: [&str; 9] = [
    include_str!("../../rules/ruleset.toml"),
    include_str!("../../rules/secrecy.toml"),
    include_str!("../../rules/subcontracting.toml"),
    include_str!("../../rules/use_and_provision.toml"),
    include_str!("../../rules/copying.toml"),
    include_str!("../../rules/incident.toml"),
    include_str!("../../rules/inspection.toml"),
    include_str!("../../rules/protective_duties.toml"),
    include_str!("../../rules/breach.toml"),
];

impl Ruleset {
    /// The standard ruleset embedded in the crate.
    pub fn standard() -> Ruleset {
        Ruleset::from_toml(&Ruleset::standard_source())
            .expect("the embedded standard ruleset is valid (checked by the crate's tests)")
    }

    /// The TOML text of the standard ruleset, as one document: a starting point for a city's
    /// own.
    pub fn standard_source() -> String {
        STANDARD_PARTS.join("\n")
    }

    /// Loads and compiles a ruleset from TOML text.
    pub fn from_toml(source: &str) -> Result<Ruleset, AuditError> {
        let wire: RulesetWire =
            toml::from_str(source).map_err(|error| AuditError::InvalidRuleset {
                ruleset: "(不明)".to_owned(),
                reason: error.to_string(),
            })?;
        let invalid = |reason: String| AuditError::InvalidRuleset {
            ruleset: wire.name.clone(),
            reason,
        };
        let expand = |pattern: &str| expand_terms(pattern, &wire.terms).map_err(&invalid);
        let compile_one = |pattern: &str, place: &str| -> Result<Regex, AuditError> {
            Regex::new(&expand(pattern)?)
                .map_err(|error| invalid(format!("{place} のパターンが不正です: {error}")))
        };
        let compile_set =
            |patterns: &[String], place: &str| -> Result<Option<RegexSet>, AuditError> {
                if patterns.is_empty() {
                    return Ok(None);
                }
                let expanded = patterns
                    .iter()
                    .map(|pattern| expand(pattern))
                    .collect::<Result<Vec<_>, _>>()?;
                RegexSetBuilder::new(expanded)
                    .size_limit(64 * 1024 * 1024)
                    .build()
                    .map(Some)
                    .map_err(|error| invalid(format!("{place} のパターンが不正です: {error}")))
            };
        let mut clauses: Vec<ClauseRule> = Vec::new();
        let mut codes = std::collections::BTreeSet::new();
        for clause in &wire.clause {
            if !(1..=8).contains(&clause.id) || clauses.iter().any(|known| known.id == clause.id) {
                return Err(invalid(format!(
                    "条項番号 {} が 1〜8 の範囲外か重複しています",
                    clause.id
                )));
            }
            let mut parts = Vec::new();
            for part in &clause.part {
                if !codes.insert(part.code.clone()) {
                    return Err(invalid(format!(
                        "ルールコード {} が重複しています",
                        part.code
                    )));
                }
                let place = format!("{}（{}）", part.code, part.name);
                let require = compile_set(&part.require, &place)?
                    .ok_or_else(|| invalid(format!("{place} に require がありません")))?;
                parts.push(PartRule {
                    code: part.code.clone(),
                    name: part.name.clone(),
                    topic: compile_set(&part.topic, &place)?,
                    require,
                    exclude: compile_set(&part.exclude, &place)?,
                    ignore: compile_set(&part.ignore, &place)?,
                    weak: compile_set(&part.weak, &place)?,
                    report_when_missing: part.report_when_missing,
                    doc: part.doc.as_ref().map(DocWire::to_doc).unwrap_or_default(),
                });
            }
            if parts.is_empty() {
                return Err(invalid(format!("条項 {} に part がありません", clause.id)));
            }
            clauses.push(ClauseRule {
                id: clause.id,
                title: clause.title.clone(),
                combine: clause.combine,
                parts,
            });
        }
        clauses.sort_by_key(|clause| clause.id);
        if clauses.len() != 8 {
            return Err(invalid(format!(
                "第6条の 8 項目すべてのルールが必要です（{} 項目しかありません）",
                clauses.len()
            )));
        }
        let not_binding = RegexSetBuilder::new(
            wire.not_binding
                .iter()
                .map(|pattern| expand(pattern))
                .collect::<Result<Vec<_>, _>>()?,
        )
        .build()
        .map_err(|error| invalid(format!("not-binding のパターンが不正です: {error}")))?;
        Ok(Ruleset {
            contractor: compile_one(&wire.contractor, "contractor")?,
            implicit_contractor: compile_one(&wire.implicit_contractor, "implicit-contractor")?,
            annex_reference: compile_one(&wire.annex_reference, "annex-reference")?,
            not_binding,
            name: wire.name,
            version: wire.version,
            disclaimer: wire.disclaimer,
            clauses,
        })
    }

    /// The checklist's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The checklist's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// `name version`, as written into every result.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }

    /// The checklist-not-legal-advice sentence.
    pub fn disclaimer(&self) -> &str {
        &self.disclaimer
    }

    /// The eight clauses, ordered by id.
    pub fn clauses(&self) -> &[ClauseRule] {
        &self.clauses
    }

    /// The rule with `code`, with the clause it belongs to.
    pub fn part(&self, code: &str) -> Option<(&ClauseRule, &PartRule)> {
        self.clauses.iter().find_map(|clause| {
            clause
                .parts
                .iter()
                .find(|part| part.code == code)
                .map(|part| (clause, part))
        })
    }

    /// A copy in which the clause holding `code` has that part alone, so the clause's status
    /// says whether this one rule is stated: for testing or explaining a single rule. `None`
    /// when no part has `code`.
    pub fn with_single_part(&self, code: &str) -> Option<Ruleset> {
        let mut single = self.clone();
        let clause = single
            .clauses
            .iter_mut()
            .find(|clause| clause.parts.iter().any(|part| part.code == code))?;
        clause.parts.retain(|part| part.code == code);
        Some(single)
    }

    pub(crate) fn contractor(&self) -> &Regex {
        &self.contractor
    }

    pub(crate) fn implicit_contractor(&self) -> &Regex {
        &self.implicit_contractor
    }

    pub(crate) fn not_binding(&self) -> &RegexSet {
        &self.not_binding
    }

    pub(crate) fn annex_reference(&self) -> &Regex {
        &self.annex_reference
    }
}

/// Replaces `{name}` with the term's pattern wrapped in a non-capturing group. Braces that
/// hold a repetition (`{0,20}`) are left alone.
fn expand_terms(pattern: &str, terms: &BTreeMap<String, String>) -> Result<String, String> {
    let mut expanded = String::with_capacity(pattern.len() * 2);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        expanded.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            expanded.push_str(&rest[open..]);
            return Ok(expanded);
        };
        let name = &after[..close];
        if name
            .chars()
            .all(|character| character.is_ascii_digit() || character == ',')
        {
            expanded.push('{');
            expanded.push_str(name);
            expanded.push('}');
        } else {
            let term = terms.get(name).ok_or_else(|| {
                format!("パターン `{pattern}` の用語 {{{name}}} が [terms] にありません")
            })?;
            expanded.push_str("(?:");
            expanded.push_str(term);
            expanded.push(')');
        }
        rest = &after[close + 1..];
    }
    expanded.push_str(rest);
    Ok(expanded)
}

impl Ruleset {
    /// The checklist's reference for city staff, as Markdown: every clause and part with its
    /// code and documentation. `cargo xtask codegen` keeps `rules/REFERENCE.md` equal to this
    /// for the standard ruleset; `mamori audit rules --explain` prints it for the one in use.
    pub fn reference(&self) -> String {
        let mut out = format!(
            "# 確認項目の説明: {}\n\n{}\n",
            self.label(),
            self.disclaimer()
        );
        for clause in self.clauses() {
            out.push_str(&format!("\n## {} {}\n", clause.id, clause.title));
            if clause.parts.len() > 1 {
                let rule = match clause.combine {
                    Combine::All => "次のすべてがそろって「記載あり」になります。",
                    Combine::Any => "次のいずれかがあれば「記載あり」になります。",
                };
                out.push_str(&format!("\n{rule}\n"));
            }
            for part in &clause.parts {
                out.push_str(&format!("\n### {} {}\n", part.code, part.name));
                if part.report_when_missing {
                    out.push_str("\nこの義務がないときは、それだけで指摘します。\n");
                }
                for (heading, text) in part.doc.sections() {
                    out.push_str(&format!("\n**{}**: {}\n", heading.label(), text.trim()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::doc::DocHeading;

    #[test]
    fn the_reference_explains_every_part_of_the_standard_ruleset() {
        let ruleset = Ruleset::standard();
        let reference = ruleset.reference();
        assert!(reference.contains(ruleset.disclaimer()));
        for clause in ruleset.clauses() {
            assert!(reference.contains(&format!("## {} {}", clause.id, clause.title)));
            for part in &clause.parts {
                assert!(reference.contains(&format!("### {} {}", part.code, part.name)));
            }
        }
        assert_eq!(reference.matches("**根拠**").count(), 14);
    }

    #[test]
    fn standard_ruleset_compiles_with_eight_clauses_and_unique_codes() {
        let ruleset = Ruleset::from_toml(&Ruleset::standard_source()).expect("valid");
        assert_eq!(ruleset.clauses().len(), 8);
        let ids: Vec<u8> = ruleset.clauses().iter().map(|clause| clause.id).collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(ruleset.clauses()[2].combine, Combine::All);
        assert_eq!(ruleset.clauses()[2].parts.len(), 2);
        assert_eq!(ruleset.clauses()[7].parts.len(), 2);
        assert!(
            ruleset.clauses()[6]
                .parts
                .iter()
                .any(|part| part.report_when_missing)
        );
    }

    #[test]
    fn standard_rule_codes_are_stable() {
        let ruleset = Ruleset::standard();
        let codes: Vec<&str> = ruleset
            .clauses()
            .iter()
            .flat_map(|clause| clause.parts.iter().map(|part| part.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                "A6-01-1", "A6-02-1", "A6-03-1", "A6-03-2", "A6-04-1", "A6-05-1", "A6-06-1",
                "A6-07-1", "A6-07-2", "A6-07-3", "A6-07-4", "A6-07-5", "A6-08-1", "A6-08-2",
            ]
        );
        assert_eq!(
            ruleset.label(),
            "個人情報保護条例施行規則第6条（標準） 2026.1"
        );
        assert!(ruleset.disclaimer().contains("法的助言ではありません"));
    }

    #[test]
    fn every_standard_rule_has_all_five_doc_sections() {
        let ruleset = Ruleset::standard();
        for clause in ruleset.clauses() {
            for part in &clause.parts {
                assert_eq!(part.doc.missing(), Vec::new(), "{}", part.code);
                let references = part
                    .doc
                    .section(DocHeading::References)
                    .expect("checked above");
                assert!(
                    references.contains(&format!("施行規則第6条第{}号", clause.id)),
                    "{}: {references}",
                    part.code
                );
            }
        }
        let (clause, part) = ruleset.part("A6-07-2").expect("a standard code");
        assert_eq!((clause.id, part.name.as_str()), (7, "返還・廃棄"));
        assert_eq!(part.doc.sections().count(), 5);
    }

    /// The standard source without its `[clause.part.doc]` tables, like a city's own ruleset
    /// written before rules had docs.
    fn without_doc_tables(source: &str) -> String {
        let mut in_doc = false;
        source
            .lines()
            .filter(|line| {
                if line.starts_with('[') {
                    in_doc = *line == "[clause.part.doc]";
                }
                !in_doc
            })
            .map(|line| format!("{line}\n"))
            .collect()
    }

    #[test]
    fn a_ruleset_without_docs_still_loads() {
        let source = without_doc_tables(&Ruleset::standard_source());
        assert!(!source.contains("not-flagged"));
        let ruleset = Ruleset::from_toml(&source).expect("docs are optional");
        assert!(
            ruleset
                .clauses()
                .iter()
                .flat_map(|clause| &clause.parts)
                .all(|part| part.doc.is_empty())
        );
    }

    #[test]
    fn doc_sections_are_trimmed_and_unknown_doc_keys_are_errors() {
        // The last part of the document is A6-08-2, so a table appended at the end is its doc.
        let source = without_doc_tables(&Ruleset::standard_source());
        let partial = format!("{source}[clause.part.doc]\nwhat = \"  確認する  \"\nwhy = \" \"\n");
        let ruleset = Ruleset::from_toml(&partial).expect("a partial doc loads");
        let (_, part) = ruleset.part("A6-08-2").expect("a standard code");
        assert_eq!(part.doc.section(DocHeading::What), Some("確認する"));
        assert_eq!(part.doc.section(DocHeading::Why), None);
        assert_eq!(part.doc.missing().len(), 4);
        let unknown = format!("{source}[clause.part.doc]\nsummary = \"確認する\"\n");
        let error = Ruleset::from_toml(&unknown).expect_err("unknown doc key");
        assert!(error.to_string().contains("summary"), "{error}");
    }

    #[test]
    fn a_single_part_ruleset_keeps_the_other_clauses() {
        let ruleset = Ruleset::standard();
        let single = ruleset
            .with_single_part("A6-03-2")
            .expect("a standard code");
        assert_eq!(single.clauses().len(), 8);
        let codes: Vec<&str> = single.clauses()[2]
            .parts
            .iter()
            .map(|part| part.code.as_str())
            .collect();
        assert_eq!(codes, ["A6-03-2"]);
        assert_eq!(single.clauses()[7].parts.len(), 2);
        assert!(ruleset.with_single_part("A6-99-1").is_none());
    }

    #[test]
    fn terms_expand_and_repetitions_stay() {
        let terms = BTreeMap::from([("乙".to_owned(), "乙|受託者".to_owned())]);
        assert_eq!(
            expand_terms("{乙}は.{0,20}てはならない", &terms).expect("expands"),
            "(?:乙|受託者)は.{0,20}てはならない"
        );
        assert!(expand_terms("{丙}は", &terms).is_err());
    }

    #[test]
    fn broken_rulesets_are_errors_with_a_code() {
        let error = Ruleset::from_toml("name = 1").expect_err("not a ruleset");
        assert_eq!(error.code(), "E-AUDIT-014");
        let seven_clauses = Ruleset::standard_source().replace("id = 8", "id = 7");
        let error = Ruleset::from_toml(&seven_clauses).expect_err("duplicate id");
        assert!(error.to_string().contains("重複"), "{error}");
    }
}
