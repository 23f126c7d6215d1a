//! `inbox search`, `inbox show`, `inbox thread`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::{format, open_index, open_store_for_reading};
use crate::home::Home;
use crate::index::{Index, Sort, query};
use crate::model::{MessageId, ThreadId};
use crate::normalize::normalize;
use crate::rpc::dto::{MessageDto, SummaryDto};
use crate::store::{Store, Summary};
use crate::sync::catch_up_index;

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
}

impl From<SortArg> for Sort {
    fn from(sort: SortArg) -> Sort {
        match sort {
            SortArg::NewestFirst => Sort::NewestFirst,
            SortArg::OldestFirst => Sort::OldestFirst,
            SortArg::Relevance => Sort::Relevance,
        }
    }
}

pub(super) fn search(home: &Home, args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let text = args.query.join(" ");
    let query = match query::parse(&text) {
        Ok(query) => query,
        Err(error) => {
            eprintln!(
                "inbox: {error}\n  {text}\n  {}^",
                " ".repeat(error.position)
            );
            return Ok(ExitCode::from(2));
        }
    };
    let store = open_store_for_reading(home)?;
    let index = open_index(home)?;
    ensure_index_current(&store, &index)?;
    if args.count {
        println!("{}", index.count(&query)?);
        return Ok(ExitCode::SUCCESS);
    }
    let limit = match args.limit {
        Some(limit) => limit,
        None => index.count(&query)?,
    };
    let ids = index.search(&query, args.sort.into(), limit, args.offset)?;
    print_summaries(&store.summaries(&ids)?, args.json)
}

/// One line per message, or a JSON array.
fn print_summaries(summaries: &[Summary], json: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if json {
        let dtos: Vec<SummaryDto> = summaries.iter().map(SummaryDto::from).collect();
        serde_json::to_writer_pretty(&mut out, &dtos)?;
        writeln!(out)?;
    } else {
        for summary in summaries {
            writeln!(out, "{}", format::summary_line(summary))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn show(home: &Home, id: i64, json: bool, raw: bool) -> anyhow::Result<ExitCode> {
    let store = open_store_for_reading(home)?;
    let id = MessageId(id);
    let Some(summary) = store.summary(id)? else {
        bail!(
            "no message with id {} (ids are printed by `inbox search`)",
            id.0
        );
    };
    let bytes = store.raw(id)?.context("the message has no raw bytes")?;
    let mut out = std::io::stdout().lock();
    if raw {
        out.write_all(&bytes)?;
    } else if json {
        let message = normalize(&bytes);
        serde_json::to_writer_pretty(&mut out, &MessageDto::new(&summary, &message))?;
        writeln!(out)?;
    } else {
        write!(out, "{}", format::message(&summary, &normalize(&bytes)))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn thread(home: &Home, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_store_for_reading(home)?;
    let Some(summary) = store.summary(MessageId(id))? else {
        bail!("no message with id {id} (ids are printed by `inbox search`)");
    };
    let thread: ThreadId = summary.thread;
    print_summaries(&store.summaries(&store.thread(thread)?)?, json)
}

/// Catches the index up with the store if it fell behind (an interrupted
/// import); when another process holds the index, searches what is there.
pub(super) fn ensure_index_current(store: &Store, index: &Index) -> anyhow::Result<()> {
    let indexed = index.indexed_seq()?.unwrap_or(0);
    if indexed >= store.change_seq()? {
        return Ok(());
    }
    match index.writer() {
        Ok(mut writer) => {
            catch_up_index(store, &mut writer, indexed)?;
            index.reload()?;
        }
        Err(error) => tracing::warn!("the index is behind the store and busy: {error}"),
    }
    Ok(())
}
