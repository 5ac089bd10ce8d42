//! Bearer-token (Bedrock API key) mode, the choice of auth mode, and short-term
//! API key generation.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::env::Env;
use crate::provider::SharedCredentialsProvider;
use crate::secret::{ApiKey, Credentials};
use crate::sign::SigningError;
use crate::sigv4::{sha256_hex, sign_request, Scope, SignatureLocation};

/// The environment variable holding a Bedrock API key.
pub const BEARER_TOKEN_ENV: &str = "AWS_BEARER_TOKEN_BEDROCK";

/// How a client authenticates; chosen once per client by [`select_auth_mode`].
#[derive(Clone)]
#[non_exhaustive]
pub enum AuthMode {
    /// An API key given in code.
    ExplicitApiKey(ApiKey),
    /// Credentials (a provider) given in code: SigV4.
    ExplicitCredentials(SharedCredentialsProvider),
    /// An API key from `AWS_BEARER_TOKEN_BEDROCK`.
    EnvironmentApiKey(ApiKey),
    /// Neither: SigV4 with the default credentials chain.
    DefaultChain,
}

impl AuthMode {
    /// A short name for logs: never contains the secret.
    pub fn name(&self) -> &'static str {
        match self {
            AuthMode::ExplicitApiKey(_) => "bearer (explicit API key)",
            AuthMode::ExplicitCredentials(_) => "sigv4 (explicit credentials)",
            AuthMode::EnvironmentApiKey(_) => "bearer (AWS_BEARER_TOKEN_BEDROCK)",
            AuthMode::DefaultChain => "sigv4 (default credentials chain)",
        }
    }
}

impl fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthMode({})", self.name())
    }
}

/// Both an API key and credentials were given in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictingAuth;

impl fmt::Display for ConflictingAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("both an API key and credentials were configured; a client uses exactly one auth mode")
    }
}

impl std::error::Error for ConflictingAuth {}

/// Chooses the auth mode: anything given in code wins (an API key and
/// credentials together are an error), then `AWS_BEARER_TOKEN_BEDROCK`, then
/// SigV4 with the default chain. Logs the choice at debug level, by name only.
pub fn select_auth_mode(
    explicit_api_key: Option<ApiKey>,
    explicit_credentials: Option<SharedCredentialsProvider>,
    env: &dyn Env,
) -> Result<AuthMode, ConflictingAuth> {
    let mode = match (explicit_api_key, explicit_credentials) {
        (Some(_), Some(_)) => return Err(ConflictingAuth),
        (Some(key), None) => AuthMode::ExplicitApiKey(key),
        (None, Some(provider)) => AuthMode::ExplicitCredentials(provider),
        (None, None) => match env.get_non_empty(BEARER_TOKEN_ENV) {
            Some(token) => AuthMode::EnvironmentApiKey(ApiKey::new(token.trim())),
            None => AuthMode::DefaultChain,
        },
    };
    tracing::debug!(mode = mode.name(), "selected auth mode");
    Ok(mode)
}

/// The executor's signing hook for API-key mode: puts `Authorization: Bearer <key>` on every
/// attempt (streaming bodies included), marked sensitive. `Debug` never shows the key.
#[derive(Clone)]
pub struct BearerSigning {
    header: Result<http::HeaderValue, crate::secret::InvalidApiKey>,
}

impl BearerSigning {
    /// Authorizes requests with `key`. A key that cannot be a header value fails each attempt
    /// with [`InvalidApiKey`](crate::secret::InvalidApiKey).
    pub fn new(key: &ApiKey) -> Self {
        BearerSigning {
            header: key.authorization_header(),
        }
    }
}

impl fmt::Debug for BearerSigning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerSigning(** redacted **)")
    }
}

impl bedrock_transport::Signer for BearerSigning {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<bedrock_transport::RequestBody>,
        _attempt: bedrock_transport::executor::AttemptInfo,
    ) -> bedrock_transport::executor::SignFuture<'a> {
        let result = match &self.header {
            Ok(value) => {
                request.headers_mut().insert(http::header::AUTHORIZATION, value.clone());
                Ok(())
            }
            Err(e) => Err(Box::new(e.clone()) as bedrock_transport::BoxError),
        };
        Box::pin(std::future::ready(result))
    }
}

/// Default and maximum lifetime of a short-term API key.
pub const MAX_SHORT_TERM_KEY_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// A generated short-term API key and when it stops working.
#[derive(Debug, Clone)]
pub struct ShortTermApiKey {
    /// The key (`bedrock-api-key-…`).
    pub key: ApiKey,
    /// When it expires.
    pub expires_at: SystemTime,
}

/// Why a short-term key could not be generated.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// The requested lifetime is zero or longer than 12 hours.
    InvalidLifetime(Duration),
    /// The source credentials have expired (or expire within a second).
    CredentialsExpired,
    /// Presigning failed.
    Signing(SigningError),
}

impl fmt::Display for ApiKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiKeyError::InvalidLifetime(d) => write!(f, "API key lifetime {d:?} is not between 1 s and 12 h"),
            ApiKeyError::CredentialsExpired => f.write_str("the source credentials have expired"),
            ApiKeyError::Signing(e) => write!(f, "could not presign the API key: {e}"),
        }
    }
}

impl std::error::Error for ApiKeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiKeyError::Signing(e) => Some(e),
            _ => None,
        }
    }
}

/// Percent-encodes a query component: everything but `A-Z a-z 0-9 - _ . ~`.
fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The signing name a short-term key is presigned with, whichever endpoint it
/// is for.
pub const SHORT_TERM_KEY_SIGNING_NAME: &str = "bedrock";

/// The host a short-term key is presigned for, whichever endpoint it is for.
pub const SHORT_TERM_KEY_HOST: &str = "bedrock.amazonaws.com";

/// Generates a short-term Bedrock API key, in the format of AWS's published
/// token generators: a SigV4 query-presigned
/// `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken` (signing
/// name `bedrock`, `region`, `X-Amz-Expires` = the lifetime), `&Version=1`
/// appended, the URL without `https://` base64-encoded, prefixed
/// `bedrock-api-key-`.
///
/// The same key serves the runtime and the mantle (`bedrock-mantle`,
/// OpenAI-compatible) endpoints: AWS documents one kind of Bedrock API key for
/// both, and its token generators have no mantle variant (no other signing
/// name or host). So there is no `SigningName` parameter here; only the
/// region must match the endpoint's (see `docs/decisions/0007-auth.md`).
///
/// The lifetime defaults to (and may not exceed) 12 hours and is cut to what is
/// left of the credentials' own lifetime.
pub fn generate_short_term_api_key(
    credentials: &Credentials,
    region: &str,
    now: SystemTime,
    lifetime: Option<Duration>,
) -> Result<ShortTermApiKey, ApiKeyError> {
    let requested = lifetime.unwrap_or(MAX_SHORT_TERM_KEY_LIFETIME);
    if requested < Duration::from_secs(1) || requested > MAX_SHORT_TERM_KEY_LIFETIME {
        return Err(ApiKeyError::InvalidLifetime(requested));
    }
    let mut seconds = requested.as_secs();
    if let Some(expiry) = credentials.expiry() {
        let left = expiry.duration_since(now).map(|d| d.as_secs()).unwrap_or(0);
        if left == 0 {
            return Err(ApiKeyError::CredentialsExpired);
        }
        seconds = seconds.min(left);
    }
    let expires_in = Duration::from_secs(seconds);

    const BASE: &str = "https://bedrock.amazonaws.com/?Action=CallWithBearerToken";
    let uri = http::Uri::from_static(BASE);
    let scope = Scope {
        region,
        service: SHORT_TERM_KEY_SIGNING_NAME,
        time: now,
    };
    let signed = sign_request(
        "POST",
        &uri,
        [("host", SHORT_TERM_KEY_HOST)],
        &sha256_hex(b""),
        credentials,
        &scope,
        SignatureLocation::QueryParams {
            expires_in: expires_in.as_secs(),
        },
    )
    .map_err(ApiKeyError::Signing)?;
    let query = signed.params;
    // Same parameter order as botocore's presigner: the signature goes last.
    let mut url = BASE.trim_start_matches("https://").to_owned();
    let mut signature = None;
    for (name, value) in query {
        if name == "X-Amz-Signature" {
            signature = Some(value);
            continue;
        }
        url.push_str(&format!("&{name}={}", encode_query(&value)));
    }
    if let Some(signature) = signature {
        url.push_str(&format!("&X-Amz-Signature={signature}"));
    }
    url.push_str("&Version=1");
    let key = format!("bedrock-api-key-{}", aws_smithy_types::base64::encode(url.as_bytes()));
    Ok(ShortTermApiKey {
        key: ApiKey::new(key),
        expires_at: now + expires_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;
    use crate::provider::StaticProvider;
    use crate::sign::tests::{fixed_time, AKID, SECRET, TOKEN};
    use std::sync::Arc;

    // Expected tokens from botocore 1.43.11 `SigV4QueryAuth` on
    // `POST https://bedrock.amazonaws.com/` with `Action=CallWithBearerToken`,
    // header `host: bedrock.amazonaws.com`, the same credentials and a frozen
    // clock; the URL minus `https://`, plus `&Version=1`, base64, prefixed
    // (script: tests/vectors/gen_vectors.py, run once by hand).
    const NO_TOKEN_12H_US_WEST_2: &str = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFLSURFWEFNUExFJTJGMjAyNDAxMDIlMkZ1cy13ZXN0LTIlMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTQzMjAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9YjM4NWE4ZmM4ZGMxNGQ4YWM2Mzg4MjA3YTQ3ZjE3MGNhMWE2YjRkYmY2YWVkMGM4MGI1Njg0YmUzOGFjMTE4YyZWZXJzaW9uPTE=";
    const TOKEN_900S_US_EAST_1: &str = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFLSURFWEFNUExFJTJGMjAyNDAxMDIlMkZ1cy1lYXN0LTElMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTkwMCZYLUFtei1TaWduZWRIZWFkZXJzPWhvc3QmWC1BbXotU2VjdXJpdHktVG9rZW49SVFvSmIzSnBaMmx1WDJWakVYQU1QTEVTRVNTSU9OVE9LRU4lMkYlMkIlM0QlM0QmWC1BbXotU2lnbmF0dXJlPTMwNTBlMTNhZDIxYmFhZjkxNTcwMTI2NmMxYjgwMmQzM2EzMjZkNzcxOGQ1YTBkMDUwN2MzYjlkYTVmZmY2MWImVmVyc2lvbj0x";

    #[test]
    fn short_term_key_matches_botocore() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let key = generate_short_term_api_key(&creds, "us-west-2", fixed_time(), None).unwrap();
        assert_eq!(key.key.expose_secret(), NO_TOKEN_12H_US_WEST_2);
        assert_eq!(key.expires_at, fixed_time() + MAX_SHORT_TERM_KEY_LIFETIME);

        // Session credentials expiring in 15 minutes cap a 12-hour request at 900 s.
        let temporary = Credentials::new(
            AKID,
            SECRET,
            Some(TOKEN.into()),
            Some(fixed_time() + Duration::from_secs(900)),
            "Test",
        );
        let key = generate_short_term_api_key(&temporary, "us-east-1", fixed_time(), None).unwrap();
        assert_eq!(key.key.expose_secret(), TOKEN_900S_US_EAST_1);
        let explicit =
            generate_short_term_api_key(&temporary, "us-east-1", fixed_time(), Some(Duration::from_secs(900))).unwrap();
        assert_eq!(explicit.key.expose_secret(), TOKEN_900S_US_EAST_1);
        assert!(!format!("{key:?}").contains("bedrock-api-key-"));
    }

    #[test]
    fn short_term_key_limits() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let too_long = MAX_SHORT_TERM_KEY_LIFETIME + Duration::from_secs(1);
        assert!(matches!(
            generate_short_term_api_key(&creds, "us-east-1", fixed_time(), Some(too_long)),
            Err(ApiKeyError::InvalidLifetime(_))
        ));
        assert!(generate_short_term_api_key(&creds, "us-east-1", fixed_time(), Some(Duration::ZERO)).is_err());
        let expired = creds.with_expiry(Some(fixed_time()));
        assert!(matches!(
            generate_short_term_api_key(&expired, "us-east-1", fixed_time(), None),
            Err(ApiKeyError::CredentialsExpired)
        ));
    }

    #[test]
    fn auth_mode_precedence() {
        let env_with = MapEnv::from_pairs([(BEARER_TOKEN_ENV, "ABSKenvtoken")]);
        let env_without = MapEnv::default();
        let provider: SharedCredentialsProvider =
            Arc::new(StaticProvider::new(Credentials::new("A", "S", None, None, "Static")));
        let explicit_key = ApiKey::new("ABSKexplicit");

        let mode = select_auth_mode(None, Some(provider.clone()), &env_with).unwrap();
        assert!(matches!(mode, AuthMode::ExplicitCredentials(_)));
        let mode = select_auth_mode(Some(explicit_key.clone()), None, &env_with).unwrap();
        assert!(matches!(mode, AuthMode::ExplicitApiKey(ref k) if k.expose_secret() == "ABSKexplicit"));
        let mode = select_auth_mode(None, None, &env_with).unwrap();
        assert!(matches!(mode, AuthMode::EnvironmentApiKey(ref k) if k.expose_secret() == "ABSKenvtoken"));
        assert!(!format!("{mode:?}").contains("envtoken"));
        assert!(matches!(
            select_auth_mode(None, None, &env_without).unwrap(),
            AuthMode::DefaultChain
        ));
        assert_eq!(
            select_auth_mode(Some(explicit_key), Some(provider), &env_with).unwrap_err(),
            ConflictingAuth
        );
    }

    // Mantle takes the same keys (see the decision record): a key made for a
    // mantle client is the runtime's key, scoped to `bedrock` in the region and
    // presigned for the global host, and is sent the same way.
    #[test]
    fn mantle_keys_are_the_runtime_format() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let key = generate_short_term_api_key(&creds, "us-west-2", fixed_time(), None).unwrap();
        assert_eq!(key.key.expose_secret(), NO_TOKEN_12H_US_WEST_2);
        let encoded = key.key.expose_secret().strip_prefix("bedrock-api-key-").unwrap();
        let url = String::from_utf8(aws_smithy_types::base64::decode(encoded).unwrap()).unwrap();
        assert!(
            url.starts_with("bedrock.amazonaws.com/?Action=CallWithBearerToken&"),
            "{url}"
        );
        assert!(url.contains("%2Fus-west-2%2Fbedrock%2Faws4_request"), "{url}");
        assert!(!url.contains("mantle"), "{url}");
        assert!(url.ends_with("&Version=1"), "{url}");
        assert_eq!(
            key.key.authorization_header().unwrap().to_str().unwrap(),
            format!("Bearer {NO_TOKEN_12H_US_WEST_2}")
        );
    }
}
