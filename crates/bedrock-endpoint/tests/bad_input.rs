//! Bad regions, URLs and booleans fail with typed errors naming the value; none reaches a URL.

use bedrock_endpoint::{EndpointConfig, EndpointError, Env, Service, SharedConfig, Source};

fn empty_env() -> Env {
    Env::from_pairs(std::iter::empty::<(String, String)>())
}

const BAD_REGIONS: &[&str] = &[
    "us-east-1/../x",
    "us-east-1.evil.com",
    "",
    " us-east-1",
    "us east 1",
    "us-east-1\n",
    "US-EAST-1",
    "-us-east-1",
    "us-east-1-",
    "us-east-1:443",
    "us-east-1@evil.com",
    "us-east-1#",
    "us-east-1?x=1",
    "\u{fc}s-east-1",
];

#[test]
fn bad_regions_in_code_are_typed_errors_naming_the_value() {
    for service in Service::ALL {
        for region in BAD_REGIONS {
            let err = EndpointConfig::new(service)
                .env(empty_env())
                .region(*region)
                .resolve()
                .unwrap_err();
            assert_eq!(
                err,
                EndpointError::InvalidRegion {
                    region: region.to_string(),
                    source: Source::Code
                },
                "{service} {region:?}"
            );
            let message = err.to_string();
            assert!(message.contains(&format!("`{region}`")), "{message}");
            assert!(
                message.contains("us-east-1"),
                "the message shows a valid example: {message}"
            );
        }
    }
}

#[test]
fn bad_regions_from_env_and_profile_name_their_source() {
    let err = EndpointConfig::new(Service::BedrockRuntime)
        .env(Env::from_pairs([("AWS_REGION", "us-east-1.evil.com")]))
        .resolve()
        .unwrap_err();
    assert_eq!(
        err,
        EndpointError::InvalidRegion {
            region: "us-east-1.evil.com".into(),
            source: Source::Env("AWS_REGION".into())
        }
    );
    assert!(err.to_string().contains("AWS_REGION"));
    let err = EndpointConfig::new(Service::Bedrock)
        .env(empty_env())
        .shared_config(SharedConfig::new().with_profile_key("region", "a/b"))
        .resolve()
        .unwrap_err();
    assert!(matches!(
        err,
        EndpointError::InvalidRegion {
            source: Source::Profile(_),
            ..
        }
    ));
}

#[test]
fn bad_regions_are_rejected_even_with_an_endpoint_override() {
    // The region is still the signing region, so it must be valid.
    let err = EndpointConfig::new(Service::BedrockRuntime)
        .env(empty_env())
        .region("us-east-1/../x")
        .endpoint_url("http://localhost:8080")
        .resolve()
        .unwrap_err();
    assert!(matches!(err, EndpointError::InvalidRegion { .. }));
}

#[test]
fn missing_region_says_where_to_set_one() {
    let err = EndpointConfig::new(Service::BedrockRuntime)
        .env(empty_env())
        .resolve()
        .unwrap_err();
    assert_eq!(
        err,
        EndpointError::MissingRegion {
            service: Service::BedrockRuntime
        }
    );
    assert!(err.to_string().contains("AWS_REGION"));
}

#[test]
fn malformed_override_urls_are_typed_errors_naming_the_value() {
    let bad = [
        "example.com",
        "ftp://example.com",
        "https://",
        "https:// example.com",
        "https://example.com/a b",
        "https://user:secret@example.com",
        "https://example.com:99999",
        "https://example.com?x=1",
        "https://example.com/#frag",
        "https://example.com/a/../b",
        "https://exa..mple.com",
        "https://ex\u{e4}mple.com",
        "https://example.com\r\nHost: evil",
    ];
    for url in bad {
        let err = EndpointConfig::new(Service::BedrockRuntime)
            .env(empty_env())
            .region("us-east-1")
            .endpoint_url(url)
            .resolve()
            .unwrap_err();
        match &err {
            EndpointError::InvalidEndpointUrl { url: given, source, .. } => {
                assert_eq!((given.as_str(), source), (url, &Source::Code));
            }
            other => panic!("{url:?}: {other:?}"),
        }
        assert!(err.to_string().contains(url), "{err}");
    }
    // From the environment: the variable is named.
    let err = EndpointConfig::new(Service::Bedrock)
        .env(Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_BEDROCK", "not a url"),
        ]))
        .resolve()
        .unwrap_err();
    assert!(err.to_string().contains("AWS_ENDPOINT_URL_BEDROCK"), "{err}");
}

#[test]
fn plain_http_to_aws_hosts_is_refused() {
    for url in [
        "http://bedrock-runtime.us-east-1.amazonaws.com",
        "http://vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com",
        "http://bedrock-mantle.us-east-1.api.aws",
        "http://bedrock.cn-north-1.amazonaws.com.cn",
    ] {
        let err = EndpointConfig::new(Service::BedrockRuntime)
            .env(empty_env())
            .region("us-east-1")
            .endpoint_url(url)
            .resolve()
            .unwrap_err();
        assert!(matches!(err, EndpointError::InsecureEndpoint { .. }), "{url}: {err}");
        assert!(err.to_string().contains("https://"));
    }
    // Plain http is fine for an emulator or a proxy outside AWS.
    for url in [
        "http://localhost:8080",
        "http://127.0.0.1:4566",
        "http://[::1]:9000",
        "http://proxy.internal",
    ] {
        let e = EndpointConfig::new(Service::BedrockRuntime)
            .env(empty_env())
            .region("us-east-1")
            .endpoint_url(url)
            .resolve()
            .unwrap();
        assert_eq!(e.url(), url);
    }
}

#[test]
fn bad_booleans_are_typed_errors() {
    for (var, value) in [
        ("AWS_USE_FIPS_ENDPOINT", "yes"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "1"),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "on"),
    ] {
        let err = EndpointConfig::new(Service::BedrockRuntime)
            .env(Env::from_pairs([("AWS_REGION", "us-east-1"), (var, value)]))
            .resolve()
            .unwrap_err();
        assert_eq!(
            err,
            EndpointError::InvalidBoolean {
                value: value.into(),
                source: Source::Env(var.into())
            }
        );
        assert!(err.to_string().contains("`true` or `false`"));
    }
}

#[test]
fn debug_output_does_not_show_environment_values() {
    let env = Env::from_pairs([("AWS_SECRET_ACCESS_KEY", "very-secret"), ("AWS_REGION", "us-east-1")]);
    let shown = format!("{:?}", EndpointConfig::new(Service::Bedrock).env(env));
    assert!(
        shown.contains("AWS_SECRET_ACCESS_KEY") && !shown.contains("very-secret"),
        "{shown}"
    );
}
