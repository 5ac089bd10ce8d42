//! One module per command.

pub mod chat;
pub mod info;
pub mod local;
pub mod mantle_chat;
pub mod models;
pub mod raw;
