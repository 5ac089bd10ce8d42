//! [`WaitForResponse`]: polling a background response until it is done.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use bedrock_config::JsonSdkError;
use bedrock_mantle_types::openai::operation::RetrieveResponse;
use bedrock_mantle_types::openai::{Response, ResponseStatus};
use bedrock_mantle_types::NoBody;

use crate::call::JsonCall;

/// Why [`WaitForResponse`] gave up.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError {
    /// A `retrieveResponse` call failed (after its own retries).
    Call(JsonSdkError<RetrieveResponse>),
    /// The response was still queued or in progress when the maximum wait had passed; this is
    /// the last one retrieved.
    TimedOut(Box<Response>),
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Call(e) => write!(f, "polling the response failed: {e}"),
            WaitError::TimedOut(r) => write!(
                f,
                "response {} is still {} after the maximum wait",
                r.id,
                r.status.as_str()
            ),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Call(e) => Some(e),
            WaitError::TimedOut(_) => None,
        }
    }
}

/// Whether a response has stopped changing: anything but `queued` and `in_progress`
/// (`completed`, `failed`, `cancelled`, `incomplete`, or a status these models do not know).
pub fn is_done(status: &ResponseStatus) -> bool {
    !matches!(status, ResponseStatus::Queued | ResponseStatus::InProgress)
}

/// Polls `retrieveResponse` until the response is done ([`is_done`]), sleeping
/// [`poll_interval`](Self::poll_interval) (1 s by default) between polls on the
/// configuration's clock (inject a manual clock with `ConfigLoader::clock` in tests), for at
/// most [`max_wait`](Self::max_wait) (10 minutes by default). `.await` it.
#[must_use = "waiting does nothing until it is awaited"]
pub struct WaitForResponse {
    call: JsonCall<RetrieveResponse>,
    interval: Duration,
    max_wait: Duration,
}

impl WaitForResponse {
    pub(crate) fn new(call: JsonCall<RetrieveResponse>) -> Self {
        WaitForResponse {
            call,
            interval: Duration::from_secs(1),
            max_wait: Duration::from_secs(600),
        }
    }

    /// The pause between polls.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long to poll before giving up with [`WaitError::TimedOut`].
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Polls until done (the same as `.await`).
    pub async fn send(self) -> Result<Response, WaitError> {
        let client = self.call.client;
        let clock = client.config().executor().clock().clone();
        let started = clock.now();
        loop {
            let response = client
                .call_json::<RetrieveResponse>(&self.call.prefix, &self.call.params, &NoBody)
                .await
                .map_err(WaitError::Call)?;
            if is_done(&response.status) {
                return Ok(response);
            }
            let elapsed = clock.now().saturating_duration_since(started);
            if elapsed + self.interval > self.max_wait {
                return Err(WaitError::TimedOut(Box::new(response)));
            }
            clock.sleep(self.interval).await;
        }
    }
}

impl IntoFuture for WaitForResponse {
    type Output = Result<Response, WaitError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl fmt::Debug for WaitForResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForResponse")
            .field("response_id", &self.call.params.response_id)
            .field("poll_interval", &self.interval)
            .field("max_wait", &self.max_wait)
            .finish()
    }
}
