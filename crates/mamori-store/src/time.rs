//! Instants as stored: fixed-width UTC text (`2026-05-07T00:00:00.000Z`), so text order is time
//! order on both backends and no driver date type is needed (sqlx's `Any` has none).

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::StoreError;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// The stored text of `instant`.
pub(crate) fn stamp(instant: DateTime<Utc>) -> String {
    instant.format(FORMAT).to_string()
}

/// An instant read back from the store.
pub(crate) fn parse(text: &str) -> Result<DateTime<Utc>, StoreError> {
    NaiveDateTime::parse_from_str(text, FORMAT)
        .map(|naive| naive.and_utc())
        .map_err(|_| StoreError::Corrupt(format!("unreadable time `{text}`")))
}

pub(crate) fn parse_optional(text: Option<&str>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(parse).transpose()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn stamps_sort_as_time_and_read_back() {
        let early = Utc
            .with_ymd_and_hms(2026, 5, 7, 0, 0, 0)
            .single()
            .expect("valid");
        let late = Utc
            .with_ymd_and_hms(2026, 11, 23, 8, 30, 1)
            .single()
            .expect("valid");
        assert_eq!(stamp(early), "2026-05-07T00:00:00.000Z");
        assert!(stamp(early) < stamp(late));
        assert_eq!(parse(&stamp(late)).ok(), Some(late));
        assert!(parse("yesterday").is_err());
    }
}
