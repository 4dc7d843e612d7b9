//! Tests of fire times, closed-day moves and catch-up, all at fixed instants.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Asia::Tokyo;
use chrono_tz::Tz;
use proptest::prelude::*;

use crate::schedule::{
    CatchUp, ClosedDays, Fire, MAX_LISTED_MISSED, OnClosedDay, Schedule, ScheduleError, due,
    fires_after, next_fires,
};

pub(crate) fn jst(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Tokyo
        .with_ymd_and_hms(year, month, day, hour, minute, 0)
        .single()
        .expect("a valid JST time")
        .with_timezone(&Utc)
}

fn schedule(pattern: &str) -> Schedule {
    Schedule::parse(pattern, Tokyo).expect("a valid pattern")
}

/// The `at`s of the first `count` fires, written in JST.
fn fire_times(
    pattern: &str,
    policy: OnClosedDay,
    after: DateTime<Utc>,
    count: usize,
) -> Vec<String> {
    show(&next_fires(
        &schedule(pattern),
        policy,
        &ClosedDays::none(),
        after,
        count,
    ))
}

fn show(fires: &[Fire]) -> Vec<String> {
    fires
        .iter()
        .map(|fire| {
            fire.at
                .with_timezone(&Tokyo)
                .format("%Y-%m-%d %a %H:%M:%S")
                .to_string()
        })
        .collect()
}

fn first_fire(pattern: &str, policy: OnClosedDay, after: DateTime<Utc>) -> Fire {
    next_fires(&schedule(pattern), policy, &ClosedDays::none(), after, 1)
        .into_iter()
        .next()
        .expect("a fire")
}

// ---- fire times ------------------------------------------------------------------------------

#[test]
fn nine_o_clock_in_tokyo_is_midnight_utc() {
    let fire = first_fire("0 9 * * *", OnClosedDay::Run, jst(2026, 6, 1, 8, 0));
    assert_eq!(
        fire.at,
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("utc")
    );
    assert_eq!(fire.nominal, fire.at);
    assert_eq!(fire.moved_because, None);
}

#[test]
fn a_daily_job_crosses_month_year_and_fiscal_year_ends() {
    assert_eq!(
        fire_times("0 9 * * *", OnClosedDay::Run, jst(2026, 1, 31, 8, 0), 2),
        ["2026-01-31 Sat 09:00:00", "2026-02-01 Sun 09:00:00"]
    );
    assert_eq!(
        fire_times("0 9 * * *", OnClosedDay::Run, jst(2026, 12, 31, 9, 0), 2),
        ["2027-01-01 Fri 09:00:00", "2027-01-02 Sat 09:00:00"]
    );
    assert_eq!(
        fire_times("0 9 * * *", OnClosedDay::Run, jst(2027, 3, 31, 8, 59), 2),
        ["2027-03-31 Wed 09:00:00", "2027-04-01 Thu 09:00:00"]
    );
}

#[test]
fn the_29th_of_february_fires_only_in_leap_years() {
    assert_eq!(
        fire_times("0 9 29 2 *", OnClosedDay::Run, jst(2026, 1, 1, 0, 0), 2),
        ["2028-02-29 Tue 09:00:00", "2032-02-29 Sun 09:00:00"]
    );
}

#[test]
fn l_is_the_last_day_of_the_month() {
    let fires = fire_times("0 9 L 2 *", OnClosedDay::Run, jst(2027, 1, 1, 0, 0), 2);
    assert_eq!(
        fires,
        ["2027-02-28 Sun 09:00:00", "2028-02-29 Tue 09:00:00"]
    );
    let fires = fire_times("0 9 L * *", OnClosedDay::Run, jst(2027, 2, 1, 0, 0), 2);
    assert_eq!(
        fires,
        ["2027-02-28 Sun 09:00:00", "2027-03-31 Wed 09:00:00"]
    );
}

#[test]
fn sunday_is_0_and_7() {
    let after = jst(2026, 6, 1, 0, 0);
    let zero = fire_times("0 9 * * 0", OnClosedDay::Run, after, 3);
    let seven = fire_times("0 9 * * 7", OnClosedDay::Run, after, 3);
    assert_eq!(zero, seven);
    assert_eq!(
        zero,
        [
            "2026-06-07 Sun 09:00:00",
            "2026-06-14 Sun 09:00:00",
            "2026-06-21 Sun 09:00:00"
        ]
    );
}

#[test]
fn a_sixth_leading_field_is_seconds() {
    assert_eq!(
        fire_times("30 0 9 * * *", OnClosedDay::Run, jst(2026, 6, 1, 0, 0), 1),
        ["2026-06-01 Mon 09:00:30"]
    );
}

#[test]
fn a_weekday_pattern_skips_the_weekend() {
    assert_eq!(
        fire_times("0 8 * * 1-5", OnClosedDay::Run, jst(2026, 6, 5, 7, 0), 3),
        [
            "2026-06-05 Fri 08:00:00",
            "2026-06-08 Mon 08:00:00",
            "2026-06-09 Tue 08:00:00"
        ]
    );
}

#[test]
fn day_of_month_and_day_of_week_are_or_ed() {
    // The 1st of the month or any Monday (Vixie cron).
    assert_eq!(
        fire_times("0 9 1 * 1", OnClosedDay::Run, jst(2026, 5, 31, 0, 0), 3),
        [
            "2026-06-01 Mon 09:00:00",
            "2026-06-08 Mon 09:00:00",
            "2026-06-15 Mon 09:00:00"
        ]
    );
    assert_eq!(
        fire_times("0 9 1 * 5", OnClosedDay::Run, jst(2026, 6, 26, 10, 0), 2),
        ["2026-07-01 Wed 09:00:00", "2026-07-03 Fri 09:00:00"]
    );
}

#[test]
fn a_new_york_job_in_the_spring_forward_gap_runs_at_three() {
    let zone: Tz = New_York;
    let schedule = Schedule::parse("30 2 * * *", zone).expect("valid");
    let after = zone
        .with_ymd_and_hms(2026, 3, 7, 12, 0, 0)
        .single()
        .expect("time");
    let fires = next_fires(
        &schedule,
        OnClosedDay::Run,
        &ClosedDays::none(),
        after.with_timezone(&Utc),
        2,
    );
    let local: Vec<String> = fires
        .iter()
        .map(|fire| {
            fire.at
                .with_timezone(&zone)
                .format("%F %H:%M %Z")
                .to_string()
        })
        .collect();
    assert_eq!(local, ["2026-03-08 03:00 EDT", "2026-03-09 02:30 EDT"]);
    assert_eq!(
        fires[0].at,
        Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0)
            .single()
            .expect("utc")
    );
}

#[test]
fn patterns_that_never_fire_or_do_not_parse_are_refused() {
    for pattern in ["0 9 30 2 *", "0 9 31 4 *"] {
        let error = Schedule::parse(pattern, Tokyo).expect_err("never fires");
        assert!(
            matches!(error, ScheduleError::NeverFires { .. }),
            "{pattern}"
        );
        assert_eq!(error.pattern(), pattern);
        assert_eq!(
            error.to_string(),
            format!("the cron pattern `{pattern}` never fires")
        );
    }
    for pattern in [
        "",
        "0 9 * *",
        "61 9 * * *",
        "0 9 * * 8",
        "0 0 9 * * * 2030",
        "every day",
    ] {
        let error = Schedule::parse(pattern, Tokyo).expect_err("invalid");
        assert!(error.cron_error().is_some(), "{pattern}");
        assert!(
            error
                .to_string()
                .starts_with("cannot read the cron pattern"),
            "{pattern}: {error}"
        );
    }
}

#[test]
fn the_schedule_keeps_its_pattern_and_zone() {
    let schedule = Schedule::parse("0 9 10 5 *", New_York).expect("valid");
    assert_eq!(schedule.pattern(), "0 9 10 5 *");
    assert_eq!(schedule.zone(), New_York);
}

// ---- closed days -----------------------------------------------------------------------------

#[test]
fn golden_week_2026_moves_a_fire_on_the_4th_of_may() {
    let after = jst(2026, 4, 1, 0, 0);
    let next = first_fire("0 9 4 5 *", OnClosedDay::NextOpenDay, after);
    assert_eq!(next.at, jst(2026, 5, 7, 9, 0));
    assert_eq!(next.nominal, jst(2026, 5, 4, 9, 0));
    assert_eq!(next.moved_because.as_deref(), Some("2026-05-04 みどりの日"));

    let previous = first_fire("0 9 4 5 *", OnClosedDay::PreviousOpenDay, after);
    assert_eq!(previous.at, jst(2026, 5, 1, 9, 0));
    assert_eq!(
        previous.moved_because.as_deref(),
        Some("2026-05-04 みどりの日")
    );

    let run = first_fire("0 9 4 5 *", OnClosedDay::Run, after);
    assert_eq!(run.at, jst(2026, 5, 4, 9, 0));
    assert_eq!(run.moved_because, None);
}

#[test]
fn the_day_between_two_holidays_is_closed() {
    let fire = first_fire(
        "0 9 22 9 *",
        OnClosedDay::NextOpenDay,
        jst(2026, 9, 1, 0, 0),
    );
    assert_eq!(fire.at, jst(2026, 9, 24, 9, 0));
    assert_eq!(fire.moved_because.as_deref(), Some("2026-09-22 国民の休日"));
}

#[test]
fn the_year_end_holidays_move_a_fire_to_january_or_back_to_december() {
    let after = jst(2026, 12, 1, 0, 0);
    let next = first_fire("0 9 30 12 *", OnClosedDay::NextOpenDay, after);
    assert_eq!(next.at, jst(2027, 1, 4, 9, 0));
    assert_eq!(
        jst(2027, 1, 4, 9, 0).with_timezone(&Tokyo).weekday(),
        Weekday::Mon
    );
    assert_eq!(next.moved_because.as_deref(), Some("2026-12-30 年末年始"));
    let previous = first_fire("0 9 30 12 *", OnClosedDay::PreviousOpenDay, after);
    assert_eq!(previous.at, jst(2026, 12, 28, 9, 0));
}

#[test]
fn a_city_s_extra_closed_day_moves_a_fire_and_names_its_reason() {
    let day = NaiveDate::from_ymd_opt(2026, 6, 10).expect("date");
    let closed = ClosedDays::new(BTreeMap::from([(day, "創立記念日".to_owned())]));
    assert_eq!(closed.closed(day).as_deref(), Some("創立記念日"));
    assert_eq!(ClosedDays::none().closed(day), None);
    let fires = next_fires(
        &schedule("0 9 * * *"),
        OnClosedDay::NextOpenDay,
        &closed,
        jst(2026, 6, 9, 10, 0),
        2,
    );
    assert_eq!(
        show(&fires),
        ["2026-06-11 Thu 09:00:00", "2026-06-12 Fri 09:00:00"]
    );
    // Wednesday's fire collapsed into Thursday's own one, which was not moved.
    assert_eq!(fires[0].moved_because, None);

    let fires = next_fires(
        &schedule("0 9 10 6 *"),
        OnClosedDay::NextOpenDay,
        &closed,
        jst(2026, 6, 1, 0, 0),
        1,
    );
    assert_eq!(show(&fires), ["2026-06-11 Thu 09:00:00"]);
    assert_eq!(
        fires[0].moved_because.as_deref(),
        Some("2026-06-10 創立記念日")
    );
}

#[test]
fn closed_day_reasons_come_from_the_national_calendar() {
    let closed = ClosedDays::none();
    let day = |month, day| NaiveDate::from_ymd_opt(2026, month, day).expect("date");
    assert_eq!(closed.closed(day(5, 3)).as_deref(), Some("憲法記念日"));
    assert_eq!(closed.closed(day(5, 6)).as_deref(), Some("振替休日"));
    assert_eq!(closed.closed(day(6, 6)).as_deref(), Some("土曜日"));
    assert_eq!(closed.closed(day(12, 29)).as_deref(), Some("年末年始"));
    assert_eq!(closed.closed(day(6, 8)), None);
}

#[test]
fn a_daily_job_gives_one_fire_after_a_weekend_or_a_long_weekend() {
    assert_eq!(
        fire_times(
            "0 9 * * *",
            OnClosedDay::NextOpenDay,
            jst(2026, 6, 5, 10, 0),
            2
        ),
        ["2026-06-08 Mon 09:00:00", "2026-06-09 Tue 09:00:00"]
    );
    // 18 July Sat, 19 Sun, 20 Mon 海の日: one Tuesday fire.
    assert_eq!(
        fire_times(
            "0 9 * * *",
            OnClosedDay::NextOpenDay,
            jst(2026, 7, 17, 10, 0),
            2
        ),
        ["2026-07-21 Tue 09:00:00", "2026-07-22 Wed 09:00:00"]
    );
    // Backwards the weekend collapses into Friday.
    assert_eq!(
        fire_times(
            "0 9 * * *",
            OnClosedDay::PreviousOpenDay,
            jst(2026, 7, 16, 10, 0),
            3
        ),
        [
            "2026-07-17 Fri 09:00:00",
            "2026-07-21 Tue 09:00:00",
            "2026-07-22 Wed 09:00:00"
        ]
    );
}

#[test]
fn moved_fires_come_out_in_order_of_their_new_times() {
    // Saturday 18:00 moves to Monday 18:00 before Sunday 09:00 moves to Monday 09:00.
    let fires = next_fires(
        &schedule("0 9,18 * * 0,6"),
        OnClosedDay::NextOpenDay,
        &ClosedDays::none(),
        jst(2026, 6, 5, 19, 0),
        3,
    );
    assert_eq!(
        show(&fires),
        [
            "2026-06-08 Mon 09:00:00",
            "2026-06-08 Mon 18:00:00",
            "2026-06-15 Mon 09:00:00"
        ]
    );
    assert_eq!(fires[0].nominal, jst(2026, 6, 6, 9, 0));
    assert_eq!(fires[0].moved_because.as_deref(), Some("2026-06-06 土曜日"));
}

#[test]
fn a_fire_moved_back_before_after_is_not_yielded() {
    // 2026-05-04 moves back to 1 May, before `after`, so it is dropped. Next year's 4 May (a
    // Tuesday holiday) moves back over 3 May (Monday, a holiday) and the weekend to 30 April.
    let fire = first_fire(
        "0 9 4 5 *",
        OnClosedDay::PreviousOpenDay,
        jst(2026, 5, 2, 0, 0),
    );
    assert_eq!(fire.at, jst(2027, 4, 30, 9, 0));
    assert_eq!(fire.moved_because.as_deref(), Some("2027-05-04 みどりの日"));
}

#[test]
fn a_fire_before_after_can_move_past_it() {
    // Asked in the middle of Golden Week, the fire of 4 May still lies ahead, on 7 May.
    let fire = first_fire(
        "0 9 4 5 *",
        OnClosedDay::NextOpenDay,
        jst(2026, 5, 5, 12, 0),
    );
    assert_eq!(fire.at, jst(2026, 5, 7, 9, 0));
    // Once 7 May 09:00 has passed, it does not come again.
    let fire = first_fire("0 9 4 5 *", OnClosedDay::NextOpenDay, jst(2026, 5, 7, 9, 0));
    assert_eq!(fire.at, jst(2027, 5, 6, 9, 0));
}

// ---- catch-up --------------------------------------------------------------------------------

const ONCE_A_DAY: CatchUp = CatchUp::Once {
    window: Duration::days(1),
};

fn due_daily(catch_up: &CatchUp, since: DateTime<Utc>, now: DateTime<Utc>) -> crate::Due {
    due(
        &schedule("0 9 * * *"),
        OnClosedDay::Run,
        &ClosedDays::none(),
        catch_up,
        since,
        now,
    )
}

#[test]
fn an_on_time_fire_runs() {
    let due = due_daily(&CatchUp::Skip, jst(2026, 6, 1, 9, 0), jst(2026, 6, 2, 9, 1));
    assert_eq!(due.run.map(|fire| fire.at), Some(jst(2026, 6, 2, 9, 0)));
    assert!(due.missed.is_empty());
    assert_eq!(due.missed_count, 0);
    assert_eq!(due.next.map(|fire| fire.at), Some(jst(2026, 6, 3, 9, 0)));
}

#[test]
fn after_a_three_day_outage_the_latest_fire_runs_once_and_the_older_ones_are_missed() {
    let due = due_daily(&ONCE_A_DAY, jst(2026, 6, 1, 9, 0), jst(2026, 6, 4, 15, 0));
    assert_eq!(
        due.run.as_ref().map(|fire| fire.at),
        Some(jst(2026, 6, 4, 9, 0))
    );
    let missed: Vec<_> = due.missed.iter().map(|fire| fire.at).collect();
    assert_eq!(missed, [jst(2026, 6, 2, 9, 0), jst(2026, 6, 3, 9, 0)]);
    assert_eq!(due.missed_count, 2);
    assert_eq!(due.handled_until(), Some(jst(2026, 6, 4, 9, 0)));
    // Asking again with the handled fire as `since` finds nothing new.
    let again = due_daily(&ONCE_A_DAY, jst(2026, 6, 4, 9, 0), jst(2026, 6, 4, 15, 5));
    assert_eq!(again.run, None);
    assert_eq!(again.missed_count, 0);
    assert_eq!(again.handled_until(), None);
}

#[test]
fn after_an_outage_longer_than_the_window_nothing_runs() {
    let catch_up = CatchUp::Once {
        window: Duration::hours(6),
    };
    let due = due_daily(&catch_up, jst(2026, 6, 1, 9, 0), jst(2026, 6, 4, 23, 0));
    assert_eq!(due.run, None);
    assert_eq!(due.missed_count, 3);
    assert_eq!(due.missed.len(), 3);
    assert_eq!(due.handled_until(), Some(jst(2026, 6, 4, 9, 0)));
}

#[test]
fn skip_misses_a_late_fire() {
    let due = due_daily(
        &CatchUp::Skip,
        jst(2026, 6, 1, 9, 0),
        jst(2026, 6, 2, 9, 10),
    );
    assert_eq!(due.run, None);
    assert_eq!(due.missed_count, 1);
    assert_eq!(due.missed[0].at, jst(2026, 6, 2, 9, 0));
    // Two minutes late is still on time.
    let due = due_daily(&CatchUp::Skip, jst(2026, 6, 1, 9, 0), jst(2026, 6, 2, 9, 2));
    assert_eq!(due.run.map(|fire| fire.at), Some(jst(2026, 6, 2, 9, 0)));
}

#[test]
fn a_handled_fire_is_not_pending_again() {
    let since = jst(2026, 6, 2, 9, 0);
    let due = due_daily(&ONCE_A_DAY, since, since);
    assert_eq!(due.run, None);
    assert_eq!(due.missed_count, 0);
    assert_eq!(due.next.map(|fire| fire.at), Some(jst(2026, 6, 3, 9, 0)));
    // Before the fire time nothing is pending either.
    let due = due_daily(&ONCE_A_DAY, jst(2026, 6, 1, 9, 0), jst(2026, 6, 2, 8, 59));
    assert_eq!(due.run, None);
    assert_eq!(due.next.map(|fire| fire.at), Some(since));
}

#[test]
fn due_lists_the_latest_hundred_missed_fires_and_counts_all() {
    let due = due(
        &schedule("0 * * * *"),
        OnClosedDay::Run,
        &ClosedDays::none(),
        &CatchUp::Skip,
        jst(2026, 6, 1, 0, 0),
        jst(2026, 6, 11, 0, 30),
    );
    assert_eq!(due.run, None);
    assert_eq!(due.missed_count, 240);
    assert_eq!(due.missed.len(), MAX_LISTED_MISSED);
    assert_eq!(
        due.missed.last().map(|fire| fire.at),
        Some(jst(2026, 6, 11, 0, 0))
    );
    assert_eq!(
        due.missed.first().map(|fire| fire.at),
        Some(jst(2026, 6, 6, 21, 0))
    );
}

#[test]
fn due_uses_moved_fires() {
    // Golden Week 2026 with next-open-day: the fire of 4 May runs on 7 May.
    let due = due(
        &schedule("0 9 4 5 *"),
        OnClosedDay::NextOpenDay,
        &ClosedDays::none(),
        &CatchUp::Skip,
        jst(2026, 4, 1, 0, 0),
        jst(2026, 5, 7, 9, 1),
    );
    let run = due.run.expect("runs on 7 May");
    assert_eq!(run.at, jst(2026, 5, 7, 9, 0));
    assert_eq!(run.moved_because.as_deref(), Some("2026-05-04 みどりの日"));
}

// ---- properties ------------------------------------------------------------------------------

/// 2026-01-01 00:00 UTC plus `minutes`.
fn instant(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("utc")
        + Duration::minutes(minutes)
}

/// How many midnights UTC (the daily 09:00 JST fires) lie in `(since, now]`.
fn midnights_between(since: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let day = |instant: DateTime<Utc>| instant.timestamp().div_euclid(86_400);
    u64::try_from(day(now) - day(since)).unwrap_or(0)
}

fn any_policy() -> impl Strategy<Value = OnClosedDay> {
    prop_oneof![
        Just(OnClosedDay::NextOpenDay),
        Just(OnClosedDay::PreviousOpenDay),
        Just(OnClosedDay::Run),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fires_are_strictly_increasing_and_after_the_start(
        start in 0i64..(2 * 366 * 1440),
        policy in any_policy(),
        pattern in prop_oneof![
            Just("0 9 * * *"),
            Just("0 9,18 * * *"),
            Just("30 7 * * 1-5"),
            Just("0 9 4 5 *"),
            Just("0 9 L * *"),
            Just("0 9 30 12 *"),
        ],
    ) {
        let after = instant(start);
        let schedule = schedule(pattern);
        let fires = next_fires(&schedule, policy, &ClosedDays::none(), after, 20);
        prop_assert_eq!(fires.len(), 20);
        prop_assert!(fires[0].at > after);
        for pair in fires.windows(2) {
            prop_assert!(pair[0].at < pair[1].at);
        }
        for fire in &fires {
            let date = fire.at.with_timezone(&Tokyo).date_naive();
            if policy == OnClosedDay::Run {
                prop_assert_eq!(fire.at, fire.nominal);
            } else {
                prop_assert!(ClosedDays::none().closed(date).is_none(), "{} is closed", date);
            }
            prop_assert_eq!(fire.moved_because.is_some(), fire.at != fire.nominal);
        }
    }

    #[test]
    fn due_accounts_for_every_fire_between_since_and_now(
        since in 0i64..(366 * 1440),
        length in 0i64..(10 * 1440),
        window_hours in 0i64..72,
        skip in any::<bool>(),
    ) {
        let (since, now) = (instant(since), instant(since + length));
        let catch_up = if skip {
            CatchUp::Skip
        } else {
            CatchUp::Once { window: Duration::hours(window_hours) }
        };
        let due = due_daily(&catch_up, since, now);
        if let Some(run) = &due.run {
            prop_assert!(since < run.at && run.at <= now);
        }
        for fire in &due.missed {
            prop_assert!(since < fire.at && fire.at <= now);
        }
        let handled = due.missed_count + u64::from(due.run.is_some());
        prop_assert_eq!(handled, midnights_between(since, now));
        prop_assert!(due.next.is_some_and(|next| next.at > now));
    }

    #[test]
    fn a_year_of_wake_ups_handles_every_fire_exactly_once(
        gaps in proptest::collection::vec(1i64..(5 * 1440), 400),
        policy in any_policy(),
    ) {
        let schedule = schedule("0 9 * * *");
        let closed = ClosedDays::none();
        let start = instant(0);
        let end = instant(366 * 1440);
        let mut since = start;
        let mut now = start;
        let mut seen = BTreeSet::new();
        for gap in gaps {
            now += Duration::minutes(gap);
            if now > end {
                break;
            }
            let due = due(&schedule, policy, &closed, &ONCE_A_DAY, since, now);
            for fire in due.run.iter().chain(&due.missed) {
                prop_assert!(seen.insert(fire.at), "{} handled twice", fire.at);
            }
            if let Some(handled) = due.handled_until() {
                since = handled;
            }
        }
        // Nothing fell through the cracks either.
        let expected: BTreeSet<_> = fires_after(&schedule, policy, &closed, start)
            .take_while(|fire| fire.at <= since)
            .map(|fire| fire.at)
            .collect();
        prop_assert_eq!(seen, expected);
    }
}
