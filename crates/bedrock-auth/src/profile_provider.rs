//! Credentials from a profile: static keys, `credential_process`, and
//! `role_arn` chains through `source_profile` / `credential_source`.
//!
//! The chain is first resolved into a [`ProfileChain`] (pure, no IO besides the
//! files), then run: the base credentials are loaded and each role is assumed in
//! turn through a [`RoleAssumer`]. Bases and roles that need the network (STS
//! `AssumeRole` and `AssumeRoleWithWebIdentity`, IAM Identity Center, container
//! and instance-metadata `credential_source`s) use the HTTP client of
//! [`ProfileProvider::with_provider_config`]; without one such a profile fails
//! with a clear [`CredentialsError::InvalidProfile`].

use std::sync::Arc;
use std::time::Duration;

use crate::container::ContainerProvider;
use crate::env::OsContext;
use crate::error::CredentialsError;
use crate::imds::ImdsCredentialsProvider;
use crate::net::ProviderConfig;
use crate::process::{CredentialProcessProvider, DEFAULT_PROCESS_TIMEOUT};
use crate::profile::{ProfileSet, Section};
use crate::provider::{BoxFuture, Clock, EnvironmentProvider, ProvideCredentials, SystemClock};
use crate::secret::Credentials;
use crate::sso::{SsoParams, SsoProvider};
use crate::sts::{StsClient, WebIdentitySource};

/// One `role_arn` step of a profile chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// The profile that names the role.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`, if set.
    pub external_id: Option<String>,
    /// `role_session_name`, if set.
    pub role_session_name: Option<String>,
    /// `duration_seconds`, if set.
    pub duration_seconds: Option<u32>,
    /// The profile's `region` (STS is called in it when set).
    pub region: Option<String>,
}

/// Exchanges credentials for a role's credentials (STS `AssumeRole`).
pub trait RoleAssumer: Send + Sync + std::fmt::Debug {
    /// Assumes `params.role_arn` with `source` credentials.
    fn assume_role<'a>(
        &'a self,
        source: Credentials,
        params: &'a AssumeRoleParams,
    ) -> BoxFuture<'a, Result<Credentials, CredentialsError>>;
}

/// Where the first credentials of a chain come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaseCredentials {
    /// `aws_access_key_id` / `aws_secret_access_key` / `aws_session_token` of a profile.
    Static(Credentials),
    /// `credential_process` of a profile.
    Process {
        /// The profile.
        profile: String,
        /// The command.
        command: String,
    },
    /// `credential_source = Environment`.
    Environment,
    /// `credential_source = EcsContainer`.
    EcsContainer,
    /// `credential_source = Ec2InstanceMetadata`.
    Ec2InstanceMetadata,
    /// `role_arn` + `web_identity_token_file` (STS `AssumeRoleWithWebIdentity`).
    WebIdentity {
        /// The profile.
        profile: String,
        /// `role_arn`.
        role_arn: String,
        /// `web_identity_token_file`.
        token_file: String,
        /// `role_session_name`, if set.
        session_name: Option<String>,
        /// The profile's `region`, if set.
        region: Option<String>,
    },
    /// IAM Identity Center (`sso_session` or the legacy `sso_*` keys).
    Sso(SsoParams),
}

/// A resolved profile chain: base credentials, then roles to assume in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChain {
    /// Where the first credentials come from.
    pub base: BaseCredentials,
    /// The roles to assume, innermost (closest to the base) first.
    pub roles: Vec<AssumeRoleParams>,
}

fn static_keys(profile: &Section) -> Result<Option<Credentials>, CredentialsError> {
    let Some(access_key_id) = profile.get("aws_access_key_id") else {
        return Ok(None);
    };
    let Some(secret) = profile.get("aws_secret_access_key") else {
        return Err(CredentialsError::InvalidProfile {
            profile: profile.name().to_owned(),
            reason: "`aws_access_key_id` is set but `aws_secret_access_key` is not".into(),
        });
    };
    let token = profile
        .get("aws_session_token")
        .or_else(|| profile.get("aws_security_token"));
    Ok(Some(Credentials::new(
        access_key_id,
        secret,
        token.map(str::to_owned),
        None,
        ProfileProvider::NAME,
    )))
}

fn role_params(profile: &Section, role_arn: &str) -> Result<AssumeRoleParams, CredentialsError> {
    let duration_seconds = match profile.get("duration_seconds") {
        None => None,
        Some(v) => Some(v.parse::<u32>().map_err(|_| CredentialsError::InvalidProfile {
            profile: profile.name().to_owned(),
            reason: "`duration_seconds` is not a whole number".into(),
        })?),
    };
    Ok(AssumeRoleParams {
        profile: profile.name().to_owned(),
        role_arn: role_arn.to_owned(),
        external_id: profile.get("external_id").map(str::to_owned),
        role_session_name: profile.get("role_session_name").map(str::to_owned),
        duration_seconds,
        region: profile.get("region").map(str::to_owned),
    })
}

/// Resolves the chain for the selected profile of `set`.
///
/// Returns [`CredentialsError::NotLoaded`] when the selected profile does not
/// exist or sets no credentials at all (so a default chain moves on), and
/// [`CredentialsError::ProfileLoop`] when `source_profile`s loop.
pub fn resolve_chain(set: &ProfileSet) -> Result<ProfileChain, CredentialsError> {
    let selected = set.selected_profile_name();
    let not_configured =
        |why: &str| CredentialsError::not_loaded(ProfileProvider::NAME, format!("profile `{selected}` {why}"));
    let mut roles: Vec<AssumeRoleParams> = Vec::new();
    let mut visited: Vec<String> = Vec::new();
    let mut name = selected.to_owned();
    loop {
        if visited.contains(&name) {
            visited.push(name);
            return Err(CredentialsError::ProfileLoop { chain: visited });
        }
        visited.push(name.clone());
        let Some(profile) = set.profile(&name) else {
            if visited.len() == 1 {
                return Err(not_configured("is not defined in the config or credentials file"));
            }
            return Err(CredentialsError::InvalidProfile {
                profile: visited[visited.len() - 2].clone(),
                reason: format!("source_profile `{name}` is not defined"),
            });
        };
        let invalid = |reason: &str| CredentialsError::InvalidProfile {
            profile: name.clone(),
            reason: reason.to_owned(),
        };
        // Past the selected profile, static keys win over everything else in a
        // source profile (as in the SDKs), so a role chain ends there.
        if visited.len() > 1 {
            if let Ok(Some(creds)) = static_keys(profile) {
                return Ok(finish(BaseCredentials::Static(creds), roles));
            }
        }
        match (profile.get("role_arn"), profile.get("web_identity_token_file")) {
            // A web identity is a root: its role is its own, not one more AssumeRole,
            // whatever `source_profile` says.
            (Some(role_arn), Some(token_file)) => {
                let own = role_params(profile, role_arn)?;
                let base = BaseCredentials::WebIdentity {
                    profile: name.clone(),
                    role_arn: own.role_arn,
                    token_file: token_file.to_owned(),
                    session_name: own.role_session_name,
                    region: own.region,
                };
                return Ok(finish(base, roles));
            }
            (None, Some(_)) => return Err(invalid("sets `web_identity_token_file` without `role_arn`")),
            _ => {}
        }
        if let Some(role_arn) = profile.get("role_arn") {
            roles.push(role_params(profile, role_arn)?);
            match (profile.get("source_profile"), profile.get("credential_source")) {
                (Some(_), Some(_)) => return Err(invalid("sets both `source_profile` and `credential_source`")),
                (Some(source), None) if source == name => {
                    // A profile may use its own static keys as the source of its role.
                    let creds = static_keys(profile)?
                        .ok_or_else(|| invalid("is its own source_profile but has no static keys"))?;
                    return Ok(finish(BaseCredentials::Static(creds), roles));
                }
                (Some(source), None) => {
                    name = source.to_owned();
                    continue;
                }
                (None, Some(source)) => {
                    let base = match source {
                        "Environment" => BaseCredentials::Environment,
                        "EcsContainer" => BaseCredentials::EcsContainer,
                        "Ec2InstanceMetadata" => BaseCredentials::Ec2InstanceMetadata,
                        other => return Err(invalid(&format!("unknown credential_source `{other}`"))),
                    };
                    return Ok(finish(base, roles));
                }
                (None, None) => {
                    return Err(invalid(
                        "sets `role_arn` without `source_profile`, `credential_source` or `web_identity_token_file`",
                    ))
                }
            }
        }
        if let Some(params) = crate::sso::sso_params(set, profile)? {
            return Ok(finish(BaseCredentials::Sso(params), roles));
        }
        if let Some(creds) = static_keys(profile)? {
            return Ok(finish(BaseCredentials::Static(creds), roles));
        }
        if let Some(command) = profile.get("credential_process") {
            return Ok(finish(
                BaseCredentials::Process {
                    profile: name.clone(),
                    command: command.to_owned(),
                },
                roles,
            ));
        }
        if visited.len() == 1 {
            return Err(not_configured("sets no credentials"));
        }
        return Err(invalid("is used as a source_profile but sets no credentials"));
    }
}

fn finish(base: BaseCredentials, mut roles: Vec<AssumeRoleParams>) -> ProfileChain {
    // Roles were collected from the selected profile inwards; they are assumed from the base outwards.
    roles.reverse();
    ProfileChain { base, roles }
}

/// Credentials from the shared config and credentials files.
#[derive(Debug, Clone)]
pub struct ProfileProvider {
    ctx: OsContext,
    profile_override: Option<String>,
    role_assumer: Option<Arc<dyn RoleAssumer>>,
    network: Option<ProviderConfig>,
    process_timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl ProfileProvider {
    /// Name used in [`Credentials::provider_name`] and errors.
    pub const NAME: &'static str = "Profile";

    /// Reads the files `ctx` points at, using `AWS_PROFILE` (or `default`).
    pub fn new(ctx: &OsContext) -> Self {
        ProfileProvider {
            ctx: ctx.clone(),
            profile_override: None,
            role_assumer: None,
            network: None,
            process_timeout: DEFAULT_PROCESS_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses this profile instead of `AWS_PROFILE`.
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile_override = Some(profile.into());
        self
    }

    /// Sets what assumes `role_arn` roles.
    pub fn with_role_assumer(mut self, assumer: Arc<dyn RoleAssumer>) -> Self {
        self.role_assumer = Some(assumer);
        self
    }

    /// Sets the HTTP client, clock and endpoints for the network sources (STS
    /// roles and web identity, SSO, container, IMDS). Roles are assumed through
    /// [`StsClient`] unless [`ProfileProvider::with_role_assumer`] set another.
    pub fn with_provider_config(mut self, cfg: ProviderConfig) -> Self {
        self.clock = cfg.clock.clone();
        self.network = Some(cfg);
        self
    }

    fn network(&self, profile: &str, what: &str) -> Result<ProviderConfig, CredentialsError> {
        let Some(cfg) = &self.network else {
            return Err(CredentialsError::InvalidProfile {
                profile: profile.to_owned(),
                reason: format!("{what} needs an HTTP client (`ProfileProvider::with_provider_config`)"),
            });
        };
        let mut cfg = cfg.clone();
        if cfg.profile.is_none() {
            cfg.profile = self.profile_override.clone();
        }
        Ok(cfg)
    }

    /// Sets the `credential_process` timeout.
    pub fn with_process_timeout(mut self, timeout: Duration) -> Self {
        self.process_timeout = timeout;
        self
    }

    /// Sets the clock (used to reject expired `credential_process` output).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let set = ProfileSet::load(&self.ctx, self.profile_override.as_deref())?;
        let chain = resolve_chain(&set)?;
        let mut creds = match &chain.base {
            BaseCredentials::Static(c) => c.clone(),
            BaseCredentials::Process { command, .. } => {
                CredentialProcessProvider::new(command.clone())
                    .with_timeout(self.process_timeout)
                    .with_clock(self.clock.clone())
                    .provide_credentials()
                    .await?
            }
            BaseCredentials::Environment => {
                EnvironmentProvider::new(&self.ctx)
                    .load()
                    .map_err(|e| CredentialsError::InvalidProfile {
                        profile: set.selected_profile_name().to_owned(),
                        reason: format!("credential_source = Environment: {e}"),
                    })?
            }
            BaseCredentials::EcsContainer => {
                let cfg = self.network(set.selected_profile_name(), "credential_source = EcsContainer")?;
                ContainerProvider::new(&cfg)
                    .provide_credentials()
                    .await
                    .map_err(|e| configured_source(set.selected_profile_name(), "EcsContainer", e))?
            }
            BaseCredentials::Ec2InstanceMetadata => {
                let cfg = self.network(set.selected_profile_name(), "credential_source = Ec2InstanceMetadata")?;
                ImdsCredentialsProvider::new(&cfg)
                    .provide_credentials()
                    .await
                    .map_err(|e| configured_source(set.selected_profile_name(), "Ec2InstanceMetadata", e))?
            }
            BaseCredentials::WebIdentity {
                profile,
                role_arn,
                token_file,
                session_name,
                region,
            } => {
                let cfg = self.network(profile, "`web_identity_token_file`")?;
                let source = WebIdentitySource {
                    token_file: token_file.clone(),
                    role_arn: role_arn.clone(),
                    session_name: session_name.clone(),
                };
                source.load(&cfg, region.as_deref()).await?
            }
            BaseCredentials::Sso(params) => {
                let cfg = self.network(&params.profile, "IAM Identity Center (SSO)")?;
                SsoProvider::new(&cfg, params.clone()).provide_credentials().await?
            }
        };
        for role in &chain.roles {
            let sts;
            let assumer: &dyn RoleAssumer = match (&self.role_assumer, &self.network) {
                (Some(assumer), _) => &**assumer,
                (None, Some(_)) => {
                    sts = StsClient::new(&self.network(&role.profile, "assuming `role_arn`")?);
                    &sts
                }
                (None, None) => {
                    return Err(CredentialsError::InvalidProfile {
                        profile: role.profile.clone(),
                        reason: "assuming `role_arn` calls STS, which needs an HTTP client \
                                 (`ProfileProvider::with_provider_config`)"
                            .into(),
                    })
                }
            };
            tracing::debug!(profile = %role.profile, role_arn = %role.role_arn, "assuming role");
            creds = assumer.assume_role(creds, role).await?;
        }
        Ok(creds)
    }
}

/// A `credential_source` the profile names must deliver: "not configured" from
/// it is an error of the profile, not a reason for a chain to move on.
fn configured_source(profile: &str, source: &str, e: CredentialsError) -> CredentialsError {
    if e.is_not_loaded() {
        CredentialsError::InvalidProfile {
            profile: profile.to_owned(),
            reason: format!("credential_source = {source}: {e}"),
        }
    } else {
        e
    }
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{MapEnv, MapFs};
    use std::sync::Mutex;

    fn ctx(config: &str, credentials: &str, extra_env: &[(&str, &str)]) -> OsContext {
        let mut env = vec![("HOME", "/h")];
        env.extend_from_slice(extra_env);
        OsContext::new(
            MapEnv::from_pairs(env),
            MapFs::from_files([("/h/.aws/config", config), ("/h/.aws/credentials", credentials)]),
        )
    }

    fn chain_of(config: &str, profile: &str) -> Result<ProfileChain, CredentialsError> {
        let set = ProfileSet::load(&ctx(config, "", &[]), Some(profile)).unwrap();
        resolve_chain(&set)
    }

    /// Records each assumption and returns credentials named after the role.
    #[derive(Debug, Default)]
    struct FakeAssumer(Mutex<Vec<(String, String)>>);
    impl RoleAssumer for FakeAssumer {
        fn assume_role<'a>(
            &'a self,
            source: Credentials,
            params: &'a AssumeRoleParams,
        ) -> BoxFuture<'a, Result<Credentials, CredentialsError>> {
            Box::pin(async move {
                self.0
                    .lock()
                    .unwrap()
                    .push((source.access_key_id().to_owned(), params.role_arn.clone()));
                Ok(Credentials::new(
                    format!("ASIA-{}", params.role_arn),
                    "rs",
                    Some("rt".into()),
                    None,
                    "AssumeRole",
                ))
            })
        }
    }

    const CHAIN: &str = "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n\
        [profile mid]\nrole_arn = arn:mid\nsource_profile = base\nexternal_id = ext\nduration_seconds = 900\n\
        [profile top]\nrole_arn = arn:top\nsource_profile = mid\nrole_session_name = s\nregion = eu-west-1\n";

    #[test]
    fn chain_walk() {
        let chain = chain_of(CHAIN, "top").unwrap();
        let BaseCredentials::Static(base) = &chain.base else {
            panic!("{chain:?}")
        };
        assert_eq!(base.access_key_id(), "AKIDBASE");
        let arns: Vec<_> = chain.roles.iter().map(|r| r.role_arn.as_str()).collect();
        assert_eq!(arns, ["arn:mid", "arn:top"]);
        assert_eq!(chain.roles[0].external_id.as_deref(), Some("ext"));
        assert_eq!(chain.roles[0].duration_seconds, Some(900));
        assert_eq!(chain.roles[1].role_session_name.as_deref(), Some("s"));
        assert_eq!(chain.roles[1].region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn loops_and_bad_chains() {
        let looped =
            "[profile a]\nrole_arn = arn:a\nsource_profile = b\n[profile b]\nrole_arn = arn:b\nsource_profile = c\n\
            [profile c]\nrole_arn = arn:c\nsource_profile = a\n";
        match chain_of(looped, "a").unwrap_err() {
            CredentialsError::ProfileLoop { chain } => assert_eq!(chain, ["a", "b", "c", "a"]),
            other => panic!("{other}"),
        }
        let self_ref =
            "[profile s]\nrole_arn = arn:s\nsource_profile = s\naws_access_key_id = A\naws_secret_access_key = B\n";
        let chain = chain_of(self_ref, "s").unwrap();
        assert_eq!(chain.roles.len(), 1);
        assert!(matches!(chain.base, BaseCredentials::Static(_)));
        let self_no_keys = "[profile s]\nrole_arn = arn:s\nsource_profile = s\n";
        assert!(chain_of(self_no_keys, "s")
            .unwrap_err()
            .to_string()
            .contains("own source_profile"));

        let missing_source = "[profile a]\nrole_arn = arn:a\nsource_profile = nope\n";
        let msg = chain_of(missing_source, "a").unwrap_err().to_string();
        assert!(msg.contains("`nope` is not defined"), "{msg}");
        let no_source = "[profile a]\nrole_arn = arn:a\n";
        assert!(matches!(
            chain_of(no_source, "a").unwrap_err(),
            CredentialsError::InvalidProfile { .. }
        ));
        let env_source = "[profile a]\nrole_arn = arn:a\ncredential_source = Environment\n";
        assert_eq!(chain_of(env_source, "a").unwrap().base, BaseCredentials::Environment);
        assert!(chain_of("[profile a]\nregion = x\n", "a").unwrap_err().is_not_loaded());
        assert!(chain_of("", "zzz").unwrap_err().is_not_loaded());
        let sso = "[profile a]\nsso_session = corp\n";
        assert!(chain_of(sso, "a")
            .unwrap_err()
            .to_string()
            .contains("[sso-session corp]"));
        let web = "[profile w]\nrole_arn = arn:w\nweb_identity_token_file = /t\n\
            [profile top]\nrole_arn = arn:top\nsource_profile = w\n";
        let chain = chain_of(web, "top").unwrap();
        assert!(
            matches!(&chain.base, BaseCredentials::WebIdentity { role_arn, token_file, .. } if role_arn == "arn:w" && token_file == "/t"),
            "{chain:?}"
        );
        assert_eq!(chain.roles.len(), 1);
        // Web identity wins over source_profile; a token file needs a role.
        let web_root = "[profile w]\nrole_arn = arn:w\nweb_identity_token_file = /t\nsource_profile = x\n";
        assert!(matches!(
            chain_of(web_root, "w").unwrap().base,
            BaseCredentials::WebIdentity { .. }
        ));
        let web_no_role = "[profile w]\nweb_identity_token_file = /t\n";
        assert!(matches!(
            chain_of(web_no_role, "w").unwrap_err(),
            CredentialsError::InvalidProfile { .. }
        ));
        // A source profile's static keys end the chain even if it names a role too.
        let keys_first = "[profile a]\nrole_arn = arn:a\nsource_profile = b\n\
            [profile b]\nrole_arn = arn:b\nsource_profile = c\naws_access_key_id = B\naws_secret_access_key = S\n";
        let chain = chain_of(keys_first, "a").unwrap();
        assert_eq!(chain.roles.len(), 1);
        assert!(matches!(&chain.base, BaseCredentials::Static(c) if c.access_key_id() == "B"));
        let ecs = "[profile a]\nrole_arn = arn:a\ncredential_source = EcsContainer\n";
        assert_eq!(chain_of(ecs, "a").unwrap().base, BaseCredentials::EcsContainer);
        let imds = "[profile a]\nrole_arn = arn:a\ncredential_source = Ec2InstanceMetadata\n";
        assert_eq!(chain_of(imds, "a").unwrap().base, BaseCredentials::Ec2InstanceMetadata);
        let half = "[profile a]\naws_access_key_id = A\n";
        assert!(chain_of(half, "a")
            .unwrap_err()
            .to_string()
            .contains("aws_secret_access_key"));
    }

    #[tokio::test]
    async fn provider_assumes_roles_in_order() {
        let assumer = Arc::new(FakeAssumer::default());
        let provider =
            ProfileProvider::new(&ctx(CHAIN, "", &[("AWS_PROFILE", "top")])).with_role_assumer(assumer.clone());
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "ASIA-arn:top");
        let calls = assumer.0.lock().unwrap().clone();
        assert_eq!(
            calls,
            [
                ("AKIDBASE".to_owned(), "arn:mid".to_owned()),
                ("ASIA-arn:mid".to_owned(), "arn:top".to_owned())
            ]
        );
        let without = ProfileProvider::new(&ctx(CHAIN, "", &[])).with_profile("top");
        assert!(without
            .provide_credentials()
            .await
            .unwrap_err()
            .to_string()
            .contains("STS"));
    }

    #[tokio::test]
    async fn provider_static_and_session_keys() {
        let creds_file = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\naws_session_token = filetoken\n";
        let provider = ProfileProvider::new(&ctx("", creds_file, &[]));
        let creds = provider.provide_credentials().await.unwrap();
        assert_eq!(creds.session_token(), Some("filetoken"));
        assert_eq!(creds.provider_name(), "Profile");
        let bad = ProfileProvider::new(&ctx("[default]\nbroken line\n", "", &[]));
        let msg = bad.provide_credentials().await.unwrap_err().to_string();
        assert!(msg.contains("/h/.aws/config:2"), "{msg}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn provider_credential_process() {
        let config = "[default]\ncredential_process = printf '%s' '{\"Version\":1,\"AccessKeyId\":\"AKIDP\",\"SecretAccessKey\":\"S\"}'\n";
        let creds = ProfileProvider::new(&ctx(config, "", &[]))
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "AKIDP");
    }
}
