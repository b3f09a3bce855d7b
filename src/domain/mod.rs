//! Domain types that cannot hold invalid values: each is made by a parser that says, in plain
//! words, why a value was refused. Requests are parsed into these before anything is written.

mod code_lists;
mod cpv;
mod email;
mod errors;
mod language;
pub mod markup;
mod money;
mod municipality;
mod nace;
mod org_number;
mod text;

pub use cpv::CpvCode;
pub use email::Email;
pub use errors::FieldErrors;
pub use heartland_index::Country;
pub use language::{CefrLevel, LanguageCode};
pub use money::{Currency, Money};
pub use municipality::Municipality;
pub use nace::NaceCode;
pub use org_number::OrgNumber;
pub use text::BoundedText;
