//! bedrock-local: a wire-faithful Bedrock emulator for tests and offline work.
#![deny(missing_docs)]

pub mod auth;
pub mod clock;
pub mod fault;
pub mod wire;
