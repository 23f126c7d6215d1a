//! The SQLite store: the source of truth.
