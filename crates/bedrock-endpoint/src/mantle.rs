//! The project's own endpoint rule set for `bedrock-mantle`, written in the rules language.
//!
//! No AWS model ships one, so this is authored here (by hand, not generated)
//! with the same constructors the generated rule sets use, and evaluated by the
//! same engine. What it encodes:
//!
//! - The service is `https://bedrock-mantle.{Region}.api.aws`, in the `aws`
//!   partition only. `api.aws` is the partition's dual-stack suffix: the host
//!   already answers over IPv4 and IPv6, so `UseDualStack` changes nothing.
//! - There is no FIPS host. `UseFIPS` is an error that says so, instead of a
//!   made-up `bedrock-mantle-fips` name.
//! - Regions of other partitions (China, GovCloud, ISO, EUSC) are an error
//!   naming the partition.
//! - The region must be one DNS label, so nothing it contains can change the host.
//! - An endpoint override is used as given (FIPS cannot be promised for it);
//!   it must parse as an `http(s)` URL without a query.
//! - Every endpoint carries the SigV4 auth scheme with signing name
//!   `bedrock-mantle`, and the route prefixes of the APIs mantle serves:
//!   `v1` (`/v1`, the OpenAI-compatible APIs for most models), `openai`
//!   (`/openai/v1`, models served on the OpenAI route) and `anthropic`
//!   (`/anthropic/v1`, the Anthropic Messages API).

use crate::rules::build::*;
use crate::rules::{Expr, RuleSet};

/// SigV4 signing name of bedrock-mantle.
pub(crate) const SIGNING_NAME: &str = "bedrock-mantle";

/// Service id; it names `AWS_ENDPOINT_URL_BEDROCK_MANTLE` and the `bedrock_mantle` config key.
pub(crate) const SERVICE_ID: &str = "Bedrock Mantle";

/// The route prefixes every mantle endpoint carries, by name.
pub(crate) const ROUTE_PREFIXES: [(&str, &str); 3] =
    [("v1", "/v1"), ("openai", "/openai/v1"), ("anthropic", "/anthropic/v1")];

fn route_prefixes() -> Expr {
    record(ROUTE_PREFIXES.iter().map(|(name, prefix)| (*name, s(prefix))).collect())
}

fn sigv4(with_region: bool) -> Expr {
    let mut fields = vec![("name", s("sigv4")), ("signingName", s(SIGNING_NAME))];
    if with_region {
        fields.push(("signingRegion", s("{Region}")));
    }
    array(vec![record(fields)])
}

/// Builds the rule set.
pub(crate) fn rule_set() -> RuleSet {
    let fips_enabled = || cond(f("booleanEquals", vec![r("UseFIPS"), b(true)]));
    RuleSet::from_parts(
        "1.0",
        vec![
            param("Region", ParameterType::String)
                .bind("AWS::Region")
                .document("The AWS region whose bedrock-mantle endpoint receives the request."),
            param("UseDualStack", ParameterType::Boolean)
                .bind("AWS::UseDualStack")
                .required()
                .default_to(false)
                .document("Accepted for symmetry with the other services: the mantle host is dual-stack already."),
            param("UseFIPS", ParameterType::Boolean)
                .bind("AWS::UseFIPS")
                .required()
                .default_to(false)
                .document("bedrock-mantle has no FIPS endpoint; true is an error."),
            param("Endpoint", ParameterType::String)
                .bind("SDK::Endpoint")
                .document("A URL to use instead of the regional endpoint (an emulator, a proxy, a VPC endpoint)."),
        ],
        vec![
            tree_rule(
                vec![cond(f("isSet", vec![r("Endpoint")]))],
                vec![
                    error_rule(
                        vec![fips_enabled()],
                        s("Invalid Configuration: FIPS and custom endpoint are not supported \
                           (bedrock-mantle has no FIPS endpoint; turn UseFIPS off to use {Endpoint})"),
                    ),
                    endpoint_rule(
                        vec![assign("Url", f("parseURL", vec![r("Endpoint")]))],
                        endpoint(r("Endpoint"))
                            .property("authSchemes", sigv4(false))
                            .property("routePrefixes", route_prefixes()),
                    )
                    .document("The override as given; the caller signs for its own region."),
                    error_rule(
                        vec![],
                        s(
                            "Invalid Configuration: the custom endpoint `{Endpoint}` is not an http(s) URL \
                           without a query",
                        ),
                    ),
                ],
            )
            .document("An endpoint override wins over the regional endpoint."),
            tree_rule(
                vec![cond(f("isSet", vec![r("Region")]))],
                vec![
                    error_rule(
                        vec![cond(f("not", vec![f("isValidHostLabel", vec![r("Region"), b(false)])]))],
                        s(
                            "Invalid Configuration: `{Region}` is not a region name (one DNS label such as \
                           us-east-1)",
                        ),
                    ),
                    tree_rule(
                        vec![assign("PartitionResult", f("aws.partition", vec![r("Region")]))],
                        vec![
                            error_rule(
                                vec![cond(f(
                                    "not",
                                    vec![f(
                                        "stringEquals",
                                        vec![f("getAttr", vec![r("PartitionResult"), s("name")]), s("aws")],
                                    )],
                                ))],
                                s("bedrock-mantle is not available in region {Region} (partition \
                                   {PartitionResult#name}); it is served only in the aws partition"),
                            ),
                            error_rule(
                                vec![fips_enabled()],
                                s(
                                    "FIPS is enabled but bedrock-mantle has no FIPS endpoint; turn off UseFIPS \
                                   (AWS_USE_FIPS_ENDPOINT, use_fips_endpoint) for this client",
                                ),
                            ),
                            endpoint_rule(
                                vec![],
                                endpoint(s(
                                    "https://bedrock-mantle.{Region}.{PartitionResult#dualStackDnsSuffix}",
                                ))
                                .property("authSchemes", sigv4(true))
                                .property("routePrefixes", route_prefixes()),
                            )
                            .document("The regional host, dual-stack whatever UseDualStack says."),
                        ],
                    ),
                    error_rule(
                        vec![],
                        s("Invalid Configuration: no partition is known for region {Region}"),
                    ),
                ],
            ),
            error_rule(vec![], s("Invalid Configuration: Missing Region")),
        ],
    )
}
