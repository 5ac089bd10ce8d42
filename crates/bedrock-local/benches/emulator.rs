//! How fast bedrock-local answers, so that it is never the bottleneck of a benchmark.
//!
//! Runs the real `bedrock-local` binary as its own process (so its CPU time can be read apart
//! from the client's) and drives it over loopback HTTP/1.1 with keep-alive:
//!
//! - `converse`: sequential small Converse calls (the echo model), requests per second and
//!   the server's CPU time per request;
//! - `converse_stream`: one long ConverseStream (the generator model), events per second and
//!   the server's CPU time per event.
//!
//! ```text
//! cargo bench -p bedrock-local --bench emulator
//! EMULATOR_BENCH_CALLS=2000 EMULATOR_BENCH_TOKENS=400000 cargo bench -p bedrock-local --bench emulator
//! ```
//!
//! The server's CPU time is `utime + stime` of its process from `/proc/<pid>/stat` (Linux
//! only), read before and after each run.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bedrock_runtime_types::operation::{Converse, ConverseStream};
use bedrock_runtime_types::types::{ContentBlock, ConversationRole, ConverseRequest, ConverseStreamRequest, Message};
use bedrock_runtime_types::Operation;
use bedrock_transport::event_stream::MessageDecoder;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The emulator binary, started on a free port; killed on drop.
struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock-local"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the bedrock-local binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("it prints its URL");
        Server {
            child,
            base_url: line.trim().to_owned(),
        }
    }

    /// CPU time (user + system) the server process has used so far.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).expect("/proc is readable");
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
        Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The request as this SDK's client side builds it, aimed at the server.
fn aim(request: http::Request<Bytes>, base_url: &str) -> http::Request<Full<Bytes>> {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    parts.uri = format!("{base_url}{path}").parse().expect("a valid URI");
    parts.headers.insert(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer bench-key"),
    );
    http::Request::from_parts(parts, Full::new(body))
}

fn user(text: &str) -> Vec<Message> {
    vec![Message::new(
        ConversationRole::User,
        vec![ContentBlock::Text(text.into())],
    )]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants a quick run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let calls = if quick {
        20
    } else {
        env_or("EMULATOR_BENCH_CALLS", 2000)
    };
    let tokens = if quick {
        2000
    } else {
        env_or("EMULATOR_BENCH_TOKENS", 400_000)
    };

    let server = Server::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();

    runtime.block_on(async {
        // Small Converse calls.
        let input = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0")
            .with_messages(user("Hello, how are you today?"));
        let request = Converse::build_request(&input).expect("builds");
        let send = |request: http::Request<Bytes>| {
            let client = client.clone();
            let request = aim(request, &server.base_url);
            async move {
                let response = client.request(request).await.expect("the server answers");
                assert_eq!(response.status(), 200, "the emulator answers 200");
                response
                    .into_body()
                    .collect()
                    .await
                    .expect("the body arrives")
                    .to_bytes()
            }
        };
        for _ in 0..calls.min(50) {
            send(request.clone()).await; // warm-up
        }
        let cpu_before = server.cpu();
        let started = Instant::now();
        for _ in 0..calls {
            send(request.clone()).await;
        }
        let wall = started.elapsed();
        let cpu = server.cpu() - cpu_before;
        println!(
            "converse: {calls} sequential calls in {:.3} s: {:.0} requests/s; server CPU {:.1} µs per request",
            wall.as_secs_f64(),
            calls as f64 / wall.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / calls as f64
        );

        // One long ConverseStream.
        let input =
            ConverseStreamRequest::new(format!("generator/{tokens}")).with_messages(user("Write a very long answer."));
        let request = ConverseStream::build_request(&input).expect("builds");
        let cpu_before = server.cpu();
        let started = Instant::now();
        let response = client
            .request(aim(request, &server.base_url))
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200, "the emulator answers 200");
        let mut body = response.into_body();
        let mut decoder = MessageDecoder::new();
        let mut events = 0u64;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("the stream continues").into_data() {
                decoder.push(data);
                while let Some(_message) = decoder.decode().expect("well-formed frames") {
                    events += 1;
                }
            }
        }
        let wall = started.elapsed();
        let cpu = server.cpu() - cpu_before;
        println!(
            "converse_stream: {events} events in {:.3} s: {:.0} events/s; server CPU {:.2} µs per event",
            wall.as_secs_f64(),
            events as f64 / wall.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / events.max(1) as f64
        );
    });
}
