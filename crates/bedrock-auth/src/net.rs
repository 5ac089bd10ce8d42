//! What the network providers share: the HTTP client, the clock, the
//! environment and files, endpoint overrides, and one request helper that puts
//! a deadline on the whole exchange and a size limit on the body.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_transport::{HttpClient, RequestBody};
use bytes::{Bytes, BytesMut};

use crate::env::OsContext;
use crate::error::CredentialsError;
use crate::profile::{ProfileFileError, ProfileSet};
use crate::provider::{Clock, SystemClock};

/// Credential responses are small; anything larger is refused rather than buffered.
const MAX_BODY: usize = 64 * 1024;

/// What every network provider needs: where to read configuration, how to send
/// HTTP requests, and what time it is.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub(crate) ctx: OsContext,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) profile: Option<String>,
    pub(crate) region: Option<String>,
}

impl ProviderConfig {
    /// Configuration from `ctx`, requests through `http`, the system clock.
    pub fn new(ctx: &OsContext, http: Arc<dyn HttpClient>) -> Self {
        ProviderConfig {
            ctx: ctx.clone(),
            http,
            clock: Arc::new(SystemClock),
            profile: None,
            region: None,
        }
    }

    /// Sets the clock (expiry checks, default session names, SSO token refresh).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses this profile instead of `AWS_PROFILE`.
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// The region STS is called in when nothing more specific says.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The environment and files.
    pub fn os_context(&self) -> &OsContext {
        &self.ctx
    }

    pub(crate) fn load_profiles(&self) -> Result<ProfileSet, ProfileFileError> {
        ProfileSet::load(&self.ctx, self.profile.as_deref())
    }

    /// The region from code, else the environment, else the selected profile.
    pub(crate) fn region(&self) -> Option<String> {
        crate::region::resolve_region(self.region.as_deref(), &self.ctx, self.profile.as_deref())
            .ok()
            .flatten()
            .map(|r| r.region)
    }

    /// An endpoint configured for a service: `AWS_ENDPOINT_URL_<ENV_ID>`, else the
    /// selected profile's `services` entry. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`
    /// turns both off. The global `AWS_ENDPOINT_URL` is deliberately not applied
    /// to credential services: it usually points at the service being called.
    pub(crate) fn endpoint_override(&self, env_id: &str, service_key: &str) -> Option<String> {
        let env = &*self.ctx.env;
        if env
            .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        {
            return None;
        }
        if let Some(url) = env.get_non_empty(&format!("AWS_ENDPOINT_URL_{env_id}")) {
            return Some(url.trim().trim_end_matches('/').to_owned());
        }
        let set = self.load_profiles().ok()?;
        let profile = set.selected_profile_name().to_owned();
        let profile_section = set.profile(&profile)?;
        let services = profile_section.get("services").and_then(|name| set.services(name))?;
        services
            .property(service_key)
            .and_then(|p| p.sub_properties().get("endpoint_url"))
            .filter(|v| !v.is_empty())
            .map(|v| v.trim_end_matches('/').to_owned())
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }
}

/// The DNS suffix of a region's partition (only the China partition differs
/// among the public ones).
pub(crate) fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// A buffered response.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: http::StatusCode,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Response {
    pub(crate) fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("")
    }

    /// The error code and message of a JSON error answer: the code from
    /// `x-amzn-ErrorType` (without its `:…` suffix) or the body's
    /// `code`/`error`, the message from the body's `message`/`error_description`.
    pub(crate) fn json_error(&self) -> (Option<String>, Option<String>) {
        let (body_code, message) = crate::container::json_error(&self.body);
        let header_code = self
            .headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(':').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        (header_code.or(body_code), message)
    }
}

/// How a request failed before a full response was read.
#[derive(Debug)]
pub(crate) enum SendError {
    /// No full response within the deadline.
    Timeout(Duration),
    /// Connection-level failure (refused, reset, TLS).
    Connect(String),
    /// The body was larger than allowed or broke off.
    Body(String),
}

impl SendError {
    pub(crate) fn into_credentials_error(self, provider: &'static str) -> CredentialsError {
        match self {
            SendError::Timeout(after) => CredentialsError::Timeout { provider, after },
            SendError::Connect(message) => CredentialsError::Provider {
                provider,
                message: format!("request failed: {message}"),
            },
            SendError::Body(reason) => CredentialsError::InvalidResponse { provider, reason },
        }
    }
}

/// Sends `request` and reads the whole body, all within `timeout`.
pub(crate) async fn send(
    http: &dyn HttpClient,
    request: http::Request<Bytes>,
    timeout: Duration,
) -> Result<Response, SendError> {
    let (parts, body) = request.into_parts();
    let request = http::Request::from_parts(parts, RequestBody::Bytes(body));
    let exchange = async {
        let response = http
            .send(request)
            .await
            .map_err(|e| SendError::Connect(error_chain(&*e)))?;
        let (parts, mut body) = response.into_parts();
        let mut buf = BytesMut::new();
        while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            let chunk = chunk.map_err(|e| SendError::Body(format!("body broke off: {}", error_chain(&*e))))?;
            if buf.len() + chunk.len() > MAX_BODY {
                return Err(SendError::Body(format!("body larger than {MAX_BODY} bytes")));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(Response {
            status: parts.status,
            headers: parts.headers,
            body: buf.freeze(),
        })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(result) => result,
        Err(_) => Err(SendError::Timeout(timeout)),
    }
}

/// An error and its sources on one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// Parses an RFC 3339 / ISO-8601 timestamp such as `2024-01-02T03:04:05Z`.
pub(crate) fn parse_iso8601(text: &str) -> Option<SystemTime> {
    let dt = aws_smithy_types::DateTime::from_str(text.trim(), aws_smithy_types::date_time::Format::DateTime).ok()?;
    let secs = u64::try_from(dt.secs()).ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, dt.subsec_nanos()))
}

/// Formats a time as RFC 3339 in UTC with whole seconds (`2024-01-02T03:04:05Z`).
pub(crate) fn format_iso8601(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    aws_smithy_types::DateTime::from_secs(secs as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// Milliseconds since the epoch (default session names).
pub(crate) fn epoch_millis(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

/// Percent-encodes a form or query value (RFC 3986 unreserved characters stay).
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_encoding() {
        let t = parse_iso8601("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_704_164_645));
        assert_eq!(format_iso8601(t), "2024-01-02T03:04:05Z");
        assert!(parse_iso8601("2024-01-02T03:04:05.123Z").is_some());
        assert!(parse_iso8601("yesterday").is_none());
        assert_eq!(percent_encode("a b/c+d=é"), "a%20b%2Fc%2Bd%3D%C3%A9");
        assert_eq!(dns_suffix("cn-north-1"), "amazonaws.com.cn");
        assert_eq!(dns_suffix("us-gov-west-1"), "amazonaws.com");
    }
}
