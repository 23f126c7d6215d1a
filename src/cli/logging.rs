//! The one place `inbox` and `inboxd` set up logging. `RUST_LOG` (else a
//! default level) chooses what is shown, and a cap that no `RUST_LOG`
//! directive can lift holds the crates that log protocol bytes at `info`:
//! their debug and trace lines carry IMAP commands (`LOGIN` with the
//! password, `AUTHENTICATE` with a token), HTTP frames and TLS records.
//! The cap is a filter of its own beside `RUST_LOG`'s: an event is written
//! only when both let it through, so a more specific directive such as
//! `async_imap::imap_stream=trace` cannot win over it.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// Crates (log target prefixes) whose debug and trace output holds bytes
/// sent to or read from a server.
const WIRE_CRATES: &[&str] = &[
    "async_imap",
    "imap_proto",
    "reqwest",
    "hyper",
    "hyper_util",
    "hyper_rustls",
    "h2",
    "rustls",
    "tokio_rustls",
];

/// The most a wire crate may log: warnings, errors and `info` lines, which
/// none of them uses for protocol bytes.
const WIRE_CAP: LevelFilter = LevelFilter::INFO;

/// How log lines look.
pub(super) enum Style {
    /// A command's messages: no times, colours as `tracing` decides.
    Command,
    /// A service's log: with times, colours only on a terminal.
    Service,
}

/// Logs to stderr at `RUST_LOG`, else at `default`, with the wire cap.
pub(super) fn init(default: &str, style: Style) {
    let chosen = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    let layer = match style {
        Style::Command => layer.without_time().boxed(),
        Style::Service => layer.with_ansi(std::io::stderr().is_terminal()).boxed(),
    };
    tracing_subscriber::registry()
        .with(chosen)
        .with(wire_cap())
        .with(layer)
        .init();
}

/// Every target at any level, except the wire crates above [`WIRE_CAP`].
fn wire_cap() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(WIRE_CRATES.iter().map(|target| (*target, WIRE_CAP)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(target: &'static str, level: tracing::Level) -> bool {
        wire_cap().would_enable(target, &level)
    }

    #[test]
    fn wire_crates_are_capped_and_everything_else_is_not() {
        use tracing::Level;
        assert!(!allows("async_imap::imap_stream", Level::TRACE));
        assert!(!allows("imap_proto::parser", Level::DEBUG));
        assert!(!allows("h2::codec::framed_write", Level::DEBUG));
        assert!(!allows("rustls::client::hs", Level::TRACE));
        assert!(allows("async_imap::client", Level::WARN));
        assert!(allows("inbox::sync", Level::TRACE));
        assert!(allows("inbox_connector_imap::connect", Level::TRACE));
    }
}
