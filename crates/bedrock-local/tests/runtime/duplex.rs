use bedrock_local::runtime::DuplexSession;
use bedrock_runtime_types::event_stream::{
    InvokeModelWithBidirectionalStreamInput, InvokeModelWithBidirectionalStreamOutput,
};
use bedrock_runtime_types::types::BidirectionalInputPayloadPart;
use serde_json::{json, Value};

use super::registry;

fn send(session: &mut DuplexSession, event: Value) -> Vec<Value> {
    let input = InvokeModelWithBidirectionalStreamInput::Chunk(
        BidirectionalInputPayloadPart::new().with_bytes(json!({ "event": event }).to_string().into_bytes()),
    );
    session
        .on_input(&input)
        .unwrap()
        .into_iter()
        .map(|output| {
            let InvokeModelWithBidirectionalStreamOutput::Chunk(part) = output else {
                panic!()
            };
            serde_json::from_slice::<Value>(part.bytes.unwrap().as_ref()).unwrap()["event"].clone()
        })
        .collect()
}

#[test]
fn text_is_echoed_as_assistant_content() {
    let mut session = DuplexSession::new(&registry(), "amazon.nova-sonic-v1:0").unwrap();
    assert!(send(
        &mut session,
        json!({"sessionStart": {"inferenceConfiguration": {"maxTokens": 100}}})
    )
    .is_empty());
    assert!(send(&mut session, json!({"promptStart": {"promptName": "p"}})).is_empty());
    assert!(send(
        &mut session,
        json!({"contentStart": {"promptName": "p", "contentName": "sys", "type": "TEXT", "role": "SYSTEM"}})
    )
    .is_empty());
    assert!(send(
        &mut session,
        json!({"textInput": {"promptName": "p", "contentName": "sys", "content": "be nice"}})
    )
    .is_empty());
    send(
        &mut session,
        json!({"contentEnd": {"promptName": "p", "contentName": "sys"}}),
    );
    send(
        &mut session,
        json!({"contentStart": {"promptName": "p", "contentName": "c1", "type": "TEXT", "role": "USER"}}),
    );
    let out = send(
        &mut session,
        json!({"textInput": {"promptName": "p", "contentName": "c1", "content": "hello"}}),
    );
    assert_eq!(
        out,
        [
            json!({"completionStart": {"promptName": "p", "completionId": "00000000-0000-4000-8000-000000000001"}}),
            json!({"contentStart": {"promptName": "p", "contentId": "00000000-0000-4000-8000-000000000002", "type": "TEXT", "role": "ASSISTANT"}}),
            json!({"textOutput": {"promptName": "p", "contentId": "00000000-0000-4000-8000-000000000002", "content": "hello", "role": "ASSISTANT"}}),
            json!({"contentEnd": {"promptName": "p", "contentId": "00000000-0000-4000-8000-000000000002", "type": "TEXT", "stopReason": "END_TURN"}}),
        ]
    );
    assert!(send(
        &mut session,
        json!({"contentEnd": {"promptName": "p", "contentName": "c1"}})
    )
    .is_empty());
    assert_eq!(
        send(&mut session, json!({"promptEnd": {"promptName": "p"}})),
        [
            json!({"completionEnd": {"promptName": "p", "completionId": "00000000-0000-4000-8000-000000000001", "stopReason": "END_TURN"}})
        ]
    );
    assert!(send(&mut session, json!({"sessionEnd": {}})).is_empty());
    assert!(session.is_finished());
}

#[test]
fn audio_is_echoed_in_one_content() {
    let mut session = DuplexSession::new(&registry(), "echo").unwrap();
    send(
        &mut session,
        json!({"contentStart": {"promptName": "p", "contentName": "a", "type": "AUDIO", "role": "USER"}}),
    );
    let first = send(
        &mut session,
        json!({"audioInput": {"promptName": "p", "contentName": "a", "content": "AAAA"}}),
    );
    let names: Vec<&str> = first
        .iter()
        .map(|event| event.as_object().unwrap().keys().next().unwrap().as_str())
        .collect();
    assert_eq!(names, ["completionStart", "contentStart", "audioOutput"]);
    assert_eq!(first[2]["audioOutput"]["content"], "AAAA");
    let second = send(
        &mut session,
        json!({"audioInput": {"promptName": "p", "contentName": "a", "content": "BBBB"}}),
    );
    assert_eq!(second.len(), 1);
    assert_eq!(
        second[0]["audioOutput"]["contentId"],
        first[1]["contentStart"]["contentId"]
    );
    let end = send(
        &mut session,
        json!({"contentEnd": {"promptName": "p", "contentName": "a"}}),
    );
    assert_eq!(end[0]["contentEnd"]["type"], "AUDIO");
}

#[test]
fn bad_input_is_a_validation_error() {
    let mut session = DuplexSession::new(&registry(), "echo").unwrap();
    let chunk = |bytes: &[u8]| {
        InvokeModelWithBidirectionalStreamInput::Chunk(BidirectionalInputPayloadPart::new().with_bytes(bytes.to_vec()))
    };
    assert!(session
        .on_input(&chunk(b"nope"))
        .unwrap_err()
        .message()
        .contains("not JSON"));
    assert!(session.on_input(&chunk(br#"{"event":{}}"#)).is_err());
    assert!(session
        .on_input(&chunk(br#"{"event":{"dance":{}}}"#))
        .unwrap_err()
        .message()
        .contains("dance"));
    assert!(DuplexSession::new(&registry(), "nope").is_err());
    session.on_input(&chunk(br#"{"event":{"sessionEnd":{}}}"#)).unwrap();
    assert!(session.on_input(&chunk(br#"{"event":{"sessionStart":{}}}"#)).is_err());
}
