//! Request authentication: SigV4 signatures and Bedrock API keys (bearer tokens).
//!
//! [`AuthMode::Permissive`] (the default) accepts any well-formed `Authorization` header: a SigV4
//! header with credential, signed headers and signature, or `Bearer <token>`. [`AuthMode::Verify`]
//! recomputes SigV4 signatures for configured test credentials (the key derivation and HMAC are
//! `bedrock_auth::sigv4`'s), checks the credential scope (region, signing name `bedrock` or
//! `bedrock-mantle`) and the date (±5 minutes of the injected clock), and accepts configured API
//! keys and short-term keys (`bedrock-api-key-` + base64 of a presigned URL) whose presigned
//! signature verifies against the configured credentials and has not expired.
//! [`AuthMode::Off`] accepts everything, even no auth at all.
//!
//! Failures answer what the service answers (403, but 400 for a malformed signature header,
//! `IncompleteSignatureException`): no auth →
//! `MissingAuthenticationTokenException`; an unknown access key → `UnrecognizedClientException`;
//! a wrong signature, scope or date → `InvalidSignatureException`; a bearer token that is not a
//! key → `AccessDeniedException` "Invalid API Key format..."; a key that does not verify →
//! `AccessDeniedException` "Authentication failed...". Secrets never reach the log: an identity
//! names the access key id, or the last four characters of an API key.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_auth::sigv4::{format_date_time, sha256_hex};
use bytes::Bytes;
use http::StatusCode;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;

use crate::wire::ServiceError;

/// How the server authenticates requests.
#[derive(Clone, Default, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthMode {
    /// Accept any well-formed SigV4 or bearer `Authorization` header (the default).
    #[default]
    Permissive,
    /// Verify signatures and keys against configured test credentials.
    Verify {
        /// Access key id → secret access key.
        #[serde(default)]
        credentials: BTreeMap<String, String>,
        /// Accepted long-term API keys (bearer tokens), compared exactly.
        #[serde(default)]
        api_keys: Vec<String>,
    },
    /// Accept every request, with or without auth.
    Off,
}

impl AuthMode {
    /// Verification with one pair of credentials and no API keys.
    pub fn verify(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        AuthMode::Verify {
            credentials: BTreeMap::from([(access_key_id.into(), secret_access_key.into())]),
            api_keys: Vec::new(),
        }
    }

    /// Adds an accepted API key (turns `Permissive`/`Off` into `Verify` with that key only).
    pub fn with_api_key(self, key: impl Into<String>) -> Self {
        match self {
            AuthMode::Verify {
                credentials,
                mut api_keys,
            } => {
                api_keys.push(key.into());
                AuthMode::Verify { credentials, api_keys }
            }
            _ => AuthMode::Verify {
                credentials: BTreeMap::new(),
                api_keys: vec![key.into()],
            },
        }
    }
}

impl fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthMode::Permissive => f.write_str("Permissive"),
            AuthMode::Off => f.write_str("Off"),
            AuthMode::Verify { credentials, api_keys } => f
                .debug_struct("Verify")
                .field("access_key_ids", &credentials.keys().collect::<Vec<_>>())
                .field("api_keys", &format_args!("{} redacted", api_keys.len()))
                .finish(),
        }
    }
}

/// Who a request was authenticated as. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No authentication ([`AuthMode::Off`] only).
    Anonymous,
    /// SigV4 with this access key id.
    SigV4 {
        /// The access key id of the credential.
        access_key_id: String,
    },
    /// A bearer API key.
    ApiKey {
        /// Whether it is a short-term key (`bedrock-api-key-...`).
        short_term: bool,
        /// The key's last four characters.
        hint: String,
    },
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Anonymous => f.write_str("anonymous"),
            Identity::SigV4 { access_key_id } => write!(f, "sigv4:{access_key_id}"),
            Identity::ApiKey { short_term: true, hint } => write!(f, "short-term-api-key:...{hint}"),
            Identity::ApiKey {
                short_term: false,
                hint,
            } => write!(f, "api-key:...{hint}"),
        }
    }
}

/// Why a request was refused: the error the client sees, and a detail for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// The 403 the client sees.
    pub error: ServiceError,
    /// What exactly was wrong (for the log; never holds a secret).
    pub detail: String,
}

const INVALID_SIGNATURE_MESSAGE: &str =
    "The request signature we calculated does not match the signature you provided. \
     Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

impl AuthFailure {
    fn new(error_type: &str, message: impl Into<String>, capital: bool, detail: impl Into<String>) -> Self {
        let mut error = ServiceError::new(StatusCode::FORBIDDEN, error_type, message);
        error.capital_message = capital;
        AuthFailure {
            error,
            detail: detail.into(),
        }
    }

    fn missing() -> Self {
        Self::new(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
            true,
            "no Authorization header",
        )
    }

    /// A malformed signature: `IncompleteSignatureException`, the one auth failure that is a 400.
    fn malformed(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let mut failure = Self::new("IncompleteSignatureException", detail.clone(), false, detail);
        failure.error.status = StatusCode::BAD_REQUEST;
        failure
    }

    fn unrecognized(detail: impl Into<String>) -> Self {
        Self::new(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            false,
            detail,
        )
    }

    fn signature(message: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new("InvalidSignatureException", message, false, detail)
    }

    fn key_format() -> Self {
        Self::new(
            "AccessDeniedException",
            "Invalid API Key format: Must start with pre-defined prefix",
            true,
            "bearer token has no API key prefix",
        )
    }

    fn key_invalid(detail: impl Into<String>) -> Self {
        Self::new(
            "AccessDeniedException",
            "Authentication failed: Please make sure your API Key is valid.",
            true,
            detail,
        )
    }
}

/// The largest difference between a signature's date and the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// The signing names a SigV4 credential scope may carry.
pub const SIGNING_NAMES: [&str; 2] = ["bedrock", "bedrock-mantle"];

/// What [`authenticate`] needs to know about the request.
#[derive(Debug)]
pub struct AuthRequest<'a> {
    /// Method, URI and headers.
    pub parts: &'a http::request::Parts,
    /// The body, when it was collected (a streaming body is signed as
    /// `x-amz-content-sha256` says).
    pub body: Option<&'a Bytes>,
}

/// Authenticates a request under `mode`, for `region`, at `now`.
pub fn authenticate(
    mode: &AuthMode,
    region: &str,
    now: SystemTime,
    request: &AuthRequest<'_>,
) -> Result<Identity, AuthFailure> {
    let header = request.parts.headers.get(http::header::AUTHORIZATION);
    // The Anthropic clients send their key as `x-api-key`; on the Anthropic routes it counts as
    // a bearer token.
    let api_key_header = match header {
        None if request.parts.uri.path().starts_with("/anthropic/") => {
            header_str(&request.parts.headers, "x-api-key").map(|key| format!("Bearer {key}"))
        }
        _ => None,
    };
    let header = match (mode, header, api_key_header.as_deref()) {
        (_, None, Some(key)) => key,
        (AuthMode::Off, None, None) => return Ok(Identity::Anonymous),
        (_, None, None) => return Err(AuthFailure::missing()),
        (_, Some(value), _) => value
            .to_str()
            .map_err(|_| AuthFailure::malformed("Authorization header is not visible ASCII"))?,
    };
    if let Some(token) = strip_prefix_ci(header, "Bearer ") {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthFailure::key_format());
        }
        let identity = Identity::ApiKey {
            short_term: token.starts_with(SHORT_TERM_PREFIX),
            hint: hint(token),
        };
        return match mode {
            AuthMode::Off | AuthMode::Permissive => Ok(identity),
            AuthMode::Verify { credentials, api_keys } => {
                if api_keys
                    .iter()
                    .any(|k| constant_time_eq(k.as_bytes(), token.as_bytes()))
                {
                    Ok(identity)
                } else if let Some(encoded) = token.strip_prefix(SHORT_TERM_PREFIX) {
                    verify_short_term_key(encoded, credentials, region, now).map(|_| identity)
                } else if token.starts_with("ABSK") {
                    Err(AuthFailure::key_invalid("unknown long-term API key"))
                } else {
                    Err(AuthFailure::key_format())
                }
            }
        };
    }
    let parsed = parse_sigv4_header(header)?;
    let identity = Identity::SigV4 {
        access_key_id: parsed.scope.access_key_id.to_owned(),
    };
    let date = header_str(&request.parts.headers, "x-amz-date").ok_or_else(|| {
        AuthFailure::malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    })?;
    let time = parse_amz_date(date).ok_or_else(|| AuthFailure::malformed(format!("invalid X-Amz-Date: {date}")))?;
    match mode {
        AuthMode::Off | AuthMode::Permissive => Ok(identity),
        AuthMode::Verify { credentials, .. } => {
            check_scope(&parsed.scope, date, region)?;
            check_skew(date, time, now)?;
            let secret = credentials
                .get(parsed.scope.access_key_id)
                .ok_or_else(|| AuthFailure::unrecognized("unknown access key id"))?;
            let body_hash = request.body.map(|body| sha256_hex(body));
            let payload_hash = match header_str(&request.parts.headers, "x-amz-content-sha256") {
                Some(hash) => {
                    // A declared hash of a collected body must be the body's.
                    if let Some(actual) = &body_hash {
                        if hash.len() == 64 && !hash.eq_ignore_ascii_case(actual) {
                            return Err(AuthFailure::signature(
                                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                                "x-amz-content-sha256 does not match the body",
                            ));
                        }
                    }
                    hash.to_owned()
                }
                None => body_hash.unwrap_or_else(|| sha256_hex(b"")),
            };
            let canonical = canonical_request(
                request.parts.method.as_str(),
                request.parts.uri.path(),
                request.parts.uri.query().unwrap_or_default(),
                &parsed.signed_headers,
                |name| header_values(request.parts, name),
                &payload_hash,
            )?;
            let expected = signature(secret, time, &parsed.scope, date, &canonical);
            if constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
                Ok(identity)
            } else {
                Err(AuthFailure::signature(INVALID_SIGNATURE_MESSAGE, "signature mismatch"))
            }
        }
    }
}

const SHORT_TERM_PREFIX: &str = "bedrock-api-key-";

fn strip_prefix_ci<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &value[prefix.len()..])
}

fn hint(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header_str<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `AKID/20240102/us-east-1/bedrock/aws4_request`.
#[derive(Debug)]
struct Scope<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl Scope<'_> {
    fn string(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.date, self.region, self.service)
    }
}

fn parse_scope(credential: &str) -> Result<Scope<'_>, AuthFailure> {
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [akid, date, region, service, "aws4_request"] if !akid.is_empty() => Ok(Scope {
            access_key_id: akid,
            date,
            region,
            service,
        }),
        _ => Err(AuthFailure::malformed(
            "Credential should be scoped to a valid region, service and terminated by aws4_request.",
        )),
    }
}

#[derive(Debug)]
struct SigV4Header<'a> {
    scope: Scope<'a>,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_sigv4_header(header: &str) -> Result<SigV4Header<'_>, AuthFailure> {
    let rest = header
        .strip_prefix("AWS4-HMAC-SHA256")
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| AuthFailure::malformed("Authorization header is neither AWS4-HMAC-SHA256 nor Bearer"))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let missing = |what: &str| AuthFailure::malformed(format!("Authorization header requires '{what}' parameter."));
    let scope = parse_scope(credential.ok_or_else(|| missing("Credential"))?)?;
    let signed_headers: Vec<&str> = signed
        .ok_or_else(|| missing("SignedHeaders"))?
        .split(';')
        .filter(|h| !h.is_empty())
        .collect();
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    if signed_headers.is_empty() || signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuthFailure::malformed(
            "Authorization header has malformed SignedHeaders or Signature.",
        ));
    }
    Ok(SigV4Header {
        scope,
        signed_headers,
        signature,
    })
}

fn check_scope(scope: &Scope<'_>, amz_date: &str, region: &str) -> Result<(), AuthFailure> {
    if !SIGNING_NAMES.contains(&scope.service) {
        return Err(AuthFailure::signature(
            "Credential should be scoped to correct service: 'bedrock'. ",
            format!("signing name {}", scope.service),
        ));
    }
    if scope.region != region {
        return Err(AuthFailure::signature(
            "Credential should be scoped to a valid region. ",
            format!("credential scope region {} is not {region}", scope.region),
        ));
    }
    if !amz_date.starts_with(scope.date) || scope.date.len() != 8 {
        return Err(AuthFailure::signature(
            format!("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.", scope.date, amz_date.get(..8).unwrap_or(amz_date)),
            "credential scope date",
        ));
    }
    Ok(())
}

fn check_skew(amz_date: &str, time: SystemTime, now: SystemTime) -> Result<(), AuthFailure> {
    let now_text = format_date_time(now);
    if time > now + MAX_SKEW {
        let limit = format_date_time(now + MAX_SKEW);
        return Err(AuthFailure::signature(
            format!("Signature not yet current: {amz_date} is still later than {limit} ({now_text} + 5 min.)"),
            "signature date in the future",
        ));
    }
    if time.checked_add(MAX_SKEW).is_some_and(|t| t < now) {
        let limit = format_date_time(now.checked_sub(MAX_SKEW).unwrap_or(UNIX_EPOCH));
        return Err(AuthFailure::signature(
            format!("Signature expired: {amz_date} is now earlier than {limit} ({now_text} - 5 min.)"),
            "signature date in the past",
        ));
    }
    Ok(())
}

fn signature(secret: &str, time: SystemTime, scope: &Scope<'_>, amz_date: &str, canonical: &str) -> String {
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        scope.string(),
        sha256_hex(canonical.as_bytes())
    );
    let key = bedrock_auth::sigv4::generate_signing_key(secret, time, scope.region, scope.service);
    bedrock_auth::sigv4::calculate_signature(&key, string_to_sign.as_bytes())
}

fn header_values(parts: &http::request::Parts, name: &str) -> Option<String> {
    let values: Vec<&str> = parts
        .headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        // HTTP/2 carries the host as `:authority`, which hyper puts in the URI.
        if name == "host" {
            return parts.uri.authority().map(|a| a.as_str().to_owned());
        }
        return None;
    }
    Some(
        values
            .iter()
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn canonical_query(query: &str, skip: &[&str]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let k = percent_decode_str(k).decode_utf8_lossy().into_owned();
            let v = percent_decode_str(v).decode_utf8_lossy().into_owned();
            (k, v)
        })
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| {
            (
                utf8_percent_encode(&k, UNRESERVED).to_string(),
                utf8_percent_encode(&v, UNRESERVED).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    signed_headers: &[&str],
    value_of: impl Fn(&str) -> Option<String>,
    payload_hash: &str,
) -> Result<String, AuthFailure> {
    // Every service but S3 encodes the (already encoded) path a second time.
    let path = if path.is_empty() { "/" } else { path };
    let canonical_path: String = path
        .split('/')
        .map(|segment| utf8_percent_encode(segment, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("/");
    let mut headers = String::new();
    for name in signed_headers {
        let value = value_of(name).ok_or_else(|| {
            AuthFailure::signature(INVALID_SIGNATURE_MESSAGE, format!("signed header {name} is missing"))
        })?;
        headers.push_str(name);
        headers.push(':');
        headers.push_str(value.trim());
        headers.push('\n');
    }
    Ok(format!(
        "{method}\n{canonical_path}\n{}\n{headers}\n{}\n{payload_hash}",
        canonical_query(query, &["X-Amz-Signature"]),
        signed_headers.join(";")
    ))
}

/// Verifies a short-term key: base64 of
/// `bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-...&X-Amz-Signature=...&Version=1`.
fn verify_short_term_key(
    encoded: &str,
    credentials: &BTreeMap<String, String>,
    region: &str,
    now: SystemTime,
) -> Result<(), AuthFailure> {
    let invalid = |detail: &str| AuthFailure::key_invalid(format!("short-term key: {detail}"));
    let decoded = aws_smithy_types::base64::decode(encoded).map_err(|_| invalid("not base64"))?;
    let url = String::from_utf8(decoded).map_err(|_| invalid("not UTF-8"))?;
    let url = url.strip_prefix("https://").unwrap_or(&url);
    let (host_path, query) = url.split_once('?').ok_or_else(|| invalid("no query"))?;
    let (host, path) = match host_path.split_once('/') {
        Some((host, path)) => (host, format!("/{path}")),
        None => (host_path, "/".to_owned()),
    };
    let param = |name: &str| -> Option<String> {
        query.split('&').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k == name).then(|| percent_decode_str(v).decode_utf8_lossy().into_owned())
        })
    };
    if param("Action").as_deref() != Some("CallWithBearerToken") {
        return Err(invalid("not a CallWithBearerToken URL"));
    }
    if param("X-Amz-Algorithm").as_deref() != Some("AWS4-HMAC-SHA256") {
        return Err(invalid("algorithm"));
    }
    let credential = param("X-Amz-Credential").ok_or_else(|| invalid("no credential"))?;
    let scope = parse_scope(&credential).map_err(|_| invalid("malformed credential"))?;
    let date = param("X-Amz-Date").ok_or_else(|| invalid("no date"))?;
    let time = parse_amz_date(&date).ok_or_else(|| invalid("malformed date"))?;
    let expires: u64 = param("X-Amz-Expires")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| invalid("no expiry"))?;
    let signed = param("X-Amz-SignedHeaders").ok_or_else(|| invalid("no signed headers"))?;
    let given = param("X-Amz-Signature").ok_or_else(|| invalid("no signature"))?;
    if scope.service != "bedrock" || scope.region != region {
        return Err(invalid("scope is not bedrock in this region"));
    }
    let expiry = time.checked_add(Duration::from_secs(expires));
    if time > now + MAX_SKEW || expiry.is_none_or(|expiry| expiry < now) {
        return Err(invalid("expired or not yet valid"));
    }
    let secret = credentials
        .get(scope.access_key_id)
        .ok_or_else(|| invalid("unknown access key id"))?;
    let signed_headers: Vec<&str> = signed.split(';').collect();
    // `Version=1` is appended after presigning.
    let unsigned_query = canonical_query(query, &["X-Amz-Signature", "Version"]);
    for payload_hash in [sha256_hex(b""), "UNSIGNED-PAYLOAD".to_owned()] {
        let canonical = format!(
            "POST\n{path}\n{unsigned_query}\n{}\n{}\n{payload_hash}",
            signed_headers
                .iter()
                .map(|h| if *h == "host" {
                    format!("host:{host}\n")
                } else {
                    format!("{h}:\n")
                })
                .collect::<String>(),
            signed
        );
        let expected = signature(secret, time, &scope, &date, &canonical);
        if constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Ok(());
        }
    }
    Err(invalid("signature mismatch"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    u64::try_from(secs).ok().map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_round_trip() {
        let t = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!(format_date_time(t), "20240102T030405Z");
        assert_eq!(parse_amz_date("20240102T030405Z"), Some(t));
        assert_eq!(parse_amz_date("2024-01-02T03:04:05Z"), None);
        assert_eq!(parse_amz_date("20241302T030405Z"), None);
    }

    #[test]
    fn malformed_auth_is_refused_without_panicking() {
        let mode = AuthMode::verify("AKID", "SECRET").with_api_key("ABSKgood");
        let now = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        let b64 = |s: &str| aws_smithy_types::base64::encode(s.as_bytes());
        let short_term = [
            b64("garbage"),
            b64("bedrock.amazonaws.com/?Action=CallWithBearerToken"),
            b64("h/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240102%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=20240102T030405Z&X-Amz-Expires=18446744073709551615&X-Amz-SignedHeaders=host&X-Amz-Signature=00"),
            "!!!".into(),
        ];
        let mut headers: Vec<(String, Option<&str>)> = vec![
            ("AWS4-HMAC-SHA256".into(), None),
            ("AWS4-HMAC-SHA256 Credential=".into(), None),
            ("AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=zz".into(), None),
            (
                format!("AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature={}", "0".repeat(64)),
                Some("99991231T235959Z"),
            ),
            (
                format!("AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature={}", "0".repeat(64)),
                Some("20240102T030405Z"),
            ),
            ("Bearer ".into(), None),
            ("bearer x".into(), None),
            ("Basic abc".into(), None),
            ("é".into(), None),
        ];
        for token in &short_term {
            headers.push((format!("Bearer bedrock-api-key-{token}"), None));
        }
        for (value, date) in headers {
            let mut builder = http::Request::post("http://h/model/x/converse");
            if let Ok(v) = http::HeaderValue::from_bytes(value.as_bytes()) {
                builder = builder.header("authorization", v);
            }
            if let Some(date) = date {
                builder = builder.header("x-amz-date", date);
            }
            let (parts, ()) = builder.body(()).unwrap().into_parts();
            let result = authenticate(
                &mode,
                "us-east-1",
                now,
                &AuthRequest {
                    parts: &parts,
                    body: None,
                },
            );
            let failure = result.expect_err(&value);
            assert!(matches!(failure.error.status.as_u16(), 400 | 403), "{value}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let mode = AuthMode::verify("AKID", "SECRETVALUE").with_api_key("ABSKsecretkey");
        let text = format!("{mode:?}");
        assert!(text.contains("AKID"));
        assert!(
            !text.contains("SECRETVALUE") && !text.contains("ABSKsecretkey"),
            "{text}"
        );
    }
}
