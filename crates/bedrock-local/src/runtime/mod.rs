//! The deterministic model behaviour of the emulator, as pure functions (sans-IO).
//!
//! The server parses a request into the generated `bedrock-runtime-types` input, calls the
//! function of its operation here, and serializes what comes back; nothing in this module does
//! IO, sleeps or reads the clock (the async invoke store takes a [`Clock`]).
//!
//! | Operation | Function |
//! |---|---|
//! | Converse | [`converse`] |
//! | ConverseStream | [`converse_stream`] |
//! | InvokeModel | [`invoke_model`] |
//! | InvokeModelWithResponseStream | [`invoke_model_stream`] |
//! | CountTokens | [`count_tokens`] |
//! | StartAsyncInvoke, GetAsyncInvoke, ListAsyncInvokes | [`AsyncInvokeStore`] |
//! | InvokeModelWithBidirectionalStream | [`DuplexSession`] |
//! | InvokeGuardrailChecks | [`invoke_guardrail_checks`] |
//!
//! Model ids resolve to a [`Family`] through a [`ModelRegistry`]; tokens are counted by the
//! rules of [`tokens`]; scripts of the `scripted` family follow the format of [`script`].
//! Failures are [`RuntimeError`]s, which convert into each operation's generated error enum.
//! The Converse and InvokeModel functions take an optional [`GuardrailEvaluator`], the seam
//! where the control plane's guardrails plug in.

mod async_invoke;
pub mod checks;
mod converse;
mod count;
mod duplex;
pub(crate) mod engine;
mod error;
mod guardrail;
mod native;
mod registry;
pub mod script;
pub mod tokens;

use std::time::Duration;

pub use async_invoke::{AsyncInvokeConfig, AsyncInvokeStore, Clock, ManualClock, SystemClock};
pub use checks::invoke_guardrail_checks;
pub use converse::{converse, converse_stream, count_converse_tokens, FIRST_MESSAGE_NOT_USER, ROLES_MUST_ALTERNATE};
pub use count::count_tokens;
pub use duplex::DuplexSession;
pub use engine::{Stop, HISTORY_COMMAND};
pub use error::{RuntimeError, INVALID_MODEL_IDENTIFIER, UNSUPPORTED_CONVERSE_MODEL};
pub use guardrail::{GuardrailEvaluator, GuardrailSource, GuardrailVerdict};
pub use native::{count_native_tokens, invoke_model, invoke_model_stream, NativeFormat, STREAMING_UNSUPPORTED};
pub use registry::{Family, GeneratorConfig, ModelRegistry, Provider, ResolvedModel, MAX_GENERATOR_TOKENS};
pub use script::{Script, ScriptError};

/// A stream event and the pause the server makes before sending it.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed<T> {
    /// How long to wait before sending `event` (after the previous event).
    pub delay: Duration,
    /// The event.
    pub event: T,
}

impl<T> Timed<T> {
    /// An event sent without a pause.
    pub fn now(event: T) -> Self {
        Self {
            delay: Duration::ZERO,
            event,
        }
    }
}
