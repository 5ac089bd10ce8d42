//! Where a client's endpoint comes from, in the order the AWS SDKs document:
//!
//! 1. an endpoint URL set in code ([`EndpointConfig::endpoint_url`]);
//! 2. the service's environment variable (`AWS_ENDPOINT_URL_BEDROCK`,
//!    `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `AWS_ENDPOINT_URL_BEDROCK_MANTLE`,
//!    then for mantle `AWS_BEDROCK_BASE_URL`);
//! 3. `AWS_ENDPOINT_URL`;
//! 4. the shared config file: the profile's `services` section, then its `endpoint_url`;
//! 5. the service's endpoint rule set, from the region, FIPS and dual-stack settings.
//!
//! Steps 2 to 4 are skipped when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or the
//! profile's `ignore_configured_endpoint_urls`) is true. An override still goes
//! through the rule set as its `Endpoint` parameter, as in the AWS SDKs, so
//! the rule set decides whether it can be combined with FIPS or dual-stack.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::partition::Partitions;
use crate::rules::{Endpoint, Params, ResolveError};
use crate::service::Service;
use crate::url;
use crate::value::Value;

/// Where the environment variables come from: the process, or a fixed set (for tests).
#[derive(Clone, Default)]
pub struct Env {
    fixed: Option<HashMap<String, String>>,
}

/// Shows variable names only: a fixed set may hold secrets.
impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fixed {
            None => f.write_str("Env::process()"),
            Some(map) => {
                let mut names: Vec<&String> = map.keys().collect();
                names.sort();
                f.debug_struct("Env").field("names", &names).finish()
            }
        }
    }
}

impl Env {
    /// The process's environment.
    pub fn process() -> Env {
        Env { fixed: None }
    }

    /// Exactly these variables and no others.
    pub fn from_pairs<I, K, V>(pairs: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            fixed: Some(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()),
        }
    }

    /// The value of `name`; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = match &self.fixed {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|v| !v.trim().is_empty())
    }
}

/// Settings from the shared config file, already parsed: the keys of the
/// selected profile, and the `[services NAME]` sections.
///
/// ```
/// use bedrock_endpoint::SharedConfig;
///
/// // [profile dev]
/// // services = local
/// // [services local]
/// // bedrock_runtime =
/// //   endpoint_url = http://localhost:8080
/// let config = SharedConfig::new()
///     .with_profile_key("services", "local")
///     .with_services_key("local", "bedrock_runtime", "endpoint_url", "http://localhost:8080");
/// # let _ = config;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedConfig {
    profile: HashMap<String, String>,
    services: HashMap<String, HashMap<String, HashMap<String, String>>>,
}

impl SharedConfig {
    /// No settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` of the selected profile (`region`, `endpoint_url`, `services`,
    /// `use_fips_endpoint`, `use_dualstack_endpoint`, `ignore_configured_endpoint_urls`).
    pub fn with_profile_key(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.profile.insert(key.into(), value.into());
        self
    }

    /// Sets `key` under `service` (such as `bedrock_runtime`) in the section `[services section]`.
    pub fn with_services_key(
        mut self,
        section: impl Into<String>,
        service: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.services
            .entry(section.into())
            .or_default()
            .entry(service.into().to_ascii_lowercase())
            .or_default()
            .insert(key.into(), value.into());
        self
    }

    fn profile(&self, key: &str) -> Option<&str> {
        self.profile
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn service(&self, section: &str, service: &str, key: &str) -> Option<&str> {
        self.services
            .get(section)?
            .get(service)?
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Set in code.
    Code,
    /// An environment variable.
    Env(String),
    /// A key of the selected profile.
    Profile(String),
    /// A `[services NAME]` section of the shared config file.
    ServicesSection {
        /// The section's name.
        section: String,
        /// The service key in it, such as `bedrock_runtime`.
        service: String,
    },
    /// The service's endpoint rule set.
    RuleSet,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Code => f.write_str("set in code"),
            Source::Env(name) => write!(f, "from the environment variable {name}"),
            Source::Profile(key) => write!(f, "from the shared config key `{key}`"),
            Source::ServicesSection { section, service } => write!(
                f,
                "from `endpoint_url` under `{service}` in the shared config section `[services {section}]`"
            ),
            Source::RuleSet => f.write_str("from the endpoint rule set"),
        }
    }
}

/// A named route on bedrock-mantle; which one a request uses depends on the API and the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MantleRoute {
    /// `/v1`: the OpenAI-compatible APIs for most models.
    V1,
    /// `/openai/v1`: models served on the OpenAI route.
    OpenAi,
    /// `/anthropic/v1`: the Anthropic Messages API.
    Anthropic,
}

impl MantleRoute {
    /// Every route.
    pub const ALL: [MantleRoute; 3] = [MantleRoute::V1, MantleRoute::OpenAi, MantleRoute::Anthropic];

    /// The route's key in the rule set's `routePrefixes` property.
    pub fn key(self) -> &'static str {
        match self {
            MantleRoute::V1 => "v1",
            MantleRoute::OpenAi => "openai",
            MantleRoute::Anthropic => "anthropic",
        }
    }
}

/// Why no endpoint could be resolved. Each message says what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// The region is not a region name; it never reaches a URL.
    InvalidRegion {
        /// The value as given.
        region: String,
        /// Where it came from.
        source: Source,
    },
    /// No region is set and no endpoint URL overrides the regional endpoint.
    MissingRegion {
        /// The service being configured.
        service: Service,
    },
    /// An endpoint URL is malformed.
    InvalidEndpointUrl {
        /// The value as given.
        url: String,
        /// Where it came from.
        source: Source,
        /// What is wrong with it.
        reason: String,
    },
    /// A plain-`http` URL points at an AWS host, which accepts HTTPS only.
    InsecureEndpoint {
        /// The value as given.
        url: String,
        /// Where it came from.
        source: Source,
    },
    /// A boolean setting is neither `true` nor `false`.
    InvalidBoolean {
        /// The value as given.
        value: String,
        /// Where it came from.
        source: Source,
    },
    /// A route prefix override is malformed, or was set for a service without routes.
    InvalidRoutePrefix {
        /// The value as given.
        prefix: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The service's rule set refused the configuration (for example FIPS with a custom endpoint).
    Rules {
        /// The service being configured.
        service: Service,
        /// The rule set's answer.
        error: ResolveError,
    },
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::InvalidRegion { region, source } => write!(
                f,
                "invalid region `{region}` ({source}): a region is one DNS label of lower-case letters, digits \
                 and `-`, such as `us-east-1`; set a valid region"
            ),
            EndpointError::MissingRegion { service } => write!(
                f,
                "no region is configured for {service}: set one in code, in AWS_REGION, or as `region` in the \
                 shared config profile (or give an endpoint URL)"
            ),
            EndpointError::InvalidEndpointUrl { url, source, reason } => write!(
                f,
                "invalid endpoint URL `{url}` ({source}): {reason}; an endpoint URL looks like \
                 `https://host[:port][/path]`"
            ),
            EndpointError::InsecureEndpoint { url, source } => write!(
                f,
                "endpoint URL `{url}` ({source}) uses plain http for an AWS host, which accepts HTTPS only; \
                 use `https://` (plain http is for local emulators and proxies)"
            ),
            EndpointError::InvalidBoolean { value, source } => {
                write!(f, "`{value}` ({source}) is not a boolean; use `true` or `false`")
            }
            EndpointError::InvalidRoutePrefix { prefix, reason } => {
                write!(f, "invalid route prefix `{prefix}`: {reason}")
            }
            EndpointError::Rules { service, error } => {
                write!(f, "cannot resolve the {service} endpoint: {error}")
            }
        }
    }
}

impl std::error::Error for EndpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EndpointError::Rules { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A client's endpoint configuration; [`EndpointConfig::resolve`] turns it into a
/// [`ResolvedEndpoint`] once, when the client is built.
///
/// ```
/// use bedrock_endpoint::{EndpointConfig, Env, Service};
///
/// let endpoint = EndpointConfig::new(Service::BedrockRuntime)
///     .region("eu-west-1")
///     .env(Env::from_pairs([("AWS_USE_DUALSTACK_ENDPOINT", "true")]))
///     .resolve()?;
/// assert_eq!(endpoint.url(), "https://bedrock-runtime.eu-west-1.api.aws");
/// assert_eq!(endpoint.signing_name(), "bedrock");
/// assert_eq!(endpoint.signing_region(), Some("eu-west-1"));
/// # Ok::<(), bedrock_endpoint::EndpointError>(())
/// ```
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    service: Service,
    region: Option<String>,
    endpoint_url: Option<String>,
    use_fips: Option<bool>,
    use_dual_stack: Option<bool>,
    env: Env,
    shared_config: SharedConfig,
    route_prefixes: Vec<(MantleRoute, String)>,
}

/// The region, FIPS and dual-stack settings after precedence, for one resolution.
struct Settings {
    region: Option<String>,
    use_fips: bool,
    use_dual_stack: bool,
}

impl EndpointConfig {
    /// Defaults for `service`: the process environment, no shared config, nothing set in code.
    pub fn new(service: Service) -> Self {
        EndpointConfig {
            service,
            region: None,
            endpoint_url: None,
            use_fips: None,
            use_dual_stack: None,
            env: Env::process(),
            shared_config: SharedConfig::new(),
            route_prefixes: Vec::new(),
        }
    }

    /// The region (wins over `AWS_REGION`, `AWS_DEFAULT_REGION` and the profile's `region`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An endpoint URL that replaces the regional endpoint (wins over every configured one).
    /// `http://` is accepted for hosts outside AWS, such as a local emulator.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Use the FIPS endpoint (wins over `AWS_USE_FIPS_ENDPOINT` and `use_fips_endpoint`).
    pub fn use_fips(mut self, enabled: bool) -> Self {
        self.use_fips = Some(enabled);
        self
    }

    /// Use the dual-stack endpoint (wins over `AWS_USE_DUALSTACK_ENDPOINT` and `use_dualstack_endpoint`).
    pub fn use_dual_stack(mut self, enabled: bool) -> Self {
        self.use_dual_stack = Some(enabled);
        self
    }

    /// Where environment variables are read from (default: the process).
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// Settings of the shared config file, already parsed.
    pub fn shared_config(mut self, config: SharedConfig) -> Self {
        self.shared_config = config;
        self
    }

    /// Replaces a bedrock-mantle route prefix such as `/openai/v1` (`""` for none).
    pub fn route_prefix(mut self, route: MantleRoute, prefix: impl Into<String>) -> Self {
        self.route_prefixes.retain(|(r, _)| *r != route);
        self.route_prefixes.push((route, prefix.into()));
        self
    }

    /// Applies the precedence rules and evaluates the service's rule set.
    pub fn resolve(&self) -> Result<ResolvedEndpoint, EndpointError> {
        let partitions = Partitions::builtin();
        let settings = self.settings()?;
        let configured = self.configured_endpoint(partitions)?;
        if settings.region.is_none() && configured.is_none() {
            return Err(EndpointError::MissingRegion { service: self.service });
        }
        let overrides = self.route_overrides()?;

        let rule_set = self.service.rule_set();
        let mut params = Params::new();
        for p in rule_set.parameters() {
            let value: Option<Value> = match p.built_in() {
                Some("AWS::Region") => settings.region.clone().map(Value::String),
                Some("AWS::UseFIPS") => Some(Value::Bool(settings.use_fips)),
                Some("AWS::UseDualStack") => Some(Value::Bool(settings.use_dual_stack)),
                Some("SDK::Endpoint") => configured.as_ref().map(|(url, _)| Value::String(url.clone())),
                _ => None,
            };
            if let Some(v) = value {
                params.set(p.name(), v);
            }
        }
        let endpoint = rule_set
            .resolve(&params, partitions)
            .map_err(|error| EndpointError::Rules {
                service: self.service,
                error,
            })?;

        let source = match &configured {
            Some((url, source)) if url == endpoint.url() => source.clone(),
            _ => Source::RuleSet,
        };
        let url = checked_url(endpoint.url(), &source, partitions)?;
        let scheme = auth_scheme(&endpoint);
        let signing_name = scheme
            .and_then(|s| s.get("signingName"))
            .and_then(Value::as_str)
            .unwrap_or(self.service.signing_name())
            .to_owned();
        let signing_region = scheme
            .and_then(|s| s.get("signingRegion"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| settings.region.clone());
        let mut route_prefixes = Vec::new();
        if self.service == Service::BedrockMantle {
            for route in MantleRoute::ALL {
                let from_rules = endpoint
                    .property("routePrefixes")
                    .and_then(|p| p.get(route.key()))
                    .and_then(Value::as_str);
                let chosen = overrides
                    .iter()
                    .find(|(r, _)| *r == route)
                    .map(|(_, p)| p.as_str())
                    .or(from_rules);
                if let Some(prefix) = chosen {
                    route_prefixes.push((route, prefix.to_owned()));
                }
            }
        }
        Ok(ResolvedEndpoint {
            service: self.service,
            url,
            source,
            signing_name,
            signing_region,
            route_prefixes,
            endpoint,
        })
    }

    fn settings(&self) -> Result<Settings, EndpointError> {
        let region = match &self.region {
            Some(r) => Some((r.clone(), Source::Code)),
            None => self
                .env_value("AWS_REGION")
                .or_else(|| self.env_value("AWS_DEFAULT_REGION"))
                .or_else(|| self.profile_value("region")),
        };
        if let Some((region, source)) = &region {
            check_region(region, source)?;
        }
        Ok(Settings {
            region: region.map(|(r, _)| r),
            use_fips: self.flag(self.use_fips, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?,
            use_dual_stack: self.flag(
                self.use_dual_stack,
                "AWS_USE_DUALSTACK_ENDPOINT",
                "use_dualstack_endpoint",
            )?,
        })
    }

    fn env_value(&self, name: &str) -> Option<(String, Source)> {
        self.env.get(name).map(|v| (v, Source::Env(name.to_owned())))
    }

    fn profile_value(&self, key: &str) -> Option<(String, Source)> {
        self.shared_config
            .profile(key)
            .map(|v| (v.to_owned(), Source::Profile(key.to_owned())))
    }

    fn flag(&self, code: Option<bool>, env: &str, profile: &str) -> Result<bool, EndpointError> {
        if let Some(v) = code {
            return Ok(v);
        }
        match self.env_value(env).or_else(|| self.profile_value(profile)) {
            Some((value, source)) => parse_bool(&value, source),
            None => Ok(false),
        }
    }

    /// The endpoint override after precedence, checked and normalized, with its source.
    fn configured_endpoint(&self, partitions: &Partitions) -> Result<Option<(String, Source)>, EndpointError> {
        if let Some(url) = &self.endpoint_url {
            return check_override(url, &Source::Code, partitions, false).map(|u| Some((u, Source::Code)));
        }
        let ignore = self.flag(
            None,
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
            "ignore_configured_endpoint_urls",
        )?;
        if ignore {
            return Ok(None);
        }
        let mut candidates: Vec<(Option<(String, Source)>, bool)> =
            vec![(self.env_value(&self.service.endpoint_url_env_var()), false)];
        if self.service == Service::BedrockMantle {
            candidates.push((self.env_value("AWS_BEDROCK_BASE_URL"), true));
        }
        candidates.push((self.env_value("AWS_ENDPOINT_URL"), false));
        for (candidate, strip_route) in candidates {
            if let Some((url, source)) = candidate {
                let checked = check_override(&url, &source, partitions, strip_route)?;
                return Ok(Some((checked, source)));
            }
        }
        if let Some(section) = self.shared_config.profile("services") {
            let key = self.service.config_key();
            if let Some(url) = self.shared_config.service(section, &key, "endpoint_url") {
                let source = Source::ServicesSection {
                    section: section.to_owned(),
                    service: key,
                };
                let checked = check_override(url, &source, partitions, false)?;
                return Ok(Some((checked, source)));
            }
        }
        if let Some((url, source)) = self.profile_value("endpoint_url") {
            let checked = check_override(&url, &source, partitions, false)?;
            return Ok(Some((checked, source)));
        }
        Ok(None)
    }

    fn route_overrides(&self) -> Result<Vec<(MantleRoute, String)>, EndpointError> {
        if self.route_prefixes.is_empty() {
            return Ok(Vec::new());
        }
        if self.service != Service::BedrockMantle {
            let (_, prefix) = &self.route_prefixes[0];
            return Err(EndpointError::InvalidRoutePrefix {
                prefix: prefix.clone(),
                reason: format!("route prefixes apply to bedrock-mantle only, not {}", self.service),
            });
        }
        let mut out = Vec::with_capacity(self.route_prefixes.len());
        for (route, prefix) in &self.route_prefixes {
            out.push((*route, check_route_prefix(prefix)?));
        }
        Ok(out)
    }
}

/// Resolution of [`EndpointConfig`]: where to send requests and how to sign them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    service: Service,
    url: String,
    source: Source,
    signing_name: String,
    signing_region: Option<String>,
    route_prefixes: Vec<(MantleRoute, String)>,
    endpoint: Endpoint,
}

impl ResolvedEndpoint {
    /// The service.
    pub fn service(&self) -> Service {
        self.service
    }

    /// The base URL, without a trailing `/`; request paths (and mantle route prefixes) are appended to it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the URL came from: [`Source::RuleSet`] for the regional endpoint, otherwise the override's source.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The SigV4 signing name: the rule set's auth scheme if it names one, else the service's.
    pub fn signing_name(&self) -> &str {
        &self.signing_name
    }

    /// The SigV4 signing region: the rule set's auth scheme if it names one, else the configured
    /// region (so a VPC endpoint or proxy URL is signed for the region configured).
    pub fn signing_region(&self) -> Option<&str> {
        self.signing_region.as_deref()
    }

    /// Headers the rule set asks every request to carry.
    pub fn headers(&self) -> &BTreeMap<String, Vec<String>> {
        self.endpoint.headers()
    }

    /// The rule set's result as is, properties included.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The path prefix of a bedrock-mantle route (`/openai/v1`), after any override; `None` for other services.
    pub fn route_prefix(&self, route: MantleRoute) -> Option<&str> {
        self.route_prefixes
            .iter()
            .find(|(r, _)| *r == route)
            .map(|(_, p)| p.as_str())
    }

    /// [`url`](Self::url) followed by the route's prefix: the base URL for one mantle API.
    pub fn route_url(&self, route: MantleRoute) -> Option<String> {
        self.route_prefix(route).map(|p| format!("{}{p}", self.url))
    }
}

/// The first auth scheme the endpoint lists, if any.
fn auth_scheme(endpoint: &Endpoint) -> Option<&Value> {
    endpoint.property("authSchemes")?.as_array()?.first()
}

/// A region is one DNS label: 1 to 63 lower-case letters, digits and `-`, not starting or ending with `-`.
fn check_region(region: &str, source: &Source) -> Result<(), EndpointError> {
    let bytes = region.as_bytes();
    let ok = (1..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-';
    if ok {
        Ok(())
    } else {
        Err(EndpointError::InvalidRegion {
            region: region.to_owned(),
            source: source.clone(),
        })
    }
}

fn parse_bool(value: &str, source: Source) -> Result<bool, EndpointError> {
    match value.trim() {
        v if v.eq_ignore_ascii_case("true") => Ok(true),
        v if v.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(EndpointError::InvalidBoolean {
            value: value.to_owned(),
            source,
        }),
    }
}

/// The known route suffixes `AWS_BEDROCK_BASE_URL` may end with, longest first.
const ROUTE_SUFFIXES: [&str; 3] = ["/openai/v1", "/anthropic/v1", "/v1"];

/// Checks an endpoint override and normalizes it: lower-case scheme, no trailing `/`. With
/// `strip_route`, a trailing mantle route (`/openai/v1`) is removed: OpenAI-style base URLs include it.
fn check_override(
    text: &str,
    source: &Source,
    partitions: &Partitions,
    strip_route: bool,
) -> Result<String, EndpointError> {
    let bad = |reason: String| EndpointError::InvalidEndpointUrl {
        url: text.to_owned(),
        source: source.clone(),
        reason,
    };
    let parsed = url::parse(text).map_err(bad)?;
    if parsed.has_query {
        return Err(bad(
            "it has a query (`?...`), which an endpoint URL cannot carry".to_owned()
        ));
    }
    if parsed.has_fragment {
        return Err(bad(
            "it has a fragment (`#...`), which an endpoint URL cannot carry".to_owned()
        ));
    }
    if parsed.path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(bad("its path contains `.` or `..` segments".to_owned()));
    }
    if parsed.scheme == "http" && partitions.is_aws_host(parsed.host) {
        return Err(EndpointError::InsecureEndpoint {
            url: text.to_owned(),
            source: source.clone(),
        });
    }
    let mut path = parsed.path.trim_end_matches('/');
    if strip_route {
        if let Some(stripped) = ROUTE_SUFFIXES.iter().find_map(|suffix| path.strip_suffix(suffix)) {
            path = stripped.trim_end_matches('/');
        }
    }
    Ok(format!("{}://{}{path}", parsed.scheme, parsed.authority))
}

/// Checks the URL a rule set produced: it must parse, and a regional (rule-set) endpoint must be HTTPS.
fn checked_url(text: &str, source: &Source, partitions: &Partitions) -> Result<String, EndpointError> {
    let parsed = url::parse(text).map_err(|reason| EndpointError::InvalidEndpointUrl {
        url: text.to_owned(),
        source: source.clone(),
        reason,
    })?;
    let insecure = parsed.scheme == "http" && (*source == Source::RuleSet || partitions.is_aws_host(parsed.host));
    if insecure {
        return Err(EndpointError::InsecureEndpoint {
            url: text.to_owned(),
            source: source.clone(),
        });
    }
    if parsed.has_query || parsed.has_fragment {
        return Err(EndpointError::InvalidEndpointUrl {
            url: text.to_owned(),
            source: source.clone(),
            reason: "it has a query or a fragment".to_owned(),
        });
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// A route prefix: empty, or `/` followed by path characters; no trailing `/`.
fn check_route_prefix(prefix: &str) -> Result<String, EndpointError> {
    let bad = |reason: &str| EndpointError::InvalidRoutePrefix {
        prefix: prefix.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = prefix.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if !trimmed.starts_with('/') {
        return Err(bad("it must start with `/`, as in `/openai/v1`"));
    }
    url::check_path(trimmed).map_err(|reason| bad(&reason))?;
    if trimmed.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(bad("it must not contain `.` or `..` segments"));
    }
    if trimmed.contains("//") {
        return Err(bad("it must not contain empty segments (`//`)"));
    }
    Ok(trimmed.to_owned())
}
