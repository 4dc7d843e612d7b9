//! xtask: developer automation behind `cargo xtask`.
//!
//! - `cargo xtask ci`: the whole gate, as CI runs it (installs missing system packages first).
//! - `cargo xtask tidy`: repository rules that no compiler checks (crate docs, dependency edges,
//!   hidden tests, pending snapshots).
//! - `cargo xtask samples`: regenerates the bundled sample workbooks in `samples/`.
//! - `cargo xtask codegen [--check]`: regenerates files made from code (the audit checklist's
//!   reference); `--check` fails when one is out of date.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool that reports on the terminal"
)]

mod ci;
mod codegen;
mod samples;
mod tidy;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let result = match arguments.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("tidy") => tidy::run(&workspace_root()),
        Some("samples") => samples::run(&workspace_root()),
        Some("codegen") => codegen::run(
            &workspace_root(),
            arguments
                .get(1)
                .is_some_and(|argument| argument == "--check"),
        ),
        _ => {
            eprintln!("usage: cargo xtask <ci|tidy|samples|codegen [--check]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (two levels above this crate).
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}
