//! Tests of job files: the three kinds with their defaults, every error with its code, key and
//! line, loading a folder, and the recipients' fingerprint.

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use mamori_core::{Agency, FiscalYear};

use crate::schedule::{CatchUp, OnClosedDay};
use crate::spec::{
    AttachFormat, FiscalYearChoice, JobKind, JobSpec, Position, SpecError, WhenEmpty, load_dir,
    load_file, parse,
};

const ANNUAL_REPORT: &str = r#"
name = "annual-report"
description = "年次報告を送る"
schedule = "0 9 10 5 *"

[mail]
to = ["soumu@city.example.jp", "総務課 <gikai@city.example.jp>"]
subject = "{{ fiscal_year }} 年次報告"

[annual_report]
import = "incoming/figures"
"#;

/// Kebab-case spellings of the keys work too.
const CONTRACT_REVIEW: &str = r#"
name = "contract-review"
schedule = "0 8 * * 1-5"
on-closed-day = "previous-open-day"
when-empty = "skip"

[catch-up]
policy = "skip"

[mail]
to = ["keiyaku@city.example.jp"]
cc = ["houmu@city.example.jp"]
body = "{{ findings }}"

[contract-review]
inbox = "review/inbox"
done = "review/done"
per-file = false
annex = true
"#;

const FIGURES_REMINDER: &str = r#"
name = "figures-reminder"
schedule = "0 9 1 4 *"
timezone = "America/New_York"
on_closed_day = "run"
enabled = false

[catch_up]
window = "6h"

[figures_reminder]
fiscal_year = "令和7年度"
agencies = ["市長", "教育委員会", "選挙管理委員会"]

[figures_reminder.contacts]
"市長" = "soumu@city.example.jp"
"教育委員会" = "kyoiku@city.example.jp"
"選挙管理委員会" = "senkan@city.example.jp"
"#;

fn job_path(name: &str) -> PathBuf {
    Path::new("/city/jobs").join(format!("{name}.toml"))
}

fn load(name: &str, text: &str) -> JobSpec {
    parse(text, &job_path(name)).expect("a valid job file")
}

fn fail(name: &str, text: &str) -> SpecError {
    parse(text, &job_path(name)).expect_err("an invalid job file")
}

/// The code, the key and the position of an error.
fn place(error: &SpecError) -> (&'static str, Option<String>, Option<(usize, usize)>) {
    (
        error.code(),
        error.key().map(ToString::to_string),
        error
            .position()
            .map(|Position { line, column }| (line, column)),
    )
}

/// `ANNUAL_REPORT` with `old` replaced by `new`.
fn annual_with(old: &str, new: &str) -> String {
    assert!(ANNUAL_REPORT.contains(old), "{old}");
    ANNUAL_REPORT.replacen(old, new, 1)
}

// ---- the three kinds -------------------------------------------------------------------------

#[test]
fn an_annual_report_job_gets_its_defaults() {
    let job = load("annual-report", ANNUAL_REPORT);
    assert_eq!(job.name(), "annual-report");
    assert_eq!(job.description(), Some("年次報告を送る"));
    assert_eq!(job.file(), Path::new("/city/jobs/annual-report.toml"));
    assert_eq!(job.base(), Path::new("/city"));
    assert_eq!(job.schedule().pattern(), "0 9 10 5 *");
    assert_eq!(job.schedule().zone(), chrono_tz::Asia::Tokyo);
    assert_eq!(job.on_closed_day(), OnClosedDay::NextOpenDay);
    assert_eq!(job.when_empty(), WhenEmpty::Notify);
    assert_eq!(
        job.catch_up(),
        CatchUp::Once {
            window: Duration::days(1)
        }
    );
    assert!(job.enabled());
    assert_eq!(
        job.mail().to(),
        ["soumu@city.example.jp", "総務課 <gikai@city.example.jp>"]
    );
    assert!(job.mail().cc().is_empty());
    assert_eq!(job.mail().subject(), Some("{{ fiscal_year }} 年次報告"));
    assert_eq!(job.mail().body(), None);
    assert_eq!(job.kind().label(), "annual-report");
    let JobKind::AnnualReport(report) = job.kind() else {
        panic!("an annual report, not {}", job.kind().label());
    };
    assert_eq!(report.import(), Some(Path::new("/city/incoming/figures")));
    assert_eq!(report.fiscal_year(), FiscalYearChoice::Previous);
    assert_eq!(report.years(), 3);
    assert_eq!(report.attach(), [AttachFormat::Xlsx]);
}

#[test]
fn a_contract_review_job_takes_kebab_case_keys() {
    let job = load("contract-review", CONTRACT_REVIEW);
    assert_eq!(job.on_closed_day(), OnClosedDay::PreviousOpenDay);
    assert_eq!(job.when_empty(), WhenEmpty::Skip);
    assert_eq!(job.catch_up(), CatchUp::Skip);
    assert_eq!(job.mail().cc(), ["houmu@city.example.jp"]);
    assert_eq!(job.mail().body(), Some("{{ findings }}"));
    assert_eq!(job.kind().label(), "contract-review");
    let JobKind::ContractReview(review) = job.kind() else {
        panic!("a contract review, not {}", job.kind().label());
    };
    assert_eq!(review.inbox(), Path::new("/city/review/inbox"));
    assert_eq!(review.done(), Path::new("/city/review/done"));
    assert!(review.digest());
    assert!(!review.per_file());
    assert!(review.annex());
}

#[test]
fn a_figures_reminder_job_needs_no_mail_table() {
    let job = load("figures-reminder", FIGURES_REMINDER);
    assert_eq!(job.schedule().zone(), chrono_tz::America::New_York);
    assert_eq!(job.on_closed_day(), OnClosedDay::Run);
    assert!(!job.enabled());
    assert_eq!(
        job.catch_up(),
        CatchUp::Once {
            window: Duration::hours(6)
        }
    );
    assert!(job.mail().to().is_empty());
    assert_eq!(job.kind().label(), "figures-reminder");
    let JobKind::FiguresReminder(reminder) = job.kind() else {
        panic!("a figures reminder, not {}", job.kind().label());
    };
    assert_eq!(
        reminder.fiscal_year(),
        FiscalYearChoice::Year(FiscalYear::new(2025).expect("year"))
    );
    let names: Vec<&str> = reminder.agencies().iter().map(Agency::as_str).collect();
    assert_eq!(names, ["市長", "教育委員会", "選挙管理委員会"]);
    let board = Agency::new("教育委員会").expect("agency");
    assert_eq!(reminder.contact(&board), Some("kyoiku@city.example.jp"));
    assert_eq!(reminder.contacts().len(), 3);
}

#[test]
fn annual_report_options_are_read() {
    let text = annual_with(
        "import = \"incoming/figures\"",
        "fiscal-year = \"R4\"\nyears = 5\nattach = [\"html\", \"csv\", \"html\"]",
    );
    let job = load("annual-report", &text);
    let JobKind::AnnualReport(report) = job.kind() else {
        panic!("an annual report");
    };
    assert_eq!(report.import(), None);
    assert_eq!(
        report.fiscal_year(),
        FiscalYearChoice::Year(FiscalYear::new(2022).expect("year"))
    );
    assert_eq!(report.years(), 5);
    assert_eq!(report.attach(), [AttachFormat::Html, AttachFormat::Csv]);
    for written in ["2022", "令和4年度"] {
        let text = annual_with("import", &format!("fiscal_year = \"{written}\"\nimport"));
        let JobKind::AnnualReport(report) = load("annual-report", &text).kind().clone() else {
            panic!("an annual report");
        };
        assert_eq!(
            report.fiscal_year(),
            FiscalYearChoice::Year(FiscalYear::new(2022).expect("year")),
            "{written}"
        );
    }
}

#[test]
fn previous_means_the_fiscal_year_that_ended_before_the_fire_date() {
    let date = |year, month, day| NaiveDate::from_ymd_opt(year, month, day).expect("date");
    let previous = |fire| {
        FiscalYearChoice::Previous
            .for_fire_date(fire)
            .expect("year")
            .start_year()
    };
    assert_eq!(previous(date(2026, 5, 10)), 2025);
    assert_eq!(previous(date(2026, 4, 1)), 2025);
    assert_eq!(previous(date(2026, 3, 31)), 2024);
    let fixed = FiscalYearChoice::Year(FiscalYear::new(2020).expect("year"));
    assert_eq!(
        fixed
            .for_fire_date(date(2026, 5, 10))
            .expect("year")
            .start_year(),
        2020
    );
}

// ---- errors ----------------------------------------------------------------------------------

#[test]
fn a_typo_names_the_key_and_lists_the_allowed_ones() {
    let error = fail("annual-report", &annual_with("schedule =", "schedul ="));
    assert_eq!(
        place(&error),
        ("E-JOBS-003", Some("schedul".to_owned()), Some((4, 1)))
    );
    let message = error.to_string();
    assert!(
        message.starts_with("/city/jobs/annual-report.toml:4:1: `schedul`: 不明なキー `schedul` です（使えるキー: `name`, `description`, `schedule`, `timezone`, `on_closed_day`"),
        "{message}"
    );
    assert!(message.contains("`catch_up`"), "{message}");
    assert!(!message.contains("`catch-up`"), "{message}");

    let error = fail(
        "annual-report",
        &annual_with("[mail]\n", "[catch_up]\nwindw = \"1d\"\n\n[mail]\n"),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-003",
            Some("catch_up.windw".to_owned()),
            Some((7, 1))
        )
    );
    assert!(
        error
            .to_string()
            .ends_with("不明なキー `windw` です（使えるキー: `policy`, `window`）"),
        "{error}"
    );
}

#[test]
fn a_bad_duration_names_the_file_and_key() {
    let error = fail(
        "annual-report",
        &annual_with("[mail]\n", "[catch_up]\nwindow = \"3x\"\n\n[mail]\n"),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-011",
            Some("catch_up.window".to_owned()),
            Some((7, 10))
        )
    );
    assert_eq!(
        error.to_string(),
        "/city/jobs/annual-report.toml:7:10: `catch_up.window`: 期間 \"3x\" を読めません（例: \"90m\", \"6h\", \"3d\"）"
    );
}

#[test]
fn a_window_needs_policy_once() {
    let error = fail(
        "annual-report",
        &annual_with(
            "[mail]\n",
            "[catch_up]\npolicy = \"skip\"\nwindow = \"3d\"\n\n[mail]\n",
        ),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-012",
            Some("catch_up.window".to_owned()),
            Some((8, 10))
        )
    );
}

#[test]
fn a_bad_cron_pattern_gives_croner_s_reason() {
    let error = fail(
        "annual-report",
        &annual_with("\"0 9 10 5 *\"", "\"0 9 10 5\""),
    );
    assert_eq!(
        place(&error),
        ("E-JOBS-009", Some("schedule".to_owned()), Some((4, 12)))
    );
    let message = error.to_string();
    assert!(
        message.contains("cron の書式 \"0 9 10 5\" を読めません"),
        "{message}"
    );
    assert!(message.contains("5 or 6 fields"), "{message}");

    let error = fail(
        "annual-report",
        &annual_with("\"0 9 10 5 *\"", "\"0 9 30 2 *\""),
    );
    assert_eq!(error.code(), "E-JOBS-009");
    assert!(
        error.to_string().contains("当てはまる日時がありません"),
        "{error}"
    );
}

#[test]
fn an_unknown_time_zone_is_refused() {
    let error = fail(
        "annual-report",
        &annual_with("schedule =", "timezone = \"Asia/Tokio\"\nschedule ="),
    );
    assert_eq!(
        place(&error),
        ("E-JOBS-010", Some("timezone".to_owned()), Some((4, 12)))
    );
    assert!(error.to_string().contains("\"Asia/Tokio\""), "{error}");
}

#[test]
fn the_name_must_be_the_file_stem_and_plain() {
    let error = fail("annual", ANNUAL_REPORT);
    assert_eq!(
        place(&error),
        ("E-JOBS-008", Some("name".to_owned()), Some((2, 8)))
    );
    assert!(
        error
            .to_string()
            .ends_with("ジョブ名 \"annual-report\" がファイル名 \"annual.toml\" と一致しません"),
        "{error}"
    );
    let error = fail(
        "Annual_Report",
        &annual_with("\"annual-report\"", "\"Annual_Report\""),
    );
    assert_eq!(error.code(), "E-JOBS-007");
    let error = fail(
        "annual-report",
        &annual_with("name = \"annual-report\"\n", ""),
    );
    assert_eq!(place(&error), ("E-JOBS-006", Some("name".to_owned()), None));
}

#[test]
fn exactly_one_kind_table() {
    let error = fail(
        "annual-report",
        &format!("{ANNUAL_REPORT}\n[contract_review]\ninbox = \"a\"\ndone = \"b\"\n"),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-016",
            Some("contract_review".to_owned()),
            Some((13, 2))
        )
    );
    assert!(
        error
            .to_string()
            .contains("`annual_report`, `contract_review`"),
        "{error}"
    );

    let error = fail(
        "annual-report",
        &annual_with("[annual_report]\nimport = \"incoming/figures\"\n", ""),
    );
    assert_eq!(place(&error), ("E-JOBS-015", None, None));
    assert!(
        error
            .to_string()
            .starts_with("/city/jobs/annual-report.toml: ジョブの種類がありません")
    );
}

#[test]
fn every_agency_needs_a_contact() {
    let error = fail(
        "figures-reminder",
        &FIGURES_REMINDER.replace("\"教育委員会\" = \"kyoiku@city.example.jp\"\n", ""),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-021",
            Some("figures_reminder.agencies[1]".to_owned()),
            Some((13, 19))
        )
    );
    assert!(
        error.to_string().contains("\"教育委員会\" の連絡先"),
        "{error}"
    );

    let error = fail(
        "figures-reminder",
        &FIGURES_REMINDER.replace("\"教育委員会\" = ", "\"教育委員\" = "),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-022",
            Some("figures_reminder.contacts.\"教育委員\"".to_owned()),
            Some((17, 10))
        )
    );

    let error = fail(
        "figures-reminder",
        &FIGURES_REMINDER.replace("\"kyoiku@city.example.jp\"", "\"kyoiku\""),
    );
    assert_eq!(error.code(), "E-JOBS-013");

    let error = fail(
        "figures-reminder",
        &FIGURES_REMINDER.replace(
            "agencies = [\"市長\",",
            "agencies = [\"市長\", \"市長部局\",",
        ),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-020",
            Some("figures_reminder.agencies[1]".to_owned()),
            Some((13, 19))
        )
    );

    let error = fail(
        "figures-reminder",
        &FIGURES_REMINDER.replace(
            "agencies = [\"市長\", \"教育委員会\", \"選挙管理委員会\"]",
            "agencies = []",
        ),
    );
    assert_eq!(error.code(), "E-JOBS-019");
}

#[test]
fn a_bad_address_names_its_place_in_the_list() {
    let error = fail(
        "annual-report",
        &annual_with(
            "\"総務課 <gikai@city.example.jp>\"",
            "\"総務課 gikai@city\"",
        ),
    );
    assert_eq!(
        place(&error),
        ("E-JOBS-013", Some("mail.to[1]".to_owned()), Some((7, 32)))
    );
    assert!(
        error
            .to_string()
            .contains("メールアドレス \"総務課 gikai@city\" を読めません"),
        "{error}"
    );
}

#[test]
fn a_report_needs_a_recipient() {
    let error = fail(
        "annual-report",
        &annual_with(
            "to = [\"soumu@city.example.jp\", \"総務課 <gikai@city.example.jp>\"]",
            "to = []",
        ),
    );
    assert_eq!(
        place(&error),
        ("E-JOBS-014", Some("mail.to".to_owned()), Some((7, 6)))
    );
}

#[test]
fn contract_review_folders_are_required_and_distinct() {
    let error = fail(
        "contract-review",
        &CONTRACT_REVIEW.replace("done = \"review/done\"\n", ""),
    );
    // The missing key points at its table.
    assert_eq!(
        place(&error),
        (
            "E-JOBS-006",
            Some("contract_review.done".to_owned()),
            Some((15, 2))
        )
    );
    let error = fail(
        "contract-review",
        &CONTRACT_REVIEW.replace("\"review/done\"", "\"review/inbox/\""),
    );
    assert_eq!(error.code(), "E-JOBS-024");
}

#[test]
fn values_of_the_wrong_type_or_word_are_refused() {
    let error = fail(
        "annual-report",
        &annual_with("schedule =", "on_closed_day = \"next-day\"\nschedule ="),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-004",
            Some("on_closed_day".to_owned()),
            Some((4, 17))
        )
    );
    assert!(
        error.to_string().ends_with(
            "値 \"next-day\" は使えません（使える値: `next-open-day`, `previous-open-day`, `run`）"
        ),
        "{error}"
    );

    let error = fail(
        "annual-report",
        &annual_with("import = \"incoming/figures\"", "years = \"3\""),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-005",
            Some("annual_report.years".to_owned()),
            Some((11, 9))
        )
    );

    let error = fail("annual-report", &annual_with("[mail]\n", "mail = 3\n[x]\n"));
    assert_eq!(error.code(), "E-JOBS-005");
    assert!(error.to_string().contains("expected a table"), "{error}");

    let error = fail(
        "annual-report",
        &annual_with("import = \"incoming/figures\"", "years = 21"),
    );
    assert_eq!(
        place(&error),
        (
            "E-JOBS-018",
            Some("annual_report.years".to_owned()),
            Some((11, 9))
        )
    );

    let error = fail(
        "annual-report",
        &annual_with("import = \"incoming/figures\"", "fiscal_year = \"last\""),
    );
    assert_eq!(error.code(), "E-JOBS-017");
}

#[test]
fn broken_toml_gives_the_line() {
    let error = fail(
        "annual-report",
        &annual_with("\"0 9 10 5 *\"", "\"0 9 10 5 *"),
    );
    assert_eq!(place(&error).0, "E-JOBS-002");
    assert_eq!(place(&error).2.map(|(line, _)| line), Some(4));
    let error = fail(
        "annual-report",
        &annual_with("schedule =", "name = \"again\"\nschedule ="),
    );
    assert_eq!(error.code(), "E-JOBS-002");
}

#[test]
fn an_unreadable_file_is_named() {
    let error = load_file(Path::new("/no/such/jobs/x.toml")).expect_err("missing");
    assert_eq!(error.code(), "E-JOBS-001");
    assert!(
        error
            .to_string()
            .starts_with("/no/such/jobs/x.toml: 読めません"),
        "{error}"
    );
}

// ---- folders ---------------------------------------------------------------------------------

#[test]
fn a_folder_loads_sorted_with_errors_for_bad_and_duplicate_files() {
    let city = tempfile::tempdir().expect("tempdir");
    let jobs = city.path().join("jobs");
    std::fs::create_dir(&jobs).expect("mkdir");
    let write = |name: &str, text: &str| std::fs::write(jobs.join(name), text).expect("write");
    write("figures-reminder.toml", FIGURES_REMINDER);
    write("annual-report.toml", ANNUAL_REPORT);
    // The same job saved again with an upper-case extension.
    write("annual-report.TOML", ANNUAL_REPORT);
    write("broken.toml", "name = \"broken\"\n");
    write("notes.txt", "not a job");
    std::fs::create_dir(jobs.join("old.toml")).expect("a folder named like a job");

    let loaded = load_dir(&jobs);
    let names: Vec<&str> = loaded.jobs.iter().map(JobSpec::name).collect();
    assert_eq!(names, ["annual-report", "figures-reminder"]);
    assert_eq!(loaded.jobs[0].base(), city.path());
    let errors: Vec<(&str, PathBuf)> = loaded
        .errors
        .iter()
        .map(|error| (error.code(), error.file().to_path_buf()))
        .collect();
    assert_eq!(
        errors,
        [
            ("E-JOBS-025", jobs.join("annual-report.toml")),
            ("E-JOBS-006", jobs.join("broken.toml")),
        ]
    );
    assert!(
        loaded.errors[0]
            .to_string()
            .contains("annual-report.TOML でも使われています"),
        "{}",
        loaded.errors[0]
    );
}

#[test]
fn a_missing_folder_has_no_jobs_and_no_errors() {
    let city = tempfile::tempdir().expect("tempdir");
    let loaded = load_dir(&city.path().join("jobs"));
    assert!(loaded.jobs.is_empty());
    assert!(loaded.errors.is_empty());
}

// ---- fingerprint -----------------------------------------------------------------------------

#[test]
fn the_fingerprint_follows_the_recipients_only() {
    let base = load("annual-report", ANNUAL_REPORT).recipients_fingerprint();
    assert_eq!(base.len(), 64);
    assert!(base.chars().all(|c| c.is_ascii_hexdigit()));

    let added = annual_with(
        "\"総務課 <gikai@city.example.jp>\"]",
        "\"総務課 <gikai@city.example.jp>\", \"kaikei@city.example.jp\"]",
    );
    assert_ne!(load("annual-report", &added).recipients_fingerprint(), base);
    let copied = annual_with("[mail]\n", "[mail]\ncc = [\"kaikei@city.example.jp\"]\n");
    assert_ne!(
        load("annual-report", &copied).recipients_fingerprint(),
        base
    );

    let subject = annual_with("年次報告\"", "年次報告（再送）\"\nbody = \"本文\"");
    assert_eq!(
        load("annual-report", &subject).recipients_fingerprint(),
        base
    );
    let reordered = annual_with(
        "[\"soumu@city.example.jp\", \"総務課 <gikai@city.example.jp>\"]",
        "[\"gikai@city.example.jp\", \"soumu@city.example.jp\", \"soumu@city.example.jp\"]",
    );
    assert_eq!(
        load("annual-report", &reordered).recipients_fingerprint(),
        base
    );

    let reminder = load("figures-reminder", FIGURES_REMINDER).recipients_fingerprint();
    let moved = FIGURES_REMINDER.replace("kyoiku@city.example.jp", "kyoiku2@city.example.jp");
    assert_ne!(
        load("figures-reminder", &moved).recipients_fingerprint(),
        reminder
    );
}
