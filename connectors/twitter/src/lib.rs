//! X direct messages.
mod oauth1;
mod settings;
pub use settings::*;
