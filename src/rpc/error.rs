//! JSON-RPC 2.0 error objects: the reserved codes of the specification and
//! an application range (-32000 to -32099) for domain errors.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Invalid JSON was received.
pub const PARSE_ERROR: i32 = -32700;
/// The JSON sent is not a valid request object.
pub const INVALID_REQUEST: i32 = -32600;
/// The method does not exist or is not available.
pub const METHOD_NOT_FOUND: i32 = -32601;
/// Invalid method parameters.
pub const INVALID_PARAMS: i32 = -32602;
/// An internal JSON-RPC error.
pub const INTERNAL_ERROR: i32 = -32603;

/// The answer would be longer than a response may be (`data`: `{"bytes",
/// "max_response"}`).
pub const RESPONSE_TOO_LARGE: AppCode = AppCode::new(10);
/// The server holds as many connections as it accepts; sent before closing
/// a connection it refuses (`data`: `{"max_connections"}`).
pub const TOO_MANY_CONNECTIONS: AppCode = AppCode::new(11);

/// A domain error code in the application range -32000 to -32099.
///
/// `AppCode::new(n)` is code `-32000 - n`; define codes as constants so an
/// out-of-range `n` fails at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppCode(i32);

impl AppCode {
    /// Code `-32000 - n`, for `n` in `0..=99`.
    pub const fn new(n: u8) -> AppCode {
        assert!(n <= 99, "application error codes are -32000 to -32099");
        AppCode(-32000 - n as i32)
    }

    /// The numeric code.
    pub const fn code(self) -> i32 {
        self.0
    }
}

/// A JSON-RPC error object: what a method or the protocol layer answers
/// instead of a result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (error {code})")]
pub struct RpcError {
    pub code: i32,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    fn with_code(code: i32, message: String) -> RpcError {
        RpcError {
            code,
            message,
            data: None,
        }
    }

    /// -32700: the line is not JSON; `detail` says where it broke.
    pub fn parse_error(detail: impl std::fmt::Display) -> RpcError {
        RpcError::with_code(PARSE_ERROR, format!("Parse error: {detail}"))
    }

    /// -32600: valid JSON, but not a request object.
    pub fn invalid_request(detail: impl std::fmt::Display) -> RpcError {
        RpcError::with_code(INVALID_REQUEST, format!("Invalid Request: {detail}"))
    }

    /// -32601: no method of that name.
    pub fn method_not_found(method: &str) -> RpcError {
        RpcError::with_code(METHOD_NOT_FOUND, format!("Method not found: {method:?}"))
    }

    /// -32602: the parameters do not fit the method.
    pub fn invalid_params(detail: impl std::fmt::Display) -> RpcError {
        RpcError::with_code(INVALID_PARAMS, format!("Invalid params: {detail}"))
    }

    /// -32603: the server failed while handling a valid call.
    pub fn internal(detail: impl std::fmt::Display) -> RpcError {
        RpcError::with_code(INTERNAL_ERROR, format!("Internal error: {detail}"))
    }

    /// A domain error, e.g. "no message with id 7".
    pub fn app(code: AppCode, message: impl Into<String>) -> RpcError {
        RpcError::with_code(code.code(), message.into())
    }

    /// Attaches structured details for programs (`data` member).
    pub fn with_data(mut self, data: Value) -> RpcError {
        self.data = Some(data);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn app_codes_span_the_reserved_range() {
        assert_eq!(AppCode::new(0).code(), -32000);
        assert_eq!(AppCode::new(99).code(), -32099);
    }

    #[test]
    fn serializes_data_only_when_present() {
        let plain = serde_json::to_value(RpcError::method_not_found("x")).unwrap();
        assert_eq!(
            plain,
            json!({"code": -32601, "message": "Method not found: \"x\""})
        );
        let detailed = RpcError::app(AppCode::new(1), "gone").with_data(json!({"id": 7}));
        assert_eq!(
            serde_json::to_value(detailed).unwrap(),
            json!({"code": -32001, "message": "gone", "data": {"id": 7}})
        );
    }
}
