//! The SigV4 algorithm as pure functions: canonical request, string to sign,
//! signing key, signature; for signatures in headers, in the query string (a
//! presigned URL) and chained over event-stream messages.
//!
//! [`Signer`](crate::Signer), [`generate_short_term_api_key`](crate::generate_short_term_api_key)
//! and [`EventStreamSigner`](crate::EventStreamSigner) are built on it; the
//! public functions here are the building blocks a verifier needs too (the
//! emulator `bedrock-local` recomputes signatures with them).
//!
//! The canonical form follows the rules of the AWS SDKs for every service but
//! S3, and the output is byte for byte that of the `aws-sigv4` crate with its
//! default settings (the test suite checks this on thousands of generated
//! requests):
//!
//! - the path is normalized (`.` and `..` segments resolved, empty segments
//!   dropped, when the path has a `.` or a `//` at all), then percent-encoded
//!   once more, so an escape such as `%3A` becomes `%253A`;
//! - the query is decoded as a form (`+` is a space), each name and value
//!   re-encoded (everything but `A-Z a-z 0-9 - _ . ~`), and the pairs sorted;
//! - header names are lowercase, values have leading and trailing spaces cut
//!   and runs of spaces folded to one, repeated headers are joined with `,`;
//!   `authorization`, `user-agent`, `x-amzn-trace-id` and `transfer-encoding`
//!   are never signed, and a presigned URL does not sign `x-amz-user-agent`
//!   and `x-amz-checksum-mode` either;
//! - `host` is the request's own `host` header if it has one, else the URI's
//!   authority (without the port when it is the scheme's default).
//!
//! Nothing here logs.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::crypto::{hex, hmac_sha256, sha256};
use crate::secret::Credentials;
use crate::sign::SigningError;

/// The algorithm name of request signatures.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The algorithm name of event-stream message signatures.
pub const PAYLOAD_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";

/// Headers never signed: they may change between signing and sending.
const EXCLUDED_HEADERS: [&str; 4] = ["authorization", "user-agent", "x-amzn-trace-id", "transfer-encoding"];

/// Headers a presigned URL does not sign either.
const EXCLUDED_FROM_PRESIGNING: [&str; 2] = ["x-amz-user-agent", "x-amz-checksum-mode"];

/// Lowercase hex of the SHA-256 of `data` (the payload hash of a body, the hash
/// of a canonical request).
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256(data))
}

/// The UTC civil date and time of `time`, whole seconds; times before 1970
/// count back from the epoch.
fn civil(time: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs: i64 = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2),
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
            -whole - i64::from(d.subsec_nanos() > 0)
        }
    };
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    // Days since 1970-01-01 to a proleptic Gregorian date (eras of 400 years).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month as u32,
        day as u32,
        (of_day / 3600) as u32,
        (of_day / 60 % 60) as u32,
        (of_day % 60) as u32,
    )
}

/// `YYYYMMDD` of `time` in UTC: the date of a credential scope.
pub fn format_date(time: SystemTime) -> String {
    let (y, m, d, ..) = civil(time);
    format!("{y:04}{m:02}{d:02}")
}

/// `YYYYMMDDTHHMMSSZ` of `time` in UTC: the `x-amz-date` form.
pub fn format_date_time(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(time);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// `time` without its fraction of a second (rounded down, also before 1970).
pub fn truncate_subsecs(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => UNIX_EPOCH + Duration::from_secs(d.as_secs()),
        Err(e) => {
            let d = e.duration();
            let whole = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            UNIX_EPOCH.checked_sub(Duration::from_secs(whole)).unwrap_or(time)
        }
    }
}

/// The key that signs everything of one day, region and service:
/// HMAC-SHA-256 chained from `"AWS4" + secret` over the date (`YYYYMMDD` of
/// `time`), `region`, `service` and `"aws4_request"`. Treat it as a secret.
pub fn generate_signing_key(secret: &str, time: SystemTime, region: &str, service: &str) -> [u8; 32] {
    let mut seed = Vec::with_capacity(4 + secret.len());
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret.as_bytes());
    let key = hmac_sha256(&seed, format_date(time).as_bytes());
    let key = hmac_sha256(&key, region.as_bytes());
    let key = hmac_sha256(&key, service.as_bytes());
    hmac_sha256(&key, b"aws4_request")
}

/// The hex signature of `string_to_sign` under a key from [`generate_signing_key`].
pub fn calculate_signature(signing_key: &[u8], string_to_sign: &[u8]) -> String {
    hex(&hmac_sha256(signing_key, string_to_sign))
}

/// `YYYYMMDD/region/service/aws4_request`.
pub fn credential_scope(time: SystemTime, region: &str, service: &str) -> String {
    format!("{}/{region}/{service}/aws4_request", format_date(time))
}

/// The string to sign of a request: algorithm, time, scope, and the hex
/// SHA-256 of the canonical request, one per line.
pub fn string_to_sign(time: SystemTime, region: &str, service: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        format_date_time(time),
        credential_scope(time, region, service),
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Whether `byte` stays as it is in an encoded URI component.
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte of `value` but the unreserved ones (and `/` if
/// `keep_slash`), with uppercase hex digits.
fn encode(value: &str, keep_slash: bool, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in value.as_bytes() {
        if is_unreserved(byte) || (keep_slash && byte == b'/') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(DIGITS[usize::from(byte >> 4)] as char);
            out.push(DIGITS[usize::from(byte & 0x0f)] as char);
        }
    }
}

/// Percent-encodes a query name or value: every byte but `A-Z a-z 0-9 - _ . ~`.
pub fn encode_query_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode(value, false, &mut out);
    out
}

/// Resolves `.` and `..` segments and drops empty ones, keeping a trailing
/// slash; an empty path is `/`. Paths without a `.` or `//` are left alone.
fn normalize_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed("/");
    }
    let path: Cow<'_, str> = if path.starts_with('/') {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(format!("/{path}"))
    };
    if !(path.contains('.') || path.contains("//")) {
        return path;
    }
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut result = String::with_capacity(path.len() + 1);
    for segment in &kept {
        result.push('/');
        result.push_str(segment);
    }
    if result.is_empty() {
        result.push('/');
    }
    let trailing = ["/", "/.", "/./", "/..", "/../"].iter().any(|end| path.ends_with(end));
    if trailing && !result.ends_with('/') {
        result.push('/');
    }
    Cow::Owned(result)
}

/// The canonical URI: the normalized path, encoded once more (its `%` become `%25`).
pub fn canonical_path(path: &str) -> String {
    let normalized = normalize_path(path);
    let mut out = String::with_capacity(normalized.len() + 8);
    encode(&normalized, true, &mut out);
    out
}

/// The value of one hex digit.
fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes a form-encoded component: `+` is a space, `%XX` a byte (a `%`
/// without two hex digits stays), invalid UTF-8 becomes U+FFFD.
fn form_decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let pair = bytes.get(i + 1).copied().and_then(hex_value).and_then(|hi| {
                    let lo = bytes.get(i + 2).copied().and_then(hex_value)?;
                    Some(hi << 4 | lo)
                });
                match pair {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The canonical query string: the pairs of `query` (form-decoded), plus
/// `extra` (raw), each name and value encoded, sorted, joined with `&`.
pub fn canonical_query(query: Option<&str>, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in query.unwrap_or_default().split('&') {
        if piece.is_empty() {
            continue;
        }
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        pairs.push((
            encode_query_component(&form_decode(name)),
            encode_query_component(&form_decode(value)),
        ));
    }
    for (name, value) in extra {
        pairs.push((encode_query_component(name), encode_query_component(value)));
    }
    pairs.sort();
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Cuts leading and trailing spaces and folds runs of spaces into one (only
/// spaces: tabs stay).
fn normalize_header_value(value: &str) -> Cow<'_, str> {
    let value = value.trim_matches(' ');
    if !value.contains("  ") {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut previous_space = false;
    for c in value.chars() {
        if c == ' ' && previous_space {
            continue;
        }
        previous_space = c == ' ';
        out.push(c);
    }
    Cow::Owned(out)
}

/// Whether `value` may be a header value (no control characters but tab).
fn valid_header_value(value: &str) -> bool {
    value.bytes().all(|b| (b >= 0x20 && b != 0x7f) || b == b'\t')
}

/// Where the signature goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureLocation {
    /// In headers: `x-amz-date`, `authorization`, the session token in
    /// `x-amz-security-token`, and with `content_sha256_header` the payload
    /// hash in `x-amz-content-sha256`; all but `authorization` are signed.
    Headers {
        /// Whether to add (and sign) `x-amz-content-sha256`.
        content_sha256_header: bool,
    },
    /// In the query string (a presigned URL), valid for `expires_in` seconds.
    QueryParams {
        /// `X-Amz-Expires`, in seconds.
        expires_in: u64,
    },
}

/// What signing a request produced. Its `Debug` hides the signature and the
/// session token.
pub struct SignedRequest {
    /// Headers to set on the request: name, value, whether it is sensitive.
    /// Empty for a presigned URL.
    pub headers: Vec<(&'static str, String, bool)>,
    /// Query parameters to append (raw, not encoded), in the order the AWS SDK
    /// for Rust lists them. Empty for header signing.
    pub params: Vec<(&'static str, String)>,
    /// The hex signature.
    pub signature: String,
}

impl std::fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|h| h.0).collect();
        let params: Vec<&str> = self.params.iter().map(|p| p.0).collect();
        f.debug_struct("SignedRequest")
            .field("headers", &headers)
            .field("params", &params)
            .field("signature", &"** redacted **")
            .finish()
    }
}

/// The scope of one signature: region, signing name and time.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The region.
    pub region: &'a str,
    /// The signing name (service).
    pub service: &'a str,
    /// The signing time.
    pub time: SystemTime,
}

/// A canonical request, its signed header list and, for presigning, the
/// `X-Amz-*` query parameters it covers.
type Canonical = (String, String, Vec<(&'static str, String)>);

/// Builds the canonical request of `method`, `uri` and `headers` (pairs of
/// lowercase name and value, repeated names allowed) with `payload_hash`, and
/// returns it with the signed header list. `security_token` and `date_time`
/// are added as headers for header signing, as query parameters for
/// presigning (with the other `X-Amz-*` parameters).
fn canonical_request<'h>(
    method: &str,
    uri: &http::Uri,
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    payload_hash: &str,
    credentials: &Credentials,
    scope: &Scope<'_>,
    location: SignatureLocation,
) -> Result<Canonical, SigningError> {
    let date_time = format_date_time(scope.time);
    let mut canonical: BTreeMap<Cow<'h, str>, Vec<Cow<'h, str>>> = BTreeMap::new();
    for (name, value) in headers {
        if !valid_header_value(value) {
            return Err(SigningError::InvalidHeader { name: name.to_owned() });
        }
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        canonical.entry(name).or_default().push(normalize_header_value(value));
    }
    if !canonical.contains_key("host") {
        let authority = uri
            .authority()
            .ok_or_else(|| SigningError::Sigv4("the request URI has no host".to_owned()))?;
        // The port is left out when it is the scheme's default, written as such.
        let port = authority.port();
        let default_port = matches!(
            (uri.scheme_str(), port.as_ref().map(|p| p.as_str())),
            (Some("http"), Some("80")) | (Some("https"), Some("443"))
        );
        let host = if default_port {
            authority.host()
        } else {
            authority.as_str()
        };
        canonical.insert(Cow::Borrowed("host"), vec![Cow::Owned(host.to_owned())]);
    }
    let token = credentials.session_token();
    if let SignatureLocation::Headers { content_sha256_header } = location {
        canonical.insert(Cow::Borrowed("x-amz-date"), vec![Cow::Owned(date_time.clone())]);
        if let Some(token) = token {
            if !valid_header_value(token) {
                return Err(SigningError::InvalidHeader {
                    name: "x-amz-security-token".to_owned(),
                });
            }
            canonical.insert(
                Cow::Borrowed("x-amz-security-token"),
                vec![Cow::Owned(token.to_owned())],
            );
        }
        if content_sha256_header {
            canonical.insert(
                Cow::Borrowed("x-amz-content-sha256"),
                vec![Cow::Owned(payload_hash.to_owned())],
            );
        }
    }
    let presigning = matches!(location, SignatureLocation::QueryParams { .. });
    let mut signed_headers = String::new();
    let mut header_lines = String::new();
    for (name, values) in &canonical {
        let name: &str = name;
        if EXCLUDED_HEADERS.contains(&name) || (presigning && EXCLUDED_FROM_PRESIGNING.contains(&name)) {
            continue;
        }
        if !signed_headers.is_empty() {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
        header_lines.push_str(name);
        header_lines.push(':');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                header_lines.push(',');
            }
            header_lines.push_str(value);
        }
        header_lines.push('\n');
    }

    let mut params: Vec<(&'static str, String)> = Vec::new();
    let query = match location {
        SignatureLocation::Headers { .. } => canonical_query(uri.query(), &[]),
        SignatureLocation::QueryParams { expires_in } => {
            let credential = format!(
                "{}/{}",
                credentials.access_key_id(),
                credential_scope(scope.time, scope.region, scope.service)
            );
            params.push(("X-Amz-Algorithm", ALGORITHM.to_owned()));
            params.push(("X-Amz-Credential", credential));
            params.push(("X-Amz-Date", date_time.clone()));
            params.push(("X-Amz-Expires", expires_in.to_string()));
            params.push(("X-Amz-SignedHeaders", signed_headers.clone()));
            if let Some(token) = token {
                params.push(("X-Amz-Security-Token", token.to_owned()));
            }
            let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            canonical_query(uri.query(), &extra)
        }
    };

    let request = format!(
        "{method}\n{}\n{query}\n{header_lines}\n{signed_headers}\n{payload_hash}",
        canonical_path(uri.path())
    );
    Ok((request, signed_headers, params))
}

/// Signs a request: `headers` are its headers as (name, value) pairs,
/// `payload_hash` the hex SHA-256 of its body (or a fixed marker such as
/// [`STREAMING_EVENTS_PAYLOAD`](crate::event_stream_sign::STREAMING_EVENTS_PAYLOAD)).
///
/// For header signing the result lists `x-amz-date`, `authorization`, then
/// `x-amz-content-sha256` if asked for and `x-amz-security-token` for
/// temporary credentials (sensitive); for a presigned URL, the `X-Amz-*`
/// query parameters with `X-Amz-Signature` before the session token.
pub fn sign_request<'h>(
    method: &str,
    uri: &http::Uri,
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    payload_hash: &str,
    credentials: &Credentials,
    scope: &Scope<'_>,
    location: SignatureLocation,
) -> Result<SignedRequest, SigningError> {
    let key = generate_signing_key(credentials.secret_access_key(), scope.time, scope.region, scope.service);
    sign_request_with_key(method, uri, headers, payload_hash, credentials, scope, location, &key)
}

/// [`sign_request`] with the signing key already derived (by
/// [`generate_signing_key`] for the same secret, day, region and service), so
/// that a caller signing many requests derives it once a day rather than once
/// per request.
#[allow(clippy::too_many_arguments)]
pub fn sign_request_with_key<'h>(
    method: &str,
    uri: &http::Uri,
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
    payload_hash: &str,
    credentials: &Credentials,
    scope: &Scope<'_>,
    location: SignatureLocation,
    signing_key: &[u8; 32],
) -> Result<SignedRequest, SigningError> {
    let (canonical, signed_headers, mut params) =
        canonical_request(method, uri, headers, payload_hash, credentials, scope, location)?;
    let string_to_sign = string_to_sign(scope.time, scope.region, scope.service, &canonical);
    let signature = calculate_signature(signing_key, string_to_sign.as_bytes());
    let mut headers = Vec::new();
    match location {
        SignatureLocation::Headers { content_sha256_header } => {
            headers.push(("x-amz-date", format_date_time(scope.time), false));
            let authorization = format!(
                "{ALGORITHM} Credential={}/{}, SignedHeaders={signed_headers}, Signature={signature}",
                credentials.access_key_id(),
                credential_scope(scope.time, scope.region, scope.service),
            );
            headers.push(("authorization", authorization, true));
            if content_sha256_header {
                headers.push(("x-amz-content-sha256", payload_hash.to_owned(), false));
            }
            if let Some(token) = credentials.session_token() {
                headers.push(("x-amz-security-token", token.to_owned(), true));
            }
        }
        SignatureLocation::QueryParams { .. } => {
            // The token goes after the signature, as the AWS SDK for Rust orders them.
            let token = params
                .iter()
                .position(|(name, _)| *name == "X-Amz-Security-Token")
                .map(|i| params.remove(i));
            params.push(("X-Amz-Signature", signature.clone()));
            params.extend(token);
        }
    }
    Ok(SignedRequest {
        headers,
        params,
        signature,
    })
}

/// The string to sign of one event-stream message: the payload algorithm, the
/// time, the scope, the previous signature, the hex SHA-256 of the encoded
/// `:date` header and that of the encoded message (`payload`, empty for the
/// end of the stream).
pub fn event_string_to_sign(
    time: SystemTime,
    region: &str,
    service: &str,
    previous_signature: &str,
    encoded_date_header: &[u8],
    payload: &[u8],
) -> String {
    format!(
        "{PAYLOAD_ALGORITHM}\n{}\n{}\n{previous_signature}\n{}\n{}",
        format_date_time(time),
        credential_scope(time, region, service),
        sha256_hex(encoded_date_header),
        sha256_hex(payload)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_in_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!(format_date(t), "20240102");
        assert_eq!(format_date_time(t), "20240102T030405Z");
        assert_eq!(format_date_time(UNIX_EPOCH), "19700101T000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(format_date(leap), "20000229");
        let before = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(format_date_time(before), "19691231T235958Z");
        assert_eq!(truncate_subsecs(before), UNIX_EPOCH - Duration::from_secs(2));
        assert_eq!(truncate_subsecs(t + Duration::from_millis(999)), t);
    }

    #[test]
    fn paths_normalize_and_encode_twice() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/model/a.b%3A0/converse"), "/model/a.b%253A0/converse");
        assert_eq!(canonical_path("/a//b/./c/../d/"), "/a/b/d/");
        assert_eq!(canonical_path("/a/.."), "/");
        assert_eq!(canonical_path("/../x"), "/x");
        assert_eq!(canonical_path("/a b~"), "/a%20b~");
    }

    #[test]
    fn queries_decode_reencode_and_sort() {
        assert_eq!(canonical_query(Some("b=2&a=1&a=0&&c"), &[]), "a=0&a=1&b=2&c=");
        assert_eq!(canonical_query(Some("x=a+b%2Fc%zz"), &[]), "x=a%20b%2Fc%25zz");
        assert_eq!(canonical_query(None, &[("K", "v/w")]), "K=v%2Fw");
    }

    #[test]
    fn header_values_fold_spaces_only() {
        assert_eq!(normalize_header_value("  a   b \t c  "), "a b \t c");
        assert_eq!(normalize_header_value("plain"), "plain");
    }
}
