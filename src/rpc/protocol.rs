//! JSON-RPC 2.0 messages (<https://www.jsonrpc.org/specification>): decoding
//! one line into a request or a batch, and encoding responses, requests and
//! notifications as single lines.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use super::error::RpcError;

/// A request id: the specification allows a number, a string or null.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Id {
    Number(Number),
    String(String),
    Null,
}

impl Id {
    /// The id a JSON value stands for, if it is a valid one.
    fn from_value(value: Value) -> Option<Id> {
        match value {
            Value::Number(number) => Some(Id::Number(number)),
            Value::String(text) => Some(Id::String(text)),
            Value::Null => Some(Id::Null),
            _ => None,
        }
    }
}

/// A call: a request when it has an `id`, a notification (no answer) when not.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub id: Option<Id>,
    pub method: String,
    /// An array (by position) or an object (by name).
    pub params: Option<Value>,
}

impl Request {
    /// Notifications get no response, not even an error.
    pub fn is_notification(&self) -> bool {
        self.id.is_none()
    }

    /// The request as one line of JSON (no trailing newline).
    pub fn to_line(&self) -> String {
        let mut object = Map::new();
        object.insert("jsonrpc".into(), "2.0".into());
        object.insert("method".into(), self.method.clone().into());
        if let Some(params) = &self.params {
            object.insert("params".into(), params.clone());
        }
        if let Some(id) = &self.id {
            object.insert("id".into(), id_value(id));
        }
        Value::Object(object).to_string()
    }
}

/// What one line holds: a single message or a non-empty batch. Entries that
/// are not valid requests are already turned into their error responses.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Single(Result<Request, Response>),
    Batch(Vec<Result<Request, Response>>),
}

/// Decodes one line. Invalid JSON, an empty batch and anything that is not
/// an object or an array become a single error response.
pub fn decode(line: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(line) {
        Ok(value) => value,
        Err(error) => {
            return Incoming::Single(Err(Response::error(Id::Null, RpcError::parse_error(error))));
        }
    };
    match value {
        Value::Array(items) if items.is_empty() => Incoming::Single(Err(Response::error(
            Id::Null,
            RpcError::invalid_request("empty batch"),
        ))),
        Value::Array(items) => Incoming::Batch(items.into_iter().map(request).collect()),
        other => Incoming::Single(request(other)),
    }
}

/// Validates one request object; an invalid one becomes its error response,
/// addressed to its id when that id could be read.
fn request(value: Value) -> Result<Request, Response> {
    let invalid = |id: Id, detail: &str| Response::error(id, RpcError::invalid_request(detail));
    let Value::Object(mut object) = value else {
        let detail = format!("expected a request object, found {}", kind(&value));
        return Err(invalid(Id::Null, &detail));
    };
    let id = match object.remove("id").map(Id::from_value) {
        None => None,
        Some(Some(id)) => Some(id),
        Some(None) => {
            return Err(invalid(
                Id::Null,
                "\"id\" must be a string, a number or null",
            ));
        }
    };
    let reply_to = id.clone().unwrap_or(Id::Null);
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(reply_to, "\"jsonrpc\" must be \"2.0\""));
    }
    let method = match object.remove("method") {
        Some(Value::String(method)) => method,
        Some(_) => return Err(invalid(reply_to, "\"method\" must be a string")),
        None => return Err(invalid(reply_to, "missing \"method\"")),
    };
    let params = match object.remove("params") {
        None => None,
        Some(params @ (Value::Array(_) | Value::Object(_))) => Some(params),
        Some(_) => {
            return Err(invalid(
                reply_to,
                "\"params\" must be an array or an object",
            ));
        }
    };
    Ok(Request { id, method, params })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn id_value(id: &Id) -> Value {
    match id {
        Id::Number(number) => Value::Number(number.clone()),
        Id::String(text) => Value::String(text.clone()),
        Id::Null => Value::Null,
    }
}

/// A method's result, already encoded as JSON: written into the response
/// as it is, without a `Value` tree built on the way.
#[derive(Clone, Debug)]
pub struct Reply(Box<RawValue>);

impl Reply {
    /// Encodes `result`.
    pub fn encode(result: &impl Serialize) -> Result<Reply, RpcError> {
        serde_json::value::to_raw_value(result)
            .map(Reply)
            .map_err(RpcError::internal)
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The result as a JSON value.
    pub fn to_value(&self) -> Value {
        // The text was written by serde_json, so it parses.
        serde_json::from_str(self.text()).unwrap_or(Value::Null)
    }
}

impl PartialEq for Reply {
    fn eq(&self, other: &Reply) -> bool {
        self.to_value() == other.to_value()
    }
}

/// The answer to one request: exactly one of a result or an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub id: Id,
    pub outcome: Result<Reply, RpcError>,
}

/// The wire shape of a response; `result` may legitimately be `null`.
#[derive(Serialize)]
struct WireResponse<'a> {
    jsonrpc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a RpcError>,
    id: &'a Id,
}

impl Response {
    /// An error answer to the request with `id`.
    pub fn error(id: Id, error: RpcError) -> Response {
        Response {
            id,
            outcome: Err(error),
        }
    }

    fn wire(&self) -> WireResponse<'_> {
        WireResponse {
            jsonrpc: "2.0",
            result: self.outcome.as_ref().ok().map(|reply| &*reply.0),
            error: self.outcome.as_ref().err(),
            id: &self.id,
        }
    }

    /// The response as one line of JSON (no trailing newline), written
    /// straight from the result (no copy of it is made on the way).
    pub fn to_line(&self) -> String {
        // Values, strings and numbers always serialize.
        serde_json::to_string(&self.wire()).unwrap_or_default()
    }

    /// Reads one line a server sent: its response, or `None` for a
    /// notification. The error says what is wrong with the line. The
    /// result is kept as JSON text, for the caller to decode once.
    pub fn from_line(line: &[u8]) -> Result<Option<Response>, String> {
        let sent: ServerLine = serde_json::from_slice(line)
            .map_err(|error| format!("not a JSON-RPC response object: {error}"))?;
        if sent.jsonrpc.as_deref() != Some("2.0") {
            return Err("\"jsonrpc\" is not \"2.0\"".into());
        }
        if sent.method.is_some() && sent.id.is_none() {
            return Ok(None);
        }
        let id = (sent.id)
            .and_then(Id::from_value)
            .ok_or("missing or invalid \"id\"")?;
        let outcome = match (sent.result, sent.error) {
            (Some(result), None) => Ok(Reply(result)),
            (None, Some(error)) => Err(serde_json::from_value(error)
                .map_err(|error| format!("invalid \"error\" object: {error}"))?),
            _ => return Err("expected exactly one of \"result\" and \"error\"".into()),
        };
        Ok(Some(Response { id, outcome }))
    }
}

/// The members of a line from a server that the client reads.
#[derive(Deserialize)]
struct ServerLine {
    jsonrpc: Option<String>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    method: Option<String>,
    #[serde(default, deserialize_with = "present")]
    result: Option<Box<RawValue>>,
    error: Option<Value>,
}

/// A member that is there, even as `null` (which `Option` alone reads as absent).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// The responses to a batch as one line: a JSON array.
pub fn batch_line(responses: &[Response]) -> String {
    let wires: Vec<WireResponse> = responses.iter().map(Response::wire).collect();
    serde_json::to_string(&wires).unwrap_or_default()
}

/// A server-to-client notification line: `params` should be an array or object.
pub fn notification_line(method: &str, params: Value) -> String {
    serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn single(line: &str) -> Result<Request, Response> {
        match decode(line.as_bytes()) {
            Incoming::Single(entry) => entry,
            Incoming::Batch(_) => panic!("expected a single message"),
        }
    }

    fn error_code(entry: Result<Request, Response>) -> (Id, i32) {
        let response = entry.expect_err("expected an error response");
        (response.id, response.outcome.expect_err("an error").code)
    }

    #[test]
    fn accepts_every_id_kind_and_both_param_styles() {
        let request = single(r#"{"jsonrpc":"2.0","method":"m","params":[1],"id":"a"}"#).unwrap();
        assert_eq!(request.id, Some(Id::String("a".into())));
        assert_eq!(request.params, Some(json!([1])));
        let request = single(r#"{"jsonrpc":"2.0","method":"m","params":{"x":1},"id":null}"#);
        assert_eq!(request.unwrap().id, Some(Id::Null));
        let request = single(r#"{"jsonrpc":"2.0","method":"m","id":-2.5}"#).unwrap();
        assert_eq!(
            request.id,
            Some(Id::Number(Number::from_f64(-2.5).unwrap()))
        );
        assert!(
            single(r#"{"jsonrpc":"2.0","method":"m"}"#)
                .unwrap()
                .is_notification()
        );
    }

    #[test]
    fn rejects_malformed_requests_with_the_id_when_known() {
        let no_version = single(r#"{"method":"m","id":4}"#);
        assert_eq!(error_code(no_version), (Id::Number(4.into()), -32600));
        let old_version = single(r#"{"jsonrpc":"1.0","method":"m","id":4}"#);
        assert_eq!(error_code(old_version).1, -32600);
        let scalar_params = single(r#"{"jsonrpc":"2.0","method":"m","params":3,"id":"x"}"#);
        assert_eq!(error_code(scalar_params), (Id::String("x".into()), -32600));
        let object_id = single(r#"{"jsonrpc":"2.0","method":"m","id":{}}"#);
        assert_eq!(error_code(object_id), (Id::Null, -32600));
        assert_eq!(error_code(single("\"text\"")), (Id::Null, -32600));
        assert_eq!(error_code(single("[]")), (Id::Null, -32600));
        assert_eq!(error_code(single("{\"jsonrpc\"")), (Id::Null, -32700));
        assert_eq!(error_code(single("\u{FFFD}")).1, -32700);
    }

    #[test]
    fn response_has_exactly_one_of_result_and_error() {
        let ok = Response {
            id: Id::Number(1.into()),
            outcome: Reply::encode(&Value::Null),
        };
        let line =
            |response: &Response| -> Value { serde_json::from_str(&response.to_line()).unwrap() };
        assert_eq!(
            line(&ok),
            json!({"jsonrpc": "2.0", "result": null, "id": 1})
        );
        let failed = Response::error(Id::Null, RpcError::internal("boom"));
        let value = line(&failed);
        assert_eq!(value["error"]["code"], -32603);
        assert!(value.get("result").is_none());
        let read = |line: &str| Response::from_line(line.as_bytes());
        assert_eq!(read(&failed.to_line()), Ok(Some(failed)));
        assert_eq!(read(&ok.to_line()), Ok(Some(ok)));
        let both =
            r#"{"jsonrpc": "2.0", "result": 1, "error": {"code": 1, "message": ""}, "id": 1}"#;
        assert!(read(both).is_err());
        assert!(read(r#"{"jsonrpc": "2.0", "result": 1}"#).is_err());
        assert!(read("[1]").is_err());
        assert_eq!(
            read(r#"{"jsonrpc": "2.0", "method": "event", "params": {}}"#),
            Ok(None)
        );
    }

    #[test]
    fn request_lines_round_trip() {
        let request = Request {
            id: Some(Id::Number(7.into())),
            method: "search".into(),
            params: Some(json!({"query": "a\nb"})),
        };
        let line = request.to_line();
        assert!(!line.contains('\n'));
        assert_eq!(single(&line), Ok(request));
    }
}
