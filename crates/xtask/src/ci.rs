//! The CI gate, in order: system packages, fmt, clippy, tests, rustdoc, tidy, codegen, then cargo-deny
//! and cargo-machete when they are installed.

use std::process::Command;

use anyhow::{Context as _, bail};

/// Debian packages the test suite needs, with a program that shows they are installed.
const SYSTEM_PACKAGES: &[(&[&str], &str)] = &[
    // `mamori audit` reads PDF text layers with pdftotext; poppler-data holds the Japanese CMaps.
    (&["poppler-utils", "poppler-data"], "command -v pdftotext"),
    // Mail tests deliver to a real SMTP server on loopback: Debian's aiosmtpd, run by Debian's
    // python3 (not whatever python3 comes first on PATH).
    (
        &["python3-aiosmtpd"],
        "/usr/bin/python3 -c 'import aiosmtpd'",
    ),
    // The store's PostgreSQL tests start a throwaway cluster with Debian's server programs.
    (&["postgresql"], "ls /usr/lib/postgresql/*/bin/initdb"),
    // The web pages are tested in Debian's headless Chromium through chromedriver (fantoccini
    // loads the system's root certificates even for loopback); a Japanese font makes the saved
    // screenshots readable.
    (
        &[
            "chromium",
            "chromium-driver",
            "ca-certificates",
            "fonts-ipafont-gothic",
        ],
        "command -v chromium && command -v chromedriver && test -s /etc/ssl/certs/ca-certificates.crt && fc-list | grep -qi ipagothic",
    ),
];

/// The npm project that holds axe-core for the accessibility checks of the browser tests.
const BROWSER_TEST_PACKAGES: &str = "crates/mamori-server/tests/browser";

/// insta compares and never writes: a changed output fails the gate instead of updating the
/// snapshot (review changes with `INSTA_UPDATE=always cargo test` and `git diff`).
const SNAPSHOTS_READ_ONLY: &[(&str, &str)] = &[("CI", "true"), ("INSTA_UPDATE", "no")];

pub(crate) fn run() -> anyhow::Result<()> {
    install_system_packages()?;
    install_browser_test_packages()?;
    step("fmt", &["fmt", "--all", "--", "--check"], &[])?;
    step(
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    if has_nextest() {
        step(
            "tests",
            &[
                "nextest",
                "run",
                "--workspace",
                "--locked",
                "--no-fail-fast",
            ],
            SNAPSHOTS_READ_ONLY,
        )?;
    } else {
        step(
            "tests",
            &["test", "--workspace", "--locked", "--no-fail-fast"],
            SNAPSHOTS_READ_ONLY,
        )?;
    }
    step(
        "rustdoc",
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    println!("==> tidy");
    crate::tidy::run(&crate::workspace_root())?;
    println!("==> codegen --check");
    crate::codegen::run(&crate::workspace_root(), true)?;
    // Not on the CI image: run when a developer has installed them.
    if has_cargo_tool("deny") {
        step("deny", &["deny", "check"], &[])?;
    }
    if has_cargo_tool("machete") {
        step("machete", &["machete"], &[])?;
    }
    println!("==> all checks passed");
    Ok(())
}

fn step(name: &str, arguments: &[&str], environment: &[(&str, &str)]) -> anyhow::Result<()> {
    println!("==> {name}: cargo {}", arguments.join(" "));
    let status = Command::new(env!("CARGO"))
        .args(arguments)
        .envs(environment.iter().copied())
        .current_dir(crate::workspace_root())
        .status()
        .with_context(|| format!("cannot run cargo for `{name}`"))?;
    if !status.success() {
        bail!("`{name}` failed ({status})");
    }
    Ok(())
}

fn has_nextest() -> bool {
    has_cargo_tool("nextest")
}

/// Whether `cargo TOOL --version` works.
fn has_cargo_tool(tool: &str) -> bool {
    Command::new(env!("CARGO"))
        .args([tool, "--version"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// `npm ci` for axe-core, unless its lock file's packages are already installed.
fn install_browser_test_packages() -> anyhow::Result<()> {
    let folder = crate::workspace_root().join(BROWSER_TEST_PACKAGES);
    if folder.join("node_modules/axe-core/axe.min.js").is_file() {
        return Ok(());
    }
    println!("==> npm ci --prefix {BROWSER_TEST_PACKAGES}");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(&folder)
        .status()
        .context("cannot run npm (Node.js is needed for the browser tests' axe-core)")?;
    if !status.success() {
        bail!("npm ci failed ({status})");
    }
    Ok(())
}

fn install_system_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = SYSTEM_PACKAGES
        .iter()
        .filter(|(_, present)| {
            Command::new("sh")
                .args(["-c", present])
                .output()
                .is_ok_and(|o| !o.status.success())
        })
        .flat_map(|(packages, _)| packages.iter().copied())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("==> installing system packages: {}", missing.join(" "));
    let update = Command::new("apt-get")
        .args(["update", "-qq"])
        .status()
        .context("cannot run apt-get update")?;
    if !update.success() {
        bail!("apt-get update failed ({update})");
    }
    let install = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("cannot run apt-get install")?;
    if !install.success() {
        bail!("apt-get install {} failed ({install})", missing.join(" "));
    }
    Ok(())
}
