//! The guardrail evaluation engine behind `ApplyGuardrail` and the
//! `guardrailConfig` of Converse.
//!
//! Word filters (custom words and a small built-in profanity list),
//! sensitive-information filters (PII types that a regular expression can
//! find, and custom regexes) are enforced, with `BLOCK`, `ANONYMIZE` and
//! detect-only (`NONE`) actions per direction. Content, topic, contextual
//! grounding and automated reasoning policies are stored but never fire; only
//! their usage units are counted.

use std::sync::OnceLock;

use bedrock_runtime_types::error::{
    ApplyGuardrailError, ResourceNotFoundException as RuntimeNotFound, ValidationException as RuntimeValidation,
};
use bedrock_runtime_types::types::{
    ApplyGuardrailRequest, ApplyGuardrailResponse, GuardrailAction, GuardrailAssessment, GuardrailContentBlock,
    GuardrailContentSource, GuardrailCoverage, GuardrailCustomWord, GuardrailInvocationMetrics, GuardrailManagedWord,
    GuardrailManagedWordType, GuardrailOutputContent, GuardrailOutputScope, GuardrailPiiEntityFilter,
    GuardrailPiiEntityType as RuntimePiiType, GuardrailRegexFilter,
    GuardrailSensitiveInformationPolicyAction as SensitiveOutcome, GuardrailSensitiveInformationPolicyAssessment,
    GuardrailTextCharactersCoverage, GuardrailUsage, GuardrailWordPolicyAction, GuardrailWordPolicyAssessment,
};
use regex_lite::Regex;

use bedrock_control_types::types::{GuardrailSensitiveInformationAction as SensitiveAction, GuardrailWordAction};

use super::error::Fault;
use super::guardrails::Config;
use super::ControlPlane;

/// The built-in stand-in for the managed `PROFANITY` word list.
pub const PROFANITY: &[&str] = &[
    "damn", "shit", "fuck", "bullshit", "bastard", "asshole", "bitch", "crap",
];

/// The PII entity types the engine detects, in the order it scans for them.
/// Other types (`NAME`, `ADDRESS`, `AGE`, ...) are accepted in a guardrail
/// but never detected.
pub const DETECTED_PII_TYPES: &[&str] = &[
    "US_SOCIAL_SECURITY_NUMBER",
    "CREDIT_DEBIT_CARD_NUMBER",
    "EMAIL",
    "AWS_ACCESS_KEY",
    "URL",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "PHONE",
];

const PII_PATTERNS: &[(&str, &str)] = &[
    ("US_SOCIAL_SECURITY_NUMBER", r"\b\d{3}-\d{2}-\d{4}\b"),
    ("CREDIT_DEBIT_CARD_NUMBER", r"\b(?:\d[ -]?){12,18}\d\b"),
    (
        "EMAIL",
        r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
    ),
    ("AWS_ACCESS_KEY", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    ("URL", r"\bhttps?://[^\s]+"),
    (
        "IP_ADDRESS",
        r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b",
    ),
    ("MAC_ADDRESS", r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b"),
    ("PHONE", r"(?:\+1[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]?\d{3}[ .-]?\d{4}\b"),
];

fn pii_regex(kind: &str) -> Option<&'static Regex> {
    static COMPILED: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        PII_PATTERNS
            .iter()
            .filter_map(|(name, pattern)| Regex::new(pattern).ok().map(|re| (*name, re)))
            .collect()
    });
    compiled.iter().find(|(name, _)| *name == kind).map(|(_, re)| re)
}

/// The byte ranges in `text` where the engine finds PII of type `kind` (one of
/// [`DETECTED_PII_TYPES`]; any other type finds nothing). Card numbers must pass
/// the Luhn checksum, as in a guardrail's sensitive-information filter.
pub(crate) fn find_pii(kind: &str, text: &str) -> Vec<std::ops::Range<usize>> {
    let Some(re) = pii_regex(kind) else {
        return Vec::new();
    };
    let accept: fn(&str) -> bool = if kind == "CREDIT_DEBIT_CARD_NUMBER" {
        luhn
    } else {
        any_match
    };
    re.find_iter(text)
        .filter(|m| !m.as_str().is_empty() && accept(m.as_str()))
        .map(|m| m.range())
        .collect()
}

/// The text units a guardrail evaluation charges for one text block: one per
/// started 1,000 characters.
pub(crate) fn text_units(text: &str) -> i32 {
    i32::try_from(text.chars().count().div_ceil(1000)).unwrap_or(i32::MAX)
}

/// The Luhn checksum of the digits in `candidate`.
fn luhn(candidate: &str) -> bool {
    let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 13 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Every accepted match of `re` in `text`; with `mask`, the matches are
/// replaced by it in `text`.
fn scan(text: &mut String, re: &Regex, accept: fn(&str) -> bool, mask: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in re.find_iter(text) {
        if m.as_str().is_empty() || !accept(m.as_str()) {
            continue;
        }
        found.push(m.as_str().to_owned());
        if let Some(mask) = mask {
            out.push_str(&text[last..m.start()]);
            out.push_str(mask);
            last = m.end();
        }
    }
    if mask.is_some() && !found.is_empty() {
        out.push_str(&text[last..]);
        *text = out;
    }
    found
}

fn word_regex(word: &str) -> Option<Regex> {
    let word = word.trim();
    if word.is_empty() {
        return None;
    }
    let edge = |c: Option<char>| {
        if c.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            r"\b"
        } else {
            ""
        }
    };
    let pattern = format!(
        "(?i){}{}{}",
        edge(word.chars().next()),
        regex_lite::escape(word),
        edge(word.chars().last())
    );
    Regex::new(&pattern).ok()
}

fn any_match(_: &str) -> bool {
    true
}

/// Which way the content flows.
#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Input,
    Output,
}

impl Direction {
    fn pick<T: Clone>(self, input: &Option<T>, output: &Option<T>, default: T) -> T {
        match self {
            Direction::Input => input.clone().unwrap_or(default),
            Direction::Output => output.clone().unwrap_or(default),
        }
    }
}

fn word_outcome(action: &GuardrailWordAction) -> GuardrailWordPolicyAction {
    match action {
        GuardrailWordAction::None => GuardrailWordPolicyAction::None,
        _ => GuardrailWordPolicyAction::Blocked,
    }
}

fn sensitive_outcome(action: &SensitiveAction) -> SensitiveOutcome {
    match action {
        SensitiveAction::Block => SensitiveOutcome::Blocked,
        SensitiveAction::Anonymize => SensitiveOutcome::Anonymized,
        _ => SensitiveOutcome::None,
    }
}

/// Findings over all text blocks.
#[derive(Default)]
struct Findings {
    custom_words: Vec<GuardrailCustomWord>,
    managed_words: Vec<GuardrailManagedWord>,
    pii: Vec<GuardrailPiiEntityFilter>,
    regexes: Vec<GuardrailRegexFilter>,
    blocked: bool,
    masked: bool,
}

impl Findings {
    fn evaluate(&mut self, config: &Config, direction: Direction, text: &mut String) {
        if let Some(word) = &config.word {
            for w in word.words.as_deref().unwrap_or_default() {
                if !direction.pick(&w.input_enabled, &w.output_enabled, true) {
                    continue;
                }
                let action =
                    word_outcome(&direction.pick(&w.input_action, &w.output_action, GuardrailWordAction::Block));
                if word_regex(&w.text).is_some_and(|re| re.is_match(text)) {
                    self.blocked |= action == GuardrailWordPolicyAction::Blocked;
                    let mut found = GuardrailCustomWord::new(w.text.clone(), action);
                    found.detected = Some(true);
                    self.custom_words.push(found);
                }
            }
            for list in word.managed_word_lists.as_deref().unwrap_or_default() {
                if !direction.pick(&list.input_enabled, &list.output_enabled, true) {
                    continue;
                }
                let action =
                    word_outcome(&direction.pick(&list.input_action, &list.output_action, GuardrailWordAction::Block));
                for profane in PROFANITY {
                    if word_regex(profane).is_some_and(|re| re.is_match(text)) {
                        self.blocked |= action == GuardrailWordPolicyAction::Blocked;
                        let mut found =
                            GuardrailManagedWord::new(*profane, GuardrailManagedWordType::Profanity, action.clone());
                        found.detected = Some(true);
                        self.managed_words.push(found);
                    }
                }
            }
        }
        if let Some(sensitive) = &config.sensitive {
            let entities = sensitive.pii_entities.as_deref().unwrap_or_default();
            for kind in DETECTED_PII_TYPES {
                let Some(entity) = entities.iter().find(|e| e.r#type.as_str() == *kind) else {
                    continue;
                };
                if !direction.pick(&entity.input_enabled, &entity.output_enabled, true) {
                    continue;
                }
                let Some(re) = pii_regex(kind) else { continue };
                let outcome = sensitive_outcome(&direction.pick(
                    &entity.input_action,
                    &entity.output_action,
                    entity.action.clone(),
                ));
                let accept: fn(&str) -> bool = if *kind == "CREDIT_DEBIT_CARD_NUMBER" {
                    luhn
                } else {
                    any_match
                };
                let mask = format!("{{{kind}}}");
                let mask = (outcome == SensitiveOutcome::Anonymized).then_some(mask.as_str());
                for matched in scan(text, re, accept, mask) {
                    self.note(&outcome);
                    let mut f = GuardrailPiiEntityFilter::new(matched, RuntimePiiType::from(*kind), outcome.clone());
                    f.detected = Some(true);
                    self.pii.push(f);
                }
            }
            for r in sensitive.regexes.as_deref().unwrap_or_default() {
                if !direction.pick(&r.input_enabled, &r.output_enabled, true) {
                    continue;
                }
                let Ok(re) = Regex::new(&r.pattern) else { continue };
                let outcome = sensitive_outcome(&direction.pick(&r.input_action, &r.output_action, r.action.clone()));
                let mask = format!("{{{}}}", r.name);
                let mask = (outcome == SensitiveOutcome::Anonymized).then_some(mask.as_str());
                for matched in scan(text, &re, any_match, mask) {
                    self.note(&outcome);
                    let mut f = GuardrailRegexFilter::new(outcome.clone());
                    f.name = Some(r.name.clone());
                    f.r#match = Some(matched);
                    f.regex = Some(r.pattern.clone());
                    f.detected = Some(true);
                    self.regexes.push(f);
                }
            }
        }
    }

    fn note(&mut self, outcome: &SensitiveOutcome) {
        match outcome {
            SensitiveOutcome::Blocked => self.blocked = true,
            SensitiveOutcome::Anonymized => self.masked = true,
            _ => {}
        }
    }
}

fn runtime_error(fault: Fault) -> ApplyGuardrailError {
    match fault {
        Fault::NotFound(_) => ApplyGuardrailError::ResourceNotFoundException(
            RuntimeNotFound::new()
                .with_message("The guardrail identifier or version provided in the request does not exist."),
        ),
        other => ApplyGuardrailError::ValidationException(RuntimeValidation::new().with_message(other.message())),
    }
}

impl ControlPlane {
    /// Applies a guardrail version to text content, as `ApplyGuardrail` does.
    ///
    /// `guardrail_identifier` is a guardrail id or ARN; `guardrail_version` is
    /// `DRAFT` (or empty) or a version number; `source` says whether the
    /// content is a model input (`INPUT`, blocked with the guardrail's
    /// `blockedInputMessaging`) or output (`OUTPUT`, `blockedOutputsMessaging`).
    /// Only text blocks are evaluated. On an intervention `outputs` holds the
    /// blocked message, or the text with each anonymized match replaced by
    /// `{TYPE}` (PII) or `{name}` (custom regex); without one it is empty.
    pub fn apply_guardrail(
        &self,
        guardrail_identifier: &str,
        guardrail_version: &str,
        source: &GuardrailContentSource,
        content: &[GuardrailContentBlock],
    ) -> Result<ApplyGuardrailResponse, ApplyGuardrailError> {
        self.evaluate(guardrail_identifier, guardrail_version, source, content, false)
    }

    /// `ApplyGuardrail` from its request: validates it, then
    /// [`apply_guardrail`](Self::apply_guardrail); with `outputScope: FULL`
    /// the (possibly unchanged) text is returned even without intervention.
    pub fn apply_guardrail_request(
        &self,
        input: &ApplyGuardrailRequest,
    ) -> Result<ApplyGuardrailResponse, ApplyGuardrailError> {
        if let Some(message) = super::validation_message(input) {
            return Err(runtime_error(Fault::Validation(message)));
        }
        let full = input.output_scope == Some(GuardrailOutputScope::Full);
        self.evaluate(
            &input.guardrail_identifier,
            &input.guardrail_version,
            &input.source,
            &input.content,
            full,
        )
    }

    fn evaluate(
        &self,
        identifier: &str,
        version: &str,
        source: &GuardrailContentSource,
        content: &[GuardrailContentBlock],
        full: bool,
    ) -> Result<ApplyGuardrailResponse, ApplyGuardrailError> {
        let direction = match source {
            GuardrailContentSource::Input => Direction::Input,
            GuardrailContentSource::Output => Direction::Output,
            other => {
                return Err(runtime_error(Fault::Validation(format!(
                    "The source '{}' is not valid; use INPUT or OUTPUT.",
                    other.as_str()
                ))))
            }
        };
        let config = self
            .guardrail_config(identifier, Some(version))
            .map_err(runtime_error)?;
        let mut findings = Findings::default();
        let mut texts = Vec::new();
        let mut characters: usize = 0;
        let mut units: i32 = 0;
        for block in content {
            if let GuardrailContentBlock::Text(t) = block {
                let count = t.text.chars().count();
                characters += count;
                units = units.saturating_add(text_units(&t.text));
                let mut text = t.text.clone();
                findings.evaluate(&config, direction, &mut text);
                texts.push(text);
            }
        }
        let (action, reason, outputs) = if findings.blocked {
            let message = match direction {
                Direction::Input => config.blocked_input.clone(),
                Direction::Output => config.blocked_outputs.clone(),
            };
            (
                GuardrailAction::GuardrailIntervened,
                "Guardrail blocked.",
                vec![message],
            )
        } else if findings.masked {
            (GuardrailAction::GuardrailIntervened, "Guardrail masked.", texts)
        } else {
            (
                GuardrailAction::None,
                "No action.",
                if full { texts } else { Vec::new() },
            )
        };
        let outputs = outputs
            .into_iter()
            .map(|text| {
                let mut o = GuardrailOutputContent::new();
                o.text = Some(text);
                o
            })
            .collect::<Vec<_>>();

        let has = |configured: bool| if configured { units } else { 0 };
        let sensitive = config.sensitive.as_ref();
        let mut usage = GuardrailUsage::new(
            has(config.topic.is_some()),
            has(config.content.is_some()),
            has(config.word.is_some()),
            has(sensitive.is_some_and(|s| s.pii_entities.as_ref().is_some_and(|p| !p.is_empty()))),
            has(sensitive.is_some_and(|s| s.regexes.as_ref().is_some_and(|r| !r.is_empty()))),
            has(config.grounding.is_some()),
        );
        usage.automated_reasoning_policy_units = config.automated.as_ref().map(|_| units);
        usage.automated_reasoning_policies = config.automated.as_ref().map(|a| a.policies.len() as i32);
        let mut coverage_chars = GuardrailTextCharactersCoverage::new();
        let characters = i32::try_from(characters).unwrap_or(i32::MAX);
        coverage_chars.guarded = Some(characters);
        coverage_chars.total = Some(characters);
        let mut coverage = GuardrailCoverage::new();
        coverage.text_characters = Some(coverage_chars);

        let mut assessment = GuardrailAssessment::new();
        if !findings.custom_words.is_empty() || !findings.managed_words.is_empty() {
            assessment.word_policy = Some(GuardrailWordPolicyAssessment::new(
                findings.custom_words,
                findings.managed_words,
            ));
        }
        if !findings.pii.is_empty() || !findings.regexes.is_empty() {
            assessment.sensitive_information_policy = Some(GuardrailSensitiveInformationPolicyAssessment::new(
                findings.pii,
                findings.regexes,
            ));
        }
        let mut metrics = GuardrailInvocationMetrics::new();
        metrics.guardrail_processing_latency = Some(0);
        metrics.usage = Some(usage.clone());
        metrics.guardrail_coverage = Some(coverage.clone());
        assessment.invocation_metrics = Some(metrics);

        let mut response = ApplyGuardrailResponse::new(usage, action, outputs, vec![assessment]);
        response.action_reason = Some(reason.to_owned());
        response.guardrail_coverage = Some(coverage);
        Ok(response)
    }
}
