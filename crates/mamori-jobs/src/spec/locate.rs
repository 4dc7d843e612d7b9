//! Where in a job file an error is: byte spans to line and column, spans to key paths (for the
//! TOML parser's errors) and key paths to spans (for validation errors), using the spanned
//! document `toml::de::DeTable`.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::spec::error::{KeyPath, KeySegment, Position, SpecErrorKind};

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn position(text: &str, offset: usize) -> Position {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The key whose name or value holds byte `offset`, or `None` when it is outside every key.
pub(crate) fn path_at(table: &DeTable<'_>, offset: usize) -> Option<KeyPath> {
    let mut path = KeyPath::default();
    path_in_table(table, offset, &mut path).then_some(path)
}

fn path_in_table(table: &DeTable<'_>, offset: usize, path: &mut KeyPath) -> bool {
    for (key, value) in table.iter() {
        path.push(KeySegment::Key(key.get_ref().to_string()));
        if contains(&key.span(), offset) || path_in_value(value, offset, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn path_in_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &mut KeyPath) -> bool {
    match value.get_ref() {
        // A table's own span is its header or braces; its keys lie elsewhere.
        DeValue::Table(table) => path_in_table(table, offset, path),
        DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(KeySegment::Index(index));
                if path_in_value(item, offset, path) {
                    return true;
                }
                path.pop();
            }
            contains(&value.span(), offset)
        }
        _ => contains(&value.span(), offset),
    }
}

fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.contains(&offset) || (span.is_empty() && span.start == offset)
}

/// The span to point at for `path`: the value of a scalar or array, the key of a table, or the
/// deepest part of the path the file has (a missing key points at its table). Keys match in
/// either spelling, `catch_up` or `catch-up`.
pub(crate) fn span_of(table: &DeTable<'_>, path: &KeyPath) -> Option<Range<usize>> {
    let mut found = None;
    let mut current: Option<&Spanned<DeValue<'_>>> = None;
    for segment in path.segments() {
        let next = match (segment, current.map(Spanned::get_ref)) {
            (KeySegment::Key(wanted), None) => find_key(table, wanted),
            (KeySegment::Key(wanted), Some(DeValue::Table(inner))) => find_key(inner, wanted),
            (KeySegment::Index(index), Some(DeValue::Array(items))) => {
                items.get(*index).map(|item| (item.span(), item))
            }
            _ => None,
        };
        let Some((key_span, value)) = next else {
            break;
        };
        found = Some(match value.get_ref() {
            DeValue::Table(_) => key_span,
            _ => value.span(),
        });
        current = Some(value);
    }
    found
}

fn find_key<'t, 'i>(
    table: &'t DeTable<'i>,
    wanted: &str,
) -> Option<(Range<usize>, &'t Spanned<DeValue<'i>>)> {
    table
        .iter()
        .find(|(key, _)| key.get_ref().replace('-', "_") == wanted.replace('-', "_"))
        .map(|(key, value)| (key.span(), value))
}

/// Sorts the TOML deserializer's message into a kind: unknown keys and values with the allowed
/// ones (kebab-case aliases of snake_case keys left out), else a wrong type.
pub(crate) fn classify(message: &str) -> SpecErrorKind {
    let quoted: Vec<String> = message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    if message.starts_with("unknown field `")
        && let Some((key, allowed)) = quoted.split_first()
    {
        let allowed = allowed
            .iter()
            .filter(|name| !(name.contains('-') && allowed.contains(&name.replace('-', "_"))))
            .cloned()
            .collect();
        return SpecErrorKind::UnknownKey {
            key: key.clone(),
            allowed,
        };
    }
    if message.starts_with("unknown variant `")
        && let Some((value, allowed)) = quoted.split_first()
    {
        return SpecErrorKind::UnknownValue {
            value: value.clone(),
            allowed: allowed.to_vec(),
        };
    }
    SpecErrorKind::WrongType {
        message: readable_types(message),
    }
}

/// Replaces the wire types' Rust names in serde's messages (`expected struct MailWire`) with
/// what a job file author knows.
fn readable_types(message: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for word in message.split(' ') {
        let name = word.trim_end_matches([',', '.']);
        if name.ends_with("Wire") && name.chars().next().is_some_and(char::is_uppercase) {
            let described = match words.last().map(String::as_str) {
                Some("struct") => "a table",
                Some("enum") => "one of the allowed words",
                _ => "a value",
            };
            if matches!(words.last().map(String::as_str), Some("struct" | "enum")) {
                words.pop();
            }
            words.push(format!("{described}{}", &word[name.len()..]));
        } else {
            words.push(word.to_owned());
        }
    }
    words.join(" ")
}
