//! Engine tests on small rule sets written for the purpose, and checks of the built-in ones.

use std::path::Path;

use super::*;
use crate::partition::Partitions;
use crate::Service;

fn rule_set(json: &str) -> RuleSet {
    match RuleSet::from_json(json) {
        Ok(rs) => rs,
        Err(e) => panic!("{e}"),
    }
}

fn resolve(rs: &RuleSet, params: Params) -> Result<Endpoint, ResolveError> {
    rs.resolve(&params, Partitions::builtin())
}

/// A rule set whose single endpoint URL is `template`, with string parameters `A` and `B`.
fn echo(conditions: &str, url: &str) -> RuleSet {
    rule_set(&format!(
        r#"{{"version": "1.0",
            "parameters": {{"A": {{"type": "string"}}, "B": {{"type": "string"}}, "F": {{"type": "boolean"}}}},
            "rules": [
              {{"conditions": {conditions}, "endpoint": {{"url": {url}}}, "type": "endpoint"}},
              {{"conditions": [], "error": "no match", "type": "error"}}
            ]}}"#
    ))
}

fn url_of(rs: &RuleSet, params: Params) -> String {
    match resolve(rs, params) {
        Ok(e) => e.url().to_owned(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn built_in_rule_sets_are_valid() {
    for service in Service::ALL {
        if let Err(e) = service.rule_set().validate() {
            panic!("{service}: {e}");
        }
    }
    Partitions::builtin().check().unwrap();
}

/// When the pinned specs are on this machine (after `cargo xtask specs`), the generated
/// rule sets and partitions must equal what the JSON reader makes of the same files.
#[test]
fn generated_data_matches_the_specs() {
    let extracted = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/cache/extracted");
    let pairs = [
        ("bedrock/2023-04-20", Service::Bedrock),
        ("bedrock-runtime/2023-09-30", Service::BedrockRuntime),
    ];
    for (dir, service) in pairs {
        let path = extracted.join(dir).join("endpoint-rule-set-1.json");
        let Ok(json) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} is absent (run `cargo xtask specs`)", path.display());
            return;
        };
        assert_eq!(&rule_set(&json), service.rule_set(), "{service}");
    }
    if let Ok(json) = std::fs::read_to_string(extracted.join("partitions.json")) {
        assert_eq!(&Partitions::from_json(&json).unwrap(), Partitions::builtin());
    }
}

#[test]
fn templates_substitute_and_escape() {
    let rs = echo("[]", r#""https://{A}.{{literal}}.example""#);
    assert_eq!(url_of(&rs, Params::new().with("A", "x")), "https://x.{literal}.example");
    // A template naming an unset value is a rule-set error, not an empty string.
    assert!(matches!(
        resolve(&rs, Params::new()),
        Err(ResolveError::InvalidRuleSet(_))
    ));
}

#[test]
fn conditions_fail_on_false_and_unset() {
    let rs = echo(r#"[{"fn": "isSet", "argv": [{"ref": "A"}]}]"#, r#""https://a""#);
    assert_eq!(url_of(&rs, Params::new().with("A", "x")), "https://a");
    assert_eq!(url_of(&rs, Params::new()), "error: no match");
    let rs = echo(
        r#"[{"fn": "booleanEquals", "argv": [{"ref": "F"}, true]}]"#,
        r#""https://a""#,
    );
    assert_eq!(url_of(&rs, Params::new().with("F", true)), "https://a");
    assert_eq!(url_of(&rs, Params::new().with("F", false)), "error: no match");
    // An unset argument makes the function's result unset: the condition fails.
    assert_eq!(url_of(&rs, Params::new()), "error: no match");
    let rs = echo(
        r#"[{"fn": "not", "argv": [{"fn": "isSet", "argv": [{"ref": "A"}]}]}]"#,
        r#""https://a""#,
    );
    assert_eq!(url_of(&rs, Params::new()), "https://a");
    let rs = echo(
        r#"[{"fn": "stringEquals", "argv": [{"ref": "A"}, "x"]}]"#,
        r#""https://a""#,
    );
    assert_eq!(url_of(&rs, Params::new().with("A", "x")), "https://a");
    assert_eq!(url_of(&rs, Params::new().with("A", "y")), "error: no match");
}

#[test]
fn assignments_are_scoped_to_their_rule() {
    let rs = rule_set(
        r#"{"parameters": {"A": {"type": "string", "required": true}},
            "rules": [
              {"conditions": [{"fn": "substring", "argv": [{"ref": "A"}, 0, 3, false], "assign": "Head"},
                              {"fn": "stringEquals", "argv": [{"ref": "Head"}, "abc"]}],
               "endpoint": {"url": "https://{Head}.first"}, "type": "endpoint"},
              {"conditions": [{"fn": "substring", "argv": [{"ref": "A"}, 0, 2, true], "assign": "Head"}],
               "endpoint": {"url": "https://{Head}.second"}, "type": "endpoint"},
              {"conditions": [], "error": "too short: {A}", "type": "error"}
            ]}"#,
    );
    assert_eq!(url_of(&rs, Params::new().with("A", "abcdef")), "https://abc.first");
    assert_eq!(url_of(&rs, Params::new().with("A", "xyz")), "https://yz.second");
    assert_eq!(url_of(&rs, Params::new().with("A", "x")), "error: too short: x");
    // A name used outside the rule that assigns it is rejected when the rule set is read.
    let err = RuleSet::from_json(
        r#"{"parameters": {}, "rules": [
            {"conditions": [{"fn": "aws.partition", "argv": ["us-east-1"], "assign": "P"}],
             "error": "x", "type": "error"},
            {"conditions": [], "endpoint": {"url": "https://{P#name}"}, "type": "endpoint"}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.path(), "rules[1].endpoint.url");
}

#[test]
fn get_attr_walks_records_and_arrays() {
    let rs = rule_set(
        r#"{"parameters": {"Arn": {"type": "string", "required": true}},
            "rules": [
              {"conditions": [{"fn": "aws.parseArn", "argv": [{"ref": "Arn"}], "assign": "A"},
                              {"fn": "getAttr", "argv": [{"ref": "A"}, "resourceId[1]"], "assign": "Name"}],
               "endpoint": {"url": "https://{Name}.{A#region}.{A#resourceId[0]}",
                            "properties": {"authSchemes": [{"name": "sigv4", "signingRegion": "{A#region}",
                                                            "disableDoubleEncoding": true}],
                                           "count": 3},
                            "headers": {"x-account": ["{A#accountId}", {"fn": "uriEncode", "argv": ["a b"]}]}},
               "type": "endpoint"},
              {"conditions": [], "error": "not an ARN with two resource parts", "type": "error"}
            ]}"#,
    );
    let e = resolve(
        &rs,
        Params::new().with("Arn", "arn:aws:s3:us-west-2:123:accesspoint/ap"),
    )
    .unwrap();
    assert_eq!(e.url(), "https://ap.us-west-2.accesspoint");
    assert_eq!(e.headers()["x-account"], vec!["123".to_owned(), "a%20b".to_owned()]);
    let scheme = &e.property("authSchemes").unwrap().as_array().unwrap()[0];
    assert_eq!(scheme.get("signingRegion"), Some(&Value::from("us-west-2")));
    assert_eq!(scheme.get("disableDoubleEncoding"), Some(&Value::Bool(true)));
    assert_eq!(e.property("count"), Some(&Value::Integer(3)));
    let err = resolve(&rs, Params::new().with("Arn", "arn:aws:s3:us-west-2:123:bucket")).unwrap_err();
    assert_eq!(err, ResolveError::Rule("not an ARN with two resource parts".into()));
}

#[test]
fn parse_url_and_host_labels() {
    let rs = rule_set(
        r#"{"parameters": {"Endpoint": {"type": "string", "required": true}, "Bucket": {"type": "string", "required": true}},
            "rules": [
              {"conditions": [{"fn": "parseURL", "argv": [{"ref": "Endpoint"}], "assign": "U"},
                              {"fn": "booleanEquals", "argv": [{"fn": "getAttr", "argv": [{"ref": "U"}, "isIp"]}, false]},
                              {"fn": "aws.isVirtualHostableS3Bucket", "argv": [{"ref": "Bucket"}, false]}],
               "endpoint": {"url": "{U#scheme}://{Bucket}.{U#authority}{U#normalizedPath}"}, "type": "endpoint"},
              {"conditions": [{"fn": "parseURL", "argv": [{"ref": "Endpoint"}], "assign": "U"}],
               "endpoint": {"url": "{U#scheme}://{U#authority}{U#normalizedPath}{Bucket}"}, "type": "endpoint"},
              {"conditions": [], "error": "bad endpoint {Endpoint}", "type": "error"}
            ]}"#,
    );
    let url =
        |endpoint: &str, bucket: &str| url_of(&rs, Params::new().with("Endpoint", endpoint).with("Bucket", bucket));
    assert_eq!(
        url("https://example.com:8443/p", "my-bucket"),
        "https://my-bucket.example.com:8443/p/"
    );
    assert_eq!(url("http://10.0.0.1/p", "my-bucket"), "http://10.0.0.1/p/my-bucket");
    assert_eq!(url("https://example.com", "My_Bucket"), "https://example.com/My_Bucket");
    assert_eq!(
        url("https://example.com?x=1", "b"),
        "error: bad endpoint https://example.com?x=1"
    );
}

#[test]
fn split_coalesce_and_ite() {
    let rs = rule_set(
        r#"{"parameters": {"A": {"type": "string"}, "F": {"type": "boolean", "required": true, "default": false}},
            "rules": [
              {"conditions": [{"fn": "coalesce", "argv": [{"ref": "A"}, "a--b--c"], "assign": "V"},
                              {"fn": "split", "argv": [{"ref": "V"}, "--", 0], "assign": "Parts"},
                              {"fn": "ite", "argv": [{"ref": "F"}, "yes", "no"], "assign": "Flag"}],
               "endpoint": {"url": "https://{Parts#[2]}.{Flag}"}, "type": "endpoint"}
            ]}"#,
    );
    assert_eq!(url_of(&rs, Params::new()), "https://c.no");
    assert_eq!(
        url_of(&rs, Params::new().with("A", "x--y--z").with("F", true)),
        "https://z.yes"
    );
    // Fewer parts: getAttr finds nothing, so the template has no value.
    assert!(matches!(
        resolve(&rs, Params::new().with("A", "x")),
        Err(ResolveError::InvalidRuleSet(_))
    ));
}

#[test]
fn a_tree_whose_rules_all_fail_is_an_error() {
    let rs = rule_set(
        r#"{"parameters": {"F": {"type": "boolean"}},
            "rules": [
              {"conditions": [], "type": "tree", "rules": [
                {"conditions": [{"fn": "isSet", "argv": [{"ref": "F"}]}], "endpoint": {"url": "https://f"}, "type": "endpoint"}
              ]},
              {"conditions": [], "endpoint": {"url": "https://never"}, "type": "endpoint"}
            ]}"#,
    );
    assert_eq!(url_of(&rs, Params::new().with("F", true)), "https://f");
    assert!(matches!(
        resolve(&rs, Params::new()),
        Err(ResolveError::InvalidRuleSet(_))
    ));
}

#[test]
fn no_matching_rule_is_reported() {
    let rs = echo(r#"[{"fn": "isSet", "argv": [{"ref": "A"}]}]"#, r#""https://a""#);
    let rs2 = RuleSet::from_parts(rs.version(), rs.parameters().to_vec(), rs.rules()[..1].to_vec());
    assert_eq!(resolve(&rs2, Params::new()), Err(ResolveError::NoRuleMatched));
}

#[test]
fn parameters_are_typed_defaulted_and_required() {
    let rs = rule_set(
        r#"{"parameters": {
              "R": {"type": "String", "required": true},
              "D": {"type": "Boolean", "required": true, "default": true, "builtIn": "AWS::UseFIPS", "documentation": "doc"},
              "L": {"type": "stringArray", "default": ["a", "b"], "deprecated": {"message": "old"}}},
            "rules": [{"conditions": [{"fn": "booleanEquals", "argv": [{"ref": "D"}, true]},
                                      {"fn": "getAttr", "argv": [{"ref": "L"}, "[1]"], "assign": "Second"}],
                       "endpoint": {"url": "https://{R}.{Second}"}, "type": "endpoint"},
                      {"conditions": [], "error": "D is false", "type": "error"}]}"#,
    );
    assert_eq!(url_of(&rs, Params::new().with("R", "r")), "https://r.b");
    assert_eq!(
        url_of(&rs, Params::new().with("R", "r").with("D", false)),
        "error: D is false"
    );
    assert_eq!(
        resolve(&rs, Params::new()),
        Err(ResolveError::MissingParameter("R".into()))
    );
    assert!(matches!(
        resolve(&rs, Params::new().with("R", true)),
        Err(ResolveError::ParameterType { .. })
    ));
    // Names the rule set does not declare are ignored.
    assert_eq!(
        url_of(&rs, Params::new().with("R", "r").with("Other", 1i64)),
        "https://r.b"
    );
    let d = rs.parameter_for_built_in("AWS::UseFIPS").unwrap();
    assert_eq!(
        (d.name(), d.kind(), d.is_required()),
        ("D", ParameterType::Boolean, true)
    );
    assert_eq!(
        (d.default_value(), d.documentation()),
        (Some(&Value::Bool(true)), Some("doc"))
    );
    assert_eq!(rs.parameters()[1].deprecation(), Some("old"));
}

#[test]
fn malformed_rule_sets_are_rejected_with_a_path() {
    let cases = [
        ("not json", ""),
        (r#"{"parameters": {}}"#, ""),
        (r#"{"parameters": {}, "rules": []}"#, "rules"),
        (
            r#"{"parameters": {"A": {"type": "float"}}, "rules": []}"#,
            "parameters.A.type",
        ),
        (
            r#"{"parameters": {"A": {"type": "string", "default": true}}, "rules": []}"#,
            "parameters.A.default",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [{"fn": "nope", "argv": []}], "error": "x", "type": "error"}]}"#,
            "rules[0].conditions[0]",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [{"fn": "isSet", "argv": []}], "error": "x", "type": "error"}]}"#,
            "rules[0].conditions[0]",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [], "error": "{Nope}", "type": "error"}]}"#,
            "rules[0].error",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [], "error": "{unclosed", "type": "error"}]}"#,
            "rules[0].error",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [], "type": "tree", "rules": []}]}"#,
            "rules[0]",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [], "type": "other"}]}"#,
            "rules[0].type",
        ),
        (
            r#"{"parameters": {"A": {"type": "string"}}, "rules": [{"conditions": [{"fn": "isSet", "argv": [{"ref": "A"}], "assign": "A"}], "error": "x", "type": "error"}]}"#,
            "rules[0].conditions[0]",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [{"fn": "getAttr", "argv": [{"ref": "A"}, {"ref": "B"}]}], "error": "x", "type": "error"}]}"#,
            "rules[0].conditions[0]",
        ),
    ];
    for (json, path) in cases {
        match RuleSet::from_json(json) {
            Ok(_) => panic!("accepted {json}"),
            Err(e) => assert_eq!(e.path(), path, "{json}: {e}"),
        }
    }
}

#[test]
fn partitions_match_listed_regions_then_patterns_then_aws() {
    let p = Partitions::builtin();
    let cases = [
        ("us-east-1", "aws"),
        ("aws-global", "aws"),
        ("us-west-9", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-southwest-7", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-central-3", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("eu-isoe-north-2", "aws-iso-e"),
        ("eusc-de-east-1", "aws-eusc"),
        ("eusc-de-west-2", "aws-eusc"),
        ("mars-1", "aws"),
    ];
    for (region, partition) in cases {
        assert_eq!(p.partition_of(region), Some(partition), "{region}");
    }
    let cn = p.partition_value("cn-north-1").unwrap();
    assert_eq!(cn.get("dnsSuffix"), Some(&Value::from("amazonaws.com.cn")));
    assert_eq!(
        cn.get("dualStackDnsSuffix"),
        Some(&Value::from("api.amazonwebservices.com.cn"))
    );
    assert_eq!(cn.get("supportsFIPS"), Some(&Value::Bool(true)));
    assert_eq!(cn.get("implicitGlobalRegion"), Some(&Value::from("cn-northwest-1")));
    assert!(p.is_aws_host("bedrock-runtime.us-east-1.amazonaws.com"));
    assert!(p.is_aws_host("vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com"));
    assert!(p.is_aws_host("bedrock-mantle.us-east-1.api.aws"));
    assert!(!p.is_aws_host("notamazonaws.com"));
    assert!(!p.is_aws_host("localhost"));
}

#[test]
fn partitions_json_with_region_overrides() {
    let json = r#"{"partitions": [
        {"id": "aws", "regionRegex": "^(us|eu)\\-\\w+\\-\\d+$",
         "outputs": {"name": "aws", "dnsSuffix": "amazonaws.com", "dualStackDnsSuffix": "api.aws",
                     "supportsFIPS": true, "supportsDualStack": true},
         "regions": {"us-east-1": {"description": "N. Virginia"},
                     "eu-special-1": {"supportsFIPS": false, "dnsSuffix": "special.example"}}},
        {"id": "other", "regionRegex": "^other\\-\\d+$",
         "outputs": {"name": "other", "dnsSuffix": "other.example", "dualStackDnsSuffix": "ds.other.example",
                     "supportsFIPS": false, "supportsDualStack": false}}]}"#;
    let p = Partitions::from_json(json).unwrap();
    let special = p.partition_value("eu-special-1").unwrap();
    assert_eq!(special.get("supportsFIPS"), Some(&Value::Bool(false)));
    assert_eq!(special.get("dnsSuffix"), Some(&Value::from("special.example")));
    assert_eq!(special.get("dualStackDnsSuffix"), Some(&Value::from("api.aws")));
    assert_eq!(p.partition_of("other-7"), Some("other"));
    assert_eq!(p.partition_of("zz"), Some("aws"));
    for bad in [
        "{}",
        r#"{"partitions": [{"id": "x", "regionRegex": "(", "outputs": {"name": "x", "dnsSuffix": "a", "dualStackDnsSuffix": "b", "supportsFIPS": true, "supportsDualStack": true}}]}"#,
        r#"{"partitions": [{"id": "x", "regionRegex": "x", "outputs": {"name": "x"}}]}"#,
    ] {
        assert!(Partitions::from_json(bad).is_err(), "{bad}");
    }
}
