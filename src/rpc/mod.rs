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
//!
//! The API methods ([`crate::api`]) are served by [`ApiHandler`] (method
//! table in [`methods`], `rpc.discover` in [`discover`]), take the
//! parameters of [`requests`] and return the shapes of [`dto`];
//! [`RemoteApi`] calls them from synchronous code. The daemon adds its own
//! methods ([`daemon`], shapes in [`daemon_dto`]) to the same table.

pub mod client;
mod connection;
pub mod daemon;
pub mod daemon_dto;
#[cfg(test)]
mod daemon_tests;
pub mod discover;
pub mod dto;
pub mod error;
pub mod explain_dto;
pub mod handler;
pub mod line;
pub mod methods;
pub mod params;
mod peer;
pub mod protocol;
pub mod remote;
pub mod requests;
pub mod server;
mod socket;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transport_tests;

pub use client::{Client, ClientError};
pub use error::{AppCode, RpcError};
pub use handler::{Connection, ConnectionClosed, Handler, dispatch};
pub use methods::ApiHandler;
pub use params::parse_params;
pub use protocol::Reply;
pub use remote::RemoteApi;
pub use server::{Server, ServerConfig, ServerError};
