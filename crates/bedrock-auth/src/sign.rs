//! SigV4 request signing (the algorithm itself lives in [`crate::sigv4`]).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;

use crate::event_stream_sign::{Signature, STREAMING_EVENTS_PAYLOAD};
use crate::secret::Credentials;
use crate::sigv4::{format_date, generate_signing_key, sha256_hex, sign_request_with_key, Scope, SignatureLocation};
use crate::skew::ClockSkew;

/// The SigV4 signing name of a Bedrock API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningName {
    /// `bedrock`: the control plane and the runtime.
    Bedrock,
    /// `bedrock-mantle`: the OpenAI-compatible mantle endpoints.
    BedrockMantle,
    /// `sts`: STS `AssumeRole`, called by the credential providers.
    Sts,
}

impl SigningName {
    /// The name as it appears in the credential scope.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningName::Bedrock => "bedrock",
            SigningName::BedrockMantle => "bedrock-mantle",
            SigningName::Sts => "sts",
        }
    }
}

/// Signing failed. Never holds a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum SigningError {
    /// A header value is not visible ASCII, so it cannot be signed.
    InvalidHeader {
        /// The header's name.
        name: String,
    },
    /// The request cannot be signed (e.g. its URI has no host and it has no
    /// `host` header).
    Sigv4(String),
    /// The request's body is a stream, which [`SigV4Signing`](crate::SigV4Signing)
    /// cannot hash; the bidirectional stream is signed with
    /// [`Signer::sign_event_stream_request`] instead.
    StreamingBody,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningError::InvalidHeader { name } => {
                write!(f, "cannot sign header `{name}`: value is not visible ASCII")
            }
            SigningError::Sigv4(message) => write!(f, "SigV4 signing failed: {message}"),
            SigningError::StreamingBody => {
                f.write_str("cannot sign a streaming request body per attempt; sign it as an event stream")
            }
        }
    }
}

impl std::error::Error for SigningError {}

/// The headers a signature adds; removed before each signing so that a retry
/// is signed afresh rather than signing the previous attempt's signature.
const SIGNATURE_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// Signs requests with SigV4 for one signing name and region.
///
/// [`Signer::sign`] is a pure function of the request, the credentials and the
/// time: call it once per attempt (retries sign again, with a fresh time). With
/// [`Signer::with_clock_skew`] the given time is first moved by the offset the
/// shared [`ClockSkew`] has learnt from the service.
#[derive(Debug, Clone)]
pub struct Signer {
    name: SigningName,
    region: String,
    skew: Option<ClockSkew>,
    keys: Arc<KeyCache>,
}

/// The last signing key a [`Signer`] derived. The key depends only on the
/// secret, the day, the region and the signing name, and a signer has one
/// region and name, so it is reused until the day or the secret changes:
/// deriving it costs four HMACs per request otherwise. Shared by clones.
#[derive(Default)]
struct KeyCache(Mutex<Option<CachedKey>>);

struct CachedKey {
    /// `YYYYMMDD` of the signing time.
    date: String,
    /// The secret the key was derived from, compared on every use.
    secret: String,
    key: [u8; 32],
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCache { .. }")
    }
}

impl KeyCache {
    /// The signing key for `secret` on the day of `time`, derived at most once per day and secret.
    fn key(&self, secret: &str, time: SystemTime, region: &str, service: &str) -> [u8; 32] {
        let date = format_date(time);
        // A poisoned lock only means another thread panicked mid-update; the
        // entry is checked before use, so it is still safe to read or replace.
        let mut cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = cached.as_ref() {
            if entry.date == date && entry.secret == secret {
                return entry.key;
            }
        }
        let key = generate_signing_key(secret, time, region, service);
        *cached = Some(CachedKey {
            date,
            secret: secret.to_owned(),
            key,
        });
        key
    }
}

impl Signer {
    /// A signer for `name` in `region`.
    pub fn new(name: SigningName, region: impl Into<String>) -> Self {
        Signer {
            name,
            region: region.into(),
            skew: None,
            keys: Arc::default(),
        }
    }

    /// Dates signatures with `time` corrected by `skew` (see [`crate::skew`]).
    pub fn with_clock_skew(mut self, skew: ClockSkew) -> Self {
        self.skew = Some(skew);
        self
    }

    /// The signing name.
    pub fn name(&self) -> SigningName {
        self.name
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The clock-skew correction in use, if any.
    pub fn clock_skew(&self) -> Option<&ClockSkew> {
        self.skew.as_ref()
    }

    /// `time` moved by the learnt clock skew.
    pub fn signing_time(&self, time: SystemTime) -> SystemTime {
        match &self.skew {
            Some(skew) => skew.corrected(time),
            None => time,
        }
    }

    /// Signs `request` in place: adds `x-amz-date`, `x-amz-security-token` (for
    /// temporary credentials, included in the signature) and `authorization`
    /// (marked sensitive). The body is hashed into the signature; the URI path is
    /// encoded a second time in the canonical request, as for every non-S3
    /// service.
    pub fn sign(
        &self,
        request: &mut http::Request<Bytes>,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(), SigningError> {
        for name in SIGNATURE_HEADERS {
            request.headers_mut().remove(name);
        }
        let payload_hash = sha256_hex(request.body());
        let (headers, _signature) = self.compute(
            request.method(),
            request.uri(),
            request.headers(),
            &payload_hash,
            false,
            credentials,
            time,
        )?;
        apply(request.headers_mut(), headers)
    }

    /// Signs the initial request of an event-stream upload (the HTTP/2 request
    /// of `InvokeModelWithBidirectionalStream`), whose body is not known yet:
    /// the payload hash is the fixed [`STREAMING_EVENTS_PAYLOAD`], also sent as
    /// `x-amz-content-sha256`. Returns the signature, the seed of the
    /// [`EventStreamSigner`](crate::EventStreamSigner) that signs the messages.
    pub fn sign_event_stream_request<B>(
        &self,
        request: &mut http::Request<B>,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<Signature, SigningError> {
        for name in SIGNATURE_HEADERS {
            request.headers_mut().remove(name);
        }
        let (headers, signature) = self.compute(
            request.method(),
            request.uri(),
            request.headers(),
            STREAMING_EVENTS_PAYLOAD,
            true,
            credentials,
            time,
        )?;
        apply(request.headers_mut(), headers)?;
        Ok(Signature::new(signature))
    }

    /// Signs with the request's headers (which must be visible ASCII) and
    /// returns the headers to add and the signature.
    #[allow(clippy::too_many_arguments)]
    fn compute(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        payload_hash: &str,
        content_sha256_header: bool,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(Vec<NewHeader>, String), SigningError> {
        let mut pairs = Vec::with_capacity(headers.len());
        for (name, value) in headers {
            let value = value.to_str().map_err(|_| SigningError::InvalidHeader {
                name: name.as_str().to_owned(),
            })?;
            pairs.push((name.as_str(), value));
        }
        let scope = Scope {
            region: &self.region,
            service: self.name.as_str(),
            time: self.signing_time(time),
        };
        let key = self
            .keys
            .key(credentials.secret_access_key(), scope.time, scope.region, scope.service);
        let signed = sign_request_with_key(
            method.as_str(),
            uri,
            pairs,
            payload_hash,
            credentials,
            &scope,
            SignatureLocation::Headers { content_sha256_header },
            &key,
        )?;
        Ok((signed.headers, signed.signature))
    }
}

/// A header a signature adds: name, value, whether it is sensitive.
type NewHeader = (&'static str, String, bool);

/// Inserts the signature headers; `authorization` is always marked sensitive.
fn apply(target: &mut http::HeaderMap, headers: Vec<NewHeader>) -> Result<(), SigningError> {
    for (name, value, sensitive) in headers {
        let mut header_value =
            http::HeaderValue::from_str(&value).map_err(|_| SigningError::InvalidHeader { name: name.to_owned() })?;
        header_value.set_sensitive(sensitive || name == "authorization");
        target.insert(http::HeaderName::from_static(name), header_value);
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    pub(crate) const AKID: &str = "AKIDEXAMPLE";
    pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    pub(crate) const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN/+==";

    /// 2024-01-02T03:04:05Z.
    pub(crate) fn fixed_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_704_164_645)
    }

    pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(data).into()
    }

    pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&sha256(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        inner.extend_from_slice(data);
        let mut outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        outer.extend_from_slice(&sha256(&inner));
        sha256(&outer)
    }

    pub(crate) fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn request() -> http::Request<Bytes> {
        http::Request::post(
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
        )
        .header("content-type", "application/json")
        .header("user-agent", "bedrock-rs/test")
        .body(Bytes::from_static(br#"{"messages":[]}"#))
        .unwrap()
    }

    // Expected values from botocore 1.43.11 `SigV4Auth` with the same inputs
    // (script: tests/vectors/gen_vectors.py, run once by hand; no Python at test time).
    // botocore does not sign `user-agent` either, so the extra header must not change the result.
    #[test]
    fn matches_botocore_vectors() {
        let cases = [
            (
                SigningName::Bedrock,
                None,
                "content-type;host;x-amz-date",
                "f2ff4b6340cd1a0d659b5985102085bc864553ea55d9146c7fa603c2f4941fa5",
            ),
            (
                SigningName::Bedrock,
                Some(TOKEN),
                "content-type;host;x-amz-date;x-amz-security-token",
                "01caf369831376ce84ed66b90309ab0aba9ad12d14857e48d5b215fd1c3d7a2e",
            ),
            (
                SigningName::BedrockMantle,
                Some(TOKEN),
                "content-type;host;x-amz-date;x-amz-security-token",
                "e4271b6c1fde34a6b3510ccc08433037720e54848d0be27a52658e700b29a811",
            ),
        ];
        for (name, token, signed, signature) in cases {
            let creds = Credentials::new(AKID, SECRET, token.map(str::to_owned), None, "Test");
            let mut req = request();
            let signer = Signer::new(name, "us-east-1");
            signer.sign(&mut req, &creds, fixed_time()).unwrap();
            let expected = format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/{}/aws4_request, SignedHeaders={signed}, Signature={signature}",
                name.as_str()
            );
            let auth = req.headers().get("authorization").unwrap();
            assert!(auth.is_sensitive());
            assert_eq!(auth.to_str().unwrap(), expected);
            assert_eq!(req.headers()["x-amz-date"], "20240102T030405Z");
            assert_eq!(
                req.headers().get("x-amz-security-token").map(|v| v.to_str().unwrap()),
                token
            );

            // Signing again (a retry) replaces, never accumulates, the signature headers.
            signer.sign(&mut req, &creds, fixed_time()).unwrap();
            assert_eq!(req.headers().get_all("authorization").iter().count(), 1);
            assert_eq!(req.headers()["authorization"].to_str().unwrap(), expected);
        }
    }

    #[test]
    fn retry_with_later_time_changes_the_signature() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let signer = Signer::new(SigningName::Bedrock, "us-east-1");
        let mut req = request();
        signer.sign(&mut req, &creds, fixed_time()).unwrap();
        let first = req.headers()["authorization"].clone();
        signer
            .sign(&mut req, &creds, fixed_time() + Duration::from_secs(1))
            .unwrap();
        assert_ne!(first, req.headers()["authorization"]);
        assert_eq!(req.headers()["x-amz-date"], "20240102T030406Z");
    }

    // The initial request of a bidirectional stream, checked against SigV4
    // computed here from the documented steps (canonical request, string to
    // sign, derived key), with the fixed streaming payload hash.
    #[test]
    fn event_stream_request_uses_the_streaming_payload_hash() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let mut req = http::Request::post(
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream",
        )
        .header("content-type", "application/vnd.amazon.eventstream")
        .body(())
        .unwrap();
        let signer = Signer::new(SigningName::Bedrock, "us-east-1");
        let seed = signer
            .sign_event_stream_request(&mut req, &creds, fixed_time())
            .unwrap();
        assert_eq!(req.headers()["x-amz-content-sha256"], STREAMING_EVENTS_PAYLOAD);

        let signed = "content-type;host;x-amz-content-sha256;x-amz-date";
        let canonical = format!(
            "POST\n/model/amazon.nova-sonic-v1%253A0/invoke-with-bidirectional-stream\n\n\
             content-type:application/vnd.amazon.eventstream\nhost:bedrock-runtime.us-east-1.amazonaws.com\n\
             x-amz-content-sha256:{STREAMING_EVENTS_PAYLOAD}\nx-amz-date:20240102T030405Z\n\n{signed}\n{STREAMING_EVENTS_PAYLOAD}"
        );
        let sts = format!(
            "AWS4-HMAC-SHA256\n20240102T030405Z\n20240102/us-east-1/bedrock/aws4_request\n{}",
            hex(&sha256(canonical.as_bytes()))
        );
        let mut key = hmac(format!("AWS4{SECRET}").as_bytes(), b"20240102");
        for part in ["us-east-1", "bedrock", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let expected = hex(&hmac(&key, sts.as_bytes()));
        assert_eq!(seed.expose_secret(), expected);
        assert_eq!(
            req.headers()["authorization"].to_str().unwrap(),
            format!(
                "AWS4-HMAC-SHA256 Credential={AKID}/20240102/us-east-1/bedrock/aws4_request, SignedHeaders={signed}, Signature={expected}"
            )
        );
        assert!(req.headers()["authorization"].is_sensitive());
        assert!(!format!("{seed:?}").contains(&expected));
    }

    // The cached signing key must give exactly what deriving it afresh gives,
    // across a change of secret and of day, in any order.
    #[test]
    fn cached_signing_keys_follow_the_secret_and_the_day() {
        let signer = Signer::new(SigningName::Bedrock, "us-east-1");
        let a = Credentials::new(AKID, SECRET, None, None, "Test");
        let b = Credentials::new("AKIDOTHER", "another/secret+KEY", Some(TOKEN.to_owned()), None, "Test");
        let day = Duration::from_secs(86_400);
        let steps = [
            (&a, fixed_time()),
            (&a, fixed_time() + Duration::from_secs(60)),
            (&b, fixed_time()),
            (&a, fixed_time() + day),
            (&a, fixed_time()),
            (&b, fixed_time() + day),
        ];
        for (credentials, time) in steps {
            let mut cached = request();
            signer.sign(&mut cached, credentials, time).unwrap();
            let mut fresh = request();
            Signer::new(SigningName::Bedrock, "us-east-1")
                .sign(&mut fresh, credentials, time)
                .unwrap();
            assert_eq!(cached.headers(), fresh.headers(), "at {time:?}");
        }
    }
}
