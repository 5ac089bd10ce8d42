//! Every precedence rule of endpoint configuration, with injected environments.

use bedrock_endpoint::{EndpointConfig, EndpointError, Env, ResolveError, Service, SharedConfig, Source};

fn env(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn config(service: Service, pairs: &[(&str, &str)]) -> EndpointConfig {
    EndpointConfig::new(service).env(env(pairs))
}

fn url(c: &EndpointConfig) -> String {
    match c.resolve() {
        Ok(e) => e.url().to_owned(),
        Err(e) => panic!("{e}"),
    }
}

fn source(c: &EndpointConfig) -> Source {
    c.resolve().unwrap().source().clone()
}

const ALL_ENDPOINTS: &[(&str, &str)] = &[
    ("AWS_REGION", "us-east-1"),
    ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://service-env.example"),
    ("AWS_ENDPOINT_URL", "https://global-env.example"),
];

fn profile_with_endpoints() -> SharedConfig {
    SharedConfig::new()
        .with_profile_key("services", "dev")
        .with_profile_key("endpoint_url", "https://profile.example")
        .with_services_key(
            "dev",
            "bedrock_runtime",
            "endpoint_url",
            "https://services-section.example",
        )
}

#[test]
fn rule_set_endpoint_without_overrides() {
    let c = config(Service::BedrockRuntime, &[("AWS_REGION", "us-west-2")]);
    assert_eq!(url(&c), "https://bedrock-runtime.us-west-2.amazonaws.com");
    assert_eq!(source(&c), Source::RuleSet);
    let c = config(Service::Bedrock, &[("AWS_REGION", "us-west-2")]);
    assert_eq!(url(&c), "https://bedrock.us-west-2.amazonaws.com");
}

#[test]
fn endpoint_in_code_wins_over_everything() {
    let c = config(Service::BedrockRuntime, ALL_ENDPOINTS)
        .shared_config(profile_with_endpoints())
        .endpoint_url("https://code.example");
    assert_eq!(url(&c), "https://code.example");
    assert_eq!(source(&c), Source::Code);
}

#[test]
fn service_env_var_wins_over_global_env_var_and_config_file() {
    let c = config(Service::BedrockRuntime, ALL_ENDPOINTS).shared_config(profile_with_endpoints());
    assert_eq!(url(&c), "https://service-env.example");
    assert_eq!(source(&c), Source::Env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME".into()));
}

#[test]
fn service_env_var_is_per_service() {
    // AWS_ENDPOINT_URL_BEDROCK_RUNTIME does not apply to the control plane.
    let c = config(
        Service::Bedrock,
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://runtime.example"),
            ("AWS_ENDPOINT_URL_BEDROCK", "https://control.example"),
        ],
    );
    assert_eq!(url(&c), "https://control.example");
    assert_eq!(Service::Bedrock.endpoint_url_env_var(), "AWS_ENDPOINT_URL_BEDROCK");
    assert_eq!(
        Service::BedrockRuntime.endpoint_url_env_var(),
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
    );
    assert_eq!(
        Service::BedrockMantle.endpoint_url_env_var(),
        "AWS_ENDPOINT_URL_BEDROCK_MANTLE"
    );
    assert_eq!(Service::BedrockRuntime.config_key(), "bedrock_runtime");
}

#[test]
fn global_env_var_wins_over_config_file() {
    let c = config(
        Service::BedrockRuntime,
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "https://global-env.example"),
        ],
    )
    .shared_config(profile_with_endpoints());
    assert_eq!(url(&c), "https://global-env.example");
    assert_eq!(source(&c), Source::Env("AWS_ENDPOINT_URL".into()));
}

#[test]
fn services_section_wins_over_profile_endpoint_url() {
    let c = config(Service::BedrockRuntime, &[("AWS_REGION", "us-east-1")]).shared_config(profile_with_endpoints());
    assert_eq!(url(&c), "https://services-section.example");
    assert_eq!(
        source(&c),
        Source::ServicesSection {
            section: "dev".into(),
            service: "bedrock_runtime".into()
        }
    );
    // The section has nothing for the control plane: the profile's endpoint_url applies.
    let c = config(Service::Bedrock, &[("AWS_REGION", "us-east-1")]).shared_config(profile_with_endpoints());
    assert_eq!(url(&c), "https://profile.example");
    assert_eq!(source(&c), Source::Profile("endpoint_url".into()));
}

#[test]
fn services_section_applies_only_when_the_profile_names_it() {
    let shared = SharedConfig::new().with_services_key("dev", "bedrock_runtime", "endpoint_url", "https://x.example");
    let c = config(Service::BedrockRuntime, &[("AWS_REGION", "us-east-1")]).shared_config(shared);
    assert_eq!(source(&c), Source::RuleSet);
}

#[test]
fn ignore_configured_endpoint_urls_skips_env_and_config_file() {
    let mut pairs = ALL_ENDPOINTS.to_vec();
    pairs.push(("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));
    let c = config(Service::BedrockRuntime, &pairs).shared_config(profile_with_endpoints());
    assert_eq!(url(&c), "https://bedrock-runtime.us-east-1.amazonaws.com");
    assert_eq!(source(&c), Source::RuleSet);
    // ...but not the endpoint set in code.
    let c = c.endpoint_url("http://localhost:8080");
    assert_eq!(url(&c), "http://localhost:8080");
}

#[test]
fn ignore_setting_from_the_profile_and_env_precedence() {
    let shared = profile_with_endpoints().with_profile_key("ignore_configured_endpoint_urls", "true");
    let c = config(Service::BedrockRuntime, ALL_ENDPOINTS).shared_config(shared.clone());
    assert_eq!(source(&c), Source::RuleSet);
    // The environment variable wins over the profile key.
    let mut pairs = ALL_ENDPOINTS.to_vec();
    pairs.push(("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"));
    let c = config(Service::BedrockRuntime, &pairs).shared_config(shared);
    assert_eq!(url(&c), "https://service-env.example");
}

#[test]
fn region_precedence() {
    let shared = SharedConfig::new().with_profile_key("region", "eu-west-1");
    let all = [("AWS_REGION", "us-west-2"), ("AWS_DEFAULT_REGION", "ap-south-1")];
    let c = config(Service::BedrockRuntime, &all)
        .shared_config(shared.clone())
        .region("ca-central-1");
    assert_eq!(url(&c), "https://bedrock-runtime.ca-central-1.amazonaws.com");
    let c = config(Service::BedrockRuntime, &all).shared_config(shared.clone());
    assert_eq!(url(&c), "https://bedrock-runtime.us-west-2.amazonaws.com");
    let c = config(Service::BedrockRuntime, &all[1..]).shared_config(shared.clone());
    assert_eq!(url(&c), "https://bedrock-runtime.ap-south-1.amazonaws.com");
    let c = config(Service::BedrockRuntime, &[]).shared_config(shared);
    assert_eq!(url(&c), "https://bedrock-runtime.eu-west-1.amazonaws.com");
}

#[test]
fn empty_env_values_count_as_unset() {
    let c = config(
        Service::BedrockRuntime,
        &[
            ("AWS_REGION", ""),
            ("AWS_DEFAULT_REGION", "us-east-2"),
            ("AWS_ENDPOINT_URL", " "),
        ],
    );
    assert_eq!(url(&c), "https://bedrock-runtime.us-east-2.amazonaws.com");
}

#[test]
fn fips_and_dual_stack_from_code_env_and_profile() {
    let base = [("AWS_REGION", "us-east-1")];
    let c = config(Service::BedrockRuntime, &base).use_fips(true);
    assert_eq!(url(&c), "https://bedrock-runtime-fips.us-east-1.amazonaws.com");
    let c = config(Service::BedrockRuntime, &[base[0], ("AWS_USE_FIPS_ENDPOINT", "true")]);
    assert_eq!(url(&c), "https://bedrock-runtime-fips.us-east-1.amazonaws.com");
    let c = config(
        Service::BedrockRuntime,
        &[base[0], ("AWS_USE_DUALSTACK_ENDPOINT", "TRUE")],
    );
    assert_eq!(url(&c), "https://bedrock-runtime.us-east-1.api.aws");
    let shared = SharedConfig::new()
        .with_profile_key("use_fips_endpoint", "true")
        .with_profile_key("use_dualstack_endpoint", "true");
    let c = config(Service::Bedrock, &base).shared_config(shared.clone());
    assert_eq!(url(&c), "https://bedrock-fips.us-east-1.api.aws");
    // Environment wins over profile, code over both.
    let c = config(Service::Bedrock, &[base[0], ("AWS_USE_FIPS_ENDPOINT", "false")]).shared_config(shared.clone());
    assert_eq!(url(&c), "https://bedrock.us-east-1.api.aws");
    let c = config(Service::Bedrock, &[base[0], ("AWS_USE_FIPS_ENDPOINT", "true")])
        .shared_config(shared)
        .use_fips(false)
        .use_dual_stack(false);
    assert_eq!(url(&c), "https://bedrock.us-east-1.amazonaws.com");
}

#[test]
fn partitions_and_variants() {
    let cases = [
        (
            "cn-north-1",
            false,
            false,
            "https://bedrock-runtime.cn-north-1.amazonaws.com.cn",
        ),
        (
            "cn-north-1",
            true,
            true,
            "https://bedrock-runtime-fips.cn-north-1.api.amazonwebservices.com.cn",
        ),
        (
            "us-gov-west-1",
            true,
            false,
            "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com",
        ),
        (
            "us-iso-east-1",
            false,
            false,
            "https://bedrock-runtime.us-iso-east-1.c2s.ic.gov",
        ),
        (
            "us-isob-east-1",
            false,
            true,
            "https://bedrock-runtime.us-isob-east-1.api.aws.scloud",
        ),
        (
            "us-isof-south-1",
            false,
            false,
            "https://bedrock-runtime.us-isof-south-1.csp.hci.ic.gov",
        ),
        (
            "eu-isoe-west-1",
            false,
            false,
            "https://bedrock-runtime.eu-isoe-west-1.cloud.adc-e.uk",
        ),
        (
            "eusc-de-east-1",
            false,
            false,
            "https://bedrock-runtime.eusc-de-east-1.amazonaws.eu",
        ),
        (
            "eusc-de-west-9",
            true,
            true,
            "https://bedrock-runtime-fips.eusc-de-west-9.api.amazonwebservices.eu",
        ),
        (
            "us-west-9",
            false,
            false,
            "https://bedrock-runtime.us-west-9.amazonaws.com",
        ),
    ];
    for (region, fips, dual, expected) in cases {
        let c = config(Service::BedrockRuntime, &[])
            .region(region)
            .use_fips(fips)
            .use_dual_stack(dual);
        assert_eq!(url(&c), expected, "{region} fips={fips} dual={dual}");
    }
}

#[test]
fn rule_set_rejects_fips_or_dual_stack_with_a_custom_endpoint() {
    let c = config(
        Service::BedrockRuntime,
        &[("AWS_REGION", "us-east-1"), ("AWS_USE_FIPS_ENDPOINT", "true")],
    )
    .endpoint_url("https://example.com");
    let err = c.resolve().unwrap_err();
    assert_eq!(
        err,
        EndpointError::Rules {
            service: Service::BedrockRuntime,
            error: ResolveError::Rule("Invalid Configuration: FIPS and custom endpoint are not supported".into()),
        }
    );
    let c = config(Service::Bedrock, &[("AWS_USE_DUALSTACK_ENDPOINT", "true")]).endpoint_url("https://example.com");
    assert!(c
        .resolve()
        .unwrap_err()
        .to_string()
        .contains("Dualstack and custom endpoint are not supported"));
}

#[test]
fn vpc_endpoints_keep_the_configured_signing_region() {
    let vpce = "https://vpce-0123456789abcdef0-abcdefgh.bedrock-runtime.us-east-1.vpce.amazonaws.com";
    let e = config(Service::BedrockRuntime, &[("AWS_REGION", "us-east-1")])
        .endpoint_url(vpce)
        .resolve()
        .unwrap();
    assert_eq!(e.url(), vpce);
    assert_eq!(e.signing_region(), Some("us-east-1"));
    assert_eq!(e.signing_name(), "bedrock");
    // The same from the service's environment variable.
    let e = config(
        Service::BedrockRuntime,
        &[
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", vpce),
        ],
    )
    .resolve()
    .unwrap();
    assert_eq!((e.url(), e.signing_region()), (vpce, Some("eu-central-1")));
}

#[test]
fn overrides_are_normalized_and_work_without_a_region() {
    let e = config(Service::BedrockRuntime, &[])
        .endpoint_url("HTTP://localhost:8080/")
        .resolve()
        .unwrap();
    assert_eq!(e.url(), "http://localhost:8080");
    assert_eq!(e.signing_region(), None);
    let e = config(Service::Bedrock, &[])
        .endpoint_url("https://proxy.example/bedrock/")
        .resolve()
        .unwrap();
    assert_eq!(e.url(), "https://proxy.example/bedrock");
}

#[test]
fn signing_names() {
    for (service, name) in [
        (Service::Bedrock, "bedrock"),
        (Service::BedrockRuntime, "bedrock"),
        (Service::BedrockMantle, "bedrock-mantle"),
    ] {
        let e = config(service, &[("AWS_REGION", "us-east-1")]).resolve().unwrap();
        assert_eq!(e.signing_name(), name);
        assert_eq!(service.signing_name(), name);
        assert_eq!(e.signing_region(), Some("us-east-1"));
    }
}
