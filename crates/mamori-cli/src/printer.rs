//! The only place that writes to the terminal: data to stdout, messages to stderr.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "this module is the printer"
)]

use std::io::Write as _;

use comfy_table::{Cell, ContentArrangement, Table, presets};
use mamori_core::Diagnostic;
use serde::Serialize;

/// Prints clap's own message (help, version or a usage error).
pub fn clap_message(error: &clap::Error) {
    let _ = error.print();
}

/// Prints an error that stopped a command, with its cause chain.
pub fn error(error: &anyhow::Error) {
    eprintln!("エラー: {error:#}");
}

/// A human message on stderr.
pub fn note(message: &str) {
    eprintln!("{message}");
}

/// A data line on stdout.
pub fn line(text: &str) {
    println!("{text}");
}

/// Bytes on stdout as they are (a rendered report).
pub fn bytes(data: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(data)?;
    stdout.flush()?;
    Ok(())
}

/// One JSON document on stdout.
pub fn json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}

/// A table on stdout. ASCII borders: box-drawing characters are East Asian ambiguous width and
/// misalign in terminals that draw them double width.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut table = Table::new();
    table
        .load_style(presets::ASCII_MARKDOWN)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    for row in rows {
        table.add_row(row);
    }
    println!("{table}");
}

/// Diagnostics as lines on stdout, each with code, place and message.
pub fn diagnostics<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) {
    for diagnostic in diagnostics {
        println!("  {diagnostic}");
    }
}
