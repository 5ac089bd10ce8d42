//! `sse-bench decode`: SSE decoding plus typed deserialization only, in memory, no HTTP.
//!
//! Both clients read the exact bytes the loopback server would send (the generator's events,
//! without the HTTP chunk framing), handed over as `bytes::Bytes` chunks from a
//! `futures_util::stream::iter`: one chunk per SSE event (what the server writes per HTTP
//! chunk), or fixed-size chunks (`--chunks 16384`) that split events anywhere.
//!
//! - **ours**: `bedrock_mantle::stream::EventStream::new` over an `http::Response` whose body
//!   is that stream (`bedrock_transport::ResponseBody` is a boxed `Stream` of `Bytes`), read
//!   with `recv()`: the same `SseStream::poll_next_ref` and `StreamOperation::decode_ref` the
//!   client's streams use, minus the transport (no stalled-stream guard, no hyper).
//! - **theirs**: the composition in async-openai 0.43.0's `client.rs` (`stream` and
//!   `stream_mapped_raw_events`): the byte stream with its errors mapped to `std::io::Error`,
//!   `eventsource_stream::EventStream` (0.2.3, the version async-openai resolves to), stop at
//!   `data == "[DONE]"`, skip `event == "keepalive"`, `serde_json::from_str::<O>(&event.data)`
//!   with a parse error made an `OpenAIError::JSONDeserialize`. Read in the same task: the
//!   spawned task and unbounded channel async-openai puts between the decoder and the caller
//!   on native targets are left out (its wasm path has none either), which only makes theirs
//!   cheaper.

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;

use crate::{cpu_now, gen, median, min_max, Api, Args, Seen, Which};

/// How the body is cut into chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// One chunk per SSE event, as the server writes them.
    PerEvent,
    /// Chunks of this many bytes, cutting events (and UTF-8 characters) anywhere.
    Fixed(usize),
}

impl Split {
    fn describe(self) -> String {
        match self {
            Split::PerEvent => "one chunk per event".to_owned(),
            Split::Fixed(n) => format!("{n}-byte chunks"),
        }
    }
}

/// The generator's events for `api`, cut as `split` says.
fn chunks(api: Api, events: usize, split: Split) -> (Vec<Bytes>, gen::Expected, usize) {
    let (events, expected) = match api {
        Api::Responses => gen::responses(events),
        Api::Chat => gen::chat(events),
    };
    let total = events.iter().map(Vec::len).sum();
    let chunks = match split {
        Split::PerEvent => events.into_iter().map(Bytes::from).collect(),
        Split::Fixed(n) => {
            let body = Bytes::from(events.concat());
            (0..body.len())
                .step_by(n.max(1))
                .map(|at| body.slice(at..(at + n.max(1)).min(body.len())))
                .collect()
        }
    };
    (chunks, expected, total)
}

// ---------------------------------------------------------------------------------------------
// Ours.

fn ours_body(chunks: Vec<Bytes>) -> http::Response<bedrock_transport_body::ResponseBody> {
    let body: bedrock_transport_body::ResponseBody = Box::pin(futures_util::stream::iter(
        chunks.into_iter().map(Ok::<Bytes, bedrock_transport_body::BoxError>),
    ));
    http::Response::new(body)
}

/// `bedrock_transport::{ResponseBody, BoxError}`, spelled out (the bench does not depend on
/// `bedrock-transport` itself).
mod bedrock_transport_body {
    pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
    pub type ResponseBody =
        std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, BoxError>> + Send + 'static>>;
}

async fn ours(api: Api, chunks: Vec<Bytes>) -> Seen {
    use bedrock_mantle::stream::EventStream;
    use bedrock_mantle::types::openai::operation::{CreateChatCompletion, CreateResponse};
    match api {
        Api::Responses => crate::ours_read_responses(EventStream::<CreateResponse>::new(ours_body(chunks))).await,
        Api::Chat => crate::ours_read_chat(EventStream::<CreateChatCompletion>::new(ours_body(chunks))).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Theirs: async-openai 0.43.0's `stream` / `stream_mapped_raw_events`, over the same chunks.

type TheirStream<O> =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<O, async_openai::error::OpenAIError>> + Send>>;

fn theirs_stream<O>(chunks: Vec<Bytes>) -> TheirStream<O>
where
    O: serde::de::DeserializeOwned + Send + 'static,
{
    use async_openai::error::{OpenAIError, StreamError};
    // `response.bytes_stream().map(|r| r.map_err(std::io::Error::other))`
    let byte_stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<Bytes, std::io::Error>))
        .map(|r| r.map_err(std::io::Error::other));
    let event_stream = Box::pin(eventsource_stream::EventStream::new(byte_stream));
    // `stream`'s event mapper.
    let event_mapper = |event: eventsource_stream::Event| {
        serde_json::from_str::<O>(&event.data)
            .map_err(|error| OpenAIError::JSONDeserialize(error, String::from_utf8_lossy(event.data.as_bytes()).into()))
    };
    Box::pin(futures_util::stream::unfold(
        (event_stream, event_mapper),
        |(mut event_stream, event_mapper)| async move {
            loop {
                let event = match event_stream.next().await {
                    Some(Ok(event)) => event,
                    Some(Err(error)) => {
                        return Some((
                            Err(OpenAIError::StreamError(Box::new(StreamError::EventStream(
                                error.to_string(),
                            )))),
                            (event_stream, event_mapper),
                        ));
                    }
                    None => return None,
                };
                if event.data == "[DONE]" {
                    return None;
                }
                if event.event == "keepalive" {
                    continue;
                }
                let response = event_mapper(event);
                return Some((response, (event_stream, event_mapper)));
            }
        },
    ))
}

async fn theirs(api: Api, chunks: Vec<Bytes>) -> Seen {
    match api {
        Api::Responses => crate::theirs_read_responses(theirs_stream(chunks)).await,
        Api::Chat => crate::theirs_read_chat(theirs_stream(chunks)).await,
    }
}

// ---------------------------------------------------------------------------------------------

async fn run(which: Which, api: Api, chunks: Vec<Bytes>) -> Seen {
    match which {
        Which::Ours => ours(api, chunks).await,
        Which::Theirs => theirs(api, chunks).await,
    }
}

/// `sse-bench decode`: per API and split, one checked warm-up per client, then R interleaved
/// rounds (order alternating), CPU per stream from `getrusage`.
pub async fn bench(args: &Args, splits: &[Split]) {
    let clients = [Which::Ours, Which::Theirs];
    for &api in &args.apis {
        for &split in splits {
            let (chunks, want, bytes) = chunks(api, args.events, split);
            for which in clients {
                if args.only.is_some_and(|o| o != which) {
                    continue;
                }
                let seen = run(which, api, chunks.clone()).await;
                assert_eq!(
                    seen.0,
                    want,
                    "{} {api:?} decode: the events read differ from the ones generated",
                    which.name()
                );
            }
            let mut cpu = [Vec::new(), Vec::new()];
            let mut wall = [Vec::new(), Vec::new()];
            for round in 0..args.rounds {
                for k in 0..2 {
                    let which = clients[(round + k) % 2];
                    if args.only.is_some_and(|o| o != which) {
                        continue;
                    }
                    // The Vec of `Bytes` handles is cloned outside the measurement.
                    let input = chunks.clone();
                    let (c0, w0) = (cpu_now(), Instant::now());
                    let seen = run(which, api, input).await;
                    let (c, w) = (cpu_now() - c0, w0.elapsed());
                    assert_eq!(
                        seen.0,
                        want,
                        "{} {api:?} decode: the events read differ from the ones generated",
                        which.name()
                    );
                    cpu[which as usize].push(c.as_secs_f64());
                    wall[which as usize].push(w.as_secs_f64());
                }
            }
            if args.only.is_some() {
                continue;
            }
            let n = want.events as f64;
            println!();
            println!(
                "### In memory, {} stream: {} events ({} text deltas), {:.1} MB, {} ({} chunks), {} rounds",
                match api {
                    Api::Responses => "Responses",
                    Api::Chat => "Chat Completions",
                },
                want.events,
                want.deltas,
                bytes as f64 / 1e6,
                split.describe(),
                chunks.len(),
                args.rounds
            );
            println!();
            println!("| client | CPU s/stream (median) | events per CPU-second (median) | min–max | µs CPU/event | wall s/stream (median) | events/CPU-s vs async-openai |");
            println!("|---|---:|---:|---:|---:|---:|---:|");
            let theirs_eps = median(cpu[1].iter().map(|c| n / c).collect());
            for which in clients {
                let c = &cpu[which as usize];
                let eps: Vec<f64> = c.iter().map(|c| n / c).collect();
                let (lo, hi) = min_max(&eps);
                let med = median(eps.clone());
                println!(
                    "| {} | {:.3} | {:.0} | {:.0}–{:.0} | {:.2} | {:.3} | {} |",
                    which.name(),
                    median(c.clone()),
                    med,
                    lo,
                    hi,
                    median(c.clone()) * 1e6 / n,
                    median(wall[which as usize].clone()),
                    if which == Which::Ours {
                        format!("**{:.2}**", med / theirs_eps)
                    } else {
                        "1.00".to_owned()
                    }
                );
            }
            let ratios: Vec<f64> = (0..args.rounds).map(|i| cpu[1][i] / cpu[0][i]).collect();
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
}
