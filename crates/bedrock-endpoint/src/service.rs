//! The three services this crate resolves endpoints for.

use std::fmt;
use std::sync::LazyLock;

use crate::generated;
use crate::mantle;
use crate::rules::RuleSet;

/// A Bedrock service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// The control plane, `bedrock` (models, customization jobs, guardrails, ...).
    Bedrock,
    /// The runtime, `bedrock-runtime` (Converse, InvokeModel, ...).
    BedrockRuntime,
    /// The OpenAI- and Anthropic-compatible APIs, `bedrock-mantle`.
    BedrockMantle,
}

static BEDROCK: LazyLock<RuleSet> = LazyLock::new(generated::bedrock::rule_set);
static BEDROCK_RUNTIME: LazyLock<RuleSet> = LazyLock::new(generated::bedrock_runtime::rule_set);
static BEDROCK_MANTLE: LazyLock<RuleSet> = LazyLock::new(mantle::rule_set);

impl Service {
    /// Every service, in a fixed order.
    pub const ALL: [Service; 3] = [Service::Bedrock, Service::BedrockRuntime, Service::BedrockMantle];

    /// The endpoint prefix: `bedrock`, `bedrock-runtime` or `bedrock-mantle`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Bedrock => "bedrock",
            Service::BedrockRuntime => "bedrock-runtime",
            Service::BedrockMantle => "bedrock-mantle",
        }
    }

    /// The service id (`Bedrock Runtime`), which names the endpoint settings.
    pub fn service_id(self) -> &'static str {
        match self {
            Service::Bedrock => generated::bedrock::SERVICE_ID,
            Service::BedrockRuntime => generated::bedrock_runtime::SERVICE_ID,
            Service::BedrockMantle => mantle::SERVICE_ID,
        }
    }

    /// The SigV4 signing name: `bedrock` for the control plane and the runtime, `bedrock-mantle` for mantle.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Bedrock => generated::bedrock::SIGNING_NAME,
            Service::BedrockRuntime => generated::bedrock_runtime::SIGNING_NAME,
            Service::BedrockMantle => mantle::SIGNING_NAME,
        }
    }

    /// The built-in endpoint rule set: generated from the pinned AWS model for
    /// `bedrock` and `bedrock-runtime`, written by this project for `bedrock-mantle`.
    pub fn rule_set(self) -> &'static RuleSet {
        match self {
            Service::Bedrock => &BEDROCK,
            Service::BedrockRuntime => &BEDROCK_RUNTIME,
            Service::BedrockMantle => &BEDROCK_MANTLE,
        }
    }

    /// The service-specific environment variable: `AWS_ENDPOINT_URL_` and the service id in
    /// upper case with `_` for spaces (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).
    pub fn endpoint_url_env_var(self) -> String {
        let id: String = self
            .service_id()
            .chars()
            .map(|c| {
                if c == ' ' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        format!("AWS_ENDPOINT_URL_{id}")
    }

    /// The key of this service in a shared-config `services` section: the service id in
    /// lower case with `_` for spaces (`bedrock_runtime`).
    pub fn config_key(self) -> String {
        self.service_id()
            .chars()
            .map(|c| {
                if c == ' ' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
