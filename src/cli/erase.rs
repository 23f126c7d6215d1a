//! `inbox erase QUERY` and `inbox erase --thread ID`: says what will go,
//! asks, then erases through the API (the daemon's when it runs).

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use super::account::confirm;
use super::search::{answer, connect};
use crate::home::Home;
use crate::rpc::dto::EraseResultDto;
use crate::rpc::requests::EraseParams;

#[derive(Args)]
pub(super) struct EraseArgs {
    /// Erase the messages matching this query.
    #[arg(num_args = 0.., conflicts_with = "thread")]
    query: Vec<String>,
    /// Erase the whole thread of this message (id as printed by `inbox search`).
    #[arg(long, value_name = "ID")]
    thread: Option<i64>,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
}

pub(super) fn run(home: &Home, args: &EraseArgs) -> anyhow::Result<ExitCode> {
    let query = (!args.query.is_empty()).then(|| args.query.join(" "));
    if query.is_none() && args.thread.is_none() {
        bail!("nothing to erase: give a query (`*` for every message) or --thread ID");
    }
    let mut params = EraseParams {
        query,
        thread: args.thread,
        dry_run: true,
    };
    let api = connect(home)?;
    let Some(preview) = answer(api.erase(&params))? else {
        return Ok(ExitCode::from(2));
    };
    if preview.messages == 0 {
        println!("no message matches; nothing to erase");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} will be erased from the store and the index, for good",
        describe(&preview)
    );
    if !args.yes {
        confirm("Erase them?")?;
    }
    params.dry_run = false;
    let Some(done) = answer(api.erase(&params))? else {
        return Ok(ExitCode::from(2));
    };
    println!(
        "erased {}: {} bytes of raw mail, {} index documents; store vacuumed, its log truncated, index segments rewritten",
        describe(&done),
        done.raw_bytes,
        done.index_documents
    );
    Ok(ExitCode::SUCCESS)
}

/// `3 messages (work: 2, home: 1)`.
fn describe(outcome: &EraseResultDto) -> String {
    let accounts: Vec<String> = outcome
        .accounts
        .iter()
        .map(|count| format!("{}: {}", count.account, count.messages))
        .collect();
    let noun = if outcome.messages == 1 {
        "message"
    } else {
        "messages"
    };
    format!("{} {noun} ({})", outcome.messages, accounts.join(", "))
}
