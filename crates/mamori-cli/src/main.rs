//! The `mamori` binary: a thin shell over [`mamori_cli::run`].

fn main() -> std::process::ExitCode {
    mamori_cli::run(std::env::args_os())
}
