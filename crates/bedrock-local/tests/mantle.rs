//! The mantle routes over raw HTTP: OpenAI Models, Chat Completions and Responses under `/v1`
//! and `/openai/v1`, Anthropic Messages under `/anthropic/v1`, streamed and not, read back with
//! the generated types of `bedrock-mantle-types` and `bedrock-transport`'s SSE decoder.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_auth::{Credentials, Signer, SigningName};
use bedrock_local::clock::ManualClock;
use bedrock_local::runtime::{ModelRegistry, Script};
use bedrock_local::{AuthMode, Config, Emulator, Handle, FAULT_HEADER};
use bedrock_mantle_types::anthropic::{self as an, MessageStreamEvent};
use bedrock_mantle_types::openai::{self as oa, ResponseStreamEvent};
use bedrock_transport::sse::{Event, SseDecoder};
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

const KEY: &str = "ABSKlocal-test-key";
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn start_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

struct Server {
    handle: Handle,
    clock: ManualClock,
}

async fn server() -> Server {
    let clock = ManualClock::new(start_time());
    let mut registry = ModelRegistry::new();
    registry.add_script(
        "thinker",
        Script::from_json(
            r#"{"turns":[{"content":[{"reasoning":{"text":"Think it over.","signature":"sig-1"}},{"text":"Done thinking."}]},
                {"content":[{"toolUse":{"name":"lookup","input":{"q":"x"},"toolUseId":"call_1"}}]}],"cycle":true}"#,
        )
        .unwrap(),
    );
    let emulator = Emulator::new("us-east-1", 7, Arc::new(clock.clone())).with_registry(registry);
    let config = Config::new()
        .auth(AuthMode::verify(AKID, SECRET).with_api_key(KEY))
        .shared_clock(Arc::new(clock.clone()))
        .service(emulator.router());
    Server {
        handle: bedrock_local::start(config).await.unwrap(),
        clock,
    }
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn typed<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn events(&self) -> Vec<Event> {
        assert_eq!(self.headers["content-type"], "text/event-stream");
        let mut decoder = SseDecoder::new();
        decoder.push(self.body.clone());
        decoder.finish();
        let mut events = Vec::new();
        while let Some(event) = decoder.decode().unwrap() {
            events.push(event);
        }
        events
    }
}

fn build(server: &Server, method: Method, path: &str, body: Option<&Value>) -> http::Request<Bytes> {
    let addr = server.handle.local_addr();
    let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(body)
        .unwrap()
}

async fn send_raw(server: &Server, request: http::Request<Bytes>) -> Reply {
    let stream = TcpStream::connect(server.handle.local_addr()).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request.map(Full::new)).await.unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

async fn send(server: &Server, method: Method, path: &str, body: Option<Value>) -> Reply {
    let mut request = build(server, method, path, body.as_ref());
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {KEY}").parse().unwrap());
    send_raw(server, request).await
}

async fn post(server: &Server, path: &str, body: Value) -> Reply {
    send(server, Method::POST, path, Some(body)).await
}

fn data(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect()
}

// ------------------------------------------------------------------------------------------
// Models
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn models_list_and_retrieve_on_both_prefixes() {
    let server = server().await;
    for prefix in ["/v1", "/openai/v1"] {
        let list = send(&server, Method::GET, &format!("{prefix}/models"), None).await;
        assert_eq!(list.status, 200);
        let list: oa::ModelList = list.typed();
        let ids: Vec<&str> = list.data.iter().map(|m| m.id.as_str()).collect();
        assert!(
            ids.contains(&"local.echo") && ids.contains(&"anthropic.claude-3-haiku-20240307-v1:0"),
            "{ids:?}"
        );
        let one = send(&server, Method::GET, &format!("{prefix}/models/local.echo"), None).await;
        assert_eq!(one.json()["object"], "model");
        assert_eq!(one.json()["id"], "local.echo");
        let missing = send(&server, Method::GET, &format!("{prefix}/models/nope"), None).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["error"]["code"], "model_not_found");
    }
}

// ------------------------------------------------------------------------------------------
// Chat Completions
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn chat_completion_echoes_the_last_user_message() {
    let server = server().await;
    for prefix in ["/v1", "/openai/v1"] {
        let reply = post(
            &server,
            &format!("{prefix}/chat/completions"),
            json!({"model": "echo", "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hello there!"}]}
            ]}),
        )
        .await;
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(body["object"], "chat.completion");
        assert_eq!(body["choices"][0]["message"]["role"], "assistant");
        assert_eq!(body["choices"][0]["message"]["content"], "Hello there!");
        assert_eq!(body["choices"][0]["finish_reason"], "stop");
        assert_eq!(body["usage"]["completion_tokens"], 3);
        assert_eq!(body["usage"]["prompt_tokens"], 6);
        let typed: oa::ChatCompletion = reply.typed();
        assert!(typed.id.starts_with("chatcmpl-"));
    }
}

#[tokio::test]
async fn chat_completion_stream_sends_role_content_finish_usage_and_done() {
    let server = server().await;
    let reply = post(
        &server,
        "/v1/chat/completions",
        json!({"model": "echo", "stream": true, "stream_options": {"include_usage": true},
               "messages": [{"role": "user", "content": "one two three four five six"}]}),
    )
    .await;
    let events = reply.events();
    assert_eq!(events.last().unwrap().data, "[DONE]");
    assert!(events.iter().all(|e| e.event == "message"), "no event names");
    let chunks: Vec<oa::ChatCompletionChunk> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(&e.data).unwrap())
        .collect();
    let raw = data(&events);
    assert_eq!(raw[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(raw[0]["object"], "chat.completion.chunk");
    let text: String = raw
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "one two three four five six");
    // 6 tokens, 4 per chunk: two content chunks after the role chunk.
    assert_eq!(raw.len(), 1 + 2 + 1 + 1);
    assert_eq!(raw[3]["choices"][0]["finish_reason"], "stop");
    assert_eq!(raw[4]["choices"], json!([]));
    assert_eq!(chunks[4].usage.clone().flatten().unwrap().completion_tokens, 6);
}

#[tokio::test]
async fn chat_completion_tool_calls_stream_in_fragments_with_their_index() {
    let server = server().await;
    let tools = json!([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]);
    let content = r#"call get_weather {"city": "Paris, the capital of France"}"#;
    let body = json!({"model": "echo", "tools": tools, "messages": [{"role": "user", "content": content}]});
    let plain = post(&server, "/openai/v1/chat/completions", body.clone()).await.json();
    let call = &plain["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "get_weather");
    assert_eq!(plain["choices"][0]["finish_reason"], "tool_calls");

    let mut streamed = body;
    streamed["stream"] = json!(true);
    let raw = data(&post(&server, "/openai/v1/chat/completions", streamed).await.events());
    let deltas: Vec<&Value> = raw
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"].get(0))
        .collect();
    assert!(deltas.len() > 2, "{deltas:?}");
    assert!(deltas.iter().all(|d| d["index"] == 0));
    assert_eq!(deltas[0]["id"], call["id"]);
    assert_eq!(deltas[0]["function"]["name"], "get_weather");
    let arguments: String = deltas
        .iter()
        .filter_map(|d| d["function"]["arguments"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&arguments).unwrap(),
        json!({"city": "Paris, the capital of France"})
    );
    assert_eq!(raw.last().unwrap()["choices"][0]["finish_reason"], "tool_calls");
}

// ------------------------------------------------------------------------------------------
// Responses
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn response_is_stored_listed_and_deleted() {
    let server = server().await;
    let created = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": "Remember me."}),
    )
    .await;
    assert_eq!(created.status, 200);
    let response: oa::Response = created.typed();
    let body = created.json();
    assert_eq!(body["object"], "response");
    assert_eq!(body["status"], "completed");
    assert_eq!(body["output"][0]["type"], "message");
    assert_eq!(body["output"][0]["content"][0]["type"], "output_text");
    assert_eq!(body["output"][0]["content"][0]["text"], "Remember me.");
    assert_eq!(body["usage"]["output_tokens"], 3);
    assert_eq!(body["created_at"], 1_767_225_600);

    // The runtime route serves the same store.
    let path = format!("/openai/v1/responses/{}", response.id);
    let again = send(&server, Method::GET, &path, None).await;
    assert_eq!(again.typed::<oa::Response>(), response);
    let items = send(&server, Method::GET, &format!("{path}/input_items"), None)
        .await
        .json();
    assert_eq!(items["object"], "list");
    assert_eq!(items["data"][0]["role"], "user");
    assert_eq!(items["data"][0]["content"][0]["text"], "Remember me.");
    assert_eq!(items["has_more"], false);

    let deleted = send(&server, Method::DELETE, &path, None).await.json();
    assert_eq!(
        deleted,
        json!({"id": response.id, "object": "response", "deleted": true})
    );
    let gone = send(&server, Method::GET, &path, None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["error"]["type"], "invalid_request_error");

    let unstored = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": "x", "store": false}),
    )
    .await;
    let id = unstored.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&server, Method::GET, &format!("/v1/responses/{id}"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn previous_response_id_carries_the_conversation() {
    let server = server().await;
    let first = post(&server, "/v1/responses", json!({"model": "echo", "input": "I am Ada."}))
        .await
        .json();
    let second = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": "history", "previous_response_id": first["id"]}),
    )
    .await
    .json();
    assert_eq!(
        second["output"][0]["content"][0]["text"],
        "2 earlier messages: user: I am Ada. | assistant: I am Ada."
    );
    // The scripted family picks its turn from the assistant messages it sees.
    let one = post(
        &server,
        "/v1/responses",
        json!({"model": "scripted/thinker", "input": "go"}),
    )
    .await
    .json();
    assert_eq!(one["output"][0]["type"], "reasoning");
    assert_eq!(one["output"][1]["content"][0]["text"], "Done thinking.");
    let two = post(
        &server,
        "/v1/responses",
        json!({"model": "scripted/thinker", "input": "again", "previous_response_id": one["id"],
               "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]}),
    )
    .await
    .json();
    assert_eq!(two["output"][0]["type"], "function_call");
    assert_eq!(two["output"][0]["call_id"], "call_1");
    assert_eq!(two["output"][0]["arguments"], r#"{"q":"x"}"#);

    let missing = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": "x", "previous_response_id": "resp_nope"}),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["param"], "previous_response_id");
}

#[tokio::test]
async fn response_stream_sends_the_event_sequence() {
    let server = server().await;
    let reply = post(
        &server,
        "/openai/v1/responses",
        json!({"model": "echo", "input": "one two three four five six", "stream": true}),
    )
    .await;
    let events = reply.events();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed"
        ]
    );
    for (index, event) in events.iter().enumerate() {
        let typed: ResponseStreamEvent = serde_json::from_str(&event.data).unwrap();
        assert_eq!(typed.tag(), Some(event.event.as_str()));
        let value: Value = serde_json::from_str(&event.data).unwrap();
        assert_eq!(value["sequence_number"], index as u64);
    }
    let raw = data(&events);
    assert_eq!(raw[0]["response"]["status"], "in_progress");
    assert_eq!(raw[4]["delta"], "one two three four");
    assert_eq!(raw[6]["text"], "one two three four five six");
    assert_eq!(raw[9]["response"]["status"], "completed");
    assert_eq!(
        raw[9]["response"]["output"][0]["content"][0]["text"],
        "one two three four five six"
    );
}

#[tokio::test]
async fn response_stream_function_call_and_max_output_tokens() {
    let server = server().await;
    let tools = json!([{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]);
    let reply = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": r#"call get_weather {"city": "Paris, the capital of France"}"#,
               "tools": tools, "stream": true}),
    )
    .await;
    let events = reply.events();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names[2], "response.output_item.added");
    assert!(names[3..names.len() - 3]
        .iter()
        .all(|n| *n == "response.function_call_arguments.delta"));
    assert_eq!(names[names.len() - 3], "response.function_call_arguments.done");
    let raw = data(&events);
    assert_eq!(raw[2]["item"]["type"], "function_call");
    assert_eq!(raw[2]["item"]["arguments"], "");
    assert_eq!(
        raw[raw.len() - 2]["item"]["arguments"],
        r#"{"city":"Paris, the capital of France"}"#
    );

    let cut = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": "one two three", "max_output_tokens": 2}),
    )
    .await
    .json();
    assert_eq!(cut["status"], "incomplete");
    assert_eq!(cut["incomplete_details"]["reason"], "max_output_tokens");
    assert_eq!(cut["output"][0]["content"][0]["text"], "one two");
}

#[tokio::test]
async fn background_responses_complete_on_the_clock_and_can_be_cancelled() {
    let server = server().await;
    let queued = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": "in the background", "background": true}),
    )
    .await
    .json();
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["output"], json!([]));
    let path = format!("/v1/responses/{}", queued["id"].as_str().unwrap());
    server.clock.advance(Duration::from_secs(1));
    assert_eq!(
        send(&server, Method::GET, &path, None).await.json()["status"],
        "in_progress"
    );
    server.clock.advance(Duration::from_secs(2));
    let done = send(&server, Method::GET, &path, None).await.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["created_at"], 1_767_225_600);
    assert_eq!(done["completed_at"], 1_767_225_603);
    assert_eq!(done["output"][0]["content"][0]["text"], "in the background");
    // Cancelling a finished response changes nothing.
    let cancel = post(&server, &format!("{path}/cancel"), json!({})).await.json();
    assert_eq!(cancel["status"], "completed");

    let other = post(
        &server,
        "/v1/responses",
        json!({"model": "echo", "input": "never", "background": true}),
    )
    .await
    .json();
    let path = format!("/v1/responses/{}", other["id"].as_str().unwrap());
    assert_eq!(
        post(&server, &format!("{path}/cancel"), json!({})).await.json()["status"],
        "cancelled"
    );
    server.clock.advance(Duration::from_secs(10));
    assert_eq!(
        send(&server, Method::GET, &path, None).await.json()["status"],
        "cancelled"
    );

    let foreground = post(&server, "/v1/responses", json!({"model": "echo", "input": "now"}))
        .await
        .json();
    let path = format!("/v1/responses/{}/cancel", foreground["id"].as_str().unwrap());
    assert_eq!(post(&server, &path, json!({})).await.status, 400);
}

// ------------------------------------------------------------------------------------------
// Anthropic Messages
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn messages_answer_and_count_tokens() {
    let server = server().await;
    let reply = post(
        &server,
        "/anthropic/v1/messages",
        json!({"model": "echo", "max_tokens": 50, "system": "Be brief.",
               "messages": [{"role": "user", "content": "Hello, world!"}]}),
    )
    .await;
    assert_eq!(reply.status, 200);
    let message: an::Message = reply.typed();
    let body = reply.json();
    assert_eq!(body["type"], "message");
    assert_eq!(body["role"], "assistant");
    assert_eq!(
        body["content"],
        json!([{"type": "text", "text": "Hello, world!", "citations": null}])
    );
    assert_eq!(body["stop_reason"], "end_turn");
    assert_eq!(body["usage"]["input_tokens"], 7);
    assert_eq!(body["usage"]["output_tokens"], 4);
    assert!(message.id.starts_with("msg_"));

    let count = post(
        &server,
        "/anthropic/v1/messages/count_tokens",
        json!({"model": "echo", "system": "Be brief.", "messages": [{"role": "user", "content": "Hello, world!"}]}),
    )
    .await;
    assert_eq!(count.typed::<an::CountTokensResponse>().input_tokens, 7);
}

#[tokio::test]
async fn messages_stream_with_thinking_and_tool_use() {
    let server = server().await;
    let reply = post(
        &server,
        "/anthropic/v1/messages",
        json!({"model": "scripted/thinker", "max_tokens": 100, "stream": true,
               "messages": [{"role": "user", "content": "go"}]}),
    )
    .await;
    let events = reply.events();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    for event in &events {
        let typed: MessageStreamEvent = serde_json::from_str(&event.data).unwrap();
        assert_eq!(typed.tag(), Some(event.event.as_str()));
    }
    let raw = data(&events);
    assert_eq!(raw[0]["message"]["content"], json!([]));
    assert_eq!(raw[1]["content_block"]["type"], "thinking");
    assert_eq!(
        raw[2]["delta"],
        json!({"type": "thinking_delta", "thinking": "Think it over."})
    );
    assert_eq!(
        raw[3]["delta"],
        json!({"type": "signature_delta", "signature": "sig-1"})
    );
    assert_eq!(raw[6]["delta"], json!({"type": "text_delta", "text": "Done thinking."}));
    assert_eq!(raw[8]["delta"]["stop_reason"], "end_turn");
    assert!(raw[8]["usage"]["output_tokens"].as_u64().unwrap() > 0);

    // The second scripted turn calls a tool: input_json_delta fragments.
    let reply = post(
        &server,
        "/anthropic/v1/messages",
        json!({"model": "scripted/thinker", "max_tokens": 100, "stream": true,
               "tools": [{"name": "lookup", "input_schema": {"type": "object"}}],
               "messages": [{"role": "user", "content": "go"},
                            {"role": "assistant", "content": "Done thinking."},
                            {"role": "user", "content": "look it up"}]}),
    )
    .await;
    let raw = data(&reply.events());
    assert_eq!(
        raw[1]["content_block"],
        json!({"type": "tool_use", "id": "call_1", "name": "lookup", "input": {}})
    );
    assert_eq!(
        raw[2]["delta"],
        json!({"type": "input_json_delta", "partial_json": r#"{"q":"x"}"#})
    );
    assert_eq!(raw[4]["delta"]["stop_reason"], "tool_use");
}

// ------------------------------------------------------------------------------------------
// Errors and authentication
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn errors_use_each_api_shape() {
    let server = server().await;
    let bad = post(&server, "/v1/chat/completions", json!({"messages": []})).await;
    assert_eq!(bad.status, 400);
    let error: oa::ErrorResponse = bad.typed();
    assert_eq!(error.error.r#type, "invalid_request_error");

    let unknown = post(
        &server,
        "/v1/responses",
        json!({"model": "no-such-model", "input": "hi"}),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"]["code"], "model_not_found");

    let bad = post(
        &server,
        "/anthropic/v1/messages",
        json!({"model": "echo", "messages": []}),
    )
    .await;
    assert_eq!(bad.status, 400);
    let body = bad.json();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let unknown = post(
        &server,
        "/anthropic/v1/messages",
        json!({"model": "nope", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"]["type"], "not_found_error");

    // A path no operation serves, under a mantle prefix.
    let nothing = send(&server, Method::GET, "/v1/no/such/thing", None).await;
    assert_eq!(nothing.status, 404);
    assert_eq!(nothing.json()["error"]["type"], "invalid_request_error");
    let nothing = send(&server, Method::GET, "/anthropic/v1/nothing", None).await;
    assert_eq!(nothing.json()["error"]["type"], "not_found_error");

    // Faults answer in the route's shape.
    for (path, body, kind) in [
        (
            "/v1/chat/completions",
            json!({"model": "echo", "messages": [{"role": "user", "content": "hi"}]}),
            "rate_limit_error",
        ),
        (
            "/anthropic/v1/messages",
            json!({"model": "echo", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}),
            "rate_limit_error",
        ),
    ] {
        let mut request = build(&server, Method::POST, path, Some(&body));
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {KEY}").parse().unwrap());
        request.headers_mut().insert(FAULT_HEADER, "throttle".parse().unwrap());
        let reply = send_raw(&server, request).await;
        assert_eq!(reply.status, 429);
        assert_eq!(reply.json()["error"]["type"], kind, "{path}");
    }
}

#[tokio::test]
async fn authentication_bearer_x_api_key_and_both_signing_names() {
    let server = server().await;
    let body = json!({"model": "echo", "messages": [{"role": "user", "content": "hi"}]});

    // No credentials: 401 in the OpenAI envelope.
    let reply = send_raw(
        &server,
        build(&server, Method::POST, "/v1/chat/completions", Some(&body)),
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"]["type"], "authentication_error");
    // An unknown key: 401.
    let mut request = build(&server, Method::POST, "/v1/chat/completions", Some(&body));
    request
        .headers_mut()
        .insert("authorization", "Bearer ABSKwrong".parse().unwrap());
    assert_eq!(send_raw(&server, request).await.status, 401);

    // The Anthropic clients' x-api-key.
    let anthropic = json!({"model": "echo", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]});
    let mut request = build(&server, Method::POST, "/anthropic/v1/messages", Some(&anthropic));
    request.headers_mut().insert("x-api-key", KEY.parse().unwrap());
    assert_eq!(send_raw(&server, request).await.status, 200);
    let mut request = build(&server, Method::POST, "/anthropic/v1/messages", Some(&anthropic));
    request.headers_mut().insert("x-api-key", "ABSKwrong".parse().unwrap());
    let reply = send_raw(&server, request).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"]["type"], "authentication_error");

    // SigV4 with either signing name, on either OpenAI prefix.
    let credentials = Credentials::new(AKID, SECRET, None, None, "test");
    for name in [SigningName::BedrockMantle, SigningName::Bedrock] {
        for path in ["/v1/chat/completions", "/openai/v1/chat/completions"] {
            let mut request = build(&server, Method::POST, path, Some(&body));
            Signer::new(name, "us-east-1")
                .sign(&mut request, &credentials, start_time())
                .unwrap();
            let reply = send_raw(&server, request).await;
            assert_eq!(
                reply.status,
                200,
                "{name:?} {path}: {}",
                String::from_utf8_lossy(&reply.body)
            );
        }
    }
    // A wrong secret: 403 in the OpenAI envelope.
    let mut request = build(&server, Method::POST, "/v1/chat/completions", Some(&body));
    Signer::new(SigningName::BedrockMantle, "us-east-1")
        .sign(
            &mut request,
            &Credentials::new(AKID, "wrong", None, None, "test"),
            start_time(),
        )
        .unwrap();
    let reply = send_raw(&server, request).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["error"]["type"], "permission_error");
}

#[tokio::test]
async fn stream_exception_fault_ends_sse_streams_with_the_api_error_event() {
    let server = server().await;
    let cases = [
        (
            "/v1/chat/completions",
            json!({"model": "echo", "stream": true, "messages": [{"role": "user", "content": "one two three four five"}]}),
        ),
        (
            "/openai/v1/responses",
            json!({"model": "echo", "stream": true, "input": "one two three four five"}),
        ),
        (
            "/anthropic/v1/messages",
            json!({"model": "echo", "stream": true, "max_tokens": 50,
                   "messages": [{"role": "user", "content": "one two three four five"}]}),
        ),
    ];
    for (path, body) in cases {
        let mut request = build(&server, Method::POST, path, Some(&body));
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {KEY}").parse().unwrap());
        request.headers_mut().insert(
            FAULT_HEADER,
            "stream-exception-after=2:type=throttlingException".parse().unwrap(),
        );
        let reply = send_raw(&server, request).await;
        assert_eq!(reply.status, 200);
        let events = reply.events();
        assert_eq!(events.len(), 3, "{path}: {events:?}");
        let last: Value = serde_json::from_str(&events[2].data).unwrap();
        match path {
            "/v1/chat/completions" => {
                assert_eq!(events[2].event, "message");
                assert_eq!(last["error"]["type"], "rate_limit_error");
            }
            "/openai/v1/responses" => {
                assert_eq!(events[2].event, "error");
                assert_eq!(last["type"], "error");
                assert_eq!(last["sequence_number"], 2);
                assert_eq!(last["code"], "rate_limit_error");
            }
            _ => {
                assert_eq!(events[2].event, "error");
                assert_eq!(
                    last,
                    json!({"type": "error", "error": {"type": "rate_limit_error", "message": last["error"]["message"]}})
                );
            }
        }
    }
}
