//! Heartland Match's search side: text analysis in Swedish, Norwegian and English, the skill
//! vocabulary, reference data (the gazetteer of municipalities and the CPV 2008 vocabulary),
//! the tantivy index and the ranking with its explanations. Knows nothing of diesel or actix:
//! the service feeds it plain [`Entity`] values.

pub mod analysis;
pub mod corpus;
pub mod cpv;
mod csv;
pub mod entity;
pub mod gazetteer;
pub mod index;
pub mod judged;
pub mod rank;
pub mod vocabulary;

pub use cpv::{Cpv, CpvEntry};
pub use entity::{Closed, Entity, Kind, Spoken, Track};
pub use gazetteer::{Country, Gazetteer, Place};
pub use index::{Hit, SearchIndex};
pub use rank::Factor;
pub use vocabulary::Vocabulary;
