//! bedrock-local: a wire-faithful Bedrock emulator for tests and offline work.
//!
//! Skeleton: nothing is implemented yet; the work is tracked in issue #6.
#![deny(missing_docs)]
pub mod runtime;
