//! Client CPU of SSE decoding plus typed deserialization on long Responses and Chat Completions
//! streams: this SDK's `bedrock-mantle` against `async-openai`, reading the same bytes from the
//! same loopback server, which runs as a separate process (this binary in `serve` mode) so
//! that this process's CPU time (`getrusage(RUSAGE_SELF)`) is only the clients'.
//!
//!   sse-bench [bench] [--events N] [--rounds R] [--api responses|chat|both] [--only ours|theirs]
//!   sse-bench decode [--events N] [--rounds R] [--api ..] [--only ..] [--chunks event|BYTES[,..]]
//!                    [--slice EVENTS] [--theirs decoder|shipped]
//!                                   SSE decoding + typed events in memory, no HTTP (src/decode.rs)
//!   sse-bench check [--events N]    parse every event of both streams with both type sets
//!   sse-bench serve [--events N]    the server alone (prints its URL)
//!
//! `bench`: R rounds (default 5) of one stream per client and API, interleaved (the order
//! alternates per round), each stream with N text deltas (default 200,000). Every stream's
//! event count, delta count, text bytes, text hash and final usage are checked against what
//! the generator wrote; a mismatch or any event a client cannot parse aborts the run.
//! `--only` runs one client and prints no table (for profiling).

mod decode;
mod gen;

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use gen::{fnv, Expected, FNV_START, MODEL};

const API_KEY: &str = "ABSKYmVuY2gtc3NlLWtleQ==";

/// (user + system) CPU time of this process.
fn cpu_now() -> Duration {
    // SAFETY: getrusage writes into the struct we pass; RUSAGE_SELF is always valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// CPU time of this process from `CLOCK_PROCESS_CPUTIME_ID` (the scheduler's own count, to
/// the nanosecond), for intervals of a few milliseconds.
fn process_cpu_now() -> Duration {
    // SAFETY: clock_gettime writes into the struct we pass; the clock id is always valid.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// utime + stime of another process, from /proc (clock ticks).
fn proc_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 =
        f.get(11).and_then(|s| s.parse().ok()).unwrap_or(0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_micros(ticks * 1_000_000 / hz.max(1))
}

// ---------------------------------------------------------------------------------------------
// The server: pre-generated chunked bodies, written whole to every request on its path.

struct Bodies {
    responses: Vec<u8>,
    chat: Vec<u8>,
}

fn serve(events: usize) {
    let bodies = Arc::new(Bodies {
        responses: gen::chunked(&gen::responses(events).0),
        chat: gen::chunked(&gen::chat(events).0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("http://{}", listener.local_addr().unwrap());
    std::io::stdout().flush().unwrap();
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let bodies = bodies.clone();
        std::thread::spawn(move || {
            let _ = connection(conn, &bodies);
        });
    }
}

/// Serves requests on one keep-alive connection until the client closes it.
fn connection(conn: TcpStream, bodies: &Bodies) -> std::io::Result<()> {
    conn.set_nodelay(true)?;
    let mut reader = std::io::BufReader::new(conn.try_clone()?);
    let mut writer = conn;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        let payload = if path.ends_with("/responses") {
            Some(&bodies.responses)
        } else if path.ends_with("/chat/completions") {
            Some(&bodies.chat)
        } else {
            None
        };
        match payload {
            Some(payload) => {
                writer.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\nx-request-id: req_bench\r\ntransfer-encoding: chunked\r\n\r\n",
                )?;
                writer.write_all(payload)?;
            }
            None => {
                let msg = format!(r#"{{"error":{{"message":"no route {path}","type":"invalid_request_error"}}}}"#);
                write!(
                    writer,
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{msg}",
                    msg.len()
                )?;
            }
        }
        writer.flush()?;
    }
}

struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    fn start(events: usize) -> Server {
        let exe = std::env::current_exe().expect("current_exe");
        let mut child = std::process::Command::new(exe)
            .args(["serve", "--events", &events.to_string()])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_owned();
        assert!(
            url.starts_with("http://"),
            "unexpected first line from the server: {line:?}"
        );
        Server { child, url }
    }
    fn cpu(&self) -> Duration {
        proc_cpu(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// What each client saw.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Seen(Expected);

impl Seen {
    fn new() -> Seen {
        Seen(Expected {
            text_hash: FNV_START,
            ..Expected::default()
        })
    }
    fn text(&mut self, text: &str) {
        if !text.is_empty() {
            self.0.deltas += 1;
            self.0.text_bytes += text.len() as u64;
            self.0.text_hash = fnv(self.0.text_hash, text.as_bytes());
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Api {
    Responses,
    Chat,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Ours,
    Theirs,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Ours => "ours (bedrock-mantle)",
            Which::Theirs => "async-openai 0.43.0",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ours: bedrock-mantle's public streaming API, bearer API key, endpoint pointed at the server.

async fn ours_client(url: &str) -> bedrock_mantle::Client {
    let config = bedrock_config::Config::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .api_key(API_KEY)
        .load()
        .await
        .expect("our config");
    bedrock_mantle::Client::new(&config)
}

async fn ours_responses(client: &bedrock_mantle::Client) -> Seen {
    use bedrock_mantle::types::openai::{CreateResponseRequest, ResponseInput};
    let request = CreateResponseRequest::new(MODEL).with_input(ResponseInput::Text("Write a long story.".into()));
    let stream = client
        .create_response_stream(request)
        .await
        .expect("ours: createResponse");
    ours_read_responses(stream).await
}

/// Reads our Responses event stream to the end, counting what it sees.
async fn ours_read_responses(
    mut stream: bedrock_mantle::stream::EventStream<bedrock_mantle::types::openai::operation::CreateResponse>,
) -> Seen {
    let mut seen = Seen::new();
    while let Some(event) = stream.recv().await.expect("ours: response event") {
        ours_see_response_event(&mut seen, &event);
    }
    seen
}

/// Counts one of our Responses events.
fn ours_see_response_event(seen: &mut Seen, event: &bedrock_mantle::types::openai::ResponseStreamEvent) {
    use bedrock_mantle::types::openai::ResponseStreamEvent;
    seen.0.events += 1;
    match event {
        ResponseStreamEvent::ResponseOutputTextDelta(e) => seen.text(&e.delta),
        ResponseStreamEvent::ResponseCompleted(e) => {
            seen.0.output_tokens = e.response.usage.clone().flatten().map_or(0, |u| u.output_tokens as u64);
        }
        ResponseStreamEvent::Unknown(v) => panic!("ours: event of a type the models do not know: {v}"),
        _ => {}
    }
    std::hint::black_box(event);
}

async fn ours_chat(client: &bedrock_mantle::Client) -> Seen {
    use bedrock_mantle::types::openai::{
        ChatMessage, ChatStreamOptions, ChatUserMessage, ChatUserMessageContent, CreateChatCompletionRequest,
    };
    let request = CreateChatCompletionRequest::new(
        vec![ChatMessage::User(ChatUserMessage::new(ChatUserMessageContent::Text(
            "Write a long story.".into(),
        )))],
        MODEL,
    )
    .with_stream_options(ChatStreamOptions::new().with_include_usage(true));
    let stream = client
        .create_chat_completion_stream(request)
        .await
        .expect("ours: createChatCompletion");
    ours_read_chat(stream).await
}

/// Reads our Chat Completions chunk stream to the end, counting what it sees.
async fn ours_read_chat(
    mut stream: bedrock_mantle::stream::EventStream<bedrock_mantle::types::openai::operation::CreateChatCompletion>,
) -> Seen {
    let mut seen = Seen::new();
    while let Some(chunk) = stream.recv().await.expect("ours: chunk") {
        ours_see_chunk(&mut seen, &chunk);
    }
    seen
}

/// Counts one of our Chat Completions chunks.
fn ours_see_chunk(seen: &mut Seen, chunk: &bedrock_mantle::types::openai::ChatCompletionChunk) {
    seen.0.events += 1;
    if let Some(choice) = chunk.choices.iter().find(|c| c.index == 0) {
        if let Some(Some(text)) = &choice.delta.content {
            seen.text(text);
        }
    }
    if let Some(Some(usage)) = &chunk.usage {
        seen.0.output_tokens = usage.completion_tokens as u64;
    }
    std::hint::black_box(chunk);
}

// ---------------------------------------------------------------------------------------------
// Theirs: async-openai's client, API base pointed at the server.

fn theirs_client(url: &str) -> async_openai::Client<async_openai::config::OpenAIConfig> {
    let config = async_openai::config::OpenAIConfig::new()
        .with_api_base(format!("{url}/v1"))
        .with_api_key(API_KEY);
    async_openai::Client::with_config(config)
}

async fn theirs_responses(client: &async_openai::Client<async_openai::config::OpenAIConfig>) -> Seen {
    use async_openai::types::responses::CreateResponseArgs;
    let request = CreateResponseArgs::default()
        .model(MODEL)
        .input("Write a long story.")
        .build()
        .unwrap();
    let stream = client
        .responses()
        .create_stream(request)
        .await
        .expect("theirs: responses");
    theirs_read_responses(stream).await
}

/// Reads an async-openai Responses event stream to the end, counting what it sees.
async fn theirs_read_responses(
    mut stream: impl futures_util::Stream<
            Item = Result<async_openai::types::responses::ResponseStreamEvent, async_openai::error::OpenAIError>,
        > + Unpin,
) -> Seen {
    let mut seen = Seen::new();
    while let Some(event) = stream.next().await {
        theirs_see_response_event(&mut seen, &event.expect("theirs: response event"));
    }
    seen
}

/// Counts one of async-openai's Responses events.
fn theirs_see_response_event(seen: &mut Seen, event: &async_openai::types::responses::ResponseStreamEvent) {
    use async_openai::types::responses::ResponseStreamEvent;
    seen.0.events += 1;
    match event {
        ResponseStreamEvent::ResponseOutputTextDelta(e) => seen.text(&e.delta),
        ResponseStreamEvent::ResponseCompleted(e) => {
            seen.0.output_tokens = e.response.usage.as_ref().map_or(0, |u| u.output_tokens as u64);
        }
        _ => {}
    }
    std::hint::black_box(event);
}

async fn theirs_chat(client: &async_openai::Client<async_openai::config::OpenAIConfig>) -> Seen {
    use async_openai::types::chat::{
        ChatCompletionRequestUserMessageArgs, ChatCompletionStreamOptions, CreateChatCompletionRequestArgs,
    };
    let request = CreateChatCompletionRequestArgs::default()
        .model(MODEL)
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content("Write a long story.")
            .build()
            .unwrap()
            .into()])
        .stream_options(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        })
        .build()
        .unwrap();
    let stream = client.chat().create_stream(request).await.expect("theirs: chat");
    theirs_read_chat(stream).await
}

/// Reads an async-openai chat chunk stream to the end, counting what it sees.
async fn theirs_read_chat(
    mut stream: impl futures_util::Stream<
            Item = Result<
                async_openai::types::chat::CreateChatCompletionStreamResponse,
                async_openai::error::OpenAIError,
            >,
        > + Unpin,
) -> Seen {
    let mut seen = Seen::new();
    while let Some(chunk) = stream.next().await {
        theirs_see_chunk(&mut seen, &chunk.expect("theirs: chunk"));
    }
    seen
}

/// Counts one of async-openai's chat chunks.
fn theirs_see_chunk(seen: &mut Seen, chunk: &async_openai::types::chat::CreateChatCompletionStreamResponse) {
    seen.0.events += 1;
    if let Some(choice) = chunk.choices.iter().find(|c| c.index == 0) {
        if let Some(text) = &choice.delta.content {
            seen.text(text);
        }
    }
    if let Some(usage) = &chunk.usage {
        seen.0.output_tokens = usage.completion_tokens as u64;
    }
    std::hint::black_box(chunk);
}

// ---------------------------------------------------------------------------------------------
// `check`: every event of both streams through both type sets, without HTTP.

fn check(events: usize) {
    use bedrock_mantle::types::openai::operation::{CreateChatCompletion, CreateResponse};
    use bedrock_mantle::types::JsonOperation;
    let data = |e: &[u8]| -> String {
        let s = std::str::from_utf8(e).unwrap();
        s.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut failures = 0;
    let (responses, _) = gen::responses(events);
    for e in &responses {
        let d = data(e);
        match CreateResponse::parse_event(&d) {
            Ok(Some(bedrock_mantle::types::openai::ResponseStreamEvent::Unknown(_))) => {
                failures += 1;
                eprintln!("ours: unknown event {}", &d[..d.len().min(80)]);
            }
            Ok(_) => {}
            Err(err) => {
                failures += 1;
                eprintln!("ours: {err}: {}", &d[..d.len().min(200)]);
            }
        }
        if let Err(err) = serde_json::from_str::<async_openai::types::responses::ResponseStreamEvent>(&d) {
            failures += 1;
            eprintln!("theirs: {err}: {}", &d[..d.len().min(200)]);
        }
    }
    let (chat, _) = gen::chat(events);
    for e in &chat {
        let d = data(e);
        if d == "[DONE]" {
            continue;
        }
        if let Err(err) = CreateChatCompletion::parse_event(&d) {
            failures += 1;
            eprintln!("ours: {err}: {}", &d[..d.len().min(200)]);
        }
        if let Err(err) = serde_json::from_str::<async_openai::types::chat::CreateChatCompletionStreamResponse>(&d) {
            failures += 1;
            eprintln!("theirs: {err}: {}", &d[..d.len().min(200)]);
        }
    }
    println!(
        "sizes: ours ResponseStreamEvent {} B, ChatCompletionChunk {} B; async-openai ResponseStreamEvent {} B, CreateChatCompletionStreamResponse {} B",
        std::mem::size_of::<bedrock_mantle::types::openai::ResponseStreamEvent>(),
        std::mem::size_of::<bedrock_mantle::types::openai::ChatCompletionChunk>(),
        std::mem::size_of::<async_openai::types::responses::ResponseStreamEvent>(),
        std::mem::size_of::<async_openai::types::chat::CreateChatCompletionStreamResponse>(),
    );
    println!(
        "checked {} Responses events and {} chat chunks with both type sets: {failures} failures",
        responses.len(),
        chat.len() - 1
    );
    if failures > 0 {
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------------------------------------
// `bench`.

#[derive(Default)]
struct Samples {
    cpu: Vec<f64>,
    wall: Vec<f64>,
    server: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    (
        v.iter().cloned().fold(f64::INFINITY, f64::min),
        v.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
    )
}

struct Args {
    events: usize,
    rounds: usize,
    apis: Vec<Api>,
    only: Option<Which>,
    /// `decode` only: how the body is cut into chunks.
    splits: Vec<decode::Split>,
    /// `decode` only: events per turn in the interleaved measurement (0: none).
    slice: usize,
    /// `decode` only: async-openai with the spawned task and channel of its native client.
    theirs_shipped: bool,
}

async fn bench(args: &Args) {
    let server = Server::start(args.events);
    let ours = ours_client(&server.url).await;
    let theirs = theirs_client(&server.url);
    let expected = |api| match api {
        Api::Responses => gen::responses(args.events).1,
        Api::Chat => gen::chat(args.events).1,
    };
    let body_len = |api| match api {
        Api::Responses => gen::chunked(&gen::responses(args.events).0).len(),
        Api::Chat => gen::chunked(&gen::chat(args.events).0).len(),
    };
    let clients = [Which::Ours, Which::Theirs];
    let run = |which, api| {
        let (ours, theirs) = (&ours, &theirs);
        async move {
            match (which, api) {
                (Which::Ours, Api::Responses) => ours_responses(ours).await,
                (Which::Ours, Api::Chat) => ours_chat(ours).await,
                (Which::Theirs, Api::Responses) => theirs_responses(theirs).await,
                (Which::Theirs, Api::Chat) => theirs_chat(theirs).await,
            }
        }
    };
    for &api in &args.apis {
        let want = expected(api);
        let bytes = body_len(api);
        // One warm-up stream per client (connection set up, allocator warmed), checked too.
        for which in clients {
            if args.only.is_some_and(|o| o != which) {
                continue;
            }
            let seen = run(which, api).await;
            assert_eq!(
                seen.0,
                want,
                "{} {api:?}: the stream read differs from the one sent",
                which.name()
            );
        }
        let mut samples = [Samples::default(), Samples::default()];
        for round in 0..args.rounds {
            for k in 0..2 {
                let which = clients[(round + k) % 2];
                if args.only.is_some_and(|o| o != which) {
                    continue;
                }
                let (c0, w0, s0) = (cpu_now(), Instant::now(), server.cpu());
                let seen = run(which, api).await;
                let (cpu, wall, srv) = (cpu_now() - c0, w0.elapsed(), server.cpu() - s0);
                assert_eq!(
                    seen.0,
                    want,
                    "{} {api:?}: the stream read differs from the one sent",
                    which.name()
                );
                let s = &mut samples[which as usize];
                s.cpu.push(cpu.as_secs_f64());
                s.wall.push(wall.as_secs_f64());
                s.server.push(srv.as_secs_f64());
            }
        }
        if args.only.is_some() {
            continue;
        }
        let n = want.events as f64;
        println!();
        println!(
            "### {} stream: {} events ({} text deltas), {:.1} MB chunked body, {} rounds",
            match api {
                Api::Responses => "Responses",
                Api::Chat => "Chat Completions",
            },
            want.events,
            want.deltas,
            bytes as f64 / 1e6,
            args.rounds
        );
        println!();
        println!("| client | client CPU s/stream (median) | events per CPU-second (median) | min–max | µs CPU/event | wall s/stream (median) | server CPU s/stream | events/CPU-s vs async-openai |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        let theirs_eps = median(samples[1].cpu.iter().map(|c| n / c).collect());
        for which in clients {
            let s = &samples[which as usize];
            let eps: Vec<f64> = s.cpu.iter().map(|c| n / c).collect();
            let (lo, hi) = min_max(&eps);
            let med = median(eps.clone());
            println!(
                "| {} | {:.3} | {:.0} | {:.0}–{:.0} | {:.2} | {:.3} | {:.2} | {} |",
                which.name(),
                median(s.cpu.clone()),
                med,
                lo,
                hi,
                median(s.cpu.clone()) * 1e6 / n,
                median(s.wall.clone()),
                median(s.server.clone()),
                if which == Which::Ours {
                    format!("**{:.2}**", med / theirs_eps)
                } else {
                    "1.00".to_owned()
                }
            );
        }
        let ratios: Vec<f64> = (0..args.rounds)
            .map(|i| samples[1].cpu[i] / samples[0].cpu[i])
            .collect();
        let (lo, hi) = min_max(&ratios);
        println!();
        println!(
            "Paired per-round ratio (async-openai CPU / ours): median {:.2} (min {:.2}, max {:.2}): {}",
            median(ratios.clone()),
            lo,
            hi,
            ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(", ")
        );
    }
}

fn main() {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    let mode = if argv.first().is_some_and(|a| !a.starts_with("--")) {
        argv.remove(0)
    } else {
        "bench".to_owned()
    };
    let mut args = Args {
        events: 200_000,
        rounds: 5,
        apis: vec![Api::Responses, Api::Chat],
        only: None,
        splits: vec![decode::Split::PerEvent, decode::Split::Fixed(16 * 1024)],
        slice: 1000,
        theirs_shipped: false,
    };
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--events" => args.events = value.parse().expect("--events N"),
            "--rounds" => args.rounds = value.parse().expect("--rounds R"),
            "--slice" => args.slice = value.parse().expect("--slice EVENTS"),
            "--theirs" => {
                args.theirs_shipped = match value.as_str() {
                    "shipped" => true,
                    "decoder" => false,
                    other => panic!("--theirs decoder|shipped, not {other}"),
                }
            }
            "--api" => {
                args.apis = match value.as_str() {
                    "responses" => vec![Api::Responses],
                    "chat" => vec![Api::Chat],
                    "both" => vec![Api::Responses, Api::Chat],
                    other => panic!("--api responses|chat|both, not {other}"),
                }
            }
            "--only" => {
                args.only = Some(match value.as_str() {
                    "ours" => Which::Ours,
                    "theirs" => Which::Theirs,
                    other => panic!("--only ours|theirs, not {other}"),
                })
            }
            "--chunks" => {
                args.splits = value
                    .split(',')
                    .map(|v| match v {
                        "event" => decode::Split::PerEvent,
                        n => decode::Split::Fixed(n.parse().expect("--chunks event|BYTES[,..]")),
                    })
                    .collect()
            }
            other => panic!("unknown argument {other}"),
        }
    }
    match mode.as_str() {
        "serve" => serve(args.events),
        "check" => check(args.events),
        "bench" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(bench(&args));
        }
        "decode" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(decode::bench(&args, &args.splits));
        }
        other => panic!("unknown mode {other}: bench | decode | check | serve"),
    }
}
