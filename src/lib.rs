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

/// Keeps this process's memory (passwords, tokens, mail) out of core dumps:
/// no core file (`RLIMIT_CORE` 0, soft and hard), and not dumpable
/// (`PR_SET_DUMPABLE` 0), which also keeps the user's other processes from
/// attaching a debugger or reading its memory through `/proc`.
pub fn forbid_core_dumps() -> std::io::Result<()> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let none = Rlimit {
        current: Some(0),
        maximum: Some(0),
    };
    setrlimit(Resource::Core, none)?;
    set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rustix::process::{DumpableBehavior, Resource, dumpable_behavior, getrlimit};

    #[test]
    fn core_dumps_are_forbidden() {
        super::forbid_core_dumps().unwrap();
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
        let limit = getrlimit(Resource::Core);
        assert_eq!((limit.current, limit.maximum), (Some(0), Some(0)));
    }
}
