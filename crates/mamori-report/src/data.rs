//! The machine-readable forms: CSV records (総務省's 2020 rules: one header row, one record per
//! row, UTF-8 with BOM and CRLF so Excel opens it) and the JSON scripts read.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::model::{AnnualReport, Column, Warning};

/// The header of the CSV and of the xlsx's データ sheet.
pub const RECORD_HEADER: [&str; 5] = ["年度(西暦)", "年度(和暦)", "実施機関", "区分", "件数"];

/// The records as CSV bytes.
pub fn csv(report: &AnnualReport) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    push_line(&mut out, RECORD_HEADER.iter().map(|s| (*s).to_owned()));
    for record in &report.records {
        push_line(
            &mut out,
            [
                record.fiscal_year.to_string(),
                record.label.clone(),
                record.agency.clone(),
                record.category.clone(),
                record.count.to_string(),
            ]
            .into_iter(),
        );
    }
    out.into_bytes()
}

fn push_line(out: &mut String, fields: impl Iterator<Item = String>) {
    for (index, field) in fields.enumerate() {
        if index > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

#[derive(Serialize)]
struct ReportJson<'a> {
    city: &'a str,
    fiscal_years: Vec<i32>,
    categories: &'a [Column],
    rows: Vec<RowJson<'a>>,
    by_agency: ByAgencyJson<'a>,
    warnings: &'a [Warning],
}

#[derive(Serialize)]
struct RowJson<'a> {
    fiscal_year: i32,
    label: &'a str,
    values: Values<'a>,
}

#[derive(Serialize)]
struct ByAgencyJson<'a> {
    fiscal_year: i32,
    rows: Vec<AgencyJson<'a>>,
}

#[derive(Serialize)]
struct AgencyJson<'a> {
    agency: &'a str,
    values: Values<'a>,
}

/// Values keyed by category, in column order, null when not reported.
struct Values<'a> {
    columns: &'a [Column],
    values: &'a [Option<u64>],
}

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (column, value) in self.columns.iter().zip(self.values) {
            map.serialize_entry(&column.key, value)?;
        }
        map.end()
    }
}

/// The report as pretty-printed JSON (the shape the issue fixes; see README).
pub fn json(report: &AnnualReport) -> String {
    let columns = report.columns.as_slice();
    let view = ReportJson {
        city: &report.city.name,
        fiscal_years: report.years.iter().map(|row| row.fiscal_year).collect(),
        categories: columns,
        rows: report
            .years
            .iter()
            .map(|row| RowJson {
                fiscal_year: row.fiscal_year,
                label: &row.label,
                values: Values {
                    columns,
                    values: &row.values,
                },
            })
            .collect(),
        by_agency: ByAgencyJson {
            fiscal_year: report.by_agency.fiscal_year,
            rows: report
                .by_agency
                .rows
                .iter()
                .map(|row| AgencyJson {
                    agency: &row.agency,
                    values: Values {
                        columns,
                        values: &row.values,
                    },
                })
                .collect(),
        },
        warnings: &report.warnings,
    };
    let mut text = serde_json::to_string_pretty(&view).unwrap_or_else(|error| {
        // Serialising plain strings and numbers cannot fail; keep the reason if it ever does.
        format!("{{\"error\":\"{error}\"}}")
    });
    text.push('\n');
    text
}
