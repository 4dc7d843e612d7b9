//! Random 運用状況 tables in every supported layout, written by real writers: whatever the axis,
//! header style, wording, zero and value style, totals and file format, the import returns
//! exactly the figures written and no errors.

mod support;

use std::collections::BTreeSet;

use mamori_core::{Agency, Code, FiscalYear, Severity};
use mamori_test_support::{Header, TableSpec, Value};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use crate::support::{Row, figures, read};

/// A category the generator may use: its key, its wordings, and whether it is a decision (which
/// sits under 処理の状況 in a two-level header).
struct CategoryPool {
    key: &'static str,
    labels: &'static [&'static str],
    decision: bool,
}

const POOL: &[CategoryPool] = &[
    CategoryPool {
        key: "disclosure_requests",
        labels: &["開示請求", "請求件数", "開示請求件数"],
        decision: false,
    },
    CategoryPool {
        key: "disclosed",
        labels: &["開示", "全部開示"],
        decision: true,
    },
    CategoryPool {
        key: "partially_disclosed",
        labels: &["一部開示", "部分開示", "一部\n開示"],
        decision: true,
    },
    CategoryPool {
        key: "not_disclosed",
        labels: &["不開示", "非開示"],
        decision: true,
    },
    CategoryPool {
        key: "nonexistent",
        labels: &["不存在", "文書不存在"],
        decision: true,
    },
    CategoryPool {
        key: "withdrawn",
        labels: &["取下げ", "取り下げ"],
        decision: true,
    },
    CategoryPool {
        key: "correction_requests",
        labels: &["訂正請求"],
        decision: false,
    },
    CategoryPool {
        key: "suspension_requests",
        labels: &["利用停止", "利用停止請求"],
        decision: false,
    },
    CategoryPool {
        key: "complaints",
        labels: &["苦情相談", "苦情"],
        decision: false,
    },
    CategoryPool {
        key: "appeals",
        labels: &["審査請求", "不服申立て"],
        decision: false,
    },
];

/// 実施機関 stated once for a whole table (title, sheet or file name): names a reader recognises.
const AGENCIES: &[&str] = &[
    "市長",
    "教育委員会",
    "選挙管理委員会",
    "監査委員",
    "農業委員会",
    "固定資産評価審査委員会",
    "水道事業管理者",
    "議会",
];

/// 実施機関 written as row labels: aliases (市長部局 → 市長, 消防本部 → 消防長) and departments.
const ROW_AGENCIES: &[&str] = &[
    "市長部局",
    "教育委員会",
    "選挙管理委員会",
    "監査委員",
    "農業委員会",
    "総務部",
    "水道局",
    "消防本部",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Title,
    SheetName,
    FileName,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Axis {
    /// Years down the side; the 実施機関 stated once.
    YearsAsRows { agency: usize, place: Place },
    /// 実施機関 down the side; the year stated once.
    AgenciesAsRows { year: i32, place: Place },
    /// Years across the top, categories down the side.
    YearsAsColumns { agency: usize, place: Place },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileFormat {
    Xlsx,
    Utf8Csv,
    Cp932Csv,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zero {
    Digit,
    Dash,
    Blank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Number,
    Text,
    FullWidth,
    Ken,
    Thousands,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    None,
    Ken,
    BracketedKen,
}

#[derive(Debug, Clone)]
struct Case {
    axis: Axis,
    /// Indexes into [`POOL`] with the wording chosen for each, in publication order.
    categories: Vec<(usize, usize)>,
    two_level: bool,
    suffix: Suffix,
    zero: Zero,
    written: Written,
    totals_row: bool,
    totals_column: bool,
    format: FileFormat,
    /// Row keys: fiscal years (start year) for the year axes, agency indexes otherwise.
    row_keys: Vec<i32>,
    /// How each year label is written (an index into [`year_label`]'s forms).
    year_forms: Vec<usize>,
    values: Vec<Vec<u64>>,
}

fn year_label(year: i32, form: usize) -> String {
    let fiscal_year = FiscalYear::new(year).expect("generated years are in range");
    match form % 6 {
        0 => fiscal_year.label(),
        5 => format!("{}(参考)", fiscal_year.label()),
        1 => fiscal_year.short_label(),
        2 => format!("{year}年度"),
        3 => fiscal_year
            .label()
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect(),
        _ => fiscal_year.label_with_western(),
    }
}

fn header_label(label: &str, suffix: Suffix) -> String {
    match suffix {
        Suffix::None => label.to_owned(),
        Suffix::Ken if label.ends_with('数') => label.to_owned(),
        Suffix::Ken => format!("{label}件"),
        Suffix::BracketedKen => format!("{label}(件)"),
    }
}

fn write_value(count: u64, zero: Zero, written: Written) -> Value {
    if count == 0 {
        return match zero {
            Zero::Digit if written == Written::FullWidth => Value::Text("０".to_owned()),
            Zero::Digit if written == Written::Ken => Value::Text("0件".to_owned()),
            Zero::Digit => Value::Count(0),
            Zero::Dash => Value::Text("－".to_owned()),
            Zero::Blank => Value::Blank,
        };
    }
    let digits = count.to_string();
    match written {
        Written::Number => Value::Count(count),
        Written::Text => Value::Text(digits),
        Written::FullWidth => Value::Text(
            digits
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
                .collect(),
        ),
        Written::Ken => Value::Text(format!("{digits}件")),
        Written::Thousands => {
            let mut grouped = String::new();
            for (index, digit) in digits.chars().enumerate() {
                if index > 0 && (digits.len() - index).is_multiple_of(3) {
                    grouped.push(',');
                }
                grouped.push(digit);
            }
            Value::Text(grouped)
        }
    }
}

impl Case {
    fn agency_name(&self) -> Option<&'static str> {
        match self.axis {
            Axis::YearsAsRows { agency, .. } | Axis::YearsAsColumns { agency, .. } => {
                Some(AGENCIES[agency])
            }
            Axis::AgenciesAsRows { .. } => None,
        }
    }

    /// Where the table-wide year or 実施機関 goes, moved to the file name where the format has no
    /// sheet names of its own (CSV, and HTML tables named 表1, 表2…).
    fn place(&self) -> Place {
        let place = match self.axis {
            Axis::YearsAsRows { place, .. }
            | Axis::AgenciesAsRows { place, .. }
            | Axis::YearsAsColumns { place, .. } => place,
        };
        if place == Place::SheetName && self.format != FileFormat::Xlsx {
            Place::FileName
        } else {
            place
        }
    }

    /// The text stating the table-wide year or 実施機関.
    fn stated(&self) -> String {
        match self.axis {
            Axis::AgenciesAsRows { year, .. } => year_label(year, 0),
            _ => self.agency_name().unwrap_or_default().to_owned(),
        }
    }

    fn decisions(&self) -> Vec<usize> {
        (0..self.categories.len())
            .filter(|index| POOL[self.categories[*index].0].decision)
            .collect()
    }

    fn spec(&self) -> TableSpec {
        let decisions = self.decisions();
        let grouped = self.two_level && !decisions.is_empty();
        let mut headers = Vec::new();
        // Where each category's value goes among the headers, and where the totals column is.
        let mut positions = Vec::new();
        let mut total_position = None;
        for (index, (pool, wording)) in self.categories.iter().enumerate() {
            let category = &POOL[*pool];
            let text = header_label(category.labels[*wording], self.suffix);
            if self.totals_column
                && !grouped
                && decisions.first() == Some(&index)
                && total_position.is_none()
            {
                total_position = Some(headers.len());
                headers.push(Header::leaf(&header_label("処理件数", self.suffix)));
            }
            positions.push(headers.len());
            if grouped && category.decision {
                headers.push(Header::grouped("処理の状況", &text));
            } else {
                headers.push(Header::leaf(&text));
            }
            if self.totals_column && grouped && decisions.last() == Some(&index) {
                total_position = Some(headers.len());
                headers.push(Header::grouped("処理の状況", "計"));
            }
        }
        let corner = match self.axis {
            Axis::YearsAsRows { .. } => "年度",
            Axis::AgenciesAsRows { .. } => "実施機関",
            Axis::YearsAsColumns { .. } => "区分",
        };
        let mut spec = TableSpec::new(corner, headers.clone());
        if self.place() == Place::Title {
            spec = spec.title(&format!("{} 個人情報保護制度の運用状況", self.stated()));
        }
        let mut sums = vec![0u64; headers.len()];
        for (row, key) in self.row_keys.iter().enumerate() {
            let label = match self.axis {
                Axis::AgenciesAsRows { .. } => ROW_AGENCIES[*key as usize].to_owned(),
                _ => year_label(*key, self.year_forms[row]),
            };
            let mut numbers = vec![0u64; headers.len()];
            for (index, position) in positions.iter().enumerate() {
                numbers[*position] = self.values[row][index];
            }
            if let Some(total) = total_position {
                numbers[total] = decisions.iter().map(|d| self.values[row][*d]).sum();
            }
            for (sum, number) in sums.iter_mut().zip(&numbers) {
                *sum += number;
            }
            spec = spec.row(
                &label,
                numbers
                    .iter()
                    .map(|n| write_value(*n, self.zero, self.written))
                    .collect(),
            );
        }
        if self.totals_row {
            spec = spec.row(
                "合計",
                sums.iter()
                    .map(|n| write_value(*n, self.zero, self.written))
                    .collect(),
            );
        }
        if matches!(self.axis, Axis::YearsAsColumns { .. }) {
            spec = spec.transposed();
        }
        spec
    }

    fn file_name(&self) -> String {
        let stem = if self.place() == Place::FileName {
            format!("{}_運用状況", self.stated())
        } else {
            "運用状況".to_owned()
        };
        let extension = match self.format {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Utf8Csv | FileFormat::Cp932Csv => "csv",
            FileFormat::Html => "html",
        };
        format!("{stem}.{extension}")
    }

    fn bytes(&self) -> Vec<u8> {
        let spec = self.spec();
        let sheet = if self.place() == Place::SheetName {
            self.stated()
        } else {
            "運用状況".to_owned()
        };
        match self.format {
            FileFormat::Xlsx => spec.to_xlsx(&sheet),
            FileFormat::Utf8Csv => spec.to_delimited(',').into_bytes(),
            FileFormat::Cp932Csv => spec.to_cp932_csv(),
            FileFormat::Html => spec.to_html().into_bytes(),
        }
    }

    fn expected(&self) -> BTreeSet<Row> {
        let mut expected = BTreeSet::new();
        for (row, key) in self.row_keys.iter().enumerate() {
            let (year, agency) = match self.axis {
                Axis::AgenciesAsRows { year, .. } => (year, ROW_AGENCIES[*key as usize]),
                _ => (*key, self.agency_name().unwrap_or_default()),
            };
            let agency = Agency::new(agency).expect("pool names are not empty");
            for (index, (pool, _)) in self.categories.iter().enumerate() {
                expected.insert((
                    year,
                    agency.to_string(),
                    POOL[*pool].key.to_owned(),
                    self.values[row][index],
                ));
            }
        }
        expected
    }
}

fn place() -> impl Strategy<Value = Place> {
    prop_oneof![
        Just(Place::Title),
        Just(Place::SheetName),
        Just(Place::FileName)
    ]
}

fn axis() -> impl Strategy<Value = Axis> {
    prop_oneof![
        (0..AGENCIES.len(), place())
            .prop_map(|(agency, place)| Axis::YearsAsRows { agency, place }),
        (2015..=2024i32, place()).prop_map(|(year, place)| Axis::AgenciesAsRows { year, place }),
        (0..AGENCIES.len(), place())
            .prop_map(|(agency, place)| Axis::YearsAsColumns { agency, place }),
    ]
}

fn count() -> impl Strategy<Value = u64> {
    prop_oneof![3 => Just(0u64), 4 => 1..40u64, 1 => 1_000..5_000u64]
}

fn case() -> impl Strategy<Value = Case> {
    let categories = subsequence((0..POOL.len()).collect::<Vec<_>>(), 2..=POOL.len())
        .prop_flat_map(|chosen| {
            let wordings: Vec<BoxedStrategy<(usize, usize)>> = chosen
                .into_iter()
                .map(|pool| (Just(pool), 0..POOL[pool].labels.len()).boxed())
                .collect();
            wordings
        });
    let styles = (
        any::<bool>(),
        select(vec![Suffix::None, Suffix::Ken, Suffix::BracketedKen]),
        select(vec![Zero::Digit, Zero::Dash, Zero::Blank]),
        select(vec![
            Written::Number,
            Written::Text,
            Written::FullWidth,
            Written::Ken,
            Written::Thousands,
        ]),
        any::<bool>(),
        any::<bool>(),
        select(vec![
            FileFormat::Xlsx,
            FileFormat::Utf8Csv,
            FileFormat::Cp932Csv,
            FileFormat::Html,
        ]),
    );
    (axis(), categories, styles)
        .prop_flat_map(
            |(
                axis,
                categories,
                (two_level, suffix, zero, written, totals_row, totals_column, format),
            )| {
                let row_keys: BoxedStrategy<Vec<i32>> = match axis {
                    Axis::AgenciesAsRows { .. } => {
                        subsequence((0..ROW_AGENCIES.len() as i32).collect::<Vec<_>>(), 1..=4)
                            .boxed()
                    }
                    _ => subsequence((2015..=2024).collect::<Vec<i32>>(), 1..=4).boxed(),
                };
                let width = categories.len();
                (
                    Just(axis),
                    Just(categories),
                    Just((
                        two_level,
                        suffix,
                        zero,
                        written,
                        totals_row,
                        totals_column,
                        format,
                    )),
                    row_keys.prop_flat_map(move |keys| {
                        let rows = keys.len();
                        (
                            Just(keys),
                            proptest::collection::vec(0..6usize, rows),
                            proptest::collection::vec(
                                proptest::collection::vec(count(), width),
                                rows,
                            ),
                        )
                    }),
                )
            },
        )
        .prop_map(
            |(
                axis,
                categories,
                (two_level, suffix, zero, written, totals_row, totals_column, format),
                (row_keys, year_forms, values),
            )| Case {
                axis,
                categories,
                two_level,
                suffix,
                zero,
                written,
                totals_row,
                totals_column,
                format,
                row_keys,
                year_forms,
                values,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_written_figure_comes_back_exactly(case in case()) {
        let reading = read(&case.file_name(), &case.bytes());
        let got = figures(&reading);
        prop_assert_eq!(got.len(), reading.figures.len(), "a figure came back twice");
        prop_assert_eq!(&got, &case.expected(), "{:#?}", reading.diagnostics);
        let unexpected: Vec<String> = reading
            .diagnostics
            .iter()
            .filter(|d| {
                d.severity() == Severity::Error
                    || matches!(
                        d.code(),
                        Code::UnknownColumn
                            | Code::TotalMismatch
                            | Code::AgencyAssumed
                            | Code::AmbiguousColumn
                            | Code::UnknownRow
                    )
            })
            .map(ToString::to_string)
            .collect();
        prop_assert!(unexpected.is_empty(), "{:#?}", unexpected);
    }
}
