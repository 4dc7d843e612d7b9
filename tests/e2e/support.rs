//! Running the binary against a temporary store.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder with a store in it.
pub(crate) struct Workspace {
    pub(crate) directory: tempfile::TempDir,
}

impl Workspace {
    pub(crate) fn new() -> Workspace {
        Workspace {
            directory: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub(crate) fn db(&self) -> PathBuf {
        self.directory.path().join("data").join("mamori.db")
    }

    pub(crate) fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.directory.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    /// Runs `mamori --db <store> ARGS` in the workspace folder.
    pub(crate) fn run(&self, arguments: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mamori"))
            .arg("--db")
            .arg(self.db())
            .args(arguments)
            .current_dir(self.directory.path())
            .env_remove("MAMORI_DB")
            .env_remove("MAMORI_CONFIG")
            .output()
            .expect("run mamori")
    }

    /// Runs and parses stdout as JSON.
    pub(crate) fn json(&self, arguments: &[&str]) -> (i32, serde_json::Value) {
        let output = self.run(arguments);
        let value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().expect("exit code"), value)
    }
}

/// The repository's `samples/` folder.
pub(crate) fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples")
}

/// `(year, agency, category, count, cell)` of the figures JSON.
pub(crate) fn figure_rows(figures: &serde_json::Value) -> Vec<(i64, String, String, i64, String)> {
    figures["figures"]
        .as_array()
        .expect("figures array")
        .iter()
        .map(|f| {
            (
                f["fiscal_year"].as_i64().expect("year"),
                f["agency"].as_str().expect("agency").to_owned(),
                f["category"].as_str().expect("category").to_owned(),
                f["count"].as_i64().expect("count"),
                f["cell"].as_str().expect("cell").to_owned(),
            )
        })
        .collect()
}

/// `(agency, status)` of every file in an import report.
pub(crate) fn agency_statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["agency"].as_str().expect("agency").to_owned(),
                f["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}
