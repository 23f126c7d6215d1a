//! JSON-RPC 2.0 messages (<https://www.jsonrpc.org/specification>): decoding
//! one line into a request or a batch, and encoding responses, requests and
//! notifications as single lines.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

use serde_json::{Number, Value, json};

use super::error::RpcError;

/// A request id: the specification allows a number, a string or null.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Id {
    Number(IdNumber),
    String(String),
    Null,
}

impl Id {
    /// The id a JSON text stands for, if it is a valid one.
    fn from_raw(raw: &RawValue) -> Option<Id> {
        match raw.get().as_bytes().first()? {
            // A number a JSON reader without big numbers can still read
            // (not 1e400), answered as written.
            b'-' | b'0'..=b'9' => serde_json::from_str::<Number>(raw.get())
                .ok()
                .map(|_| Id::Number(IdNumber(raw.to_owned()))),
            b'"' => serde_json::from_str(raw.get()).ok().map(Id::String),
            b'n' => Some(Id::Null),
            _ => None,
        }
    }
}

/// A number id as the client wrote it, answered with the same text: read as
/// a [`serde_json::Number`], an integer beyond 64 bits would come back as a float.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct IdNumber(Box<RawValue>);

impl From<u64> for IdNumber {
    fn from(number: u64) -> IdNumber {
        IdNumber(serde_json::value::to_raw_value(&number).expect("an integer is valid JSON"))
    }
}

impl PartialEq for IdNumber {
    fn eq(&self, other: &IdNumber) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for IdNumber {}

impl std::hash::Hash for IdNumber {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.get().hash(state);
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
    #[cfg(test)]
    pub fn is_notification(&self) -> bool {
        self.id.is_none()
    }

    /// The request as one line of JSON (no trailing newline).
    pub fn to_line(&self) -> String {
        #[derive(Serialize)]
        struct WireRequest<'a> {
            jsonrpc: &'static str,
            method: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            params: Option<&'a Value>,
            #[serde(skip_serializing_if = "Option::is_none")]
            id: Option<&'a Id>,
        }
        let wire = WireRequest {
            jsonrpc: "2.0",
            method: &self.method,
            params: self.params.as_ref(),
            id: self.id.as_ref(),
        };
        // Strings, values and ids always serialize.
        serde_json::to_string(&wire).unwrap_or_default()
    }
}

/// What one line holds: a single message or a non-empty batch. Entries that
/// are not valid requests are already turned into their error responses.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Single(Result<Request, Response>),
    Batch(Vec<Result<Request, Response>>),
}

/// The most requests one batch may hold.
pub const MAX_BATCH: usize = 100;

/// Decodes one line. Invalid JSON, an empty or too long batch and anything
/// that is not an object or an array become a single error response.
pub fn decode(line: &[u8]) -> Incoming {
    let parse_error =
        |error| Incoming::Single(Err(Response::error(Id::Null, RpcError::parse_error(error))));
    let value: &RawValue = match serde_json::from_slice(line) {
        Ok(value) => value,
        Err(error) => return parse_error(error),
    };
    if !value.get().starts_with('[') {
        return Incoming::Single(request(value));
    }
    let items: Vec<&RawValue> = match serde_json::from_str(value.get()) {
        Ok(items) => items,
        Err(error) => return parse_error(error),
    };
    let refuse = |error| Incoming::Single(Err(Response::error(Id::Null, error)));
    match items.len() {
        0 => refuse(RpcError::invalid_request("empty batch")),
        length if length > MAX_BATCH => refuse(
            RpcError::invalid_request(format!(
                "a batch of {length} requests; {MAX_BATCH} at most: send the rest in further lines"
            ))
            .with_data(json!({"max_batch": MAX_BATCH})),
        ),
        _ => Incoming::Batch(items.into_iter().map(request).collect()),
    }
}

/// Validates one request object; an invalid one becomes its error response,
/// addressed to its id when that id could be read.
fn request(value: &RawValue) -> Result<Request, Response> {
    let invalid = |id: Id, detail: &str| Response::error(id, RpcError::invalid_request(detail));
    let mut object: BTreeMap<String, &RawValue> = match serde_json::from_str(value.get()) {
        Ok(object) => object,
        _ => {
            let detail = format!("expected a request object, found {}", kind(value));
            return Err(invalid(Id::Null, &detail));
        }
    };
    let id = match object.remove("id").map(Id::from_raw) {
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
    let member = |object: &mut BTreeMap<String, &RawValue>, name: &str| -> Option<Value> {
        // Every member is valid JSON: it was read as part of the line.
        object
            .remove(name)
            .map(|raw| serde_json::from_str(raw.get()).unwrap_or(Value::Null))
    };
    if member(&mut object, "jsonrpc")
        .as_ref()
        .and_then(Value::as_str)
        != Some("2.0")
    {
        return Err(invalid(reply_to, "\"jsonrpc\" must be \"2.0\""));
    }
    let method = match member(&mut object, "method") {
        Some(Value::String(method)) => method,
        Some(_) => return Err(invalid(reply_to, "\"method\" must be a string")),
        None => return Err(invalid(reply_to, "missing \"method\"")),
    };
    let params = match member(&mut object, "params") {
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

/// What kind of JSON value `value` is, for an error message.
fn kind(value: &RawValue) -> &'static str {
    match value.get().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
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
        let id = (sent.id.as_deref())
            .and_then(Id::from_raw)
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
    id: Option<Box<RawValue>>,
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
        let answer = Response::error(request.id.unwrap(), RpcError::internal("x"));
        assert!(answer.to_line().ends_with(r#""id":-2.5}"#));
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
        let notification = r#"{"jsonrpc":"2.0","method":"m"}"#;
        let batch = |length| format!("[{}]", vec![notification; length].join(","));
        assert!(matches!(
            decode(batch(MAX_BATCH).as_bytes()),
            Incoming::Batch(_)
        ));
        assert_eq!(
            error_code(single(&batch(MAX_BATCH + 1))),
            (Id::Null, -32600)
        );
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
