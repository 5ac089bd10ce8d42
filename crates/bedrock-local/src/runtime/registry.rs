//! Which model family answers for which model id.

use std::collections::HashMap;
use std::time::Duration;

use super::error::RuntimeError;
use super::script::Script;

/// The native body format of a model, chosen by its vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// Anthropic Claude: the Messages API body.
    Anthropic,
    /// Amazon Nova: `messages` and `inferenceConfig`.
    Nova,
    /// Amazon Titan Text: `inputText` and `textGenerationConfig`.
    TitanText,
    /// Amazon Titan embeddings: `inputText` to `embedding`.
    TitanEmbed,
    /// Cohere embeddings: `texts` to `embeddings`.
    CohereEmbed,
    /// Meta Llama: `prompt` to `generation`.
    MetaLlama,
    /// A local id (or an unbound profile ARN): the body format is recognised from its keys.
    Local,
}

impl Provider {
    /// Whether the model makes embeddings rather than text.
    pub fn is_embedding(self) -> bool {
        matches!(self, Self::TitanEmbed | Self::CohereEmbed)
    }
}

/// How the `generator` family writes text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeneratorConfig {
    /// Output tokens per answer (before `maxTokens` cuts it).
    pub output_tokens: u32,
    /// Tokens per streamed chunk.
    pub chunk_tokens: u32,
    /// Pause before the first streamed chunk.
    pub first_chunk_delay: Duration,
    /// Pause before each later streamed chunk.
    pub chunk_delay: Duration,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            output_tokens: 256,
            chunk_tokens: 16,
            first_chunk_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
        }
    }
}

/// The behaviour behind a model id.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Family {
    /// Answers with the last user text; `call <tool> {json}` makes a tool call.
    Echo,
    /// Answers from the named script.
    Scripted(String),
    /// Writes deterministic filler text.
    Generator(GeneratorConfig),
    /// Makes deterministic embedding vectors (embedding models only).
    Embedding,
}

/// A model id resolved to what answers for it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedModel {
    /// The id as the caller sent it.
    pub requested_id: String,
    /// The base model id (`anthropic.claude-3-haiku-20240307-v1:0`), or the local id.
    pub base_id: String,
    /// The native body format.
    pub provider: Provider,
    /// The behaviour.
    pub family: Family,
}

/// The prefix of the local families in the control plane's catalog (`local.echo`).
const LOCAL_PREFIX: &str = "local.";

/// Maps model ids to model families, and holds the scripts of the `scripted` family.
///
/// Model ids are resolved in this order:
/// 1. aliases registered with [`ModelRegistry::alias`] (an application inference profile or a
///    provisioned model ARN bound to a base model id, for instance), applied once;
/// 2. the local ids `echo`, `generator`, `generator/<n>` (the generator with `n` output tokens)
///    and `scripted/<name>` (a script registered with [`ModelRegistry::add_script`]; `scripted`
///    alone is the only registered script), each also with `local.` in front as the control
///    plane's catalog lists them (`local.echo`, also inside a `foundation-model/` ARN);
/// 3. ARNs: `foundation-model/<id>` and `inference-profile/<id>` resolve to the id inside;
///    `application-inference-profile/...` and `provisioned-model/...` ARNs that were not aliased
///    answer with the default family and accept any native body format;
/// 4. inference profile ids: a geography prefix (`us.`, `eu.`, `apac.`, `global.`, `us-gov.`,
///    `ca.`, `jp.`, `au.`) before a base id;
/// 5. base ids by vendor prefix: `anthropic.claude`, `amazon.nova`, `amazon.titan-text`,
///    `amazon.titan-embed`, `cohere.embed`, `meta.llama`.
///
/// Anything else is answered with the service's `ValidationException`
/// "The provided model identifier is invalid.".
///
/// Text models answer with the default family ([`Family::Echo`] unless changed with
/// [`ModelRegistry::set_default_family`]); [`ModelRegistry::route`] sends the ids starting with
/// a prefix to another family. Embedding models always use [`Family::Embedding`].
#[derive(Clone, Debug)]
pub struct ModelRegistry {
    scripts: HashMap<String, Script>,
    routes: Vec<(String, Family)>,
    aliases: HashMap<String, String>,
    default_family: Family,
    generator: GeneratorConfig,
    echo_chunk_tokens: u32,
}

impl Default for ModelRegistry {
    fn default() -> Self {
        Self::new()
    }
}

/// The largest answer `generator/<n>` writes, in tokens.
pub const MAX_GENERATOR_TOKENS: u32 = 1_000_000;

const GEOGRAPHIES: [&str; 8] = ["us", "eu", "apac", "global", "us-gov", "ca", "jp", "au"];

const VENDORS: [(&str, Provider); 6] = [
    ("anthropic.claude", Provider::Anthropic),
    ("amazon.nova", Provider::Nova),
    ("amazon.titan-text", Provider::TitanText),
    ("amazon.titan-embed", Provider::TitanEmbed),
    ("cohere.embed", Provider::CohereEmbed),
    ("meta.llama", Provider::MetaLlama),
];

impl ModelRegistry {
    /// A registry where every text model echoes, with no scripts.
    pub fn new() -> Self {
        Self {
            scripts: HashMap::new(),
            routes: Vec::new(),
            aliases: HashMap::new(),
            default_family: Family::Echo,
            generator: GeneratorConfig::default(),
            echo_chunk_tokens: 4,
        }
    }

    /// Registers (or replaces) the script that `scripted/<name>` answers from.
    pub fn add_script(&mut self, name: impl Into<String>, script: Script) -> &mut Self {
        self.scripts.insert(name.into(), script);
        self
    }

    /// The script registered under `name`.
    pub fn script(&self, name: &str) -> Option<&Script> {
        self.scripts.get(name)
    }

    /// Sends every text model whose base id (or requested id) starts with `prefix` to `family`;
    /// the longest matching prefix wins.
    pub fn route(&mut self, prefix: impl Into<String>, family: Family) -> &mut Self {
        self.routes.push((prefix.into(), family));
        self
    }

    /// Resolves `id` (typically an application inference profile or provisioned model ARN) as
    /// if `target` had been sent.
    pub fn alias(&mut self, id: impl Into<String>, target: impl Into<String>) -> &mut Self {
        self.aliases.insert(id.into(), target.into());
        self
    }

    /// The family of text models no route matches.
    pub fn set_default_family(&mut self, family: Family) -> &mut Self {
        self.default_family = family;
        self
    }

    /// The configuration of the plain `generator` id.
    pub fn set_generator(&mut self, config: GeneratorConfig) -> &mut Self {
        self.generator = config;
        self
    }

    /// The configuration of the plain `generator` id.
    pub fn generator(&self) -> GeneratorConfig {
        self.generator
    }

    /// Tokens per streamed chunk of the `echo` family.
    pub fn set_echo_chunk_tokens(&mut self, tokens: u32) -> &mut Self {
        self.echo_chunk_tokens = tokens.max(1);
        self
    }

    /// Tokens per streamed chunk of the `echo` family.
    pub fn echo_chunk_tokens(&self) -> u32 {
        self.echo_chunk_tokens
    }

    /// Resolves a model id, inference profile id or ARN, or answers the service's error.
    pub fn resolve(&self, model_id: &str) -> Result<ResolvedModel, RuntimeError> {
        let target = self.aliases.get(model_id).map_or(model_id, String::as_str);
        let (base_id, provider, local_family) = self.classify(target)?;
        let family = match local_family {
            Some(family) => family,
            None if provider.is_embedding() => Family::Embedding,
            None => self.routed(&base_id, model_id),
        };
        Ok(ResolvedModel {
            requested_id: model_id.to_owned(),
            base_id,
            provider,
            family,
        })
    }

    fn routed(&self, base_id: &str, requested: &str) -> Family {
        self.routes
            .iter()
            .filter(|(prefix, _)| base_id.starts_with(prefix.as_str()) || requested.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or_else(|| self.default_family.clone(), |(_, family)| family.clone())
    }

    fn classify(&self, id: &str) -> Result<(String, Provider, Option<Family>), RuntimeError> {
        // The control plane's catalog lists the local families as `local.echo`,
        // `local.generator` and `local.scripted`: both spellings name the same model.
        let id = id.strip_prefix(LOCAL_PREFIX).unwrap_or(id);
        match id {
            "echo" => return Ok((id.to_owned(), Provider::Local, Some(Family::Echo))),
            "generator" => return Ok((id.to_owned(), Provider::Local, Some(Family::Generator(self.generator)))),
            // Without a name, `scripted` is the only registered script, if there is exactly one.
            "scripted" => {
                let mut names = self.scripts.keys();
                return match (names.next(), names.next()) {
                    (Some(name), None) => Ok((id.to_owned(), Provider::Local, Some(Family::Scripted(name.clone())))),
                    _ => Err(RuntimeError::invalid_model()),
                };
            }
            _ => {}
        }
        if let Some(count) = id.strip_prefix("generator/") {
            let output_tokens: u32 = count.parse().map_err(|_| RuntimeError::invalid_model())?;
            if output_tokens > MAX_GENERATOR_TOKENS {
                return Err(RuntimeError::validation(format!(
                    "The generator writes at most {MAX_GENERATOR_TOKENS} tokens per answer; {id} asks for {output_tokens}."
                )));
            }
            let config = GeneratorConfig {
                output_tokens,
                ..self.generator
            };
            return Ok((id.to_owned(), Provider::Local, Some(Family::Generator(config))));
        }
        if let Some(name) = id.strip_prefix("scripted/") {
            if self.scripts.contains_key(name) {
                return Ok((id.to_owned(), Provider::Local, Some(Family::Scripted(name.to_owned()))));
            }
            return Err(RuntimeError::invalid_model());
        }
        if id.starts_with("arn:") {
            return self.classify_arn(id);
        }
        let base = strip_geography(id);
        vendor(base)
            .map(|provider| (base.to_owned(), provider, None))
            .ok_or_else(RuntimeError::invalid_model)
    }

    fn classify_arn(&self, arn: &str) -> Result<(String, Provider, Option<Family>), RuntimeError> {
        // arn:<partition>:bedrock:<region>:<account>:<resource-type>/<resource>
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, partition, service, _region, _account, resource] = parts.as_slice() else {
            return Err(RuntimeError::invalid_model());
        };
        if !partition.starts_with("aws") || *service != "bedrock" {
            return Err(RuntimeError::invalid_model());
        }
        let Some((kind, name)) = resource.split_once('/') else {
            return Err(RuntimeError::invalid_model());
        };
        if name.is_empty() {
            return Err(RuntimeError::invalid_model());
        }
        match kind {
            "foundation-model" if name.starts_with(LOCAL_PREFIX) => self.classify(name),
            "foundation-model" | "inference-profile" => {
                let base = strip_geography(name);
                vendor(base)
                    .map(|provider| (base.to_owned(), provider, None))
                    .ok_or_else(RuntimeError::invalid_model)
            }
            "application-inference-profile" | "provisioned-model" | "custom-model-deployment" => {
                Ok((arn.to_owned(), Provider::Local, None))
            }
            _ => Err(RuntimeError::invalid_model()),
        }
    }
}

fn strip_geography(id: &str) -> &str {
    match id.split_once('.') {
        Some((geo, rest)) if GEOGRAPHIES.contains(&geo) => rest,
        _ => id,
    }
}

fn vendor(base: &str) -> Option<Provider> {
    VENDORS.iter().find_map(|(prefix, provider)| {
        let rest = base.strip_prefix(prefix)?;
        // Something must follow the family name, e.g. `-3-haiku...` or `-lite-v1:0` or `3-8b...`.
        (!rest.is_empty()).then_some(*provider)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(registry: &ModelRegistry, id: &str) -> (String, Provider, Family) {
        let model = registry.resolve(id).unwrap();
        (model.base_id, model.provider, model.family)
    }

    #[test]
    fn the_catalogs_local_ids_resolve_like_the_short_ones() {
        let mut registry = ModelRegistry::new();
        for id in ["local.echo", "arn:aws:bedrock:us-east-1::foundation-model/local.echo"] {
            assert_eq!(resolve(&registry, id).2, Family::Echo, "{id}");
        }
        assert!(matches!(resolve(&registry, "local.generator").2, Family::Generator(_)));
        assert!(matches!(
            resolve(&registry, "local.generator/8").2,
            Family::Generator(GeneratorConfig { output_tokens: 8, .. })
        ));
        // `scripted` without a name: the only script, if there is exactly one.
        assert_eq!(registry.resolve("local.scripted"), Err(RuntimeError::invalid_model()));
        let script = Script::from_json(r#"{"turns":[{"content":[{"text":"hi"}]}]}"#).unwrap();
        registry.add_script("only", script.clone());
        assert_eq!(resolve(&registry, "local.scripted").2, Family::Scripted("only".into()));
        assert_eq!(
            resolve(&registry, "local.scripted/only").2,
            Family::Scripted("only".into())
        );
        registry.add_script("other", script);
        assert_eq!(registry.resolve("scripted"), Err(RuntimeError::invalid_model()));
        assert_eq!(registry.resolve("local.nothing"), Err(RuntimeError::invalid_model()));
    }

    #[test]
    fn real_ids_profiles_and_arns_resolve() {
        let registry = ModelRegistry::new();
        let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
        for id in [
            haiku.to_owned(),
            format!("us.{haiku}"),
            format!("eu.{haiku}"),
            format!("apac.{haiku}"),
            format!("global.{haiku}"),
            format!("arn:aws:bedrock:us-east-1::foundation-model/{haiku}"),
            format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{haiku}"),
        ] {
            assert_eq!(
                resolve(&registry, &id),
                (haiku.to_owned(), Provider::Anthropic, Family::Echo),
                "{id}"
            );
        }
        assert_eq!(resolve(&registry, "amazon.nova-lite-v1:0").1, Provider::Nova);
        assert_eq!(
            resolve(&registry, "amazon.titan-text-express-v1").1,
            Provider::TitanText
        );
        assert_eq!(
            resolve(&registry, "amazon.titan-embed-text-v2:0"),
            (
                "amazon.titan-embed-text-v2:0".to_owned(),
                Provider::TitanEmbed,
                Family::Embedding
            )
        );
        assert_eq!(resolve(&registry, "cohere.embed-english-v3").2, Family::Embedding);
        assert_eq!(
            resolve(&registry, "us.meta.llama3-1-8b-instruct-v1:0").1,
            Provider::MetaLlama
        );
        let app = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdef123456";
        assert_eq!(resolve(&registry, app), (app.to_owned(), Provider::Local, Family::Echo));
        let provisioned = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456";
        assert_eq!(resolve(&registry, provisioned).1, Provider::Local);
    }

    #[test]
    fn local_ids_resolve() {
        let mut registry = ModelRegistry::new();
        registry.add_script(
            "weather",
            Script::from_json(r#"{"turns":[{"content":[{"text":"hi"}]}]}"#).unwrap(),
        );
        assert_eq!(resolve(&registry, "echo").2, Family::Echo);
        assert_eq!(
            resolve(&registry, "scripted/weather").2,
            Family::Scripted("weather".into())
        );
        assert_eq!(
            resolve(&registry, "generator").2,
            Family::Generator(GeneratorConfig::default())
        );
        let Family::Generator(config) = resolve(&registry, "generator/1000").2 else {
            panic!()
        };
        assert_eq!(config.output_tokens, 1000);
        let too_long = registry.resolve("generator/1000001").unwrap_err();
        assert!(too_long.message().contains("at most 1000000 tokens"), "{too_long}");
    }

    #[test]
    fn unknown_ids_are_invalid() {
        let registry = ModelRegistry::new();
        for id in [
            "gpt-4",
            "openai.gpt-5",
            "anthropic.claude",
            "us.mistral.large",
            "scripted/missing",
            "generator/many",
            "generator/-1",
            "arn:aws:bedrock:us-east-1::foundation-model/unknown.model-v1",
            "arn:aws:s3:::bucket/key",
            "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc",
            "arn:aws:bedrock",
        ] {
            let error = registry.resolve(id).unwrap_err();
            assert_eq!(
                error,
                RuntimeError::Validation("The provided model identifier is invalid.".into()),
                "{id}"
            );
        }
    }

    #[test]
    fn routes_and_aliases() {
        let mut registry = ModelRegistry::new();
        registry.add_script(
            "s",
            Script::from_json(r#"{"turns":[{"content":[{"text":"hi"}]}]}"#).unwrap(),
        );
        registry.route("anthropic.", Family::Generator(GeneratorConfig::default()));
        registry.route("anthropic.claude-3-haiku", Family::Scripted("s".into()));
        registry.alias(
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc",
            "amazon.nova-pro-v1:0",
        );
        assert_eq!(
            resolve(&registry, "us.anthropic.claude-3-haiku-20240307-v1:0").2,
            Family::Scripted("s".into())
        );
        assert!(matches!(
            resolve(&registry, "anthropic.claude-3-opus").2,
            Family::Generator(_)
        ));
        let aliased = registry
            .resolve("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc")
            .unwrap();
        assert_eq!(aliased.provider, Provider::Nova);
        assert_eq!(
            aliased.requested_id,
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc"
        );
        registry.set_default_family(Family::Generator(GeneratorConfig::default()));
        assert!(matches!(
            resolve(&registry, "meta.llama3-8b-instruct-v1:0").2,
            Family::Generator(_)
        ));
    }
}
