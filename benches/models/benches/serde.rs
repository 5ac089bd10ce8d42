//! JSON throughput of a large Converse request and response: through `serde_json`, through
//! `bedrock_wire::json`'s serde reader and writer, through the generated `ReadJson`/`WriteJson`
//! impls the operations use (`json::read`/`json::write`), and of the sans-IO `Operation` path
//! around them. Run with `cargo bench -p bench-models`.

use std::hint::black_box;

use bedrock_runtime_types::operation::Converse;
use bedrock_runtime_types::types::{ConverseRequest, ConverseResponse};
use bedrock_runtime_types::Operation;
use bench_models::{converse_http_response, converse_request, converse_response, converse_response_body};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn request(c: &mut Criterion) {
    let request = converse_request();
    let json = serde_json::to_vec(&request).expect("serializes");
    let body_len = Converse::build_request(&request).expect("builds").body().len();

    let mut group = c.benchmark_group("converse_request");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("serde_json::to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&request)).expect("serializes"))
    });
    group.bench_function("serde_json::from_slice", |b| {
        b.iter(|| serde_json::from_slice::<ConverseRequest>(black_box(&json)).expect("deserializes"))
    });
    group.bench_function("bedrock_wire::json::to_vec", |b| {
        b.iter(|| bedrock_wire::json::to_vec(black_box(&request)).expect("serializes"))
    });
    group.bench_function("bedrock_wire::json::from_slice", |b| {
        b.iter(|| bedrock_wire::json::from_slice::<ConverseRequest>(black_box(&json)).expect("deserializes"))
    });
    group.bench_function("json::write (WriteJson)", |b| {
        b.iter(|| bedrock_wire::json::write(black_box(&request)).expect("serializes"))
    });
    group.bench_function("json::read (ReadJson)", |b| {
        b.iter(|| bedrock_wire::json::read::<ConverseRequest>(black_box(&json)).expect("deserializes"))
    });
    group.throughput(Throughput::Bytes(body_len as u64));
    group.bench_function("Converse::build_request", |b| {
        b.iter(|| Converse::build_request(black_box(&request)).expect("builds"))
    });
    group.finish();
}

fn response(c: &mut Criterion) {
    let response = converse_response();
    let json = converse_response_body();
    let http = converse_http_response();

    let mut group = c.benchmark_group("converse_response");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("serde_json::from_slice", |b| {
        b.iter(|| serde_json::from_slice::<ConverseResponse>(black_box(&json)).expect("deserializes"))
    });
    group.bench_function("serde_json::to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&response)).expect("serializes"))
    });
    group.bench_function("bedrock_wire::json::from_slice", |b| {
        b.iter(|| bedrock_wire::json::from_slice::<ConverseResponse>(black_box(&json)).expect("deserializes"))
    });
    group.bench_function("bedrock_wire::json::to_vec", |b| {
        b.iter(|| bedrock_wire::json::to_vec(black_box(&response)).expect("serializes"))
    });
    group.bench_function("json::read (ReadJson)", |b| {
        b.iter(|| bedrock_wire::json::read::<ConverseResponse>(black_box(&json)).expect("deserializes"))
    });
    group.bench_function("json::write (WriteJson)", |b| {
        b.iter(|| bedrock_wire::json::write(black_box(&response)).expect("serializes"))
    });
    group.bench_function("Converse::parse_response", |b| {
        b.iter(|| Converse::parse_response(black_box(&http)).expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, request, response);
criterion_main!(benches);
