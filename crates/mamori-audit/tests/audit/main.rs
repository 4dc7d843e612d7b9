//! End-to-end tests of the library: contracts from the shared generator (mamori-test-support) in
//! several styles, mutated one clause at a time, as text, .docx and PDF read back by pdftotext (the
//! only files: a temporary PDF per call), plus broken inputs.

mod bad_input;
mod contract;
mod docx;
mod false_friends;
mod mutations;
mod report_format;
mod robustness;
