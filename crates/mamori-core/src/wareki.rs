//! 和暦: Japanese era names, era years and dates written with them.
//!
//! The era table is in [`Era::ALL`]. Parsing works on folded text (see [`crate::text::fold_label`]),
//! so `令和４年`, `Ｒ４`, `㋿4年` and `R4` read alike. Dates before 1873 (the Gregorian calendar's
//! adoption) are not supported.

use chrono::{Datelike, NaiveDate};

/// A Japanese era.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era's name in kanji.
    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era's one-letter abbreviation (M, T, S, H, R).
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The first day of the era (inclusive).
    pub fn start(self) -> NaiveDate {
        let (year, month, day) = match self {
            Era::Meiji => (1868, 10, 23),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(year, month, day)
            .expect("invariant: the era table holds valid dates")
    }

    /// The Gregorian year of the era's first year (元年).
    pub fn first_year(self) -> i32 {
        self.start().year()
    }

    /// The last era year that exists, or `None` for the current era.
    pub fn last_year(self) -> Option<u32> {
        let next = Era::ALL.iter().copied().find(|era| *era > self)?;
        Some((next.first_year() - self.first_year() + 1) as u32)
    }

    /// The Gregorian year of era year `era_year` (1 = 元年).
    pub fn gregorian_year(self, era_year: u32) -> i32 {
        self.first_year() + era_year as i32 - 1
    }

    /// Finds an era by its name, letter or ligature at the start of folded text; returns the era
    /// and the length in bytes of what was matched.
    pub fn match_prefix(text: &str) -> Option<(Era, usize)> {
        for era in Era::ALL {
            if text.starts_with(era.name()) {
                return Some((era, era.name().len()));
            }
        }
        // Abbreviations: 令4, 平30, R4, r4, H30.
        let mut chars = text.chars();
        let first = chars.next()?;
        let era = match first {
            '令' | 'r' | 'R' => Era::Reiwa,
            '平' | 'h' | 'H' => Era::Heisei,
            '昭' | 's' | 'S' => Era::Showa,
            '大' | 't' | 'T' => Era::Taisho,
            '明' | 'm' | 'M' => Era::Meiji,
            _ => return None,
        };
        // An abbreviation must be followed by a digit or 元, else "Total" would read as 大正.
        let next = chars.next()?;
        if next.is_ascii_digit() || next == '元' {
            Some((era, first.len_utf8()))
        } else {
            None
        }
    }
}

/// The era in effect on `date`, with its era year. `None` before 明治.
pub fn era_of(date: NaiveDate) -> Option<(Era, u32)> {
    let era = Era::ALL
        .iter()
        .rev()
        .copied()
        .find(|era| era.start() <= date)?;
    Some((era, (date.year() - era.first_year() + 1) as u32))
}

/// Formats an era year: `元` for 1, digits otherwise.
pub fn era_year_label(era_year: u32) -> String {
    if era_year == 1 {
        "元".to_owned()
    } else {
        era_year.to_string()
    }
}

/// Formats a date as `令和5年3月31日`.
pub fn format_date(date: NaiveDate) -> Option<String> {
    let (era, year) = era_of(date)?;
    Some(format!(
        "{}{}年{}月{}日",
        era.name(),
        era_year_label(year),
        date.month(),
        date.day()
    ))
}

/// Reads an era year (`元` or digits) at the start of `text`; returns it and the bytes consumed.
pub(crate) fn read_era_year(text: &str) -> Option<(u32, usize)> {
    if text.starts_with('元') {
        return Some((1, '元'.len_utf8()));
    }
    read_digits(text)
}

/// Reads ASCII digits at the start of `text` (at most 9); returns the value and the bytes consumed.
pub(crate) fn read_digits(text: &str) -> Option<(u32, usize)> {
    let length = text.bytes().take_while(u8::is_ascii_digit).count();
    if length == 0 || length > 9 {
        return None;
    }
    Some((text[..length].parse().ok()?, length))
}

/// Parses a date written in folded text: `令和5年3月31日`, `R5.3.31`, `R05/03/31`, `2023/3/31`,
/// `2023-03-31`, `2023年3月31日`. Returns the date and whether it named an era after that era had
/// ended (`平成31年5月1日`), which callers report but accept.
pub fn parse_date(folded: &str) -> Option<(NaiveDate, bool)> {
    let text = folded.trim();
    let (year, rest, era) = match Era::match_prefix(text) {
        Some((era, length)) => {
            let (era_year, consumed) = read_era_year(&text[length..])?;
            if era_year == 0 {
                return None;
            }
            (
                era.gregorian_year(era_year),
                &text[length + consumed..],
                Some((era, era_year)),
            )
        }
        None => {
            let (year, consumed) = read_digits(text)?;
            if consumed != 4 {
                return None;
            }
            (year as i32, &text[consumed..], None)
        }
    };
    let rest = rest.strip_prefix(['年', '.', '/', '-'])?;
    let (month, consumed) = read_digits(rest)?;
    let rest = rest[consumed..].strip_prefix(['月', '.', '/', '-'])?;
    let (day, consumed) = read_digits(rest)?;
    let rest = &rest[consumed..];
    if !(rest.is_empty() || rest == "日") {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if date < NaiveDate::from_ymd_opt(1873, 1, 1)? {
        return None;
    }
    let mut after_era_end = false;
    if let Some((era, era_year)) = era {
        if date < era.start() {
            return None;
        }
        if let Some(last) = era.last_year() {
            if era_year > last {
                return None;
            }
            let next_start = Era::ALL.iter().copied().find(|e| *e > era).map(Era::start);
            after_era_end = next_start.is_some_and(|start| date >= start);
        }
    }
    Some((date, after_era_end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold_label;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(era_of(date(1989, 1, 7)), Some((Era::Showa, 64)));
        assert_eq!(era_of(date(1989, 1, 8)), Some((Era::Heisei, 1)));
        assert_eq!(era_of(date(2019, 4, 30)), Some((Era::Heisei, 31)));
        assert_eq!(era_of(date(2019, 5, 1)), Some((Era::Reiwa, 1)));
        assert_eq!(
            format_date(date(2019, 5, 1)).as_deref(),
            Some("令和元年5月1日")
        );
    }

    #[test]
    fn parses_dates_in_every_written_form() {
        for text in [
            "令和5年3月31日",
            "R5.3.31",
            "R05/03/31",
            "2023/3/31",
            "2023-03-31",
            "令和５年３月３１日",
            "㋿5年3月31日",
        ] {
            assert_eq!(
                parse_date(&fold_label(text)),
                Some((date(2023, 3, 31), false)),
                "{text}"
            );
        }
        assert_eq!(
            parse_date(&fold_label("令和元年5月1日")),
            Some((date(2019, 5, 1), false))
        );
    }

    #[test]
    fn heisei_31_after_the_change_is_accepted_and_flagged() {
        assert_eq!(
            parse_date(&fold_label("平成31年5月1日")),
            Some((date(2019, 5, 1), true))
        );
        assert_eq!(
            parse_date(&fold_label("平成31年4月30日")),
            Some((date(2019, 4, 30), false))
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(parse_date("令和5年2月30日"), None);
        assert_eq!(parse_date("令和1年4月1日"), None, "before 令和 began");
        assert_eq!(parse_date("平成40年1月1日"), None);
        assert_eq!(parse_date("total"), None);
        assert_eq!(parse_date("2023年3月31日です"), None);
    }
}
