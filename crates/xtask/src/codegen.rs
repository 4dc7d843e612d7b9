//! Files generated from code, kept in the repository so they can be read without building:
//! the audit checklist's reference (`crates/mamori-audit/rules/REFERENCE.md`). `--check` fails
//! when a file is out of date instead of writing it (CI runs that).

use std::path::Path;

use anyhow::{Context as _, bail};
use mamori_audit::ruleset::Ruleset;

const REFERENCE: &str = "crates/mamori-audit/rules/REFERENCE.md";

pub(crate) fn run(root: &Path, check: bool) -> anyhow::Result<()> {
    let path = root.join(REFERENCE);
    let generated = Ruleset::standard().reference();
    if check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != generated {
            bail!("{REFERENCE} is out of date: run `cargo xtask codegen` and commit it");
        }
        println!("codegen: up to date");
        return Ok(());
    }
    std::fs::write(&path, generated).with_context(|| format!("cannot write {REFERENCE}"))?;
    println!("codegen: wrote {REFERENCE}");
    Ok(())
}
