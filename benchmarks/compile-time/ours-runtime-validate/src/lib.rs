//! Uses one type of the model crate, so that the dependency is really built and linked.

/// The debug form of one enum value of the model crate.
pub fn probe() -> String {
    format!("{:?}", bedrock_runtime_types::types::ConversationRole::User)
}
