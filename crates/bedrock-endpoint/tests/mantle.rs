//! bedrock-mantle: its rule set through the configuration layer, route prefixes and overrides.

use bedrock_endpoint::{
    EndpointConfig, EndpointError, Env, MantleRoute, Params, Partitions, ResolveError, Service, Source, Value,
};

fn mantle(pairs: &[(&str, &str)]) -> EndpointConfig {
    EndpointConfig::new(Service::BedrockMantle).env(Env::from_pairs(
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    ))
}

fn rule_error(c: &EndpointConfig) -> String {
    match c.resolve() {
        Err(EndpointError::Rules {
            error: ResolveError::Rule(message),
            ..
        }) => message,
        other => panic!("expected a rule-set error, got {other:?}"),
    }
}

#[test]
fn documented_regions_resolve_to_the_api_aws_host() {
    for region in [
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "eu-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "sa-east-1",
    ] {
        let e = mantle(&[]).region(region).resolve().unwrap();
        assert_eq!(e.url(), format!("https://bedrock-mantle.{region}.api.aws"));
        assert_eq!(e.signing_name(), "bedrock-mantle");
        assert_eq!(e.signing_region(), Some(region));
        assert_eq!(e.source(), &Source::RuleSet);
    }
}

#[test]
fn auth_scheme_property_names_the_signing_name() {
    let e = mantle(&[]).region("us-east-1").resolve().unwrap();
    let schemes = e.endpoint().property("authSchemes").and_then(Value::as_array).unwrap();
    assert_eq!(schemes[0].get("name"), Some(&Value::from("sigv4")));
    assert_eq!(schemes[0].get("signingName"), Some(&Value::from("bedrock-mantle")));
    assert_eq!(schemes[0].get("signingRegion"), Some(&Value::from("us-east-1")));
}

#[test]
fn dual_stack_is_the_same_host() {
    let plain = mantle(&[]).region("us-west-2").resolve().unwrap();
    let dual = mantle(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")])
        .region("us-west-2")
        .resolve()
        .unwrap();
    assert_eq!(plain.url(), dual.url());
}

#[test]
fn fips_is_an_error_not_an_invented_host() {
    let message = rule_error(&mantle(&[("AWS_USE_FIPS_ENDPOINT", "true")]).region("us-east-1"));
    assert!(message.contains("no FIPS endpoint"), "{message}");
    let message = rule_error(&mantle(&[]).region("us-east-1").use_fips(true).use_dual_stack(true));
    assert!(message.contains("no FIPS endpoint"), "{message}");
}

#[test]
fn other_partitions_are_an_error_naming_the_partition() {
    for (region, partition) in [
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("eusc-de-east-1", "aws-eusc"),
    ] {
        let message = rule_error(&mantle(&[]).region(region));
        assert!(
            message.contains(&format!("partition {partition}")),
            "{region}: {message}"
        );
        assert!(message.contains("only in the aws partition"), "{message}");
    }
}

#[test]
fn route_prefixes_default_and_override() {
    let e = mantle(&[]).region("us-east-1").resolve().unwrap();
    assert_eq!(e.route_prefix(MantleRoute::V1), Some("/v1"));
    assert_eq!(e.route_prefix(MantleRoute::OpenAi), Some("/openai/v1"));
    assert_eq!(e.route_prefix(MantleRoute::Anthropic), Some("/anthropic/v1"));
    assert_eq!(
        e.route_url(MantleRoute::OpenAi).as_deref(),
        Some("https://bedrock-mantle.us-east-1.api.aws/openai/v1")
    );
    let e = mantle(&[])
        .region("us-east-1")
        .route_prefix(MantleRoute::OpenAi, "/custom/openai/")
        .route_prefix(MantleRoute::V1, "")
        .resolve()
        .unwrap();
    assert_eq!(e.route_prefix(MantleRoute::OpenAi), Some("/custom/openai"));
    assert_eq!(e.route_prefix(MantleRoute::V1), Some(""));
    assert_eq!(e.route_prefix(MantleRoute::Anthropic), Some("/anthropic/v1"));
    // Other services have no routes.
    let runtime = EndpointConfig::new(Service::BedrockRuntime)
        .region("us-east-1")
        .resolve()
        .unwrap();
    assert_eq!(runtime.route_prefix(MantleRoute::V1), None);
}

#[test]
fn bad_route_prefixes_are_rejected() {
    for bad in ["openai/v1", "/a b", "/a/../b", "/a?x", "/a#x", "/a//b"] {
        let err = mantle(&[])
            .region("us-east-1")
            .route_prefix(MantleRoute::OpenAi, bad)
            .resolve()
            .unwrap_err();
        assert!(matches!(err, EndpointError::InvalidRoutePrefix { .. }), "{bad}: {err}");
    }
    let err = EndpointConfig::new(Service::BedrockRuntime)
        .region("us-east-1")
        .route_prefix(MantleRoute::V1, "/v1")
        .resolve()
        .unwrap_err();
    assert!(err.to_string().contains("bedrock-mantle only"), "{err}");
}

#[test]
fn mantle_endpoint_env_vars_and_their_order() {
    let both = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_BEDROCK_MANTLE", "https://aws-style.example"),
        ("AWS_BEDROCK_BASE_URL", "https://openai-style.example/openai/v1"),
        ("AWS_ENDPOINT_URL", "https://global.example"),
    ];
    let e = mantle(&both).resolve().unwrap();
    assert_eq!(e.url(), "https://aws-style.example");
    assert_eq!(e.source(), &Source::Env("AWS_ENDPOINT_URL_BEDROCK_MANTLE".into()));
    let e = mantle(&[both[0], both[2], both[3]]).resolve().unwrap();
    assert_eq!(e.source(), &Source::Env("AWS_BEDROCK_BASE_URL".into()));
    // The OpenAI libraries' base URL includes the route; it is taken off so every route works.
    assert_eq!(e.url(), "https://openai-style.example");
    assert_eq!(
        e.route_url(MantleRoute::OpenAi).as_deref(),
        Some("https://openai-style.example/openai/v1")
    );
    assert_eq!(e.signing_name(), "bedrock-mantle");
    assert_eq!(e.signing_region(), Some("us-east-1"));
    let e = mantle(&[both[0], both[3]]).resolve().unwrap();
    assert_eq!(e.url(), "https://global.example");
    // AWS_BEDROCK_BASE_URL is for mantle only.
    let runtime = EndpointConfig::new(Service::BedrockRuntime)
        .env(Env::from_pairs([
            ("AWS_BEDROCK_BASE_URL", "https://x.example"),
            ("AWS_REGION", "us-east-1"),
        ]))
        .resolve()
        .unwrap();
    assert_eq!(runtime.source(), &Source::RuleSet);
}

#[test]
fn base_url_route_suffixes() {
    for (given, base) in [
        (
            "https://bedrock-mantle.us-east-1.api.aws/v1",
            "https://bedrock-mantle.us-east-1.api.aws",
        ),
        (
            "https://proxy.example/mantle/anthropic/v1/",
            "https://proxy.example/mantle",
        ),
        ("http://localhost:9000", "http://localhost:9000"),
        ("https://proxy.example/other", "https://proxy.example/other"),
    ] {
        let e = mantle(&[("AWS_BEDROCK_BASE_URL", given)]).resolve().unwrap();
        assert_eq!(e.url(), base, "{given}");
    }
}

#[test]
fn loopback_emulator_over_http_and_fips_with_override() {
    let e = mantle(&[]).endpoint_url("http://127.0.0.1:4010").resolve().unwrap();
    assert_eq!(e.url(), "http://127.0.0.1:4010");
    assert_eq!(e.signing_name(), "bedrock-mantle");
    assert_eq!(e.signing_region(), None);
    assert_eq!(e.route_prefix(MantleRoute::Anthropic), Some("/anthropic/v1"));
    let message = rule_error(
        &mantle(&[])
            .region("us-east-1")
            .use_fips(true)
            .endpoint_url("http://127.0.0.1:4010"),
    );
    assert!(message.starts_with("Invalid Configuration: FIPS and custom endpoint are not supported"));
    // Dual-stack with an override is accepted: the flag never changes the mantle host.
    let e = mantle(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")])
        .endpoint_url("http://localhost:1")
        .resolve();
    assert!(e.is_ok());
}

#[test]
fn the_rule_set_itself_validates_regions() {
    // Used directly (without the configuration layer's own check), the rule set refuses
    // regions that would change the host.
    let rules = Service::BedrockMantle.rule_set();
    for region in ["us-east-1.evil.com", "us-east-1/../x", "", "us east 1"] {
        let err = rules
            .resolve(&Params::new().with("Region", region), Partitions::builtin())
            .unwrap_err();
        assert!(err.to_string().contains("is not a region name"), "{region}: {err}");
    }
}
