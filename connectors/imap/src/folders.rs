//! Listing the account's folders and choosing the ones to sync.

use async_imap::types::NameAttribute;
use futures_util::TryStreamExt;
use inbox_connector_api::ConnectorError;

use crate::connect::{Session, TIMEOUT, session_error, within};

/// A selectable folder on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folder {
    /// The name with `/` between levels, as inbox shows it.
    pub name: String,
    /// The name as the server spells it, for commands.
    pub server_name: String,
    /// The RFC 6154 special use (`\Sent`, `\Trash`, ...), if the server marks one.
    pub special_use: Option<String>,
}

/// Every selectable folder on the server, sorted by name.
pub async fn list(session: &mut Session, address: &str) -> Result<Vec<Folder>, ConnectorError> {
    let names: Vec<_> = within(TIMEOUT, || format!("LIST at {address} timed out"), async {
        session.list(Some(""), Some("*")).await?.try_collect().await
    })
    .await?
    .map_err(|error| session_error(address, "LIST", &error))?;
    let mut folders: Vec<Folder> = names
        .iter()
        .filter(|name| name.attributes().iter().all(selectable))
        .map(|name| Folder {
            name: normalise(name.name(), name.delimiter()),
            server_name: name.name().to_owned(),
            special_use: name.attributes().iter().find_map(special_use),
        })
        .filter(|folder| !folder.name.is_empty())
        .collect();
    folders.sort_by(|a, b| a.name.cmp(&b.name));
    folders.dedup_by(|a, b| a.name == b.name);
    Ok(folders)
}

/// `server_name` in Unicode (modified UTF-7 decoded, where it is valid),
/// with `/` between levels and no empty level.
fn normalise(server_name: &str, delimiter: Option<&str>) -> String {
    let decoded = crate::mutf7::decode(server_name);
    let unicode = decoded.as_deref().unwrap_or(server_name);
    let parts: Vec<&str> = match delimiter {
        Some(delimiter) if !delimiter.is_empty() => unicode.split(delimiter).collect(),
        _ => vec![unicode],
    };
    parts
        .into_iter()
        .flat_map(|part| part.split('/'))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// `\Noselect` and `\NonExistent` (RFC 5258) folders cannot be opened.
fn selectable(attribute: &NameAttribute<'_>) -> bool {
    match attribute {
        NameAttribute::NoSelect => false,
        NameAttribute::Extension(name) => !name.eq_ignore_ascii_case("\\NonExistent"),
        _ => true,
    }
}

fn special_use(attribute: &NameAttribute<'_>) -> Option<String> {
    let name = match attribute {
        NameAttribute::All => "\\All",
        NameAttribute::Archive => "\\Archive",
        NameAttribute::Drafts => "\\Drafts",
        NameAttribute::Flagged => "\\Flagged",
        NameAttribute::Junk => "\\Junk",
        NameAttribute::Sent => "\\Sent",
        NameAttribute::Trash => "\\Trash",
        _ => return None,
    };
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_use_slashes() {
        assert_eq!(normalise("INBOX.Work.2024", Some(".")), "INBOX/Work/2024");
        assert_eq!(normalise("a/b", Some("/")), "a/b");
        assert_eq!(normalise("Lone", None), "Lone");
        assert_eq!(normalise("a..b.", Some(".")), "a/b");
        assert_eq!(normalise("INBOX.Entw&APw-rfe", Some(".")), "INBOX/Entwürfe");
        assert_eq!(normalise("Tom &- Jerry", Some("/")), "Tom & Jerry");
    }
}
