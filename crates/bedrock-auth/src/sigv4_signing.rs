//! The executor's signing hook for SigV4: signs every attempt with fresh
//! credentials and corrects the clock from clock-skew rejections.
//!
//! [`SigV4Signing`] joins a [`Signer`], a credentials provider and the
//! [`ClockSkew`] the signer dates its signatures with, and implements the
//! transport's [`Signer`](bedrock_transport::Signer) trait:
//!
//! - before each attempt it loads credentials and signs the request, dated with
//!   the executor clock's time moved by the learnt offset;
//! - after each attempt it hands the response head to
//!   [`ClockSkew::observe_response`], with the executor clock's time as "now".
//!   When that moves the offset, it tells the executor, which retries the
//!   rejected attempt; the retry, and every later operation of signers sharing the
//!   [`ClockSkew`], is dated with the service's time.

use std::sync::Arc;

use bedrock_transport::executor::{with_bytes_body, AttemptInfo, AttemptResponse, SignFuture};
use bedrock_transport::RequestBody;

use crate::provider::{ProvideCredentials, SharedCredentialsProvider};
use crate::sign::{Signer, SigningError};
use crate::skew::ClockSkew;

/// SigV4 signing for [`Executor`](bedrock_transport::Executor) operations, with
/// clock-skew correction.
///
/// Credentials are requested once per attempt, so the provider should cache them
/// (wrap it in a [`CredentialsCache`](crate::CredentialsCache)). Requests with a
/// streaming body are refused with [`SigningError::StreamingBody`]: the
/// bidirectional stream is signed with [`Signer::sign_event_stream_request`].
///
/// Its `Debug` shows the signer, the provider (whose credentials print redacted)
/// and the offset, never a secret.
///
/// ```
/// use bedrock_auth::provider::StaticProvider;
/// use bedrock_auth::sigv4_signing::SigV4Signing;
/// use bedrock_auth::{Credentials, Signer, SigningName};
///
/// let credentials = StaticProvider::new(Credentials::new("AKID", "SECRET", None, None, "Example"));
/// let signing = SigV4Signing::new(Signer::new(SigningName::Bedrock, "us-east-1"), credentials);
/// assert_eq!(signing.clock_skew().offset_millis(), 0);
/// // executor.send_collected(&op, request, &signing).await
/// ```
#[derive(Debug, Clone)]
pub struct SigV4Signing {
    signer: Signer,
    credentials: SharedCredentialsProvider,
    skew: ClockSkew,
}

impl SigV4Signing {
    /// Signs with `signer` and credentials from `credentials`. The signer's
    /// [`ClockSkew`] is kept if it has one (so several signers of a client can
    /// share it); otherwise it gets a new one.
    pub fn new(signer: Signer, credentials: impl ProvideCredentials + 'static) -> Self {
        let skew = signer.clock_skew().cloned().unwrap_or_default();
        SigV4Signing {
            signer: signer.with_clock_skew(skew.clone()),
            credentials: Arc::new(credentials),
            skew,
        }
    }

    /// The signer (with the clock skew attached).
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The offset learnt from the service; clones share it.
    pub fn clock_skew(&self) -> &ClockSkew {
        &self.skew
    }
}

impl bedrock_transport::Signer for SigV4Signing {
    fn sign<'a>(&'a self, request: &'a mut http::Request<RequestBody>, attempt: AttemptInfo) -> SignFuture<'a> {
        Box::pin(async move {
            if request.body().replayable().is_none() {
                return Err(SigningError::StreamingBody.into());
            }
            let credentials = self.credentials.provide_credentials().await?;
            with_bytes_body(request, |r| self.signer.sign(r, &credentials, attempt.system_time))
                .ok_or(SigningError::StreamingBody)??;
            Ok(())
        })
    }

    fn observe_response(&self, response: &AttemptResponse<'_>) -> bool {
        self.skew.observe_response(
            response.status,
            response.headers,
            response.error_code,
            response.system_time,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use bedrock_transport::Signer as _;
    use bytes::Bytes;

    use super::*;
    use crate::provider::StaticProvider;
    use crate::sign::tests::{fixed_time, AKID, SECRET};
    use crate::{Credentials, SigningName};

    fn signing() -> SigV4Signing {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        SigV4Signing::new(
            Signer::new(SigningName::Bedrock, "us-east-1"),
            StaticProvider::new(creds),
        )
    }

    fn date(t: SystemTime) -> http::HeaderMap {
        let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let text = aws_smithy_types::DateTime::from_secs(secs)
            .fmt(aws_smithy_types::date_time::Format::HttpDate)
            .unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::DATE, text.parse().unwrap());
        headers
    }

    #[test]
    fn keeps_a_skew_the_signer_already_shares() {
        let shared = ClockSkew::new();
        let creds = StaticProvider::new(Credentials::new(AKID, SECRET, None, None, "Test"));
        let signing = SigV4Signing::new(
            Signer::new(SigningName::Bedrock, "us-east-1").with_clock_skew(shared.clone()),
            creds,
        );
        shared.set_offset_millis(42);
        assert_eq!(signing.clock_skew().offset_millis(), 42);
        assert_eq!(signing.signer().clock_skew().unwrap().offset_millis(), 42);
    }

    #[test]
    fn observing_a_skew_rejection_moves_the_clock_and_asks_for_a_retry() {
        let signing = signing();
        let local = fixed_time();
        let far = date(local + Duration::from_secs(3600));
        let rejection = AttemptResponse::new(
            http::StatusCode::FORBIDDEN,
            &far,
            Some("InvalidSignatureException"),
            local,
        );
        assert!(signing.observe_response(&rejection));
        assert_eq!(signing.clock_skew().offset_millis(), 3_600_000);
        // Seen again, the same answer no longer disagrees with the corrected clock.
        assert!(!signing.observe_response(&rejection));

        let ok = AttemptResponse::new(http::StatusCode::OK, &far, None, local);
        assert!(!signing.observe_response(&ok));
    }

    #[tokio::test]
    async fn signs_with_the_corrected_attempt_time() {
        let signing = signing();
        signing.clock_skew().set_offset_millis(60_000);
        let mut request = http::Request::post("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse")
            .body(RequestBody::Bytes(Bytes::from_static(b"{}")))
            .unwrap();
        signing
            .sign(&mut request, AttemptInfo::new(1, 3, fixed_time()))
            .await
            .unwrap();
        assert_eq!(request.headers()["x-amz-date"], "20240102T030505Z");
        assert!(request.headers()["authorization"].is_sensitive());
        assert_eq!(request.body().replayable().unwrap(), &b"{}"[..]);
    }
}
