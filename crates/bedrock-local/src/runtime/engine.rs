//! The family-independent core: a normalized prompt in, one assistant turn out.
//!
//! Every API shape (Converse, the native bodies) is first turned into a [`Prompt`]; the family
//! writes its blocks; [`apply_limits`] then honours `maxTokens` and stop sequences the same way
//! for every shape.

use std::time::Duration;

use serde::Deserialize;

use super::error::RuntimeError;
use super::registry::{Family, GeneratorConfig, ModelRegistry, ResolvedModel};
use super::script::{ScriptBlock, ScriptTurn};
use super::tokens;

/// Why a turn ended, independent of the API shape that reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stop {
    /// The model finished its answer.
    EndTurn,
    /// The model asks for a tool call.
    ToolUse,
    /// The answer reached the request's output token limit.
    MaxTokens,
    /// The answer reached one of the request's stop sequences.
    StopSequence,
    /// A guardrail replaced the input or the answer.
    GuardrailIntervened,
    /// The answer was filtered.
    ContentFiltered,
}

impl Stop {
    /// The snake_case name Converse and the Anthropic body use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EndTurn => "end_turn",
            Self::ToolUse => "tool_use",
            Self::MaxTokens => "max_tokens",
            Self::StopSequence => "stop_sequence",
            Self::GuardrailIntervened => "guardrail_intervened",
            Self::ContentFiltered => "content_filtered",
        }
    }
}

/// One message of a normalized prompt.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PromptMessage {
    pub assistant: bool,
    pub texts: Vec<String>,
    pub tool_results: Vec<String>,
}

/// A request reduced to what the families need.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Prompt {
    /// The system prompt's texts (seen by guardrails only).
    pub system: Vec<String>,
    pub messages: Vec<PromptMessage>,
    pub tool_names: Vec<String>,
    pub max_tokens: Option<u32>,
    pub stop_sequences: Vec<String>,
    pub input_tokens: u32,
}

/// One block of an answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum OutBlock {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: serde_json::Value,
    },
    Reasoning {
        text: String,
        signature: Option<String>,
    },
}

impl OutBlock {
    pub fn tokens(&self) -> u32 {
        match self {
            Self::Text(text) => tokens::count_text(text),
            Self::ToolUse { name, input, .. } => tokens::count_text(name).saturating_add(tokens::count_json(input)),
            Self::Reasoning { text, .. } => tokens::count_text(text),
        }
    }
}

/// How a turn is streamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pacing {
    pub chunk_tokens: u32,
    pub first_chunk_delay: Duration,
    pub chunk_delay: Duration,
}

/// One assistant turn.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Turn {
    pub blocks: Vec<OutBlock>,
    pub stop: Stop,
    /// The stop sequence that ended the turn, when `stop` is [`Stop::StopSequence`].
    pub stop_sequence: Option<String>,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub latency_ms: Option<u64>,
    pub pacing: Pacing,
}

/// Characters per streamed fragment of a tool call's input JSON.
pub(crate) const TOOL_INPUT_FRAGMENT_CHARS: usize = 16;

impl Turn {
    /// The text chunks of a text or reasoning block.
    pub fn chunks(&self, text: &str) -> Vec<String> {
        tokens::chunk_text(text, self.pacing.chunk_tokens)
    }

    /// How many content deltas a stream of this turn carries (the same in every stream shape).
    fn delta_count(&self) -> u64 {
        let count: usize = self
            .blocks
            .iter()
            .map(|block| match block {
                OutBlock::Text(text) => self.chunks(text).len(),
                OutBlock::ToolUse { input, .. } => {
                    tokens::split_chars(&input.to_string(), TOOL_INPUT_FRAGMENT_CHARS).len()
                }
                OutBlock::Reasoning { text, signature } => self.chunks(text).len() + usize::from(signature.is_some()),
            })
            .sum();
        count as u64
    }

    /// The `latencyMs` metric: the scripted value, or the sum of the streaming pauses.
    pub fn latency_ms(&self) -> i64 {
        let millis = self.latency_ms.unwrap_or_else(|| {
            let deltas = self.delta_count();
            if deltas == 0 {
                return 0;
            }
            let first = self.pacing.first_chunk_delay.as_millis() as u64;
            let later = self.pacing.chunk_delay.as_millis() as u64;
            first.saturating_add(later.saturating_mul(deltas - 1))
        });
        i64::try_from(millis).unwrap_or(i64::MAX)
    }

    /// A pacer handing out the pause before each content delta.
    pub fn pacer(&self) -> Pacer {
        Pacer {
            pacing: self.pacing,
            started: false,
        }
    }

    /// The answer's text blocks, concatenated.
    pub fn text(&self) -> String {
        self.blocks
            .iter()
            .filter_map(|block| match block {
                OutBlock::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Hands out the pause before each content delta of a stream.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pacer {
    pacing: Pacing,
    started: bool,
}

impl Pacer {
    pub fn next_delay(&mut self) -> Duration {
        if self.started {
            self.pacing.chunk_delay
        } else {
            self.started = true;
            self.pacing.first_chunk_delay
        }
    }
}

/// Runs the model's family on the prompt and applies the request's limits.
pub(crate) fn generate(registry: &ModelRegistry, model: &ResolvedModel, prompt: &Prompt) -> Result<Turn, RuntimeError> {
    let raw = match &model.family {
        Family::Echo => echo(registry, prompt),
        Family::Scripted(name) => scripted(registry, name, prompt)?,
        Family::Generator(config) => generator(config),
        Family::Embedding => return Err(RuntimeError::validation(super::error::UNSUPPORTED_CONVERSE_MODEL)),
    };
    Ok(apply_limits(raw, prompt))
}

/// A family's answer before the request's limits are applied.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawTurn {
    pub blocks: Vec<OutBlock>,
    pub stop: Option<Stop>,
    pub input_tokens: Option<u32>,
    pub output_tokens: Option<u32>,
    pub latency_ms: Option<u64>,
    pub pacing: Pacing,
}

fn echo(registry: &ModelRegistry, prompt: &Prompt) -> RawTurn {
    let pacing = Pacing {
        chunk_tokens: registry.echo_chunk_tokens(),
        first_chunk_delay: Duration::ZERO,
        chunk_delay: Duration::ZERO,
    };
    let last_user = prompt.messages.iter().rev().find(|message| !message.assistant);
    let (text, tool_results) = match last_user {
        Some(message) => (message.texts.join("\n"), message.tool_results.join("\n")),
        None => (String::new(), String::new()),
    };
    if let Some(call) = parse_tool_call(&text, &prompt.tool_names) {
        let id = tool_use_id(&[&call.0, &call.1.to_string(), &prompt.messages.len().to_string()]);
        let blocks = vec![OutBlock::ToolUse {
            id,
            name: call.0,
            input: call.1,
        }];
        return RawTurn {
            blocks,
            stop: Some(Stop::ToolUse),
            input_tokens: None,
            output_tokens: None,
            latency_ms: None,
            pacing,
        };
    }
    let answer = if text.trim() == HISTORY_COMMAND {
        history(prompt)
    } else if text.is_empty() {
        tool_results
    } else {
        text
    };
    RawTurn {
        blocks: vec![OutBlock::Text(answer)],
        stop: None,
        input_tokens: None,
        output_tokens: None,
        latency_ms: None,
        pacing,
    }
}

/// The user text that makes the echo family describe the conversation instead of echoing.
pub const HISTORY_COMMAND: &str = "history";

/// What echo answers to [`HISTORY_COMMAND`]: the number of earlier messages, then each one as
/// `user: <text>` or `assistant: <text>` (texts joined by a space), separated by ` | `.
/// `2 earlier messages: user: hi | assistant: hi`.
fn history(prompt: &Prompt) -> String {
    let earlier = &prompt.messages[..prompt.messages.len().saturating_sub(1)];
    let parts: Vec<String> = earlier
        .iter()
        .map(|message| {
            let role = if message.assistant { "assistant" } else { "user" };
            let mut texts = message.texts.clone();
            texts.extend(message.tool_results.iter().cloned());
            format!("{role}: {}", texts.join(" "))
        })
        .collect();
    let noun = if earlier.len() == 1 { "message" } else { "messages" };
    if parts.is_empty() {
        format!("0 earlier {noun}")
    } else {
        format!("{} earlier {noun}: {}", earlier.len(), parts.join(" | "))
    }
}

/// `call <tool> <json object>`, when `<tool>` is one of the configured tools.
fn parse_tool_call(text: &str, tools: &[String]) -> Option<(String, serde_json::Value)> {
    let rest = text.trim().strip_prefix("call ")?.trim_start();
    let (name, json) = rest.split_once(|c: char| c.is_whitespace()).unwrap_or((rest, "{}"));
    if !tools.iter().any(|tool| tool == name) {
        return None;
    }
    let input: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
    input.is_object().then(|| (name.to_owned(), input))
}

/// A deterministic tool use id: `tooluse_` and 22 characters derived from `parts`.
pub(crate) fn tool_use_id(parts: &[&str]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = fnv1a(parts.join("\u{0}").as_bytes());
    let mut id = String::from("tooluse_");
    for _ in 0..22 {
        state = splitmix64(state);
        id.push(ALPHABET[(state % ALPHABET.len() as u64) as usize] as char);
    }
    id
}

/// FNV-1a, 64 bits: the hash every deterministic value starts from.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// One step of SplitMix64.
pub(crate) fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn scripted(registry: &ModelRegistry, name: &str, prompt: &Prompt) -> Result<RawTurn, RuntimeError> {
    let script = registry.script(name).ok_or_else(RuntimeError::invalid_model)?;
    let assistant_turns = prompt.messages.iter().filter(|message| message.assistant).count();
    let index = if script.cycle && !script.turns.is_empty() {
        assistant_turns % script.turns.len()
    } else {
        assistant_turns
    };
    let turn: &ScriptTurn = script.turns.get(index).ok_or_else(|| {
        RuntimeError::validation(format!(
            "The script of model scripted/{name} has {} turn(s); this conversation asks for turn {}.",
            script.turns.len(),
            index + 1
        ))
    })?;
    let blocks: Vec<OutBlock> =
        turn.content
            .iter()
            .enumerate()
            .map(|(block_index, block)| match block {
                ScriptBlock::Text(text) => OutBlock::Text(text.clone()),
                ScriptBlock::Reasoning(reasoning) => OutBlock::Reasoning {
                    text: reasoning.text.clone(),
                    signature: reasoning.signature.clone(),
                },
                ScriptBlock::ToolUse(tool) => OutBlock::ToolUse {
                    id: tool.tool_use_id.clone().unwrap_or_else(|| {
                        tool_use_id(&[name, &index.to_string(), &block_index.to_string(), &tool.name])
                    }),
                    name: tool.name.clone(),
                    input: tool.input.clone(),
                },
            })
            .collect();
    let stop = turn.stop_reason.or_else(|| {
        blocks
            .iter()
            .any(|block| matches!(block, OutBlock::ToolUse { .. }))
            .then_some(Stop::ToolUse)
    });
    Ok(RawTurn {
        blocks,
        stop,
        input_tokens: turn.usage.and_then(|usage| usage.input_tokens),
        output_tokens: turn.usage.and_then(|usage| usage.output_tokens),
        latency_ms: turn.latency_ms,
        pacing: Pacing {
            chunk_tokens: turn.chunk_tokens.unwrap_or(4).max(1),
            first_chunk_delay: Duration::from_millis(turn.first_chunk_delay_ms.unwrap_or(0)),
            chunk_delay: Duration::from_millis(turn.chunk_delay_ms.unwrap_or(0)),
        },
    })
}

const GENERATOR_WORDS: [&str; 16] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "kilo", "lima",
    "mike", "november", "oscar", "papa",
];

/// `n` deterministic one-token words separated by spaces.
pub(crate) fn generator_text(n: u32) -> String {
    let mut text = String::new();
    let mut state = 0x5eed_u64;
    for index in 0..n {
        state = splitmix64(state);
        if index > 0 {
            text.push(' ');
        }
        text.push_str(GENERATOR_WORDS[(state % GENERATOR_WORDS.len() as u64) as usize]);
    }
    text
}

fn generator(config: &GeneratorConfig) -> RawTurn {
    RawTurn {
        blocks: vec![OutBlock::Text(generator_text(config.output_tokens))],
        stop: None,
        input_tokens: None,
        output_tokens: None,
        latency_ms: None,
        pacing: Pacing {
            chunk_tokens: config.chunk_tokens.max(1),
            first_chunk_delay: config.first_chunk_delay,
            chunk_delay: config.chunk_delay,
        },
    }
}

/// Cuts the answer at the request's `maxTokens` and first stop sequence, whichever comes first.
///
/// Only text is searched for stop sequences (the matched sequence is not part of the answer).
/// Blocks after the cut are dropped; a tool call or reasoning that does not fit the remaining
/// budget is dropped (a tool call) or truncated (reasoning, losing its signature).
pub(crate) fn apply_limits(raw: RawTurn, prompt: &Prompt) -> Turn {
    let mut budget = prompt.max_tokens;
    let mut blocks = Vec::new();
    let mut cut: Option<(Stop, Option<String>)> = None;
    for block in raw.blocks {
        let remaining = budget.unwrap_or(u32::MAX);
        match block {
            OutBlock::Text(text) => {
                let hit = earliest_stop_sequence(&text, &prompt.stop_sequences);
                let before_stop = hit.as_ref().map_or(text.as_str(), |(at, _)| &text[..*at]);
                let (kept, truncated) = tokens::truncate(before_stop, remaining);
                let kept = kept.to_owned();
                let used = tokens::count_text(&kept);
                blocks.push(OutBlock::Text(kept));
                budget = budget.map(|b| b - used.min(b));
                if truncated {
                    cut = Some((Stop::MaxTokens, None));
                } else if let Some((_, sequence)) = hit {
                    cut = Some((Stop::StopSequence, Some(sequence)));
                }
            }
            OutBlock::Reasoning { text, signature } => {
                let (kept, truncated) = tokens::truncate(&text, remaining);
                let used = tokens::count_text(kept);
                budget = budget.map(|b| b - used.min(b));
                if truncated {
                    blocks.push(OutBlock::Reasoning {
                        text: kept.to_owned(),
                        signature: None,
                    });
                    cut = Some((Stop::MaxTokens, None));
                } else {
                    blocks.push(OutBlock::Reasoning { text, signature });
                }
            }
            tool @ OutBlock::ToolUse { .. } => {
                let needed = tool.tokens();
                if needed > remaining {
                    cut = Some((Stop::MaxTokens, None));
                } else {
                    budget = budget.map(|b| b - needed);
                    blocks.push(tool);
                }
            }
        }
        if cut.is_some() {
            break;
        }
    }
    let (stop, stop_sequence) = cut.unwrap_or((raw.stop.unwrap_or(Stop::EndTurn), None));
    let counted_output: u32 = blocks.iter().map(OutBlock::tokens).fold(0, u32::saturating_add);
    Turn {
        blocks,
        stop,
        stop_sequence,
        input_tokens: raw.input_tokens.unwrap_or(prompt.input_tokens),
        output_tokens: raw.output_tokens.unwrap_or(counted_output),
        latency_ms: raw.latency_ms,
        pacing: raw.pacing,
    }
}

fn earliest_stop_sequence(text: &str, sequences: &[String]) -> Option<(usize, String)> {
    sequences
        .iter()
        .filter(|sequence| !sequence.is_empty())
        .filter_map(|sequence| text.find(sequence.as_str()).map(|at| (at, sequence.clone())))
        .min_by_key(|(at, _)| *at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::script::Script;

    fn user(text: &str) -> PromptMessage {
        PromptMessage {
            assistant: false,
            texts: vec![text.into()],
            tool_results: vec![],
        }
    }

    fn assistant() -> PromptMessage {
        PromptMessage {
            assistant: true,
            texts: vec!["ok".into()],
            tool_results: vec![],
        }
    }

    fn run(model: &str, prompt: Prompt) -> Result<Turn, RuntimeError> {
        let mut registry = ModelRegistry::new();
        registry.add_script(
            "two",
            Script::from_json(
                r#"{"turns":[{"content":[{"reasoning":{"text":"hmm","signature":"s"}},{"toolUse":{"name":"t","input":{"a":1}}}]},
                {"content":[{"text":"done"}],"usage":{"outputTokens":99}}]}"#,
            )
            .unwrap(),
        );
        let model = registry.resolve(model)?;
        generate(&registry, &model, &prompt)
    }

    #[test]
    fn echo_answers_the_last_user_text() {
        let prompt = Prompt {
            messages: vec![user("first"), assistant(), user("Hello there!")],
            ..Prompt::default()
        };
        let turn = run("echo", prompt).unwrap();
        assert_eq!(turn.blocks, vec![OutBlock::Text("Hello there!".into())]);
        assert_eq!((turn.stop, turn.output_tokens), (Stop::EndTurn, 3));
    }

    #[test]
    fn echo_describes_the_history_on_request() {
        let prompt = Prompt {
            messages: vec![user("first"), assistant(), user(" history ")],
            ..Prompt::default()
        };
        let turn = run("echo", prompt).unwrap();
        assert_eq!(turn.text(), "2 earlier messages: user: first | assistant: ok");
        let alone = Prompt {
            messages: vec![user("history")],
            ..Prompt::default()
        };
        assert_eq!(run("echo", alone).unwrap().text(), "0 earlier messages");
    }

    #[test]
    fn echo_calls_configured_tools() {
        let prompt = Prompt {
            messages: vec![user("call get_weather {\"city\": \"Paris\"}")],
            tool_names: vec!["get_weather".into()],
            ..Prompt::default()
        };
        let turn = run("echo", prompt.clone()).unwrap();
        assert_eq!(turn.stop, Stop::ToolUse);
        let OutBlock::ToolUse { id, name, input } = &turn.blocks[0] else {
            panic!("{:?}", turn.blocks)
        };
        assert_eq!(
            (name.as_str(), input),
            ("get_weather", &serde_json::json!({"city": "Paris"}))
        );
        assert!(id.starts_with("tooluse_") && id.len() == 30, "{id}");
        assert_eq!(run("echo", prompt.clone()).unwrap(), turn, "deterministic");
        // Not a configured tool, or not a JSON object: plain echo.
        let other = Prompt {
            tool_names: vec!["other".into()],
            ..prompt.clone()
        };
        assert_eq!(run("echo", other).unwrap().stop, Stop::EndTurn);
        let bad = Prompt {
            messages: vec![user("call get_weather [1]")],
            ..prompt
        };
        assert_eq!(run("echo", bad).unwrap().stop, Stop::EndTurn);
    }

    #[test]
    fn limits_cut_text() {
        let base = Prompt {
            messages: vec![user("one two three. four five")],
            ..Prompt::default()
        };
        let max = run(
            "echo",
            Prompt {
                max_tokens: Some(2),
                ..base.clone()
            },
        )
        .unwrap();
        assert_eq!(
            (max.text(), max.stop, max.output_tokens),
            ("one two".into(), Stop::MaxTokens, 2)
        );
        let stop = run(
            "echo",
            Prompt {
                stop_sequences: vec!["four".into(), ".".into()],
                ..base.clone()
            },
        )
        .unwrap();
        assert_eq!(
            (stop.text(), stop.stop, stop.stop_sequence.as_deref()),
            ("one two three".into(), Stop::StopSequence, Some("."))
        );
        // maxTokens before the stop sequence wins.
        let both = run(
            "echo",
            Prompt {
                stop_sequences: vec!["five".into()],
                max_tokens: Some(1),
                ..base.clone()
            },
        )
        .unwrap();
        assert_eq!((both.text(), both.stop), ("one".into(), Stop::MaxTokens));
        let exact = run(
            "echo",
            Prompt {
                max_tokens: Some(6),
                ..base
            },
        )
        .unwrap();
        assert_eq!(exact.stop, Stop::EndTurn);
    }

    #[test]
    fn scripted_turns_follow_the_conversation() {
        let first = run(
            "scripted/two",
            Prompt {
                messages: vec![user("hi")],
                ..Prompt::default()
            },
        )
        .unwrap();
        assert_eq!(first.stop, Stop::ToolUse);
        assert_eq!(first.blocks.len(), 2);
        let second = run(
            "scripted/two",
            Prompt {
                messages: vec![user("hi"), assistant(), user("x")],
                ..Prompt::default()
            },
        )
        .unwrap();
        assert_eq!(
            (second.text(), second.output_tokens, second.stop),
            ("done".into(), 99, Stop::EndTurn)
        );
        let past = run(
            "scripted/two",
            Prompt {
                messages: vec![user("hi"), assistant(), user("x"), assistant(), user("y")],
                ..Prompt::default()
            },
        )
        .unwrap_err();
        assert!(past.message().contains("asks for turn 3"), "{past}");
        // A tool call that does not fit is dropped.
        let tight = run(
            "scripted/two",
            Prompt {
                messages: vec![user("hi")],
                max_tokens: Some(2),
                ..Prompt::default()
            },
        )
        .unwrap();
        assert_eq!((tight.blocks.len(), tight.stop), (1, Stop::MaxTokens));
    }

    #[test]
    fn generator_writes_n_tokens() {
        let turn = run("generator/50", Prompt::default()).unwrap();
        assert_eq!(turn.output_tokens, 50);
        assert_eq!(tokens::count_text(&turn.text()), 50);
        assert_eq!(generator_text(3), generator_text(3));
        let cut = run(
            "generator/50",
            Prompt {
                max_tokens: Some(10),
                ..Prompt::default()
            },
        )
        .unwrap();
        assert_eq!((cut.output_tokens, cut.stop), (10, Stop::MaxTokens));
    }
}
