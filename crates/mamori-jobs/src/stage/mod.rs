//! Stages shared by job runs and the commands that do the same work by hand: importing a
//! folder, the annual report from the store, reading and auditing contracts.

pub mod contracts;
pub mod figures;
pub mod folder;
pub mod import;
pub mod report;
