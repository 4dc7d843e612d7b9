//! mamori-core: the domain vocabulary of mamori and its pure rules.
//!
//! Owns: fiscal years and 和暦 ([`FiscalYear`], [`wareki`]), the days city hall is closed
//! ([`calendar`]), 実施機関 names ([`Agency`]), the category
//! schema that maps a publisher's header wording to canonical keys ([`CategorySchema`]), a stored number
//! with the cell it came from ([`Figure`], [`Provenance`]), diagnostics with stable codes
//! ([`Diagnostic`], [`Code`]) and the consistency checks over figures ([`consistency`]).
//!
//! Must not: do I/O, read a clock or the environment, spawn, or depend on another workspace crate
//! (`clippy.toml` beside this crate lists the forbidden calls). Everything, including "today", is a
//! parameter.
//!
//! Start reading at [`category`] (how headers become keys) and [`fiscal_year`].

pub mod agency;
pub mod calendar;
pub mod category;
pub mod consistency;
pub mod diagnostic;
pub mod figure;
pub mod fiscal_year;
pub mod text;
pub mod wareki;

pub use agency::Agency;
pub use category::{Category, CategoryKey, CategorySchema, SchemaError};
pub use diagnostic::{CellRef, Code, Diagnostic, Location, Severity};
pub use figure::{Figure, Provenance};
pub use fiscal_year::{FiscalYear, FiscalYearError};
