//! `export`: the messages matching a query written to a path, in one of
//! the formats of `crate::export`, with the tag dump beside them. Never
//! into inbox's own directories: a file there could be taken for one of
//! inbox's (an export named `rules.toml`) or outlive an erasure.

use std::path::{Path, PathBuf};

use super::search::parse_query;
use super::{Api, ApiError};
use crate::export::{self, ExportError, Format};
use crate::index::Sort;
use crate::index::query::{KeywordField, Query};
use crate::rpc::dto::ExportResultDto;
use crate::rpc::requests::{ExportFormat, ExportParams};

/// Writes the export; `progress` hears the count of messages written so far.
pub(super) fn export(
    api: &Api,
    params: &ExportParams,
    progress: &dyn Fn(u64),
) -> Result<ExportResultDto, ApiError> {
    if !params.output.is_absolute() {
        return Err(ApiError::InvalidParams(format!(
            "output {} must be an absolute path",
            params.output.display()
        )));
    }
    refuse_own_dirs(api, &params.output)?;
    let query = params.query.as_deref().filter(|q| !q.trim().is_empty());
    let parsed = scoped(
        parse_query(query.unwrap_or("*"))?,
        params.account.as_deref(),
    );
    let store = api.reader()?;
    let matched = api.index.count(&parsed)?;
    let ids = api.index.search(&parsed, Sort::OldestFirst, matched, 0)?;
    let format = match params.format {
        ExportFormat::Mbox => Format::Mbox,
        ExportFormat::Maildir => Format::Maildir,
        ExportFormat::Json => Format::Json,
    };
    let report = export::export(&store, &ids, format, &params.output, progress).map_err(
        |error| match error {
            ExportError::Store(error) => ApiError::Store(error),
            other => ApiError::Failed(other.to_string()),
        },
    )?;
    Ok(ExportResultDto {
        messages: report.messages,
        bytes: report.bytes,
        output: params.output.clone(),
        dump: report.dump,
    })
}

/// `query` limited to `account`, whatever characters its name holds.
fn scoped(query: Query, account: Option<&str>) -> Query {
    match account {
        Some(account) => Query::And(vec![
            Query::Keyword {
                field: KeywordField::Account,
                value: account.to_owned(),
                prefix: false,
            },
            query,
        ]),
        None => query,
    }
}

/// Refuses an `output` in the data, configuration or socket directory,
/// however it is spelled (links and `..` resolved).
fn refuse_own_dirs(api: &Api, output: &Path) -> Result<(), ApiError> {
    let real = resolve(output)?;
    let home = &api.home;
    let own = [
        (&home.data_dir, "data"),
        (&home.config_dir, "configuration"),
        (&home.run_dir, "socket"),
    ];
    for (dir, role) in own {
        if let Ok(dir) = dir.canonicalize()
            && real.starts_with(&dir)
        {
            return Err(ApiError::InvalidParams(format!(
                "output {} is inside inbox's {role} directory {}; export to a path outside it",
                output.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

/// `path` with its links and `..` resolved: the existing part by the file
/// system, the rest (which does not exist yet, so holds no link) as written.
fn resolve(path: &Path) -> Result<PathBuf, ApiError> {
    let mut existing = path;
    let mut missing = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(mut real) => {
                real.extend(missing.iter().rev());
                return Ok(real);
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let (Some(name), Some(parent)) = (existing.file_name(), existing.parent()) else {
                    return Err(ApiError::InvalidParams(format!(
                        "output {}: a directory in it does not exist",
                        path.display()
                    )));
                };
                missing.push(name);
                existing = parent;
            }
            Err(error) => {
                return Err(ApiError::InvalidParams(format!(
                    "cannot resolve the output {}: {error}",
                    path.display()
                )));
            }
        }
    }
}
