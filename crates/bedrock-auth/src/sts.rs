//! STS over our transport: `AssumeRoleWithWebIdentity` (unsigned) and
//! `AssumeRole` (SigV4, signing name `sts`), query protocol, XML answers.
//!
//! Endpoint: `AWS_ENDPOINT_URL_STS` (or the profile's `services` entry) when
//! set; else the regional `https://sts.{region}.amazonaws.com` (`.com.cn` in
//! China). With no region at all, `us-east-1`. The pseudo-region `aws-global`,
//! and `sts_regional_endpoints = legacy` (`AWS_STS_REGIONAL_ENDPOINTS`) for one
//! of the regions that existed before regional STS, use the global endpoint
//! `https://sts.amazonaws.com`, signed for `us-east-1`.

use std::time::Duration;

use bytes::Bytes;
use quick_xml::events::Event;

use crate::error::CredentialsError;
use crate::net::{self, ProviderConfig};
use crate::profile_provider::{AssumeRoleParams, RoleAssumer};
use crate::provider::{BoxFuture, ProvideCredentials};
use crate::secret::Credentials;
use crate::sign::{Signer, SigningName};

/// Default deadline of one STS call.
pub const DEFAULT_STS_TIMEOUT: Duration = Duration::from_secs(10);

const VERSION: &str = "2011-06-15";

/// Regions whose STS calls went to the global endpoint under the legacy setting.
const LEGACY_GLOBAL_REGIONS: [&str; 16] = [
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Where to send an STS call and the region to sign it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsEndpoint {
    /// Base URL, without a trailing slash.
    pub url: String,
    /// The SigV4 region.
    pub signing_region: String,
}

/// Resolves the STS endpoint for `region` (see the module docs).
pub fn resolve_endpoint(cfg: &ProviderConfig, region: Option<&str>) -> StsEndpoint {
    let region = region
        .map(str::to_owned)
        .or_else(|| cfg.region())
        .unwrap_or_else(|| "us-east-1".to_owned());
    if let Some(url) = cfg.endpoint_override("STS", "sts") {
        let signing_region = if region == "aws-global" {
            "us-east-1".into()
        } else {
            region
        };
        return StsEndpoint { url, signing_region };
    }
    let legacy = cfg
        .ctx
        .env
        .get_non_empty("AWS_STS_REGIONAL_ENDPOINTS")
        .or_else(|| {
            cfg.load_profiles().ok().and_then(|set| {
                set.selected_profile()
                    .and_then(|p| p.get("sts_regional_endpoints"))
                    .map(str::to_owned)
            })
        })
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("legacy"));
    if region == "aws-global" || (legacy && LEGACY_GLOBAL_REGIONS.contains(&region.as_str())) {
        return StsEndpoint {
            url: "https://sts.amazonaws.com".into(),
            signing_region: "us-east-1".into(),
        };
    }
    StsEndpoint {
        url: format!("https://sts.{region}.{}", net::dns_suffix(&region)),
        signing_region: region,
    }
}

/// A minimal STS client for the two calls the credential providers need.
#[derive(Debug, Clone)]
pub struct StsClient {
    cfg: ProviderConfig,
    timeout: Duration,
}

impl StsClient {
    /// Provider name for `AssumeRole` results and errors.
    pub const ASSUME_ROLE: &'static str = "AssumeRole";
    /// Provider name for `AssumeRoleWithWebIdentity` results and errors.
    pub const WEB_IDENTITY: &'static str = "WebIdentityToken";

    /// A client sending through `cfg`'s HTTP client.
    pub fn new(cfg: &ProviderConfig) -> Self {
        StsClient {
            cfg: cfg.clone(),
            timeout: DEFAULT_STS_TIMEOUT,
        }
    }

    /// Sets the deadline of each call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `AssumeRoleWithWebIdentity`: exchanges an OIDC token for role credentials.
    /// The call is not signed; the token is the proof.
    pub async fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: Option<&str>,
        token: &str,
        region: Option<&str>,
    ) -> Result<Credentials, CredentialsError> {
        let session = session_name
            .map(str::to_owned)
            .unwrap_or_else(|| format!("web-identity-token-{}", net::epoch_millis(self.cfg.now())));
        let form = form(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", VERSION),
            ("RoleArn", role_arn),
            ("RoleSessionName", &session),
            ("WebIdentityToken", token),
        ]);
        let endpoint = resolve_endpoint(&self.cfg, region);
        let request = post(&endpoint, form, Self::WEB_IDENTITY)?;
        self.call(request, "AssumeRoleWithWebIdentity", Self::WEB_IDENTITY)
            .await
    }

    /// `AssumeRole` with `source` credentials, SigV4-signed for `sts`.
    pub async fn assume_role(
        &self,
        source: &Credentials,
        params: &AssumeRoleParams,
    ) -> Result<Credentials, CredentialsError> {
        let session = params
            .role_session_name
            .clone()
            .unwrap_or_else(|| format!("aws-sdk-rust-{}", net::epoch_millis(self.cfg.now())));
        let duration = params.duration_seconds.map(|d| d.to_string());
        let mut fields = vec![
            ("Action", "AssumeRole"),
            ("Version", VERSION),
            ("RoleArn", params.role_arn.as_str()),
            ("RoleSessionName", session.as_str()),
        ];
        if let Some(external_id) = &params.external_id {
            fields.push(("ExternalId", external_id));
        }
        if let Some(duration) = &duration {
            fields.push(("DurationSeconds", duration));
        }
        let endpoint = resolve_endpoint(&self.cfg, params.region.as_deref());
        let mut request = post(&endpoint, form(&fields), Self::ASSUME_ROLE)?;
        Signer::new(SigningName::Sts, endpoint.signing_region.clone())
            .sign(&mut request, source, self.cfg.now())
            .map_err(|e| CredentialsError::Provider {
                provider: Self::ASSUME_ROLE,
                message: e.to_string(),
            })?;
        self.call(request, "AssumeRole", Self::ASSUME_ROLE).await
    }

    async fn call(
        &self,
        request: http::Request<Bytes>,
        action: &str,
        provider: &'static str,
    ) -> Result<Credentials, CredentialsError> {
        let response = net::send(&*self.cfg.http, request, self.timeout)
            .await
            .map_err(|e| e.into_credentials_error(provider))?;
        if !response.status.is_success() {
            let (code, message) = parse_error(response.text());
            return Err(CredentialsError::Service {
                provider,
                status: response.status.as_u16(),
                code,
                message,
            });
        }
        let creds = parse_credentials(response.text(), action, provider)?;
        if creds.is_expired(self.cfg.now()) {
            return Err(CredentialsError::Expired { provider });
        }
        Ok(creds)
    }
}

impl RoleAssumer for StsClient {
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        params: &'a AssumeRoleParams,
    ) -> BoxFuture<'a, Result<Credentials, CredentialsError>> {
        Box::pin(async move { StsClient::assume_role(self, &source, params).await })
    }
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", net::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn post(
    endpoint: &StsEndpoint,
    body: String,
    provider: &'static str,
) -> Result<http::Request<Bytes>, CredentialsError> {
    http::Request::post(format!("{}/", endpoint.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Bytes::from(body))
        .map_err(|_| CredentialsError::Provider {
            provider,
            message: format!("invalid STS endpoint `{}`", endpoint.url),
        })
}

/// Leaf elements of an XML document as (`Parent/Child` path of local names, text).
fn xml_leaves(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut leaves = Vec::new();
    let mut current = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                path.push(e.local_name().as_ref().to_owned());
                current.clear();
            }
            Ok(Event::Text(t)) => current.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) => current.push_str(&t.into_inner()),
            Ok(Event::GeneralRef(r)) => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                    current.push(c);
                } else {
                    let name = r.xml10_content();
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity `&{name};`"))?;
                    current.push_str(resolved);
                }
            }
            Ok(Event::End(_)) => {
                leaves.push((path.join("/"), std::mem::take(&mut current)));
                path.pop();
            }
            Ok(Event::Empty(e)) => {
                let mut p = path.join("/");
                p.push('/');
                p.push_str(e.local_name().as_ref());
                leaves.push((p, String::new()));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("XML error at byte {}: {e}", reader.error_position())),
        }
    }
    if !path.is_empty() {
        return Err("XML document ends inside an element".into());
    }
    Ok(leaves)
}

/// The `Code` and `Message` of an STS `<ErrorResponse><Error>…` document.
pub(crate) fn parse_error(text: &str) -> (Option<String>, Option<String>) {
    let Ok(leaves) = xml_leaves(text) else {
        return (None, None);
    };
    let get = |name: &str| {
        leaves
            .iter()
            .find(|(p, _)| p == &format!("ErrorResponse/Error/{name}") || p == &format!("Response/Errors/Error/{name}"))
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    (get("Code"), get("Message"))
}

/// The credentials of an `{action}Response/{action}Result/Credentials` document.
pub(crate) fn parse_credentials(
    text: &str,
    action: &str,
    provider: &'static str,
) -> Result<Credentials, CredentialsError> {
    let invalid = |reason: String| CredentialsError::InvalidResponse { provider, reason };
    let leaves = xml_leaves(text).map_err(invalid)?;
    let prefix = format!("{action}Response/{action}Result/Credentials/");
    let get = |name: &str| {
        leaves
            .iter()
            .find(|(p, _)| p.strip_prefix(&prefix) == Some(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let missing = |name: &str| invalid(format!("no `{name}` in the {action} response"));
    let access_key_id = get("AccessKeyId").ok_or_else(|| missing("AccessKeyId"))?;
    let secret = get("SecretAccessKey").ok_or_else(|| missing("SecretAccessKey"))?;
    let token = get("SessionToken").ok_or_else(|| missing("SessionToken"))?;
    let expiration = get("Expiration").ok_or_else(|| missing("Expiration"))?;
    let expiry =
        net::parse_iso8601(&expiration).ok_or_else(|| invalid("`Expiration` is not an ISO-8601 timestamp".into()))?;
    Ok(Credentials::new(
        access_key_id,
        secret,
        Some(token),
        Some(expiry),
        provider,
    ))
}

/// Where a web identity comes from.
#[derive(Debug, Clone)]
pub(crate) struct WebIdentitySource {
    pub(crate) token_file: String,
    pub(crate) role_arn: String,
    pub(crate) session_name: Option<String>,
}

impl WebIdentitySource {
    /// Reads the token file (again on every call: orchestrators rotate it) and
    /// calls STS.
    pub(crate) async fn load(
        &self,
        cfg: &ProviderConfig,
        region: Option<&str>,
    ) -> Result<Credentials, CredentialsError> {
        let path = cfg.ctx.expand_home(&self.token_file);
        let token = cfg
            .ctx
            .fs
            .read_to_string(&path)
            .map_err(|e| CredentialsError::Provider {
                provider: StsClient::WEB_IDENTITY,
                message: format!("cannot read web identity token file {}: {e}", path.display()),
            })?;
        if token.trim().is_empty() {
            return Err(CredentialsError::Provider {
                provider: StsClient::WEB_IDENTITY,
                message: format!("web identity token file {} is empty", path.display()),
            });
        }
        StsClient::new(cfg)
            .assume_role_with_web_identity(&self.role_arn, self.session_name.as_deref(), token.trim(), region)
            .await
    }
}

/// Web identity from the environment: `AWS_WEB_IDENTITY_TOKEN_FILE`,
/// `AWS_ROLE_ARN` and the optional `AWS_ROLE_SESSION_NAME` (EKS IRSA and
/// similar). Not configured when the token file variable is unset; a token file
/// without a role is a configuration error.
#[derive(Debug, Clone)]
pub struct WebIdentityProvider {
    cfg: ProviderConfig,
}

impl WebIdentityProvider {
    /// Reads the variables from `cfg`'s environment.
    pub fn new(cfg: &ProviderConfig) -> Self {
        WebIdentityProvider { cfg: cfg.clone() }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let env = &*self.cfg.ctx.env;
        let Some(token_file) = env.get_non_empty("AWS_WEB_IDENTITY_TOKEN_FILE") else {
            return Err(CredentialsError::not_loaded(
                StsClient::WEB_IDENTITY,
                "AWS_WEB_IDENTITY_TOKEN_FILE is not set",
            ));
        };
        let Some(role_arn) = env.get_non_empty("AWS_ROLE_ARN") else {
            return Err(CredentialsError::Provider {
                provider: StsClient::WEB_IDENTITY,
                message: "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not".into(),
            });
        };
        let source = WebIdentitySource {
            token_file: token_file.trim().to_owned(),
            role_arn: role_arn.trim().to_owned(),
            session_name: env.get_non_empty("AWS_ROLE_SESSION_NAME"),
        };
        source.load(&self.cfg, None).await
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
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
    fn endpoints() {
        let regional = resolve_endpoint(&cfg(&[], ""), Some("eu-west-1"));
        assert_eq!(regional.url, "https://sts.eu-west-1.amazonaws.com");
        assert_eq!(regional.signing_region, "eu-west-1");
        let default = resolve_endpoint(&cfg(&[], ""), None);
        assert_eq!(default.url, "https://sts.us-east-1.amazonaws.com");
        let from_env = resolve_endpoint(&cfg(&[("AWS_REGION", "ap-south-2")], ""), None);
        assert_eq!(from_env.url, "https://sts.ap-south-2.amazonaws.com");
        let global = resolve_endpoint(&cfg(&[], ""), Some("aws-global"));
        assert_eq!(
            (global.url.as_str(), global.signing_region.as_str()),
            ("https://sts.amazonaws.com", "us-east-1")
        );
        let legacy = cfg(&[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")], "");
        assert_eq!(
            resolve_endpoint(&legacy, Some("eu-west-1")).url,
            "https://sts.amazonaws.com"
        );
        // Regions newer than regional STS are never sent to the global endpoint.
        assert_eq!(
            resolve_endpoint(&legacy, Some("ap-east-1")).url,
            "https://sts.ap-east-1.amazonaws.com"
        );
        let legacy_profile = cfg(&[], "[default]\nsts_regional_endpoints = legacy\n");
        assert_eq!(
            resolve_endpoint(&legacy_profile, Some("us-west-2")).url,
            "https://sts.amazonaws.com"
        );
        assert_eq!(
            resolve_endpoint(&cfg(&[], ""), Some("cn-north-1")).url,
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        let overridden = cfg(&[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/")], "");
        assert_eq!(
            resolve_endpoint(&overridden, Some("eu-west-1")).url,
            "http://127.0.0.1:9"
        );
        let services = cfg(
            &[],
            "[default]\nservices = local\n[services local]\nsts =\n  endpoint_url = http://localhost:1\n",
        );
        assert_eq!(resolve_endpoint(&services, None).url, "http://localhost:1");
        let ignored = cfg(
            &[
                ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ],
            "",
        );
        assert_eq!(
            resolve_endpoint(&ignored, None).url,
            "https://sts.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn xml_credentials_and_errors() {
        let ok = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
            <AssumeRoleResult><AssumedRoleUser><Arn>arn:x</Arn></AssumedRoleUser><Credentials>\
            <AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s&amp;k&#47;</SecretAccessKey>\
            <SessionToken><![CDATA[tok<en]]></SessionToken><Expiration>2024-01-02T03:04:05Z</Expiration>\
            </Credentials></AssumeRoleResult></AssumeRoleResponse>";
        let creds = parse_credentials(ok, "AssumeRole", "AssumeRole").unwrap();
        assert_eq!(creds.access_key_id(), "ASIAX");
        assert_eq!(creds.secret_access_key(), "s&k/");
        assert_eq!(creds.session_token(), Some("tok<en"));
        assert!(creds.expiry().is_some());
        // The right document for the wrong action is not accepted.
        assert!(parse_credentials(ok, "AssumeRoleWithWebIdentity", "WebIdentityToken").is_err());
        for bad in ["", "not xml", "<AssumeRoleResponse><AssumeRoleResult>", "<a></b>"] {
            let err = parse_credentials(bad, "AssumeRole", "AssumeRole").unwrap_err();
            assert!(matches!(err, CredentialsError::InvalidResponse { .. }), "{err}");
        }
        let error = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
            <Code>AccessDenied</Code><Message>User: x is not authorized &amp; so on</Message></Error>\
            <RequestId>r</RequestId></ErrorResponse>";
        assert_eq!(
            parse_error(error),
            (
                Some("AccessDenied".into()),
                Some("User: x is not authorized & so on".into())
            )
        );
        assert_eq!(parse_error("<html>"), (None, None));
    }
}
