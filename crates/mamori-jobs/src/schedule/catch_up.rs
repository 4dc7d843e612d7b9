//! Fires that passed while the daemon was not looking: which one runs late, which are only
//! reported as missed.
//!
//! The daemon remembers the `at` of the last fire it handled (run or missed) and, on every wake-up,
//! asks [`due`] about the fires since then. Handling each answer and moving `since` to
//! [`Due::handled_until`] handles every fire exactly once.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use crate::schedule::{ClosedDays, Fire, OnClosedDay, Schedule, fires_after};

/// How late a fire may be and still count as on time: the daemon wakes at the fire time, give or
/// take a slow start.
pub const ON_TIME: Duration = Duration::minutes(2);

/// How many missed fires [`Due::missed`] lists; [`Due::missed_count`] counts them all.
pub const MAX_LISTED_MISSED: usize = 100;

/// What to do with the latest fire when it was missed (the daemon was down or asleep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Run it once, late, if it is at most `window` old; report the older ones as missed.
    Once { window: Duration },
    /// Run only fires that are on time ([`ON_TIME`]); report the rest as missed.
    Skip,
}

/// The fires that are due now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The fire to run now: the latest pending one, if it is on time or within the catch-up
    /// window.
    pub run: Option<Fire>,
    /// Pending fires that will not run, oldest first: the latest [`MAX_LISTED_MISSED`] of them.
    pub missed: Vec<Fire>,
    /// How many pending fires will not run (all of them, listed or not).
    pub missed_count: u64,
    /// The first fire after `now` (after `since` if the clock went back behind it).
    pub next: Option<Fire>,
}

impl Due {
    /// The `at` of the latest fire this answer handles (run or missed): the `since` to pass next
    /// time, or `None` when nothing was pending.
    pub fn handled_until(&self) -> Option<DateTime<Utc>> {
        let run = self.run.as_ref().map(|fire| fire.at);
        let missed = self.missed.last().map(|fire| fire.at);
        run.max(missed)
    }
}

/// The fires with `since < at <= now`: the latest runs if it is on time, or, under
/// [`CatchUp::Once`], if `now - at <= window`; every other one is missed.
///
/// `since` is the `at` of the last handled fire, or when the job was first seen.
pub fn due(
    schedule: &Schedule,
    policy: OnClosedDay,
    closed: &ClosedDays,
    catch_up: &CatchUp,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Due {
    let mut latest: Option<Fire> = None;
    let mut missed: VecDeque<Fire> = VecDeque::new();
    let mut missed_count: u64 = 0;
    let mut next = None;
    let mut miss = |fire: Fire, missed: &mut VecDeque<Fire>| {
        missed_count += 1;
        if missed.len() == MAX_LISTED_MISSED {
            missed.pop_front();
        }
        missed.push_back(fire);
    };
    for fire in fires_after(schedule, policy, closed, since) {
        if fire.at > now {
            next = Some(fire);
            break;
        }
        if let Some(older) = latest.replace(fire) {
            miss(older, &mut missed);
        }
    }
    let mut run = None;
    if let Some(latest) = latest {
        let late = now.signed_duration_since(latest.at);
        let runs = late <= ON_TIME
            || match catch_up {
                CatchUp::Once { window } => late <= *window,
                CatchUp::Skip => false,
            };
        if runs {
            run = Some(latest);
        } else {
            miss(latest, &mut missed);
        }
    }
    Due {
        run,
        missed: missed.into(),
        missed_count,
        next,
    }
}
