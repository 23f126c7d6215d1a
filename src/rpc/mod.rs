//! The JSON shapes inbox speaks: `inbox ... --json` prints them, and the
//! JSON-RPC API returns the same. The only module that knows JSON.
//!
//! The daemon speaks JSON-RPC 2.0 over a Unix socket, one message per line
//! (newline-delimited JSON): [`protocol`] decodes and encodes messages,
//! [`Handler`] is where methods plug in, [`Server`] serves a socket and
//! [`Client`] talks to it.
//!
//! Each connection answers its lines in order (blank lines are ignored);
//! the elements of a batch, and separate connections, run concurrently.
//! Methods may push notifications to their client through [`Connection`].

pub mod client;
mod connection;
pub mod dto;
pub mod error;
pub mod handler;
pub mod line;
pub mod params;
pub mod protocol;
pub mod server;
mod socket;
#[cfg(test)]
mod tests;

pub use client::{Client, ClientError};
pub use error::{AppCode, RpcError};
pub use handler::{Connection, ConnectionClosed, Handler, dispatch};
pub use params::parse_params;
pub use server::{Server, ServerConfig, ServerError};
