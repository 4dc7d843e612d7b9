//! The tally: stored figures → the annual report's view model.
//!
//! A report covers the selected fiscal year and the years before it. Figures of departments
//! (市民課, 税務課…) are added to the 実施機関 they belong to (市長 unless the city says otherwise);
//! a year's total is the sum of its 実施機関, or, for a year imported only as a whole-city table,
//! that table's figure. A category nobody reported stays `None` ("not reported", printed －), never 0.

use std::collections::{BTreeMap, BTreeSet};

use mamori_core::{Agency, CategorySchema, Code, FiscalYear};
use serde::Serialize;

/// The columns always shown, reported or not ([`mamori_core::category::PUBLISHED_KEYS`]).
/// Other categories of the schema are shown only when someone reported them in the period.
pub use mamori_core::category::PUBLISHED_KEYS as STANDARD_COLUMNS;

/// The most fiscal years one report may cover.
pub const MAX_YEARS: u32 = 20;

/// Who publishes the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct City {
    /// The city's name as published (〇〇市); empty when not configured.
    pub name: String,
    /// The publishing section (総務部総務課).
    pub section: Option<String>,
    /// The contact line (電話 0000-00-0000).
    pub contact: Option<String>,
}

/// A stored figure, as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFigure {
    pub fiscal_year: FiscalYear,
    /// The stored agency or department name (`市長`, `市民課`, `全実施機関`).
    pub agency: String,
    /// The category key.
    pub category: String,
    pub count: u64,
    pub source: SourceCell,
}

/// A file, sheet and cell (A1, or a range for a ledger tally).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SourceCell {
    pub file: String,
    pub sheet: Option<String>,
    pub cell: Option<String>,
}

impl SourceCell {
    /// `file シート「sheet」 セルB5`, as warnings quote a place.
    pub fn describe(&self) -> String {
        let mut text = self.file.clone();
        if let Some(sheet) = &self.sheet {
            text.push_str(&format!(" シート「{sheet}」"));
        }
        if let Some(cell) = &self.cell {
            text.push_str(&format!(" セル{cell}"));
        }
        text
    }
}

/// A warning shown with the report: one carried over from an import, or one the tally found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    pub code: String,
    pub message: String,
    #[serde(flatten)]
    pub source: SourceCell,
}

/// Which 実施機関 each department belongs to. A stored name that is a known 実施機関 stays as it
/// is; any other name (a department) goes to the body the city assigned, else to `default_body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollup {
    default_body: Agency,
    assigned: BTreeMap<Agency, Agency>,
}

impl Default for Rollup {
    fn default() -> Rollup {
        Rollup {
            default_body: Agency::new("市長").expect("invariant: 市長 is a name"),
            assigned: BTreeMap::new(),
        }
    }
}

impl Rollup {
    /// Departments go to `default_body` (`市長` for a city, `町長` for a town).
    pub fn with_default_body(default_body: Agency) -> Rollup {
        Rollup {
            default_body,
            assigned: BTreeMap::new(),
        }
    }

    /// Assigns a department to a body (`水道課` → `公営企業管理者`).
    pub fn assign(&mut self, department: Agency, body: Agency) {
        self.assigned.insert(department, body);
    }

    /// The 実施機関 whose figures include `name`'s.
    pub fn body_of(&self, name: &Agency) -> Agency {
        if let Some(body) = self.assigned.get(name) {
            return body.clone();
        }
        if name.is_body() || name.is_whole_city() {
            return name.clone();
        }
        self.default_body.clone()
    }
}

/// What to report.
#[derive(Debug, Clone)]
pub struct ReportRequest<'a> {
    pub schema: &'a CategorySchema,
    pub city: City,
    /// The year the report is for; the table ends with it.
    pub fiscal_year: FiscalYear,
    /// How many fiscal years the table shows (1..=[`MAX_YEARS`]).
    pub years: u32,
    pub rollup: Rollup,
}

impl ReportRequest<'_> {
    /// The first fiscal year the table shows: `years - 1` before the selected one. Refuses a
    /// year count outside 1..=[`MAX_YEARS`] and a period starting before [`FiscalYear::MIN`].
    pub fn first_year(&self) -> Result<FiscalYear, ReportError> {
        if self.years == 0 || self.years > MAX_YEARS {
            return Err(ReportError::YearCount(self.years));
        }
        FiscalYear::new(self.fiscal_year.start_year() - (self.years as i32 - 1))
            .map_err(|_| ReportError::TooEarly(format!("{}年度", FiscalYear::MIN)))
    }
}

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReportError {
    #[error("表示する年度数は1から{MAX_YEARS}までです（指定: {0}）")]
    YearCount(u32),
    #[error("{0}より前の年度は扱えません")]
    TooEarly(String),
    #[error("テンプレート「{name}」: {message}")]
    Template { name: String, message: String },
    #[error("Excelファイルを作れませんでした: {0}")]
    Xlsx(String),
}

/// One column of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub key: String,
    pub label: String,
    /// The group header above it (処理の状況), if any.
    pub group: Option<String>,
}

/// One cell of the first header row: a single column (spanning both rows) or a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderCell {
    pub label: String,
    /// Columns it spans (1 for a single column).
    pub span: usize,
    /// Whether it is a group over the labels in the second row.
    pub is_group: bool,
    /// Index of its first column.
    pub first: usize,
}

/// A row of values, aligned with [`AnnualReport::columns`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearRow {
    pub fiscal_year: i32,
    /// `令和4年度`.
    pub label: String,
    /// `2022年度`.
    pub western: String,
    pub values: Vec<Option<u64>>,
}

/// One 実施機関's row for the selected year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRow {
    pub agency: String,
    pub values: Vec<Option<u64>>,
}

/// The selected year, per 実施機関.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyTable {
    pub fiscal_year: i32,
    pub label: String,
    pub rows: Vec<AgencyRow>,
    /// The sum of the rows, per column (`None` where no row reported the column).
    pub total: Vec<Option<u64>>,
}

/// One record of the machine-readable data (総務省's 2020 rules: one record per row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataRecord {
    pub fiscal_year: i32,
    pub label: String,
    pub agency: String,
    pub category: String,
    pub count: u64,
}

/// The annual report as data: everything every format prints, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualReport {
    pub city: City,
    pub fiscal_year: i32,
    /// `令和4年度`.
    pub fiscal_year_label: String,
    /// `個人情報の開示請求等の運用状況`.
    pub title: String,
    /// `令和2年度から令和4年度まで`.
    pub period: String,
    pub columns: Vec<Column>,
    pub header: Vec<HeaderCell>,
    /// Oldest year first.
    pub years: Vec<YearRow>,
    pub by_agency: AgencyTable,
    pub records: Vec<DataRecord>,
    pub warnings: Vec<Warning>,
    /// Plain statements for readers (which departments were added to which body).
    pub notes: Vec<String>,
}

/// The title every format uses.
pub const TITLE: &str = "個人情報の開示請求等の運用状況";

impl AnnualReport {
    /// Tallies `figures` for the request. `warnings` are those of the imports the figures came
    /// from; the tally adds its own.
    pub fn tally(
        request: &ReportRequest<'_>,
        figures: &[SourceFigure],
        warnings: Vec<Warning>,
    ) -> Result<AnnualReport, ReportError> {
        let first = request.first_year()?;
        let last = request.fiscal_year.start_year();
        let first_year = first.start_year();
        let in_period = |year: FiscalYear| year >= first && year <= request.fiscal_year;

        let mut warnings = warnings;
        let mut unknown_categories: BTreeMap<String, SourceCell> = BTreeMap::new();
        // (year, body, category) → (count, sources); whole-city figures apart.
        let mut by_body: BTreeMap<(FiscalYear, Agency, String), u64> = BTreeMap::new();
        let mut whole_city: BTreeMap<(FiscalYear, String), (u64, SourceCell)> = BTreeMap::new();
        // body → departments added to it (for notes), and where a body reported itself.
        let mut departments: BTreeMap<(FiscalYear, Agency), BTreeSet<Agency>> = BTreeMap::new();
        let mut own_figures: BTreeMap<(FiscalYear, Agency), SourceCell> = BTreeMap::new();
        let mut reported: BTreeSet<String> = BTreeSet::new();
        for figure in figures.iter().filter(|f| in_period(f.fiscal_year)) {
            if request.schema.get(&figure.category).is_none() {
                unknown_categories
                    .entry(figure.category.clone())
                    .or_insert_with(|| figure.source.clone());
                continue;
            }
            let Some(name) = Agency::new(&figure.agency) else {
                continue;
            };
            reported.insert(figure.category.clone());
            if name.is_whole_city() {
                let entry = whole_city
                    .entry((figure.fiscal_year, figure.category.clone()))
                    .or_insert((0, figure.source.clone()));
                entry.0 = entry.0.saturating_add(figure.count);
                continue;
            }
            let body = request.rollup.body_of(&name);
            if body == name {
                own_figures
                    .entry((figure.fiscal_year, body.clone()))
                    .or_insert_with(|| figure.source.clone());
            } else {
                departments
                    .entry((figure.fiscal_year, body.clone()))
                    .or_default()
                    .insert(name);
            }
            let count = by_body
                .entry((figure.fiscal_year, body, figure.category.clone()))
                .or_insert(0);
            *count = count.saturating_add(figure.count);
        }

        for (category, source) in unknown_categories {
            warnings.push(Warning {
                code: Code::UnknownCategory.as_str().to_owned(),
                message: format!(
                    "区分「{category}」は区分の定義（mamori.toml の [categories]）にないため、報告に含めていません"
                ),
                source,
            });
        }
        for ((year, body), source) in &own_figures {
            if let Some(names) = departments.get(&(*year, body.clone())) {
                let names: Vec<&str> = names.iter().map(Agency::as_str).collect();
                warnings.push(Warning {
                    code: Code::BodyAndDepartments.as_str().to_owned(),
                    message: format!(
                        "{} {}: {}自身の数値と、その部署（{}）の数値の両方があり、合算しています。{}の数値が部署の合計なら二重に数えています",
                        year.label(),
                        body,
                        body,
                        names.join("、"),
                        body
                    ),
                    source: source.clone(),
                });
            }
        }

        let columns = columns(request.schema, &reported);
        let years: Vec<FiscalYear> = (first_year..=last)
            .filter_map(|year| FiscalYear::new(year).ok())
            .collect();
        let mut bodies_by_year: BTreeMap<FiscalYear, BTreeSet<Agency>> = BTreeMap::new();
        for (year, body, _) in by_body.keys() {
            bodies_by_year
                .entry(*year)
                .or_default()
                .insert(body.clone());
        }

        // (year, category) → sum over the 実施機関 that reported it.
        let mut body_sums: BTreeMap<(FiscalYear, &str), u64> = BTreeMap::new();
        for ((year, _, category), count) in &by_body {
            let sum = body_sums.entry((*year, category.as_str())).or_insert(0);
            *sum = sum.saturating_add(*count);
        }

        let mut year_rows = Vec::with_capacity(years.len());
        for year in &years {
            let mut values = Vec::with_capacity(columns.len());
            for column in &columns {
                let agency_sum = body_sums.get(&(*year, column.key.as_str())).copied();
                let whole = whole_city.get(&(*year, column.key.clone()));
                let value = match (agency_sum, whole) {
                    (Some(sum), Some((stated, source))) => {
                        if sum != *stated {
                            warnings.push(Warning {
                                code: Code::WholeCityMismatch.as_str().to_owned(),
                                message: format!(
                                    "{} {}: 全実施機関の表の値は{}件ですが、実施機関別の合計は{}件です。報告には実施機関別の合計を使います",
                                    year.label(),
                                    column.label,
                                    stated,
                                    sum
                                ),
                                source: source.clone(),
                            });
                        }
                        Some(sum)
                    }
                    (Some(sum), None) => Some(sum),
                    (None, Some((stated, _))) => Some(*stated),
                    (None, None) => None,
                };
                values.push(value);
            }
            year_rows.push(YearRow {
                fiscal_year: year.start_year(),
                label: year.label(),
                western: format!("{}年度", year.start_year()),
                values,
            });
        }

        let mut agency_rows: Vec<AgencyRow> = Vec::new();
        let mut bodies: Vec<Agency> = bodies_by_year
            .get(&request.fiscal_year)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        sort_bodies(&mut bodies);
        for body in &bodies {
            let values = columns
                .iter()
                .map(|column| {
                    by_body
                        .get(&(request.fiscal_year, body.clone(), column.key.clone()))
                        .copied()
                })
                .collect();
            agency_rows.push(AgencyRow {
                agency: body.as_str().to_owned(),
                values,
            });
        }
        let total = (0..columns.len())
            .map(|index| {
                agency_rows
                    .iter()
                    .filter_map(|row| row.values[index])
                    .fold(None, |sum: Option<u64>, value| {
                        Some(sum.unwrap_or(0).saturating_add(value))
                    })
            })
            .collect();

        let mut records = Vec::new();
        for year in &years {
            let mut year_bodies: Vec<Agency> = bodies_by_year
                .get(year)
                .map(|set| set.iter().cloned().collect())
                .unwrap_or_default();
            sort_bodies(&mut year_bodies);
            if year_bodies.is_empty() {
                // A year known only from a whole-city table: its records name the whole city.
                for column in &columns {
                    if let Some((count, _)) = whole_city.get(&(*year, column.key.clone())) {
                        records.push(DataRecord {
                            fiscal_year: year.start_year(),
                            label: year.label(),
                            agency: Agency::WHOLE_CITY.to_owned(),
                            category: column.label.clone(),
                            count: *count,
                        });
                    }
                }
            }
            for body in &year_bodies {
                for column in &columns {
                    if let Some(count) = by_body.get(&(*year, body.clone(), column.key.clone())) {
                        records.push(DataRecord {
                            fiscal_year: year.start_year(),
                            label: year.label(),
                            agency: body.as_str().to_owned(),
                            category: column.label.clone(),
                            count: *count,
                        });
                    }
                }
            }
        }

        let mut notes = Vec::new();
        let mut added: BTreeMap<Agency, BTreeSet<Agency>> = BTreeMap::new();
        for ((_, body), names) in departments {
            added.entry(body).or_default().extend(names);
        }
        for (body, names) in added {
            let names: Vec<&str> = names.iter().map(Agency::as_str).collect();
            notes.push(format!(
                "{}の数値は{}に含めています。",
                names.join("、"),
                body
            ));
        }

        warnings.sort();
        warnings.dedup();
        let header = header_cells(&columns);
        Ok(AnnualReport {
            city: request.city.clone(),
            fiscal_year: request.fiscal_year.start_year(),
            fiscal_year_label: request.fiscal_year.label(),
            title: TITLE.to_owned(),
            period: format!("{}から{}まで", first.label(), request.fiscal_year.label()),
            columns,
            header,
            years: year_rows,
            by_agency: AgencyTable {
                fiscal_year: request.fiscal_year.start_year(),
                label: request.fiscal_year.label(),
                rows: agency_rows,
                total,
            },
            records,
            warnings,
            notes,
        })
    }

    /// Whether the selected year has any figure at all.
    pub fn has_figures_for_selected_year(&self) -> bool {
        self.years
            .last()
            .is_some_and(|row| row.values.iter().any(Option::is_some))
    }
}

/// The columns shown: the standard ten, plus any other category someone reported, in the
/// schema's order (so each group's columns stay together).
fn columns(schema: &CategorySchema, reported: &BTreeSet<String>) -> Vec<Column> {
    schema
        .categories()
        .iter()
        .filter(|category| {
            let key = category.key().as_str();
            STANDARD_COLUMNS.contains(&key) || reported.contains(key)
        })
        .map(|category| Column {
            key: category.key().as_str().to_owned(),
            label: category.label().to_owned(),
            group: category.group().map(str::to_owned),
        })
        .collect()
}

/// The first header row: runs of columns with the same group become one group cell.
fn header_cells(columns: &[Column]) -> Vec<HeaderCell> {
    let mut cells: Vec<HeaderCell> = Vec::new();
    for (index, column) in columns.iter().enumerate() {
        match (&column.group, cells.last_mut()) {
            (Some(group), Some(last)) if last.is_group && &last.label == group => last.span += 1,
            (Some(group), _) => cells.push(HeaderCell {
                label: group.clone(),
                span: 1,
                is_group: true,
                first: index,
            }),
            (None, _) => cells.push(HeaderCell {
                label: column.label.clone(),
                span: 1,
                is_group: false,
                first: index,
            }),
        }
    }
    cells
}

/// Published order: known 実施機関 by their usual place, then others by name.
fn sort_bodies(bodies: &mut [Agency]) {
    bodies.sort_by(|a, b| {
        let rank = |agency: &Agency| agency.publication_rank().unwrap_or(usize::MAX);
        (rank(a), a.as_str()).cmp(&(rank(b), b.as_str()))
    });
}
