//! Shortcuts for building Converse requests and reading their answers.
//!
//! Hand-written extension traits over the generated types: everything here builds or reads
//! the same structures you could write out by hand, so the wire format stays in view.
//! Import them all with `use bedrock_runtime::prelude::*;`.
//!
//! ```
//! use bedrock_runtime::prelude::*;
//! use bedrock_runtime::types::{ConverseRequest, Message, Tool, ToolResultBlock};
//!
//! let weather = Tool::from_json_schema(
//!     "get_weather",
//!     "The weather in a city",
//!     serde_json::json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
//! );
//! let request = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0")
//!     .with_messages(vec![Message::user("What's the weather in Paris?")])
//!     .with_tools(vec![weather]);
//! let result = ToolResultBlock::json("tooluse_1", &serde_json::json!({"sky": "clear"}))?;
//! # let _ = (request, result);
//! # Ok::<(), serde_json::Error>(())
//! ```

use bedrock_runtime_types::types::{
    ContentBlock, ConversationRole, ConverseOutput, ConverseRequest, ConverseResponse, ConverseStreamRequest, Message,
    Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolResultStatus,
    ToolSpecification, ToolUseBlock,
};

/// Constructors and readers for [`Message`].
pub trait MessageExt {
    /// A `user` message with one text block.
    fn user(text: impl Into<String>) -> Self;
    /// An `assistant` message with one text block.
    fn assistant(text: impl Into<String>) -> Self;
    /// A `user` message carrying tool results (the answer to a `tool_use` turn).
    fn tool_results(results: Vec<ToolResultBlock>) -> Self;
    /// The text blocks, joined with nothing in between (as a model streams them).
    fn text(&self) -> String;
    /// The tool calls the message holds, in order.
    fn tool_uses(&self) -> Vec<&ToolUseBlock>;
}

impl MessageExt for Message {
    fn user(text: impl Into<String>) -> Self {
        Message::new(ConversationRole::User, vec![ContentBlock::Text(text.into())])
    }

    fn assistant(text: impl Into<String>) -> Self {
        Message::new(ConversationRole::Assistant, vec![ContentBlock::Text(text.into())])
    }

    fn tool_results(results: Vec<ToolResultBlock>) -> Self {
        Message::new(
            ConversationRole::User,
            results.into_iter().map(ContentBlock::ToolResult).collect::<Vec<_>>(),
        )
    }

    fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|block| match block {
                ContentBlock::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn tool_uses(&self) -> Vec<&ToolUseBlock> {
        self.content
            .iter()
            .filter_map(|block| match block {
                ContentBlock::ToolUse(tool_use) => Some(tool_use),
                _ => None,
            })
            .collect()
    }
}

/// Readers for [`ConverseResponse`].
pub trait ConverseResponseExt {
    /// The answer message, if the output is one (it always is today; a newer output kind
    /// would be `None`).
    fn message(&self) -> Option<&Message>;
    /// The answer's text blocks, joined; `None` if it holds no text at all.
    fn output_text(&self) -> Option<String>;
    /// The tool calls of the answer, in order (empty unless `stop_reason` is `tool_use`).
    fn tool_uses(&self) -> Vec<&ToolUseBlock>;
}

impl ConverseResponseExt for ConverseResponse {
    fn message(&self) -> Option<&Message> {
        match &self.output {
            ConverseOutput::Message(message) => Some(message),
            _ => None,
        }
    }

    fn output_text(&self) -> Option<String> {
        let message = self.message()?;
        message
            .content
            .iter()
            .any(|b| matches!(b, ContentBlock::Text(_)))
            .then(|| message.text())
    }

    fn tool_uses(&self) -> Vec<&ToolUseBlock> {
        self.message().map(MessageExt::tool_uses).unwrap_or_default()
    }
}

/// Tool definitions from a JSON schema.
pub trait ToolExt {
    /// A tool (`toolSpec`) named `name`, described by `description`, whose input is described
    /// by the JSON schema `schema` (sent as `inputSchema.json`).
    fn from_json_schema(name: impl Into<String>, description: impl Into<String>, schema: serde_json::Value) -> Self;
}

impl ToolExt for Tool {
    fn from_json_schema(name: impl Into<String>, description: impl Into<String>, schema: serde_json::Value) -> Self {
        Tool::ToolSpec(ToolSpecification::from_json_schema(name, description, schema))
    }
}

impl ToolExt for ToolSpecification {
    fn from_json_schema(name: impl Into<String>, description: impl Into<String>, schema: serde_json::Value) -> Self {
        ToolSpecification::new(name.into(), ToolInputSchema::Json(schema)).with_description(description.into())
    }
}

/// Tool results from any `Serialize` value, text, or an error.
pub trait ToolResultExt: Sized {
    /// A successful result whose content is `value` as JSON.
    fn json<T: serde::Serialize + ?Sized>(tool_use_id: impl Into<String>, value: &T)
        -> Result<Self, serde_json::Error>;
    /// A successful result whose content is `text`.
    fn text(tool_use_id: impl Into<String>, text: impl Into<String>) -> Self;
    /// A failed call (`status: error`), explained by `text` for the model.
    fn error(tool_use_id: impl Into<String>, text: impl Into<String>) -> Self;
}

impl ToolResultExt for ToolResultBlock {
    fn json<T: serde::Serialize + ?Sized>(
        tool_use_id: impl Into<String>,
        value: &T,
    ) -> Result<Self, serde_json::Error> {
        let value = serde_json::to_value(value)?;
        Ok(
            ToolResultBlock::new(tool_use_id.into(), vec![ToolResultContentBlock::Json(value)])
                .with_status(ToolResultStatus::Success),
        )
    }

    fn text(tool_use_id: impl Into<String>, text: impl Into<String>) -> Self {
        ToolResultBlock::new(tool_use_id.into(), vec![ToolResultContentBlock::Text(text.into())])
            .with_status(ToolResultStatus::Success)
    }

    fn error(tool_use_id: impl Into<String>, text: impl Into<String>) -> Self {
        ToolResultBlock::new(tool_use_id.into(), vec![ToolResultContentBlock::Text(text.into())])
            .with_status(ToolResultStatus::Error)
    }
}

/// Tools on a Converse request without spelling out the [`ToolConfiguration`].
pub trait WithTools: Sized {
    /// Sets `toolConfig.tools` (the tool choice is left to the model).
    fn with_tools(self, tools: Vec<Tool>) -> Self;
}

impl WithTools for ConverseRequest {
    fn with_tools(self, tools: Vec<Tool>) -> Self {
        self.with_tool_config(ToolConfiguration::new(tools))
    }
}

impl WithTools for ConverseStreamRequest {
    fn with_tools(self, tools: Vec<Tool>) -> Self {
        self.with_tool_config(ToolConfiguration::new(tools))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_runtime_types::types::{ConverseMetrics, StopReason, TokenUsage};
    use serde_json::json;

    #[test]
    fn builds_the_wire_shapes() {
        let message = Message::user("hi");
        assert_eq!(message.role, ConversationRole::User);
        assert_eq!(message.text(), "hi");
        assert_eq!(Message::assistant("yo").role, ConversationRole::Assistant);

        let Tool::ToolSpec(spec) = Tool::from_json_schema("f", "does f", json!({"type": "object"})) else {
            panic!()
        };
        assert_eq!(spec.name, "f");
        assert_eq!(spec.description.as_deref(), Some("does f"));
        assert!(matches!(spec.input_schema, ToolInputSchema::Json(ref v) if v == &json!({"type": "object"})));

        #[derive(serde::Serialize)]
        struct Weather {
            celsius: i32,
        }
        let result = ToolResultBlock::json("t1", &Weather { celsius: 21 }).unwrap();
        assert!(matches!(&result.content[0], ToolResultContentBlock::Json(v) if v == &json!({"celsius": 21})));
        assert_eq!(result.status, Some(ToolResultStatus::Success));
        assert_eq!(ToolResultBlock::error("t1", "no").status, Some(ToolResultStatus::Error));
        let answer = Message::tool_results(vec![result]);
        assert!(matches!(&answer.content[0], ContentBlock::ToolResult(r) if r.tool_use_id == "t1"));
    }

    #[test]
    fn reads_text_and_tool_uses() {
        let message = Message::new(
            ConversationRole::Assistant,
            vec![
                ContentBlock::Text("a".into()),
                ContentBlock::ToolUse(ToolUseBlock::new("id".to_owned(), "f".to_owned(), json!({}))),
                ContentBlock::Text("b".into()),
            ],
        );
        let response = ConverseResponse::new(
            ConverseOutput::Message(message),
            StopReason::ToolUse,
            TokenUsage::new(1, 1, 2),
            ConverseMetrics::new(1),
        );
        assert_eq!(response.output_text().as_deref(), Some("ab"));
        assert_eq!(response.tool_uses()[0].name, "f");
        let empty = ConverseResponse::new(
            ConverseOutput::Message(Message::new(ConversationRole::Assistant, vec![])),
            StopReason::EndTurn,
            TokenUsage::new(1, 1, 2),
            ConverseMetrics::new(1),
        );
        assert_eq!(empty.output_text(), None);
    }
}
