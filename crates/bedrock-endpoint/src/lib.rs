//! Endpoint resolution for bedrock, bedrock-runtime and bedrock-mantle from AWS endpoint rule sets.
//!
//! Skeleton: nothing is implemented yet; the work is tracked in issue #4.
#![deny(missing_docs)]
