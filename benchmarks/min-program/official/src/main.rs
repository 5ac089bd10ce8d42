//! One Converse call with the official SDK: `min-official http://127.0.0.1:PORT`.
use aws_sdk_bedrockruntime::config::{Credentials, Region};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:4000".into());
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "SECRET", None, None, "bench"))
        .endpoint_url(url)
        .load()
        .await;
    let client = aws_sdk_bedrockruntime::Client::new(&config);
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Hello".into()))
        .build()?;
    let response = client
        .converse()
        .model_id("anthropic.claude-3-haiku-20240307-v1:0")
        .messages(message)
        .send()
        .await?;
    if let Some(ContentBlock::Text(text)) = response.output().and_then(|o| o.as_message().ok()).and_then(|m| m.content().first()) {
        println!("{text}");
    }
    Ok(())
}
