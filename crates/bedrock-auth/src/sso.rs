//! IAM Identity Center (SSO) credentials.
//!
//! The token comes from the cache the AWS CLI writes at `aws sso login`:
//! `~/.aws/sso/cache/<sha1 hex of the sso_session name>.json` (or of the start
//! URL for legacy profiles without `sso_session`). A token that expires within
//! five minutes is refreshed through SSO-OIDC `CreateToken`
//! (`grant_type = refresh_token`) when the cache holds a refresh token and a
//! still-valid client registration (only `sso_session` profiles; legacy
//! tokens cannot be refreshed), and the cache file is written back. If the
//! refresh fails while the old token is still valid, the old token is used.
//! The token is then exchanged for role credentials with `GetRoleCredentials`
//! (`GET /federation/credentials`, header `x-amz-sso_bearer_token`), whose
//! expiry is in epoch milliseconds.
//!
//! Endpoints: `https://oidc.{sso_region}.amazonaws.com` and
//! `https://portal.sso.{sso_region}.amazonaws.com`, overridable with
//! `AWS_ENDPOINT_URL_SSO_OIDC` / `AWS_ENDPOINT_URL_SSO` (or `services` entries).

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;

use crate::error::CredentialsError;
use crate::net::{self, ProviderConfig};
use crate::profile::{ProfileSet, Section};
use crate::provider::{BoxFuture, ProvideCredentials};
use crate::secret::{Credentials, Secret};

/// Default deadline of one SSO or SSO-OIDC call.
pub const DEFAULT_SSO_TIMEOUT: Duration = Duration::from_secs(10);
/// A token expiring within this is refreshed first.
pub const TOKEN_REFRESH_BUFFER: Duration = Duration::from_secs(5 * 60);

/// The IAM Identity Center settings of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoParams {
    /// The profile.
    pub profile: String,
    /// `sso_session`, if the profile uses an `[sso-session]` section.
    pub session_name: Option<String>,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`.
    pub role_name: String,
}

impl SsoParams {
    /// What names the token in the cache and in "run `aws sso login`" hints.
    fn cache_key(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }
}

/// Reads the SSO settings of `profile`: `Ok(None)` when it has none.
pub(crate) fn sso_params(set: &ProfileSet, profile: &Section) -> Result<Option<SsoParams>, CredentialsError> {
    let name = profile.name();
    let invalid = |reason: String| CredentialsError::InvalidProfile {
        profile: name.to_owned(),
        reason,
    };
    let required = |key: &str| {
        profile
            .get(key)
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("uses IAM Identity Center but `{key}` is not set")))
    };
    if let Some(session_name) = profile.get("sso_session") {
        let session = set.sso_session(session_name).ok_or_else(|| {
            invalid(format!(
                "sso_session `{session_name}` has no [sso-session {session_name}] section"
            ))
        })?;
        let from_session = |key: &str| -> Result<String, CredentialsError> {
            let value = session
                .get(key)
                .ok_or_else(|| invalid(format!("[sso-session {session_name}] does not set `{key}`")))?;
            // Legacy keys next to sso_session must agree with it.
            if let Some(own) = profile.get(key) {
                if own != value {
                    return Err(invalid(format!(
                        "`{key}` differs between the profile and [sso-session {session_name}]"
                    )));
                }
            }
            Ok(value.to_owned())
        };
        return Ok(Some(SsoParams {
            profile: name.to_owned(),
            session_name: Some(session_name.to_owned()),
            start_url: from_session("sso_start_url")?,
            region: from_session("sso_region")?,
            account_id: required("sso_account_id")?,
            role_name: required("sso_role_name")?,
        }));
    }
    if profile.get("sso_start_url").is_none() {
        return Ok(None);
    }
    Ok(Some(SsoParams {
        profile: name.to_owned(),
        session_name: None,
        start_url: required("sso_start_url")?,
        region: required("sso_region")?,
        account_id: required("sso_account_id")?,
        role_name: required("sso_role_name")?,
    }))
}

/// The cache file of a session name or start URL.
pub fn token_cache_path(home: &std::path::Path, key: &str) -> PathBuf {
    let hex = crate::crypto::hex(&crate::crypto::sha1(key.as_bytes()));
    home.join(".aws").join("sso").join("cache").join(format!("{hex}.json"))
}

/// Credentials for one account and role through IAM Identity Center.
#[derive(Debug, Clone)]
pub struct SsoProvider {
    cfg: ProviderConfig,
    params: SsoParams,
    timeout: Duration,
}

impl SsoProvider {
    /// Name used in [`Credentials::provider_name`] and errors.
    pub const NAME: &'static str = "Sso";

    /// A provider for `params`, reading the token cache under `cfg`'s home directory.
    pub fn new(cfg: &ProviderConfig, params: SsoParams) -> Self {
        SsoProvider {
            cfg: cfg.clone(),
            params,
            timeout: DEFAULT_SSO_TIMEOUT,
        }
    }

    /// Sets the deadline of each call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn login_required(&self, reason: impl Into<String>) -> CredentialsError {
        CredentialsError::SsoLoginRequired {
            session: self.params.cache_key().to_owned(),
            reason: reason.into(),
        }
    }

    fn error(message: impl Into<String>) -> CredentialsError {
        CredentialsError::Provider {
            provider: Self::NAME,
            message: message.into(),
        }
    }

    /// A usable access token: cached, or refreshed and written back.
    async fn token(&self) -> Result<Secret, CredentialsError> {
        let ctx = &self.cfg.ctx;
        let home = ctx
            .home_dir()
            .ok_or_else(|| Self::error("no home directory to find the SSO token cache in"))?;
        let path = token_cache_path(&home, self.params.cache_key());
        let text = match ctx.fs.read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(self.login_required(format!("no cached SSO token at {}", path.display())))
            }
            Err(e) => return Err(Self::error(format!("cannot read {}: {e}", path.display()))),
        };
        let bad_cache = |what: &str| Self::error(format!("SSO token cache {}: {what}", path.display()));
        let mut doc = match bedrock_wire::json::value_from_slice(text.as_bytes()) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err(bad_cache("not a JSON object")),
        };
        let field = |doc: &serde_json::Map<String, serde_json::Value>, key: &str| {
            doc.get(key).and_then(|v| v.as_str()).map(str::to_owned)
        };
        let access_token = field(&doc, "accessToken").ok_or_else(|| bad_cache("no `accessToken`"))?;
        let expires_at = field(&doc, "expiresAt")
            .and_then(|t| net::parse_iso8601(&t))
            .ok_or_else(|| bad_cache("no valid `expiresAt`"))?;
        let now = self.cfg.now();
        if now + TOKEN_REFRESH_BUFFER < expires_at {
            return Ok(Secret::new(access_token));
        }
        let registration_valid = field(&doc, "registrationExpiresAt")
            .and_then(|t| net::parse_iso8601(&t))
            .is_none_or(|t| now < t);
        let refresh = match (
            &self.params.session_name,
            field(&doc, "refreshToken"),
            field(&doc, "clientId"),
            field(&doc, "clientSecret"),
        ) {
            (Some(_), Some(refresh), Some(id), Some(secret)) if registration_valid => {
                Some((Secret::new(refresh), id, Secret::new(secret)))
            }
            _ => None,
        };
        let expired = now >= expires_at;
        let Some((refresh_token, client_id, client_secret)) = refresh else {
            if expired {
                return Err(self.login_required(format!(
                    "the cached SSO token expired at {} and cannot be refreshed",
                    net::format_iso8601(expires_at)
                )));
            }
            return Ok(Secret::new(access_token));
        };
        match self.create_token(&refresh_token, &client_id, &client_secret).await {
            Ok((new_token, expires_in, new_refresh)) => {
                let new_expiry = now.checked_add(Duration::from_secs(expires_in)).ok_or_else(|| {
                    CredentialsError::InvalidResponse {
                        provider: Self::NAME,
                        reason: "CreateToken: `expiresIn` is out of range".into(),
                    }
                })?;
                doc.insert("accessToken".into(), new_token.expose().into());
                doc.insert("expiresAt".into(), net::format_iso8601(new_expiry).into());
                if let Some(r) = new_refresh {
                    doc.insert("refreshToken".into(), r.expose().into());
                }
                let text = serde_json::Value::Object(doc).to_string();
                if let Err(e) = ctx.fs.write(&path, &text) {
                    tracing::warn!(file = %path.display(), error = %e, "could not write the refreshed SSO token back");
                }
                Ok(new_token)
            }
            Err(e) if !expired => {
                tracing::warn!(error = %e, "SSO token refresh failed; using the cached token until it expires");
                Ok(Secret::new(access_token))
            }
            Err(e) => Err(e),
        }
    }

    /// SSO-OIDC `CreateToken` with a refresh token: (token, expiresIn, new refresh token).
    async fn create_token(
        &self,
        refresh_token: &Secret,
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<(Secret, u64, Option<Secret>), CredentialsError> {
        let base = self.cfg.endpoint_override("SSO_OIDC", "sso_oidc").unwrap_or_else(|| {
            format!(
                "https://oidc.{0}.{1}",
                self.params.region,
                net::dns_suffix(&self.params.region)
            )
        });
        let body = serde_json::json!({
            "clientId": client_id,
            "clientSecret": client_secret.expose(),
            "grantType": "refresh_token",
            "refreshToken": refresh_token.expose(),
        });
        let request = http::Request::post(format!("{base}/token"))
            .header("content-type", "application/json")
            .body(Bytes::from(body.to_string()))
            .map_err(|_| Self::error(format!("invalid SSO-OIDC endpoint `{base}`")))?;
        let response = net::send(&*self.cfg.http, request, self.timeout)
            .await
            .map_err(|e| e.into_credentials_error(Self::NAME))?;
        if !response.status.is_success() {
            let (code, message) = response.json_error();
            if matches!(
                code.as_deref(),
                Some("invalid_grant" | "InvalidGrantException" | "ExpiredTokenException")
            ) {
                return Err(self.login_required(format!(
                    "the SSO token refresh was rejected ({})",
                    code.unwrap_or_default()
                )));
            }
            return Err(CredentialsError::Service {
                provider: Self::NAME,
                status: response.status.as_u16(),
                code,
                message,
            });
        }
        let invalid = |reason: &str| CredentialsError::InvalidResponse {
            provider: Self::NAME,
            reason: format!("CreateToken: {reason}"),
        };
        let doc = bedrock_wire::json::value_from_slice(&response.body).map_err(|_| invalid("not JSON"))?;
        let token = doc
            .get("accessToken")
            .and_then(|v| v.as_str())
            .ok_or_else(|| invalid("no `accessToken`"))?;
        let expires_in = doc
            .get("expiresIn")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| invalid("no numeric `expiresIn`"))?;
        let refresh = doc
            .get("refreshToken")
            .and_then(|v| v.as_str())
            .map(|s| Secret::new(s.to_owned()));
        Ok((Secret::new(token.to_owned()), expires_in, refresh))
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let token = self.token().await?;
        let base = self.cfg.endpoint_override("SSO", "sso").unwrap_or_else(|| {
            format!(
                "https://portal.sso.{0}.{1}",
                self.params.region,
                net::dns_suffix(&self.params.region)
            )
        });
        let url = format!(
            "{base}/federation/credentials?account_id={}&role_name={}",
            net::percent_encode(&self.params.account_id),
            net::percent_encode(&self.params.role_name)
        );
        let mut bearer = http::HeaderValue::from_str(token.expose())
            .map_err(|_| Self::error("the cached SSO token is not a valid header value"))?;
        bearer.set_sensitive(true);
        let request = http::Request::get(url)
            .header("x-amz-sso_bearer_token", bearer)
            .body(Bytes::new())
            .map_err(|_| Self::error(format!("invalid SSO portal endpoint `{base}`")))?;
        let response = net::send(&*self.cfg.http, request, self.timeout)
            .await
            .map_err(|e| e.into_credentials_error(Self::NAME))?;
        if !response.status.is_success() {
            let (code, message) = response.json_error();
            return Err(CredentialsError::Service {
                provider: Self::NAME,
                status: response.status.as_u16(),
                code,
                message,
            });
        }
        let creds = parse_role_credentials(&response.body)?;
        if creds.is_expired(self.cfg.now()) {
            return Err(CredentialsError::Expired { provider: Self::NAME });
        }
        Ok(creds)
    }
}

impl ProvideCredentials for SsoProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

/// `{"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration (epoch ms)}}`.
fn parse_role_credentials(body: &[u8]) -> Result<Credentials, CredentialsError> {
    let invalid = |reason: &str| CredentialsError::InvalidResponse {
        provider: SsoProvider::NAME,
        reason: format!("GetRoleCredentials: {reason}"),
    };
    let doc = bedrock_wire::json::value_from_slice(body).map_err(|_| invalid("not JSON"))?;
    let creds = doc
        .get("roleCredentials")
        .and_then(|v| v.as_object())
        .ok_or_else(|| invalid("no `roleCredentials` object"))?;
    let string = |key: &str| {
        creds
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| invalid(&format!("no string `{key}`")))
    };
    let millis = creds
        .get("expiration")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| invalid("no numeric `expiration`"))?;
    Ok(Credentials::new(
        string("accessKeyId")?,
        string("secretAccessKey")?,
        Some(string("sessionToken")?),
        Some(UNIX_EPOCH + Duration::from_millis(millis)),
        SsoProvider::NAME,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{MapEnv, MapFs, OsContext};

    #[test]
    fn cache_file_names() {
        // sha1("my-sso") and sha1("https://d-abc123.awsapps.com/start"), computed with `sha1sum`.
        let home = std::path::Path::new("/h");
        assert_eq!(
            token_cache_path(home, "my-sso"),
            PathBuf::from("/h/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
        assert_eq!(
            token_cache_path(home, "https://d-abc123.awsapps.com/start"),
            PathBuf::from("/h/.aws/sso/cache/40a89917e3175433e361b710a9d43528d7f1890a.json")
        );
    }

    fn params(config: &str, profile: &str) -> Result<Option<SsoParams>, CredentialsError> {
        let ctx = OsContext::new(
            MapEnv::from_pairs([("HOME", "/h")]),
            MapFs::from_files([("/h/.aws/config", config)]),
        );
        let set = ProfileSet::load(&ctx, Some(profile)).unwrap();
        sso_params(&set, set.selected_profile().unwrap())
    }

    #[test]
    fn profile_settings() {
        let config = "[profile new]\nsso_session = s\nsso_account_id = 111\nsso_role_name = R\n\
            [sso-session s]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
            [profile legacy]\nsso_start_url = https://y/start\nsso_region = us-east-1\nsso_account_id = 222\nsso_role_name = L\n\
            [profile partial]\nsso_start_url = https://y/start\n\
            [profile nosession]\nsso_session = missing\n\
            [profile clash]\nsso_session = s\nsso_region = us-west-2\nsso_account_id = 1\nsso_role_name = R\n\
            [profile plain]\nregion = x\n";
        let p = params(config, "new").unwrap().unwrap();
        assert_eq!(p.session_name.as_deref(), Some("s"));
        assert_eq!(
            (p.start_url.as_str(), p.region.as_str()),
            ("https://x/start", "eu-west-1")
        );
        assert_eq!((p.account_id.as_str(), p.role_name.as_str()), ("111", "R"));
        let l = params(config, "legacy").unwrap().unwrap();
        assert_eq!((l.session_name.as_deref(), l.cache_key()), (None, "https://y/start"));
        for bad in ["partial", "nosession", "clash"] {
            let err = params(config, bad).unwrap_err();
            assert!(matches!(err, CredentialsError::InvalidProfile { .. }), "{bad}: {err}");
        }
        assert!(params(config, "plain").unwrap().is_none());
    }

    #[test]
    fn role_credentials_json() {
        let ok = br#"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":1704164645000}}"#;
        let creds = parse_role_credentials(ok).unwrap();
        assert_eq!(creds.expiry(), Some(UNIX_EPOCH + Duration::from_secs(1_704_164_645)));
        for bad in [&b"nope"[..], b"{}", br#"{"roleCredentials":{"accessKeyId":"a"}}"#] {
            assert!(matches!(
                parse_role_credentials(bad).unwrap_err(),
                CredentialsError::InvalidResponse { .. }
            ));
        }
    }
}
