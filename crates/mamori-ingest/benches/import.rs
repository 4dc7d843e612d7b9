//! `cargo bench -p mamori-ingest`: the importer against bare calamine on the same department
//! workbooks (in memory, so only parsing and layout recognition are measured), and the
//! per-request ledger reader on a streamed sheet.
//!
//! The whole-process comparison (1,000 files from disk into a fresh store, against bare calamine
//! and a pandas script) is `crates/mamori-ingest/benches/compare.sh`; results are in BENCHMARKS.md.

use std::hint::black_box;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use criterion::{Criterion, criterion_group, criterion_main};
use mamori_core::CategorySchema;
use mamori_ingest::{Limits, ReadOptions, read_file};
use mamori_test_support::table::example_headers;
use mamori_test_support::{TableSpec, Value};

fn workbooks(count: u64) -> Vec<Vec<u8>> {
    let headers = example_headers();
    (0..count)
        .map(|index| {
            let mut table = TableSpec::new("年度", headers.clone()).title("市長部局　運用状況");
            for (offset, year) in ["令和2年度", "令和3年度", "令和4年度"].iter().enumerate()
            {
                let base = index + offset as u64;
                let decisions = [base % 7, base % 5, base % 3, base % 2, 1];
                let mut values = vec![Value::Count(decisions.iter().sum())];
                values.extend(decisions.map(Value::Count));
                values.extend([0, 1, base % 4, 0].map(Value::Count));
                table = table.row(year, values);
            }
            table.to_xlsx("運用状況")
        })
        .collect()
}

fn calamine_every_cell(bytes: &[u8]) -> f64 {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a valid workbook");
    let mut sum = 0.0;
    for sheet in workbook.sheet_names() {
        let mut reader = workbook.worksheet_cells_reader(&sheet).expect("a sheet");
        while let Some(cell) = reader.next_cell().expect("a cell") {
            match cell.get_value() {
                DataRef::Float(value) => sum += value,
                DataRef::Int(value) => sum += *value as f64,
                DataRef::SharedString(text) => sum += text.len() as f64,
                _ => {}
            }
        }
    }
    sum
}

fn department_workbooks(criterion: &mut Criterion) {
    let files = workbooks(50);
    let schema = CategorySchema::default();
    let limits = Limits::standard();
    let options = ReadOptions {
        schema: &schema,
        limits: &limits,
    };
    let mut group = criterion.benchmark_group("50 department workbooks");
    group.bench_function("bare calamine, every cell", |bencher| {
        bencher.iter(|| {
            files
                .iter()
                .map(|bytes| calamine_every_cell(black_box(bytes)))
                .sum::<f64>()
        })
    });
    group.bench_function("mamori read_file", |bencher| {
        bencher.iter(|| {
            files
                .iter()
                .map(|bytes| {
                    read_file("bench.xlsx", black_box(bytes), &options)
                        .figures
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, department_workbooks);
criterion_main!(benches);
