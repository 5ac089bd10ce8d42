//! InvokeGuardrailChecks: inline, detect-only checks over a conversation, with no stored guardrail.
//!
//! The service scores each requested check with a classifier; the emulator uses fixed rules
//! instead, so that the same request always gets the same answer:
//!
//! - **sensitiveInformation**: the PII detectors of the control plane's guardrail engine
//!   (`EMAIL`, `PHONE`, `US_SOCIAL_SECURITY_NUMBER`, `CREDIT_DEBIT_CARD_NUMBER` with the Luhn
//!   check, `AWS_ACCESS_KEY`, `URL`, `IP_ADDRESS`, `MAC_ADDRESS`) run over every text block of
//!   every message. Each match of a requested type is one entry with `confidenceScore` 1.0, its
//!   message and content-block indexes, and character offsets (`endOffset` exclusive). Where two
//!   types match overlapping text, the one found first in that list is kept. Other requested
//!   types are accepted and never found. At most [`MAX_ENTITIES`] entries are returned; beyond
//!   that `truncated` is `true`.
//! - **contentFilter**: each requested category has a keyword list ([`CONTENT_KEYWORDS`]),
//!   matched as whole words, case-insensitively, in every message. The category's
//!   `severityScore` grows with the number of distinct keywords found (see [`severity`]).
//! - **promptAttack**: each requested category has a phrase list ([`ATTACK_PHRASES`]), matched
//!   case-insensitively with any whitespace between the words, in the `user` messages only (a
//!   prompt attack is something a user sends). Scored like the content filter.
//!
//! Both scored checks answer one entry per requested category, in the order requested (a
//! category requested twice is answered once), `0.0` when nothing matched. Usage: each
//! requested check is charged the text units of the blocks it read, one unit per started 1,000
//! characters of each block, as the control plane's ApplyGuardrail counts them.

use std::ops::Range;

use bedrock_runtime_types::types::{
    GuardrailChecksContentBlock, GuardrailChecksContentFilterCategory, GuardrailChecksContentFilterResult,
    GuardrailChecksContentFilterResultEntry, GuardrailChecksContentFilterUsage, GuardrailChecksMessage,
    GuardrailChecksPromptAttackCategory, GuardrailChecksPromptAttackResult, GuardrailChecksPromptAttackResultEntry,
    GuardrailChecksPromptAttackUsage, GuardrailChecksResults, GuardrailChecksRole,
    GuardrailChecksSensitiveInformationEntityType, GuardrailChecksSensitiveInformationResult,
    GuardrailChecksSensitiveInformationResultEntry, GuardrailChecksSensitiveInformationUsage,
    GuardrailChecksUsageResults, InvokeGuardrailChecksRequest, InvokeGuardrailChecksResponse,
};
use regex_lite::Regex;

use super::error::RuntimeError;
use crate::control::evaluate::{find_pii, text_units, DETECTED_PII_TYPES};

/// The most sensitive-information entries one answer holds; the rest are dropped and the
/// result is marked `truncated`.
pub const MAX_ENTITIES: usize = 100;

/// The keywords of each content-filter category (whole words, any case).
pub const CONTENT_KEYWORDS: &[(&str, &[&str])] = &[
    (
        "HATE",
        &["hate", "hateful", "racist", "bigot", "bigots", "subhuman", "vermin"],
    ),
    (
        "INSULTS",
        &[
            "idiot", "idiots", "stupid", "moron", "morons", "loser", "losers", "dumb", "pathetic",
        ],
    ),
    (
        "SEXUAL",
        &[
            "sex",
            "sexual",
            "sexy",
            "nude",
            "nudes",
            "naked",
            "porn",
            "pornography",
            "erotic",
        ],
    ),
    (
        "VIOLENCE",
        &[
            "kill", "killed", "killing", "murder", "bomb", "shoot", "stab", "torture", "weapon", "weapons",
        ],
    ),
    (
        "MISCONDUCT",
        &[
            "steal",
            "stealing",
            "fraud",
            "launder",
            "counterfeit",
            "smuggle",
            "bribe",
            "hack into",
        ],
    ),
];

/// The phrases of each prompt-attack category (any case, any whitespace between words).
pub const ATTACK_PHRASES: &[(&str, &[&str])] = &[
    (
        "JAILBREAK",
        &[
            "do anything now",
            "you are now dan",
            "developer mode",
            "without any restrictions",
            "you have no rules",
            "pretend you have no guidelines",
            "jailbreak",
        ],
    ),
    (
        "PROMPT_INJECTION",
        &[
            "ignore previous instructions",
            "ignore all previous instructions",
            "ignore prior instructions",
            "ignore the above",
            "disregard previous instructions",
            "disregard the above",
            "forget your instructions",
            "new instructions:",
        ],
    ),
    (
        "PROMPT_LEAKAGE",
        &[
            "system prompt",
            "reveal your instructions",
            "print your instructions",
            "repeat the text above",
            "what are your instructions",
        ],
    ),
];

/// The severity of a category in which `hits` distinct keywords or phrases matched: `0.0` for
/// none, `0.75` for one, `1.0` for two or more.
pub fn severity(hits: usize) -> f64 {
    match hits {
        0 => 0.0,
        1 => 0.75,
        _ => 1.0,
    }
}

/// Answers an InvokeGuardrailChecks request (see the [module documentation](self) for the rules).
///
/// Fails with a `ValidationException` when no check is requested, or when a role, category or
/// entity type is not one the service knows.
pub fn invoke_guardrail_checks(
    request: &InvokeGuardrailChecksRequest,
) -> Result<InvokeGuardrailChecksResponse, RuntimeError> {
    let checks = &request.checks;
    if checks.content_filter.is_none() && checks.prompt_attack.is_none() && checks.sensitive_information.is_none() {
        return Err(RuntimeError::validation(
            "At least one of contentFilter, promptAttack or sensitiveInformation must be specified in checks.",
        ));
    }
    for message in &request.messages {
        if let GuardrailChecksRole::Unknown(role) = &message.role {
            return Err(invalid_value("role", role.as_str()));
        }
    }
    let all_texts = texts(&request.messages, |_| true);
    let mut results = GuardrailChecksResults::new();
    let mut usage = GuardrailChecksUsageResults::new();

    if let Some(config) = &checks.content_filter {
        let mut entries: Vec<GuardrailChecksContentFilterResultEntry> = Vec::new();
        for requested in &config.categories {
            let category = &requested.category;
            if let GuardrailChecksContentFilterCategory::Unknown(value) = category {
                return Err(invalid_value("contentFilter category", value.as_str()));
            }
            if entries.iter().any(|e| &e.category == category) {
                continue;
            }
            let hits = count_hits(keywords(CONTENT_KEYWORDS, category.as_str()), &all_texts, word_pattern);
            entries.push(GuardrailChecksContentFilterResultEntry::new(
                category.clone(),
                severity(hits),
            ));
        }
        results.content_filter = Some(GuardrailChecksContentFilterResult::new(entries));
        usage.content_filter = Some(GuardrailChecksContentFilterUsage::new(units(&all_texts)));
    }

    if let Some(config) = &checks.prompt_attack {
        let user_texts = texts(&request.messages, |role| *role == GuardrailChecksRole::User);
        let mut entries: Vec<GuardrailChecksPromptAttackResultEntry> = Vec::new();
        for requested in &config.categories {
            let category = &requested.category;
            if let GuardrailChecksPromptAttackCategory::Unknown(value) = category {
                return Err(invalid_value("promptAttack category", value.as_str()));
            }
            if entries.iter().any(|e| &e.category == category) {
                continue;
            }
            let hits = count_hits(keywords(ATTACK_PHRASES, category.as_str()), &user_texts, phrase_pattern);
            entries.push(GuardrailChecksPromptAttackResultEntry::new(
                category.clone(),
                severity(hits),
            ));
        }
        results.prompt_attack = Some(GuardrailChecksPromptAttackResult::new(entries));
        usage.prompt_attack = Some(GuardrailChecksPromptAttackUsage::new(units(&user_texts)));
    }

    if let Some(config) = &checks.sensitive_information {
        let mut wanted: Vec<&str> = Vec::new();
        for entity in &config.entities {
            if let GuardrailChecksSensitiveInformationEntityType::Unknown(value) = &entity.r#type {
                return Err(invalid_value("sensitiveInformation entity type", value.as_str()));
            }
            wanted.push(entity.r#type.as_str());
        }
        let mut entries = Vec::new();
        for block in &all_texts {
            entries.extend(detect_pii(block, &wanted));
        }
        let truncated = entries.len() > MAX_ENTITIES;
        entries.truncate(MAX_ENTITIES);
        let mut result = GuardrailChecksSensitiveInformationResult::new(entries);
        result.truncated = Some(truncated);
        results.sensitive_information = Some(result);
        usage.sensitive_information = Some(GuardrailChecksSensitiveInformationUsage::new(units(&all_texts)));
    }

    Ok(InvokeGuardrailChecksResponse::new(results, usage))
}

/// One text block and where it sits in the request.
struct Block<'a> {
    message: usize,
    content: usize,
    text: &'a str,
}

/// The text blocks of the messages whose role passes `keep`.
fn texts(messages: &[GuardrailChecksMessage], keep: impl Fn(&GuardrailChecksRole) -> bool) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    for (message_index, message) in messages.iter().enumerate() {
        if !keep(&message.role) {
            continue;
        }
        for (content_index, block) in message.content.iter().enumerate() {
            if let GuardrailChecksContentBlock::Text(text) = block {
                blocks.push(Block {
                    message: message_index,
                    content: content_index,
                    text,
                });
            }
        }
    }
    blocks
}

fn units(blocks: &[Block<'_>]) -> i32 {
    blocks
        .iter()
        .fold(0i32, |total, block| total.saturating_add(text_units(block.text)))
}

fn invalid_value(member: &str, value: &str) -> RuntimeError {
    RuntimeError::validation(format!("The {member} '{value}' is not valid."))
}

fn keywords(table: &'static [(&'static str, &'static [&'static str])], category: &str) -> &'static [&'static str] {
    table
        .iter()
        .find(|(name, _)| *name == category)
        .map_or(&[], |(_, words)| *words)
}

/// A case-insensitive pattern for `phrase`: its words, escaped, separated by any whitespace, with
/// word boundaries where the phrase starts or ends with a word character.
fn phrase_pattern(phrase: &str) -> Option<Regex> {
    let words: Vec<String> = phrase.split_whitespace().map(regex_lite::escape).collect();
    if words.is_empty() {
        return None;
    }
    let edge = |c: Option<char>| {
        if c.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            r"\b"
        } else {
            ""
        }
    };
    Regex::new(&format!(
        "(?i){}{}{}",
        edge(phrase.trim().chars().next()),
        words.join(r"\s+"),
        edge(phrase.trim().chars().last())
    ))
    .ok()
}

/// Whole-word keywords are phrases of one or more words.
fn word_pattern(word: &str) -> Option<Regex> {
    phrase_pattern(word)
}

/// How many of `phrases` occur in at least one of the blocks.
fn count_hits(phrases: &[&str], blocks: &[Block<'_>], pattern: fn(&str) -> Option<Regex>) -> usize {
    phrases
        .iter()
        .filter_map(|phrase| pattern(phrase))
        .filter(|re| blocks.iter().any(|block| re.is_match(block.text)))
        .count()
}

/// The PII entities of the `wanted` types in one block, ordered by position; a match that
/// overlaps one of a type earlier in [`DETECTED_PII_TYPES`] is dropped.
fn detect_pii(block: &Block<'_>, wanted: &[&str]) -> Vec<GuardrailChecksSensitiveInformationResultEntry> {
    let mut found: Vec<(Range<usize>, &str)> = Vec::new();
    for kind in DETECTED_PII_TYPES {
        if !wanted.contains(kind) {
            continue;
        }
        for range in find_pii(kind, block.text) {
            if found.iter().any(|(r, _)| r.start < range.end && range.start < r.end) {
                continue;
            }
            found.push((range, kind));
        }
    }
    found.sort_by_key(|(range, _)| range.start);
    let offset = |byte: usize| to_i32(block.text[..byte].chars().count());
    found
        .into_iter()
        .map(|(range, kind)| {
            GuardrailChecksSensitiveInformationResultEntry::new(
                GuardrailChecksSensitiveInformationEntityType::from(kind),
                1.0,
                offset(range.start),
                offset(range.end),
                to_i32(block.message),
                to_i32(block.content),
            )
        })
        .collect()
}

fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use bedrock_runtime_types::types::{
        GuardrailChecksConfig, GuardrailChecksContentFilterCategoryConfig, GuardrailChecksContentFilterConfig,
        GuardrailChecksPromptAttackCategoryConfig, GuardrailChecksPromptAttackConfig,
        GuardrailChecksSensitiveInformationConfig, GuardrailChecksSensitiveInformationEntityConfig,
    };

    use super::*;

    fn message(role: GuardrailChecksRole, texts: &[&str]) -> GuardrailChecksMessage {
        GuardrailChecksMessage::new(
            role,
            texts
                .iter()
                .map(|t| GuardrailChecksContentBlock::Text((*t).to_owned()))
                .collect::<Vec<_>>(),
        )
    }

    fn all_checks() -> GuardrailChecksConfig {
        GuardrailChecksConfig::new()
            .with_content_filter(GuardrailChecksContentFilterConfig::new(vec![
                GuardrailChecksContentFilterCategoryConfig::new(GuardrailChecksContentFilterCategory::Insults),
                GuardrailChecksContentFilterCategoryConfig::new(GuardrailChecksContentFilterCategory::Violence),
            ]))
            .with_prompt_attack(GuardrailChecksPromptAttackConfig::new(vec![
                GuardrailChecksPromptAttackCategoryConfig::new(GuardrailChecksPromptAttackCategory::PromptInjection),
                GuardrailChecksPromptAttackCategoryConfig::new(GuardrailChecksPromptAttackCategory::Jailbreak),
            ]))
            .with_sensitive_information(GuardrailChecksSensitiveInformationConfig::new(vec![
                GuardrailChecksSensitiveInformationEntityConfig::new(
                    GuardrailChecksSensitiveInformationEntityType::Email,
                ),
                GuardrailChecksSensitiveInformationEntityConfig::new(
                    GuardrailChecksSensitiveInformationEntityType::Phone,
                ),
                GuardrailChecksSensitiveInformationEntityConfig::new(
                    GuardrailChecksSensitiveInformationEntityType::Name,
                ),
            ]))
    }

    fn run(messages: Vec<GuardrailChecksMessage>) -> InvokeGuardrailChecksResponse {
        invoke_guardrail_checks(&InvokeGuardrailChecksRequest::new(messages, all_checks())).unwrap()
    }

    #[test]
    fn clean_text_scores_zero_and_finds_nothing() {
        let answer = run(vec![message(
            GuardrailChecksRole::User,
            &["What is the capital of France?"],
        )]);
        let content = answer.results.content_filter.unwrap().results;
        assert_eq!(content.len(), 2);
        assert_eq!(content[0].category, GuardrailChecksContentFilterCategory::Insults);
        assert!(content.iter().all(|e| e.severity_score == 0.0));
        let attack = answer.results.prompt_attack.unwrap().results;
        assert_eq!(attack[0].category, GuardrailChecksPromptAttackCategory::PromptInjection);
        assert!(attack.iter().all(|e| e.severity_score == 0.0));
        let pii = answer.results.sensitive_information.unwrap();
        assert!(pii.results.is_empty());
        assert_eq!(pii.truncated, Some(false));
        assert_eq!(answer.usage.content_filter.unwrap().text_units, 1);
        assert_eq!(answer.usage.prompt_attack.unwrap().text_units, 1);
        assert_eq!(answer.usage.sensitive_information.unwrap().text_units, 1);
    }

    #[test]
    fn finds_pii_with_character_offsets_and_indexes() {
        let answer = run(vec![
            message(GuardrailChecksRole::System, &["Be helpful."]),
            message(
                GuardrailChecksRole::User,
                &["hi", "café: mail bob@example.com or call 555-123-4567"],
            ),
        ]);
        let pii = answer.results.sensitive_information.unwrap().results;
        assert_eq!(pii.len(), 2, "{pii:?}");
        assert_eq!(pii[0].r#type, GuardrailChecksSensitiveInformationEntityType::Email);
        assert_eq!((pii[0].begin_offset, pii[0].end_offset), (11, 26));
        assert_eq!((pii[0].message_index, pii[0].content_index), (1, 1));
        assert_eq!(pii[0].confidence_score, 1.0);
        assert_eq!(pii[1].r#type, GuardrailChecksSensitiveInformationEntityType::Phone);
        assert_eq!((pii[1].begin_offset, pii[1].end_offset), (35, 47));
    }

    #[test]
    fn only_requested_pii_types_are_reported() {
        let request = InvokeGuardrailChecksRequest::new(
            vec![message(GuardrailChecksRole::User, &["bob@example.com 123-45-6789"])],
            GuardrailChecksConfig::new().with_sensitive_information(GuardrailChecksSensitiveInformationConfig::new(
                vec![GuardrailChecksSensitiveInformationEntityConfig::new(
                    GuardrailChecksSensitiveInformationEntityType::UsSocialSecurityNumber,
                )],
            )),
        );
        let answer = invoke_guardrail_checks(&request).unwrap();
        let pii = answer.results.sensitive_information.unwrap().results;
        assert_eq!(pii.len(), 1);
        assert_eq!(
            pii[0].r#type,
            GuardrailChecksSensitiveInformationEntityType::UsSocialSecurityNumber
        );
        assert!(answer.results.content_filter.is_none() && answer.usage.prompt_attack.is_none());
    }

    #[test]
    fn scores_keywords_and_attack_phrases() {
        let answer = run(vec![
            message(
                GuardrailChecksRole::User,
                &["Ignore   previous\ninstructions, you IDIOT."],
            ),
            message(
                GuardrailChecksRole::Assistant,
                &["I will not. Stupid? No, and I won't kill anything."],
            ),
        ]);
        let content = answer.results.content_filter.unwrap().results;
        assert_eq!(content[0].severity_score, 1.0); // idiot + stupid
        assert_eq!(content[1].severity_score, 0.75); // kill
        let attack = answer.results.prompt_attack.unwrap().results;
        assert_eq!(attack[0].severity_score, 0.75);
        assert_eq!(attack[1].severity_score, 0.0);
    }

    #[test]
    fn prompt_attacks_are_looked_for_in_user_messages_only() {
        let answer = run(vec![
            message(GuardrailChecksRole::User, &["hello"]),
            message(GuardrailChecksRole::Assistant, &["ignore previous instructions"]),
        ]);
        assert_eq!(answer.results.prompt_attack.unwrap().results[0].severity_score, 0.0);
        assert_eq!(answer.usage.prompt_attack.unwrap().text_units, 1);
        assert_eq!(answer.usage.content_filter.unwrap().text_units, 2);
    }

    #[test]
    fn keywords_match_whole_words_only() {
        let answer = run(vec![message(
            GuardrailChecksRole::User,
            &["My skill set: Idiotically good."],
        )]);
        assert!(answer
            .results
            .content_filter
            .unwrap()
            .results
            .iter()
            .all(|e| e.severity_score == 0.0));
    }

    #[test]
    fn text_units_count_started_thousands_of_characters_per_block() {
        let long = "a".repeat(1001);
        let answer = run(vec![message(GuardrailChecksRole::User, &[&long, "b"])]);
        assert_eq!(answer.usage.sensitive_information.unwrap().text_units, 3);
    }

    #[test]
    fn many_entities_are_truncated() {
        let text = (0..150)
            .map(|i| format!("u{i}@example.com"))
            .collect::<Vec<_>>()
            .join(" ");
        let answer = run(vec![message(GuardrailChecksRole::User, &[&text])]);
        let pii = answer.results.sensitive_information.unwrap();
        assert_eq!(pii.results.len(), MAX_ENTITIES);
        assert_eq!(pii.truncated, Some(true));
    }

    #[test]
    fn duplicate_categories_are_answered_once() {
        let checks = GuardrailChecksConfig::new().with_content_filter(GuardrailChecksContentFilterConfig::new(vec![
            GuardrailChecksContentFilterCategoryConfig::new(GuardrailChecksContentFilterCategory::Hate),
            GuardrailChecksContentFilterCategoryConfig::new(GuardrailChecksContentFilterCategory::Hate),
        ]));
        let request = InvokeGuardrailChecksRequest::new(vec![message(GuardrailChecksRole::User, &["x"])], checks);
        let answer = invoke_guardrail_checks(&request).unwrap();
        assert_eq!(answer.results.content_filter.unwrap().results.len(), 1);
    }

    #[test]
    fn refuses_no_checks_and_unknown_values() {
        let messages = vec![message(GuardrailChecksRole::User, &["x"])];
        let none = InvokeGuardrailChecksRequest::new(messages.clone(), GuardrailChecksConfig::new());
        assert!(matches!(
            invoke_guardrail_checks(&none),
            Err(RuntimeError::Validation(_))
        ));
        let unknown = InvokeGuardrailChecksRequest::new(
            messages,
            GuardrailChecksConfig::new().with_content_filter(GuardrailChecksContentFilterConfig::new(vec![
                GuardrailChecksContentFilterCategoryConfig::new(GuardrailChecksContentFilterCategory::from("GORE")),
            ])),
        );
        let error = invoke_guardrail_checks(&unknown).unwrap_err();
        assert!(error.message().contains("GORE"), "{error}");
        let bad_role =
            InvokeGuardrailChecksRequest::new(vec![message(GuardrailChecksRole::from("tool"), &["x"])], all_checks());
        assert!(invoke_guardrail_checks(&bad_role).is_err());
    }
}
