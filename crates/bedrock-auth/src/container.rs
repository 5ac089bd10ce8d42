//! Container credentials (ECS task roles, EKS Pod Identity, local credential
//! servers).
//!
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (a path on `http://169.254.170.2`)
//! wins over `AWS_CONTAINER_CREDENTIALS_FULL_URI`. A full URI is accepted, as
//! in the AWS SDKs, when it is `https`, or `http` to a loopback address (a host
//! name must resolve only to loopback addresses), to the ECS host
//! `169.254.170.2`, or to the EKS hosts `169.254.170.23` / `fd00:ec2::23`:
//! credentials must not be sent in clear text anywhere else. The
//! `Authorization` header comes from the file named by
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on each call, it rotates),
//! else from `AWS_CONTAINER_AUTHORIZATION_TOKEN`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use bytes::Bytes;

use crate::error::CredentialsError;
use crate::net::{self, ProviderConfig};
use crate::provider::{BoxFuture, ProvideCredentials};
use crate::secret::Credentials;

/// Default deadline of one credentials request.
pub const DEFAULT_CONTAINER_TIMEOUT: Duration = Duration::from_secs(5);

const ECS_HOST: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
const EKS_HOST_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 23);
const EKS_HOST_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x23);

/// Credentials from a container credentials endpoint.
#[derive(Debug, Clone)]
pub struct ContainerProvider {
    cfg: ProviderConfig,
    timeout: Duration,
}

impl ContainerProvider {
    /// Name used in [`Credentials::provider_name`] and errors.
    pub const NAME: &'static str = "EcsContainer";

    /// Reads the variables from `cfg`'s environment.
    pub fn new(cfg: &ProviderConfig) -> Self {
        ContainerProvider {
            cfg: cfg.clone(),
            timeout: DEFAULT_CONTAINER_TIMEOUT,
        }
    }

    /// Sets the deadline of each request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether either URI variable is set.
    pub fn is_configured(&self) -> bool {
        let env = &*self.cfg.ctx.env;
        env.get_non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
            || env.get_non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    }

    async fn uri(&self) -> Result<http::Uri, CredentialsError> {
        let env = &*self.cfg.ctx.env;
        let invalid = |message: String| CredentialsError::Provider {
            provider: Self::NAME,
            message,
        };
        if let Some(relative) = env.get_non_empty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let relative = relative.trim();
            let slash = if relative.starts_with('/') { "" } else { "/" };
            return format!("http://{ECS_HOST}{slash}{relative}")
                .parse()
                .map_err(|_| invalid("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a valid path".into()));
        }
        let Some(full) = env.get_non_empty("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
            return Err(CredentialsError::not_loaded(
                Self::NAME,
                "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
            ));
        };
        let uri: http::Uri = full
            .trim()
            .parse()
            .map_err(|_| invalid("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URI".into()))?;
        let Some(host) = uri.host() else {
            return Err(invalid("AWS_CONTAINER_CREDENTIALS_FULL_URI has no host".into()));
        };
        match uri.scheme_str() {
            Some("https") => return Ok(uri),
            Some("http") => {}
            _ => {
                return Err(invalid(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI must be http or https".into(),
                ))
            }
        }
        if self.http_host_allowed(host, uri.port_u16().unwrap_or(80)).await {
            Ok(uri)
        } else {
            Err(invalid(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI host `{host}` is not allowed over http \
                 (only loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23; use https otherwise)"
            )))
        }
    }

    async fn http_host_allowed(&self, host: &str, port: u16) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return ip_allowed(ip);
        }
        // A name is allowed only if every address it resolves to is loopback.
        let lookup = tokio::time::timeout(self.timeout, tokio::net::lookup_host((bare, port))).await;
        match lookup {
            Ok(Ok(addrs)) => {
                let addrs: Vec<_> = addrs.collect();
                !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback())
            }
            _ => false,
        }
    }

    fn auth_token(&self) -> Result<Option<String>, CredentialsError> {
        let ctx = &self.cfg.ctx;
        let token = if let Some(file) = ctx.env.get_non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            let path = ctx.expand_home(file.trim());
            let text = ctx.fs.read_to_string(&path).map_err(|e| CredentialsError::Provider {
                provider: Self::NAME,
                message: format!(
                    "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}: {e}",
                    path.display()
                ),
            })?;
            Some(text.trim().to_owned())
        } else {
            ctx.env.get_non_empty("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        };
        if token.as_deref().is_some_and(|t| t.contains(['\r', '\n'])) {
            return Err(CredentialsError::Provider {
                provider: Self::NAME,
                message: "the container authorization token contains a line break".into(),
            });
        }
        Ok(token)
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let uri = self.uri().await?;
        let mut request = http::Request::get(uri).header("accept", "application/json");
        if let Some(token) = self.auth_token()? {
            let mut value = http::HeaderValue::from_str(&token).map_err(|_| CredentialsError::Provider {
                provider: Self::NAME,
                message: "the container authorization token is not a valid header value".into(),
            })?;
            value.set_sensitive(true);
            request = request.header(http::header::AUTHORIZATION, value);
        }
        let request = request.body(Bytes::new()).map_err(|e| CredentialsError::Provider {
            provider: Self::NAME,
            message: e.to_string(),
        })?;
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
        let creds = parse_json_credentials(&response.body, Self::NAME)?;
        if creds.is_expired(self.cfg.now()) {
            return Err(CredentialsError::Expired { provider: Self::NAME });
        }
        Ok(creds)
    }
}

impl ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

fn ip_allowed(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4 == ECS_HOST || v4 == EKS_HOST_V4,
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6 == EKS_HOST_V6 || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// `code` / `message` (any capitalisation) of a JSON error body.
pub(crate) fn json_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(serde_json::Value::Object(map)) = bedrock_wire::json::value_from_slice(body) else {
        return (None, None);
    };
    let get = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| map.get(*n).and_then(|v| v.as_str()))
            .map(str::to_owned)
    };
    (
        get(&["code", "Code", "error"]),
        get(&["message", "Message", "error_description"]),
    )
}

/// The JSON credentials document of the container endpoint and IMDS:
/// `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` (ISO-8601), and for
/// IMDS a `Code` that must be `Success`. Errors never quote the body.
pub(crate) fn parse_json_credentials(body: &[u8], provider: &'static str) -> Result<Credentials, CredentialsError> {
    let invalid = |reason: &str| CredentialsError::InvalidResponse {
        provider,
        reason: reason.to_owned(),
    };
    // The reader's errors name what was expected and where, never the content.
    let value = bedrock_wire::json::value_from_slice(body).map_err(|e| invalid(&format!("not JSON ({e})")))?;
    let object = value.as_object().ok_or_else(|| invalid("not a JSON object"))?;
    let string = |key: &str| -> Result<Option<&str>, CredentialsError> {
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(&format!("`{key}` is not a string"))),
        }
    };
    if let Some(code) = string("Code")? {
        if code != "Success" {
            return Err(CredentialsError::Service {
                provider,
                status: 200,
                code: Some(code.to_owned()),
                message: string("Message")?.map(str::to_owned),
            });
        }
    }
    let access_key_id = string("AccessKeyId")?.ok_or_else(|| invalid("missing `AccessKeyId`"))?;
    let secret = string("SecretAccessKey")?.ok_or_else(|| invalid("missing `SecretAccessKey`"))?;
    let token = string("Token")?;
    let expiry = match string("Expiration")? {
        None => None,
        Some(text) => {
            Some(net::parse_iso8601(text).ok_or_else(|| invalid("`Expiration` is not an ISO-8601 timestamp"))?)
        }
    };
    Ok(Credentials::new(
        access_key_id,
        secret,
        token.map(str::to_owned),
        expiry,
        provider,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_hosts() {
        for ok in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "169.254.170.2",
            "169.254.170.23",
            "fd00:ec2::23",
            "::ffff:127.0.0.1",
        ] {
            assert!(ip_allowed(ok.parse().unwrap()), "{ok}");
        }
        for bad in ["169.254.169.254", "10.0.0.1", "8.8.8.8", "fd00:ec2::254", "::"] {
            assert!(!ip_allowed(bad.parse().unwrap()), "{bad}");
        }
    }

    #[derive(Debug)]
    struct NoHttp;
    impl bedrock_transport::HttpClient for NoHttp {
        fn send(&self, _: http::Request<bedrock_transport::RequestBody>) -> bedrock_transport::ResponseFuture {
            Box::pin(async { Err("no network in unit tests".into()) })
        }
    }

    #[tokio::test]
    async fn relative_uri_wins_over_full_uri() {
        let ctx = crate::env::OsContext::new(
            crate::env::MapEnv::from_pairs([
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials/abc"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/x"),
            ]),
            crate::env::MapFs::default(),
        );
        let cfg = ProviderConfig::new(&ctx, std::sync::Arc::new(NoHttp));
        let provider = ContainerProvider::new(&cfg);
        assert!(provider.is_configured());
        assert_eq!(
            provider.uri().await.unwrap().to_string(),
            "http://169.254.170.2/v2/credentials/abc"
        );
    }

    #[test]
    fn json_documents() {
        let ok = br#"{"AccessKeyId":"ASIAC","SecretAccessKey":"s","Token":"t","Expiration":"2030-01-01T00:00:00Z"}"#;
        let creds = parse_json_credentials(ok, "EcsContainer").unwrap();
        assert_eq!((creds.access_key_id(), creds.session_token()), ("ASIAC", Some("t")));
        for bad in [&b"{"[..], b"[]", br#"{"SecretAccessKey":"s"}"#, br#"{"AccessKeyId":1}"#] {
            let err = parse_json_credentials(bad, "EcsContainer").unwrap_err();
            assert!(matches!(err, CredentialsError::InvalidResponse { .. }), "{err}");
        }
        let failed = br#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"no"}"#;
        let err = parse_json_credentials(failed, "Imds").unwrap_err();
        assert!(err.to_string().contains("AssumeRoleUnauthorizedAccess"), "{err}");
        assert_eq!(
            json_error(br#"{"code":"E","message":"m"}"#),
            (Some("E".into()), Some("m".into()))
        );
    }
}
