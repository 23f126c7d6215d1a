//! Waiting for the server to report a change in one folder (IDLE, else polling).

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use inbox_connector_api::ConnectorError;

use crate::connect::{Connection, TIMEOUT, logout, session_error, within};
use crate::fetch::{self, Selected};

/// Waits up to `timeout` for news in `server_name`; true when something changed.
///
/// With IDLE the server's first untagged response ends the wait. Without
/// it, the folder is selected again after `timeout` and compared.
pub async fn wait(
    connection: Connection,
    address: &str,
    server_name: &str,
    timeout: Duration,
) -> Result<bool, ConnectorError> {
    let Connection {
        mut session,
        capabilities,
    } = connection;
    let condstore = capabilities
        .iter()
        .any(|c| c.eq_ignore_ascii_case("CONDSTORE"));
    let idle = capabilities.iter().any(|c| c.eq_ignore_ascii_case("IDLE"));
    let mut folder = fetch::Folder {
        session: &mut session,
        address,
    };
    let before = folder.select(server_name, condstore).await?;
    if !idle {
        tokio::time::sleep(timeout).await;
        let after = folder.select(server_name, condstore).await?;
        logout(&mut session).await;
        return Ok(changed(&before, &after));
    }
    let mut handle = session.idle();
    within(
        TIMEOUT,
        || format!("IDLE at {address} timed out"),
        handle.init(),
    )
    .await?
    .map_err(|error| session_error(address, "IDLE", &error))?;
    let (waiting, _stop) = handle.wait_with_timeout(timeout);
    let news = match tokio::time::timeout(timeout, waiting).await {
        Err(_) | Ok(Ok(IdleResponse::Timeout | IdleResponse::ManualInterrupt)) => false,
        Ok(Ok(IdleResponse::NewData(_))) => true,
        Ok(Err(error)) => return Err(session_error(address, "IDLE", &error)),
    };
    let mut session = within(
        TIMEOUT,
        || format!("ending IDLE at {address} timed out"),
        handle.done(),
    )
    .await?
    .map_err(|error| session_error(address, "IDLE", &error))?;
    logout(&mut session).await;
    Ok(news)
}

fn changed(before: &Selected, after: &Selected) -> bool {
    before.uidvalidity != after.uidvalidity
        || before.exists != after.exists
        || before.highest_modseq != after.highest_modseq
        || before.uid_next != after.uid_next
}
