//! End-to-end tests of the library: generated contracts in several styles, mutated one clause
//! at a time, plus Word documents built in the test and broken inputs. No test reads files.

mod bad_input;
mod contract;
mod docx;
mod false_friends;
mod mutations;
mod report_format;
mod robustness;
