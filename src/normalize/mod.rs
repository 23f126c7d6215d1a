//! Raw source items -> [`crate::model::Message`]; never panics.
