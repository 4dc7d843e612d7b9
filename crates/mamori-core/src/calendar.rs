//! Days city hall is closed: weekends, Japanese national holidays and 年末年始.
//!
//! Holidays follow the 国民の祝日に関する法律 as amended, computed rather than listed: the fixed
//! days, the Happy Monday days (成人の日, 海の日, 敬老の日, スポーツの日), 春分の日 and 秋分の日 by the
//! usual astronomical approximation, the days moved for the Tokyo Olympics in 2020 and 2021, the
//! one-off days of the imperial ceremonies, 振替休日 (a holiday on a Sunday moves to the next
//! day that is not a holiday) and 国民の休日 (a day between two holidays). Supported from 1949
//! to 2150; outside that range only weekends and 年末年始 are known.

use chrono::{Datelike, NaiveDate, Weekday};

/// The first and last years whose holidays are computed.
pub const FIRST_YEAR: i32 = 1949;
pub const LAST_YEAR: i32 = 2150;

/// Why a day is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closed {
    Saturday,
    Sunday,
    /// A national holiday, with its name (振替休日 and 国民の休日 included).
    Holiday(&'static str),
    /// 29 December to 3 January.
    YearEnd,
}

impl Closed {
    /// `土曜日`, `元日`, `年末年始`….
    pub fn label(self) -> &'static str {
        match self {
            Closed::Saturday => "土曜日",
            Closed::Sunday => "日曜日",
            Closed::Holiday(name) => name,
            Closed::YearEnd => "年末年始",
        }
    }
}

/// Why city hall is closed on `date`, or `None` on an open day. A holiday on a weekend is
/// reported as the holiday.
pub fn closed(date: NaiveDate) -> Option<Closed> {
    if let Some(name) = holiday(date) {
        return Some(Closed::Holiday(name));
    }
    let (month, day) = (date.month(), date.day());
    if (month == 12 && day >= 29) || (month == 1 && day <= 3) {
        return Some(Closed::YearEnd);
    }
    match date.weekday() {
        Weekday::Sat => Some(Closed::Saturday),
        Weekday::Sun => Some(Closed::Sunday),
        _ => None,
    }
}

/// The national holiday on `date`, if any.
pub fn holiday(date: NaiveDate) -> Option<&'static str> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return None;
    }
    if let Some(name) = named_holiday(date) {
        return Some(name);
    }
    if is_substitute(date) {
        return Some("振替休日");
    }
    // 国民の休日 (since 1985-12-27): a day that is not a Sunday, between two holidays.
    if date >= ymd(1985, 12, 27)
        && date.weekday() != Weekday::Sun
        && date
            .pred_opt()
            .is_some_and(|before| named_holiday(before).is_some())
        && date
            .succ_opt()
            .is_some_and(|after| named_holiday(after).is_some())
    {
        return Some("国民の休日");
    }
    None
}

/// 振替休日: since 1973-04-12 a holiday on a Sunday makes the next day a holiday; since 2007 the
/// next day that is not itself a holiday.
fn is_substitute(date: NaiveDate) -> bool {
    if date < ymd(1973, 4, 12) || named_holiday(date).is_some() {
        return false;
    }
    let mut day = date;
    loop {
        let Some(before) = day.pred_opt() else {
            return false;
        };
        if named_holiday(before).is_none() {
            return false;
        }
        if before.weekday() == Weekday::Sun {
            return true;
        }
        if date.year() < 2007 {
            return false;
        }
        day = before;
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The `n`th (1-based) Monday of a month.
fn nth_monday(year: i32, month: u32, n: u32) -> u32 {
    let first = ymd(year, month, 1).weekday().num_days_from_monday();
    1 + (7 - first) % 7 + 7 * (n - 1)
}

/// The day of March of 春分の日 and of September of 秋分の日.
fn equinoxes(year: i32) -> (u32, u32) {
    let (spring, autumn, base) = match year {
        ..=1979 => (20.8357, 23.2588, 1983),
        1980..=2099 => (20.8431, 23.2488, 1980),
        _ => (21.8510, 24.2488, 1980),
    };
    let offset = f64::from(year - 1980);
    let leap = f64::from((year - base).div_euclid(4));
    let day = |constant: f64| (constant + 0.242_194 * offset - leap).floor() as u32;
    (day(spring), day(autumn))
}

/// The holidays the law names (not the substitute or in-between days).
fn named_holiday(date: NaiveDate) -> Option<&'static str> {
    let (year, month, day) = (date.year(), date.month(), date.day());
    let (spring, autumn) = equinoxes(year);
    let name = match (month, day) {
        (1, 1) => "元日",
        (1, 15) if year < 2000 => "成人の日",
        (1, _) if year >= 2000 && day == nth_monday(year, 1, 2) => "成人の日",
        (2, 11) if year >= 1967 => "建国記念の日",
        (2, 23) if year >= 2020 => "天皇誕生日",
        (3, _) if day == spring => "春分の日",
        (4, 29) if year < 1989 => "天皇誕生日",
        (4, 29) if year < 2007 => "みどりの日",
        (4, 29) => "昭和の日",
        (5, 3) => "憲法記念日",
        (5, 4) if year >= 2007 => "みどりの日",
        (5, 5) => "こどもの日",
        (7, 20) if (1996..=2002).contains(&year) => "海の日",
        (7, 23) if year == 2020 => "海の日",
        (7, 22) if year == 2021 => "海の日",
        (7, _) if year >= 2003 && year != 2020 && year != 2021 && day == nth_monday(year, 7, 3) => {
            "海の日"
        }
        (7, 24) if year == 2020 => "スポーツの日",
        (7, 23) if year == 2021 => "スポーツの日",
        (8, 10) if year == 2020 => "山の日",
        (8, 8) if year == 2021 => "山の日",
        (8, 11) if year >= 2016 && year != 2020 && year != 2021 => "山の日",
        (9, 15) if (1966..=2002).contains(&year) => "敬老の日",
        (9, _) if year >= 2003 && day == nth_monday(year, 9, 3) => "敬老の日",
        (9, _) if day == autumn => "秋分の日",
        (10, 10) if (1966..=1999).contains(&year) => "体育の日",
        (10, _) if (2000..=2019).contains(&year) && day == nth_monday(year, 10, 2) => "体育の日",
        (10, _) if year >= 2022 && day == nth_monday(year, 10, 2) => "スポーツの日",
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        (12, 23) if (1989..=2018).contains(&year) => "天皇誕生日",
        _ => return one_off(year, month, day),
    };
    Some(name)
}

/// Holidays that happened once, for imperial ceremonies.
fn one_off(year: i32, month: u32, day: u32) -> Option<&'static str> {
    match (year, month, day) {
        (1959, 4, 10) => Some("皇太子明仁親王の結婚の儀"),
        (1989, 2, 24) => Some("昭和天皇の大喪の礼"),
        (1990, 11, 12) => Some("即位礼正殿の儀"),
        (1993, 6, 9) => Some("皇太子徳仁親王の結婚の儀"),
        (2019, 5, 1) => Some("天皇の即位の日"),
        (2019, 10, 22) => Some("即位礼正殿の儀"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holidays_of(year: i32) -> Vec<(u32, u32, &'static str)> {
        let mut day = ymd(year, 1, 1);
        let mut found = Vec::new();
        while day.year() == year {
            if let Some(name) = holiday(day) {
                found.push((day.month(), day.day(), name));
            }
            day = day.succ_opt().expect("next day");
        }
        found
    }

    #[test]
    fn the_holidays_of_2026_with_a_substitute_day_and_a_day_between_two_holidays() {
        assert_eq!(
            holidays_of(2026),
            [
                (1, 1, "元日"),
                (1, 12, "成人の日"),
                (2, 11, "建国記念の日"),
                (2, 23, "天皇誕生日"),
                (3, 20, "春分の日"),
                (4, 29, "昭和の日"),
                (5, 3, "憲法記念日"),
                (5, 4, "みどりの日"),
                (5, 5, "こどもの日"),
                (5, 6, "振替休日"),
                (7, 20, "海の日"),
                (8, 11, "山の日"),
                (9, 21, "敬老の日"),
                (9, 22, "国民の休日"),
                (9, 23, "秋分の日"),
                (10, 12, "スポーツの日"),
                (11, 3, "文化の日"),
                (11, 23, "勤労感謝の日"),
            ]
        );
    }

    #[test]
    fn the_holidays_of_2024_with_four_substitute_days() {
        let days: Vec<(u32, u32)> = holidays_of(2024).iter().map(|(m, d, _)| (*m, *d)).collect();
        assert_eq!(
            days,
            [
                (1, 1),
                (1, 8),
                (2, 11),
                (2, 12),
                (2, 23),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 15),
                (8, 11),
                (8, 12),
                (9, 16),
                (9, 22),
                (9, 23),
                (10, 14),
                (11, 3),
                (11, 4),
                (11, 23),
            ]
        );
    }

    /// The Cabinet Office's published tables of 2025 and 2027, as (month, day).
    #[test]
    fn the_holidays_of_2025_and_2027() {
        let days = |year| -> Vec<(u32, u32)> {
            holidays_of(year).iter().map(|(m, d, _)| (*m, *d)).collect()
        };
        assert_eq!(
            days(2025),
            [
                (1, 1),
                (1, 13),
                (2, 11),
                (2, 23),
                (2, 24),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 21),
                (8, 11),
                (9, 15),
                (9, 23),
                (10, 13),
                (11, 3),
                (11, 23),
                (11, 24),
            ]
        );
        assert_eq!(
            days(2027),
            [
                (1, 1),
                (1, 11),
                (2, 11),
                (2, 23),
                (3, 21),
                (3, 22),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 19),
                (8, 11),
                (9, 20),
                (9, 23),
                (10, 11),
                (11, 3),
                (11, 23),
            ]
        );
    }

    #[test]
    fn the_olympic_moves_and_the_enthronement_days() {
        assert_eq!(holiday(ymd(2020, 7, 23)), Some("海の日"));
        assert_eq!(holiday(ymd(2020, 7, 24)), Some("スポーツの日"));
        assert_eq!(holiday(ymd(2020, 8, 10)), Some("山の日"));
        assert_eq!(holiday(ymd(2020, 10, 12)), None);
        assert_eq!(holiday(ymd(2021, 7, 22)), Some("海の日"));
        assert_eq!(holiday(ymd(2021, 7, 23)), Some("スポーツの日"));
        assert_eq!(holiday(ymd(2021, 8, 8)), Some("山の日"));
        assert_eq!(holiday(ymd(2021, 8, 9)), Some("振替休日"));
        assert_eq!(holiday(ymd(2021, 8, 11)), None);
        assert_eq!(holiday(ymd(2019, 4, 30)), Some("国民の休日"));
        assert_eq!(holiday(ymd(2019, 5, 1)), Some("天皇の即位の日"));
        assert_eq!(holiday(ymd(2019, 5, 2)), Some("国民の休日"));
        assert_eq!(holiday(ymd(2019, 5, 6)), Some("振替休日"));
        assert_eq!(holiday(ymd(2019, 10, 22)), Some("即位礼正殿の儀"));
        assert_eq!(holiday(ymd(2019, 12, 23)), None);
        assert_eq!(holiday(ymd(2018, 12, 23)), Some("天皇誕生日"));
        assert_eq!(holiday(ymd(2019, 2, 23)), None);
    }

    #[test]
    fn equinoxes_match_the_published_days() {
        // 春分の日 and 秋分の日 as announced in the official gazette.
        let published = [
            (2000, 20, 23),
            (2012, 20, 22),
            (2020, 20, 22),
            (2023, 21, 23),
            (2025, 20, 23),
            (2026, 20, 23),
            (2027, 21, 23),
            (2028, 20, 22),
            (2030, 20, 23),
        ];
        for (year, spring, autumn) in published {
            assert_eq!(equinoxes(year), (spring, autumn), "{year}");
        }
    }

    #[test]
    fn the_old_rules_before_2007() {
        // 振替休日 before 2007 is only the Monday after: 2006-05-03 (Wed) is no Sunday case,
        // but 2005-05-01 is a Sunday that is no holiday.
        assert_eq!(holiday(ymd(2006, 5, 4)), Some("国民の休日"));
        assert_eq!(holiday(ymd(2006, 4, 29)), Some("みどりの日"));
        assert_eq!(holiday(ymd(1999, 1, 15)), Some("成人の日"));
        assert_eq!(holiday(ymd(1999, 10, 10)), Some("体育の日"));
        assert_eq!(holiday(ymd(2002, 7, 20)), Some("海の日"));
        assert_eq!(holiday(ymd(2002, 9, 15)), Some("敬老の日"));
        assert_eq!(holiday(ymd(2002, 9, 16)), Some("振替休日"));
        // 2008-05-06: 5/4 (Sun) みどりの日 → the next non-holiday day after 5/5.
        assert_eq!(holiday(ymd(2008, 5, 6)), Some("振替休日"));
    }

    #[test]
    fn every_year_from_2000_to_2150_has_the_holidays_the_law_names() {
        for year in 2000..=LAST_YEAR {
            let holidays = holidays_of(year);
            let named = holidays
                .iter()
                .filter(|(_, _, name)| !matches!(*name, "振替休日" | "国民の休日"))
                .count();
            // 14 named days until 2006 (5/4 was a day between two holidays), 15 from 2007
            // (みどりの日 on 5/4), 16 from 2016 (山の日); 2019 had two ceremonies but no
            // 天皇誕生日.
            let expected = match year {
                ..=2006 => 14,
                2007..=2015 => 15,
                2019 => 17,
                _ => 16,
            };
            assert_eq!(named, expected, "{year}: {holidays:?}");
            for (month, day, name) in &holidays {
                let date = ymd(year, *month, *day);
                if *name == "振替休日" {
                    assert_ne!(date.weekday(), Weekday::Sun, "{date}");
                }
                if *name == "国民の休日" {
                    assert!(
                        named_holiday(date.pred_opt().expect("day")).is_some(),
                        "{date}"
                    );
                    assert!(
                        named_holiday(date.succ_opt().expect("day")).is_some(),
                        "{date}"
                    );
                }
            }
        }
    }

    #[test]
    fn city_hall_is_closed_at_weekends_holidays_and_the_year_end() {
        assert_eq!(
            closed(ymd(2026, 11, 23)),
            Some(Closed::Holiday("勤労感謝の日"))
        );
        assert_eq!(closed(ymd(2026, 11, 24)), None);
        assert_eq!(closed(ymd(2026, 11, 28)), Some(Closed::Saturday));
        assert_eq!(closed(ymd(2026, 11, 29)), Some(Closed::Sunday));
        assert_eq!(closed(ymd(2026, 12, 28)), None);
        assert_eq!(closed(ymd(2026, 12, 29)), Some(Closed::YearEnd));
        assert_eq!(closed(ymd(2027, 1, 1)), Some(Closed::Holiday("元日")));
        assert_eq!(closed(ymd(2027, 1, 3)), Some(Closed::YearEnd));
        assert_eq!(closed(ymd(2027, 1, 4)), None);
        assert_eq!(Closed::YearEnd.label(), "年末年始");
    }
}
