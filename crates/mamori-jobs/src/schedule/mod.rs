//! When a job fires: a cron pattern read in a time zone ([`Schedule`]), moved off the days city
//! hall is closed ([`ClosedDays`], [`OnClosedDay`]) into a stream of [`Fire`]s, and what to do
//! about fires that passed while the daemon was not running ([`catch_up`]).
//!
//! Patterns follow croner 4 with Vixie semantics: five fields (minute, hour, day of month, month,
//! day of week) with an optional leading seconds field, Sunday as `0` or `7`, `L`, `#` and `W`,
//! and day of month OR-ed with day of week when both are restricted. In a DST gap a fixed-time
//! job runs at the first instant after the gap; in an overlap it runs once, at the earlier instant.
//!
//! A fire's `at` (after moving) is its identity: the daemon records the last handled `at` and
//! asks for the fires after it, so every fire is handled exactly once.

pub mod catch_up;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::errors::CronError;
use croner::parser::{CronParser, Seconds, Year};

pub use self::catch_up::{CatchUp, Due, MAX_LISTED_MISSED, ON_TIME, due};

/// The longest run of closed days a fire is moved across. A fire that finds no open day within
/// this many days keeps its nominal time. Japanese closed runs are at most about ten days
/// (年末年始 plus a weekend, or Golden Week); the margin is for a city's extra closed days.
pub const MAX_MOVE_DAYS: u32 = 40;

/// The longest gap between two nominal fires the search bridges. A pattern that does not fire
/// again within this span (five years, longer than the four years between two 29 Februaries)
/// ends the stream of fires instead of searching on.
pub const MAX_GAP: Duration = Duration::days(5 * 366);

/// A cron pattern in a time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    cron: Cron,
    zone: Tz,
    pattern: String,
}

/// Why a cron pattern was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// croner could not parse the pattern.
    #[error("cannot read the cron pattern `{pattern}`")]
    Invalid {
        pattern: String,
        #[source]
        source: CronError,
    },
    /// The pattern parses but matches no time at all (e.g. `0 9 30 2 *`, 30 February).
    #[error("the cron pattern `{pattern}` never fires")]
    NeverFires { pattern: String },
}

impl ScheduleError {
    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        match self {
            ScheduleError::Invalid { pattern, .. } | ScheduleError::NeverFires { pattern } => {
                pattern
            }
        }
    }

    /// croner's reason, when croner refused the pattern.
    pub fn cron_error(&self) -> Option<&CronError> {
        match self {
            ScheduleError::Invalid { source, .. } => Some(source),
            ScheduleError::NeverFires { .. } => None,
        }
    }
}

impl Schedule {
    /// Parses a 5-field pattern (or 6 fields with leading seconds) to be read in `zone`.
    ///
    /// A pattern that never matches (30 February, 31 April) is refused here, so that no caller
    /// has to tell "no more fires" from "never".
    pub fn parse(pattern: &str, zone: Tz) -> Result<Schedule, ScheduleError> {
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .dom_and_dow(false)
            .build();
        let cron = parser
            .parse(pattern)
            .map_err(|source| ScheduleError::Invalid {
                pattern: pattern.to_owned(),
                source,
            })?;
        // A fixed probe keeps parsing deterministic; any pattern that fires at all fires within
        // croner's search limit of any start (the calendar repeats every 28 years at most for the
        // fields a pattern can name).
        let probe = zone.from_utc_datetime(&PROBE_START);
        if cron.find_next_occurrence(&probe, false).is_err() {
            return Err(ScheduleError::NeverFires {
                pattern: pattern.to_owned(),
            });
        }
        Ok(Schedule {
            cron,
            zone,
            pattern: pattern.to_owned(),
        })
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The time zone the pattern is read in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The first nominal time matching the pattern at or after (`inclusive`) or strictly after
    /// `start`, or `None` when croner gives up.
    fn nominal_after(&self, start: &DateTime<Tz>, inclusive: bool) -> Option<DateTime<Tz>> {
        self.cron.find_next_occurrence(start, inclusive).ok()
    }
}

/// 2000-01-01 00:00 UTC, where [`Schedule::parse`] probes a pattern.
const PROBE_START: NaiveDateTime = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(date) => date.and_time(NaiveTime::MIN),
    None => NaiveDateTime::MIN,
};

/// The days city hall is closed: weekends, national holidays and 年末年始 (from
/// [`mamori_core::calendar`]) plus the city's own extra closed days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClosedDays {
    extra: BTreeMap<NaiveDate, String>,
}

impl ClosedDays {
    /// The national calendar plus `extra` days, each with the reason shown to staff (e.g.
    /// `創立記念日`).
    pub fn new(extra: BTreeMap<NaiveDate, String>) -> Self {
        ClosedDays { extra }
    }

    /// The national calendar only.
    pub fn none() -> Self {
        ClosedDays::default()
    }

    /// Why city hall is closed on `date` (`土曜日`, `みどりの日`, `年末年始`, or the extra day's
    /// reason), or `None` on an open day. An extra day's reason wins over the calendar's.
    pub fn closed(&self, date: NaiveDate) -> Option<String> {
        if let Some(reason) = self.extra.get(&date) {
            return Some(reason.clone());
        }
        mamori_core::calendar::closed(date).map(|closed| closed.label().to_owned())
    }

    fn is_closed(&self, date: NaiveDate) -> bool {
        self.extra.contains_key(&date) || mamori_core::calendar::closed(date).is_some()
    }

    /// The first open day after `date` (exclusive), within [`MAX_MOVE_DAYS`].
    fn next_open(&self, date: NaiveDate) -> Option<NaiveDate> {
        let mut day = date;
        for _ in 0..MAX_MOVE_DAYS {
            day = day.succ_opt()?;
            if !self.is_closed(day) {
                return Some(day);
            }
        }
        None
    }

    /// The last open day before `date` (exclusive), within [`MAX_MOVE_DAYS`].
    fn previous_open(&self, date: NaiveDate) -> Option<NaiveDate> {
        let mut day = date;
        for _ in 0..MAX_MOVE_DAYS {
            day = day.pred_opt()?;
            if !self.is_closed(day) {
                return Some(day);
            }
        }
        None
    }
}

/// What happens to a fire that falls on a closed day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OnClosedDay {
    /// Run on the next open day, at the same wall-clock time.
    NextOpenDay,
    /// Run on the previous open day, at the same wall-clock time.
    PreviousOpenDay,
    /// Run anyway.
    Run,
}

/// One run of a job, as the schedule says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fire {
    /// When it runs, after moving off a closed day: the run's identity ("scheduled time").
    pub at: DateTime<Utc>,
    /// What the cron pattern said.
    pub nominal: DateTime<Utc>,
    /// Why it was moved, as `2026-05-04 みどりの日` (the nominal date in the schedule's zone and
    /// why that day is closed); `None` when `at == nominal`.
    pub moved_because: Option<String>,
}

/// The fires with `at > after`, in strictly increasing `at`.
///
/// Fires on closed days move to the next or previous open day (judged by the date in the
/// schedule's zone), keeping their wall-clock time. Several fires that land on the same `at`
/// collapse into one; the kept one is the fire that was not moved if there is one, else the
/// earliest nominal fire. Under [`OnClosedDay::NextOpenDay`] a nominal fire before `after` can
/// move past it, so the scan starts at the beginning of the run of closed days just before
/// `after`'s date (at most [`MAX_MOVE_DAYS`] back); under [`OnClosedDay::PreviousOpenDay`] a
/// fire moved to `after` or earlier is dropped.
///
/// The stream ends when the pattern does not fire again within [`MAX_GAP`], so it never hangs.
pub fn fires_after<'a>(
    schedule: &'a Schedule,
    policy: OnClosedDay,
    closed: &'a ClosedDays,
    after: DateTime<Utc>,
) -> impl Iterator<Item = Fire> + use<'a> {
    Fires::new(schedule, policy, closed, after)
}

/// The first `count` fires after `after` (fewer if the schedule runs out).
pub fn next_fires(
    schedule: &Schedule,
    policy: OnClosedDay,
    closed: &ClosedDays,
    after: DateTime<Utc>,
    count: usize,
) -> Vec<Fire> {
    fires_after(schedule, policy, closed, after)
        .take(count)
        .collect()
}

/// The iterator behind [`fires_after`].
///
/// Moving fires breaks the order of the nominal times (Saturday 18:00 moves to Monday 18:00,
/// after Sunday 09:00's move to Monday 09:00), so moved fires wait in `pending` until no later
/// nominal fire can land before them: see [`Fires::lower_bound`].
#[derive(Debug)]
struct Fires<'a> {
    schedule: &'a Schedule,
    policy: OnClosedDay,
    closed: &'a ClosedDays,
    after: DateTime<Utc>,
    /// Where the next nominal search starts.
    cursor: DateTime<Tz>,
    /// Whether the next search includes `cursor` itself (only the very first does).
    inclusive: bool,
    /// The next nominal fire, once looked up; `Some(None)` when the pattern ran out.
    peeked: Option<Option<DateTime<Tz>>>,
    /// Placed fires not yet yielded, by `at`.
    pending: BTreeMap<DateTime<Utc>, Fire>,
    /// The last yielded `at`, to keep the output strictly increasing.
    last: Option<DateTime<Utc>>,
}

impl<'a> Fires<'a> {
    fn new(
        schedule: &'a Schedule,
        policy: OnClosedDay,
        closed: &'a ClosedDays,
        after: DateTime<Utc>,
    ) -> Self {
        let zone = schedule.zone;
        let (cursor, inclusive) = match policy {
            OnClosedDay::NextOpenDay => {
                // Fires on the closed days just before `after`'s date move to `after`'s date or
                // later, so the scan starts at the first of those days.
                let mut first = after.with_timezone(&zone).date_naive();
                for _ in 0..MAX_MOVE_DAYS {
                    match first.pred_opt() {
                        Some(before) if closed.is_closed(before) => first = before,
                        _ => break,
                    }
                }
                let start = local_instant(zone, first.and_time(NaiveTime::MIN))
                    .min(after.with_timezone(&zone));
                (start, true)
            }
            OnClosedDay::PreviousOpenDay | OnClosedDay::Run => (after.with_timezone(&zone), false),
        };
        Fires {
            schedule,
            policy,
            closed,
            after,
            cursor,
            inclusive,
            peeked: None,
            pending: BTreeMap::new(),
            last: None,
        }
    }

    /// The next nominal fire, without consuming it.
    fn peek_nominal(&mut self) -> Option<DateTime<Tz>> {
        if let Some(peeked) = self.peeked {
            return peeked;
        }
        let next = self
            .schedule
            .nominal_after(&self.cursor, self.inclusive)
            .filter(|next| next.signed_duration_since(self.cursor) <= MAX_GAP);
        self.peeked = Some(next);
        next
    }

    fn consume_nominal(&mut self, nominal: DateTime<Tz>) {
        self.cursor = nominal;
        self.inclusive = false;
        self.peeked = None;
    }

    /// No fire placed from `nominal` or any later nominal time has an `at` before this.
    fn lower_bound(&self, nominal: DateTime<Tz>) -> DateTime<Utc> {
        match self.policy {
            // Moving forward never goes before the nominal time.
            OnClosedDay::NextOpenDay | OnClosedDay::Run => nominal.with_timezone(&Utc),
            // Moving back lands on the last open day up to the nominal date, which only grows
            // with the nominal date. The margin covers any zone offset.
            OnClosedDay::PreviousOpenDay => {
                let date = nominal.date_naive();
                let open = if self.closed.is_closed(date) {
                    self.closed.previous_open(date)
                } else {
                    Some(date)
                };
                let floor = open
                    .or_else(|| date.checked_sub_days(chrono::Days::new(u64::from(MAX_MOVE_DAYS))))
                    .unwrap_or(NaiveDate::MIN);
                floor.and_time(NaiveTime::MIN).and_utc() - Duration::hours(26)
            }
        }
    }

    /// Where the fire of `nominal` runs.
    fn place(&self, nominal: DateTime<Tz>) -> Fire {
        let unmoved = Fire {
            at: nominal.with_timezone(&Utc),
            nominal: nominal.with_timezone(&Utc),
            moved_because: None,
        };
        if self.policy == OnClosedDay::Run {
            return unmoved;
        }
        let local = nominal.naive_local();
        let date = local.date();
        let Some(reason) = self.closed.closed(date) else {
            return unmoved;
        };
        let target = match self.policy {
            OnClosedDay::NextOpenDay => self.closed.next_open(date),
            OnClosedDay::PreviousOpenDay => self.closed.previous_open(date),
            OnClosedDay::Run => None,
        };
        let Some(target) = target else {
            return unmoved;
        };
        Fire {
            at: local_instant(self.schedule.zone, target.and_time(local.time()))
                .with_timezone(&Utc),
            nominal: unmoved.nominal,
            moved_because: Some(format!("{date} {reason}")),
        }
    }

    fn hold(&mut self, fire: Fire) {
        match self.pending.get(&fire.at) {
            // Keep the fire that was not moved, else the earliest (the first one held).
            Some(held) if held.moved_because.is_none() || fire.moved_because.is_some() => {}
            _ => {
                self.pending.insert(fire.at, fire);
            }
        }
    }
}

impl Iterator for Fires<'_> {
    type Item = Fire;

    fn next(&mut self) -> Option<Fire> {
        loop {
            let nominal = self.peek_nominal();
            if let Some(&first) = self.pending.keys().next() {
                let ready = match nominal {
                    Some(nominal) => first < self.lower_bound(nominal),
                    None => true,
                };
                if ready {
                    if let Some((at, fire)) = self.pending.pop_first()
                        && at > self.after
                        && self.last.is_none_or(|last| at > last)
                    {
                        self.last = Some(at);
                        return Some(fire);
                    }
                    continue;
                }
            }
            let nominal = nominal?;
            self.consume_nominal(nominal);
            let fire = self.place(nominal);
            self.hold(fire);
        }
    }
}

/// The instant of a wall-clock time in `zone`: the earlier one in an overlap, the first instant
/// after the gap in a gap (as croner does for fixed-time jobs).
fn local_instant(zone: Tz, local: NaiveDateTime) -> DateTime<Tz> {
    if let Some(instant) = zone.from_local_datetime(&local).earliest() {
        return instant;
    }
    // Gaps last an hour or two; look for the first wall-clock second that exists.
    let mut probe = local;
    for _ in 0..(3 * 3600) {
        probe += Duration::seconds(1);
        if let Some(instant) = zone.from_local_datetime(&probe).earliest() {
            return instant;
        }
    }
    // Unreachable in real zones; read the time as UTC rather than fail.
    zone.from_utc_datetime(&local)
}

#[cfg(test)]
mod tests;
