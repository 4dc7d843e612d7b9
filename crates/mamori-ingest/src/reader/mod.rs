//! Readers: one per family of formats, each turning bytes into sheets of [`crate::grid::Row`]s and
//! handing every sheet to [`crate::layout::read_sheet`].

pub mod delimited;
pub mod html;
pub mod workbook;
