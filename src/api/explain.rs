//! `explain`: why a message holds each of its tags (the recorded origin:
//! built-in tagger and its trigger, rule, classifier or user), with the
//! classifiers' verdicts recomputed from the raw message; and the stored
//! importance score with its reasons.

use super::messages::summary;
use super::{Api, ApiError};
use crate::classify::{self, Classifier, Features, ModelError, model_path};
use crate::rpc::explain_dto::{
    ClueDto, ExplanationDto, ImportanceDto, TagExplanationDto, VerdictDto,
};
use crate::rpc::requests::ExplainParams;
use crate::store::{TagOrigin, display_tags};
use crate::tagging::LEARNED_THRESHOLD;
use crate::tagging::importance::IMPORTANT;

/// Tokens shown per classifier verdict.
const CLUES: usize = 10;

pub(super) fn explain(api: &Api, params: &ExplainParams) -> Result<ExplanationDto, ApiError> {
    let store = api.reader()?;
    let found = summary(&store, params.id)?;
    let origins = store.tag_origins(found.id)?;
    let features = Features::named(&store.raw(found.id)?.unwrap_or_default());
    let verdict = |model: &str| -> Result<Option<VerdictDto>, ApiError> {
        let path = model_path(&api.home, model);
        if !path.exists() {
            return Ok(None);
        }
        let classifier = Classifier::load(&path).map_err(model_failed)?;
        let threshold = match model {
            "spam" => classify::THRESHOLD,
            _ => LEARNED_THRESHOLD,
        };
        Ok(Some(judge(&classifier, model, threshold, &features)))
    };
    let flags = display_tags(found.flags, &[]);
    let mut tags = Vec::new();
    for tag in display_tags(found.flags, &found.tags) {
        let mut explained = blank(&tag);
        let origin = origins.iter().find(|(have, _)| *have == tag);
        match origin.map(|(_, origin)| origin) {
            _ if flags.contains(&tag) => explained.origin = "flag".into(),
            None => explained.origin = "unknown".into(),
            Some(TagOrigin::User) => explained.origin = "user".into(),
            Some(TagOrigin::Builtin { tagger, evidence }) => {
                explained.origin = "builtin".into();
                explained.tagger = Some(tagger.clone());
                explained.evidence = evidence.clone();
            }
            Some(TagOrigin::Rule { position, query }) => {
                explained.origin = "rule".into();
                explained.rule = Some(*position);
                explained.query = Some(query.clone());
            }
            Some(TagOrigin::Classifier { model, score }) => {
                explained.origin = "classifier".into();
                explained.score = Some(*score);
                explained.classifier = verdict(model)?;
            }
        }
        tags.push(explained);
    }
    let importance = store.importance(found.id)?.map(|importance| ImportanceDto {
        score: importance.score,
        threshold: IMPORTANT,
        important: importance.score >= IMPORTANT,
        reasons: importance.reasons,
    });
    Ok(ExplanationDto {
        id: found.id.0,
        tags,
        spam: verdict("spam")?,
        importance,
    })
}

/// The score of a message and its strongest clues.
fn judge(classifier: &Classifier, model: &str, threshold: f64, features: &Features) -> VerdictDto {
    let tokens = (classifier.clues(features, CLUES).into_iter())
        .map(|(token, probability)| ClueDto { token, probability })
        .collect();
    VerdictDto {
        model: model.to_owned(),
        score: classifier.score_features(features),
        threshold,
        tokens,
    }
}

fn blank(tag: &str) -> TagExplanationDto {
    TagExplanationDto {
        tag: tag.to_owned(),
        origin: String::new(),
        tagger: None,
        evidence: None,
        rule: None,
        query: None,
        score: None,
        classifier: None,
    }
}

fn model_failed(error: ModelError) -> ApiError {
    ApiError::Failed(error.to_string())
}
