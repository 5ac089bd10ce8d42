//! Guardrails: the working draft, numbered versions and their policies.

use std::collections::BTreeMap;

use bedrock_control_types::error::{
    CreateGuardrailError, CreateGuardrailVersionError, DeleteGuardrailError, GetGuardrailError, ListGuardrailsError,
    UpdateGuardrailError,
};
use bedrock_control_types::types::{
    CreateGuardrailRequest, CreateGuardrailResponse, CreateGuardrailVersionRequest, CreateGuardrailVersionResponse,
    DeleteGuardrailRequest, DeleteGuardrailResponse, GetGuardrailRequest, GetGuardrailResponse,
    GuardrailAutomatedReasoningPolicy, GuardrailContentPolicy, GuardrailContextualGroundingPolicy,
    GuardrailCrossRegionConfig, GuardrailCrossRegionDetails, GuardrailSensitiveInformationPolicy,
    GuardrailSensitiveInformationPolicyConfig, GuardrailStatus, GuardrailSummary, GuardrailTopicPolicy,
    GuardrailWordPolicy, ListGuardrailsRequest, ListGuardrailsResponse, UpdateGuardrailRequest,
    UpdateGuardrailResponse,
};

use super::error::{check, Fault};
use super::{datetime, paginate, same_token, ControlPlane, State};

/// The version name of a guardrail's working copy.
pub(crate) const DRAFT: &str = "DRAFT";

/// A guardrail: its draft and its published versions.
#[derive(Clone, Debug)]
pub(crate) struct Guardrail {
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) arn: String,
    pub(crate) created_ms: i64,
    pub(crate) draft: Config,
    pub(crate) draft_updated_ms: i64,
    pub(crate) versions: BTreeMap<u32, Version>,
    pub(crate) next_version: u32,
    pub(crate) client_request_token: Option<String>,
}

/// Everything a guardrail version holds, in the shapes `GetGuardrail` returns.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) topic: Option<GuardrailTopicPolicy>,
    pub(crate) content: Option<GuardrailContentPolicy>,
    pub(crate) word: Option<GuardrailWordPolicy>,
    pub(crate) sensitive: Option<GuardrailSensitiveInformationPolicy>,
    pub(crate) grounding: Option<GuardrailContextualGroundingPolicy>,
    pub(crate) automated: Option<GuardrailAutomatedReasoningPolicy>,
    pub(crate) cross_region: Option<GuardrailCrossRegionDetails>,
    pub(crate) blocked_input: String,
    pub(crate) blocked_outputs: String,
    pub(crate) kms_key_arn: Option<String>,
}

/// A published, immutable version.
#[derive(Clone, Debug)]
pub(crate) struct Version {
    pub(crate) config: Config,
    pub(crate) description: Option<String>,
    pub(crate) created_ms: i64,
}

/// A stored policy from its `...Config` input: the two shapes differ only in
/// the names of their top-level members (`wordsConfig` → `words`).
fn policy<C: serde::Serialize, P: serde::de::DeserializeOwned>(config: &C, what: &str) -> Result<P, Fault> {
    let invalid = |e: serde_json::Error| Fault::Validation(format!("The {what} is not valid: {e}"));
    let value = serde_json::to_value(config).map_err(invalid)?;
    let renamed = match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| match k.strip_suffix("Config") {
                    Some(stripped) => (stripped.to_owned(), v),
                    None => (k, v),
                })
                .collect(),
        ),
        other => other,
    };
    serde_json::from_value(renamed).map_err(invalid)
}

fn optional<C: serde::Serialize, P: serde::de::DeserializeOwned>(
    config: &Option<C>,
    what: &str,
) -> Result<Option<P>, Fault> {
    config.as_ref().map(|c| policy(c, what)).transpose()
}

/// Rejects custom regexes the evaluation engine could not run.
fn check_regexes(config: &Option<GuardrailSensitiveInformationPolicyConfig>) -> Result<(), Fault> {
    let regexes = config
        .as_ref()
        .and_then(|c| c.regexes_config.as_deref())
        .unwrap_or_default();
    for (i, r) in regexes.iter().enumerate() {
        if let Err(e) = regex_lite::Regex::new(&r.pattern) {
            return Err(Fault::Validation(format!(
                "The regex '{}' at 'sensitiveInformationPolicyConfig.regexesConfig.{}.member.pattern' is not a valid regular expression: {e}",
                r.pattern,
                i + 1
            )));
        }
    }
    Ok(())
}

/// The fields shared by `CreateGuardrail` and `UpdateGuardrail`.
struct ConfigInput<'a> {
    name: &'a str,
    description: &'a Option<String>,
    topic: &'a Option<bedrock_control_types::types::GuardrailTopicPolicyConfig>,
    content: &'a Option<bedrock_control_types::types::GuardrailContentPolicyConfig>,
    word: &'a Option<bedrock_control_types::types::GuardrailWordPolicyConfig>,
    sensitive: &'a Option<GuardrailSensitiveInformationPolicyConfig>,
    grounding: &'a Option<bedrock_control_types::types::GuardrailContextualGroundingPolicyConfig>,
    automated: &'a Option<bedrock_control_types::types::GuardrailAutomatedReasoningPolicyConfig>,
    cross_region: &'a Option<GuardrailCrossRegionConfig>,
    blocked_input: &'a str,
    blocked_outputs: &'a str,
    kms_key_id: &'a Option<String>,
}

impl ControlPlane {
    fn build_config(&self, input: ConfigInput<'_>) -> Result<Config, Fault> {
        check_regexes(input.sensitive)?;
        Ok(Config {
            name: input.name.to_owned(),
            description: input.description.clone(),
            topic: optional(input.topic, "topic policy")?,
            content: optional(input.content, "content policy")?,
            word: optional(input.word, "word policy")?,
            sensitive: optional(input.sensitive, "sensitive information policy")?,
            grounding: optional(input.grounding, "contextual grounding policy")?,
            automated: optional(input.automated, "automated reasoning policy")?,
            cross_region: input.cross_region.as_ref().map(|c| {
                let id = super::id_from_identifier(&c.guardrail_profile_identifier, "guardrail-profile").to_owned();
                let mut details = GuardrailCrossRegionDetails::new();
                details.guardrail_profile_arn = Some(if c.guardrail_profile_identifier.starts_with("arn:") {
                    c.guardrail_profile_identifier.clone()
                } else {
                    self.arn(&format!("guardrail-profile/{id}"))
                });
                details.guardrail_profile_id = Some(id);
                details
            }),
            blocked_input: input.blocked_input.to_owned(),
            blocked_outputs: input.blocked_outputs.to_owned(),
            kms_key_arn: input.kms_key_id.as_ref().map(|k| {
                if k.starts_with("arn:") {
                    k.clone()
                } else {
                    format!("arn:aws:kms:{}:{}:key/{k}", self.region, self.account_id)
                }
            }),
        })
    }

    /// A copy of the configuration of a guardrail version (`None` or empty
    /// means `DRAFT`), by guardrail id or ARN.
    pub(crate) fn guardrail_config(&self, identifier: &str, version: Option<&str>) -> Result<Config, Fault> {
        let state = self.lock();
        let guardrail = find(&state, identifier)?;
        match version.filter(|v| !v.is_empty()) {
            None | Some(DRAFT) => Ok(guardrail.draft.clone()),
            Some(v) => version_of(guardrail, v).map(|version| version.config.clone()),
        }
    }

    /// `CreateGuardrail`: a new guardrail whose `DRAFT` holds the policies as
    /// given; it is `READY` at once. Names are unique (`ConflictException`).
    pub fn create_guardrail(
        &self,
        input: &CreateGuardrailRequest,
    ) -> Result<CreateGuardrailResponse, CreateGuardrailError> {
        check(input)?;
        let config = self.build_config(ConfigInput {
            name: &input.name,
            description: &input.description,
            topic: &input.topic_policy_config,
            content: &input.content_policy_config,
            word: &input.word_policy_config,
            sensitive: &input.sensitive_information_policy_config,
            grounding: &input.contextual_grounding_policy_config,
            automated: &input.automated_reasoning_policy_config,
            cross_region: &input.cross_region_config,
            blocked_input: &input.blocked_input_messaging,
            blocked_outputs: &input.blocked_outputs_messaging,
            kms_key_id: &input.kms_key_id,
        })?;
        let now = self.now_ms();
        let mut state = self.lock();
        if let Some(g) = same_token(state.guardrails.values(), &input.client_request_token, |g| {
            &g.client_request_token
        }) {
            return Ok(CreateGuardrailResponse::new(
                g.id.clone(),
                g.arn.clone(),
                DRAFT,
                datetime(g.created_ms),
            ));
        }
        if state.guardrails.values().any(|g| g.draft.name == input.name) {
            return Err(Fault::Conflict(format!("A guardrail named '{}' already exists.", input.name)).into());
        }
        let id = state.fresh_id();
        let arn = self.arn(&format!("guardrail/{id}"));
        state.set_initial_tags(&arn, input.tags.as_deref())?;
        let seq = state.next_seq();
        state.guardrails.insert(
            id.clone(),
            Guardrail {
                seq,
                id: id.clone(),
                arn: arn.clone(),
                created_ms: now,
                draft: config,
                draft_updated_ms: now,
                versions: BTreeMap::new(),
                next_version: 1,
                client_request_token: input.client_request_token.clone(),
            },
        );
        Ok(CreateGuardrailResponse::new(id, arn, DRAFT, datetime(now)))
    }

    /// `GetGuardrail`: the `DRAFT` (no version given) or a numbered version.
    pub fn get_guardrail(&self, input: &GetGuardrailRequest) -> Result<GetGuardrailResponse, GetGuardrailError> {
        check(input)?;
        let state = self.lock();
        let g = find(&state, &input.guardrail_identifier)?;
        let (label, config, description, created, updated) = match input.guardrail_version.as_deref() {
            None | Some(DRAFT) => (
                DRAFT.to_owned(),
                &g.draft,
                g.draft.description.clone(),
                g.created_ms,
                g.draft_updated_ms,
            ),
            Some(v) => {
                let version = version_of(g, v)?;
                let description = version
                    .description
                    .clone()
                    .or_else(|| version.config.description.clone());
                (
                    v.to_owned(),
                    &version.config,
                    description,
                    version.created_ms,
                    version.created_ms,
                )
            }
        };
        let mut r = GetGuardrailResponse::new(
            config.name.clone(),
            g.id.clone(),
            g.arn.clone(),
            label,
            GuardrailStatus::Ready,
            datetime(created),
            datetime(updated),
            config.blocked_input.clone(),
            config.blocked_outputs.clone(),
        );
        r.description = description;
        r.topic_policy = config.topic.clone();
        r.content_policy = config.content.clone();
        r.word_policy = config.word.clone();
        r.sensitive_information_policy = config.sensitive.clone();
        r.contextual_grounding_policy = config.grounding.clone();
        r.automated_reasoning_policy = config.automated.clone();
        r.cross_region_details = config.cross_region.clone();
        r.kms_key_arn = config.kms_key_arn.clone();
        Ok(r)
    }

    /// `ListGuardrails`: the `DRAFT` of every guardrail in creation order, or,
    /// with `guardrailIdentifier`, every version of that guardrail (`DRAFT`
    /// first). Pages of `maxResults` (default 100) with an opaque `nextToken`.
    pub fn list_guardrails(
        &self,
        input: &ListGuardrailsRequest,
    ) -> Result<ListGuardrailsResponse, ListGuardrailsError> {
        check(input)?;
        let state = self.lock();
        let items: Vec<(u64, GuardrailSummary)> = match &input.guardrail_identifier {
            Some(identifier) => {
                let g = find(&state, identifier)?;
                let mut items = vec![(0, draft_summary(g))];
                for (number, version) in &g.versions {
                    let mut s = GuardrailSummary::new(
                        g.id.clone(),
                        g.arn.clone(),
                        GuardrailStatus::Ready,
                        version.config.name.clone(),
                        number.to_string(),
                        datetime(version.created_ms),
                        datetime(version.created_ms),
                    );
                    s.description = version
                        .description
                        .clone()
                        .or_else(|| version.config.description.clone());
                    s.cross_region_details = version.config.cross_region.clone();
                    items.push((u64::from(*number), s));
                }
                items
            }
            None => {
                let mut all: Vec<&Guardrail> = state.guardrails.values().collect();
                all.sort_by_key(|g| g.seq);
                all.into_iter().map(|g| (g.seq, draft_summary(g))).collect()
            }
        };
        let (page, token) = paginate(items, true, input.max_results, input.next_token.as_deref(), 100)?;
        let mut response = ListGuardrailsResponse::new(page);
        response.next_token = token;
        Ok(response)
    }

    /// `UpdateGuardrail`: replaces the `DRAFT` (policies left out are
    /// removed). The new name must not belong to another guardrail.
    pub fn update_guardrail(
        &self,
        input: &UpdateGuardrailRequest,
    ) -> Result<UpdateGuardrailResponse, UpdateGuardrailError> {
        check(input)?;
        let config = self.build_config(ConfigInput {
            name: &input.name,
            description: &input.description,
            topic: &input.topic_policy_config,
            content: &input.content_policy_config,
            word: &input.word_policy_config,
            sensitive: &input.sensitive_information_policy_config,
            grounding: &input.contextual_grounding_policy_config,
            automated: &input.automated_reasoning_policy_config,
            cross_region: &input.cross_region_config,
            blocked_input: &input.blocked_input_messaging,
            blocked_outputs: &input.blocked_outputs_messaging,
            kms_key_id: &input.kms_key_id,
        })?;
        let now = self.now_ms();
        let mut state = self.lock();
        let id = find(&state, &input.guardrail_identifier)?.id.clone();
        if state
            .guardrails
            .values()
            .any(|g| g.id != id && g.draft.name == input.name)
        {
            return Err(Fault::Conflict(format!("A guardrail named '{}' already exists.", input.name)).into());
        }
        let g = state
            .guardrails
            .get_mut(&id)
            .ok_or_else(|| guardrail_not_found(&input.guardrail_identifier))?;
        g.draft = config;
        g.draft_updated_ms = now;
        Ok(UpdateGuardrailResponse::new(
            g.id.clone(),
            g.arn.clone(),
            DRAFT,
            datetime(now),
        ))
    }

    /// `DeleteGuardrail`: the whole guardrail, or one numbered version when
    /// `guardrailVersion` is given.
    pub fn delete_guardrail(
        &self,
        input: &DeleteGuardrailRequest,
    ) -> Result<DeleteGuardrailResponse, DeleteGuardrailError> {
        check(input)?;
        let mut state = self.lock();
        let id = find(&state, &input.guardrail_identifier)?.id.clone();
        match input.guardrail_version.as_deref() {
            None => {
                if let Some(g) = state.guardrails.remove(&id) {
                    state.tags.remove(&g.arn);
                }
            }
            Some(DRAFT) => return Err(Fault::Validation(
                "The DRAFT version cannot be deleted on its own; leave out guardrailVersion to delete the guardrail."
                    .to_owned(),
            )
            .into()),
            Some(v) => {
                let g = state
                    .guardrails
                    .get_mut(&id)
                    .ok_or_else(|| guardrail_not_found(&input.guardrail_identifier))?;
                let number = version_number(g, v)?;
                g.versions.remove(&number);
            }
        }
        Ok(DeleteGuardrailResponse::new())
    }

    /// `CreateGuardrailVersion`: freezes the current `DRAFT` as the next
    /// version number (1, 2, ...; numbers are never reused).
    pub fn create_guardrail_version(
        &self,
        input: &CreateGuardrailVersionRequest,
    ) -> Result<CreateGuardrailVersionResponse, CreateGuardrailVersionError> {
        check(input)?;
        let now = self.now_ms();
        let mut state = self.lock();
        let id = find(&state, &input.guardrail_identifier)?.id.clone();
        let g = state
            .guardrails
            .get_mut(&id)
            .ok_or_else(|| guardrail_not_found(&input.guardrail_identifier))?;
        let number = g.next_version;
        g.next_version += 1;
        g.versions.insert(
            number,
            Version {
                config: g.draft.clone(),
                description: input.description.clone(),
                created_ms: now,
            },
        );
        Ok(CreateGuardrailVersionResponse::new(g.id.clone(), number.to_string()))
    }
}

fn draft_summary(g: &Guardrail) -> GuardrailSummary {
    let mut s = GuardrailSummary::new(
        g.id.clone(),
        g.arn.clone(),
        GuardrailStatus::Ready,
        g.draft.name.clone(),
        DRAFT,
        datetime(g.created_ms),
        datetime(g.draft_updated_ms),
    );
    s.description = g.draft.description.clone();
    s.cross_region_details = g.draft.cross_region.clone();
    s
}

pub(crate) fn guardrail_not_found(identifier: &str) -> Fault {
    Fault::NotFound(format!("The guardrail '{identifier}' was not found."))
}

fn find<'a>(state: &'a State, identifier: &str) -> Result<&'a Guardrail, Fault> {
    let id = super::id_from_identifier(identifier, "guardrail");
    state.guardrails.get(id).ok_or_else(|| guardrail_not_found(identifier))
}

fn version_number(g: &Guardrail, version: &str) -> Result<u32, Fault> {
    let number = version.parse::<u32>().map_err(|_| {
        Fault::Validation(format!(
            "The guardrail version '{version}' is not valid; use DRAFT or a version number."
        ))
    })?;
    if g.versions.contains_key(&number) {
        Ok(number)
    } else {
        Err(Fault::NotFound(format!(
            "Version {version} of the guardrail '{}' was not found.",
            g.id
        )))
    }
}

fn version_of<'a>(g: &'a Guardrail, version: &str) -> Result<&'a Version, Fault> {
    let number = version_number(g, version)?;
    g.versions.get(&number).ok_or_else(|| guardrail_not_found(&g.id))
}
