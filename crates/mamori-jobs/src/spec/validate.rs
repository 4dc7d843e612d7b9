//! From the wire structs to a [`JobSpec`]: required keys, defaults, and every value checked, each
//! failure naming its key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Duration;
use chrono_tz::Tz;
use mamori_core::{Agency, FiscalYear};

use crate::schedule::{CatchUp, OnClosedDay, Schedule};
use crate::spec::error::{KeyPath, SpecError, SpecErrorKind};
use crate::spec::wire::{
    AnnualReportWire, AttachWire, CatchUpPolicyWire, CatchUpWire, ContractReviewWire,
    FiguresReminderWire, JobFileWire, MailWire, OnClosedDayWire, WhenEmptyWire,
};
use crate::spec::{
    AnnualReportSpec, AttachFormat, ContractReviewSpec, FiguresReminderSpec, FiscalYearChoice,
    JobKind, JobSpec, MailSpec, WhenEmpty,
};

/// The time zone of a job that names none.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Tokyo;

/// The catch-up window of a job that names none.
pub const DEFAULT_WINDOW: Duration = Duration::days(1);

/// How many fiscal years an annual report compares unless the job says otherwise.
pub const DEFAULT_YEARS: u8 = 3;

/// A job file as read, with the path it was read from (which names the job and anchors its
/// relative paths). Converts into a [`JobSpec`] with `TryFrom`; the error names the key but not
/// yet the line, which [`crate::spec::parse`] adds from the text.
#[derive(Debug, Clone)]
pub struct JobFile {
    pub path: PathBuf,
    pub wire: JobFileWire,
}

impl TryFrom<JobFile> for JobSpec {
    type Error = SpecError;

    fn try_from(file: JobFile) -> Result<JobSpec, SpecError> {
        let checker = Checker {
            file: &file.path,
            base: base_of(&file.path),
        };
        checker.job(file.wire)
    }
}

/// The folder relative paths resolve against: the parent of the folder holding `file`.
fn base_of(file: &Path) -> PathBuf {
    let folder = match file.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    if folder.file_name().is_none() {
        // `.`, `..` or a root: go up by name.
        return folder.join("..");
    }
    match folder.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

struct Checker<'a> {
    file: &'a Path,
    base: PathBuf,
}

impl Checker<'_> {
    fn error(&self, key: KeyPath, kind: SpecErrorKind) -> SpecError {
        SpecError::new(self.file, Some(key), kind)
    }

    fn job(&self, wire: JobFileWire) -> Result<JobSpec, SpecError> {
        let name = self.name(wire.name)?;
        let zone = match wire.timezone {
            None => DEFAULT_TIME_ZONE,
            Some(zone) => zone.parse::<Tz>().map_err(|_| {
                self.error(
                    KeyPath::of(&["timezone"]),
                    SpecErrorKind::UnknownTimeZone { zone },
                )
            })?,
        };
        let schedule_key = KeyPath::of(&["schedule"]);
        let pattern = wire
            .schedule
            .ok_or_else(|| self.error(schedule_key.clone(), SpecErrorKind::MissingKey))?;
        let schedule = Schedule::parse(&pattern, zone)
            .map_err(|error| self.error(schedule_key, SpecErrorKind::BadSchedule { error }))?;
        let catch_up = self.catch_up(wire.catch_up.unwrap_or_default())?;
        let kind = self.kind(
            wire.annual_report,
            wire.contract_review,
            wire.figures_reminder,
        )?;
        let needs_recipients = !matches!(kind, JobKind::FiguresReminder(_));
        let mail = self.mail(wire.mail.unwrap_or_default(), needs_recipients)?;
        Ok(JobSpec {
            name,
            description: wire.description,
            file: self.file.to_path_buf(),
            base: self.base.clone(),
            schedule,
            on_closed_day: match wire.on_closed_day {
                None | Some(OnClosedDayWire::NextOpenDay) => OnClosedDay::NextOpenDay,
                Some(OnClosedDayWire::PreviousOpenDay) => OnClosedDay::PreviousOpenDay,
                Some(OnClosedDayWire::Run) => OnClosedDay::Run,
            },
            when_empty: match wire.when_empty {
                None | Some(WhenEmptyWire::Notify) => WhenEmpty::Notify,
                Some(WhenEmptyWire::Skip) => WhenEmpty::Skip,
            },
            catch_up,
            enabled: wire.enabled.unwrap_or(true),
            mail,
            kind,
        })
    }

    fn name(&self, name: Option<String>) -> Result<String, SpecError> {
        let key = KeyPath::of(&["name"]);
        let name = name.ok_or_else(|| self.error(key.clone(), SpecErrorKind::MissingKey))?;
        if name.is_empty() {
            return Err(self.error(key, SpecErrorKind::Empty));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(self.error(key, SpecErrorKind::BadName { name }));
        }
        let stem = self
            .file
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        if stem != name {
            return Err(self.error(key, SpecErrorKind::NameMismatch { name, stem }));
        }
        Ok(name)
    }

    fn catch_up(&self, wire: CatchUpWire) -> Result<CatchUp, SpecError> {
        let window_key = KeyPath::of(&["catch_up", "window"]);
        match (wire.policy, wire.window) {
            (Some(CatchUpPolicyWire::Skip), Some(_)) => {
                Err(self.error(window_key, SpecErrorKind::WindowWithoutOnce))
            }
            (Some(CatchUpPolicyWire::Skip), None) => Ok(CatchUp::Skip),
            (None | Some(CatchUpPolicyWire::Once), None) => Ok(CatchUp::Once {
                window: DEFAULT_WINDOW,
            }),
            (None | Some(CatchUpPolicyWire::Once), Some(text)) => match parse_duration(&text) {
                Some(window) => Ok(CatchUp::Once { window }),
                None => Err(self.error(window_key, SpecErrorKind::BadDuration { text })),
            },
        }
    }

    fn kind(
        &self,
        annual_report: Option<AnnualReportWire>,
        contract_review: Option<ContractReviewWire>,
        figures_reminder: Option<FiguresReminderWire>,
    ) -> Result<JobKind, SpecError> {
        let present: Vec<&str> = [
            annual_report.is_some().then_some("annual_report"),
            contract_review.is_some().then_some("contract_review"),
            figures_reminder.is_some().then_some("figures_reminder"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let [_, second, ..] = present.as_slice() {
            return Err(self.error(
                KeyPath::of(&[second]),
                SpecErrorKind::SeveralKinds {
                    kinds: present.iter().map(|kind| (*kind).to_owned()).collect(),
                },
            ));
        }
        if let Some(wire) = annual_report {
            return self.annual_report(wire).map(JobKind::AnnualReport);
        }
        if let Some(wire) = contract_review {
            return self.contract_review(wire).map(JobKind::ContractReview);
        }
        if let Some(wire) = figures_reminder {
            return self.figures_reminder(wire).map(JobKind::FiguresReminder);
        }
        Err(SpecError::new(self.file, None, SpecErrorKind::NoKind))
    }

    fn annual_report(&self, wire: AnnualReportWire) -> Result<AnnualReportSpec, SpecError> {
        let table = KeyPath::of(&["annual_report"]);
        let import = wire
            .import
            .map(|import| self.folder(table.key("import"), &import))
            .transpose()?;
        let fiscal_year = self.fiscal_year(table.key("fiscal_year"), wire.fiscal_year)?;
        let years = match wire.years {
            None => DEFAULT_YEARS,
            Some(years) => u8::try_from(years)
                .ok()
                .filter(|years| (1..=20).contains(years))
                .ok_or_else(|| {
                    self.error(table.key("years"), SpecErrorKind::YearsOutOfRange { years })
                })?,
        };
        let mut attach = Vec::new();
        for format in wire.attach.unwrap_or_else(|| vec![AttachWire::Xlsx]) {
            let format = match format {
                AttachWire::Xlsx => AttachFormat::Xlsx,
                AttachWire::Csv => AttachFormat::Csv,
                AttachWire::Html => AttachFormat::Html,
                AttachWire::Md => AttachFormat::Md,
                AttachWire::Json => AttachFormat::Json,
            };
            if !attach.contains(&format) {
                attach.push(format);
            }
        }
        Ok(AnnualReportSpec {
            import,
            fiscal_year,
            years,
            attach,
        })
    }

    fn contract_review(&self, wire: ContractReviewWire) -> Result<ContractReviewSpec, SpecError> {
        let table = KeyPath::of(&["contract_review"]);
        let required = |key: &str, value: Option<String>| match value {
            Some(value) => self.folder(table.key(key), &value),
            None => Err(self.error(table.key(key), SpecErrorKind::MissingKey)),
        };
        let inbox = required("inbox", wire.inbox)?;
        let done = required("done", wire.done)?;
        // Inside the inbox, audited files would be read again at every run.
        if done.starts_with(&inbox) {
            return Err(self.error(table.key("done"), SpecErrorKind::DoneIsInbox));
        }
        Ok(ContractReviewSpec {
            inbox,
            done,
            digest: wire.digest.unwrap_or(true),
            per_file: wire.per_file.unwrap_or(true),
            annex: wire.annex.unwrap_or(false),
        })
    }

    fn figures_reminder(
        &self,
        wire: FiguresReminderWire,
    ) -> Result<FiguresReminderSpec, SpecError> {
        let table = KeyPath::of(&["figures_reminder"]);
        let fiscal_year = self.fiscal_year(table.key("fiscal_year"), wire.fiscal_year)?;
        let agencies_key = table.key("agencies");
        let written = wire
            .agencies
            .ok_or_else(|| self.error(agencies_key.clone(), SpecErrorKind::MissingKey))?;
        if written.is_empty() {
            return Err(self.error(agencies_key, SpecErrorKind::NoAgencies));
        }
        let mut agencies = Vec::new();
        for (index, name) in written.iter().enumerate() {
            let key = agencies_key.index(index);
            let agency =
                Agency::new(name).ok_or_else(|| self.error(key.clone(), SpecErrorKind::Empty))?;
            if agencies.contains(&agency) {
                return Err(self.error(
                    key,
                    SpecErrorKind::DuplicateAgency {
                        agency: name.clone(),
                    },
                ));
            }
            agencies.push(agency);
        }
        let contacts_key = table.key("contacts");
        let written_contacts = wire
            .contacts
            .ok_or_else(|| self.error(contacts_key.clone(), SpecErrorKind::MissingKey))?;
        let mut contacts = BTreeMap::new();
        for (name, address) in written_contacts {
            let key = contacts_key.key(&name);
            let agency =
                Agency::new(&name).ok_or_else(|| self.error(key.clone(), SpecErrorKind::Empty))?;
            if !agencies.contains(&agency) {
                return Err(self.error(key, SpecErrorKind::UnknownContact { agency: name }));
            }
            if contacts.contains_key(&agency) {
                return Err(self.error(key, SpecErrorKind::DuplicateAgency { agency: name }));
            }
            self.address(key, &address)?;
            contacts.insert(agency, address);
        }
        for (index, agency) in agencies.iter().enumerate() {
            if !contacts.contains_key(agency) {
                return Err(self.error(
                    agencies_key.index(index),
                    SpecErrorKind::MissingContact {
                        agency: written[index].clone(),
                    },
                ));
            }
        }
        Ok(FiguresReminderSpec {
            fiscal_year,
            agencies,
            contacts,
        })
    }

    fn mail(&self, wire: MailWire, needs_recipients: bool) -> Result<MailSpec, SpecError> {
        let table = KeyPath::of(&["mail"]);
        let to = wire.to.unwrap_or_default();
        let cc = wire.cc.unwrap_or_default();
        for (list, addresses) in [("to", &to), ("cc", &cc)] {
            for (index, address) in addresses.iter().enumerate() {
                self.address(table.key(list).index(index), address)?;
            }
        }
        if needs_recipients && to.is_empty() {
            return Err(self.error(table.key("to"), SpecErrorKind::NoRecipients));
        }
        Ok(MailSpec {
            to,
            cc,
            subject: wire.subject,
            body: wire.body,
        })
    }

    fn address(&self, key: KeyPath, address: &str) -> Result<(), SpecError> {
        match address_part(address) {
            Some(_) => Ok(()),
            None => Err(self.error(
                key,
                SpecErrorKind::BadAddress {
                    address: address.to_owned(),
                },
            )),
        }
    }

    fn fiscal_year(
        &self,
        key: KeyPath,
        text: Option<String>,
    ) -> Result<FiscalYearChoice, SpecError> {
        match text {
            None => Ok(FiscalYearChoice::Previous),
            Some(text) if text == "previous" => Ok(FiscalYearChoice::Previous),
            Some(text) => match FiscalYear::parse(&text) {
                Ok(year) => Ok(FiscalYearChoice::Year(year)),
                Err(error) => Err(self.error(key, SpecErrorKind::BadFiscalYear { text, error })),
            },
        }
    }

    /// A folder written in the job file, resolved against the base.
    fn folder(&self, key: KeyPath, text: &str) -> Result<PathBuf, SpecError> {
        if text.trim().is_empty() {
            return Err(self.error(key, SpecErrorKind::Empty));
        }
        Ok(self.base.join(text))
    }
}

/// Reads `90m`, `6h`, `3d`: a positive integer and a unit, `s`, `m`, `h` or `d`.
fn parse_duration(text: &str) -> Option<Duration> {
    let unit_at = text.len().checked_sub(1)?;
    if !text.is_char_boundary(unit_at) {
        return None;
    }
    let (digits, unit) = text.split_at(unit_at);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let count: i64 = digits.parse().ok()?;
    let seconds_per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    if count == 0 {
        return None;
    }
    Duration::try_seconds(count.checked_mul(seconds_per_unit)?)
}

/// The `local@domain` part of `local@domain` or `名前 <local@domain>`, if it looks like an
/// address: one `@`, a non-empty local part, a domain of non-empty dot-separated labels, and no
/// spaces or brackets.
pub(crate) fn address_part(text: &str) -> Option<&str> {
    let text = text.trim();
    let address = match text.find('<') {
        Some(open) => {
            let inner = text.strip_suffix('>')?.get(open + 1..)?;
            if text[..open].contains('>') {
                return None;
            }
            inner
        }
        None => text,
    };
    let (local, domain) = address.split_once('@')?;
    let plain = |part: &str| {
        !part.is_empty()
            && !part.chars().any(|c| {
                c.is_whitespace() || matches!(c, '@' | '<' | '>' | '(' | ')' | ',' | ';' | '"')
            })
    };
    let valid = plain(local) && plain(domain) && domain.split('.').all(|label| !label.is_empty());
    valid.then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_an_integer_and_a_unit() {
        assert_eq!(parse_duration("90m"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("6h"), Some(Duration::hours(6)));
        assert_eq!(parse_duration("3d"), Some(Duration::days(3)));
        assert_eq!(parse_duration("45s"), Some(Duration::seconds(45)));
        for bad in [
            "",
            "d",
            "3x",
            "3",
            "1.5h",
            "-1d",
            "0d",
            "3 d",
            "３d",
            "1日",
            "99999999999999999d",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn addresses_may_carry_a_display_name() {
        assert_eq!(
            address_part("soumu@city.example.jp"),
            Some("soumu@city.example.jp")
        );
        assert_eq!(
            address_part("総務課 <gikai@city.example.jp>"),
            Some("gikai@city.example.jp")
        );
        assert_eq!(address_part("<a@localhost>"), Some("a@localhost"));
        for bad in [
            "",
            "soumu",
            "soumu@",
            "@city.example.jp",
            "so umu@city.example.jp",
            "a@b@c",
            "a@city..jp",
            "a@.jp",
            "総務課 <gikai@city.example.jp",
            "総務課 gikai@city.example.jp",
            "a@b, c@d",
        ] {
            assert_eq!(address_part(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_base_is_the_parent_of_the_jobs_folder() {
        assert_eq!(base_of(Path::new("/x/jobs/a.toml")), PathBuf::from("/x"));
        assert_eq!(base_of(Path::new("jobs/a.toml")), PathBuf::from("."));
        assert_eq!(base_of(Path::new("a.toml")), PathBuf::from("./.."));
        assert_eq!(
            base_of(Path::new("/work/city/jobs/a.toml")),
            PathBuf::from("/work/city")
        );
    }
}
