//! A throwaway PostgreSQL server for tests: Debian's server (package `postgresql`), a cluster
//! made by `initdb` in a temporary folder, started on a free loopback port with fsync off, and
//! stopped when the value is dropped. As root (CI), the server runs as the `postgres` user,
//! since PostgreSQL refuses to run as root.

use std::path::PathBuf;
use std::process::Command;

/// A running cluster; dropping it stops the server.
#[derive(Debug)]
pub struct PostgresCluster {
    folder: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PostgresCluster {
    /// Starts a cluster; panics with what to install when the server is missing.
    pub fn start() -> PostgresCluster {
        let bin = server_bin().unwrap_or_else(|| {
            panic!(
                "PostgreSQL's server programs are missing (no /usr/lib/postgresql/*/bin/initdb): \
                 install Debian's `postgresql` package (`cargo xtask ci` does)"
            )
        });
        let as_postgres = is_root();
        let folder = tempfile::Builder::new()
            .prefix("mamori-pg-")
            .tempdir()
            .expect("a folder for the cluster");
        if as_postgres {
            run(Command::new("chown").arg("postgres").arg(folder.path()));
        }
        let port = crate::smtp::free_port();
        let cluster = PostgresCluster {
            folder,
            bin,
            port,
            as_postgres,
        };
        let data = cluster.data();
        run(cluster.command("initdb").arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "mamori",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]));
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
            cluster.folder.path().display()
        );
        run(cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-w", "-t", "30", "-o", &options, "-l"])
            .arg(cluster.folder.path().join("server.log"))
            .arg("start"));
        cluster
    }

    /// Creates a database and returns its URL.
    pub fn database(&self, name: &str) -> String {
        run(self.command("createdb").args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "mamori",
            name,
        ]));
        format!("postgres://mamori@127.0.0.1:{}/{name}", self.port)
    }

    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }
}

impl Drop for PostgresCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// The newest `/usr/lib/postgresql/N/bin` with `initdb` in it.
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
