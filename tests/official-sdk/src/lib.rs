//! Tests only: see `tests/converse.rs`.
