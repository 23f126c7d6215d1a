//! The HTTP client: timeouts, jittered exponential backoff for server errors
//! and broken connections, and waits for rate limits to reset.

use std::error::Error as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use inbox_connector_api::ConnectorError;
use reqwest::{RequestBuilder, StatusCode};

use crate::settings::RetryPolicy;
use crate::wire::ApiError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// A response that is neither a server error nor a rate limit.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    /// The endpoint's rate-limit state, when X sent it.
    pub rate_limit: Option<RateLimit>,
}

/// An endpoint's rate-limit state, from X's `x-rate-limit-*` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window (`x-rate-limit-limit`), when sent.
    pub limit: Option<u32>,
    /// Requests left in the current window (`x-rate-limit-remaining`).
    pub remaining: u32,
    /// When the window resets, in Unix seconds (`x-rate-limit-reset`).
    pub reset: i64,
}

impl RateLimit {
    fn from_headers(headers: &reqwest::header::HeaderMap) -> Option<RateLimit> {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<i64>().ok())
        };
        Some(RateLimit {
            limit: number("x-rate-limit-limit").and_then(|n| u32::try_from(n).ok()),
            remaining: u32::try_from(number("x-rate-limit-remaining")?).ok()?,
            reset: number("x-rate-limit-reset")?,
        })
    }
}

impl Reply {
    /// The status and X's explanation, e.g. `401 Unauthorized (Unauthorized: ...)`.
    pub fn describe(&self) -> String {
        match ApiError::describe(&self.body) {
            Some(words) => format!("{} ({words})", self.status),
            None => self.status.to_string(),
        }
    }
}

/// One HTTP client and the retry policy it follows.
#[derive(Debug)]
pub(crate) struct Http {
    pub client: reqwest::Client,
    retry: RetryPolicy,
}

/// Why one try failed in a way worth retrying.
enum Transient {
    Unreachable(String),
    ServerError(Reply),
    RateLimited { reset: Option<i64>, reply: Reply },
}

impl Http {
    pub fn new(retry: RetryPolicy) -> Result<Http, ConnectorError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("inbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                ConnectorError::Tls(format!("cannot set up the HTTPS client: {}", chain(error)))
            })?;
        Ok(Http { client, retry })
    }

    /// Sends the request `build` makes (once more for each retry) and
    /// returns the first reply that is not a server error or a rate limit.
    /// `what` names the request in errors, e.g. `GET /2/dm_events`.
    pub async fn send(
        &self,
        what: &str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, ConnectorError> {
        let attempts = self.retry.attempts.max(1);
        let mut failures = 0;
        let mut rate_waits = 0;
        loop {
            let transient = match try_once(build()).await {
                Ok(reply) => return Ok(reply),
                Err(transient) => transient,
            };
            match transient {
                Transient::RateLimited { reset, reply } => {
                    rate_waits += 1;
                    let wait = self.rate_limit_wait(what, reset, rate_waits, &reply)?;
                    if rate_waits > attempts {
                        return Err(ConnectorError::Network(format!(
                            "X kept rate-limiting {what} ({}) after {attempts} waits; the next sync will try again",
                            reply.describe()
                        )));
                    }
                    tracing::info!(
                        request = what,
                        wait_ms = wait.as_millis() as u64,
                        "X rate limit reached; waiting for it to reset"
                    );
                    tokio::time::sleep(wait).await;
                }
                Transient::Unreachable(reason) => {
                    failures += 1;
                    if failures >= attempts {
                        return Err(ConnectorError::Network(format!(
                            "cannot reach X for {what} ({failures} tries): {reason}"
                        )));
                    }
                    self.back_off(what, failures, &reason).await;
                }
                Transient::ServerError(reply) => {
                    failures += 1;
                    let reason = format!("X answered {}", reply.describe());
                    if failures >= attempts {
                        return Err(ConnectorError::Network(format!(
                            "{reason} to {what} ({failures} tries); the next sync will try again"
                        )));
                    }
                    self.back_off(what, failures, &reason).await;
                }
            }
        }
    }

    /// How long to wait for the rate limit to reset, or the error when the
    /// reset is further away than the policy allows.
    fn rate_limit_wait(
        &self,
        what: &str,
        reset: Option<i64>,
        waits: u32,
        reply: &Reply,
    ) -> Result<Duration, ConnectorError> {
        let Some(reset) = reset else {
            return Ok(jittered(backoff(self.retry.base_delay, waits)));
        };
        let reset_at = UNIX_EPOCH + Duration::from_secs(u64::try_from(reset).unwrap_or(0));
        let wait = reset_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        if wait > self.retry.max_rate_limit_wait {
            let until = chrono::DateTime::from_timestamp(reset, 0)
                .map(|time| time.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| format!("Unix time {reset}"));
            return Err(ConnectorError::Network(format!(
                "X's rate limit for {what} is used up until {until} ({}); sync again after that",
                reply.describe()
            )));
        }
        Ok(wait.max(Duration::from_millis(100)))
    }

    async fn back_off(&self, what: &str, failures: u32, reason: &str) {
        let delay = jittered(backoff(self.retry.base_delay, failures));
        tracing::warn!(
            request = what,
            retry_in_ms = delay.as_millis() as u64,
            "{reason}; retrying"
        );
        tokio::time::sleep(delay).await;
    }
}

async fn try_once(request: RequestBuilder) -> Result<Reply, Transient> {
    let response = request
        .send()
        .await
        .map_err(|error| Transient::Unreachable(chain(error)))?;
    let status = response.status();
    let rate_limit = RateLimit::from_headers(response.headers());
    let reset = response
        .headers()
        .get("x-rate-limit-reset")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok());
    let body = response
        .bytes()
        .await
        .map_err(|error| Transient::Unreachable(chain(error)))?
        .to_vec();
    let reply = Reply {
        status,
        body,
        rate_limit,
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        Err(Transient::RateLimited { reset, reply })
    } else if status.is_server_error() {
        Err(Transient::ServerError(reply))
    } else {
        Ok(reply)
    }
}

/// The delay before retry number `failures` (1-based): `base`, then doubling.
fn backoff(base: Duration, failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// A random delay between half of `delay` and all of it, so that many
/// clients failing together do not retry together.
fn jittered(delay: Duration) -> Duration {
    let fraction = getrandom::u32().map_or(1.0, |random| f64::from(random) / f64::from(u32::MAX));
    delay.mul_f64(0.5 + fraction / 2.0)
}

/// An error with its causes, e.g. `error sending request: connection refused`.
pub(crate) fn chain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        text.push_str(" (timed out)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 1), Duration::from_secs(2));
        assert_eq!(backoff(base, 3), Duration::from_secs(8));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_delay() {
        let delay = Duration::from_millis(1000);
        for _ in 0..50 {
            let jittered = jittered(delay);
            assert!(jittered >= delay / 2 && jittered <= delay, "{jittered:?}");
        }
    }
}
