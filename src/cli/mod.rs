//! The `inbox` command line: parses arguments and calls the library.

mod account;
mod authorize;
mod daemon;
mod erase;
mod explain;
mod export;
mod format;
mod import;
mod importance;
mod learn;
mod logging;
mod maintenance;
mod progress;
mod report;
mod retention;
mod rules;
mod search;
mod spam;
mod sync;
mod tag;
mod unlock;
mod vault;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

pub use daemon::inboxd_main;
use inbox_vault::VaultError;
use unlock::VaultAccess;

use crate::config::Config;
use crate::home::Home;
use crate::index::Index;
use crate::store::Store;

/// One local, private, searchable store for all your messages.
#[derive(Parser)]
#[command(name = "inbox", version, about, max_term_width = 100)]
pub struct Cli {
    /// More log output (-v: info, -vv: debug); also RUST_LOG.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Read the vault passphrase from this file descriptor (also
    /// INBOX_PASSPHRASE_FILE; else it is asked on the terminal).
    #[arg(long, value_name = "N", global = true)]
    passphrase_fd: Option<u32>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import a Maildir (or a tree of them), an mbox file, or a directory of message files.
    Import {
        /// Maildir directory, mbox file, or directory tree to import.
        path: PathBuf,
        /// Account the messages belong to.
        #[arg(long, default_value = "local")]
        account: String,
    },
    /// Search messages (newest first); see README "Query language".
    Search(search::SearchArgs),
    /// Show one message.
    Show {
        /// Message id (as printed by `inbox search`).
        id: i64,
        /// Print the message as JSON.
        #[arg(long, conflicts_with = "raw")]
        json: bool,
        /// Print the raw bytes exactly as stored.
        #[arg(long)]
        raw: bool,
    },
    /// Show the conversation a message belongs to, oldest first.
    Thread {
        /// Id of any message in the thread.
        id: i64,
        /// Print the thread as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add (+tag) and remove (-tag) tags on every message matching a query:
    /// `inbox tag +work -inbox -- from:boss@example.com`.
    #[command(allow_hyphen_values = true)]
    Tag {
        /// `+tag`/`-tag` changes, then (after an optional `--`) the query.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Write messages out: raw mail exactly as stored, in an mbox file, a
    /// Maildir or JSON Lines, with their tags and flags in `OUTPUT.tags`.
    Export {
        /// Only messages matching this query (default: all).
        #[arg(num_args = 0..)]
        query: Vec<String>,
        #[arg(long, value_enum)]
        format: export::FormatArg,
        /// File (mbox, json) or directory (maildir) to create; never overwritten.
        #[arg(long, short, value_name = "PATH")]
        output: PathBuf,
        /// Only this account's messages.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// Delete messages for good: from the store, the index, and every old
    /// copy of their bytes in the data directory. Asks first (--yes skips).
    Erase(erase::EraseArgs),
    /// Why a message holds each of its tags: the rule, built-in tagger,
    /// classifier (with its strongest tokens) or you; its spam score; its importance.
    Explain {
        /// Message id (as printed by `inbox search`).
        id: i64,
        /// Print the explanation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Save and restore tags (notmuch's dump format); learn tags.
    #[command(subcommand)]
    Tags(export::TagsCommand),
    /// Sync configured accounts now (all of them, or those named), then push
    /// local flag changes back to their servers.
    Sync {
        /// Keep syncing: IDLE on INBOX, polls on the account's interval,
        /// retries with backoff; until Ctrl-C or SIGTERM.
        #[arg(long)]
        watch: bool,
        /// Accounts to sync (default: every configured account).
        accounts: Vec<String>,
    },
    /// Run the daemon (the same as `inboxd`): keep accounts in sync and
    /// serve the JSON-RPC API on the socket, until SIGTERM; SIGHUP reloads
    /// the accounts.
    Daemon,
    /// Manage the credential vault.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Manage accounts: settings in the config file, secrets in the vault.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Train and evaluate the spam classifier.
    #[command(subcommand)]
    Spam(spam::SpamCommand),
    /// Check the tagging rules (rules.toml) or apply them to stored messages.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Apply the accounts' retention periods now (the daemon does it daily).
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Recompute the importance scores of stored messages.
    #[command(subcommand)]
    Importance(importance::ImportanceCommand),
    /// Rebuild the search index from the store.
    Reindex,
    /// Counts of messages, threads, accounts, folders and tags, and disk use.
    Stats {
        /// Print the statistics as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the command line; errors are printed with what to do about them.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Daemon) && cli.verbose == 0 {
        daemon::init_daemon_logging();
        return daemon::exit(daemon::run(cli.passphrase_fd));
    }
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        // The reader went away (`inbox search ... | head`): nothing to report.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) if is_wrong_key(&error) => {
            eprintln!("inbox: {}", report::describe(&error));
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("inbox: {}", report::describe(&error));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let home = Home::from_env()?;
    match cli.command {
        Command::Import { path, account } => import::run(&home, &path, &account),
        Command::Search(args) => search::search(&home, &args),
        Command::Show { id, json, raw } => search::show(&home, id, json, raw),
        Command::Thread { id, json } => search::thread(&home, id, json),
        Command::Tag { args } => tag::run(&home, &args),
        Command::Export {
            query,
            format,
            output,
            account,
        } => export::run(&home, &query, account.as_deref(), format, &output),
        Command::Explain { id, json } => explain::run(&home, id, json),
        Command::Tags(command) => export::tags(&home, &command),
        Command::Erase(args) => erase::run(&home, &args),
        Command::Sync { watch, accounts } => {
            let config = Config::load(&home.config_path())?;
            let access = VaultAccess::new(&home, &config, cli.passphrase_fd);
            sync::run(&home, &config, &access, &accounts, watch)
        }
        Command::Vault(command) => {
            let config = Config::load(&home.config_path())?;
            let access = VaultAccess::new(&home, &config, cli.passphrase_fd);
            vault::run(&home, &access, command)
        }
        Command::Account(command) => {
            let config = Config::load(&home.config_path())?;
            let access = VaultAccess::new(&home, &config, cli.passphrase_fd);
            account::run(&home, &config, &access, command)
        }
        Command::Daemon => daemon::run(cli.passphrase_fd),
        Command::Spam(command) => spam::run(&home, command),
        Command::Rules(command) => rules::run(&home, command),
        Command::Retention(command) => retention::run(&home, command),
        Command::Importance(command) => importance::run(&home, command),
        Command::Reindex => maintenance::reindex(&home),
        Command::Stats { json } => maintenance::stats(&home, json),
    }
}

/// A wrong passphrase or identity exits with status 2, so scripts can tell it apart.
fn is_wrong_key(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| matches!(cause.downcast_ref(), Some(VaultError::WrongKey)))
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Opens the store, creating the data directory on first use.
fn open_store(home: &Home) -> anyhow::Result<Store> {
    home.create()?;
    Store::open(&home.store_path())
        .with_context(|| format!("cannot open the store {}", home.store_path().display()))
}

/// Opens the store for commands that only read it; creates nothing, and
/// says so when there is no store yet.
fn open_store_for_reading(home: &Home) -> anyhow::Result<Store> {
    home.require_data()?;
    Store::open_for_reading(&home.store_path())
        .with_context(|| format!("cannot open the store {}", home.store_path().display()))
}

/// Opens the index, creating it on first use.
fn open_index(home: &Home) -> anyhow::Result<Index> {
    Index::open(&home.index_dir()).with_context(|| {
        format!(
            "cannot open the search index {} (it can be rebuilt from the store: `inbox reindex`)",
            home.index_dir().display()
        )
    })
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    logging::init(default, logging::Style::Command);
}
