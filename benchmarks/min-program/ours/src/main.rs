//! One Converse call with this SDK: `min-ours http://127.0.0.1:PORT`.
use bedrock_runtime::types::{ContentBlock, ConversationRole, ConverseOutput, ConverseRequest, Message};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:4000".into());
    let config = bedrock_config::Config::builder()
        .region("us-east-1")
        .credentials(bedrock_config::Credentials::new("AKID", "SECRET", None, None, "bench"))
        .endpoint_url(url)
        .load()
        .await?;
    let client = bedrock_runtime::Client::new(&config);
    let request = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0").with_messages(vec![Message::new(
        ConversationRole::User,
        vec![ContentBlock::Text("Hello".into())],
    )]);
    let response = client.converse(request).await?;
    if let ConverseOutput::Message(message) = &response.output {
        if let Some(ContentBlock::Text(text)) = message.content.first() {
            println!("{text}");
        }
    }
    Ok(())
}
