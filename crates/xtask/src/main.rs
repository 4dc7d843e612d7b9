//! xtask: developer automation behind `cargo xtask`.
//!
//! - `cargo xtask ci`: the whole gate, as CI runs it (installs missing system packages first).
//! - `cargo xtask tidy`: repository rules that no compiler checks (crate docs, dependency edges,
//!   hidden tests, pending snapshots).
//! - `cargo xtask samples`: regenerates the bundled sample workbooks in `samples/`.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool that reports on the terminal"
)]

mod ci;
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
        _ => {
            eprintln!("usage: cargo xtask <ci|tidy|samples>");
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
