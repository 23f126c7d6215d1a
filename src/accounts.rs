//! From an account's settings (`config.toml`) and its secrets (the vault) to
//! a ready connector. The one place where the two meet.

use std::path::PathBuf;
use std::time::Duration;

use inbox_connector_api::ConnectorError;
use inbox_connector_imap::{ImapConnector, ImapSettings, TlsMode as ImapTls};
use inbox_connector_x::{
    OAuth1Keys, OAuth2Tokens, RetryPolicy, TokenStore, XConnector, XCredentials, XSettings,
};
use inbox_vault::{Key, Vault, VaultError};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{ImapAccount, TlsMode, XAccount, XAuth};

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
    Ok(ImapConnector::new(imap_settings(account, password)))
}

/// The connector's settings of an IMAP account.
fn imap_settings(account: &ImapAccount, password: SecretString) -> ImapSettings {
    ImapSettings {
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
    }
}

/// Why an X account cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum XSetupError {
    #[error(transparent)]
    MissingSecret(#[from] MissingSecret),
    #[error(
        "X account {0:?} uses OAuth 2.0 but has no client_id; add `client_id = \"...\"` \
         (your X app's OAuth 2.0 client id) to its settings"
    )]
    NoClientId(String),
    #[error("X account {account:?}: {source}")]
    Connector {
        account: String,
        source: ConnectorError,
    },
}

/// The shortest wait between two polls of an X account: the direct-message
/// endpoint allows about one request a minute per user.
pub const X_MIN_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// How often to poll an X account: its setting, never faster than
/// [`X_MIN_POLL_INTERVAL`].
pub fn x_poll_interval(account: &XAccount) -> Duration {
    Duration::from_secs(account.poll_interval).max(X_MIN_POLL_INTERVAL)
}

/// What to do when X rejects an account's credentials.
pub fn x_advice(name: &str, account: &XAccount) -> String {
    match account.auth {
        XAuth::Oauth2 => {
            format!("the account needs re-authorization: run `inbox account authorize x {name}`")
        }
        XAuth::Oauth1 => format!(
            "the account needs re-authorization: add it again with new tokens \
             (`inbox account remove {name}`, then `inbox account add x {name} --auth oauth1`)"
        ),
    }
}

/// The X connector for account `name`, with its tokens from `vault`;
/// refreshed OAuth 2.0 tokens are written back to the same vault entry.
pub fn x_connector(
    name: &str,
    account: &XAccount,
    vault: &Vault,
) -> Result<XConnector, XSetupError> {
    let secret = |field: &'static str| {
        vault
            .get(&account.vault_entry, field)
            .map(|value| value.expose_secret().to_owned())
            .ok_or_else(|| MissingSecret {
                account: name.to_owned(),
                entry: account.vault_entry.clone(),
                field,
            })
    };
    let credentials = match account.auth {
        XAuth::Oauth2 => XCredentials::OAuth2(OAuth2Tokens {
            access_token: secret("access_token")?,
            refresh_token: secret("refresh_token")?,
            client_id: (account.client_id.clone())
                .ok_or_else(|| XSetupError::NoClientId(name.to_owned()))?,
            client_secret: secret("client_secret").ok(),
        }),
        XAuth::Oauth1 => XCredentials::OAuth1(OAuth1Keys {
            consumer_key: secret("consumer_key")?,
            consumer_secret: secret("consumer_secret")?,
            access_token: secret("access_token")?,
            access_token_secret: secret("access_token_secret")?,
        }),
    };
    let settings = XSettings {
        api_base: account.api_base.clone(),
        credentials,
        retry: RetryPolicy::default(),
    };
    let tokens = VaultTokenStore {
        path: vault.path().to_owned(),
        key: vault.key().clone(),
        entry: account.vault_entry.clone(),
    };
    XConnector::new(settings, Box::new(tokens)).map_err(|source| XSetupError::Connector {
        account: name.to_owned(),
        source,
    })
}

/// Writes refreshed OAuth 2.0 tokens back to the account's vault entry:
/// under the vault's lock, atomically, before the connector uses them.
struct VaultTokenStore {
    path: PathBuf,
    key: Key,
    entry: String,
}

impl TokenStore for VaultTokenStore {
    fn save(&self, tokens: &OAuth2Tokens) -> Result<(), String> {
        let fail = |error: VaultError| {
            format!(
                "cannot keep the refreshed tokens in the vault {}: {error}",
                self.path.display()
            )
        };
        let mut vault = Vault::open_for_update(&self.path, self.key.clone()).map_err(fail)?;
        let pair = [
            ("access_token", &tokens.access_token),
            ("refresh_token", &tokens.refresh_token),
        ];
        for (field, value) in pair {
            vault.set(&self.entry, field, SecretString::from(value.as_str()));
        }
        vault.save().map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AccountConfig, Config};

    /// Dovecot and Gmail list Trash at the top; Cyrus and Courier list
    /// every folder under `INBOX/`.
    #[test]
    fn the_readme_example_leaves_out_trash_on_every_server() {
        let readme = include_str!("../README.md");
        let example = (readme.split("```toml\n").nth(1))
            .and_then(|rest| rest.split("\n```").next())
            .expect("README shows a config.toml");
        let config: Config = toml::from_str(example).expect("the README's example is valid");
        let Some(AccountConfig::Imap(work)) = config.accounts.get("work") else {
            panic!("the README's example has the IMAP account `work`");
        };
        let settings = imap_settings(work, SecretString::from("unused"));
        for trash in ["Trash", "INBOX/Trash"] {
            assert!(!settings.wants_folder(trash), "{trash} is synced");
        }
        for kept in [
            "INBOX",
            "INBOX/Work",
            "Sent",
            "INBOX/Sent",
            "Projects/Trash talk",
        ] {
            assert!(settings.wants_folder(kept), "{kept} is left out");
        }
    }
}
