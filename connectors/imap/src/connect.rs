//! Opening a logged-in session: TCP, TLS or STARTTLS, greeting, LOGIN.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use async_imap::{Client, imap_proto};
use inbox_connector_api::ConnectorError;
use secrecy::ExposeSecret;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::settings::{ImapSettings, TlsMode};
use crate::tls;

/// How long connecting, the TLS handshake and login may take, and how long
/// the server may stay silent while a command runs.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A byte stream to the server, encrypted or not.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Transport for T {}

/// A logged-in IMAP session.
pub type Session = async_imap::Session<Box<dyn Transport>>;

/// A logged-in session and what the server offers.
pub struct Connection {
    pub session: Session,
    pub capabilities: Vec<String>,
}

impl Connection {
    /// Whether the server advertises `capability` (case-insensitive).
    pub fn has(&self, capability: &str) -> bool {
        self.capabilities
            .iter()
            .any(|offered| offered.eq_ignore_ascii_case(capability))
    }
}

/// Connects, secures the connection as `settings.tls` says, and logs in.
pub async fn open(settings: &ImapSettings) -> Result<Connection, ConnectorError> {
    let address = settings.address();
    let tcp = within(
        TIMEOUT,
        || format!("cannot connect to {address}: no answer (check host, port and firewall)"),
        TcpStream::connect((settings.host.as_str(), settings.port)),
    )
    .await?
    .map_err(|error| {
        ConnectorError::Network(format!(
            "cannot connect to {address}: {error} (check host and port)"
        ))
    })?;
    let handshake = || format!("TLS handshake with {address} timed out");
    let client: Client<Box<dyn Transport>> = match settings.tls {
        TlsMode::Implicit => {
            let stream = within(TIMEOUT, handshake, tls::handshake(settings, tcp)).await??;
            let mut client = Client::new(Box::new(stream) as Box<dyn Transport>);
            greeting(&mut client, &address).await?;
            client
        }
        TlsMode::StartTls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain, &address).await?;
            within(
                TIMEOUT,
                handshake,
                plain.run_command_and_check_ok("STARTTLS", None),
            )
            .await?
            .map_err(|error| {
                ConnectorError::Tls(format!(
                    "{address} refused STARTTLS ({}); use implicit TLS (port 993) instead",
                    server_text(&error)
                ))
            })?;
            let stream = within(
                TIMEOUT,
                handshake,
                tls::handshake(settings, plain.into_inner()),
            )
            .await??;
            Client::new(Box::new(stream) as Box<dyn Transport>)
        }
        TlsMode::None => {
            let mut client = Client::new(Box::new(tcp) as Box<dyn Transport>);
            greeting(&mut client, &address).await?;
            client
        }
    };
    login(settings, client).await
}

async fn login(
    settings: &ImapSettings,
    client: Client<Box<dyn Transport>>,
) -> Result<Connection, ConnectorError> {
    let address = settings.address();
    let attempt = client.login(&settings.user, settings.password.expose_secret());
    let mut session =
        match within(TIMEOUT, || format!("login at {address} timed out"), attempt).await? {
            Ok(session) => session,
            Err((async_imap::error::Error::No(text), _)) => {
                return Err(ConnectorError::Auth(format!(
                    "{address} refused the login of {:?}: {}; check the user name and password",
                    settings.user,
                    reason(&text)
                )));
            }
            Err((async_imap::error::Error::Validate(_), _)) => {
                return Err(ConnectorError::Auth(
                    "the user name or password holds a line break, which IMAP cannot send".into(),
                ));
            }
            Err((error, _)) => return Err(session_error(&address, "login", &error)),
        };
    let capabilities = within(
        TIMEOUT,
        || format!("{address} did not list its capabilities"),
        session.capabilities(),
    )
    .await?
    .map_err(|error| session_error(&address, "CAPABILITY", &error))?;
    let capabilities = capabilities
        .iter()
        .map(|capability| match capability {
            async_imap::types::Capability::Imap4rev1 => "IMAP4rev1".to_owned(),
            async_imap::types::Capability::Auth(mechanism) => format!("AUTH={mechanism}"),
            async_imap::types::Capability::Atom(atom) => atom.clone(),
        })
        .collect();
    Ok(Connection {
        session,
        capabilities,
    })
}

/// Reads the server's greeting, which must be `* OK` (or `* PREAUTH`).
async fn greeting<T>(client: &mut Client<T>, address: &str) -> Result<(), ConnectorError>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug,
{
    let response = within(
        TIMEOUT,
        || format!("{address} sent no IMAP greeting (is this an IMAP port? with implicit TLS?)"),
        client.read_response(),
    )
    .await?
    .map_err(|error| ConnectorError::Network(format!("connection to {address} failed: {error}")))?;
    let Some(response) = response else {
        return Err(ConnectorError::Network(format!(
            "{address} closed the connection before greeting"
        )));
    };
    match response.parsed() {
        imap_proto::Response::Data {
            status: imap_proto::Status::Ok | imap_proto::Status::PreAuth,
            ..
        } => Ok(()),
        other => Err(ConnectorError::Protocol(format!(
            "{address} did not greet as an IMAP server: {other:?}"
        ))),
    }
}

/// Says goodbye; a failure here loses nothing, so it is ignored.
pub async fn logout(session: &mut Session) {
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
}

/// Runs `future`, failing with a network error made by `what` after `limit`.
pub async fn within<T>(
    limit: Duration,
    what: impl FnOnce() -> String,
    future: impl Future<Output = T>,
) -> Result<T, ConnectorError> {
    tokio::time::timeout(limit, future)
        .await
        .map_err(|_| ConnectorError::Network(what()))
}

/// Maps a failed command to the matching [`ConnectorError`].
pub fn session_error(
    address: &str,
    command: &str,
    error: &async_imap::error::Error,
) -> ConnectorError {
    use async_imap::error::Error;
    match error {
        Error::Io(io) => ConnectorError::Network(format!(
            "connection to {address} failed during {command}: {io}"
        )),
        Error::ConnectionLost => {
            ConnectorError::Network(format!("{address} closed the connection during {command}"))
        }
        Error::No(_) | Error::Bad(_) => ConnectorError::Protocol(format!(
            "{address} refused {command}: {}",
            server_text(error)
        )),
        other => ConnectorError::Protocol(format!("{command} at {address} failed: {other}")),
    }
}

/// The server's words in a `NO` / `BAD` answer.
fn server_text(error: &async_imap::error::Error) -> String {
    match error {
        async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => reason(text),
        other => other.to_string(),
    }
}

/// Pulls the human text out of async-imap's `code: .., info: Some("..")` rendering.
fn reason(text: &str) -> String {
    text.split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.strip_suffix("\")"))
        .map(|info| info.replace("\\\"", "\""))
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_extracts_the_server_text() {
        assert_eq!(
            reason("code: Some(AuthenticationFailed), info: Some(\"Authentication failed.\")"),
            "Authentication failed."
        );
        assert_eq!(reason("odd"), "odd");
    }
}
