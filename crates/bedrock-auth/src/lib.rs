//! Credentials, SigV4 signing and Bedrock API keys.
//!
//! Skeleton: nothing is implemented yet; the work is tracked in issue #5.
#![deny(missing_docs)]
