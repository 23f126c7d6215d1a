//! Retention in the daemon: applied once every account has finished (or
//! failed) its first sync, at most [`FIRST_SYNC_WAIT`] after start, then
//! every [`RETENTION_EVERY`]; each pass logs a one-line summary. Local
//! erasure only: server copies are never touched by retention.

use std::sync::Arc;
use std::time::Duration;

use super::state::DaemonState;
use crate::api::{Api, Methods};
use crate::rpc::requests::RetentionParams;

/// How often retention is applied.
pub const RETENTION_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest wait for the first syncs before the first pass.
pub const FIRST_SYNC_WAIT: Duration = Duration::from_secs(15 * 60);
/// How often the first syncs are checked on.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Applies retention as the module docs say, until the task is dropped.
pub(super) async fn run(api: Arc<Api>, state: Arc<DaemonState>) {
    let waited = tokio::time::Instant::now();
    while !state.first_syncs_done() && waited.elapsed() < FIRST_SYNC_WAIT {
        tokio::time::sleep(CHECK_EVERY).await;
    }
    loop {
        apply(api.clone()).await;
        tokio::time::sleep(RETENTION_EVERY).await;
    }
}

async fn apply(api: Arc<Api>) {
    let params = RetentionParams { dry_run: false };
    let outcome = tokio::task::spawn_blocking(move || api.apply_retention(&params)).await;
    match outcome {
        Ok(Ok(done)) if done.erased.messages == 0 => {
            tracing::info!("retention: no message expired");
        }
        Ok(Ok(done)) => {
            let accounts: Vec<String> = (done.erased.accounts.iter())
                .map(|count| format!("{}: {}", count.account, count.messages))
                .collect();
            tracing::info!(
                "retention: erased {} expired messages ({}), {} bytes of raw mail",
                done.erased.messages,
                accounts.join(", "),
                done.erased.raw_bytes
            );
        }
        Ok(Err(error)) => tracing::error!("retention failed, trying again in a day: {error}"),
        Err(error) => tracing::error!("retention failed: {error}"),
    }
}
