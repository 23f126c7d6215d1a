//! inbox: one person's messages, from many places, in one local, private,
//! searchable store.
//!
//! ```text
//! connectors/*  --raw items + cursor-->  normalize  -->  store (SQLite, source of truth)
//!                                                           |
//!                                      index (tantivy, derived, rebuildable)
//!                                                           |
//!                                             cli (`inbox`)  /  inboxd
//! ```
//!
//! [`sync`] is the only module that calls the stages in order.
#![forbid(unsafe_code)]

pub mod cli;
pub mod index;
pub mod model;
pub mod normalize;
pub mod store;
pub mod sync;
