//! End-to-end tests of the `mamori` binary: real files in, real SQLite store, real exit codes.

mod audit;
mod import;
mod jobs;
mod mail;
mod report;
mod serve;
mod support;
