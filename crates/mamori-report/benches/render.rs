//! Rendering the annual report for 10 fiscal years × 20 実施機関: each format alone, then all
//! five together (the target: under 50 ms on the 2-core CI machine).

use criterion::{Criterion, criterion_group, criterion_main};
use mamori_core::{CategorySchema, FiscalYear};
use mamori_report::{
    AnnualReport, City, Format, ReportRequest, Rollup, SourceCell, SourceFigure, Templates, render,
};

const BODIES: &[&str] = &[
    "市長",
    "教育委員会",
    "選挙管理委員会",
    "監査委員",
    "農業委員会",
    "固定資産評価審査委員会",
    "公営企業管理者",
    "消防長",
    "議会",
];

/// 20 senders a year: the bodies above plus departments of 市長, every category of the schema.
fn figures(schema: &CategorySchema) -> Vec<SourceFigure> {
    let mut senders: Vec<String> = BODIES.iter().map(|b| (*b).to_owned()).collect();
    for index in 0..(20 - BODIES.len()) {
        senders.push(format!("第{}課", index + 1));
    }
    let mut figures = Vec::new();
    for year in 2013..=2022 {
        for (sender_index, sender) in senders.iter().enumerate() {
            for (category_index, category) in schema.categories().iter().enumerate() {
                figures.push(SourceFigure {
                    fiscal_year: FiscalYear::new(year).expect("year"),
                    agency: sender.clone(),
                    category: category.key().as_str().to_owned(),
                    count: ((year as u64) * 7 + sender_index as u64 * 13 + category_index as u64)
                        % 97,
                    source: SourceCell {
                        file: format!("{sender}_{year}.xlsx"),
                        sheet: Some("運用状況".to_owned()),
                        cell: Some(format!("B{}", category_index + 4)),
                    },
                });
            }
        }
    }
    figures
}

fn report() -> AnnualReport {
    let schema = CategorySchema::default();
    let request = ReportRequest {
        schema: &schema,
        city: City {
            name: "みほん市".to_owned(),
            section: Some("総務部総務課".to_owned()),
            contact: Some("電話 0000-00-0000".to_owned()),
        },
        fiscal_year: FiscalYear::new(2022).expect("year"),
        years: 10,
        rollup: Rollup::default(),
    };
    AnnualReport::tally(&request, &figures(&schema), Vec::new()).expect("report")
}

fn bench(c: &mut Criterion) {
    let schema = CategorySchema::default();
    let figures = figures(&schema);
    let report = report();
    let templates = Templates::default();
    let mut group = c.benchmark_group("annual_10y_20_agencies");
    group.bench_function("tally", |b| {
        b.iter(|| {
            let request = ReportRequest {
                schema: &schema,
                city: City::default(),
                fiscal_year: FiscalYear::new(2022).expect("year"),
                years: 10,
                rollup: Rollup::default(),
            };
            AnnualReport::tally(&request, &figures, Vec::new()).expect("report")
        });
    });
    for (name, format) in [
        ("xlsx", Format::Xlsx),
        ("html", Format::Html),
        ("csv", Format::Csv),
        ("md", Format::Markdown),
        ("json", Format::Json),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| render(&report, format, &templates).expect("render"));
        });
    }
    group.bench_function("all_five", |b| {
        b.iter(|| {
            for format in [
                Format::Xlsx,
                Format::Html,
                Format::Csv,
                Format::Markdown,
                Format::Json,
            ] {
                render(&report, format, &templates).expect("render");
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
