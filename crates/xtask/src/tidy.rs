//! Repository rules no compiler checks: every crate and module documents itself, dependency
//! edges follow ARCHITECTURE.md, no test is hidden, no snapshot is left pending.

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
    (
        "mamori-cli",
        &[
            "mamori-core",
            "mamori-ingest",
            "mamori-store",
            "mamori-report",
            "mamori-audit",
        ],
    ),
    ("mamori-test-support", &[]),
    ("xtask", &["mamori-test-support"]),
];

pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    check_edges(root, &mut problems)?;
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
