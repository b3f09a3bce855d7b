//! Heartland Match's search side: reference vocabularies (the gazetteer of municipalities and
//! the CPV 2008 procurement vocabulary), distances, and, as the index grows, the tantivy schema
//! and the ranking. Knows nothing of diesel or actix: the service feeds it plain values.

pub mod cpv;
mod csv;
pub mod gazetteer;

pub use cpv::{Cpv, CpvEntry};
pub use gazetteer::{Country, Gazetteer, Place};
