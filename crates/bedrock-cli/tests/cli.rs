//! The `bedrock` binary driven as a user would, against bedrock-local started in its own
//! process (`--local`): no credentials, no network beyond loopback, an isolated environment.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bedrock(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock"));
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the bedrock binary runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn chat_streams_the_answer_with_no_credentials() {
    let home = home();
    let output = bedrock(home.path(), &["--local", "chat", "Hello,", "Bedrock!"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "Hello, Bedrock!\n");
}

#[test]
fn chat_json_output_is_the_converse_response() {
    let home = home();
    let output = bedrock(home.path(), &["--local", "--output", "json", "chat", "ping"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["stopReason"], "end_turn");
    assert_eq!(json["output"]["message"]["content"][0]["text"], "ping");
    assert!(json["usage"]["inputTokens"].as_i64().unwrap() > 0);
}

#[test]
fn interactive_session_reads_one_turn_per_line_until_end_of_input() {
    let home = home();
    let output = bedrock(home.path(), &["--local", "chat"], Some("first turn\n\nsecond turn\n"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "first turn\nsecond turn\n");
}

#[test]
fn non_streaming_chat_with_options() {
    let home = home();
    let output = bedrock(
        home.path(),
        &[
            "--local",
            "chat",
            "--no-stream",
            "--system",
            "be brief",
            "--max-tokens",
            "50",
            "--temperature",
            "0.2",
            "hi",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "hi\n");
}

#[test]
fn models_list_is_a_table_and_get_shows_one_model() {
    let home = home();
    let output = bedrock(
        home.path(),
        &["--local", "models", "list", "--provider", "Anthropic"],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("MODEL ID"));
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| row.contains("Anthropic")), "{text}");
    let id = rows[0].split_whitespace().next().unwrap();

    let output = bedrock(home.path(), &["--local", "models", "get", id], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(id));

    let output = bedrock(
        home.path(),
        &["--local", "--output", "json", "models", "list", "--filter", "titan"],
        None,
    );
    let models: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(models.iter().all(|m| m["modelId"].as_str().unwrap().contains("titan")));
}

#[test]
fn converse_and_invoke_take_raw_json_files() {
    let home = home();
    let request = home.path().join("converse.json");
    std::fs::write(
        &request,
        r#"{"modelId":"amazon.nova-lite-v1:0","messages":[{"role":"user","content":[{"text":"raw"}]}]}"#,
    )
    .unwrap();
    let output = bedrock(
        home.path(),
        &["--local", "converse", "--input", request.to_str().unwrap()],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["output"]["message"]["content"][0]["text"], "raw");

    let body = home.path().join("body.json");
    std::fs::write(
        &body,
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"native"}]}"#,
    )
    .unwrap();
    let output = bedrock(
        home.path(),
        &[
            "--local",
            "invoke",
            "--model",
            "anthropic.claude-3-haiku-20240307-v1:0",
            "--body",
            body.to_str().unwrap(),
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["type"], "message");
    assert_eq!(json["content"][0]["text"], "native");
}

#[test]
fn errors_say_what_to_do_and_use_documented_exit_codes() {
    let home = home();
    // An unknown model: 4, with a hint.
    let output = bedrock(
        home.path(),
        &["--local", "chat", "--model", "no.such-model-v1", "x"],
        None,
    );
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(stderr(&output).contains("bedrock models list"), "{}", stderr(&output));

    // A request file that is not a Converse request: 2.
    let bad = home.path().join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    let output = bedrock(
        home.path(),
        &["--local", "converse", "--input", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("bad.json"), "{}", stderr(&output));

    // No region anywhere: 3, naming the ways to set one. Nothing is sent.
    let output = bedrock(home.path(), &["endpoint"], None);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("--region"), "{}", stderr(&output));

    // Unknown flag: clap's usage error, 2.
    let output = bedrock(home.path(), &["chat", "--no-such-flag"], None);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn endpoint_prints_the_resolution_without_sending() {
    let home = home();
    let output = bedrock(
        home.path(),
        &["--region", "eu-west-1", "endpoint", "--service", "mantle"],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("https://bedrock-mantle.eu-west-1.api.aws"), "{text}");
    assert!(text.contains("signing name  bedrock-mantle"), "{text}");

    let output = bedrock(
        home.path(),
        &[
            "--region",
            "us-west-2",
            "--api-key",
            "ABSKc2VjcmV0",
            "--output",
            "json",
            "endpoint",
            "--service",
            "control",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["url"], "https://bedrock.us-west-2.amazonaws.com");
    assert_eq!(json["auth"], "bearer (explicit API key)");
    assert!(!stdout(&output).contains("c2VjcmV0"));
}

#[test]
fn token_makes_a_short_term_key_from_credentials() {
    let home = home();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n",
    )
    .unwrap();
    let output = bedrock(
        home.path(),
        &[
            "--region",
            "us-east-1",
            "--output",
            "json",
            "token",
            "--lifetime",
            "900",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(json["apiKey"].as_str().unwrap().starts_with("bedrock-api-key-"));
    assert_eq!(json["region"], "us-east-1");

    let output = bedrock(
        home.path(),
        &["--region", "us-east-1", "token", "--lifetime", "999999"],
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// The mantle APIs `chat --api` speaks, with where each keeps the answer's text and usage in
/// its JSON result.
const MANTLE_APIS: [&str; 3] = ["responses", "chat-completions", "messages"];

fn answer_text(api: &str, json: &serde_json::Value) -> String {
    match api {
        "responses" => json["output"][0]["content"][0]["text"].as_str(),
        "chat-completions" => json["choices"][0]["message"]["content"].as_str(),
        _ => json["content"][0]["text"].as_str(),
    }
    .unwrap_or_else(|| panic!("no text in the {api} result: {json}"))
    .to_owned()
}

fn input_tokens(api: &str, json: &serde_json::Value) -> i64 {
    let usage = &json["usage"];
    match api {
        "chat-completions" => usage["prompt_tokens"].as_i64(),
        _ => usage["input_tokens"].as_i64(),
    }
    .unwrap_or_else(|| panic!("no input token count in the {api} result: {json}"))
}

/// The JSON documents of standard output, one after the other.
fn json_documents(text: &str) -> Vec<serde_json::Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .map(|v| v.unwrap())
        .collect()
}

#[test]
fn chat_through_each_mantle_api_streams_the_answer() {
    let home = home();
    for api in MANTLE_APIS {
        let output = bedrock(
            home.path(),
            &["--local", "chat", "--api", api, "Hello,", "mantle!"],
            None,
        );
        assert!(output.status.success(), "{api}: {}", stderr(&output));
        assert_eq!(stdout(&output), "Hello, mantle!\n", "{api}");
        // Piped: no spinner, no usage line.
        assert_eq!(stderr(&output), "", "{api}");

        let output = bedrock(
            home.path(),
            &[
                "--local",
                "chat",
                "--api",
                api,
                "--no-stream",
                "--system",
                "be brief",
                "--max-tokens",
                "50",
                "--temperature",
                "0.2",
                "whole",
            ],
            None,
        );
        assert!(output.status.success(), "{api}: {}", stderr(&output));
        assert_eq!(stdout(&output), "whole\n", "{api}");
    }
}

#[test]
fn chat_through_each_mantle_api_prints_the_final_object_as_json() {
    let home = home();
    for api in MANTLE_APIS {
        let output = bedrock(
            home.path(),
            &[
                "--local", "--output", "json", "chat", "--api", api, "--system", "terse", "ping",
            ],
            None,
        );
        assert!(output.status.success(), "{api}: {}", stderr(&output));
        let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(answer_text(api, &json), "ping", "{api}");
        assert!(input_tokens(api, &json) > 0, "{api}: {json}");
        match api {
            "responses" => {
                assert_eq!(json["object"], "response");
                assert_eq!(json["status"], "completed");
                assert_eq!(json["instructions"], "terse");
            }
            "chat-completions" => {
                assert_eq!(json["object"], "chat.completion");
                assert_eq!(json["choices"][0]["finish_reason"], "stop");
            }
            _ => {
                assert_eq!(json["type"], "message");
                assert_eq!(json["stop_reason"], "end_turn");
            }
        }
    }
}

#[test]
fn interactive_session_through_each_mantle_api_keeps_the_history() {
    let home = home();
    for api in MANTLE_APIS {
        let output = bedrock(
            home.path(),
            &["--local", "chat", "--api", api],
            Some("first turn\n\nsecond turn\nexit\nnever sent\n"),
        );
        assert!(output.status.success(), "{api}: {}", stderr(&output));
        assert_eq!(stdout(&output), "first turn\nsecond turn\n", "{api}");

        // The second turn carries the first (resent messages, or previous_response_id for
        // Responses): its input counts more tokens than the first turn's.
        let output = bedrock(
            home.path(),
            &["--local", "--output", "json", "chat", "--api", api],
            Some("one two three\nfour\n"),
        );
        assert!(output.status.success(), "{api}: {}", stderr(&output));
        let turns = json_documents(&stdout(&output));
        assert_eq!(turns.len(), 2, "{api}");
        assert_eq!(answer_text(api, &turns[0]), "one two three");
        assert_eq!(answer_text(api, &turns[1]), "four");
        let (first, second) = (input_tokens(api, &turns[0]), input_tokens(api, &turns[1]));
        assert!(second > first + 1, "{api}: {first} then {second}");
        if api == "responses" {
            assert_eq!(turns[1]["previous_response_id"], turns[0]["id"]);
        }
    }
}

#[test]
fn mantle_chat_errors_use_the_documented_exit_codes() {
    let home = home();
    for api in MANTLE_APIS {
        let output = bedrock(
            home.path(),
            &["--local", "chat", "--api", api, "--model", "no.such-model-v1", "x"],
            None,
        );
        assert_eq!(output.status.code(), Some(4), "{api}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("no.such-model-v1"),
            "{api}: {}",
            stderr(&output)
        );
    }
    // An API chat does not know: clap's usage error.
    let output = bedrock(home.path(), &["chat", "--api", "completions", "x"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("chat-completions"), "{}", stderr(&output));
    // No region for the real mantle endpoint: configuration, 3.
    let output = bedrock(home.path(), &["chat", "--api", "messages", "--api-key", "k", "x"], None);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("--region"), "{}", stderr(&output));
}

#[test]
fn output_closed_by_its_reader_ends_the_command_quietly() {
    use std::io::Read;
    let home = home();
    for api in ["converse", "messages"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock"))
            .args([
                "--local",
                "chat",
                "--api",
                api,
                "--model",
                // About 300 KB of text: more than a pipe holds, so bedrock is still writing
                // when the pipe closes.
                "generator/50000",
                "--max-tokens",
                "50000",
                "go",
            ])
            .env_clear()
            .env("HOME", home.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read the first words, then close the pipe as `| head -c 20` would.
        let mut first = [0u8; 20];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{api}: {}", stderr(&output));
        assert_eq!(stderr(&output), "", "{api}");
    }
}
