//! Client-side CPU cost of this SDK against the official `aws-sdk-bedrockruntime`, doing the
//! same work against the same `bedrock-local` server, which runs as a separate process so that
//! this process's CPU time (`getrusage(RUSAGE_SELF)`) is only the clients'.
//!
//!   client-bench converse [--server BIN] [--calls N] [--rounds R] [--warmup W]
//!   client-bench stream   [--server BIN] [--events N] [--rounds R]
//!
//! `--only ours|official|bare` runs one client alone and prints no table (for profiling).
//!
//! `converse`: N sequential small Converse calls per client (default 2,000), split into R rounds
//! (default 20); each round runs every client's batch, in an order that rotates per round.
//! Clients: ours (`bedrock_runtime::Client`), the official SDK, and a bare hyper client posting
//! the same bytes (prebuilt body, fixed headers, no signing, no serialization, response body
//! collected but not parsed): the floor.
//!
//! `stream`: R rounds (default 3) of one ConverseStream per client (ours, official, bare hyper
//! reading the raw bytes without decoding), interleaved, each a stream of about N events
//! (default 400,000): the echo model streams the user's text back 4 tokens per
//! `contentBlockDelta`, so the request carries 4·N one-letter words.
//!
//! Everything runs on one current-thread tokio runtime. CPU is `ru_utime + ru_stime` of this
//! process; the server's CPU (from `/proc/<pid>/stat`) is printed alongside as a check.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const PROMPT: &str = "Hello! Please tell me, in one short sentence, what the weather is like today.";

/// (user + system, system) CPU time of this process.
fn rusage() -> (Duration, Duration) {
    // SAFETY: getrusage writes into the struct we pass; RUSAGE_SELF is always valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (tv(ru.ru_utime) + tv(ru.ru_stime), tv(ru.ru_stime))
}

fn cpu_now() -> Duration {
    rusage().0
}

fn sys_now() -> Duration {
    rusage().1
}

/// utime + stime of another process, from /proc (clock ticks, 10 ms on this kernel).
fn proc_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|s| s.parse().ok()).unwrap_or(0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_micros(ticks * 1_000_000 / hz.max(1))
}

struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    fn start(bin: &str) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(bin)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().to_owned();
        assert!(url.starts_with("http://"), "unexpected first line from bedrock-local: {line:?}");
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
// The three clients.

async fn ours_client(url: &str) -> bedrock_runtime::Client {
    let config = bedrock_config::Config::builder()
        .region("us-east-1")
        .credentials(bedrock_config::Credentials::new("AKID", "SECRET", None, None, "bench"))
        .endpoint_url(url)
        .load()
        .await
        .expect("our config");
    bedrock_runtime::Client::new(&config)
}

fn official_client(url: &str) -> aws_sdk_bedrockruntime::Client {
    use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
    let conf = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "SECRET", None, None, "bench"))
        .endpoint_url(url)
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(conf)
}

type Bare = hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn bare_client() -> Bare {
    let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
    connector.set_nodelay(true);
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector)
}

/// The request the bare client sends: the body and path our SDK builds, with a fixed (well-formed,
/// not verified: bedrock-local runs in permissive mode) SigV4 header.
struct BareRequest {
    uri: http::Uri,
    body: Bytes,
}

impl BareRequest {
    fn from_ours<O: bedrock_wire_op::Op>(client: &bedrock_runtime::Client, input: O::Input) -> BareRequest {
        let request = O::build(client, input);
        BareRequest {
            uri: request.uri().clone(),
            body: request.into_body(),
        }
    }

    fn request(&self) -> http::Request<Full<Bytes>> {
        http::Request::post(self.uri.clone())
            .header("content-type", "application/json")
            .header("x-amz-date", "20261202T100000Z")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-1/bedrock/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=0000000000000000000000000000000000000000000000000000000000000000",
            )
            .body(Full::new(self.body.clone()))
            .unwrap()
    }
}

/// Builds our request for an operation without sending it (for the bare client's bytes).
mod bedrock_wire_op {
    pub trait Op {
        type Input;
        fn build(client: &bedrock_runtime::Client, input: Self::Input) -> http::Request<bytes::Bytes>;
    }
    pub struct Converse;
    impl Op for Converse {
        type Input = bedrock_runtime_types::types::ConverseRequest;
        fn build(client: &bedrock_runtime::Client, input: Self::Input) -> http::Request<bytes::Bytes> {
            client
                .service_client()
                .build_request::<bedrock_runtime_types::operation::Converse>(input)
                .expect("build")
        }
    }
    pub struct ConverseStream;
    impl Op for ConverseStream {
        type Input = bedrock_runtime_types::types::ConverseStreamRequest;
        fn build(client: &bedrock_runtime::Client, input: Self::Input) -> http::Request<bytes::Bytes> {
            client
                .service_client()
                .build_request::<bedrock_runtime_types::operation::ConverseStream>(input)
                .expect("build")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Converse.

fn ours_converse_request() -> bedrock_runtime_types::types::ConverseRequest {
    use bedrock_runtime_types::types::{ContentBlock, ConversationRole, ConverseRequest, Message};
    ConverseRequest::new(MODEL).with_messages(vec![Message::new(
        ConversationRole::User,
        vec![ContentBlock::Text(PROMPT.into())],
    )])
}

async fn ours_converse(client: &bedrock_runtime::Client) -> usize {
    let response = client.converse(ours_converse_request()).await.expect("our converse");
    match &response.output {
        bedrock_runtime_types::types::ConverseOutput::Message(m) => m.content.len(),
        other => panic!("unexpected output {other:?}"),
    }
}

async fn official_converse(client: &aws_sdk_bedrockruntime::Client) -> usize {
    use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(PROMPT.into()))
        .build()
        .unwrap();
    let response = client
        .converse()
        .model_id(MODEL)
        .messages(message)
        .send()
        .await
        .expect("official converse");
    response.output().unwrap().as_message().unwrap().content().len()
}

async fn bare_post(client: &Bare, request: &BareRequest) -> usize {
    let response = client.request(request.request()).await.expect("bare request");
    assert!(response.status().is_success(), "bare: {}", response.status());
    response.into_body().collect().await.expect("bare body").to_bytes().len()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Which {
    Ours,
    Official,
    Bare,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Ours => "ours (bedrock-runtime)",
            Which::Official => "official (aws-sdk-bedrockruntime 1.153.0)",
            Which::Bare => "bare hyper (floor)",
        }
    }
}

const ALL: [Which; 3] = [Which::Ours, Which::Official, Which::Bare];

/// `--only NAME` (for profiling one client under callgrind): the other clients are skipped.
static ONLY: std::sync::OnceLock<Option<Which>> = std::sync::OnceLock::new();

fn skipped(which: Which) -> bool {
    matches!(ONLY.get(), Some(Some(only)) if *only != which)
}

#[derive(Default, Clone)]
struct Samples {
    cpu: Vec<Duration>,
    wall: Vec<Duration>,
    server: Vec<Duration>,
    sys: Vec<Duration>,
    units: Vec<u64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

async fn converse_bench(server: &Server, calls: usize, rounds: usize, warmup: usize) {
    let ours = ours_client(&server.url).await;
    let official = official_client(&server.url);
    let bare = bare_client();
    let bare_req = BareRequest::from_ours::<bedrock_wire_op::Converse>(&ours, ours_converse_request());
    println!(
        "converse: {calls} sequential calls per client in {rounds} rounds; request body {} bytes; server {}",
        bare_req.body.len(),
        server.url
    );
    for _ in 0..warmup {
        if !skipped(Which::Ours) {
            ours_converse(&ours).await;
        }
        if !skipped(Which::Official) {
            official_converse(&official).await;
        }
        if !skipped(Which::Bare) {
            bare_post(&bare, &bare_req).await;
        }
    }
    let per_round = calls / rounds;
    let mut samples = [Samples::default(), Samples::default(), Samples::default()];
    for round in 0..rounds {
        for k in 0..3 {
            let which = ALL[(round + k) % 3];
            if skipped(which) {
                continue;
            }
            let (c0, w0, s0, k0) = (cpu_now(), Instant::now(), server.cpu(), sys_now());
            for _ in 0..per_round {
                match which {
                    Which::Ours => std::hint::black_box(ours_converse(&ours).await),
                    Which::Official => std::hint::black_box(official_converse(&official).await),
                    Which::Bare => std::hint::black_box(bare_post(&bare, &bare_req).await),
                };
            }
            let s = &mut samples[which as usize];
            s.cpu.push(cpu_now() - c0);
            s.wall.push(w0.elapsed());
            s.server.push(server.cpu() - s0);
            s.sys.push(sys_now() - k0);
            s.units.push(per_round as u64);
        }
    }
    if ONLY.get().copied().flatten().is_some() {
        return;
    }
    let total = |s: &Samples| s.cpu.iter().sum::<Duration>().as_secs_f64();
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / per_round as f64;
    println!();
    println!("| client | calls | client CPU total (s) | CPU µs/call (total) | CPU µs/call (median round) | wall µs/call (median round) | server CPU µs/call | system share of client CPU | CPU / official | CPU / bare |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let off = total(&samples[Which::Official as usize]);
    let bare_t = total(&samples[Which::Bare as usize]);
    for which in ALL {
        let s = &samples[which as usize];
        let n = (per_round * s.cpu.len()) as f64;
        println!(
            "| {} | {} | {:.3} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} % | {:.2} | {:.2} |",
            which.name(),
            n,
            total(s),
            total(s) * 1e6 / n,
            median(s.cpu.iter().map(|d| per_call(*d)).collect()),
            median(s.wall.iter().map(|d| per_call(*d)).collect()),
            s.server.iter().sum::<Duration>().as_secs_f64() * 1e6 / n,
            100.0 * s.sys.iter().sum::<Duration>().as_secs_f64() / total(s),
            total(s) / off,
            total(s) / bare_t,
        );
    }
    // Per-round paired ratios (robust to load changing between rounds).
    let ours_s = &samples[Which::Ours as usize];
    let off_s = &samples[Which::Official as usize];
    let bare_s = &samples[Which::Bare as usize];
    let ratios: Vec<f64> = (0..rounds).map(|i| ours_s.cpu[i].as_secs_f64() / off_s.cpu[i].as_secs_f64()).collect();
    let min = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().cloned().fold(0.0, f64::max);
    println!();
    println!(
        "paired per-round CPU ratio ours/official: median {:.3} (min {:.3}, max {:.3}); ours-bare/official-bare (overhead above the floor): {:.3}",
        median(ratios.clone()),
        min,
        max,
        median((0..rounds)
            .map(|i| (ours_s.cpu[i].as_secs_f64() - bare_s.cpu[i].as_secs_f64())
                / (off_s.cpu[i].as_secs_f64() - bare_s.cpu[i].as_secs_f64()))
            .collect())
    );
}

// ---------------------------------------------------------------------------------------------
// ConverseStream.

fn stream_text(events: usize) -> String {
    // 4 one-letter words per delta (the echo model's chunk size).
    let mut s = String::with_capacity(events * 8);
    for i in 0..events * 4 {
        s.push((b'a' + (i % 26) as u8) as char);
        s.push(' ');
    }
    s
}

fn ours_stream_request(text: &str) -> bedrock_runtime_types::types::ConverseStreamRequest {
    use bedrock_runtime_types::types::{ContentBlock, ConversationRole, ConverseStreamRequest, Message};
    ConverseStreamRequest::new(MODEL).with_messages(vec![Message::new(
        ConversationRole::User,
        vec![ContentBlock::Text(text.to_owned())],
    )])
}

#[derive(Default, Debug, PartialEq, Eq, Clone, Copy)]
struct StreamCount {
    events: u64,
    deltas: u64,
    text_bytes: u64,
}

/// Ours, through the public API: `client.converse_stream(request).await?.events` (the
/// `MessageDecoder` over the body and the generated `ConverseStreamOutput::from_message`).
async fn ours_stream(client: &bedrock_runtime::Client, text: &str) -> StreamCount {
    use bedrock_runtime_types::event_stream::ConverseStreamOutput;
    use bedrock_runtime_types::types::ContentBlockDelta;
    let output = client
        .converse_stream(ours_stream_request(text))
        .await
        .expect("our converse_stream");
    let mut events = output.events;
    let mut count = StreamCount::default();
    while let Some(event) = events.recv().await.expect("our event") {
        count.events += 1;
        if let ConverseStreamOutput::ContentBlockDelta(d) = &event {
            count.deltas += 1;
            if let ContentBlockDelta::Text(t) = &d.delta {
                count.text_bytes += t.len() as u64;
            }
        }
        std::hint::black_box(&event);
    }
    count
}

async fn official_stream(client: &aws_sdk_bedrockruntime::Client, text: &str) -> StreamCount {
    use aws_sdk_bedrockruntime::types::{ContentBlock, ContentBlockDelta, ConversationRole, ConverseStreamOutput, Message};
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.to_owned()))
        .build()
        .unwrap();
    let mut output = client
        .converse_stream()
        .model_id(MODEL)
        .messages(message)
        .send()
        .await
        .expect("official converse_stream");
    let mut count = StreamCount::default();
    while let Some(event) = output.stream.recv().await.expect("official event") {
        count.events += 1;
        if let ConverseStreamOutput::ContentBlockDelta(d) = &event {
            count.deltas += 1;
            if let Some(ContentBlockDelta::Text(t)) = d.delta() {
                count.text_bytes += t.len() as u64;
            }
        }
        std::hint::black_box(&event);
    }
    count
}

/// The floor: the same request bytes, the response body read to the end without decoding.
async fn bare_stream(client: &Bare, request: &BareRequest) -> u64 {
    let response = client.request(request.request()).await.expect("bare request");
    assert!(response.status().is_success(), "bare: {}", response.status());
    let mut body = response.into_body();
    let mut bytes = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("bare body").into_data() {
            bytes += data.len() as u64;
        }
    }
    bytes
}

async fn stream_bench(server: &Server, events: usize, rounds: usize) {
    let ours = ours_client(&server.url).await;
    let official = official_client(&server.url);
    let bare = bare_client();
    let text = stream_text(events);
    let bare_req = BareRequest::from_ours::<bedrock_wire_op::ConverseStream>(&ours, ours_stream_request(&text));
    println!(
        "converse_stream: {rounds} rounds, one stream per client per round; request body {} bytes; server {}",
        bare_req.body.len(),
        server.url
    );
    let mut samples = [Samples::default(), Samples::default(), Samples::default()];
    let mut counts = [StreamCount::default(); 3];
    let mut bare_bytes = 0;
    for round in 0..rounds {
        for k in 0..3 {
            let which = ALL[(round + k) % 3];
            if skipped(which) {
                continue;
            }
            let (c0, w0, s0, k0) = (cpu_now(), Instant::now(), server.cpu(), sys_now());
            let units = match which {
                Which::Ours => {
                    let c = ours_stream(&ours, &text).await;
                    counts[0] = c;
                    c.events
                }
                Which::Official => {
                    let c = official_stream(&official, &text).await;
                    counts[1] = c;
                    c.events
                }
                Which::Bare => {
                    bare_bytes = bare_stream(&bare, &bare_req).await;
                    counts[0].events.max(counts[1].events)
                }
            };
            let s = &mut samples[which as usize];
            s.cpu.push(cpu_now() - c0);
            s.wall.push(w0.elapsed());
            s.server.push(server.cpu() - s0);
            s.sys.push(sys_now() - k0);
            s.units.push(units);
            eprintln!(
                "  round {} {:<42} {:>8} events  cpu {:>7.3} s  wall {:>7.3} s",
                round + 1,
                which.name(),
                units,
                s.cpu.last().unwrap().as_secs_f64(),
                s.wall.last().unwrap().as_secs_f64()
            );
        }
    }
    if ONLY.get().copied().flatten().is_some() {
        return;
    }
    assert_eq!(counts[0], counts[1], "ours and official decoded different streams");
    println!(
        "events per stream: {} ({} text deltas, {} text bytes); stream body {} bytes",
        counts[0].events, counts[0].deltas, counts[0].text_bytes, bare_bytes
    );
    println!();
    println!("| client | streams | events/stream | client CPU s/stream (median) | events per CPU-second (median) | µs CPU/event | system share of client CPU | wall s/stream (median) | server CPU s/stream | events/CPU-s vs official |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rate = |s: &Samples| median(s.cpu.iter().zip(&s.units).map(|(c, n)| *n as f64 / c.as_secs_f64()).collect());
    let off_rate = rate(&samples[Which::Official as usize]);
    for which in ALL {
        let s = &samples[which as usize];
        let r = rate(s);
        println!(
            "| {} | {} | {} | {:.3} | {:.0} | {:.2} | {:.0} % | {:.2} | {:.2} | {:.2} |",
            which.name(),
            s.cpu.len(),
            s.units.last().unwrap(),
            median(s.cpu.iter().map(|d| d.as_secs_f64()).collect()),
            r,
            1e6 / r,
            100.0 * s.sys.iter().sum::<Duration>().as_secs_f64() / s.cpu.iter().sum::<Duration>().as_secs_f64(),
            median(s.wall.iter().map(|d| d.as_secs_f64()).collect()),
            median(s.server.iter().map(|d| d.as_secs_f64()).collect()),
            r / off_rate,
        );
    }
    let o = &samples[Which::Ours as usize];
    let f = &samples[Which::Official as usize];
    let ratios: Vec<f64> = (0..rounds).map(|i| f.cpu[i].as_secs_f64() / o.cpu[i].as_secs_f64()).collect();
    println!();
    println!(
        "paired per-round ratio (events per CPU-second, ours/official): {}",
        ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(", ")
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "converse".into());
    let mut server_bin = std::env::var("BEDROCK_LOCAL").unwrap_or_else(|_| "bedrock-local".into());
    let mut calls = 2000;
    let mut rounds = None;
    let mut warmup = 50;
    let mut events = 400_000;
    while let Some(a) = args.next() {
        let mut v = || args.next().expect("missing value");
        match a.as_str() {
            "--server" => server_bin = v(),
            "--calls" => calls = v().parse().unwrap(),
            "--rounds" => rounds = Some(v().parse().unwrap()),
            "--warmup" => warmup = v().parse().unwrap(),
            "--events" => events = v().parse().unwrap(),
            "--only" => {
                let only = match v().as_str() {
                    "ours" => Which::Ours,
                    "official" => Which::Official,
                    "bare" => Which::Bare,
                    other => panic!("--only ours|official|bare, not {other}"),
                };
                ONLY.set(Some(only)).unwrap();
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let server = Server::start(&server_bin);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    match mode.as_str() {
        "converse" => rt.block_on(converse_bench(&server, calls, rounds.unwrap_or(20), warmup)),
        "stream" => rt.block_on(stream_bench(&server, events, rounds.unwrap_or(3))),
        other => panic!("unknown mode {other} (converse | stream)"),
    }
}
