//! Deleting the server copies of messages, for `inbox erase --remote`.
//!
//! A connector that can delete answers a list of [`Location`]s with a
//! [`DeleteReport`]: one [`Deletion`] per location, in the same order, so
//! the caller erases locally only what is no longer on the server.

use crate::Location;

/// What became of one location a deletion was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deletion {
    /// The server deleted it now.
    Deleted,
    /// The server no longer had it (deleted elsewhere, or its folder is gone).
    AlreadyGone,
    /// It is still on the server, for the reason given.
    Failed(String),
}

/// The outcome of a deletion, one entry per requested location, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteReport {
    pub outcomes: Vec<(Location, Deletion)>,
}
