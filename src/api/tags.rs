//! `list_tags`, `tag` and `set_flags`: the store changes first, then the
//! index, in one call.

use std::collections::HashSet;

use super::messages::summary;
use super::search::parse_query;
use super::{Api, ApiError};
use crate::index::query::KeywordField;
use crate::index::{Query, Sort};
use crate::model::{FlagTag, MessageId, is_tag_name};
use crate::rpc::dto::{FlagsResultDto, TagCountDto, TagResultDto};
use crate::rpc::requests::{SetFlagsParams, TagParams};
use crate::store::{TagChange, TagOrigin};
use crate::sync::catch_up_index;

/// Flag tags that some message has, then every stored tag; each with the
/// number of messages a search for `tag:NAME` finds.
pub(super) fn list_tags(api: &Api) -> Result<Vec<TagCountDto>, ApiError> {
    let store = api.reader()?;
    let mut tags = Vec::new();
    for tag in FlagTag::ALL {
        let count = api.index.count(&Query::Flag(tag.into()))? as u64;
        if count > 0 {
            tags.push(TagCountDto {
                tag: tag.name().to_owned(),
                count,
            });
        }
    }
    for tag in store.tag_names()? {
        let query = Query::Keyword {
            field: KeywordField::Tag,
            value: tag.clone(),
            prefix: false,
        };
        let count = api.index.count(&query)? as u64;
        tags.push(TagCountDto { tag, count });
    }
    Ok(tags)
}

pub(super) fn tag(api: &Api, params: &TagParams) -> Result<TagResultDto, ApiError> {
    for tag in params.add.iter().chain(&params.remove) {
        if !is_tag_name(tag) {
            return Err(ApiError::InvalidParams(format!(
                "invalid tag {tag:?}: a tag is a non-empty name without spaces, \
                 control or text direction characters"
            )));
        }
    }
    if params.add.is_empty() && params.remove.is_empty() {
        return Err(ApiError::InvalidParams(
            "no tag change given: name tags to add or remove".into(),
        ));
    }
    let origin = match (params.rule_position, &params.rule_query) {
        (None, None) => TagOrigin::User,
        (Some(position), Some(query)) if position > 0 => TagOrigin::Rule {
            position,
            query: query.clone(),
        },
        _ => {
            return Err(ApiError::InvalidParams(
                "give rule_position (from 1) and rule_query together, or neither".into(),
            ));
        }
    };
    let change = TagChange {
        add: params.add.clone(),
        remove: params.remove.clone(),
    };
    let target = Target::Query(parse_query(&params.query)?);
    let (ids, changed) = change_matching(api, target, &change, &origin)?;
    if origin == TagOrigin::User {
        super::feedback::retrain_spam(api, &ids, &change)?;
    }
    Ok(TagResultDto {
        matched: ids.len() as u64,
        changed,
    })
}

pub(super) fn set_flags(api: &Api, params: &SetFlagsParams) -> Result<FlagsResultDto, ApiError> {
    let target = match (&params.ids, &params.query) {
        (Some(ids), None) => Target::Ids(ids),
        (None, Some(query)) => Target::Query(parse_query(query)?),
        _ => {
            return Err(ApiError::InvalidParams(
                "give either `ids` or `query`, not both or neither".into(),
            ));
        }
    };
    let mut change = TagChange::default();
    for (value, tag, set_adds) in [
        (params.seen, FlagTag::Unread, false),
        (params.flagged, FlagTag::Flagged, true),
        (params.answered, FlagTag::Replied, true),
        (params.draft, FlagTag::Draft, true),
        (params.deleted, FlagTag::Deleted, true),
    ] {
        match value {
            Some(value) if value == set_adds => change.add.push(tag.name().to_owned()),
            Some(_) => change.remove.push(tag.name().to_owned()),
            None => {}
        }
    }
    if change.add.is_empty() && change.remove.is_empty() {
        return Err(ApiError::InvalidParams(
            "no flag given: set one of seen, flagged, answered, draft, deleted".into(),
        ));
    }
    let (_, changed) = change_matching(api, target, &change, &TagOrigin::User)?;
    Ok(FlagsResultDto { changed })
}

/// Which messages a change applies to.
enum Target<'a> {
    Ids(&'a [i64]),
    Query(Query),
}

/// Applies `change` (tags added by `origin`) to the target's messages: the
/// store first (it queues flag changes of server messages for the next
/// sync), then the index. Returns the messages targeted and how many changed.
fn change_matching(
    api: &Api,
    target: Target,
    change: &TagChange,
    origin: &TagOrigin,
) -> Result<(Vec<MessageId>, u64), ApiError> {
    // Runs on a blocking thread (or without a runtime): waiting is fine here.
    let _writing = api.writes.blocking_lock();
    let mut store = api.writer()?;
    api.catch_up_writing(&store)?;
    let ids: Vec<MessageId> = match target {
        Target::Ids(ids) => {
            let mut seen = HashSet::new();
            let mut found = Vec::with_capacity(ids.len());
            for &id in ids {
                let id = summary(&store, id)?.id;
                if seen.insert(id) {
                    found.push(id);
                }
            }
            found
        }
        Target::Query(query) => {
            let matched = api.index.count(&query)?;
            api.index.search(&query, Sort::OldestFirst, matched, 0)?
        }
    };
    // Take the index writer before changing the store, so a busy index
    // leaves both untouched.
    let mut writer = api.index.writer()?;
    let indexed = api.index.indexed_seq()?.unwrap_or(0);
    let changed = store.apply_tags_from(&ids, change, origin)?;
    catch_up_index(&store, &mut writer, indexed)?;
    writer.finish()?;
    api.reload_if_newer()?;
    Ok((ids, changed.len() as u64))
}
