//! The upload parser as a program of its own (`mamori-worker spreadsheet|contract FILE NAME`),
//! with the default category schema: what the server's tests start. `mamori worker` is the same
//! entry with the city's schema from `mamori.toml`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return ExitCode::from(2);
    };
    let schema = mamori_core::CategorySchema::default();
    if runtime.block_on(mamori_server::worker::run(&arguments, &schema)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
