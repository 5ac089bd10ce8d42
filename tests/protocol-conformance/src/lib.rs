//! Code generated at build time from botocore's restJson1 protocol suites.
//!
//! `build.rs` reads the suites from the directory named by
//! `BEDROCK_PROTOCOL_TESTS` (default: `../shared/conformance/botocore-protocol-tests`
//! beside the repository), generates models for each suite's embedded service
//! model with `bedrock-codegen`, and writes one function per case. The
//! `conformance` test target runs them.
#![allow(missing_docs, clippy::all)]

pub mod support;

include!(concat!(env!("OUT_DIR"), "/suites.rs"));
