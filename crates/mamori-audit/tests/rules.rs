//! One fixture pair and one snapshot per rule code of the standard ruleset (style rule 10).
//!
//! `tests/fixtures/rules/<CODE>/present.txt` is a short passage that states the part;
//! `absent.txt` is a near miss that must not count (a permission, an effort duty, a false
//! friend from the rule's `ignore` list). Each is audited twice: with the standard ruleset, whose
//! clause status, detail and evidence go into `tests/snapshots/rules__<CODE>.snap`, and with a
//! ruleset whose clause holds this part alone, so the test asserts outright that the part itself
//! counts in `present.txt` and not in `absent.txt`, whatever a snapshot says.

#![expect(
    clippy::disallowed_methods,
    reason = "the test reads its fixture files; the library itself does no I/O"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::report::{ClauseResult, ClauseStatus};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_audit::wording::ClauseWording;

/// The two fixtures of every rule, in the order they are snapshotted.
const FIXTURES: [Fixture; 2] = [Fixture::Present, Fixture::Absent];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fixture {
    /// The part is stated: it must count.
    Present,
    /// A near miss: it must not count.
    Absent,
}

impl Fixture {
    fn file_name(self) -> &'static str {
        match self {
            Fixture::Present => "present.txt",
            Fixture::Absent => "absent.txt",
        }
    }
}

fn fixtures_directory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn standard_codes(ruleset: &Ruleset) -> Vec<String> {
    ruleset
        .clauses()
        .iter()
        .flat_map(|clause| clause.parts.iter().map(|part| part.code.clone()))
        .collect()
}

fn read_fixture(code: &str, fixture: Fixture) -> String {
    let path = fixtures_directory().join(code).join(fixture.file_name());
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read `{}`: {error}", path.display()))
}

/// The result for clause `id` when `text` is audited with `ruleset`.
fn audit_clause(ruleset: &Ruleset, file: &str, text: &str, id: u8) -> ClauseResult {
    let source = SourceText::from_text(file, text).expect("a fixture is readable text");
    let report = audit(
        &AuditRequest {
            path: file,
            sha256: "0",
            main: &source,
            annex: None,
        },
        ruleset,
        &ClauseWording::none(),
    );
    report
        .clauses
        .into_iter()
        .find(|clause| clause.id == id)
        .expect("every clause has a result")
}

/// The snapshot of one rule: for each fixture, whether the part counts on its own, then the
/// clause as the standard ruleset reports it.
fn render(ruleset: &Ruleset, code: &str) -> String {
    let (clause, part) = ruleset.part(code).expect("a standard code");
    let single = ruleset
        .with_single_part(code)
        .expect("the code is in the ruleset");
    let mut rendered = format!(
        "{code} {}\nclause {} {} (combine: {:?})\n",
        part.name, clause.id, clause.title, clause.combine
    );
    for fixture in FIXTURES {
        let file = format!("{code}/{}", fixture.file_name());
        let text = read_fixture(code, fixture);
        let alone = audit_clause(&single, &file, &text, clause.id);
        let standard = audit_clause(ruleset, &file, &text, clause.id);
        writeln!(rendered, "\n## {}", fixture.file_name()).expect("writing to a string");
        writeln!(rendered, "part alone: {}", alone.status.as_str()).expect("writing to a string");
        writeln!(
            rendered,
            "clause: {} ({})",
            standard.status.as_str(),
            standard.status.label()
        )
        .expect("writing to a string");
        writeln!(rendered, "detail: {}", standard.detail).expect("writing to a string");
        for evidence in &standard.evidence {
            writeln!(
                rendered,
                "evidence: {} ({}) {}",
                evidence.article.as_deref().unwrap_or("-"),
                evidence.heading.as_deref().unwrap_or("-"),
                evidence.text
            )
            .expect("writing to a string");
        }
    }
    rendered
}

#[test]
fn every_rule_counts_its_present_fixture_and_not_its_near_miss() {
    let ruleset = Ruleset::standard();
    let mut failures = Vec::new();
    for code in standard_codes(&ruleset) {
        let (clause, _) = ruleset.part(&code).expect("a standard code");
        let single = ruleset
            .with_single_part(&code)
            .expect("the code is in the ruleset");
        for fixture in FIXTURES {
            let file = format!("{code}/{}", fixture.file_name());
            let alone = audit_clause(&single, &file, &read_fixture(&code, fixture), clause.id);
            let counts = alone.status == ClauseStatus::Present && !alone.evidence.is_empty();
            match (fixture, counts) {
                (Fixture::Present, false) => failures.push(format!(
                    "{file}: the part must count, but its clause alone is {}",
                    alone.status.as_str()
                )),
                (Fixture::Absent, true) => failures.push(format!(
                    "{file}: a near miss must not count, but it does: {:?}",
                    alone.evidence.first().map(|evidence| &evidence.text)
                )),
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_snapshot_of_both_fixtures() {
    let ruleset = Ruleset::standard();
    for code in standard_codes(&ruleset) {
        insta::assert_snapshot!(code.as_str(), render(&ruleset, &code));
    }
}

#[test]
fn every_fixture_directory_belongs_to_a_standard_code() {
    let codes = standard_codes(&Ruleset::standard());
    let directory = fixtures_directory();
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("cannot list `{}`: {error}", directory.display()))
    {
        let name = entry
            .expect("a directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !codes.contains(&name) {
            orphans.push(name);
        }
    }
    assert!(
        orphans.is_empty(),
        "fixture directories without a rule: {orphans:?}"
    );
}
