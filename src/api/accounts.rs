//! `list_accounts`: what the configuration file and the store know.

use super::ApiError;
use crate::config::Config;
use crate::home::Home;
use crate::rpc::dto::AccountDto;
use crate::store::Store;

/// Every account, by name: those with settings in `config` and those
/// holding messages in the store (imports), with their message counts.
/// Reads the store only when it exists.
pub fn list_accounts(home: &Home, config: &Config) -> Result<Vec<AccountDto>, ApiError> {
    let mut rows: Vec<AccountDto> = config
        .accounts
        .iter()
        .map(|(name, account)| AccountDto {
            name: name.clone(),
            kind: account.kind().into(),
            settings: Some(account.describe()),
            configured: true,
            messages: 0,
        })
        .collect();
    if home.store_path().exists() {
        let store = Store::open_for_reading(&home.store_path())?;
        for (name, kind, messages) in store.stats()?.accounts {
            match rows.iter_mut().find(|row| row.name == name) {
                Some(row) => row.messages = messages,
                None => rows.push(AccountDto {
                    name,
                    kind,
                    settings: None,
                    configured: false,
                    messages,
                }),
            }
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}
