//! The bidirectional stream's upload under SigV4, as the server receives it: every message in
//! a signed envelope whose signature chains from the request's, then the signed empty message.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bedrock_auth::{EventStreamSigner, Signature, SigningName, SystemClock};
use bedrock_config::Credentials;
use bedrock_local::server::{Request, Response, Router};
use bedrock_runtime::event_stream::InvokeModelWithBidirectionalStreamInput;
use bedrock_runtime::types::{BidirectionalInputPayloadPart, InvokeModelWithBidirectionalStreamRequest};
use bedrock_runtime::Blob;
use bedrock_runtime::{Client, Config};
use bedrock_transport::event_stream::MessageDecoder;
use bedrock_transport::{HttpVersionPolicy, HyperClient};
use bedrock_wire::event_stream::Message;
use futures_util::StreamExt;

const AKID: &str = "AKIDLOCAL";
const SECRET: &str = "local-secret";

#[derive(Default)]
struct Received {
    authorization: String,
    content_sha256: String,
    messages: Vec<Message>,
}

fn header<'a>(message: &'a Message, name: &str) -> Option<&'a bedrock_wire::event_stream::HeaderValue> {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .map(|h| h.value())
}

fn inner(envelope: &Message) -> Message {
    let mut decoder = MessageDecoder::new();
    decoder.push(envelope.payload().clone());
    decoder.finish();
    decoder.decode().unwrap().unwrap()
}

#[tokio::test]
async fn every_input_message_is_signed_in_a_chain_from_the_request_signature() {
    let received = Arc::new(Mutex::new(Received::default()));
    let sink = received.clone();
    let handler = move |request: Request| {
        let sink = sink.clone();
        async move {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default()
            };
            let authorization = header("authorization");
            let content_sha256 = header("x-amz-content-sha256");
            let messages: Vec<Message> = request.body.into_messages().map(Result::unwrap).collect().await;
            *sink.lock().unwrap() = Received {
                authorization,
                content_sha256,
                messages,
            };
            Response::events(futures_util::stream::empty())
        }
    };
    let router = Router::new()
        .operation("InvokeModelWithBidirectionalStream", handler)
        .unwrap();
    let server = bedrock_local::start(
        bedrock_local::Config::new()
            .auth(bedrock_local::AuthMode::verify(AKID, SECRET))
            .service(router),
    )
    .await
    .unwrap();
    let http = HyperClient::builder()
        .http_versions(HttpVersionPolicy::Http2Only)
        .build()
        .unwrap();
    let config = Config::builder()
        .region("us-east-1")
        .credentials(Credentials::new(AKID, SECRET, None, None, "test"))
        .endpoint_url(server.base_url())
        .http_client(Arc::new(http))
        .load()
        .await
        .unwrap();
    let client = Client::new(&config);

    // This handler answers only once the input has ended: send and close before awaiting.
    let mut call = client.invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new(
        "amazon.nova-sonic-v1:0",
    ));
    let mut sender = call.sender().unwrap();
    let payloads = ["first", "second", "third"];
    for payload in payloads {
        sender
            .send(InvokeModelWithBidirectionalStreamInput::Chunk(
                BidirectionalInputPayloadPart::new().with_bytes(Blob::new(payload)),
            ))
            .await
            .unwrap();
    }
    sender.close();
    let mut stream = call.await.unwrap();
    assert!(stream.receiver.recv().await.unwrap().is_none());

    let received = std::mem::take(&mut *received.lock().unwrap());
    assert_eq!(received.content_sha256, "STREAMING-AWS4-HMAC-SHA256-EVENTS");
    let seed = received.authorization.rsplit("Signature=").next().unwrap().to_owned();
    assert_eq!(
        received.messages.len(),
        payloads.len() + 1,
        "three events and the end frame"
    );

    // Recompute the chain from the request's signature, each link dated as the message says.
    let mut verifier = EventStreamSigner::new(
        Signature::new(seed),
        Credentials::new(AKID, SECRET, None, None, "test"),
        SigningName::Bedrock,
        "us-east-1",
        Arc::new(SystemClock),
    );
    for (i, envelope) in received.messages.iter().enumerate() {
        let date = header(envelope, ":date").unwrap().as_timestamp().unwrap();
        let date = SystemTime::try_from(date).unwrap();
        assert!(header(envelope, ":chunk-signature").unwrap().as_byte_array().is_ok());
        let expected = if i < payloads.len() {
            let event = inner(envelope);
            let InvokeModelWithBidirectionalStreamInput::Chunk(part) =
                InvokeModelWithBidirectionalStreamInput::from_message(&event).unwrap()
            else {
                panic!("not a chunk")
            };
            assert_eq!(part.bytes.unwrap().as_ref(), payloads[i].as_bytes());
            verifier.sign_message_at(&event, date).unwrap()
        } else {
            assert!(envelope.payload().is_empty(), "the end frame is empty");
            verifier.finish_at(date).unwrap()
        };
        assert_eq!(&expected, envelope, "message {i}");
    }
}
