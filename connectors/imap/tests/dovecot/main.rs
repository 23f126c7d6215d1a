//! Tests against a real Dovecot server (see `util` for how they find it).

mod changes;
mod connect;
mod delete;
mod full_sync;
mod push_idle;
mod util;
