//! `rpc.discover`: the method table as an OpenRPC 1.2 document
//! (<https://spec.open-rpc.org>), for clients and generators.

use serde_json::{Value, json};

use super::methods::{METHODS, MethodSpec, ParamType};

/// The OpenRPC document of every method the handler answers.
pub fn document() -> Value {
    json!({
        "openrpc": "1.2.6",
        "info": {
            "title": "inbox",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Search, read and tag the messages of an inbox store. \
                JSON-RPC 2.0, one message per line, over the daemon's Unix socket.",
        },
        "methods": METHODS.iter().map(method).collect::<Vec<_>>(),
    })
}

fn method(spec: &MethodSpec) -> Value {
    let params: Vec<Value> = spec
        .params
        .iter()
        .map(|param| {
            json!({
                "name": param.name,
                "description": param.description,
                "required": param.required,
                "schema": schema(param.kind),
            })
        })
        .collect();
    let (name, kind, description) = spec.result;
    json!({
        "name": spec.name,
        "summary": spec.summary,
        "paramStructure": "either",
        "params": params,
        "result": {"name": name, "description": description, "schema": {"type": kind}},
    })
}

fn schema(kind: ParamType) -> Value {
    match kind {
        ParamType::String => json!({"type": "string"}),
        ParamType::Integer => json!({"type": "integer"}),
        ParamType::Boolean => json!({"type": "boolean"}),
        ParamType::IntegerArray => json!({"type": "array", "items": {"type": "integer"}}),
        ParamType::StringArray => json!({"type": "array", "items": {"type": "string"}}),
        ParamType::OneOf(values) => json!({"type": "string", "enum": values}),
    }
}
