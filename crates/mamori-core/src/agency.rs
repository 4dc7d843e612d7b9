//! 実施機関 names, normalised so that one body has one name.
//!
//! `市長部局`, `市長 部局`, `市長（部局）` and `市長` are the same 実施機関; full-width and half-width
//! forms fold together. [`Agency::recognise`] knows the bodies real cities list (domain.md §1 and
//! corpus/unyo) and finds them in a title, a sheet name or a file name.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// A normalised 実施機関 name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Agency(String);

/// Names of 実施機関 that cities list, longest first within a family so that `上下水道事業管理者`
/// is found before `水道事業管理者`.
const KNOWN: &[&str] = &[
    "固定資産評価審査委員会",
    "選挙管理委員会",
    "教育委員会",
    "監査委員",
    "農業委員会",
    "公平委員会",
    "人事委員会",
    "労働委員会",
    "収用委員会",
    "海区漁業調整委員会",
    "内水面漁場管理委員会",
    "公安委員会",
    "警察本部長",
    "上下水道事業管理者",
    "下水道事業管理者",
    "水道事業管理者",
    "病院事業管理者",
    "交通事業管理者",
    "公営企業管理者",
    "消防長",
    "議会",
    "市長",
    "町長",
    "村長",
    "区長",
    "知事",
];

/// The order in which cities list their 実施機関 in published tables (domain.md §1): the head of
/// the executive first, the assembly last. Bodies not listed here follow, by name.
const PUBLICATION_ORDER: &[&str] = &[
    "市長",
    "町長",
    "村長",
    "区長",
    "知事",
    "教育委員会",
    "選挙管理委員会",
    "人事委員会",
    "公平委員会",
    "監査委員",
    "農業委員会",
    "固定資産評価審査委員会",
    "労働委員会",
    "収用委員会",
    "海区漁業調整委員会",
    "内水面漁場管理委員会",
    "公安委員会",
    "警察本部長",
    "公営企業管理者",
    "上下水道事業管理者",
    "水道事業管理者",
    "下水道事業管理者",
    "病院事業管理者",
    "交通事業管理者",
    "消防長",
    "議会",
];

/// Written forms that mean a known body.
const ALIASES: &[(&str, &str)] = &[
    ("市長部局", "市長"),
    ("市長事務部局", "市長"),
    ("町長部局", "町長"),
    ("区長部局", "区長"),
    ("知事部局", "知事"),
    ("市議会", "議会"),
    ("町議会", "議会"),
    ("区議会", "議会"),
    ("消防本部", "消防長"),
    ("選管", "選挙管理委員会"),
    ("教委", "教育委員会"),
];

/// Endings of the names of 実施機関 and of their departments (市長, 教育委員会, 総務部, 市民課,
/// 水道局, 会計管理者, 保健所, 市民病院…).
const BODY_ENDINGS: &[&str] = &[
    "長",
    "会",
    "委員",
    "者",
    "部",
    "課",
    "局",
    "室",
    "所",
    "署",
    "庁",
    "館",
    "院",
    "園",
    "センター",
    "本部",
    "公社",
    "法人",
    "組合",
    "財団",
    "機構",
    "学校",
    "大学",
    "事務所",
    "事業団",
];

/// Endings that make a department name (as a file or title names the sender): narrower than
/// [`BODY_ENDINGS`], since a title's other words (説明会, 担当者) must not read as a sender.
const DEPARTMENT_ENDINGS: &[&str] = &[
    "部",
    "課",
    "局",
    "室",
    "所",
    "署",
    "館",
    "院",
    "園",
    "センター",
    "本部",
    "事務所",
];

impl Agency {
    /// The label used for figures of a whole city when a table names no 実施機関.
    pub const WHOLE_CITY: &'static str = "全実施機関";

    /// Normalises any 実施機関 name: NFKC, white space removed, brackets dropped, known aliases
    /// mapped (`市長部局` → `市長`). Returns `None` for an empty name.
    pub fn new(name: &str) -> Option<Agency> {
        let mut folded: String = name.nfkc().filter(|c| !c.is_whitespace()).collect();
        folded.retain(|c| !matches!(c, '(' | ')' | '【' | '】' | '[' | ']'));
        if folded.is_empty() {
            return None;
        }
        for (alias, canonical) in ALIASES {
            if folded == *alias {
                return Some(Agency((*canonical).to_owned()));
            }
        }
        Some(Agency(folded))
    }

    /// The agency standing for a whole city's totals.
    pub fn whole_city() -> Agency {
        Agency(Agency::WHOLE_CITY.to_owned())
    }

    /// Whether this is [`Agency::whole_city`].
    pub fn is_whole_city(&self) -> bool {
        self.0 == Agency::WHOLE_CITY
    }

    /// Finds the known 実施機関 a title, sheet name or file name names, or `None` when it names
    /// none or several different ones (see [`Agency::recognise_all`]).
    pub fn recognise(text: &str) -> Option<Agency> {
        match Agency::recognise_all(text).as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    /// Every known 実施機関 a text names, by whole words: a word that is the name or an alias
    /// (`市長部局`), the name after a municipality (`〇〇市教育委員会`), or the name before
    /// `事務局`/`部局`. `審議会` does not name 議会, and `市長公室` (a department) does not name 市長.
    pub fn recognise_all(text: &str) -> Vec<Agency> {
        let folded: String = text.nfkc().collect();
        let mut found: Vec<Agency> = Vec::new();
        for word in folded.split(is_word_separator) {
            let Some(name) = known_name_of_word(word) else {
                continue;
            };
            let agency = Agency(name.to_owned());
            if !found.contains(&agency) {
                found.push(agency);
            }
        }
        found
    }

    /// Whether a name ends like the name of a 実施機関 or a department (市民課, 水道局, 教育委員会).
    pub fn has_body_ending(name: &str) -> bool {
        BODY_ENDINGS.iter().any(|ending| name.ends_with(ending))
    }

    /// Finds a department named in a title, sheet name or file name (`市民課_運用状況`,
    /// `運用状況（税務課）`): the first word that ends like a department. Departments of 市長 send
    /// their own files; each is kept apart under its own name so that one department's file never
    /// replaces another's.
    pub fn find_department(text: &str) -> Option<Agency> {
        let folded: String = text.nfkc().collect();
        folded
            .split(is_word_separator)
            .map(|word| word.trim_start_matches(|c: char| c.is_ascii_digit()))
            .find(|word| {
                word.chars().count() >= 2
                    && DEPARTMENT_ENDINGS
                        .iter()
                        .any(|ending| word.ends_with(ending))
            })
            .and_then(Agency::new)
    }

    /// Whether `text` is exactly a known 実施機関 or one of its aliases (after normalising).
    pub fn is_known(text: &str) -> bool {
        Agency::new(text).is_some_and(|agency| KNOWN.contains(&agency.0.as_str()))
    }

    /// Whether this is one of the 実施機関 cities list (not a department such as 市民課).
    pub fn is_body(&self) -> bool {
        KNOWN.contains(&self.0.as_str())
    }

    /// Where this body comes in a published table (市長 first, 議会 last); `None` for a name
    /// that is not a known 実施機関. Sort by `(rank, name)` with `None` last.
    pub fn publication_rank(&self) -> Option<usize> {
        PUBLICATION_ORDER.iter().position(|name| *name == self.0)
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What separates the words of a title or file name (`令和4年度_市民課（運用状況）.xlsx`).
fn is_word_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '_' | '-'
                | '・'
                | '('
                | ')'
                | '「'
                | '」'
                | '【'
                | '】'
                | '['
                | ']'
                | '.'
                | ','
                | '、'
                | '。'
                | '/'
        )
}

/// The known 実施機関 a single word names, if any.
fn known_name_of_word(word: &str) -> Option<&'static str> {
    let word = word.trim_start_matches(|c: char| c.is_ascii_digit());
    if let Some((_, canonical)) = ALIASES.iter().find(|(alias, _)| *alias == word) {
        return Some(canonical);
    }
    KNOWN.iter().copied().find(|name| {
        let after_municipality = word.strip_suffix(name).is_some_and(|prefix| {
            prefix.ends_with(['市', '町', '村', '区', '都', '道', '府', '県'])
        });
        let before_office = word
            .strip_prefix(name)
            .is_some_and(|rest| matches!(rest, "事務局" | "部局" | "事務部局"));
        word == *name || after_municipality || before_office
    })
}

impl fmt::Display for Agency {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_body_has_a_place_in_published_tables() {
        for name in KNOWN {
            let agency = Agency::new(name).expect("name");
            assert!(agency.is_body(), "{name}");
            assert!(agency.publication_rank().is_some(), "{name} has no rank");
        }
        let rank = |name: &str| Agency::new(name).and_then(|a| a.publication_rank());
        assert!(rank("市長") < rank("教育委員会"));
        assert!(rank("教育委員会") < rank("議会"));
        assert_eq!(rank("市民課"), None);
        assert!(!Agency::new("市民課").expect("name").is_body());
        assert!(Agency::new("市長部局").expect("name").is_body());
    }

    #[test]
    fn normalises_spacing_width_and_aliases() {
        let mayor = Agency::new("市長").expect("name");
        assert_eq!(Agency::new("市長部局"), Some(mayor.clone()));
        assert_eq!(Agency::new(" 市長　部局 "), Some(mayor.clone()));
        assert_eq!(Agency::new("市長（部局）"), Some(mayor));
        assert_eq!(
            Agency::new("教育 委員会").map(|a| a.0),
            Some("教育委員会".to_owned())
        );
        assert_eq!(Agency::new("　"), None);
    }

    #[test]
    fn finds_a_department_that_sends_its_own_file() {
        let department = |text: &str| Agency::find_department(text).map(|a| a.0);
        assert_eq!(department("市民課_運用状況"), Some("市民課".to_owned()));
        assert_eq!(
            department("令和4年度 運用状況（税務課）"),
            Some("税務課".to_owned())
        );
        assert_eq!(
            department("総務部総務課　個人情報の開示請求等の運用状況"),
            Some("総務部総務課".to_owned())
        );
        assert_eq!(department("01_上下水道局"), Some("上下水道局".to_owned()));
        assert_eq!(department("令和4年度 個人情報保護制度の運用状況"), None);
        assert_eq!(department("開示請求受付簿"), None);
    }

    #[test]
    fn recognises_a_body_inside_a_title_or_file_name() {
        assert_eq!(
            Agency::recognise("令和4年度_教育委員会_運用状況.xlsx").map(|a| a.0),
            Some("教育委員会".to_owned())
        );
        assert_eq!(
            Agency::recognise("上下水道事業管理者").map(|a| a.0),
            Some("上下水道事業管理者".to_owned())
        );
        assert_eq!(
            Agency::recognise("市長部局 集計").map(|a| a.0),
            Some("市長".to_owned())
        );
        assert_eq!(Agency::recognise("運用状況"), None);
        assert_eq!(
            Agency::recognise("個人情報保護審議会資料_R4"),
            None,
            "審議会 is not 議会"
        );
        assert_eq!(
            Agency::recognise("市長公室_運用状況"),
            None,
            "市長公室 is a department"
        );
        assert_eq!(
            Agency::recognise("〇〇市教育委員会 運用状況").map(|a| a.0),
            Some("教育委員会".to_owned())
        );
        assert_eq!(
            Agency::recognise("教育委員会事務局").map(|a| a.0),
            Some("教育委員会".to_owned())
        );
        assert_eq!(
            Agency::recognise_all("市長部局・教育委員会・議会の合計").len(),
            2,
            "議会の合計 is not a word"
        );
        assert_eq!(
            Agency::recognise("市長と教育委員会"),
            None,
            "two bodies are ambiguous"
        );
    }
}
