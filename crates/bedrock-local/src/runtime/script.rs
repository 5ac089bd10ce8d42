//! The script format of the `scripted` model family.
//!
//! A script is a JSON object; every key is camelCase and unknown keys are rejected, so a typo
//! fails loudly instead of being ignored:
//!
//! ```json
//! {
//!   "turns": [
//!     {
//!       "content": [
//!         { "reasoning": { "text": "The user wants the weather.", "signature": "sig-1" } },
//!         { "text": "Let me look that up." },
//!         { "toolUse": { "name": "get_weather", "input": { "city": "Paris" } } }
//!       ],
//!       "stopReason": "tool_use",
//!       "usage": { "inputTokens": 12, "outputTokens": 20 },
//!       "chunkTokens": 2,
//!       "firstChunkDelayMs": 150,
//!       "chunkDelayMs": 20,
//!       "latencyMs": 300
//!     },
//!     { "content": [ { "text": "It is sunny in Paris." } ] }
//!   ],
//!   "cycle": false
//! }
//! ```
//!
//! The model is stateless: a request whose conversation already holds `n` assistant messages
//! gets turn `n`. Past the last turn the request fails with a `ValidationException`, unless
//! `cycle` is true, in which case the turns start over.
//!
//! Per turn, only `content` is required:
//! - `content`: blocks in order, each one of `text` (a string), `toolUse` (`name`, `input` any
//!   JSON value, optional `toolUseId`; without one an id is derived from the turn) or
//!   `reasoning` (`text`, optional `signature`).
//! - `stopReason`: `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`,
//!   `guardrail_intervened` or `content_filtered`. Without it: `tool_use` when the turn has a
//!   tool call, else `end_turn`. A request's `maxTokens` or stop sequences still cut the turn
//!   short and win over this value.
//! - `usage`: `inputTokens` and/or `outputTokens` replacing the counted values.
//! - `chunkTokens`: tokens per streamed text chunk (default 4).
//! - `firstChunkDelayMs`, `chunkDelayMs`: pause before the first streamed chunk and before each
//!   later one (default 0).
//! - `latencyMs`: the `latencyMs` metric reported (default: the sum of the pauses).

use serde::Deserialize;

use super::engine::Stop;

/// A parsed script of the `scripted` model family.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Script {
    /// The turns, in conversation order.
    pub turns: Vec<ScriptTurn>,
    /// Start over after the last turn instead of failing.
    #[serde(default)]
    pub cycle: bool,
}

/// One assistant turn of a [`Script`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptTurn {
    /// The content blocks the model answers with.
    pub content: Vec<ScriptBlock>,
    /// The stop reason to report when no request limit cuts the turn.
    #[serde(default)]
    pub stop_reason: Option<Stop>,
    /// Token counts that replace the counted ones.
    #[serde(default)]
    pub usage: Option<ScriptUsage>,
    /// Tokens per streamed text chunk.
    #[serde(default)]
    pub chunk_tokens: Option<u32>,
    /// Milliseconds before the first streamed chunk.
    #[serde(default)]
    pub first_chunk_delay_ms: Option<u64>,
    /// Milliseconds before each later streamed chunk.
    #[serde(default)]
    pub chunk_delay_ms: Option<u64>,
    /// The `latencyMs` metric to report.
    #[serde(default)]
    pub latency_ms: Option<u64>,
}

/// One content block of a [`ScriptTurn`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum ScriptBlock {
    /// Answer text.
    Text(String),
    /// A tool call.
    ToolUse(ScriptToolUse),
    /// Reasoning text with an optional signature.
    Reasoning(ScriptReasoning),
}

/// A scripted tool call.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptToolUse {
    /// The tool's name.
    pub name: String,
    /// The tool input, any JSON value (usually an object).
    pub input: serde_json::Value,
    /// The tool use id; derived from the turn when absent.
    #[serde(default)]
    pub tool_use_id: Option<String>,
}

/// Scripted reasoning content.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptReasoning {
    /// The reasoning text.
    pub text: String,
    /// The signature that vouches for the reasoning text.
    #[serde(default)]
    pub signature: Option<String>,
}

/// Token counts a [`ScriptTurn`] reports instead of the counted ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptUsage {
    /// Replaces the input token count.
    #[serde(default)]
    pub input_tokens: Option<u32>,
    /// Replaces the output token count.
    #[serde(default)]
    pub output_tokens: Option<u32>,
}

/// Why a script could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptError {
    /// What was wrong, with the line and column for syntax and schema errors.
    pub message: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid model script: {}", self.message)
    }
}

impl std::error::Error for ScriptError {}

impl Script {
    /// Parses and checks a script from its JSON text.
    pub fn from_json(text: &str) -> Result<Self, ScriptError> {
        let script: Script = serde_json::from_str(text).map_err(|error| ScriptError {
            message: error.to_string(),
        })?;
        script.check()?;
        Ok(script)
    }

    /// Checks what the JSON schema cannot: at least one turn, tool names and ids of valid shape.
    pub fn check(&self) -> Result<(), ScriptError> {
        if self.turns.is_empty() {
            return Err(ScriptError {
                message: "`turns` must hold at least one turn".to_owned(),
            });
        }
        for (turn_index, turn) in self.turns.iter().enumerate() {
            for (block_index, block) in turn.content.iter().enumerate() {
                let ScriptBlock::ToolUse(tool) = block else { continue };
                let at = format!("turns[{turn_index}].content[{block_index}].toolUse");
                if !valid_name(&tool.name, false) {
                    return Err(ScriptError {
                        message: format!(
                            "{at}.name must be 1 to 64 characters of [a-zA-Z0-9_-], got {:?}",
                            tool.name
                        ),
                    });
                }
                if let Some(id) = &tool.tool_use_id {
                    if !valid_name(id, true) {
                        return Err(ScriptError {
                            message: format!(
                                "{at}.toolUseId must be 1 to 64 characters of [a-zA-Z0-9_.:-], got {id:?}"
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

fn valid_name(name: &str, id: bool) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (id && (c == '.' || c == ':')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let script = Script::from_json(
            r#"{"turns":[{"content":[{"reasoning":{"text":"think","signature":"sig-1"}},{"text":"Let me look."},
            {"toolUse":{"name":"get_weather","input":{"city":"Paris"}}}],"stopReason":"tool_use",
            "usage":{"inputTokens":12},"chunkTokens":2,"firstChunkDelayMs":150,"chunkDelayMs":20,"latencyMs":300},
            {"content":[{"text":"Sunny."}]}],"cycle":true}"#,
        )
        .unwrap();
        assert_eq!(script.turns.len(), 2);
        assert!(script.cycle);
        assert_eq!(script.turns[0].stop_reason, Some(Stop::ToolUse));
        assert_eq!(
            script.turns[0].usage,
            Some(ScriptUsage {
                input_tokens: Some(12),
                output_tokens: None
            })
        );
        assert_eq!(
            script.turns[0].content[2],
            ScriptBlock::ToolUse(ScriptToolUse {
                name: "get_weather".into(),
                input: serde_json::json!({"city": "Paris"}),
                tool_use_id: None
            })
        );
    }

    #[test]
    fn rejects_bad_scripts_with_a_reason() {
        let typo = Script::from_json(r#"{"turns":[{"contents":[]}]}"#).unwrap_err();
        assert!(typo.message.contains("contents"), "{typo}");
        let empty = Script::from_json(r#"{"turns":[]}"#).unwrap_err();
        assert!(empty.message.contains("at least one turn"));
        let bad_name =
            Script::from_json(r#"{"turns":[{"content":[{"toolUse":{"name":"no spaces","input":{}}}]}]}"#).unwrap_err();
        assert!(
            bad_name.message.contains("turns[0].content[0].toolUse.name"),
            "{bad_name}"
        );
        let bad_stop = Script::from_json(r#"{"turns":[{"content":[],"stopReason":"done"}]}"#).unwrap_err();
        assert!(bad_stop.message.contains("done"), "{bad_stop}");
        assert!(Script::from_json("not json").is_err());
    }
}
