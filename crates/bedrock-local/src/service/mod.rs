//! The emulator's operations as [`Router`](crate::Router) routes.
//!
//! [`control`] registers the control plane's operations.

pub mod control;
