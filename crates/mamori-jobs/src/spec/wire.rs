//! The job file as written: serde structs that mirror `jobs/*.toml` key by key.
//!
//! These docs are the reference for the format. Keys are snake_case, and each key with an
//! underscore also accepts its kebab-case spelling (`catch-up`, `on-closed-day`). Unknown keys
//! are refused. Every field is optional here; [`crate::spec::JobSpec`]'s conversion reports the
//! missing required ones with the file and key, fills in defaults and checks every value.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One job file, `jobs/<name>.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobFileWire {
    /// Required. The job's name: lower-case ASCII letters, digits and `-`, equal to the file name
    /// without `.toml`.
    pub name: Option<String>,
    /// A line for staff saying what the job does.
    pub description: Option<String>,
    /// Required. When the job fires: a 5-field cron pattern (minute hour day-of-month month
    /// day-of-week), optionally with a leading seconds field. Sunday is `0` or `7`; `L` (last),
    /// `#` (nth weekday) and `W` (nearest weekday) work; when both day fields are restricted a
    /// day matching either fires (Vixie cron).
    pub schedule: Option<String>,
    /// The IANA time zone the pattern is read in. Default `Asia/Tokyo`.
    pub timezone: Option<String>,
    /// What to do when a fire falls on a day city hall is closed (weekends, national holidays,
    /// 29 December – 3 January, the city's extra days). Default `next-open-day`.
    #[serde(alias = "on-closed-day")]
    pub on_closed_day: Option<OnClosedDayWire>,
    /// What to do when there is nothing to report. Default `notify`.
    #[serde(alias = "when-empty")]
    pub when_empty: Option<WhenEmptyWire>,
    /// Whether the job fires at all. Default `true`.
    pub enabled: Option<bool>,
    /// What to do about fires missed while mamori was not running. Default policy `once` with a
    /// window of `1d`.
    #[serde(alias = "catch-up")]
    pub catch_up: Option<CatchUpWire>,
    /// Who gets the job's mail, and its wording.
    pub mail: Option<MailWire>,
    /// The job mails the annual report (年次報告). Exactly one of the three kind tables is given.
    #[serde(alias = "annual-report")]
    pub annual_report: Option<AnnualReportWire>,
    /// The job audits contracts dropped into a folder. Exactly one of the three kind tables is
    /// given.
    #[serde(alias = "contract-review")]
    pub contract_review: Option<ContractReviewWire>,
    /// The job reminds 実施機関 to send their figures. Exactly one of the three kind tables is
    /// given.
    #[serde(alias = "figures-reminder")]
    pub figures_reminder: Option<FiguresReminderWire>,
}

/// `on_closed_day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnClosedDayWire {
    /// Run on the next open day at the same time.
    NextOpenDay,
    /// Run on the previous open day at the same time.
    PreviousOpenDay,
    /// Run anyway.
    Run,
}

/// `when_empty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenEmptyWire {
    /// Send a "nothing to report" notice.
    Notify,
    /// Send nothing; the run log says it skipped.
    Skip,
}

/// `[catch_up]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatchUpWire {
    /// `once`: run the latest missed fire once if it is at most `window` old; `skip`: run only
    /// on time. Default `once`.
    pub policy: Option<CatchUpPolicyWire>,
    /// How old a missed fire may be and still run, with policy `once`: an integer and a unit,
    /// `s`, `m`, `h` or `d` (`90m`, `6h`, `3d`). Default `1d`.
    pub window: Option<String>,
}

/// `catch_up.policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CatchUpPolicyWire {
    /// Run the latest missed fire once, within the window.
    Once,
    /// Never run late.
    Skip,
}

/// `[mail]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailWire {
    /// Recipients, as `local@domain` or `名前 <local@domain>`. Required (non-empty) except for
    /// `figures_reminder`, whose mail goes to each agency's contact.
    pub to: Option<Vec<String>>,
    /// Copy recipients, in the same form.
    pub cc: Option<Vec<String>>,
    /// The subject: a template (minijinja syntax).
    pub subject: Option<String>,
    /// The body: a template (minijinja syntax).
    pub body: Option<String>,
}

/// `[annual_report]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnualReportWire {
    /// A folder of figures to import before the report, relative to the folder that holds
    /// `jobs/`.
    pub import: Option<String>,
    /// The fiscal year to report: `previous` (the one that ended before the fire date; the
    /// default) or a year such as `令和4年度`, `R4` or `2022`.
    #[serde(alias = "fiscal-year")]
    pub fiscal_year: Option<String>,
    /// How many fiscal years the report compares, 1 to 20. Default 3.
    pub years: Option<i64>,
    /// The report formats attached to the mail: `xlsx`, `csv`, `html`, `md`, `json`. Default
    /// `["xlsx"]`.
    pub attach: Option<Vec<AttachWire>>,
}

/// One entry of `annual_report.attach`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachWire {
    /// An Excel workbook.
    Xlsx,
    /// CSV.
    Csv,
    /// An HTML page.
    Html,
    /// Markdown.
    Md,
    /// JSON.
    Json,
}

/// `[contract_review]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractReviewWire {
    /// Required. The folder contracts are dropped into, relative to the folder that holds
    /// `jobs/`.
    pub inbox: Option<String>,
    /// Required. The folder audited contracts are moved to; not the inbox.
    pub done: Option<String>,
    /// Send one digest of everything audited in the run. Default `true`.
    pub digest: Option<bool>,
    /// Send one mail per audited file. Default `true`.
    #[serde(alias = "per-file")]
    pub per_file: Option<bool>,
    /// Treat an annex (別記) as part of the contract when auditing. Default `false`.
    pub annex: Option<bool>,
}

/// `[figures_reminder]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresReminderWire {
    /// The fiscal year whose figures are due: `previous` (the default) or a year such as
    /// `令和4年度`, `R4` or `2022`.
    #[serde(alias = "fiscal-year")]
    pub fiscal_year: Option<String>,
    /// Required, non-empty. The 実施機関 that must send figures.
    pub agencies: Option<Vec<String>>,
    /// Required: for every agency, the address that gets its reminder.
    pub contacts: Option<BTreeMap<String, String>>,
}
