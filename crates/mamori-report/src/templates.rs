//! Templates as data: the embedded defaults from the repository's `templates/report/`, with a
//! city's own files (read by the caller from the folder `mamori.toml` names) taking their place.

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::model::ReportError;

/// The HTML fragment for a CMS: the tables with their notes.
pub const FRAGMENT: &str = "annual_fragment.html";
/// The standalone page: the fragment, the chart and the page around them.
pub const PAGE: &str = "annual_page.html";
/// Markdown for terminals and mail bodies.
pub const MARKDOWN: &str = "annual.md";
/// A contract audit as Markdown.
pub const AUDIT_MARKDOWN: &str = "audit.md";

const DEFAULTS: &[(&str, &str)] = &[
    (
        FRAGMENT,
        include_str!("../../../templates/report/annual_fragment.html"),
    ),
    (
        PAGE,
        include_str!("../../../templates/report/annual_page.html"),
    ),
    (
        MARKDOWN,
        include_str!("../../../templates/report/annual.md"),
    ),
    (
        AUDIT_MARKDOWN,
        include_str!("../../../templates/report/audit.md"),
    ),
];

/// A set of report templates by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    sources: BTreeMap<String, String>,
}

impl Default for Templates {
    fn default() -> Templates {
        Templates {
            sources: DEFAULTS
                .iter()
                .map(|(name, source)| ((*name).to_owned(), (*source).to_owned()))
                .collect(),
        }
    }
}

impl Templates {
    /// The names a city may override.
    pub fn names() -> impl Iterator<Item = &'static str> {
        DEFAULTS.iter().map(|(name, _)| *name)
    }

    /// The embedded defaults with `overrides` (name, source) in their place. A name that is not
    /// a report template is refused, so a misspelt file name does not go unnoticed.
    pub fn with_overrides(overrides: Vec<(String, String)>) -> Result<Templates, ReportError> {
        let mut templates = Templates::default();
        for (name, source) in overrides {
            if !templates.sources.contains_key(&name) {
                return Err(ReportError::Template {
                    name,
                    message: format!(
                        "報告のテンプレート名ではありません（使える名前: {}）",
                        Templates::names().collect::<Vec<_>>().join("、")
                    ),
                });
            }
            templates.sources.insert(name, source);
        }
        Ok(templates)
    }

    /// Renders template `name` with `context`: strict about undefined values, HTML-escaping
    /// templates whose name ends in `.html`.
    pub(crate) fn render<T: Serialize>(
        &self,
        name: &str,
        context: &T,
    ) -> Result<String, ReportError> {
        let error = |message: String| ReportError::Template {
            name: name.to_owned(),
            message,
        };
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| error(describe(&e)))?;
        environment.set_syntax(syntax);
        environment.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".svg") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        environment.add_filter("count", count_filter);
        environment.add_filter("md", markdown_cell);
        for (template_name, source) in &self.sources {
            environment
                .add_template_owned(template_name.clone(), source.clone())
                .map_err(|e| error(describe(&e)))?;
        }
        let template = environment
            .get_template(name)
            .map_err(|e| error(describe(&e)))?;
        template
            .render(Value::from(Serde(context)))
            .map_err(|e| error(describe(&e)))
    }
}

/// An error with its template line, as minijinja reports it.
fn describe(error: &minijinja::Error) -> String {
    let mut text = error.to_string();
    if let Some(line) = error.line() {
        text.push_str(&format!("（{line}行目）"));
    }
    text
}

/// `1234` → `1,234`; none → `－` (not reported).
fn count_filter(value: &Value) -> String {
    match value.as_i64() {
        Some(count) if !value.is_none() => group_thousands(count),
        _ => crate::NOT_REPORTED.to_owned(),
    }
}

/// A table cell for Markdown: `|` escaped, line breaks as spaces.
fn markdown_cell(value: &str) -> String {
    value.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Digits with a comma every three.
pub(crate) fn group_thousands(count: i64) -> String {
    let digits = count.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if count < 0 {
        grouped.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(-12_345), "-12,345");
    }

    #[test]
    fn refuses_an_override_for_a_name_that_is_not_a_template() {
        let error = Templates::with_overrides(vec![("anual.md".to_owned(), String::new())])
            .expect_err("misspelt");
        assert!(error.to_string().contains("anual.md"), "{error}");
    }

    #[test]
    fn a_misspelt_variable_is_an_error_naming_the_template() {
        let templates =
            Templates::with_overrides(vec![(MARKDOWN.to_owned(), "{{ reprot.title }}".to_owned())])
                .expect("known name");
        let error = templates
            .render(MARKDOWN, &serde_json::json!({"report": {"title": "x"}}))
            .expect_err("strict");
        assert!(error.to_string().contains(MARKDOWN), "{error}");
    }
}
