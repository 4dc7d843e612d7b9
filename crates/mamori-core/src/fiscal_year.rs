//! Fiscal years (年度): 1 April to 31 March, named by the calendar year they start in.
//!
//! [`FiscalYear::parse`] reads every form publishers use (`2022`, `2022年度`, `令和4年度`, `令和元年度`,
//! `平成31年度`, `R4`, `H30`, `令4`, `令和４年度`, `令和4(2022)年度`, `FY2022`, a date or a date range);
//! [`FiscalYear::label`] writes `令和4年度`.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::text::fold_label;
use crate::wareki::{self, Era};

/// A fiscal year, by the calendar year it starts in (1 April).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(i32);

/// Why a text is not a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiscalYearError {
    #[error("`{0}` is not a fiscal year")]
    NotAFiscalYear(String),
    #[error("fiscal year {0} is outside the supported range {min}..={max}", min = FiscalYear::MIN, max = FiscalYear::MAX)]
    OutOfRange(i32),
    #[error("`{text}` names era year {era_year} of {era}, which never existed")]
    NoSuchEraYear {
        text: String,
        era: &'static str,
        era_year: u32,
    },
    #[error("`{text}` gives two different years ({wareki} and {western})")]
    Contradiction {
        text: String,
        wareki: i32,
        western: i32,
    },
}

impl FiscalYear {
    /// The earliest supported fiscal year.
    pub const MIN: i32 = 1926;
    /// The latest supported fiscal year.
    pub const MAX: i32 = 2200;

    /// A fiscal year from the calendar year it starts in.
    pub fn new(start_year: i32) -> Result<FiscalYear, FiscalYearError> {
        if (FiscalYear::MIN..=FiscalYear::MAX).contains(&start_year) {
            Ok(FiscalYear(start_year))
        } else {
            Err(FiscalYearError::OutOfRange(start_year))
        }
    }

    /// The fiscal year a date falls in: 2023-03-31 is FY2022, 2023-04-01 is FY2023.
    pub fn of_date(date: NaiveDate) -> Result<FiscalYear, FiscalYearError> {
        let start_year = if date.month() >= 4 {
            date.year()
        } else {
            date.year() - 1
        };
        FiscalYear::new(start_year)
    }

    /// The calendar year the fiscal year starts in.
    pub fn start_year(self) -> i32 {
        self.0
    }

    /// The first day (1 April).
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 4, 1).expect("invariant: year is in range")
    }

    /// The last day (31 March of the next year).
    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 3, 31).expect("invariant: year is in range")
    }

    /// The era a fiscal year is named in: the latest era that began in or before its start year
    /// (so FY2019 is 令和元年度 and FY1989 平成元年度, as cities write them).
    pub fn era(self) -> (Era, u32) {
        let era = Era::ALL
            .iter()
            .rev()
            .copied()
            .find(|era| era.first_year() <= self.0)
            .expect("invariant: MIN is within 昭和");
        (era, (self.0 - era.first_year() + 1) as u32)
    }

    /// `令和4年度`, `令和元年度`.
    pub fn label(self) -> String {
        let (era, era_year) = self.era();
        format!("{}{}年度", era.name(), wareki::era_year_label(era_year))
    }

    /// `令和4年度(2022年度)`, for places where both calendars help the reader.
    pub fn label_with_western(self) -> String {
        format!("{}({}年度)", self.label(), self.0)
    }

    /// `R4`.
    pub fn short_label(self) -> String {
        let (era, era_year) = self.era();
        format!("{}{era_year}", era.letter())
    }

    /// Finds the fiscal years written inside a longer text (a title, sheet name or file name):
    /// `令和4年度 個人情報保護制度の運用状況` → FY2022. Tokens are read between separators and around
    /// each `年度`. Returns every distinct year found, ascending.
    pub fn find_in(text: &str) -> Vec<FiscalYear> {
        let folded = fold_label(text);
        let mut found = std::collections::BTreeSet::new();
        // A date names a day, not the table's year: `令和5年6月1日現在` above an R4 table is the
        // day it was compiled.
        if wareki::parse_date(&folded).is_some() {
            return Vec::new();
        }
        for token in folded.split(['_', '-', '.', '/', '・', '　', '「', '」', ' ']) {
            if wareki::parse_date(token).is_some() {
                continue;
            }
            if let Ok(year) = FiscalYear::parse(token) {
                found.insert(year);
            }
        }
        let chars: Vec<(usize, char)> = folded.char_indices().collect();
        for (position, _) in folded.match_indices("年度") {
            let end = position + "年度".len();
            // Try the longest candidate that starts at most 12 characters earlier.
            let start_index = chars
                .iter()
                .position(|(offset, _)| *offset == position)
                .unwrap_or(0);
            for back in (1..=start_index.min(12)).rev() {
                let start = chars[start_index - back].0;
                if let Ok(year) = FiscalYear::parse(&folded[start..end]) {
                    found.insert(year);
                    break;
                }
            }
        }
        found.into_iter().collect()
    }

    /// Parses every written form of a fiscal year. Surrounding `(参考)` marks are ignored.
    pub fn parse(text: &str) -> Result<FiscalYear, FiscalYearError> {
        let folded = fold_label(text);
        let cleaned = folded.replace("(参考)", "").replace("参考", "");
        let cleaned = cleaned.trim_start_matches("fy").trim_start_matches("年度:");
        if cleaned.is_empty() {
            return Err(FiscalYearError::NotAFiscalYear(text.to_owned()));
        }
        parse_folded(cleaned, text)
    }
}

fn parse_folded(cleaned: &str, original: &str) -> Result<FiscalYear, FiscalYearError> {
    let not_a_year = || FiscalYearError::NotAFiscalYear(original.to_owned());
    // A date range or a single date: the fiscal year of its first date.
    if let Some((first, _)) = cleaned
        .split_once(['~', '-'])
        .filter(|(first, _)| first.contains('月'))
    {
        let (date, _) = wareki::parse_date(first).ok_or_else(not_a_year)?;
        return FiscalYear::of_date(date);
    }
    if let Some((date, _)) = wareki::parse_date(cleaned) {
        return FiscalYear::of_date(date);
    }
    // `令和4(2022)年度`, `2022年度(令和4年度)`: both calendars, which must agree.
    if let Some(open) = cleaned.find('(') {
        let close = cleaned[open..]
            .find(')')
            .map(|offset| open + offset)
            .ok_or_else(not_a_year)?;
        let main = format!("{}{}", &cleaned[..open], &cleaned[close + 1..]);
        let inner = &cleaned[open + 1..close];
        let year = parse_single(&main, original)?;
        let inner_year = match wareki::read_digits(inner) {
            Some((digits, 4)) if expect_year_suffix(&inner[4..]).is_some() => digits as i32,
            _ => parse_single(inner, original)?.0,
        };
        if inner_year != year.0 {
            let (wareki, western) = if main.starts_with(|c: char| c.is_ascii_digit()) {
                (inner_year, year.0)
            } else {
                (year.0, inner_year)
            };
            return Err(FiscalYearError::Contradiction {
                text: original.to_owned(),
                wareki,
                western,
            });
        }
        return Ok(year);
    }
    parse_single(cleaned, original)
}

/// One year in one calendar: `令和4年度`, `R4`, `2022年度`.
fn parse_single(text: &str, original: &str) -> Result<FiscalYear, FiscalYearError> {
    let not_a_year = || FiscalYearError::NotAFiscalYear(original.to_owned());
    match Era::match_prefix(text) {
        Some((era, length)) => {
            let rest = &text[length..];
            let (era_year, consumed) = wareki::read_era_year(rest).ok_or_else(not_a_year)?;
            if era_year == 0 || era.last_year().is_some_and(|last| era_year > last) {
                return Err(FiscalYearError::NoSuchEraYear {
                    text: original.to_owned(),
                    era: era.name(),
                    era_year,
                });
            }
            expect_year_suffix(&rest[consumed..]).ok_or_else(not_a_year)?;
            FiscalYear::new(era.gregorian_year(era_year))
        }
        None => {
            let (year, consumed) = wareki::read_digits(text).ok_or_else(not_a_year)?;
            if consumed != 4 {
                return Err(not_a_year());
            }
            expect_year_suffix(&text[consumed..]).ok_or_else(not_a_year)?;
            FiscalYear::new(year as i32)
        }
    }
}

/// Accepts what may follow the year number: nothing, `年度`, `年`, `度`.
fn expect_year_suffix(rest: &str) -> Option<()> {
    matches!(rest, "" | "年度" | "年" | "度").then_some(())
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn fy(text: &str) -> Result<i32, FiscalYearError> {
        FiscalYear::parse(text).map(FiscalYear::start_year)
    }

    #[test]
    fn parses_the_domain_forms() {
        let cases = [
            ("2022", 2022),
            ("2022年度", 2022),
            ("令和4年度", 2022),
            ("令和元年度", 2019),
            ("平成31年度", 2019),
            ("平成元年度", 1989),
            ("昭和63年度", 1988),
            ("R4", 2022),
            ("R4年度", 2022),
            ("r04", 2022),
            ("H30", 2018),
            ("令4", 2022),
            ("令和４年度", 2022),
            ("Ｒ４", 2022),
            ("令和4(2022)年度", 2022),
            ("2022年度(令和4年度)", 2022),
            ("令和4年度 (参考)", 2022),
            ("(参考)令和3年度", 2021),
            ("FY2022", 2022),
            ("㋿6年度", 2024),
            ("令和4年4月1日~令和5年3月31日", 2022),
            ("2023/3/31", 2022),
            ("2023年4月1日", 2023),
        ];
        for (text, expected) in cases {
            assert_eq!(fy(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_fiscal_year() {
        for text in [
            "",
            "合計",
            "市長",
            "令和",
            "20222",
            "22",
            "令和4年度分合計",
            "Total",
            "平成32年度",
        ] {
            assert!(fy(text).is_err(), "{text} should not parse");
        }
        assert!(matches!(
            fy("令和4(2021)年度"),
            Err(FiscalYearError::Contradiction { .. })
        ));
        assert!(matches!(
            fy("平成32年度"),
            Err(FiscalYearError::NoSuchEraYear { .. })
        ));
    }

    #[test]
    fn finds_years_inside_titles_and_file_names() {
        let years = |text: &str| {
            FiscalYear::find_in(text)
                .into_iter()
                .map(FiscalYear::start_year)
                .collect::<Vec<_>>()
        };
        assert_eq!(years("令和4年度 個人情報保護制度の運用状況"), vec![2022]);
        assert_eq!(years("市民課_R4_運用状況"), vec![2022]);
        assert_eq!(years("2023年度教育委員会"), vec![2023]);
        assert_eq!(years("運用状況（令和3年度・令和4年度）"), vec![2021, 2022]);
        assert!(years("運用状況").is_empty());
        assert!(
            years("令和5年6月1日").is_empty(),
            "a date is not a fiscal year"
        );
        assert!(years("2023-06-01").is_empty());
        assert_eq!(years("令和4年度 運用状況（令和5年6月1日現在）"), vec![2022]);
    }

    #[test]
    fn labels_use_gan_nen_for_the_first_year() {
        assert_eq!(
            FiscalYear::new(2019).map(FiscalYear::label).as_deref(),
            Ok("令和元年度")
        );
        assert_eq!(
            FiscalYear::new(2022).map(FiscalYear::label).as_deref(),
            Ok("令和4年度")
        );
        assert_eq!(
            FiscalYear::new(2018).map(FiscalYear::label).as_deref(),
            Ok("平成30年度")
        );
        assert_eq!(
            FiscalYear::new(2022)
                .map(FiscalYear::short_label)
                .as_deref(),
            Ok("R4")
        );
    }

    #[test]
    fn dates_fall_in_the_year_they_are_received() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid");
        assert_eq!(
            FiscalYear::of_date(date(2023, 3, 31)).map(FiscalYear::start_year),
            Ok(2022)
        );
        assert_eq!(
            FiscalYear::of_date(date(2023, 4, 1)).map(FiscalYear::start_year),
            Ok(2023)
        );
    }

    proptest! {
        #[test]
        fn label_round_trips(year in FiscalYear::MIN..=FiscalYear::MAX) {
            let fiscal_year = FiscalYear::new(year).expect("in range");
            prop_assert_eq!(FiscalYear::parse(&fiscal_year.label()), Ok(fiscal_year));
            prop_assert_eq!(FiscalYear::parse(&fiscal_year.short_label()), Ok(fiscal_year));
            prop_assert_eq!(FiscalYear::parse(&fiscal_year.label_with_western()), Ok(fiscal_year));
            prop_assert_eq!(FiscalYear::parse(&format!("{year}年度")), Ok(fiscal_year));
        }

        #[test]
        fn full_width_digits_read_like_ascii(year in 2019..=2100i32) {
            let era_year = year - 2018;
            let full_width: String = era_year
                .to_string()
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).expect("digit"))
                .collect();
            prop_assert_eq!(fy(&format!("令和{full_width}年度")), Ok(year));
        }

        #[test]
        fn every_date_lies_inside_its_fiscal_year(days in 0i64..80_000) {
            let date = NaiveDate::from_ymd_opt(1927, 4, 1).expect("valid") + chrono::Duration::days(days);
            let fiscal_year = FiscalYear::of_date(date).expect("in range");
            prop_assert!(fiscal_year.first_day() <= date && date <= fiscal_year.last_day());
            let written = wareki::format_date(date).expect("after 明治");
            prop_assert_eq!(FiscalYear::parse(&written), Ok(fiscal_year));
        }
    }
}
