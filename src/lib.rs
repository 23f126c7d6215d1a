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

pub mod accounts;
pub mod api;
pub mod classify;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod export;
pub mod home;
pub mod index;
pub mod model;
pub mod normalize;
pub mod retention;
pub mod rpc;
pub mod store;
pub mod sync;
pub mod tagging;

/// Makes every file this process creates private to its owner (umask 077):
/// the store, the index and everything else inbox writes hold personal mail.
pub fn restrict_new_files() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}
