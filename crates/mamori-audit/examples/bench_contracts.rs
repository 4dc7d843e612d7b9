//! Writes the inputs of the whole-process audit benchmark: `N` generated contracts as .docx
//! (the nine party and numbering styles and two wordings in turn, half with Word's automatic
//! numbering, one in ten missing a clause), for `mamori audit DIR`.
//!
//! ```sh
//! cargo run --release -p mamori-audit --example bench_contracts -- DIR 1000
//! time target/release/mamori audit --format json DIR > /dev/null
//! ```

#![expect(
    clippy::disallowed_methods,
    reason = "a development tool: writes the benchmark's files"
)]
#![expect(clippy::print_stdout, reason = "a command-line helper")]

use std::path::PathBuf;

use mamori_test_support::contract::{Contract, DocxNumbering, all_styles};
use mamori_test_support::{NumberFormat, Wording};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [directory, count] = arguments.as_slice() else {
        return Err("usage: bench_contracts DIR N".into());
    };
    let directory = PathBuf::from(directory);
    let count: usize = count.parse()?;
    std::fs::create_dir_all(&directory)?;
    let styles = all_styles();
    for index in 0..count {
        let style = styles[index % styles.len()];
        let wording = if index % 2 == 0 {
            Wording::Standard
        } else {
            Wording::Alternative
        };
        let mut contract = Contract::compliant(style, wording);
        if index % 10 == 9 {
            contract = contract.without_clause((index / 10 % 8) as u8 + 1);
        }
        let numbering = if index % 2 == 0 {
            DocxNumbering::Word(NumberFormat::JapaneseCounting)
        } else {
            DocxNumbering::Typed
        };
        std::fs::write(
            directory.join(format!("{index:04}_契約.docx")),
            contract.to_docx(numbering),
        )?;
    }
    println!("wrote {count} contracts to {}", directory.display());
    Ok(())
}
