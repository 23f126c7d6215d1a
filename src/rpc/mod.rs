//! The JSON shapes inbox speaks: `inbox ... --json` prints them, and the
//! JSON-RPC API returns the same. The only module that knows JSON.

pub mod dto;
