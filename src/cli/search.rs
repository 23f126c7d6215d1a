//! `inbox search`, `inbox show`, `inbox thread`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use base64::Engine;
use clap::{Args, ValueEnum};

use super::format;
use crate::api::{Api, ApiError, Methods};
use crate::home::Home;
use crate::rpc::RemoteApi;
use crate::rpc::client::ClientError;
use crate::rpc::dto::SummaryDto;
use crate::rpc::requests::{
    CountParams, GetMessageParams, GetThreadParams, SearchParams, SortParam,
};

#[derive(Args)]
pub(super) struct SearchArgs {
    /// The query, e.g. `from:alice@example.org and date:2024-01..2024-03`.
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
    query: Vec<String>,
    /// Print at most N results.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Skip the first N results.
    #[arg(long, value_name = "N", default_value_t = 0)]
    offset: usize,
    /// Print results as a JSON array (see README "JSON output").
    #[arg(long, conflicts_with = "count")]
    json: bool,
    /// Print only the number of matching messages.
    #[arg(long)]
    count: bool,
    /// Result order.
    #[arg(long, value_enum, default_value_t = SortArg::NewestFirst)]
    sort: SortArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    /// Newest first (also `-date`).
    #[value(name = "-date", alias = "newest")]
    NewestFirst,
    /// Oldest first.
    #[value(name = "date", alias = "oldest")]
    OldestFirst,
    /// Best match first.
    Relevance,
    /// Most important first (see README "Importance"); ties newest first.
    Importance,
}

impl From<SortArg> for SortParam {
    fn from(sort: SortArg) -> SortParam {
        match sort {
            SortArg::NewestFirst => SortParam::NewestFirst,
            SortArg::OldestFirst => SortParam::OldestFirst,
            SortArg::Relevance => SortParam::Relevance,
            SortArg::Importance => SortParam::Importance,
        }
    }
}

pub(super) fn search(home: &Home, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let query = args.query.join(" ");
    // A query that cannot be read is said so, even before there is any data.
    let parsed = crate::index::parse(&query).map_err(|error| ApiError::bad_query(&query, error));
    if answer(parsed)?.is_none() {
        return Ok(ExitCode::from(2));
    }
    let api = connect_to_read(home)?;
    if args.count {
        let count = answer(api.count(&CountParams { query }))?;
        return Ok(count.map_or(ExitCode::from(2), |count| {
            println!("{count}");
            ExitCode::SUCCESS
        }));
    }
    let params = SearchParams {
        query,
        // Every result unless told otherwise.
        limit: args.limit.unwrap_or(usize::MAX),
        offset: args.offset,
        sort: args.sort.into(),
        snippets: false,
    };
    let Some(page) = answer(api.search(&params))? else {
        return Ok(ExitCode::from(2));
    };
    let summaries: Vec<SummaryDto> = page.messages.into_iter().map(|hit| hit.summary).collect();
    print_summaries(&summaries, args.json)
}

/// One line per message, or a JSON array.
fn print_summaries(summaries: &[SummaryDto], json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, summaries)?;
        writeln!(out)?;
    } else {
        for summary in summaries {
            writeln!(out, "{}", format::summary_line(summary))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn show(home: &Home, id: i64, json: bool, raw: bool) -> anyhow::Result<ExitCode> {
    let api = connect_to_read(home)?;
    let params = GetMessageParams {
        id,
        raw,
        html: false,
    };
    let message = api.get_message(&params)?;
    let mut out = std::io::stdout().lock();
    if raw {
        let encoded = message.raw.as_deref().unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .context("the raw message arrived damaged (invalid base64)")?;
        out.write_all(&bytes)?;
    } else if json {
        serde_json::to_writer_pretty(&mut out, &message)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", format::message(&message))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn thread(home: &Home, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let api = connect_to_read(home)?;
    print_summaries(&api.get_thread(&GetThreadParams { id })?, json)
}

/// The API: through the daemon when one answers on the socket, else on
/// the data directory in this process, created on first use. Both give
/// the same answers.
pub(super) fn connect(home: &Home) -> anyhow::Result<Box<dyn Methods>> {
    match daemon(home)? {
        Some(remote) => Ok(Box::new(remote)),
        None => Ok(Box::new(Api::open(home)?)),
    }
}

/// [`connect`] for commands that only read: without a daemon, the data
/// directory must hold a store already, and nothing is created.
pub(super) fn connect_to_read(home: &Home) -> anyhow::Result<Box<dyn Methods>> {
    if let Some(remote) = daemon(home)? {
        return Ok(Box::new(remote));
    }
    home.require_data()?;
    Ok(Box::new(Api::open(home)?))
}

/// The daemon, when one answers on the socket. A socket that is not the
/// user's own daemon's is refused, not talked to.
fn daemon(home: &Home) -> anyhow::Result<Option<RemoteApi>> {
    match RemoteApi::connect(&home.socket_path()) {
        Ok(remote) => Ok(remote),
        Err(error @ ClientError::Untrusted { .. }) => Err(error.into()),
        Err(error) => {
            tracing::warn!("not using the daemon: {error}");
            Ok(None)
        }
    }
}

/// The result, or `None` after printing a query error (with a caret under
/// the column where reading stopped) for the caller to exit with status 2.
pub(super) fn answer<T>(result: Result<T, ApiError>) -> anyhow::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::BadQuery { query, error }) => {
            eprintln!(
                "inbox: {error}\n  {query}\n  {}^",
                " ".repeat(error.position)
            );
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}
