//! `search` and `count`.

use std::collections::HashMap;

use super::snippet::{Terms, snippet};
use super::{Api, ApiError, cancel};
use crate::index::{Query, Sort, parse};
use crate::model::MessageId;
use crate::normalize::normalize_item;
use crate::rpc::dto::{SearchHitDto, SearchResultDto, SnippetDto, SummaryDto};
use crate::rpc::requests::{CountParams, SearchParams, SortParam};

pub(super) fn search(api: &Api, params: &SearchParams) -> Result<SearchResultDto, ApiError> {
    let query = parse_query(&params.query)?;
    let store = api.reader()?;
    let sort = match params.sort {
        SortParam::NewestFirst => Sort::NewestFirst,
        SortParam::OldestFirst => Sort::OldestFirst,
        SortParam::Relevance => Sort::Relevance,
        SortParam::Importance => Sort::Importance,
    };
    let (total, ids) = api
        .index
        .count_and_search(&query, sort, params.limit, params.offset)?;
    cancel::check()?;
    let terms = Terms::of(&query);
    let summaries = store.summaries(&ids)?;
    // Without words to find, a snippet is the message's preview.
    let use_previews = params.snippets && terms.is_empty();
    let mut texts = match params.snippets {
        true => {
            let missing: Vec<MessageId> = (summaries.iter())
                .filter(|summary| !use_previews || summary.preview.is_none())
                .map(|summary| summary.id)
                .collect();
            store.body_texts(&missing)?
        }
        false => HashMap::new(),
    };
    let mut messages = Vec::with_capacity(summaries.len());
    for mut summary in summaries {
        cancel::check()?;
        let preview = summary.preview.take().filter(|_| use_previews);
        let snippet = match params.snippets {
            false => None,
            true => match (preview, texts.remove(&summary.id)) {
                (Some(preview), _) => Some(SnippetDto {
                    text: preview,
                    highlights: Vec::new(),
                }),
                (None, Some(text)) => Some(snippet(&text, &terms)),
                // Stored before body texts were kept: read the raw message.
                (None, None) => store
                    .raw(summary.id)?
                    .map(|raw| snippet(&normalize_item(summary.source, &raw).body, &terms)),
            },
        };
        messages.push(SearchHitDto {
            summary: SummaryDto::from(summary),
            snippet,
        });
    }
    Ok(SearchResultDto {
        total: total as u64,
        messages,
    })
}

pub(super) fn count(api: &Api, params: &CountParams) -> Result<u64, ApiError> {
    let query = parse_query(&params.query)?;
    api.reader()?;
    Ok(api.index.count(&query)? as u64)
}

pub(super) fn parse_query(text: &str) -> Result<Query, ApiError> {
    parse(text).map_err(|error| ApiError::bad_query(text, error))
}
