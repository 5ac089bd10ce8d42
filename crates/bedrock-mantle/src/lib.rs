//! Client for Bedrock Mantle: OpenAI-compatible and Anthropic Messages APIs (bedrock-mantle.{region}.api.aws).
//!
//! Skeleton: nothing is implemented yet; the work is tracked in issue #8.
#![deny(missing_docs)]
