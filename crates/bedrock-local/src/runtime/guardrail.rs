//! The seam where the server plugs guardrail evaluation into Converse.

use std::time::Duration;

use bedrock_runtime_types::types::{GuardrailConfiguration, GuardrailTraceAssessment};

use super::engine::{self, OutBlock, Pacing, Prompt, Stop, Turn};
use super::error::RuntimeError;
use super::registry::{ModelRegistry, ResolvedModel};
use super::tokens;

/// Which side of the conversation is being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardrailSource {
    /// The request's messages and system prompt.
    Input,
    /// The model's answer.
    Output,
}

/// What a guardrail decided.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GuardrailVerdict {
    /// Let the content through.
    Allow,
    /// Replace the answer with `message` and stop with `guardrail_intervened`.
    Intervene {
        /// The text answered instead (the guardrail's blocked-input or blocked-output message).
        message: String,
        /// The assessment to report in the response's `trace.guardrail`, if any.
        trace: Option<GuardrailTraceAssessment>,
    },
}

/// Evaluates a guardrail over texts; implemented by the control plane.
///
/// Guardrails are stored and evaluated by the control-plane module; the runtime only asks a
/// [`GuardrailEvaluator`] what to do with the input and with the answer. When a request carries
/// a guardrail (Converse's `guardrailConfig`, InvokeModel's `X-Amzn-Bedrock-GuardrailIdentifier`
/// header) and the server passes no evaluator, the request goes through unchanged.
///
/// The input check sees the texts of the system prompt and of the user messages; the output
/// check sees the answer's text blocks. An intervention replaces the whole answer with the
/// guardrail's message and stops with `guardrail_intervened` (Titan: `CONTENT_FILTERED`);
/// InvokeModel bodies then carry `"amazon-bedrock-guardrailAction": "INTERVENED"` (`"NONE"`
/// when a guardrail was named but let the request through).
pub trait GuardrailEvaluator {
    /// Checks `texts` (from `source`) against the guardrail named by `config`.
    fn evaluate(&self, config: &GuardrailConfiguration, source: GuardrailSource, texts: &[String]) -> GuardrailVerdict;
}

/// A turn after the guardrail had its say.
pub(crate) struct Guarded {
    pub turn: Turn,
    pub trace: Option<GuardrailTraceAssessment>,
    pub intervened: bool,
}

/// Checks the input, generates, then checks the answer's text; either check can replace the
/// answer with the guardrail's message.
pub(crate) fn generate_guarded(
    registry: &ModelRegistry,
    model: &ResolvedModel,
    prompt: &Prompt,
    input_texts: &[String],
    guardrail: Option<(&dyn GuardrailEvaluator, &GuardrailConfiguration)>,
) -> Result<Guarded, RuntimeError> {
    if let Some((evaluator, config)) = guardrail {
        if let GuardrailVerdict::Intervene { message, trace } =
            evaluator.evaluate(config, GuardrailSource::Input, input_texts)
        {
            let turn = intervened(message, prompt.input_tokens, registry);
            return Ok(Guarded {
                turn,
                trace,
                intervened: true,
            });
        }
    }
    let turn = engine::generate(registry, model, prompt)?;
    if let Some((evaluator, config)) = guardrail {
        let texts: Vec<String> = turn
            .blocks
            .iter()
            .filter_map(|block| match block {
                OutBlock::Text(text) => Some(text.clone()),
                _ => None,
            })
            .collect();
        if !texts.is_empty() {
            if let GuardrailVerdict::Intervene { message, trace } =
                evaluator.evaluate(config, GuardrailSource::Output, &texts)
            {
                let turn = intervened(message, turn.input_tokens, registry);
                return Ok(Guarded {
                    turn,
                    trace,
                    intervened: true,
                });
            }
        }
    }
    Ok(Guarded {
        turn,
        trace: None,
        intervened: false,
    })
}

fn intervened(message: String, input_tokens: u32, registry: &ModelRegistry) -> Turn {
    let output_tokens = tokens::count_text(&message);
    Turn {
        blocks: vec![OutBlock::Text(message)],
        stop: Stop::GuardrailIntervened,
        stop_sequence: None,
        input_tokens,
        output_tokens,
        latency_ms: None,
        pacing: Pacing {
            chunk_tokens: registry.echo_chunk_tokens(),
            first_chunk_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
        },
    }
}
