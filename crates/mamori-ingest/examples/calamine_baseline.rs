//! The baseline the import benchmark is measured against: bare calamine reading every cell of
//! every workbook in a folder (xlsx through the streaming cell reader, as a fast reader would),
//! touching each value so nothing is optimised away.
//!
//! ```sh
//! cargo run --release -p mamori-ingest --example calamine_baseline -- DIR_OR_FILE
//! ```
#![expect(clippy::print_stdout, reason = "a command-line helper")]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{DataRef, Reader, Xlsx};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: calamine_baseline DIR_OR_FILE")?,
    );
    let files = if target.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&target)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        files
    } else {
        vec![target]
    };
    let started = std::time::Instant::now();
    let (mut cells, mut numbers) = (0u64, 0f64);
    for file in &files {
        let (file_cells, file_sum) = read(file)?;
        cells += file_cells;
        numbers += file_sum;
    }
    println!(
        "{} files, {cells} cells, sum {numbers}, {:.3} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn read(path: &Path) -> Result<(u64, f64), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice()))?;
    let (mut cells, mut sum) = (0, 0.0);
    for sheet in workbook.sheet_names() {
        let mut reader = workbook.worksheet_cells_reader(&sheet)?;
        while let Some(cell) = reader.next_cell()? {
            cells += 1;
            match cell.get_value() {
                DataRef::Float(value) => sum += value,
                DataRef::Int(value) => sum += *value as f64,
                DataRef::DateTime(value) => sum += value.as_f64(),
                DataRef::SharedString(text) => sum += text.len() as f64,
                _ => {}
            }
        }
    }
    Ok((cells, sum))
}
