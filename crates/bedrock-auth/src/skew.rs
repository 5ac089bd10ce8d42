//! Clock-skew correction: after a service rejects a signature as dated too far
//! from its own clock, later signatures are dated with the service's time.
//!
//! A SigV4 signature carries its date, and services refuse dates more than a
//! few minutes off. A machine whose clock is wrong would fail every call, so,
//! like the AWS SDKs, we learn the offset from the `Date` header of the
//! rejecting response and add it to the local clock from then on. It is
//! sans-IO: responses are reported with [`ClockSkew::observe_response`] (for the
//! transport's executor, [`SigV4Signing`](crate::SigV4Signing) does it after
//! every attempt and has a corrected rejection retried) and a
//! [`Signer`](crate::Signer) (or an
//! [`EventStreamSigner`](crate::EventStreamSigner)) holding a clone of the same
//! [`ClockSkew`] reads the offset when it signs.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

/// The error codes that mean "the request's date is too far from the server's".
///
/// The same list the AWS SDKs use. `SignatureDoesNotMatch`,
/// `InvalidSignatureException` and `AuthFailure` also come back for a wrong
/// key, which is why a correction additionally needs the `Date` header to
/// disagree by at least [`SKEW_THRESHOLD`].
pub const CLOCK_SKEW_ERROR_CODES: [&str; 6] = [
    "AuthFailure",
    "InvalidSignatureException",
    "RequestExpired",
    "RequestInTheFuture",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
];

/// Differences smaller than this are left alone: the `Date` header has
/// one-second resolution and includes network latency, and services accept
/// a few minutes of drift anyway. (Four minutes, as the AWS SDK for Java.)
pub const SKEW_THRESHOLD: Duration = Duration::from_secs(4 * 60);

/// Whether `code` (as found in `x-amzn-errortype` or an error body, possibly
/// with a `:…` suffix or a `…#` namespace prefix) is a clock-skew error.
pub fn is_clock_skew_error(code: &str) -> bool {
    let code = code.split(':').next().unwrap_or(code);
    let code = code.rsplit('#').next().unwrap_or(code).trim();
    CLOCK_SKEW_ERROR_CODES.contains(&code)
}

/// The offset between the service's clock and ours, shared by every signer
/// of a client (clones share it). Starts at zero.
#[derive(Debug, Clone, Default)]
pub struct ClockSkew {
    /// Server time minus local time, in milliseconds.
    offset_millis: Arc<AtomicI64>,
}

impl ClockSkew {
    /// No offset.
    pub fn new() -> Self {
        ClockSkew::default()
    }

    /// Server time minus local time, in milliseconds (negative when our clock is ahead).
    pub fn offset_millis(&self) -> i64 {
        self.offset_millis.load(Ordering::Relaxed)
    }

    /// Sets the offset, e.g. one remembered from an earlier run.
    pub fn set_offset_millis(&self, offset: i64) {
        self.offset_millis.store(offset, Ordering::Relaxed);
    }

    /// `local` moved by the offset: the time to date a signature with.
    pub fn corrected(&self, local: SystemTime) -> SystemTime {
        shift(local, self.offset_millis())
    }

    /// Looks at a response and, if it is a clock-skew rejection whose `Date`
    /// header is at least [`SKEW_THRESHOLD`] away from the corrected local
    /// time, sets the offset to `Date − local_now`.
    ///
    /// `error_code` is the response's error code, if any; `local_now` is the
    /// uncorrected local time at which the response arrived. Returns whether
    /// the offset changed: then the rejected request is worth signing again
    /// and retrying once.
    pub fn observe_response(
        &self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        error_code: Option<&str>,
        local_now: SystemTime,
    ) -> bool {
        if !status.is_client_error() || !error_code.is_some_and(is_clock_skew_error) {
            return false;
        }
        let Some(server) = headers
            .get(http::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
        else {
            return false;
        };
        let current = self.offset_millis();
        let disagreement = millis_between(self.corrected(local_now), server);
        if disagreement.unsigned_abs() < SKEW_THRESHOLD.as_millis() as u64 {
            return false;
        }
        let offset = millis_between(local_now, server);
        self.offset_millis.store(offset, Ordering::Relaxed);
        tracing::debug!(
            previous_offset_ms = current,
            offset_ms = offset,
            error_code = error_code.unwrap_or_default(),
            "clock skew detected; later signatures use the service's time"
        );
        true
    }
}

/// Parses an HTTP `Date` header (IMF-fixdate).
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let date = DateTime::from_str(value.trim(), Format::HttpDate).ok()?;
    SystemTime::try_from(date).ok()
}

/// Milliseconds since the epoch, negative before it, saturating.
fn epoch_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |m| -m),
    }
}

/// `to − from` in milliseconds, saturating.
fn millis_between(from: SystemTime, to: SystemTime) -> i64 {
    epoch_millis(to).saturating_sub(epoch_millis(from))
}

fn shift(t: SystemTime, millis: i64) -> SystemTime {
    let by = Duration::from_millis(millis.unsigned_abs());
    let shifted = if millis >= 0 {
        t.checked_add(by)
    } else {
        t.checked_sub(by)
    };
    shifted.unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::tests::{fixed_time, AKID, SECRET};
    use crate::{Credentials, Signer, SigningName};
    use bytes::Bytes;

    fn date_header(t: SystemTime) -> http::HeaderMap {
        let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let text = DateTime::from_secs(secs).fmt(Format::HttpDate).unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::DATE, text.parse().unwrap());
        headers
    }

    fn request() -> http::Request<Bytes> {
        http::Request::post("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse")
            .body(Bytes::from_static(b"{}"))
            .unwrap()
    }

    const FORBIDDEN: http::StatusCode = http::StatusCode::FORBIDDEN;

    #[test]
    fn codes_are_recognised_with_suffixes_and_prefixes() {
        assert!(is_clock_skew_error("RequestTimeTooSkewed"));
        assert!(is_clock_skew_error(
            "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/"
        ));
        assert!(is_clock_skew_error("com.amazon.coral.service#SignatureDoesNotMatch"));
        assert!(!is_clock_skew_error("ThrottlingException"));
        assert!(!is_clock_skew_error("AccessDeniedException"));
    }

    #[test]
    fn next_signature_uses_the_corrected_time() {
        let skew = ClockSkew::new();
        let signer = Signer::new(SigningName::Bedrock, "us-east-1").with_clock_skew(skew.clone());
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let local = fixed_time(); // 03:04:05Z; the server says 04:04:05Z.
        let server = local + Duration::from_secs(3600);

        let mut first = request();
        signer.sign(&mut first, &creds, local).unwrap();
        assert_eq!(first.headers()["x-amz-date"], "20240102T030405Z");

        assert!(skew.observe_response(
            FORBIDDEN,
            &date_header(server),
            Some("InvalidSignatureException"),
            local
        ));
        assert_eq!(skew.offset_millis(), 3_600_000);

        // The retry, still at the local 03:04:05, is dated with the server's time
        // and equals a signature made with a correct clock.
        let mut retry = request();
        signer.sign(&mut retry, &creds, local).unwrap();
        assert_eq!(retry.headers()["x-amz-date"], "20240102T040405Z");
        let mut reference = request();
        Signer::new(SigningName::Bedrock, "us-east-1")
            .sign(&mut reference, &creds, server)
            .unwrap();
        assert_eq!(retry.headers()["authorization"], reference.headers()["authorization"]);

        // The same response again changes nothing: the corrected clock now agrees.
        assert!(!skew.observe_response(
            FORBIDDEN,
            &date_header(server),
            Some("InvalidSignatureException"),
            local
        ));
    }

    #[test]
    fn a_clock_that_is_ahead_is_moved_back() {
        let skew = ClockSkew::new();
        let local = fixed_time();
        let server = local - Duration::from_secs(20 * 60);
        assert!(skew.observe_response(
            http::StatusCode::BAD_REQUEST,
            &date_header(server),
            Some("RequestTimeTooSkewed"),
            local
        ));
        assert_eq!(skew.offset_millis(), -1_200_000);
        assert_eq!(skew.corrected(local), server);
    }

    #[test]
    fn ignores_what_is_not_a_skew_rejection() {
        let skew = ClockSkew::new();
        let local = fixed_time();
        let far = date_header(local + Duration::from_secs(3600));
        // Not an error, another error, no code, no or unparsable Date, small drift.
        assert!(!skew.observe_response(http::StatusCode::OK, &far, None, local));
        assert!(!skew.observe_response(FORBIDDEN, &far, Some("AccessDeniedException"), local));
        assert!(!skew.observe_response(FORBIDDEN, &far, None, local));
        assert!(!skew.observe_response(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            &far,
            Some("RequestExpired"),
            local
        ));
        assert!(!skew.observe_response(FORBIDDEN, &http::HeaderMap::new(), Some("RequestExpired"), local));
        let mut garbage = http::HeaderMap::new();
        garbage.insert(http::header::DATE, "yesterday".parse().unwrap());
        assert!(!skew.observe_response(FORBIDDEN, &garbage, Some("RequestExpired"), local));
        let near = date_header(local + Duration::from_secs(60));
        assert!(!skew.observe_response(FORBIDDEN, &near, Some("SignatureDoesNotMatch"), local));
        assert_eq!(skew.offset_millis(), 0);
        assert_eq!(skew.corrected(local), local);
    }
}
