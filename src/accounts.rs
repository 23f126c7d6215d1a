//! From an account's settings (`config.toml`) and its secrets (the vault) to
//! a ready connector. The one place where the two meet.

use inbox_connector_imap::{ImapConnector, ImapSettings, TlsMode as ImapTls};
use inbox_vault::Vault;

use crate::config::{ImapAccount, TlsMode};

/// An account's secret is missing from the vault.
#[derive(Debug, thiserror::Error)]
#[error(
    "the vault has no {field} for account {account:?} (entry {entry:?}); add the account again \
     with `inbox account add`"
)]
pub struct MissingSecret {
    pub account: String,
    pub entry: String,
    pub field: &'static str,
}

/// What to do when an IMAP server rejects the login.
pub const IMAP_ADVICE: &str =
    "fix the password with `inbox account remove` and `inbox account add`";

/// The IMAP connector for account `name`, with its password from `vault`.
pub fn imap_connector(
    name: &str,
    account: &ImapAccount,
    vault: &Vault,
) -> Result<ImapConnector, MissingSecret> {
    let password = vault
        .get(&account.vault_entry, "password")
        .cloned()
        .ok_or_else(|| MissingSecret {
            account: name.to_owned(),
            entry: account.vault_entry.clone(),
            field: "password",
        })?;
    Ok(ImapConnector::new(ImapSettings {
        host: account.host.clone(),
        port: account.port,
        tls: match account.tls {
            TlsMode::Implicit => ImapTls::Implicit,
            TlsMode::Starttls => ImapTls::StartTls,
            TlsMode::None => ImapTls::None,
        },
        user: account.user.clone(),
        password,
        tls_ca_file: account.tls_ca_file.clone(),
        include: account.include.clone(),
        exclude: account.exclude.clone(),
    }))
}
