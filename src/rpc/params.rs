//! Reading method parameters given by name or by position into one typed
//! struct, so each method states its parameters once.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::RpcError;

/// Deserializes `params` into `T`. By-name params are read as they are;
/// by-position params are matched to `names` in order; absent params read as
/// an empty object (so a struct with only optional fields accepts them).
/// Any mismatch is an "Invalid params" error naming the problem.
pub fn parse_params<T: DeserializeOwned>(
    params: Option<Value>,
    names: &[&str],
) -> Result<T, RpcError> {
    let object = match params {
        None => Map::new(),
        Some(Value::Object(object)) => object,
        Some(Value::Array(values)) => {
            if values.len() > names.len() {
                return Err(RpcError::invalid_params(format!(
                    "expected at most {} positional parameters ({}), got {}",
                    names.len(),
                    names.join(", "),
                    values.len()
                )));
            }
            names
                .iter()
                .map(|name| name.to_string())
                .zip(values)
                .collect()
        }
        Some(other) => {
            return Err(RpcError::invalid_params(format!(
                "expected an array or an object, found {other}"
            )));
        }
    };
    serde_json::from_value(Value::Object(object)).map_err(RpcError::invalid_params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Range {
        from: i64,
        #[serde(default)]
        to: Option<i64>,
    }

    const NAMES: &[&str] = &["from", "to"];

    #[test]
    fn reads_by_name_and_by_position_alike() {
        let named: Range = parse_params(Some(json!({"to": 3, "from": 1})), NAMES).unwrap();
        let positional: Range = parse_params(Some(json!([1, 3])), NAMES).unwrap();
        assert_eq!(named, positional);
        let short: Range = parse_params(Some(json!([1])), NAMES).unwrap();
        assert_eq!(short, Range { from: 1, to: None });
    }

    #[test]
    fn mismatches_are_invalid_params() {
        let cases = [
            Some(json!([1, 2, 3])),
            Some(json!({"from": "one"})),
            Some(json!({"from": 1, "extra": 0})),
            None,
        ];
        for params in cases {
            let error = parse_params::<Range>(params.clone(), NAMES).unwrap_err();
            assert_eq!(error.code, -32602, "{params:?}");
        }
        let error = parse_params::<Range>(Some(json!([1, 2, 3])), NAMES).unwrap_err();
        assert!(error.message.contains("at most 2"), "{}", error.message);
    }
}
