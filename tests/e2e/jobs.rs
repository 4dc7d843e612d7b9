//! `mamori jobs` as a user runs it, with mail written to the default `.eml` outbox folder.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Workspace, samples};

/// A workspace holding the repository's `jobs/` and `samples/`, as a fresh clone does.
fn project() -> Workspace {
    let workspace = Workspace::new();
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for folder in ["jobs", "samples"] {
        let source = if folder == "samples" {
            samples()
        } else {
            repository.join(folder)
        };
        for entry in std::fs::read_dir(&source).expect("folder") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            workspace.file(
                &format!("{folder}/{name}"),
                &std::fs::read(&path).expect("read"),
            );
        }
    }
    workspace
}

fn emls(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    paths
}

fn text(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_readme_command_runs_the_annual_report_job_into_the_outbox_folder() {
    let workspace = project();
    let output = workspace.run(&["jobs", "run", "annual-report", "--as-of", "2023-05-10"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let data = workspace.db().parent().expect("data folder").to_path_buf();
    let report = data.join("reports").join("運用状況_令和4年度.xlsx");
    assert!(report.is_file(), "{stdout}");
    assert!(
        stdout.contains("運用状況_令和4年度.xlsx"),
        "says where the report is: {stdout}"
    );
    assert!(
        stdout.contains("outbox"),
        "says where the mail is: {stdout}"
    );
    let mail = emls(&data.join("outbox"));
    assert_eq!(mail.len(), 2, "one message for each of the two recipients");
    let bytes = std::fs::read(&mail[0]).expect("eml");
    let message = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("message");
    assert_eq!(
        message.subject(),
        Some("【年次報告】令和4年度 個人情報の開示請求等の運用状況")
    );
    let attachment = message
        .attachments()
        .next()
        .expect("the workbook is attached");
    assert_eq!(
        attachment.contents(),
        std::fs::read(&report).expect("report").as_slice()
    );

    // The same fire again sends nothing more; the history tells both runs apart.
    let again = workspace.run(&[
        "jobs",
        "run",
        "annual-report",
        "--as-of",
        "2023-05-10",
        "--json",
    ]);
    let record: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(record["status"], "skipped", "{record:#}");
    assert_eq!(record["already_queued"], 2);
    assert_eq!(emls(&data.join("outbox")).len(), 2);
    let (code, history) = workspace.json(&["jobs", "history", "annual-report", "--json"]);
    assert_eq!(code, 0);
    let statuses: Vec<&str> = history
        .as_array()
        .expect("runs")
        .iter()
        .map(|run| run["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, vec!["skipped", "sent"]);
    let stages = history[1]["stages"].as_array().expect("stages");
    assert_eq!(stages[0]["stage"], "取込");
    assert!(
        stages[0]["detail"]
            .as_str()
            .expect("detail")
            .contains("取込 4 件"),
        "{stages:#?}"
    );
}

#[test]
fn a_dry_run_writes_the_mail_and_attachments_to_a_folder_and_sends_nothing() {
    let workspace = project();
    let output = workspace.run(&["import", "samples"]);
    assert_eq!(output.status.code(), Some(0));
    let (code, record) = workspace.json(&[
        "jobs",
        "run",
        "annual-report",
        "--as-of",
        "2023-05-10",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{record:#}");
    assert_eq!(record["status"], "preview");
    let preview = PathBuf::from(record["preview"].as_str().expect("preview folder"));
    let preview = if preview.is_absolute() {
        preview
    } else {
        workspace.directory.path().join(preview)
    };
    assert_eq!(emls(&preview).len(), 2);
    assert!(preview.join("運用状況_令和4年度.xlsx").is_file());
    let data = workspace.db().parent().expect("data folder").to_path_buf();
    assert!(emls(&data.join("outbox")).is_empty(), "nothing sent");
    let (_, outbox) = workspace.json(&["mail", "outbox", "--json"]);
    assert_eq!(outbox.as_array().map(Vec::len), Some(0));
}

#[test]
fn check_names_the_file_and_key_of_a_mistake_and_list_shows_fires_in_tokyo_time() {
    let workspace = project();
    let (code, report) = workspace.json(&["jobs", "check", "--json"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["jobs"],
        serde_json::json!(["annual-report", "contract-review", "figures-reminder"])
    );
    workspace.file(
        "jobs/typo.toml",
        "name = \"typo\"\nschedule = \"0 9 * * 1\"\non_closed_dya = \"run\"\n[mail]\nto = [\"a@city.example.jp\"]\n[contract_review]\ninbox = \"a\"\ndone = \"b\"\n"
            .as_bytes(),
    );
    let output = workspace.run(&["jobs", "check"]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("typo.toml"), "{stdout}");
    assert!(stdout.contains("on_closed_dya"), "{stdout}");

    let (code, listed) = workspace.json(&["jobs", "list", "--json"]);
    assert_eq!(code, 0);
    let annual = listed
        .as_array()
        .expect("jobs")
        .iter()
        .find(|job| job["name"] == "annual-report")
        .expect("annual-report listed");
    let next = annual["next"].as_array().expect("next fires");
    assert_eq!(next.len(), 3);
    for fire in next {
        let at = fire["at"].as_str().expect("time");
        assert!(at.ends_with("+09:00"), "{at}");
        assert!(at.contains("-05-1"), "May, on or after the 10th: {at}");
    }
}

/// Starts `mamori jobs daemon` and waits until it says it started; its log lines come through
/// the receiver.
fn start_daemon(
    workspace: &Workspace,
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<String>,
    Vec<String>,
) {
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .arg("--db")
        .arg(workspace.db())
        .args(["jobs", "daemon"])
        .current_dir(workspace.directory.path())
        .env("MAMORI_LOG", "mamori_jobs=info")
        .env_remove("MAMORI_DB")
        .env_remove("MAMORI_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let stderr = daemon.stderr.take().expect("stderr");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|line: &String| line.contains("daemon started"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no start: {seen:#?}"
        );
        if let Ok(line) = lines_rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(line);
        }
    }
    (daemon, lines_rx, seen)
}

fn terminate(daemon: &mut std::process::Child) -> Option<i32> {
    let status = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    daemon.wait().expect("daemon exits").code()
}

#[test]
fn the_daemon_holds_the_store_stops_on_sigterm_and_a_second_one_is_refused() {
    let workspace = project();
    let (mut daemon, lines, mut seen) = start_daemon(&workspace);

    let second = workspace.run(&["jobs", "daemon"]);
    let (_, stderr) = text(&second);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another daemon"), "{stderr}");

    assert_eq!(terminate(&mut daemon), Some(0));
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
        seen.push(line);
    }
    assert!(
        seen.iter().any(|line| line.contains("daemon stopped")),
        "{seen:#?}"
    );

    // The lease was released: a new daemon starts at once.
    let (mut third, _third_log, _) = start_daemon(&workspace);
    // A daemon that dies without releasing it (power cut, kill -9) does not lock the store
    // until its lease expires: the next one on this machine sees it is gone and takes over.
    third.kill().expect("SIGKILL");
    third.wait().expect("reaped");
    let (mut fourth, _fourth_log, seen) = start_daemon(&workspace);
    assert!(
        seen.iter().any(|line| line.contains("taking over")),
        "{seen:#?}"
    );
    assert_eq!(terminate(&mut fourth), Some(0));
}
