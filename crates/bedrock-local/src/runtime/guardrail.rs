//! The seam where the server plugs guardrail evaluation into Converse.
//!
//! Guardrails are stored and evaluated by the control-plane module; the runtime only asks a
//! [`GuardrailEvaluator`] what to do with the input and with the answer. When a request carries
//! a `guardrailConfig` and the server passes no evaluator, the request goes through unchanged.

use bedrock_runtime_types::types::{GuardrailConfiguration, GuardrailTraceAssessment};

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
pub trait GuardrailEvaluator {
    /// Checks `texts` (from `source`) against the guardrail named by `config`.
    fn evaluate(&self, config: &GuardrailConfiguration, source: GuardrailSource, texts: &[String]) -> GuardrailVerdict;
}
