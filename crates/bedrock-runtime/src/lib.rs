//! Client for Bedrock Runtime (bedrock-runtime.{region}.amazonaws.com).
//!
//! Skeleton: nothing is implemented yet; the work is tracked in issue #7.
#![deny(missing_docs)]

pub mod stream;
