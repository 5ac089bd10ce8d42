//! [`Config`]: the settings every client shares, loaded once from the environment and
//! the shared config files, overridable per client and per call.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bedrock_auth::default_chain::default_credentials_provider_with;
use bedrock_auth::env::{MapEnv, MapFs};
use bedrock_auth::imds::resolve_region_with_imds;
use bedrock_auth::profile::{ProfileFileError, ProfileSet};
use bedrock_auth::provider::{ProvideCredentials, SharedCredentialsProvider, StaticProvider};
use bedrock_auth::region::{RegionSource, ResolvedRegion};
use bedrock_auth::{select_auth_mode, ApiKey, AuthMode, ClockSkew, Credentials, OsContext, ProviderConfig};
use bedrock_endpoint::{EndpointConfig, Service, SharedConfig};
use bedrock_transport::clock::RandomSource;
use bedrock_transport::retry::RetryConfigError;
use bedrock_transport::{
    Clock, ConnectError, Executor, HttpClient, HyperClient, RetryConfig, StalledStreamProtection, TimeoutConfig,
};
use bedrock_wire::IdempotencyTokens;

use crate::tokens::UuidTokens;

/// Environment variables the endpoint resolver reads (copied from the loader's environment,
/// so a test's fixed environment is the only one consulted).
const ENDPOINT_ENV: &[&str] = &[
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_ENDPOINT_URL_BEDROCK_MANTLE",
    "AWS_BEDROCK_BASE_URL",
];

/// Profile keys the endpoint resolver reads.
const ENDPOINT_PROFILE_KEYS: &[&str] = &[
    "region",
    "endpoint_url",
    "services",
    "use_fips_endpoint",
    "use_dualstack_endpoint",
    "ignore_configured_endpoint_urls",
];

/// The configuration shared by the control-plane, runtime and mantle clients.
///
/// Cheap to clone (one `Arc`); clients built from one `Config` (or its clones) share one
/// connection pool, one retry quota and one clock-skew correction. The `with_*` methods
/// return a changed copy, for one client or one call, and leave the original alone.
///
// Compiled, not run: it reads this machine's AWS configuration.
/// ```no_run
/// # async fn f() -> Result<(), bedrock_config::ConfigError> {
/// let config = bedrock_config::from_env().region("us-west-2").load().await?;
/// let for_batch_jobs = config.with_timeouts(
///     bedrock_transport::TimeoutConfig::new().with_operation_timeout(std::time::Duration::from_secs(600)),
/// );
/// # let _ = for_batch_jobs; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Config {
    inner: Arc<Settings>,
}

#[derive(Clone)]
struct Settings {
    region: Option<ResolvedRegion>,
    auth_mode: &'static str,
    auth: Auth,
    endpoint_url: Option<String>,
    use_fips: Option<bool>,
    use_dual_stack: Option<bool>,
    endpoint_env: bedrock_endpoint::Env,
    shared_config: SharedConfig,
    http: Arc<dyn HttpClient>,
    retry: RetryConfig,
    timeouts: TimeoutConfig,
    stalled: StalledStreamProtection,
    app_id: Option<String>,
    clock: Option<Arc<dyn Clock>>,
    random: Option<Arc<dyn RandomSource>>,
    tokens: Arc<dyn IdempotencyTokens>,
    clock_skew: ClockSkew,
    executor: Executor,
}

impl Settings {
    fn set_auth(&mut self, mode: AuthMode, auth: Auth) {
        self.auth_mode = mode.name();
        self.auth = auth;
    }

    fn build_executor(&self) -> Executor {
        let mut builder = Executor::builder(self.http.clone())
            .retry_config(self.retry.clone())
            .timeouts(self.timeouts)
            .stalled_stream_protection(self.stalled);
        if let Some(app_id) = &self.app_id {
            builder = builder.app_id(app_id.clone());
        }
        if let Some(clock) = &self.clock {
            builder = builder.clock(clock.clone());
        }
        if let Some(random) = &self.random {
            builder = builder.random_source(random.clone());
        }
        builder.build()
    }
}

/// How a client authenticates, as chosen by the configuration.
#[derive(Clone, Debug)]
pub(crate) enum Auth {
    /// `Authorization: Bearer` with a Bedrock API key.
    ApiKey(ApiKey),
    /// SigV4 with credentials from a provider.
    SigV4(SharedCredentialsProvider),
}

impl Config {
    /// A loader that reads nothing from the environment or files: every setting comes from code.
    pub fn builder() -> ConfigLoader {
        ConfigLoader::new(OsContext::new(MapEnv::default(), MapFs::default()), false)
    }

    /// The region, if one is set.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_ref().map(|r| r.region.as_str())
    }

    /// The auth mode, by name (never the secret): e.g. `sigv4 (default credentials chain)`.
    pub fn auth_mode(&self) -> &'static str {
        self.inner.auth_mode
    }

    /// The credentials provider of SigV4 mode (the configured one, or the default chain);
    /// `None` when the configuration authenticates with an API key. Also for signing what the
    /// executor's per-request signer cannot: the messages of the bidirectional stream, and
    /// short-term API keys.
    pub fn credentials_provider(&self) -> Option<&SharedCredentialsProvider> {
        match &self.inner.auth {
            Auth::SigV4(provider) => Some(provider),
            Auth::ApiKey(_) => None,
        }
    }

    /// The endpoint URL set in code, if any (environment and profile overrides are applied
    /// when a client resolves its endpoint).
    pub fn endpoint_url(&self) -> Option<&str> {
        self.inner.endpoint_url.as_deref()
    }

    /// The retry settings.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The time limits.
    pub fn timeouts(&self) -> &TimeoutConfig {
        &self.inner.timeouts
    }

    /// The stalled-stream protection.
    pub fn stalled_stream_protection(&self) -> &StalledStreamProtection {
        &self.inner.stalled
    }

    /// The HTTP client (and its connection pool) every client of this configuration shares.
    pub fn http_client(&self) -> &Arc<dyn HttpClient> {
        &self.inner.http
    }

    /// The executor (retries, timeouts, signing per attempt) shared by clients of this configuration.
    pub fn executor(&self) -> &Executor {
        &self.inner.executor
    }

    /// The clock-skew correction shared by the SigV4 signers of this configuration.
    pub fn clock_skew(&self) -> &ClockSkew {
        &self.inner.clock_skew
    }

    /// The source of idempotency tokens.
    pub fn idempotency_tokens(&self) -> &Arc<dyn IdempotencyTokens> {
        &self.inner.tokens
    }

    /// The endpoint settings for `service`: region, overrides, FIPS and dual-stack, the
    /// environment and shared config the configuration was loaded from.
    pub fn endpoint_config(&self, service: Service) -> EndpointConfig {
        let s = &self.inner;
        let mut config = EndpointConfig::new(service)
            .env(s.endpoint_env.clone())
            .shared_config(s.shared_config.clone());
        // A region from the environment or a profile is left for the resolver to find
        // itself, so that its errors say where a bad value came from.
        if let Some(region) = s
            .region
            .as_ref()
            .filter(|r| matches!(r.source, RegionSource::Explicit | RegionSource::Imds))
        {
            config = config.region(region.region.clone());
        }
        if let Some(url) = &s.endpoint_url {
            config = config.endpoint_url(url.clone());
        }
        if let Some(fips) = s.use_fips {
            config = config.use_fips(fips);
        }
        if let Some(dual) = s.use_dual_stack {
            config = config.use_dual_stack(dual);
        }
        config
    }

    pub(crate) fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    fn modify(&self, rebuild_executor: bool, f: impl FnOnce(&mut Settings)) -> Config {
        let mut settings = (*self.inner).clone();
        f(&mut settings);
        if rebuild_executor {
            settings.executor = settings.build_executor();
        }
        Config {
            inner: Arc::new(settings),
        }
    }

    /// A copy in another region (the endpoint is resolved again by clients built from it).
    pub fn with_region(&self, region: impl Into<String>) -> Config {
        let region = region.into();
        self.modify(false, |s| {
            s.region = Some(ResolvedRegion {
                region,
                source: RegionSource::Explicit,
            })
        })
    }

    /// A copy sending to `url` instead of the resolved endpoint (e.g. a bedrock-local server).
    pub fn with_endpoint_url(&self, url: impl Into<String>) -> Config {
        let url = url.into();
        self.modify(false, |s| s.endpoint_url = Some(url))
    }

    /// A copy authenticating with a Bedrock API key (bearer token) instead.
    pub fn with_api_key(&self, key: impl Into<String>) -> Config {
        let key = ApiKey::new(key);
        let mode = AuthMode::ExplicitApiKey(key.clone());
        self.modify(false, |s| s.set_auth(mode, Auth::ApiKey(key)))
    }

    /// A copy signing with SigV4 and credentials from `provider` instead.
    pub fn with_credentials_provider(&self, provider: impl ProvideCredentials + 'static) -> Config {
        let provider: SharedCredentialsProvider = Arc::new(provider);
        let mode = AuthMode::ExplicitCredentials(provider.clone());
        self.modify(false, |s| s.set_auth(mode, Auth::SigV4(provider)))
    }

    /// A copy using FIPS endpoints (or not).
    pub fn with_use_fips(&self, enabled: bool) -> Config {
        self.modify(false, |s| s.use_fips = Some(enabled))
    }

    /// A copy using dual-stack endpoints (or not).
    pub fn with_use_dual_stack(&self, enabled: bool) -> Config {
        self.modify(false, |s| s.use_dual_stack = Some(enabled))
    }

    /// A copy with other retry settings. It has its own retry quota; the connection pool is shared.
    pub fn with_retry_config(&self, retry: RetryConfig) -> Config {
        self.modify(true, |s| s.retry = retry)
    }

    /// A copy with other time limits. It has its own retry quota; the connection pool is shared.
    pub fn with_timeouts(&self, timeouts: TimeoutConfig) -> Config {
        self.modify(true, |s| s.timeouts = timeouts)
    }

    /// A copy with other stalled-stream protection. It has its own retry quota; the connection pool is shared.
    pub fn with_stalled_stream_protection(&self, protection: StalledStreamProtection) -> Config {
        self.modify(true, |s| s.stalled = protection)
    }

    /// A copy that adds `app/<app_id>` to the user agent.
    pub fn with_app_id(&self, app_id: impl Into<String>) -> Config {
        let app_id = app_id.into();
        self.modify(true, |s| s.app_id = Some(app_id))
    }

    /// A copy with another source of idempotency tokens (e.g. [`bedrock_wire::operation::FixedToken`] in tests).
    pub fn with_idempotency_tokens(&self, tokens: impl IdempotencyTokens + 'static) -> Config {
        let tokens: Arc<dyn IdempotencyTokens> = Arc::new(tokens);
        self.modify(false, |s| s.tokens = tokens)
    }
}

impl fmt::Debug for Config {
    /// Settings and their sources, never a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner;
        f.debug_struct("Config")
            .field("region", &s.region)
            .field("auth", &s.auth_mode)
            .field("endpoint_url", &s.endpoint_url)
            .field("use_fips", &s.use_fips)
            .field("use_dual_stack", &s.use_dual_stack)
            .field("retry", &s.retry)
            .field("timeouts", &s.timeouts)
            .field("stalled_stream_protection", &s.stalled)
            .field("app_id", &s.app_id)
            .finish_non_exhaustive()
    }
}

/// A loader reading the process environment and the shared config files (`~/.aws/config`,
/// `~/.aws/credentials`), the way the AWS SDKs do; settings given in code win.
///
/// - region: code, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, then instance
///   metadata (IMDS, unless `AWS_EC2_METADATA_DISABLED=true`);
/// - auth: an API key or credentials given in code, else `AWS_BEARER_TOKEN_BEDROCK`, else SigV4
///   with the default credentials chain (environment, profile, web identity, container, IMDS);
/// - endpoint: `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` (and the other services' variables),
///   `AWS_ENDPOINT_URL`, the profile's `services` section and `endpoint_url`, FIPS and
///   dual-stack flags, all resolved per service by `bedrock-endpoint`;
/// - retries: `AWS_RETRY_MODE`, `AWS_MAX_ATTEMPTS` or the profile's `retry_mode`, `max_attempts`;
/// - user agent: `AWS_SDK_UA_APP_ID` or the profile's `sdk_ua_app_id`;
/// - HTTP: `HTTPS_PROXY`, `NO_PROXY`, `AWS_CA_BUNDLE`.
///
/// The same precedence with a fixed environment and config file in place of the process's
/// ([`ConfigLoader::os_context`], which is how a test isolates itself):
///
/// ```
/// use bedrock_auth::env::{MapEnv, MapFs};
/// use bedrock_auth::OsContext;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), bedrock_config::ConfigError> {
/// let env = MapEnv::from_pairs([
///     ("HOME", "/home/me"),
///     ("AWS_PROFILE", "work"),
///     ("AWS_BEARER_TOKEN_BEDROCK", "example-api-key"),
/// ]);
/// let files = MapFs::from_files([(
///     "/home/me/.aws/config",
///     "[profile work]\nregion = eu-west-1\nmax_attempts = 5\n",
/// )]);
/// let ctx = OsContext::new(env, files);
///
/// let config = bedrock_config::from_env().os_context(ctx.clone()).load().await?;
/// assert_eq!(config.region(), Some("eu-west-1")); // the profile's
/// assert_eq!(config.retry_config().max_attempts(), 5);
/// assert_eq!(config.auth_mode(), "bearer (AWS_BEARER_TOKEN_BEDROCK)");
///
/// // What is set in code wins over the environment and the files.
/// let config = bedrock_config::from_env().os_context(ctx).region("us-west-2").load().await?;
/// assert_eq!(config.region(), Some("us-west-2"));
/// # Ok(()) }
/// ```
pub fn from_env() -> ConfigLoader {
    ConfigLoader::new(OsContext::real(), true)
}

/// Builds a [`Config`]; see [`from_env`] and [`Config::builder`].
#[must_use = "call .load().await to get the configuration"]
pub struct ConfigLoader {
    ctx: OsContext,
    imds_region: bool,
    profile: Option<String>,
    region: Option<String>,
    api_key: Option<ApiKey>,
    credentials: Option<SharedCredentialsProvider>,
    endpoint_url: Option<String>,
    use_fips: Option<bool>,
    use_dual_stack: Option<bool>,
    http: Option<Arc<dyn HttpClient>>,
    retry: Option<RetryConfig>,
    timeouts: TimeoutConfig,
    stalled: StalledStreamProtection,
    app_id: Option<String>,
    clock: Option<Arc<dyn Clock>>,
    random: Option<Arc<dyn RandomSource>>,
    tokens: Option<Arc<dyn IdempotencyTokens>>,
}

impl ConfigLoader {
    fn new(ctx: OsContext, imds_region: bool) -> Self {
        ConfigLoader {
            ctx,
            imds_region,
            profile: None,
            region: None,
            api_key: None,
            credentials: None,
            endpoint_url: None,
            use_fips: None,
            use_dual_stack: None,
            http: None,
            retry: None,
            timeouts: TimeoutConfig::new(),
            stalled: StalledStreamProtection::default(),
            app_id: None,
            clock: None,
            random: None,
            tokens: None,
        }
    }

    /// Reads this environment and these files instead of the process's (for tests, or to
    /// isolate the SDK from the process environment).
    pub fn os_context(mut self, ctx: OsContext) -> Self {
        self.ctx = ctx;
        self
    }

    /// Uses this profile instead of `AWS_PROFILE` (or `default`).
    pub fn profile_name(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// The region, e.g. `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Authenticates with a Bedrock API key (`Authorization: Bearer`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// Signs with SigV4 using these fixed credentials.
    pub fn credentials(self, credentials: Credentials) -> Self {
        self.credentials_provider(StaticProvider::new(credentials))
    }

    /// Signs with SigV4 using credentials from `provider` (cache them: it is asked once per attempt).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Sends every request to `url` (e.g. `http://127.0.0.1:8080` for bedrock-local).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Uses FIPS endpoints.
    pub fn use_fips(mut self, enabled: bool) -> Self {
        self.use_fips = Some(enabled);
        self
    }

    /// Uses dual-stack (IPv4 and IPv6) endpoints.
    pub fn use_dual_stack(mut self, enabled: bool) -> Self {
        self.use_dual_stack = Some(enabled);
        self
    }

    /// Sends through this HTTP client instead of a new pooled hyper client.
    pub fn http_client(mut self, client: Arc<dyn HttpClient>) -> Self {
        self.http = Some(client);
        self
    }

    /// Retry mode and attempts (instead of the environment's or the profile's).
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Operation, attempt and first-byte time limits (none by default).
    pub fn timeouts(mut self, timeouts: TimeoutConfig) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Stalled-stream protection (on by default).
    pub fn stalled_stream_protection(mut self, protection: StalledStreamProtection) -> Self {
        self.stalled = protection;
        self
    }

    /// Adds `app/<app_id>` to the user agent.
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The clock of retries, timeouts and signing (a test clock makes them deterministic).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The random source of retry jitter and invocation ids (seed it in tests).
    pub fn random_source(mut self, random: Arc<dyn RandomSource>) -> Self {
        self.random = Some(random);
        self
    }

    /// The source of idempotency tokens (random UUIDs by default).
    pub fn idempotency_tokens(mut self, tokens: impl IdempotencyTokens + 'static) -> Self {
        self.tokens = Some(Arc::new(tokens));
        self
    }

    /// Reads the environment and files and builds the configuration. Nothing is sent,
    /// except an instance-metadata region lookup when `from_env` found no region.
    pub fn load(self) -> impl Future<Output = Result<Config, ConfigError>> + Send {
        // Boxed so that loading (profiles, providers, the region lookup) is compiled once, in
        // this crate, rather than again in every program that awaits it.
        let load: Pin<Box<dyn Future<Output = Result<Config, ConfigError>> + Send>> = Box::pin(self.load_now());
        load
    }

    async fn load_now(self) -> Result<Config, ConfigError> {
        let ctx = self.ctx;
        let env = |name: &str| ctx.env.get_non_empty(name);
        let profiles = ProfileSet::load(&ctx, self.profile.as_deref()).map_err(ConfigError::ProfileFile)?;
        let profile = profiles.selected_profile();
        let profile_key = |key: &str| profile.and_then(|p| p.get(key)).map(str::to_owned);

        let http: Arc<dyn HttpClient> = match self.http {
            Some(http) => http,
            None => Arc::new(
                HyperClient::builder()
                    .with_env_from(env)
                    .build()
                    .map_err(ConfigError::HttpClient)?,
            ),
        };
        let retry = match self.retry {
            Some(retry) => retry,
            None => RetryConfig::from_lookups(&env, &profile_key).map_err(ConfigError::Retry)?,
        };
        let app_id = self
            .app_id
            .or_else(|| env("AWS_SDK_UA_APP_ID"))
            .or_else(|| profile_key("sdk_ua_app_id"));

        let mut provider_config = ProviderConfig::new(&ctx, http.clone());
        if let Some(name) = &self.profile {
            provider_config = provider_config.with_profile(name.clone());
        }
        let region = if self.imds_region {
            resolve_region_with_imds(self.region.as_deref(), &provider_config).await
        } else {
            bedrock_auth::region::resolve_region(self.region.as_deref(), &ctx, self.profile.as_deref())
        }
        .map_err(ConfigError::ProfileFile)?;
        if let Some(region) = &region {
            provider_config = provider_config.with_region(region.region.clone());
        }

        let auth = select_auth_mode(self.api_key, self.credentials, ctx.env.as_ref())
            .map_err(|_| ConfigError::ConflictingAuth)?;
        let auth_mode = auth.name();
        let auth = match auth {
            AuthMode::ExplicitApiKey(key) | AuthMode::EnvironmentApiKey(key) => Auth::ApiKey(key),
            AuthMode::ExplicitCredentials(provider) => Auth::SigV4(provider),
            // The default chain, and any mode a later version of bedrock-auth adds.
            _ => Auth::SigV4(Arc::new(default_credentials_provider_with(&provider_config))),
        };

        let endpoint_env = bedrock_endpoint::Env::from_pairs(
            ENDPOINT_ENV
                .iter()
                .filter_map(|name| env(name).map(|value| (name.to_string(), value))),
        );
        let mut shared_config = SharedConfig::new();
        if let Some(profile) = profile {
            for key in ENDPOINT_PROFILE_KEYS {
                if let Some(value) = profile.get(key) {
                    shared_config = shared_config.with_profile_key(*key, value);
                }
            }
            if let Some(section_name) = profile.get("services") {
                if let Some(section) = profiles.services(section_name) {
                    for service in section.keys() {
                        if let Some(url) = section
                            .property(service)
                            .and_then(|p| p.sub_properties().get("endpoint_url"))
                        {
                            shared_config = shared_config.with_services_key(section_name, service, "endpoint_url", url);
                        }
                    }
                }
            }
        }

        let mut settings = Settings {
            region,
            auth_mode,
            auth,
            endpoint_url: self.endpoint_url,
            use_fips: self.use_fips,
            use_dual_stack: self.use_dual_stack,
            endpoint_env,
            shared_config,
            http: http.clone(),
            retry,
            timeouts: self.timeouts,
            stalled: self.stalled,
            app_id,
            clock: self.clock,
            random: self.random,
            tokens: self.tokens.unwrap_or_else(|| Arc::new(UuidTokens::new())),
            clock_skew: ClockSkew::new(),
            executor: Executor::new(http),
        };
        settings.executor = settings.build_executor();
        tracing::debug!(
            region = settings.region.as_ref().map(|r| r.region.as_str()),
            auth = settings.auth_mode,
            "loaded configuration"
        );
        Ok(Config {
            inner: Arc::new(settings),
        })
    }
}

impl fmt::Debug for ConfigLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigLoader")
            .field("profile", &self.profile)
            .field("region", &self.region)
            .field("api_key", &self.api_key.as_ref().map(|_| bedrock_wire::REDACTED))
            .field("endpoint_url", &self.endpoint_url)
            .finish_non_exhaustive()
    }
}

/// Why the configuration could not be loaded. Each message names the setting to fix.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// A shared config or credentials file could not be read or parsed.
    ProfileFile(ProfileFileError),
    /// `AWS_RETRY_MODE` / `AWS_MAX_ATTEMPTS` (or the profile's keys) hold a bad value.
    Retry(RetryConfigError),
    /// Both an API key and credentials were given in code.
    ConflictingAuth,
    /// The HTTP client could not be set up (bad proxy variable, unreadable CA bundle).
    HttpClient(ConnectError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ProfileFile(e) => write!(f, "could not load the shared config files: {e}"),
            ConfigError::Retry(e) => write!(f, "invalid retry setting: {e}"),
            ConfigError::ConflictingAuth => f.write_str(
                "both an API key and credentials were given; configure one of them (a client uses one auth mode)",
            ),
            ConfigError::HttpClient(e) => write!(f, "could not set up the HTTP client: {e}"),
        }
    }
}

impl StdError for ConfigError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ConfigError::ProfileFile(e) => Some(e),
            ConfigError::Retry(e) => Some(e),
            ConfigError::ConflictingAuth => None,
            ConfigError::HttpClient(e) => Some(e),
        }
    }
}
