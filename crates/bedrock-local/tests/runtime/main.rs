//! Tests of the model runtime through its public API.

mod async_invoke;
mod converse;
mod count;
mod duplex;
mod native;

use bedrock_local::runtime::{ModelRegistry, Script};
use bedrock_runtime_types::types::{ContentBlock, ConversationRole, Message};

/// A registry with the scripts the tests use.
pub fn registry() -> ModelRegistry {
    let mut registry = ModelRegistry::new();
    registry.add_script(
        "weather",
        Script::from_json(
            r#"{"turns":[
                {"content":[
                    {"reasoning":{"text":"The user wants weather.","signature":"sig-1"}},
                    {"text":"Let me check."},
                    {"toolUse":{"name":"get_weather","input":{"city":"Paris"},"toolUseId":"tooluse_weather1"}}
                 ],
                 "chunkTokens":2,"firstChunkDelayMs":100,"chunkDelayMs":10},
                {"content":[{"text":"It is sunny in Paris."}],"usage":{"inputTokens":40}}
            ]}"#,
        )
        .unwrap(),
    );
    registry
}

/// A user message with one text block.
pub fn user(text: &str) -> Message {
    Message::new(ConversationRole::User, vec![ContentBlock::Text(text.to_owned())])
}

/// An assistant message with one text block.
pub fn assistant(text: &str) -> Message {
    Message::new(ConversationRole::Assistant, vec![ContentBlock::Text(text.to_owned())])
}
