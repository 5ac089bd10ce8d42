//! Secret-bearing values whose `Debug` and `Display` never show the secret.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many leading characters of an access key id may be shown in logs.
const ACCESS_KEY_PREFIX_LEN: usize = 4;

/// A string that is never printed. `Debug` and `Display` both write `** redacted **`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Self {
        Secret(value)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// The first few characters of an access key id followed by `…`, the most of it
/// this crate ever prints.
pub(crate) fn access_key_prefix(access_key_id: &str) -> String {
    let prefix: String = access_key_id.chars().take(ACCESS_KEY_PREFIX_LEN).collect();
    format!("{prefix}…")
}

/// AWS credentials: an access key id, its secret, an optional session token, an
/// optional expiry and the name of the provider that produced them.
///
/// `Debug` and `Display` show only a four-character prefix of the access key id,
/// the provider and the expiry; the secret key and the session token are never
/// printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    expiry: Option<SystemTime>,
    provider_name: &'static str,
}

impl Credentials {
    /// Creates credentials. `provider_name` says where they came from (for logs and
    /// errors), e.g. `"Environment"` or `"Profile"`.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expiry: Option<SystemTime>,
        provider_name: &'static str,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret_access_key.into()),
            session_token: session_token.map(Secret::new),
            expiry,
            provider_name,
        }
    }

    /// The access key id (not a secret, but logs only ever show a prefix).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Handle with care: never log it.
    pub fn secret_access_key(&self) -> &str {
        self.secret_access_key.expose()
    }

    /// The session token of temporary credentials. Handle with care: never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_ref().map(Secret::expose)
    }

    /// When these credentials stop working; `None` for long-term credentials.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// The name of the provider that produced these credentials.
    pub fn provider_name(&self) -> &'static str {
        self.provider_name
    }

    /// The same credentials with another expiry.
    pub fn with_expiry(mut self, expiry: Option<SystemTime>) -> Self {
        self.expiry = expiry;
        self
    }

    /// The same credentials attributed to another provider.
    pub fn with_provider_name(mut self, provider_name: &'static str) -> Self {
        self.provider_name = provider_name;
        self
    }

    /// Whether the credentials are expired at `now`, or will be within `buffer`.
    pub fn expires_within(&self, now: SystemTime, buffer: Duration) -> bool {
        match self.expiry {
            None => false,
            Some(expiry) => now.checked_add(buffer).is_none_or(|deadline| deadline >= expiry),
        }
    }

    /// Whether the credentials are expired at `now`.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_within(now, Duration::ZERO)
    }

    /// A redacted form of the access key id, e.g. `AKID…`.
    pub fn access_key_id_prefix(&self) -> String {
        access_key_prefix(&self.access_key_id)
    }
}

fn fmt_expiry(expiry: Option<SystemTime>) -> String {
    match expiry {
        None => "never".to_owned(),
        Some(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => aws_smithy_types::DateTime::from_secs(d.as_secs() as i64)
                .fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap_or_else(|_| format!("{}s after epoch", d.as_secs())),
            Err(_) => "before 1970".to_owned(),
        },
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("provider_name", &self.provider_name)
            .field("access_key_id", &self.access_key_id_prefix())
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .field("expiry", &fmt_expiry(self.expiry))
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "credentials {} from {} (expires {})",
            self.access_key_id_prefix(),
            self.provider_name,
            fmt_expiry(self.expiry)
        )
    }
}

/// A Bedrock API key, sent as `Authorization: Bearer <key>`.
///
/// `Debug` and `Display` never show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Secret);

impl ApiKey {
    /// Wraps an API key (long-term or a short-term `bedrock-api-key-…` token).
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(Secret::new(key.into()))
    }

    /// The key itself. Handle with care: never log it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose()
    }

    /// The `Authorization` header value `Bearer <key>`, marked sensitive so that
    /// `http`'s own `Debug` hides it.
    ///
    /// Fails if the key holds characters that cannot appear in a header.
    pub fn authorization_header(&self) -> Result<http::HeaderValue, InvalidApiKey> {
        let mut value =
            http::HeaderValue::from_str(&format!("Bearer {}", self.0.expose())).map_err(|_| InvalidApiKey)?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(** redacted **)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("API key (redacted)")
    }
}

/// An API key that holds characters not allowed in an HTTP header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApiKey;

impl fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the API key holds characters that are not allowed in an HTTP header")
    }
}

impl std::error::Error for InvalidApiKey {}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";

    #[test]
    fn credentials_debug_and_display_hide_secrets() {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            SECRET,
            Some(TOKEN.into()),
            Some(UNIX_EPOCH + Duration::from_secs(1_704_164_645)),
            "Test",
        );
        for text in [format!("{creds:?}"), format!("{creds:#?}"), creds.to_string()] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains(TOKEN), "{text}");
            assert!(!text.contains("AKIDEXAMPLE"), "{text}");
            assert!(text.contains("AKID…"), "{text}");
        }
        assert!(creds.to_string().contains("2024-01-02T03:04:05Z"));
        assert_eq!(creds.secret_access_key(), SECRET);
        assert_eq!(creds.session_token(), Some(TOKEN));
    }

    #[test]
    fn api_key_debug_and_display_hide_the_key() {
        let key = ApiKey::new("ABSKsecretkeyvalue123");
        for text in [format!("{key:?}"), key.to_string()] {
            assert!(!text.contains("secretkeyvalue"), "{text}");
        }
        let header = key.authorization_header().unwrap();
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("secretkeyvalue"));
        assert_eq!(header.to_str().unwrap(), "Bearer ABSKsecretkeyvalue123");
        assert!(ApiKey::new("bad\nkey").authorization_header().is_err());
    }

    #[test]
    fn expiry_checks() {
        let t = UNIX_EPOCH + Duration::from_secs(1000);
        let creds = Credentials::new("a", "b", None, Some(t), "Test");
        assert!(!creds.is_expired(t - Duration::from_secs(1)));
        assert!(creds.is_expired(t));
        assert!(creds.expires_within(t - Duration::from_secs(299), Duration::from_secs(300)));
        assert!(!creds.expires_within(t - Duration::from_secs(301), Duration::from_secs(300)));
        let forever = Credentials::new("a", "b", None, None, "Test");
        assert!(!forever.expires_within(t, Duration::from_secs(1_000_000)));
    }
}
