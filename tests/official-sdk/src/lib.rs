//! Tests only: see `tests/converse.rs` (the official SDK against bedrock-local) and
//! `tests/wire_equivalence.rs` (the official SDK's requests against this SDK's).
