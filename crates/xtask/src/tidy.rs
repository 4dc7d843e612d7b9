//! Repository rules no compiler checks: every crate and module documents itself, dependency
//! edges follow ARCHITECTURE.md, no test is hidden, no snapshot is left pending, and every
//! audit rule is complete (doc under the five headings, fixtures, snapshot).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// The allowed workspace dependency edges (normal and build dependencies), from ARCHITECTURE.md.
const ALLOWED_EDGES: &[(&str, &[&str])] = &[
    ("mamori-core", &[]),
    ("mamori-ingest", &["mamori-core"]),
    ("mamori-store", &["mamori-core"]),
    ("mamori-report", &["mamori-core"]),
    ("mamori-audit", &["mamori-core"]),
    ("mamori-mail", &[]),
    (
        "mamori-jobs",
        &[
            "mamori-core",
            "mamori-ingest",
            "mamori-store",
            "mamori-report",
            "mamori-audit",
            "mamori-mail",
        ],
    ),
    (
        "mamori-cli",
        &[
            "mamori-core",
            "mamori-ingest",
            "mamori-store",
            "mamori-report",
            "mamori-audit",
            "mamori-mail",
            "mamori-jobs",
            "mamori-server",
        ],
    ),
    (
        "mamori-server",
        &[
            "mamori-core",
            "mamori-ingest",
            "mamori-store",
            "mamori-report",
            "mamori-audit",
            "mamori-mail",
            "mamori-jobs",
        ],
    ),
    ("mamori-test-support", &[]),
    ("xtask", &["mamori-test-support", "mamori-audit"]),
];

/// The audit rule files, one per clause family; every `[[clause.part]]` is a rule with a code.
const AUDIT_RULES: &str = "crates/mamori-audit/rules";
/// `<CODE>/present.txt` and `<CODE>/absent.txt` for every rule code.
const AUDIT_RULE_FIXTURES: &str = "crates/mamori-audit/tests/fixtures/rules";
/// `rules__<CODE>.snap` for every rule code, written by `crates/mamori-audit/tests/rules.rs`.
const AUDIT_RULE_SNAPSHOTS: &str = "crates/mamori-audit/tests/snapshots";
/// The fixture files every rule code needs.
const AUDIT_RULE_FIXTURE_FILES: [&str; 2] = ["present.txt", "absent.txt"];
/// The keys of a rule's `[clause.part.doc]` with their fixed headings (style rule 10).
const AUDIT_RULE_DOC_HEADINGS: [(&str, &str); 5] = [
    ("what", "What it checks"),
    ("why", "Why it matters"),
    ("example", "Example"),
    ("not-flagged", "Not flagged"),
    ("references", "References"),
];

pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    check_edges(root, &mut problems)?;
    check_audit_rules(root, &mut problems)?;
    for file in rust_files(&root.join("crates"))?
        .into_iter()
        .chain(rust_files(&root.join("tests"))?)
    {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let in_src = relative.contains("/src/");
        if in_src && !text.trim_start().starts_with("//!") {
            problems.push(format!(
                "{relative}: a source file must open with a `//!` doc saying what it owns"
            ));
        }
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            for forbidden in ["#[ignore", "#[should_panic"] {
                if trimmed.starts_with(forbidden) {
                    problems.push(format!("{relative}:{}: `{forbidden}]` hides a test; assert the current behaviour instead", number + 1));
                }
            }
        }
    }
    for pending in files_with_suffix(root, ".snap.new")? {
        problems.push(format!(
            "{}: pending snapshot; review it with cargo insta",
            pending.display()
        ));
    }
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md"))
        .context("ARCHITECTURE.md is missing")?;
    for (krate, _) in ALLOWED_EDGES {
        if !architecture.contains(krate) {
            problems.push(format!("ARCHITECTURE.md does not mention `{krate}`"));
        }
    }
    if problems.is_empty() {
        println!("tidy: ok");
        return Ok(());
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    bail!("{} tidy problem(s)", problems.len())
}

fn check_edges(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata printed invalid JSON")?;
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata has no packages")?;
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let Some((_, allowed)) = ALLOWED_EDGES.iter().find(|(krate, _)| *krate == name) else {
            problems.push(format!(
                "crate `{name}` is not in xtask's edge list (and ARCHITECTURE.md)"
            ));
            continue;
        };
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let dependency_name = dependency["name"].as_str().unwrap_or_default();
            let is_workspace = dependency["path"].is_string();
            let is_dev = dependency["kind"].as_str() == Some("dev");
            if !is_workspace {
                continue;
            }
            if dependency_name == "mamori-test-support" && !is_dev && name != "xtask" {
                problems.push(format!(
                    "`{name}` depends on mamori-test-support outside [dev-dependencies]"
                ));
            }
            if !is_dev && !allowed.contains(&dependency_name) {
                problems.push(format!(
                    "`{name}` → `{dependency_name}` is not an allowed edge (see ARCHITECTURE.md)"
                ));
            }
        }
    }
    Ok(())
}

/// Every rule code in `crates/mamori-audit/rules/*.toml` has a doc with the five headings, both
/// fixtures and a snapshot; no fixture directory or snapshot is left without its rule.
fn check_audit_rules(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let mut codes = BTreeSet::new();
    for file in files_with_suffix(&root.join(AUDIT_RULES), ".toml")? {
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        let table: toml::Table = match toml::from_str(&text) {
            Ok(table) => table,
            Err(error) => {
                problems.push(format!("{relative}: not a valid rule file: {error}"));
                continue;
            }
        };
        let clauses = table.get("clause").and_then(toml::Value::as_array);
        for clause in clauses.into_iter().flatten() {
            let parts = clause.get("part").and_then(toml::Value::as_array);
            for part in parts.into_iter().flatten() {
                let Some(code) = part.get("code").and_then(toml::Value::as_str) else {
                    problems.push(format!("{relative}: a [[clause.part]] has no `code`"));
                    continue;
                };
                let place = match text
                    .lines()
                    .position(|line| line.trim() == format!("code = \"{code}\""))
                {
                    Some(index) => format!("{relative}:{}: {code}", index + 1),
                    None => format!("{relative}: {code}"),
                };
                if !codes.insert(code.to_owned()) {
                    problems.push(format!("{place}: the rule code is used twice"));
                }
                check_audit_rule(root, &place, code, part, problems);
            }
        }
    }
    let fixtures = root.join(AUDIT_RULE_FIXTURES);
    if fixtures.is_dir() {
        for entry in std::fs::read_dir(&fixtures)
            .with_context(|| format!("cannot list `{}`", fixtures.display()))?
        {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if !codes.contains(&name) {
                problems.push(format!(
                    "{AUDIT_RULE_FIXTURES}/{name}: fixtures for a rule code no file in {AUDIT_RULES} defines"
                ));
            }
        }
    }
    for snapshot in files_with_suffix(&root.join(AUDIT_RULE_SNAPSHOTS), ".snap")? {
        let name = snapshot
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(code) = name
            .strip_prefix("rules__")
            .and_then(|rest| rest.strip_suffix(".snap"))
        else {
            continue;
        };
        if !codes.contains(code) {
            problems.push(format!(
                "{AUDIT_RULE_SNAPSHOTS}/{name}: orphaned snapshot of a rule code no file in {AUDIT_RULES} defines"
            ));
        }
    }
    Ok(())
}

/// The doc, fixtures and snapshot of one rule; `place` is `file:line: CODE`.
fn check_audit_rule(
    root: &Path,
    place: &str,
    code: &str,
    part: &toml::Value,
    problems: &mut Vec<String>,
) {
    match part.get("doc").and_then(toml::Value::as_table) {
        None => problems.push(format!(
            "{place}: no [clause.part.doc]; document the rule under {}",
            AUDIT_RULE_DOC_HEADINGS
                .iter()
                .map(|(key, heading)| format!("`{key}` ({heading})"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(doc) => {
            for key in doc.keys() {
                if !AUDIT_RULE_DOC_HEADINGS
                    .iter()
                    .any(|(known, _)| known == key)
                {
                    problems.push(format!(
                        "{place}: doc key `{key}` is not one of the five headings"
                    ));
                }
            }
            for (key, heading) in AUDIT_RULE_DOC_HEADINGS {
                let text = doc.get(key).and_then(toml::Value::as_str).map(str::trim);
                if text.is_none_or(str::is_empty) {
                    problems.push(format!(
                        "{place}: doc heading `{key}` ({heading}) is missing or empty"
                    ));
                }
            }
        }
    }
    let fixtures = root.join(AUDIT_RULE_FIXTURES).join(code);
    for file in AUDIT_RULE_FIXTURE_FILES {
        let path = fixtures.join(file);
        let has_text = std::fs::metadata(&path).is_ok_and(|metadata| metadata.len() > 0);
        if !has_text {
            problems.push(format!(
                "{place}: fixture `{AUDIT_RULE_FIXTURES}/{code}/{file}` is missing or empty"
            ));
        }
    }
    let snapshot = format!("{AUDIT_RULE_SNAPSHOTS}/rules__{code}.snap");
    if !root.join(&snapshot).is_file() {
        problems.push(format!(
            "{place}: snapshot `{snapshot}` is missing; run `INSTA_UPDATE=always cargo test -p mamori-audit --test rules` and review it"
        ));
    }
}

fn rust_files(directory: &Path) -> anyhow::Result<Vec<PathBuf>> {
    files_with_suffix(directory, ".rs")
}

fn files_with_suffix(directory: &Path, suffix: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !directory.is_dir() {
        return Ok(found);
    }
    let mut stack = vec![directory.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)
            .with_context(|| format!("cannot list `{}`", current.display()))?
        {
            let path = entry?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name == "target" || name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
