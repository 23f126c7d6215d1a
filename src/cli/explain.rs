//! `inbox explain ID`: why a message holds each of its tags, and its
//! importance score, through the API (the daemon's when it runs).

use std::fmt::Write as _;
use std::process::ExitCode;

use super::format::visible_line;
use super::search::connect_to_read;
use crate::home::Home;
use crate::rpc::explain_dto::{ExplanationDto, TagExplanationDto, VerdictDto};
use crate::rpc::requests::ExplainParams;

pub(super) fn run(home: &Home, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let api = connect_to_read(home)?;
    let explanation = api.explain(&ExplainParams { id })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&explanation)?);
    } else {
        print!("{}", render(&explanation));
    }
    Ok(ExitCode::SUCCESS)
}

/// The explanation as text: one paragraph per tag, then the spam verdict
/// and the importance score.
fn render(explanation: &ExplanationDto) -> String {
    let mut out = format!("message {}\n", explanation.id);
    if explanation.tags.is_empty() {
        out.push_str("  no tags\n");
    }
    for tag in &explanation.tags {
        let _ = writeln!(out, "  {}: {}", visible_line(&tag.tag), origin(tag));
        if let Some(verdict) = &tag.classifier {
            verdict_lines(&mut out, verdict, "now");
        }
    }
    match &explanation.spam {
        Some(verdict) => verdict_lines(&mut out, verdict, "spam model"),
        None => out.push_str("spam model: none trained (`inbox spam train`)\n"),
    }
    match &explanation.importance {
        Some(importance) => {
            let verdict = match importance.important {
                true => "is:important",
                false => "not is:important",
            };
            let _ = writeln!(
                out,
                "importance: {:.2} ({verdict}, threshold {})",
                importance.score, importance.threshold
            );
            for reason in &importance.reasons {
                let _ = writeln!(out, "    {}", visible_line(reason));
            }
        }
        None => out.push_str("importance: not computed yet (`inbox importance update`)\n"),
    }
    out
}

/// Where one tag came from, in words, made visible.
fn origin(tag: &TagExplanationDto) -> String {
    let text = match tag.origin.as_str() {
        "flag" => "a message flag (from its source, or set by you)".into(),
        "user" => "set by you".into(),
        "builtin" => format!(
            "built-in tagger `{}` ({})",
            tag.tagger.as_deref().unwrap_or("?"),
            tag.evidence.as_deref().unwrap_or("no detail recorded")
        ),
        "rule" => format!(
            "rule {} of rules.toml (query: {})",
            tag.rule.unwrap_or(0),
            tag.query.as_deref().unwrap_or("?")
        ),
        "classifier" if tag.tag == "spam" => {
            format!("the spam model, score {:.4}", tag.score.unwrap_or(0.5))
        }
        "classifier" => format!("learned, score {:.4}", tag.score.unwrap_or(0.5)),
        _ => "unknown (set before inbox recorded where tags come from)".into(),
    };
    visible_line(&text).into_owned()
}

fn verdict_lines(out: &mut String, verdict: &VerdictDto, label: &str) {
    let _ = writeln!(
        out,
        "    {label}: score {:.4} (tagged above {}); strongest tokens:",
        verdict.score, verdict.threshold
    );
    for clue in &verdict.tokens {
        let _ = writeln!(
            out,
            "      {:.4}  {}",
            clue.probability,
            visible_line(&clue.token)
        );
    }
}
