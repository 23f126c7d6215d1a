//! `inbox account add|list|remove|authorize`: settings go to the
//! configuration file, secrets to the vault, never the other way round.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use inbox_connector_api::transport::{check_http_base, is_loopback};
use secrecy::SecretString;
use zeroize::Zeroizing;

use super::authorize::AuthorizeArgs;
use super::format::visible_line;
use super::unlock::{VaultAccess, prompt_secret};
use super::{open_index, open_store};
use crate::accounts::imap_connector;
use crate::api::purge_account;
use crate::config::{
    AccountConfig, Config, ConfigEdit, ImapAccount, RemoteErase, TlsMode, XAccount, XAuth,
    check_account_name, default_api_base,
};
use crate::home::Home;

#[derive(Subcommand)]
pub(super) enum AccountCommand {
    /// Add an account (IMAP mailbox or X direct messages).
    #[command(subcommand)]
    Add(AddCommand),
    /// List accounts: configured ones and those holding imported messages.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Get an account's tokens by signing in with the browser (OAuth 2.0).
    #[command(subcommand)]
    Authorize(AuthorizeCommand),
    /// Connect and log in to an account's server, and list its folders.
    Test { name: String },
    /// Remove an account's settings and secrets; with --purge also its messages.
    Remove {
        name: String,
        /// Also delete every message of the account from the store and the index.
        #[arg(long)]
        purge: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
pub(super) enum AddCommand {
    /// An IMAP mailbox; the password goes to the vault.
    Imap(ImapArgs),
    /// X (Twitter) direct messages; the tokens go to the vault.
    X(XArgs),
}

#[derive(Subcommand)]
pub(super) enum AuthorizeCommand {
    /// An X account with `--auth oauth2`: access and refresh tokens go to the vault.
    X(AuthorizeArgs),
}

#[derive(Args)]
pub(super) struct ImapArgs {
    /// Name of the account (letters, digits, '.', '_', '-').
    name: String,
    #[arg(long)]
    host: String,
    /// Port (default: 993 with implicit TLS, 143 otherwise).
    #[arg(long)]
    port: Option<u16>,
    #[arg(long)]
    user: String,
    #[arg(long, value_enum, default_value = "implicit")]
    tls: TlsMode,
    /// Also trust this CA certificate (PEM), e.g. for a self-signed server.
    #[arg(long, value_name = "FILE")]
    tls_ca_file: Option<PathBuf>,
    /// Only sync folders matching this glob (repeatable; `*` and `?`).
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Never sync folders matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Seconds between polls when the server offers no IDLE.
    #[arg(long, default_value_t = 300)]
    poll_interval: u64,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
pub(super) struct XArgs {
    /// Name of the account (letters, digits, '.', '_', '-').
    name: String,
    /// How requests are signed.
    #[arg(long, value_enum, default_value = "oauth2")]
    auth: XAuth,
    /// OAuth 2.0 client id of your X app (needed to refresh tokens).
    #[arg(long)]
    client_id: Option<String>,
    /// API address (a test server, a proxy).
    #[arg(long, default_value_t = default_api_base())]
    api_base: String,
    /// Seconds between polls.
    #[arg(long, default_value_t = 60)]
    poll_interval: u64,
    /// Read the tokens from standard input as `field=value` lines
    /// (oauth2: access_token, refresh_token[, client_secret];
    /// oauth1: consumer_key, consumer_secret, access_token, access_token_secret).
    #[arg(long)]
    tokens_stdin: bool,
    /// OAuth 2.0: keep the settings only (and, with --tokens-stdin, a
    /// `client_secret=...` line); get the tokens afterwards with
    /// `inbox account authorize x NAME`.
    #[arg(long)]
    authorize_later: bool,
}

pub(super) fn run(
    home: &Home,
    config: &Config,
    access: &VaultAccess,
    command: AccountCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        AccountCommand::Add(AddCommand::Imap(args)) => add_imap(home, config, access, args),
        AccountCommand::Add(AddCommand::X(args)) => add_x(home, config, access, args),
        AccountCommand::Authorize(AuthorizeCommand::X(args)) => {
            super::authorize::run(config, access, args)
        }
        AccountCommand::List { json } => list(home, config, json),
        AccountCommand::Test { name } => test(config, access, &name),
        AccountCommand::Remove { name, purge, yes } => {
            remove(home, config, access, &name, purge, yes)
        }
    }
}

fn add_imap(
    home: &Home,
    config: &Config,
    access: &VaultAccess,
    args: ImapArgs,
) -> anyhow::Result<ExitCode> {
    check_new_name(home, config, &args.name, "imap")?;
    if args.tls == TlsMode::None && !is_loopback(&args.host) {
        eprintln!(
            "warning: --tls none sends the password and every message unencrypted to {}",
            args.host
        );
    }
    let mut vault = access.open_for_update()?;
    let password = if args.password_stdin {
        read_stdin_line().context("cannot read the password from standard input")?
    } else {
        prompt_secret(&format!("IMAP password for {}@{}: ", args.user, args.host))?
    };
    let account = AccountConfig::Imap(ImapAccount {
        port: args.port.unwrap_or(args.tls.default_port()),
        host: args.host,
        user: args.user,
        tls: args.tls,
        tls_ca_file: args.tls_ca_file.map(std::path::absolute).transpose()?,
        include: args.include,
        exclude: args.exclude,
        poll_interval: args.poll_interval,
        vault_entry: args.name.clone(),
        remote_erase: RemoteErase::default(),
        retention: None,
        retention_folders: Default::default(),
    });
    vault.set(&args.name, "password", password);
    vault.save()?;
    save_account(home, &args.name, &account)?;
    println!(
        "added IMAP account {}: {}; password kept in the vault",
        args.name,
        account.describe()
    );
    Ok(ExitCode::SUCCESS)
}

fn add_x(
    home: &Home,
    config: &Config,
    access: &VaultAccess,
    args: XArgs,
) -> anyhow::Result<ExitCode> {
    check_new_name(home, config, &args.name, "x")?;
    if args.auth == XAuth::Oauth2 && args.client_id.is_none() {
        bail!("OAuth 2.0 needs the client id of your X app: add --client-id ID");
    }
    check_http_base("X api_base", &args.api_base)?;
    let mut vault = access.open_for_update()?;
    if args.authorize_later && args.auth != XAuth::Oauth2 {
        bail!("--authorize-later is for OAuth 2.0; OAuth 1.0a tokens are given when adding");
    }
    let (required, optional) = args.auth.fields();
    let tokens = if args.authorize_later {
        match args.tokens_stdin {
            true => read_token_lines(&[], optional)?,
            false => Vec::new(),
        }
    } else if args.tokens_stdin {
        read_token_lines(required, optional)?
    } else {
        let mut tokens = Vec::new();
        for field in required {
            tokens.push((*field, prompt_secret(&format!("{field}: "))?));
        }
        tokens
    };
    let account = AccountConfig::X(XAccount {
        api_base: args.api_base,
        auth: args.auth,
        client_id: args.client_id,
        poll_interval: args.poll_interval,
        vault_entry: args.name.clone(),
        retention: None,
        retention_folders: Default::default(),
    });
    for (field, secret) in tokens {
        vault.set(&args.name, field, secret);
    }
    vault.save()?;
    save_account(home, &args.name, &account)?;
    match args.authorize_later {
        true => println!(
            "added X account {}: {}; get its tokens with `inbox account authorize x {}`",
            args.name,
            account.describe(),
            args.name
        ),
        false => println!(
            "added X account {}: {}; tokens kept in the vault",
            args.name,
            account.describe()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn list(home: &Home, config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let rows = crate::api::list_accounts(home, config)?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        writeln!(
            out,
            "no accounts yet: `inbox account add imap NAME ...` or `inbox import PATH`"
        )?;
    }
    for row in &rows {
        let settings = row.settings.as_deref().unwrap_or("imported messages only");
        writeln!(
            out,
            "{:<16} {:<6} {:>8} messages  {settings}",
            row.name, row.kind, row.messages
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(
    home: &Home,
    config: &Config,
    access: &VaultAccess,
    name: &str,
    purge: bool,
    yes: bool,
) -> anyhow::Result<ExitCode> {
    let configured = config.accounts.get(name);
    let mut store = open_store(home)?;
    let stored = store.find_account(name)?.is_some();
    if configured.is_none() && !stored {
        bail!("no account named {name:?} (see `inbox account list`)");
    }
    if configured.is_none() && !purge {
        bail!(
            "{name:?} has no settings or secrets, only imported messages; add --purge to delete them"
        );
    }
    if purge && !yes {
        confirm(&format!(
            "Delete every message of account {name} from the store and the index?"
        ))?;
    }
    if let Some(account) = configured {
        // Secrets first: an account left without its secret is harmless,
        // a secret left without its account would be forgotten in the vault.
        if access.path.exists() {
            let mut vault = access.open_for_update()?;
            if vault.remove_account(account.vault_entry()) {
                vault.save()?;
            }
        }
        let mut edit = ConfigEdit::open(&home.config_path())?;
        edit.remove_account(name)?;
        edit.save()?;
        println!("removed account {name}: settings and secrets");
    }
    if purge {
        let index = open_index(home)?;
        let erased = purge_account(&mut store, &index, name)?;
        println!(
            "deleted {} messages of account {name} ({} bytes of raw mail); store vacuumed, its log truncated, index segments rewritten",
            erased.messages, erased.raw_bytes
        );
    } else if stored {
        println!(
            "its messages stay searchable; `inbox account remove {name} --purge` deletes them"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn test(config: &Config, access: &VaultAccess, name: &str) -> anyhow::Result<ExitCode> {
    let Some(account) = config.accounts.get(name) else {
        bail!("no configured account named {name:?} (see `inbox account list`)");
    };
    let AccountConfig::Imap(imap) = account else {
        return test_x(config, access, name);
    };
    let vault = access.open()?;
    let connector = imap_connector(name, imap, &vault)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let info = runtime.block_on(connector.check_login())?;
    println!(
        "{name}: logged in as {} ({})",
        imap.user,
        account.describe()
    );
    let capabilities = info.capabilities.join(" ");
    println!("capabilities: {}", visible_line(&capabilities));
    println!("{} folders to sync:", info.folders.len());
    for folder in &info.folders {
        let name = visible_line(&folder.name);
        match &folder.special_use {
            Some(special) => println!("  {name} ({})", visible_line(special)),
            None => println!("  {name}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `inbox account test` for an X account: whose tokens they are.
fn test_x(config: &Config, access: &VaultAccess, name: &str) -> anyhow::Result<ExitCode> {
    let Some(AccountConfig::X(x)) = config.accounts.get(name) else {
        bail!("no configured X account named {name:?}");
    };
    let vault = access.open()?;
    let mut connector = crate::accounts::x_connector(name, x, &vault)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let me = runtime.block_on(connector.whoami())?;
    let handle = me
        .username
        .map_or(me.id.clone(), |username| format!("@{username}"));
    let (handle, id) = (visible_line(&handle), visible_line(&me.id));
    match me.name {
        Some(display) => println!(
            "{name}: signed in to {} as {handle} ({}), user id {id}",
            x.api_base,
            visible_line(&display)
        ),
        None => println!(
            "{name}: signed in to {} as {handle}, user id {id}",
            x.api_base
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// A new account's name must be valid and free, in the configuration and in
/// the store (where imported messages may already use it for another kind).
fn check_new_name(home: &Home, config: &Config, name: &str, kind: &str) -> anyhow::Result<()> {
    check_account_name(name)?;
    if config.accounts.contains_key(name) {
        bail!("an account named {name:?} exists; remove it first (`inbox account remove {name}`)");
    }
    if home.store_path().exists() {
        let store = super::open_store_for_reading(home)?;
        if let Some((_, holds)) = store.find_account(name)?
            && holds != kind
        {
            bail!("{name:?} already names {holds} messages in the store; choose another name");
        }
    }
    Ok(())
}

fn save_account(home: &Home, name: &str, account: &AccountConfig) -> anyhow::Result<()> {
    let mut edit = ConfigEdit::open(&home.config_path())?;
    edit.set_account(name, account)?;
    edit.save()?;
    Ok(())
}

/// The first line of standard input, as a secret.
fn read_stdin_line() -> anyhow::Result<SecretString> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line)?;
    let value = line.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        bail!("standard input is empty");
    }
    Ok(SecretString::from(value))
}

/// `field=value` lines from standard input; every required field present,
/// no unknown one.
fn read_token_lines(
    required: &'static [&'static str],
    optional: &'static [&'static str],
) -> anyhow::Result<Vec<(&'static str, SecretString)>> {
    let mut tokens = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = Zeroizing::new(line.context("cannot read the tokens from standard input")?);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((field, value)) = line.split_once('=') else {
            bail!("expected `field=value` lines on standard input");
        };
        let Some(&known) = required
            .iter()
            .chain(optional)
            .find(|f| **f == field.trim())
        else {
            bail!(
                "unknown token field {:?}; expected {}",
                field.trim(),
                required
                    .iter()
                    .chain(optional)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        };
        tokens.push((known, SecretString::from(value.trim())));
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|field| !tokens.iter().any(|(f, _)| f == field))
        .collect();
    if !missing.is_empty() {
        bail!(
            "missing token fields on standard input: {}",
            missing.join(", ")
        );
    }
    Ok(tokens)
}

/// Asks `question` on the terminal; fails unless answered yes, or without a terminal.
pub(super) fn confirm(question: &str) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("{question} Not confirmed: add --yes to confirm without a terminal");
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        bail!("cancelled; nothing was changed");
    }
    Ok(())
}
