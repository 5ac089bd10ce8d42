//! Our SigV4 signer against the AWS SDK for Rust's (`aws-sigv4`, a
//! dev-dependency only) on a few thousand pseudo-random requests from a fixed
//! seed: header signing, presigned URLs (the short-term API key form) and
//! chained event-stream message signatures must come out byte for byte the
//! same. A mismatch prints the request that differed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation as OracleLocation, SigningSettings,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bedrock_auth::provider::Clock;
use bedrock_auth::sigv4::{self, Scope, SignatureLocation};
use bedrock_auth::{Credentials, EventStreamSigner, Signature, Signer, SigningName};

/// SplitMix64: small, deterministic, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];

const AUTHORITIES: &[&str] = &[
    "https://bedrock-runtime.us-east-1.amazonaws.com",
    "https://bedrock.eu-west-3.amazonaws.com:443",
    "http://localhost:8080",
    "http://127.0.0.1:80",
    "https://127.0.0.1:8443",
    "http://bedrock-mantle.us-west-2.api.aws",
    "https://[::1]:443",
    "https://example.com:0443",
];

const SEGMENTS: &[&str] = &[
    "model",
    "converse",
    "converse-stream",
    "anthropic.claude-3-haiku-20240307-v1%3A0",
    "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet",
    "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0",
    "a%20b",
    "a+b",
    "tilde~",
    "%E2%9C%93",
    "caf%C3%A9",
    "100%25",
    "%zz",
    "",
    ".",
    "..",
    "x.y",
    "!$&'()*,;=:@",
    "UPPER",
    "-_.",
    "%2F",
    "%2f",
];

const QUERY_KEYS: &[&str] = &[
    "a",
    "A",
    "b",
    "maxResults",
    "nextToken",
    "x%20y",
    "x+y",
    "k%3D",
    "%E2%9C%93",
    "~tilde",
    "",
    "%",
    "a%2",
    "Action",
    "X-Amz-Foo",
];

const QUERY_VALUES: &[&str] = &[
    "",
    "1",
    "value",
    "a%2Fb",
    "a/b",
    "sp ace",
    "plus+plus",
    "%2B",
    "100%",
    "%C3%A9",
    "%FF%FE",
    "~-._",
    "arn%3Aaws%3Abedrock",
    "eyJhIjoxfQ==",
    "?@:",
];

const HEADER_NAMES: &[&str] = &[
    "content-type",
    "Content-Type",
    "accept",
    "x-amz-target",
    "X-Amz-Target",
    "x-custom",
    "X-CUSTOM",
    "user-agent",
    "x-amz-user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
    "expect",
    "x-amz-checksum-mode",
    "x-amzn-bedrock-guardrailidentifier",
    "content-length",
    "amz-sdk-invocation-id",
];

const HEADER_VALUES: &[&str] = &[
    "application/json",
    "  leading",
    "trailing  ",
    "  both  ",
    "in   ternal    spaces",
    "tab\tinside",
    "\ttab-edge\t",
    "MiXeD CaSe",
    "",
    " ",
    "a,b",
    "100-continue",
    "chunked",
    "Root=1-5759e988-bd862e3fe1be46a994272793",
    "bedrock-rs/0.1 os/linux",
    "=;:\"'",
];

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "eu-central-1",
    "ap-southeast-2",
    "cn-north-1",
    "local",
];
const SERVICES: &[&str] = &["bedrock", "bedrock-mantle", "sts", "execute-api", "testservice"];

fn random_time(rng: &mut Rng) -> SystemTime {
    UNIX_EPOCH + Duration::new(rng.next() % 4_000_000_000, (rng.next() % 1_000_000_000) as u32)
}

fn random_credentials(rng: &mut Rng) -> Credentials {
    let akid = format!("AKID{:016X}", rng.next());
    let secret = format!("{:x}/{:X}+{}", rng.next(), rng.next(), rng.below(1000));
    let token = if rng.chance(50) {
        Some(format!(
            "IQoJ{:x}/+=={}",
            rng.next(),
            rng.pick(&["", "%2B", "abc", "x y"])
        ))
    } else {
        None
    };
    Credentials::new(akid, secret, token, None, "Differential")
}

fn oracle_identity(creds: &Credentials) -> Identity {
    let sdk = aws_credential_types::Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token().map(str::to_owned),
        None,
        "oracle",
    );
    Identity::new(sdk, None)
}

fn random_uri(rng: &mut Rng) -> String {
    let mut uri = rng.pick(AUTHORITIES).to_owned();
    let segments = rng.below(6);
    if segments == 0 && rng.chance(50) {
        // No path at all.
    } else {
        for _ in 0..segments.max(1) {
            uri.push('/');
            uri.push_str(rng.pick(SEGMENTS));
        }
        if rng.chance(15) {
            uri.push('/');
        }
        if rng.chance(10) {
            uri.push_str("//double");
        }
    }
    if rng.chance(60) {
        uri.push('?');
        let pairs = rng.below(5);
        for i in 0..pairs {
            if i > 0 {
                uri.push('&');
                if rng.chance(10) {
                    uri.push('&');
                }
            }
            uri.push_str(rng.pick(QUERY_KEYS));
            if rng.chance(85) {
                uri.push('=');
                uri.push_str(rng.pick(QUERY_VALUES));
            }
        }
    }
    uri
}

/// One generated request, for the mismatch report (read through `Debug`).
#[derive(Debug)]
#[allow(dead_code)]
struct Case {
    index: usize,
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body_len: usize,
    region: String,
    service: String,
    time: SystemTime,
    session_token: bool,
}

fn random_headers(rng: &mut Rng) -> Vec<(String, String)> {
    let count = rng.below(7);
    let mut headers = Vec::new();
    for _ in 0..count {
        let name = rng.pick(HEADER_NAMES).to_owned();
        let value = rng.pick(HEADER_VALUES).to_owned();
        headers.push((name.clone(), value));
        if rng.chance(20) {
            // A repeated name, with another value.
            headers.push((name, rng.pick(HEADER_VALUES).to_owned()));
        }
    }
    if rng.chance(10) {
        headers.push((
            "host".to_owned(),
            rng.pick(&["example.com", "  spaced.host  ", "h:1"]).to_owned(),
        ));
    }
    headers
}

/// Header signing through the public building block, with any signing name.
#[test]
fn header_signing_matches_aws_sigv4() {
    let mut rng = Rng(0x5157_0004_0001);
    let mut compared = 0;
    let mut unparsable = 0;
    let mut both_failed = 0;
    for index in 0..3000 {
        let method = rng.pick(METHODS);
        let uri_text = random_uri(&mut rng);
        let Ok(uri) = uri_text.parse::<http::Uri>() else {
            unparsable += 1;
            continue;
        };
        let headers = random_headers(&mut rng);
        let body = rng.bytes(48);
        let creds = random_credentials(&mut rng);
        let region = rng.pick(REGIONS);
        let service = rng.pick(SERVICES);
        let time = random_time(&mut rng);
        let content_sha256 = rng.chance(25);
        let case = Case {
            index,
            method: method.to_owned(),
            uri: uri_text.clone(),
            headers: headers.clone(),
            body_len: body.len(),
            region: region.to_owned(),
            service: service.to_owned(),
            time,
            session_token: creds.session_token().is_some(),
        };

        let scope = Scope { region, service, time };
        let ours = sigv4::sign_request(
            method,
            &uri,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            &sigv4::sha256_hex(&body),
            &creds,
            &scope,
            SignatureLocation::Headers {
                content_sha256_header: content_sha256,
            },
        );

        let identity = oracle_identity(&creds);
        let mut settings = SigningSettings::default();
        if content_sha256 {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service)
            .time(time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let signable = SignableRequest::new(
            method,
            uri_text.as_str(),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(&body),
        )
        .unwrap();
        let oracle = sign(signable, &params);

        match (ours, oracle) {
            (Ok(ours), Ok(oracle)) => {
                let (instructions, signature) = oracle.into_parts();
                let (oracle_headers, oracle_params) = instructions.into_parts();
                assert!(oracle_params.is_empty());
                let oracle_headers: Vec<(&str, &str)> = oracle_headers.iter().map(|h| (h.name(), h.value())).collect();
                let our_headers: Vec<(&str, &str)> = ours.headers.iter().map(|h| (h.0, h.1.as_str())).collect();
                assert_eq!(ours.signature, signature, "signature differs for {case:#?}");
                assert_eq!(our_headers, oracle_headers, "headers differ for {case:#?}");
                compared += 1;
            }
            (Err(_), Err(_)) => both_failed += 1,
            (ours, oracle) => panic!(
                "one side failed for {case:#?}: ours ok = {}, aws-sigv4 ok = {}",
                ours.is_ok(),
                oracle.is_ok()
            ),
        }
    }
    eprintln!("compared {compared}, unparsable URIs {unparsable}, refused by both {both_failed}");
    assert!(compared > 2000, "only {compared} requests were comparable");
}

/// Header signing through `Signer`, the path every client call takes (its
/// headers come from an `http::HeaderMap`).
#[test]
fn signer_matches_aws_sigv4() {
    let mut rng = Rng(0x5157_0004_0002);
    let mut compared = 0;
    let mut unparsable = 0;
    let mut both_failed = 0;
    for index in 0..1500 {
        let method = rng.pick(METHODS);
        let uri_text = random_uri(&mut rng);
        let Ok(uri) = uri_text.parse::<http::Uri>() else {
            unparsable += 1;
            continue;
        };
        let mut request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(bytes::Bytes::from(rng.bytes(64)))
            .unwrap();
        let headers = random_headers(&mut rng);
        for (name, value) in &headers {
            request.headers_mut().append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        let creds = random_credentials(&mut rng);
        let name = [SigningName::Bedrock, SigningName::BedrockMantle, SigningName::Sts][rng.below(3)];
        let region = rng.pick(REGIONS);
        let time = random_time(&mut rng);
        let streaming = rng.chance(20);
        let case = Case {
            index,
            method: method.to_owned(),
            uri: uri_text.clone(),
            headers: headers.clone(),
            body_len: request.body().len(),
            region: region.to_owned(),
            service: name.as_str().to_owned(),
            time,
            session_token: creds.session_token().is_some(),
        };

        // The oracle sees the request as the signer does: its header map.
        let pairs: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let identity = oracle_identity(&creds);
        let mut settings = SigningSettings::default();
        if streaming {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(name.as_str())
            .time(time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let body = if streaming {
            SignableBody::Precomputed(bedrock_auth::event_stream_sign::STREAMING_EVENTS_PAYLOAD.to_owned())
        } else {
            SignableBody::Bytes(request.body())
        };
        let signable = SignableRequest::new(
            method,
            uri_text.as_str(),
            pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            body,
        )
        .unwrap();
        let oracle = sign(signable, &params);

        let signer = Signer::new(name, region);
        let mut signed = request.clone();
        let ours = if streaming {
            signer.sign_event_stream_request(&mut signed, &creds, time).map(Some)
        } else {
            signer.sign(&mut signed, &creds, time).map(|()| None)
        };
        match (ours, oracle) {
            (Ok(seed), Ok(oracle)) => {
                let (instructions, signature) = oracle.into_parts();
                let mut expected = request.clone();
                instructions.apply_to_request_http1x(&mut expected);
                assert_eq!(signed.headers(), expected.headers(), "headers differ for {case:#?}");
                if let Some(seed) = seed {
                    assert_eq!(seed.expose_secret(), signature, "seed differs for {case:#?}");
                }
                compared += 1;
            }
            (Err(_), Err(_)) => both_failed += 1,
            (ours, oracle) => panic!(
                "one side failed for {case:#?}: ours ok = {}, aws-sigv4 ok = {}",
                ours.is_ok(),
                oracle.is_ok()
            ),
        }
    }
    eprintln!("compared {compared}, unparsable URIs {unparsable}, refused by both {both_failed}");
    assert!(compared > 1000, "only {compared} requests were comparable");
}

/// Query-string signing (a presigned URL, the form of short-term API keys).
#[test]
fn presigning_matches_aws_sigv4() {
    let mut rng = Rng(0x5157_0004_0003);
    let mut compared = 0;
    let mut unparsable = 0;
    let mut both_failed = 0;
    for index in 0..2500 {
        let method = rng.pick(METHODS);
        let uri_text = random_uri(&mut rng);
        let Ok(uri) = uri_text.parse::<http::Uri>() else {
            unparsable += 1;
            continue;
        };
        let headers = random_headers(&mut rng);
        let body = rng.bytes(16);
        let creds = random_credentials(&mut rng);
        let region = rng.pick(REGIONS);
        let service = rng.pick(SERVICES);
        let time = random_time(&mut rng);
        let expires_in = 1 + rng.next() % 43_200;
        let case = Case {
            index,
            method: method.to_owned(),
            uri: uri_text.clone(),
            headers: headers.clone(),
            body_len: body.len(),
            region: region.to_owned(),
            service: service.to_owned(),
            time,
            session_token: creds.session_token().is_some(),
        };

        let scope = Scope { region, service, time };
        let ours = sigv4::sign_request(
            method,
            &uri,
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            &sigv4::sha256_hex(&body),
            &creds,
            &scope,
            SignatureLocation::QueryParams { expires_in },
        );

        let identity = oracle_identity(&creds);
        let mut settings = SigningSettings::default();
        settings.signature_location = OracleLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires_in));
        let params = SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service)
            .time(time)
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let signable = SignableRequest::new(
            method,
            uri_text.as_str(),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(&body),
        )
        .unwrap();
        let oracle = sign(signable, &params);

        match (ours, oracle) {
            (Ok(ours), Ok(oracle)) => {
                let (instructions, signature) = oracle.into_parts();
                let (oracle_headers, oracle_params) = instructions.into_parts();
                assert!(oracle_headers.is_empty());
                let oracle_params: Vec<(&str, &str)> = oracle_params.iter().map(|(k, v)| (*k, v.as_ref())).collect();
                let our_params: Vec<(&str, &str)> = ours.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                assert!(ours.headers.is_empty());
                assert_eq!(ours.signature, signature, "signature differs for {case:#?}");
                assert_eq!(our_params, oracle_params, "parameters differ for {case:#?}");
                compared += 1;
            }
            (Err(_), Err(_)) => both_failed += 1,
            (ours, oracle) => panic!(
                "one side failed for {case:#?}: ours ok = {}, aws-sigv4 ok = {}",
                ours.is_ok(),
                oracle.is_ok()
            ),
        }
    }
    eprintln!("compared {compared}, unparsable URIs {unparsable}, refused by both {both_failed}");
    assert!(compared > 1500, "only {compared} requests were comparable");
}

#[derive(Debug)]
struct FixedClock(SystemTime);
impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

fn random_message(rng: &mut Rng) -> Message {
    let mut message = Message::new(rng.bytes(96));
    for i in 0..rng.below(5) {
        let value = match rng.below(6) {
            0 => HeaderValue::String(
                rng.pick(&["event", "chunk", "application/json", "", "é ✓"])
                    .to_owned()
                    .into(),
            ),
            1 => HeaderValue::Int32(rng.next() as i32),
            2 => HeaderValue::Bool(rng.chance(50)),
            3 => HeaderValue::ByteArray(rng.bytes(20).into()),
            4 => HeaderValue::Int64(rng.next() as i64),
            _ => HeaderValue::Timestamp(random_time(rng).into()),
        };
        message = message.add_header(Header::new(format!(":h{i}-{}", rng.pick(&["a", "type", "x"])), value));
    }
    message
}

/// Chains of event-stream message signatures, ending with the empty message.
#[test]
fn event_stream_chains_match_aws_sigv4() {
    let mut rng = Rng(0x5157_0004_0004);
    for chain in 0..300 {
        let creds = random_credentials(&mut rng);
        let name = [SigningName::Bedrock, SigningName::BedrockMantle, SigningName::Sts][rng.below(3)];
        let region = rng.pick(REGIONS);
        let seed = sigv4::sha256_hex(&rng.bytes(8));
        let mut ours = EventStreamSigner::new(
            Signature::new(seed.clone()),
            creds.clone(),
            name,
            region,
            std::sync::Arc::new(FixedClock(UNIX_EPOCH)),
        );
        let identity = oracle_identity(&creds);
        let mut previous = seed;
        let length = rng.below(6);
        for link in 0..=length {
            let time = random_time(&mut rng);
            let params: SigningParams<'_, ()> = SigningParams::builder()
                .identity(&identity)
                .region(region)
                .name(name.as_str())
                .time(time)
                .settings(())
                .build()
                .unwrap();
            let (expected, signature, got) = if link < length {
                let message = random_message(&mut rng);
                let (expected, signature) = aws_sigv4::event_stream::sign_message(&message, &previous, &params)
                    .unwrap()
                    .into_parts();
                (expected, signature, ours.sign_message_at(&message, time).unwrap())
            } else {
                let (expected, signature) = aws_sigv4::event_stream::sign_empty_message(&previous, &params)
                    .unwrap()
                    .into_parts();
                (expected, signature, ours.finish_at(time).unwrap())
            };
            assert_eq!(
                got,
                expected,
                "chain {chain}, link {link} of {length}: region {region}, name {}, time {time:?}",
                name.as_str()
            );
            assert_eq!(ours.previous_signature().expose_secret(), signature);
            previous = signature;
        }
        assert!(ours.is_finished());
    }
}
