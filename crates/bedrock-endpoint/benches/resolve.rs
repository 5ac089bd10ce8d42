//! Cost of endpoint resolution, which a client pays once per configuration.
//! Run with `cargo bench -p bedrock-endpoint --bench resolve`.

use std::hint::black_box;
use std::path::Path;

use bedrock_endpoint::{EndpointConfig, Env, Params, Partitions, RuleSet, Service};
use criterion::{criterion_group, criterion_main, Criterion};

fn no_env() -> Env {
    Env::from_pairs(std::iter::empty::<(String, String)>())
}

/// The whole client path: precedence, checks, rule-set evaluation, signing data.
fn config(c: &mut Criterion) {
    let mut group = c.benchmark_group("EndpointConfig::resolve");
    let cases = [
        (
            "bedrock-runtime us-east-1",
            EndpointConfig::new(Service::BedrockRuntime).region("us-east-1"),
        ),
        (
            "bedrock-runtime us-gov-west-1 fips+dualstack",
            EndpointConfig::new(Service::BedrockRuntime)
                .region("us-gov-west-1")
                .use_fips(true)
                .use_dual_stack(true),
        ),
        (
            "bedrock unlisted region (regex)",
            EndpointConfig::new(Service::Bedrock).region("eu-south-9"),
        ),
        (
            "bedrock-mantle us-west-2",
            EndpointConfig::new(Service::BedrockMantle).region("us-west-2"),
        ),
        (
            "bedrock-runtime endpoint override",
            EndpointConfig::new(Service::BedrockRuntime)
                .region("us-east-1")
                .endpoint_url("https://vpce-0a1b2c3d.bedrock-runtime.us-east-1.vpce.amazonaws.com"),
        ),
    ];
    for (name, config) in cases {
        let config = config.env(no_env());
        config.resolve().expect("resolves");
        group.bench_function(name, |b| b.iter(|| black_box(&config).resolve()));
    }
    group.finish();
}

/// The rules engine alone.
fn rules(c: &mut Criterion) {
    let mut group = c.benchmark_group("RuleSet::resolve");
    let partitions = Partitions::builtin();
    let params = Params::new()
        .with("Region", "us-east-1")
        .with("UseFIPS", false)
        .with("UseDualStack", false);
    for service in Service::ALL {
        let rules = service.rule_set();
        rules.resolve(&params, partitions).expect("resolves");
        group.bench_function(service.name(), |b| {
            b.iter(|| rules.resolve(black_box(&params), partitions))
        });
    }
    group.finish();

    // Reading a rule set from JSON (what the conformance runner does with BEDROCK_ENDPOINT_RULESET);
    // only when the pinned specs are on this machine.
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs/cache/extracted/bedrock-runtime/2023-09-30/endpoint-rule-set-1.json");
    if let Ok(json) = std::fs::read_to_string(spec) {
        c.bench_function("RuleSet::from_json bedrock-runtime", |b| {
            b.iter(|| RuleSet::from_json(black_box(&json)).expect("parses"))
        });
    }
}

criterion_group!(benches, config, rules);
criterion_main!(benches);
