//! mamori-server's tests: HTTP through `router(state)`, hostile uploads, and real headless
//! Chromium against a server on a loopback port.

mod access;
mod browser;
mod hostile;
mod http;
mod jobs;
mod support;
