//! `inbox export`, `inbox tags dump` and `inbox tags restore`.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};

use super::open_store_for_reading;
use super::progress::Bar;
use super::search::{answer, connect, connect_to_read};
use crate::api::{Api, Methods};
use crate::export::dump;
use crate::home::Home;
use crate::model::{FlagTag, MessageId};
use crate::rpc::requests::{
    CountParams, ExportFormat, ExportParams, SearchParams, SortParam, TagParams,
};
use crate::sync::Progress;

/// Ids fetched per search call.
const PAGE: usize = 1_000;
/// Message-IDs per tag call when restoring.
const RESTORE_CHUNK: usize = 200;

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum FormatArg {
    Mbox,
    Maildir,
    Json,
}

#[derive(Subcommand)]
pub(super) enum TagsCommand {
    /// Print every message's tags as `+tag ... -- id:MESSAGE-ID` lines
    /// (notmuch's dump format; flags appear as `unread`, `flagged`, ...).
    Dump {
        /// Only messages matching this query (default: all).
        #[arg(num_args = 0..)]
        query: Vec<String>,
        /// Write to FILE (created 0600) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Set the tags and flags of the messages named in a dump to exactly
    /// those listed (messages not found are counted and skipped).
    Restore {
        /// The dump (default: standard input).
        file: Option<PathBuf>,
    },
    /// Learn TAG: train a model on the messages holding it against a seeded
    /// random sample of the others; new mail the model is sure of (score
    /// above 0.9) gets TAG. Learning again starts over.
    Learn {
        tag: String,
        /// Remove TAG's model instead: new mail no longer gets it.
        #[arg(long)]
        forget: bool,
    },
    /// List the learned tags with their models' counts.
    Learned,
}

/// `inbox export [QUERY] --format F --output PATH [--account NAME]`, by
/// the API's `export` run in this process even beside a daemon (it only
/// reads), so a progress bar can follow it.
pub(super) fn run(
    home: &Home,
    query: &[String],
    account: Option<&str>,
    format: FormatArg,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let output = std::path::absolute(output)
        .with_context(|| format!("cannot resolve {}", output.display()))?;
    let params = ExportParams {
        query: (!query.is_empty()).then(|| query.join(" ")),
        format: match format {
            FormatArg::Mbox => ExportFormat::Mbox,
            FormatArg::Maildir => ExportFormat::Maildir,
            FormatArg::Json => ExportFormat::Json,
        },
        output,
        account: account.map(str::to_owned),
    };
    home.require_data()?;
    let api = Api::open(home)?;
    let bar = Bar::new("exporting");
    let exported = api.export_with_progress(&params, &|done| bar.advance(done));
    drop(bar);
    let Some(report) = answer(exported)? else {
        return Ok(ExitCode::from(2));
    };
    println!(
        "exported {} messages ({:.1} MB) to {}; tags and flags in {} (`inbox tags restore {}` reads them back)",
        report.messages,
        report.bytes as f64 / 1e6,
        report.output.display(),
        report.dump.display(),
        report.dump.display(),
    );
    Ok(ExitCode::SUCCESS)
}

/// `inbox tags dump|restore`.
pub(super) fn tags(home: &Home, command: &TagsCommand) -> anyhow::Result<ExitCode> {
    match command {
        TagsCommand::Dump { query, output } => dump_tags(home, query, output.as_deref()),
        TagsCommand::Restore { file } => restore_tags(home, file.as_deref()),
        TagsCommand::Learn { tag, forget } => super::learn::run(home, tag, *forget),
        TagsCommand::Learned => super::learn::list(home),
    }
}

fn dump_tags(home: &Home, query: &[String], output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let api = connect_to_read(home)?;
    let Some(ids) = matching_ids(api.as_ref(), &whole_query(query))? else {
        return Ok(ExitCode::from(2));
    };
    let store = open_store_for_reading(home)?;
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            create_private(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut without_id = 0;
    for page in ids.chunks(PAGE) {
        for summary in store.summaries(page)? {
            match dump::line(&summary) {
                Some(line) => writeln!(out, "{line}")?,
                None => without_id += 1,
            }
        }
    }
    out.flush()?;
    if without_id > 0 {
        eprintln!("inbox: {without_id} messages have no Message-ID and cannot be named in a dump");
    }
    Ok(ExitCode::SUCCESS)
}

fn restore_tags(home: &Home, file: Option<&Path>) -> anyhow::Result<ExitCode> {
    let input: Box<dyn BufRead> = match file {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    // Messages with the same tags are restored together.
    let mut by_tags: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (number, line) in input.lines().enumerate() {
        let line = line.context("cannot read the dump")?;
        match dump::parse(&line) {
            Ok(Some(mut entry)) => {
                entry.tags.sort();
                entry.tags.dedup();
                by_tags
                    .entry(entry.tags)
                    .or_default()
                    .push(entry.message_id);
            }
            Ok(None) => {}
            Err(reason) => bail!("line {}: {reason}: {line}", number + 1),
        }
    }
    let api = connect(home)?;
    let known: Vec<String> = api.list_tags()?.into_iter().map(|tag| tag.tag).collect();
    let (mut matched, mut changed, mut named) = (0, 0, 0);
    for (tags, message_ids) in &by_tags {
        let mut remove: Vec<String> = (FlagTag::ALL.iter())
            .map(|flag| flag.name().to_owned())
            .chain(known.iter().cloned())
            .filter(|tag| !tags.contains(tag))
            .collect();
        remove.sort();
        remove.dedup();
        for chunk in message_ids.chunks(RESTORE_CHUNK) {
            let query = chunk
                .iter()
                .filter(|id| !id.contains('"'))
                .map(|id| format!("id:\"{id}\""))
                .collect::<Vec<_>>()
                .join(" or ");
            named += chunk.len();
            if query.is_empty() {
                continue;
            }
            let Some(outcome) = answer(api.tag(&TagParams {
                query,
                add: tags.clone(),
                remove: remove.clone(),
                ..TagParams::default()
            }))?
            else {
                return Ok(ExitCode::from(2));
            };
            matched += outcome.matched;
            changed += outcome.changed;
        }
    }
    println!("{named} messages named in the dump, {matched} found, {changed} changed");
    Ok(ExitCode::SUCCESS)
}

/// The user's query, default every message.
fn whole_query(query: &[String]) -> String {
    if query.is_empty() {
        "*".to_owned()
    } else {
        query.join(" ")
    }
}

/// Every message matching `query`, oldest first; `None` after a query error
/// was printed.
fn matching_ids(api: &dyn Methods, query: &str) -> anyhow::Result<Option<Vec<MessageId>>> {
    let Some(total) = answer(api.count(&CountParams {
        query: query.to_owned(),
    }))?
    else {
        return Ok(None);
    };
    let mut ids = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    while (ids.len() as u64) < total {
        let page = api.search(&SearchParams {
            query: query.to_owned(),
            limit: PAGE,
            offset: ids.len(),
            sort: SortParam::OldestFirst,
            snippets: false,
        })?;
        if page.messages.is_empty() {
            break;
        }
        ids.extend(page.messages.iter().map(|hit| MessageId(hit.summary.id)));
    }
    Ok(Some(ids))
}

fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}
