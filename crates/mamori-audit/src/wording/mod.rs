//! Standard clause wording suggested for partial or missing clauses.
//!
//! The texts are data: the defaults are `templates/clauses/1.md` … `8.md` at the workspace
//! root (our own wording, in 特記事項 style with 甲/乙), embedded by [`ClauseWording::standard`];
//! a city passes its own as `(name, text)` pairs to [`ClauseWording::from_named`], where the
//! name is the file name (`3.md`, `clause-3.md`) or just the clause number.

use std::collections::BTreeMap;

/// Clause number → text to suggest.
#[derive(Debug, Clone, Default)]
pub struct ClauseWording {
    texts: BTreeMap<u8, String>,
}

const STANDARD: [(&str, &str); 8] = [
    ("1.md", include_str!("../../../../templates/clauses/1.md")),
    ("2.md", include_str!("../../../../templates/clauses/2.md")),
    ("3.md", include_str!("../../../../templates/clauses/3.md")),
    ("4.md", include_str!("../../../../templates/clauses/4.md")),
    ("5.md", include_str!("../../../../templates/clauses/5.md")),
    ("6.md", include_str!("../../../../templates/clauses/6.md")),
    ("7.md", include_str!("../../../../templates/clauses/7.md")),
    ("8.md", include_str!("../../../../templates/clauses/8.md")),
];

impl ClauseWording {
    /// No suggestions.
    pub fn none() -> ClauseWording {
        ClauseWording::default()
    }

    /// The standard wording from `templates/clauses/`.
    pub fn standard() -> ClauseWording {
        ClauseWording::from_named(&STANDARD)
    }

    /// Wording from `(name, text)` pairs. The clause number is the first run of ASCII digits in
    /// the name; names without one, numbers outside 1–8 and blank texts are ignored. Lines
    /// starting with `#` (a Markdown title or a comment for editors) are dropped from the text.
    pub fn from_named(pairs: &[(&str, &str)]) -> ClauseWording {
        let mut texts = BTreeMap::new();
        for (name, text) in pairs {
            let digits: String = name
                .chars()
                .skip_while(|character| !character.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            let Ok(id) = digits.parse::<u8>() else {
                continue;
            };
            let body: Vec<&str> = text
                .lines()
                .filter(|line| !line.trim_start().starts_with('#'))
                .collect();
            let body = body.join("\n").trim().to_owned();
            if (1..=8).contains(&id) && !body.is_empty() {
                texts.insert(id, body);
            }
        }
        ClauseWording { texts }
    }

    /// This wording with `pairs` (as in [`ClauseWording::from_named`]) in place of the clauses
    /// they name: a city replaces the texts it has its own wording for and keeps the others.
    pub fn with_overrides(mut self, pairs: &[(&str, &str)]) -> ClauseWording {
        self.texts.extend(ClauseWording::from_named(pairs).texts);
        self
    }

    /// The text for clause `id`, if any.
    pub fn for_clause(&self, id: u8) -> Option<&str> {
        self.texts.get(&id).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_the_clauses_they_name() {
        let wording =
            ClauseWording::standard().with_overrides(&[("3.md", "# 題\n乙は目的外に使わない。")]);
        assert_eq!(wording.for_clause(3), Some("乙は目的外に使わない。"));
        assert_eq!(
            wording.for_clause(1),
            ClauseWording::standard().for_clause(1)
        );
    }

    #[test]
    fn standard_wording_covers_every_clause() {
        let wording = ClauseWording::standard();
        for id in 1..=8 {
            let text = wording.for_clause(id).expect("every clause has wording");
            assert!(text.contains('乙'), "clause {id}: {text}");
            assert!(!text.contains('#'), "clause {id} keeps its title line");
        }
    }

    #[test]
    fn city_wording_is_keyed_by_the_number_in_the_name() {
        let wording = ClauseWording::from_named(&[
            ("clause-3.md", "# 題\n乙は目的外に利用しない。"),
            ("readme.md", "無視される"),
            ("9.md", "範囲外"),
        ]);
        assert_eq!(wording.for_clause(3), Some("乙は目的外に利用しない。"));
        assert_eq!(wording.for_clause(9), None);
        assert_eq!(wording.for_clause(1), None);
    }
}
