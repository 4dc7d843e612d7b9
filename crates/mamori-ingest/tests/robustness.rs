//! Damaged files never panic and never yield different numbers silently: a real workbook with
//! bytes flipped or cut short is either refused with an error, or reads exactly as the original.

mod support;

use proptest::prelude::*;

use crate::support::{figures_with_cells, read};
use mamori_test_support::{TableSpec, Value, example_headers};

fn original() -> Vec<u8> {
    TableSpec::new("年度", example_headers())
        .title("市長部局 運用状況")
        .row(
            "令和3年度",
            [4, 1, 2, 0, 1, 0, 1, 0, 3, 0].map(Value::Count).to_vec(),
        )
        .row(
            "令和4年度",
            [7, 3, 2, 1, 0, 1, 0, 1, 2, 1].map(Value::Count).to_vec(),
        )
        .to_xlsx("運用状況")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn flipped_bytes_are_refused_or_change_nothing(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6)
    ) {
        let bytes = original();
        let expected = figures_with_cells(&read("市長部局.xlsx", &bytes));
        let mut damaged = bytes;
        for (index, mask) in &flips {
            let position = index.index(damaged.len());
            damaged[position] ^= mask;
        }
        let reading = read("市長部局.xlsx", &damaged);
        prop_assert!(
            reading.has_errors() || figures_with_cells(&reading) == expected,
            "a damaged file read with different numbers and no error: {:#?}",
            reading.diagnostics
        );
    }

    #[test]
    fn a_file_cut_short_is_refused(keep in 0usize..100) {
        let bytes = original();
        let length = bytes.len() * keep / 100;
        let reading = read("市長部局.xlsx", &bytes[..length]);
        prop_assert!(reading.has_errors(), "{} of {} bytes read without error", length, bytes.len());
        prop_assert!(reading.figures.is_empty() || reading.has_errors());
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let reading = read("部署.csv", text.as_bytes());
        // Whatever it is, it is either refused or every figure names its cell.
        prop_assert!(reading.has_errors() || reading.figures.iter().all(|f| !f.provenance.cell_text().is_empty()));
    }
}
