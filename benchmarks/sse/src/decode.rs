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
//!   with a parse error made an `OpenAIError::JSONDeserialize`. By default read in the same
//!   task: the spawned task and unbounded channel async-openai puts between the decoder and
//!   the caller on native targets are left out (its wasm path has none either), which only
//!   makes theirs cheaper. `--theirs shipped` puts them back, as its native `client.rs` has
//!   them (`tokio::spawn`, `mpsc::unbounded_channel`, the `select!` on `tx.closed()`), for
//!   what an application using async-openai pays.

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

fn theirs_stream<O>(chunks: Vec<Bytes>, shipped: bool) -> TheirStream<O>
where
    O: serde::de::DeserializeOwned + Send + 'static,
{
    if shipped {
        return theirs_shipped_stream(chunks);
    }
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

/// async-openai 0.43.0's native `stream_mapped_raw_events` with `stream`'s event mapper: the
/// decoder runs in a spawned task and sends each result through an unbounded channel.
fn theirs_shipped_stream<O>(chunks: Vec<Bytes>) -> TheirStream<O>
where
    O: serde::de::DeserializeOwned + Send + 'static,
{
    use async_openai::error::{OpenAIError, StreamError};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let byte_stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<Bytes, std::io::Error>))
            .map(|r| r.map_err(std::io::Error::other));
        let mut event_stream = std::pin::pin!(eventsource_stream::EventStream::new(byte_stream));
        while let Some(ev) = tokio::select! {
            biased;
            _ = tx.closed() => None,
            ev = event_stream.next() => ev,
        } {
            let event = match ev {
                Ok(e) => e,
                Err(e) => {
                    let _ = tx.send(Err(OpenAIError::StreamError(Box::new(StreamError::EventStream(
                        e.to_string(),
                    )))));
                    break;
                }
            };
            if event.data == "[DONE]" {
                break;
            }
            if event.event == "keepalive" {
                continue;
            }
            let response = serde_json::from_str::<O>(&event.data).map_err(|error| {
                OpenAIError::JSONDeserialize(error, String::from_utf8_lossy(event.data.as_bytes()).into())
            });
            if tx.send(response).is_err() {
                break;
            }
        }
    });
    // `tokio_stream::wrappers::UnboundedReceiverStream`, spelled out.
    Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

async fn theirs(api: Api, chunks: Vec<Bytes>, shipped: bool) -> Seen {
    match api {
        Api::Responses => crate::theirs_read_responses(theirs_stream(chunks, shipped)).await,
        Api::Chat => crate::theirs_read_chat(theirs_stream(chunks, shipped)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Interleaved: both clients' streams open at once, read in turns of a few events each.

/// One client's stream, read one event at a time, with what it has seen so far.
enum Reader {
    OursResponses(
        bedrock_mantle::stream::EventStream<bedrock_mantle::types::openai::operation::CreateResponse>,
        Seen,
    ),
    OursChat(
        bedrock_mantle::stream::EventStream<bedrock_mantle::types::openai::operation::CreateChatCompletion>,
        Seen,
    ),
    TheirsResponses(TheirStream<async_openai::types::responses::ResponseStreamEvent>, Seen),
    TheirsChat(TheirStream<async_openai::types::chat::CreateChatCompletionStreamResponse>, Seen),
}

impl Reader {
    fn new(which: Which, api: Api, chunks: Vec<Bytes>, shipped: bool) -> Reader {
        use bedrock_mantle::stream::EventStream;
        match (which, api) {
            (Which::Ours, Api::Responses) => Reader::OursResponses(EventStream::new(ours_body(chunks)), Seen::new()),
            (Which::Ours, Api::Chat) => Reader::OursChat(EventStream::new(ours_body(chunks)), Seen::new()),
            (Which::Theirs, Api::Responses) => Reader::TheirsResponses(theirs_stream(chunks, shipped), Seen::new()),
            (Which::Theirs, Api::Chat) => Reader::TheirsChat(theirs_stream(chunks, shipped), Seen::new()),
        }
    }

    /// Reads and counts the next event, as the whole-stream readers do; `false` at the end.
    async fn next(&mut self) -> bool {
        match self {
            Reader::OursResponses(stream, seen) => match stream.recv().await.expect("ours: response event") {
                Some(event) => crate::ours_see_response_event(seen, &event),
                None => return false,
            },
            Reader::OursChat(stream, seen) => match stream.recv().await.expect("ours: chunk") {
                Some(chunk) => crate::ours_see_chunk(seen, &chunk),
                None => return false,
            },
            Reader::TheirsResponses(stream, seen) => match stream.next().await {
                Some(event) => crate::theirs_see_response_event(seen, &event.expect("theirs: response event")),
                None => return false,
            },
            Reader::TheirsChat(stream, seen) => match stream.next().await {
                Some(chunk) => crate::theirs_see_chunk(seen, &chunk.expect("theirs: chunk")),
                None => return false,
            },
        }
        true
    }

    fn seen(&self) -> Seen {
        match self {
            Reader::OursResponses(_, seen)
            | Reader::OursChat(_, seen)
            | Reader::TheirsResponses(_, seen)
            | Reader::TheirsChat(_, seen) => *seen,
        }
    }
}

/// Both clients read the same stream at the same time, `slice` events in turn (the first turn
/// goes to `first`). Returns each client's CPU time, summed over its turns, and what it saw.
/// A slice lasts a few milliseconds, so a change in the VM's speed lasting longer than that
/// falls on both clients alike, where whole streams read one after the other (0.3-0.8 s each)
/// each meet a different speed.
async fn interleaved(api: Api, chunks: &[Bytes], slice: usize, first: Which, shipped: bool) -> ([f64; 2], [Seen; 2]) {
    let order = match first {
        Which::Ours => [Which::Ours, Which::Theirs],
        Which::Theirs => [Which::Theirs, Which::Ours],
    };
    let mut readers = [
        Reader::new(Which::Ours, api, chunks.to_vec(), shipped),
        Reader::new(Which::Theirs, api, chunks.to_vec(), shipped),
    ];
    let mut cpu = [0.0; 2];
    let mut live = [true; 2];
    while live.iter().any(|l| *l) {
        for which in order {
            let i = which as usize;
            if !live[i] {
                continue;
            }
            let start = crate::process_cpu_now();
            for _ in 0..slice {
                if !readers[i].next().await {
                    live[i] = false;
                    break;
                }
            }
            cpu[i] += (crate::process_cpu_now() - start).as_secs_f64();
        }
    }
    (cpu, [readers[0].seen(), readers[1].seen()])
}

// ---------------------------------------------------------------------------------------------

async fn run(which: Which, api: Api, chunks: Vec<Bytes>, shipped: bool) -> Seen {
    match which {
        Which::Ours => ours(api, chunks).await,
        Which::Theirs => theirs(api, chunks, shipped).await,
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
                let seen = run(which, api, chunks.clone(), args.theirs_shipped).await;
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
                    let seen = run(which, api, input, args.theirs_shipped).await;
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
                "### In memory, {} stream: {} events ({} text deltas), {:.1} MB, {} ({} chunks), {} rounds; async-openai {}",
                match api {
                    Api::Responses => "Responses",
                    Api::Chat => "Chat Completions",
                },
                want.events,
                want.deltas,
                bytes as f64 / 1e6,
                split.describe(),
                chunks.len(),
                args.rounds,
                if args.theirs_shipped {
                    "as shipped (decoder in a spawned task, unbounded channel)"
                } else {
                    "decoder and deserializer only, in the caller's task"
                }
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
            if args.slice > 0 {
                let mut cpu = [Vec::new(), Vec::new()];
                for round in 0..args.rounds {
                    let first = if round % 2 == 0 { Which::Ours } else { Which::Theirs };
                    let (c, seen) = interleaved(api, &chunks, args.slice, first, args.theirs_shipped).await;
                    for which in clients {
                        assert_eq!(
                            seen[which as usize].0,
                            want,
                            "{} {api:?} decode, interleaved: the events read differ from the ones generated",
                            which.name()
                        );
                        cpu[which as usize].push(c[which as usize]);
                    }
                }
                let ratios: Vec<f64> = (0..args.rounds).map(|i| cpu[1][i] / cpu[0][i]).collect();
                let (lo, hi) = min_max(&ratios);
                // The order of turns shifts the ratio by a few percent (rounds alternate it),
                // so both orders are shown, and the total weighs them alike when R is even.
                let by_order = |first: usize| median(ratios.iter().skip(first).step_by(2).copied().collect());
                let total = cpu[1].iter().sum::<f64>() / cpu[0].iter().sum::<f64>();
                println!();
                println!(
                    "Interleaved, both streams open, {} events per turn, {} rounds (CPU from `CLOCK_PROCESS_CPUTIME_ID` around each turn): \
                     ours {:.3} s, async-openai {:.3} s per stream (medians). Events/CPU-s vs async-openai: **{:.2}** over all rounds; \
                     per round median {:.2} (min {:.2}, max {:.2}), ours first {:.2}, async-openai first {:.2}: {}",
                    args.slice,
                    args.rounds,
                    median(cpu[0].clone()),
                    median(cpu[1].clone()),
                    total,
                    median(ratios.clone()),
                    lo,
                    hi,
                    by_order(0),
                    if ratios.len() > 1 { by_order(1) } else { f64::NAN },
                    ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(", ")
                );
            }
        }
    }
}
