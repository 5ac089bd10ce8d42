//! EC2 instance metadata (IMDSv2): instance-profile credentials and the region.
//!
//! Every call first gets a session token (`PUT /latest/api/token` with a TTL
//! header), reused until shortly before it expires. Only IMDSv2 is spoken: the
//! SDKs' fallback to IMDSv1 is not implemented. Each request has a 1 s deadline
//! (the SDKs' connect and read timeouts are 1 s each), so a machine that is not
//! on EC2 costs about a second, never a hang.
//!
//! Configuration: `AWS_EC2_METADATA_DISABLED=true` turns IMDS off;
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` (profile `ec2_metadata_service_endpoint`)
//! sets the endpoint, else `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` (profile
//! `ec2_metadata_service_endpoint_mode`) picks `IPv4` (`http://169.254.169.254`,
//! the default) or `IPv6` (`http://[fd00:ec2::254]`).

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::container::parse_json_credentials;
use crate::error::CredentialsError;
use crate::net::{self, ProviderConfig, SendError};
use crate::provider::{BoxFuture, ProvideCredentials};
use crate::region::{resolve_region, RegionSource, ResolvedRegion};
use crate::secret::{Credentials, Secret};

/// Default deadline of one IMDS request.
pub const DEFAULT_IMDS_TIMEOUT: Duration = Duration::from_secs(1);
/// Lifetime requested for session tokens (6 hours, as in the SDKs).
pub const TOKEN_TTL: Duration = Duration::from_secs(21_600);

const IPV4_ENDPOINT: &str = "http://169.254.169.254";
const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";

/// Why an IMDS request failed.
#[derive(Debug)]
enum ImdsError {
    /// IMDS could not be reached at all (not on EC2, or blocked).
    Unreachable(String),
    /// A full answer with a non-success status.
    Status(u16),
    /// Any other failure, already typed.
    Other(CredentialsError),
}

/// A small IMDSv2 client.
#[derive(Debug)]
pub struct ImdsClient {
    cfg: ProviderConfig,
    /// Resolved on first use, so building a chain reads no files.
    endpoint: OnceLock<Result<String, String>>,
    timeout: Duration,
    token: Mutex<Option<(Secret, SystemTime)>>,
}

impl ImdsClient {
    /// Name used in errors.
    pub const NAME: &'static str = "Imds";

    /// A client for the endpoint `cfg`'s environment and profile choose.
    pub fn new(cfg: &ProviderConfig) -> Self {
        ImdsClient {
            endpoint: OnceLock::new(),
            cfg: cfg.clone(),
            timeout: DEFAULT_IMDS_TIMEOUT,
            token: Mutex::new(None),
        }
    }

    /// Sets the deadline of each request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether `AWS_EC2_METADATA_DISABLED` is `true`.
    pub fn is_disabled(&self) -> bool {
        self.cfg
            .ctx
            .env
            .get("AWS_EC2_METADATA_DISABLED")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    fn base(&self) -> Result<&str, CredentialsError> {
        let endpoint = self.endpoint.get_or_init(|| endpoint(&self.cfg));
        endpoint.as_deref().map_err(|reason| CredentialsError::Provider {
            provider: Self::NAME,
            message: reason.clone(),
        })
    }

    async fn send(&self, request: http::Request<Bytes>) -> Result<net::Response, ImdsError> {
        match net::send(&*self.cfg.http, request, self.timeout).await {
            Ok(r) => Ok(r),
            Err(SendError::Timeout(after)) => Err(ImdsError::Unreachable(format!("no answer within {after:?}"))),
            Err(SendError::Connect(message)) => Err(ImdsError::Unreachable(message)),
            Err(e) => Err(ImdsError::Other(e.into_credentials_error(Self::NAME))),
        }
    }

    async fn token(&self) -> Result<Secret, ImdsError> {
        let now = self.cfg.now();
        if let Some((token, expiry)) = &*self.token.lock().unwrap_or_else(|e| e.into_inner()) {
            if now < *expiry {
                return Ok(token.clone());
            }
        }
        let base = self.base().map_err(ImdsError::Other)?;
        let request = http::Request::put(format!("{base}/latest/api/token"))
            .header("x-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL.as_secs().to_string())
            .body(Bytes::new())
            .map_err(|_| ImdsError::Other(invalid_endpoint(base)))?;
        let response = self.send(request).await?;
        if !response.status.is_success() {
            return Err(ImdsError::Status(response.status.as_u16()));
        }
        let token = response.text().trim().to_owned();
        if token.is_empty() {
            return Err(ImdsError::Other(CredentialsError::InvalidResponse {
                provider: Self::NAME,
                reason: "empty session token".into(),
            }));
        }
        let token = Secret::new(token);
        // Renew a little early so a token never expires in flight.
        let expiry = now + TOKEN_TTL - Duration::from_secs(120);
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.clone(), expiry));
        Ok(token)
    }

    /// GETs `path` and returns the body as text. A rejected token (401) is
    /// dropped and the request made once more with a new one.
    async fn get(&self, path: &str) -> Result<String, ImdsError> {
        for attempt in 0..2 {
            let token = self.token().await?;
            let base = self.base().map_err(ImdsError::Other)?;
            let mut value = http::HeaderValue::from_str(token.expose()).map_err(|_| {
                ImdsError::Other(CredentialsError::InvalidResponse {
                    provider: Self::NAME,
                    reason: "session token is not a valid header value".into(),
                })
            })?;
            value.set_sensitive(true);
            let request = http::Request::get(format!("{base}{path}"))
                .header("x-aws-ec2-metadata-token", value)
                .body(Bytes::new())
                .map_err(|_| ImdsError::Other(invalid_endpoint(base)))?;
            // The token worked, so IMDS is there: a timeout now is a real failure.
            let response = net::send(&*self.cfg.http, request, self.timeout)
                .await
                .map_err(|e| ImdsError::Other(e.into_credentials_error(Self::NAME)))?;
            if response.status == http::StatusCode::UNAUTHORIZED && attempt == 0 {
                *self.token.lock().unwrap_or_else(|e| e.into_inner()) = None;
                continue;
            }
            if !response.status.is_success() {
                return Err(ImdsError::Status(response.status.as_u16()));
            }
            return String::from_utf8(response.body.to_vec()).map_err(|_| {
                ImdsError::Other(CredentialsError::InvalidResponse {
                    provider: Self::NAME,
                    reason: "body is not UTF-8".into(),
                })
            });
        }
        Err(ImdsError::Status(401))
    }

    /// The instance's region (`/latest/meta-data/placement/region`).
    pub async fn region(&self) -> Result<String, CredentialsError> {
        if self.is_disabled() {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                "AWS_EC2_METADATA_DISABLED is true",
            ));
        }
        match self.get("/latest/meta-data/placement/region").await {
            Ok(region) if !region.trim().is_empty() => Ok(region.trim().to_owned()),
            Ok(_) => Err(CredentialsError::InvalidResponse {
                provider: Self::NAME,
                reason: "empty region".into(),
            }),
            Err(e) => Err(self.to_credentials_error(e, "the region")),
        }
    }

    fn to_credentials_error(&self, e: ImdsError, what: &str) -> CredentialsError {
        match e {
            ImdsError::Unreachable(reason) => {
                CredentialsError::not_loaded(Self::NAME, format!("instance metadata is not reachable: {reason}"))
            }
            ImdsError::Status(status) => CredentialsError::Service {
                provider: Self::NAME,
                status,
                code: None,
                message: Some(format!("could not get {what}")),
            },
            ImdsError::Other(e) => e,
        }
    }
}

fn invalid_endpoint(base: &str) -> CredentialsError {
    CredentialsError::Provider {
        provider: ImdsClient::NAME,
        message: format!("invalid IMDS endpoint `{base}`"),
    }
}

/// The endpoint from the environment or the profile (see the module docs).
fn endpoint(cfg: &ProviderConfig) -> Result<String, String> {
    let env = &*cfg.ctx.env;
    let set = cfg.load_profiles().ok();
    let profile = |key: &str| {
        set.as_ref()
            .and_then(|s| s.selected_profile())
            .and_then(|p| p.get(key))
            .map(str::to_owned)
    };
    if let Some(url) = env
        .get_non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .or_else(|| profile("ec2_metadata_service_endpoint"))
    {
        let url = url.trim().trim_end_matches('/').to_owned();
        return match url.parse::<http::Uri>() {
            Ok(uri) if uri.scheme().is_some() && uri.host().is_some() => Ok(url),
            _ => Err(format!("IMDS endpoint `{url}` is not an absolute URL")),
        };
    }
    match env
        .get_non_empty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
        .or_else(|| profile("ec2_metadata_service_endpoint_mode"))
    {
        None => Ok(IPV4_ENDPOINT.into()),
        Some(mode) if mode.trim().eq_ignore_ascii_case("ipv4") => Ok(IPV4_ENDPOINT.into()),
        Some(mode) if mode.trim().eq_ignore_ascii_case("ipv6") => Ok(IPV6_ENDPOINT.into()),
        Some(mode) => Err(format!("unknown IMDS endpoint mode `{}` (IPv4 or IPv6)", mode.trim())),
    }
}

/// Instance-profile credentials from IMDS.
///
/// IMDS not reachable, or no role attached (404), means "not configured" and a
/// chain moves on, as in the SDKs; a timeout after IMDS answered the token
/// request, or any other error status, is an error.
#[derive(Debug)]
pub struct ImdsCredentialsProvider {
    client: ImdsClient,
}

impl ImdsCredentialsProvider {
    /// Name used in [`Credentials::provider_name`].
    pub const NAME: &'static str = "Imds";

    /// A provider over a new [`ImdsClient`].
    pub fn new(cfg: &ProviderConfig) -> Self {
        ImdsCredentialsProvider {
            client: ImdsClient::new(cfg),
        }
    }

    /// A provider over `client`.
    pub fn with_client(client: ImdsClient) -> Self {
        ImdsCredentialsProvider { client }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let client = &self.client;
        if client.is_disabled() {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                "AWS_EC2_METADATA_DISABLED is true",
            ));
        }
        let role = match client.get(CREDENTIALS_PATH).await {
            Ok(list) => list.lines().next().unwrap_or("").trim().to_owned(),
            Err(ImdsError::Status(404)) => {
                return Err(CredentialsError::not_loaded(
                    Self::NAME,
                    "no IAM role is attached to this instance (404)",
                ))
            }
            Err(e) => return Err(client.to_credentials_error(e, "the instance profile name")),
        };
        if role.is_empty() || role.contains(['/', '?', '#']) {
            return Err(CredentialsError::InvalidResponse {
                provider: Self::NAME,
                reason: "the instance profile name is empty or not a path segment".into(),
            });
        }
        let body = client
            .get(&format!("{CREDENTIALS_PATH}{role}"))
            .await
            .map_err(|e| client.to_credentials_error(e, "the instance profile credentials"))?;
        let creds = parse_json_credentials(body.as_bytes(), Self::NAME)?;
        if creds.is_expired(client.cfg.now()) {
            return Err(CredentialsError::Expired { provider: Self::NAME });
        }
        Ok(creds)
    }
}

impl ProvideCredentials for ImdsCredentialsProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

/// The region chain with instance metadata last: explicit > `AWS_REGION` >
/// `AWS_DEFAULT_REGION` > profile `region` > IMDS. IMDS that is disabled,
/// unreachable or failing gives `Ok(None)` (logged), as a missing region.
pub async fn resolve_region_with_imds(
    explicit: Option<&str>,
    cfg: &ProviderConfig,
) -> Result<Option<ResolvedRegion>, crate::profile::ProfileFileError> {
    if let Some(found) = resolve_region(explicit, &cfg.ctx, cfg.profile.as_deref())? {
        return Ok(Some(found));
    }
    match ImdsClient::new(cfg).region().await {
        Ok(region) => Ok(Some(ResolvedRegion {
            region,
            source: RegionSource::Imds,
        })),
        Err(e) => {
            tracing::debug!(error = %e, "no region from instance metadata");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{MapEnv, MapFs, OsContext};
    use std::sync::Arc;

    #[derive(Debug)]
    struct NoHttp;
    impl bedrock_transport::HttpClient for NoHttp {
        fn send(&self, _: http::Request<bedrock_transport::RequestBody>) -> bedrock_transport::ResponseFuture {
            Box::pin(async { Err("no network in unit tests".into()) })
        }
    }

    fn cfg(env: &[(&str, &str)], config: &str) -> ProviderConfig {
        let mut pairs = vec![("HOME", "/h")];
        pairs.extend_from_slice(env);
        let ctx = OsContext::new(
            MapEnv::from_pairs(pairs),
            MapFs::from_files([("/h/.aws/config", config)]),
        );
        ProviderConfig::new(&ctx, Arc::new(NoHttp))
    }

    #[test]
    fn endpoint_selection() {
        assert_eq!(endpoint(&cfg(&[], "")).unwrap(), "http://169.254.169.254");
        let v6 = cfg(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")], "");
        assert_eq!(endpoint(&v6).unwrap(), "http://[fd00:ec2::254]");
        let v6_profile = cfg(&[], "[default]\nec2_metadata_service_endpoint_mode = ipv6\n");
        assert_eq!(endpoint(&v6_profile).unwrap(), "http://[fd00:ec2::254]");
        // An explicit endpoint wins over the mode; the environment over the profile.
        let both = cfg(
            &[
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1234/"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
            ],
            "[default]\nec2_metadata_service_endpoint = http://10.0.0.1\n",
        );
        assert_eq!(endpoint(&both).unwrap(), "http://127.0.0.1:1234");
        assert!(endpoint(&cfg(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5")], "")).is_err());
        assert!(endpoint(&cfg(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "not a url")], "")).is_err());
    }

    #[tokio::test]
    async fn disabled_and_unreachable_are_not_configured() {
        let disabled = cfg(&[("AWS_EC2_METADATA_DISABLED", "TRUE")], "");
        assert!(ImdsCredentialsProvider::new(&disabled)
            .provide_credentials()
            .await
            .unwrap_err()
            .is_not_loaded());
        // The HTTP client fails to connect: not on EC2.
        let err = ImdsCredentialsProvider::new(&cfg(&[], ""))
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(
            err.is_not_loaded() && err.to_string().contains("not reachable"),
            "{err}"
        );
        let bad_mode = cfg(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5")], "");
        let err = ImdsCredentialsProvider::new(&bad_mode)
            .provide_credentials()
            .await
            .unwrap_err();
        assert!(!err.is_not_loaded() && err.to_string().contains("IPv5"), "{err}");
    }
}
