//! Turns an endpoint rule set (`endpoint-rule-set-1.json`) and `partitions.json`
//! into Rust source for `crates/bedrock-endpoint/src/generated/`.
//!
//! The output is data, not logic: a function that builds the rule set's tree
//! with the short constructors of `bedrock_endpoint`'s `rules::build` module
//! (`f("booleanEquals", vec![r("UseFIPS"), b(true)])` mirrors
//! `{"fn": "booleanEquals", "argv": [{"ref": "UseFIPS"}, true]}`), so the
//! generated file reads like the JSON it came from and the runtime crate needs
//! no spec file. Functions the engine does not implement are rejected here, at
//! generation time.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::CodegenError;

/// The functions the engine implements.
pub const FUNCTIONS: &[&str] = &[
    "isSet",
    "not",
    "booleanEquals",
    "stringEquals",
    "getAttr",
    "substring",
    "uriEncode",
    "parseURL",
    "isValidHostLabel",
    "aws.partition",
    "aws.parseArn",
    "aws.isVirtualHostableS3Bucket",
    "split",
    "coalesce",
    "ite",
];

/// What a generated rule-set file says about its service besides the rules.
#[derive(Clone, Debug)]
pub struct RuleSetMeta<'a> {
    /// The first line, after `// `.
    pub header: &'a str,
    /// The service's endpoint prefix, for the module documentation (`bedrock-runtime`).
    pub service: &'a str,
    /// `signingName` from the service model.
    pub signing_name: &'a str,
    /// `serviceId` from the service model.
    pub service_id: &'a str,
}

fn unsupported(path: &str, what: impl std::fmt::Display) -> CodegenError {
    CodegenError::Unsupported(format!("endpoint rule set at `{path}`: {what}"))
}

/// A Rust string literal for `text`.
fn lit(text: &str) -> String {
    format!("{text:?}")
}

/// The source of one rule-set module.
pub fn rule_set_file(rules: &Json, meta: &RuleSetMeta<'_>) -> Result<String, CodegenError> {
    let root = rules.as_object().ok_or_else(|| unsupported("", "not an object"))?;
    let version = root.get("version").and_then(Json::as_str).unwrap_or("1.0");
    let mut out = String::new();
    let _ = writeln!(out, "// {}", meta.header);
    out.push('\n');
    let _ = writeln!(out, "//! The `{}` endpoint rule set, as data for the rules engine.", meta.service);
    out.push('\n');
    out.push_str("use crate::rules::build::*;\nuse crate::rules::RuleSet;\n\n");
    out.push_str("/// SigV4 signing name (`signingName` in the service model).\n");
    let _ = writeln!(out, "pub(crate) const SIGNING_NAME: &str = {};\n", lit(meta.signing_name));
    out.push_str("/// Service id (`serviceId` in the service model); it names the service's endpoint settings.\n");
    let _ = writeln!(out, "pub(crate) const SERVICE_ID: &str = {};\n", lit(meta.service_id));
    out.push_str("/// Builds the rule set.\n");
    out.push_str("pub(crate) fn rule_set() -> RuleSet {\n");
    let _ = writeln!(out, "RuleSet::from_parts(\n{},\nvec![", lit(version));
    if let Some(params) = root.get("parameters") {
        let params = params
            .as_object()
            .ok_or_else(|| unsupported("parameters", "not an object"))?;
        let mut names: Vec<&String> = params.keys().collect();
        names.sort();
        for name in names {
            out.push_str(&parameter(name, &params[name.as_str()])?);
            out.push_str(",\n");
        }
    }
    out.push_str("],\n");
    let rules = root.get("rules").ok_or_else(|| unsupported("", "no `rules`"))?;
    out.push_str(&rule_list(rules, "rules")?);
    out.push_str(",\n)\n}\n");
    Ok(out)
}

fn parameter(name: &str, spec: &Json, ) -> Result<String, CodegenError> {
    let path = format!("parameters.{name}");
    let kind = match spec.get("type").and_then(Json::as_str).map(str::to_ascii_lowercase).as_deref() {
        Some("string") => "String",
        Some("boolean") => "Boolean",
        Some("stringarray") => "StringArray",
        other => return Err(unsupported(&path, format!("parameter type {other:?}"))),
    };
    let mut s = format!("param({}, ParameterType::{kind})", lit(name));
    if let Some(built_in) = spec.get("builtIn").and_then(Json::as_str) {
        let _ = write!(s, "\n.bind({})", lit(built_in));
    }
    if spec.get("required").and_then(Json::as_bool) == Some(true) {
        s.push_str("\n.required()");
    }
    if let Some(default) = spec.get("default") {
        let value = match default {
            Json::Bool(v) => v.to_string(),
            Json::String(text) => lit(text),
            Json::Array(items) => {
                let mut v = String::from("vec![");
                for item in items {
                    let text = item
                        .as_str()
                        .ok_or_else(|| unsupported(&path, "a stringArray default with a non-string"))?;
                    let _ = write!(v, "String::from({}), ", lit(text));
                }
                v.push(']');
                v
            }
            other => return Err(unsupported(&path, format!("default {other}"))),
        };
        let _ = write!(s, "\n.default_to({value})");
    }
    if let Some(doc) = spec.get("documentation").and_then(Json::as_str) {
        let _ = write!(s, "\n.document({})", lit(doc));
    }
    if let Some(deprecated) = spec.get("deprecated") {
        let note = deprecated.get("message").and_then(Json::as_str).unwrap_or("deprecated");
        let _ = write!(s, "\n.deprecate({})", lit(note));
    }
    Ok(s)
}

fn rule_list(json: &Json, path: &str) -> Result<String, CodegenError> {
    let rules = json.as_array().ok_or_else(|| unsupported(path, "expected an array of rules"))?;
    let mut s = String::from("vec![\n");
    for (i, r) in rules.iter().enumerate() {
        s.push_str(&rule(r, &format!("{path}[{i}]"))?);
        s.push_str(",\n");
    }
    s.push(']');
    Ok(s)
}

fn rule(json: &Json, path: &str) -> Result<String, CodegenError> {
    let conditions = match json.get("conditions") {
        Some(c) => {
            let list = c.as_array().ok_or_else(|| unsupported(path, "conditions is not an array"))?;
            let mut s = String::from("vec![");
            for (i, c) in list.iter().enumerate() {
                s.push_str(&condition(c, &format!("{path}.conditions[{i}]"))?);
                s.push_str(", ");
            }
            s.push(']');
            s
        }
        None => "vec![]".to_owned(),
    };
    let mut s = match json.get("type").and_then(Json::as_str) {
        Some("endpoint") => {
            let e = json.get("endpoint").ok_or_else(|| unsupported(path, "no `endpoint`"))?;
            format!("endpoint_rule(\n{conditions},\n{})", endpoint(e, &format!("{path}.endpoint"))?)
        }
        Some("error") => {
            let e = json.get("error").ok_or_else(|| unsupported(path, "no `error`"))?;
            format!("error_rule(\n{conditions},\n{})", expr(e, &format!("{path}.error"))?)
        }
        Some("tree") => {
            let sub = json.get("rules").ok_or_else(|| unsupported(path, "no `rules`"))?;
            format!("tree_rule(\n{conditions},\n{})", rule_list(sub, &format!("{path}.rules"))?)
        }
        other => return Err(unsupported(path, format!("rule type {other:?}"))),
    };
    if let Some(doc) = json.get("documentation").and_then(Json::as_str) {
        let _ = write!(s, "\n.document({})", lit(doc));
    }
    Ok(s)
}

fn condition(json: &Json, path: &str) -> Result<String, CodegenError> {
    if json.get("fn").is_none() {
        return Err(unsupported(path, "a condition that is not a function call"));
    }
    let call = expr(json, path)?;
    Ok(match json.get("assign").and_then(Json::as_str) {
        Some(name) => format!("assign({}, {call})", lit(name)),
        None => format!("cond({call})"),
    })
}

fn expr(json: &Json, path: &str) -> Result<String, CodegenError> {
    match json {
        Json::Object(fields) if fields.contains_key("ref") => {
            let name = fields["ref"].as_str().ok_or_else(|| unsupported(path, "`ref` is not a string"))?;
            Ok(format!("r({})", lit(name)))
        }
        Json::Object(fields) if fields.contains_key("fn") => {
            let name = fields["fn"].as_str().ok_or_else(|| unsupported(path, "`fn` is not a string"))?;
            if !FUNCTIONS.contains(&name) {
                return Err(unsupported(path, format!("function `{name}` is not implemented by the engine")));
            }
            let argv = fields
                .get("argv")
                .and_then(Json::as_array)
                .ok_or_else(|| unsupported(path, "no `argv` array"))?;
            let mut s = format!("f({}, vec![", lit(name));
            for (i, a) in argv.iter().enumerate() {
                s.push_str(&expr(a, &format!("{path}.argv[{i}]"))?);
                s.push_str(", ");
            }
            s.push_str("])");
            Ok(s)
        }
        Json::Array(items) => {
            let mut s = String::from("array(vec![");
            for (i, item) in items.iter().enumerate() {
                s.push_str(&expr(item, &format!("{path}[{i}]"))?);
                s.push_str(", ");
            }
            s.push_str("])");
            Ok(s)
        }
        other => literal(other, path),
    }
}

/// A literal: strings are templates; objects are records (no `ref`/`fn` inside properties).
fn literal(json: &Json, path: &str) -> Result<String, CodegenError> {
    Ok(match json {
        Json::String(text) => format!("s({})", lit(text)),
        Json::Bool(v) => format!("b({v})"),
        Json::Number(n) => match n.as_i64() {
            Some(i) => format!("int({i})"),
            None => return Err(unsupported(path, format!("the non-integer number {n}"))),
        },
        Json::Array(items) => {
            let mut s = String::from("array(vec![");
            for (i, item) in items.iter().enumerate() {
                s.push_str(&literal(item, &format!("{path}[{i}]"))?);
                s.push_str(", ");
            }
            s.push_str("])");
            s
        }
        Json::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            let mut s = String::from("record(vec![");
            for k in keys {
                let _ = write!(s, "({}, {}), ", lit(k), literal(&fields[k.as_str()], &format!("{path}.{k}"))?);
            }
            s.push_str("])");
            s
        }
        Json::Null => return Err(unsupported(path, "null")),
    })
}

fn endpoint(json: &Json, path: &str) -> Result<String, CodegenError> {
    let url = json.get("url").ok_or_else(|| unsupported(path, "no `url`"))?;
    let mut s = format!("endpoint({})", expr(url, &format!("{path}.url"))?);
    if let Some(props) = json.get("properties") {
        let props = props.as_object().ok_or_else(|| unsupported(path, "properties is not an object"))?;
        let mut keys: Vec<&String> = props.keys().collect();
        keys.sort();
        for k in keys {
            let value = literal(&props[k.as_str()], &format!("{path}.properties.{k}"))?;
            let _ = write!(s, "\n.property({}, {value})", lit(k));
        }
    }
    if let Some(headers) = json.get("headers") {
        let headers = headers.as_object().ok_or_else(|| unsupported(path, "headers is not an object"))?;
        let mut keys: Vec<&String> = headers.keys().collect();
        keys.sort();
        for k in keys {
            let hpath = format!("{path}.headers.{k}");
            let values = headers[k.as_str()]
                .as_array()
                .ok_or_else(|| unsupported(&hpath, "not an array"))?;
            let mut v = String::from("vec![");
            for (i, value) in values.iter().enumerate() {
                v.push_str(&expr(value, &format!("{hpath}[{i}]"))?);
                v.push_str(", ");
            }
            v.push(']');
            let _ = write!(s, "\n.header({}, {v})", lit(k));
        }
    }
    Ok(s)
}

/// The source of the partitions module from `partitions.json`.
pub fn partitions_file(json: &Json, header: &str) -> Result<String, CodegenError> {
    let list = json
        .get("partitions")
        .and_then(Json::as_array)
        .ok_or_else(|| CodegenError::Unsupported("partitions.json has no `partitions` array".into()))?;
    let version = json.get("version").and_then(Json::as_str).unwrap_or("?");
    let mut out = String::new();
    let _ = writeln!(out, "// {header}");
    out.push('\n');
    let _ = writeln!(
        out,
        "//! The partitions of botocore's `partitions.json` (version {version}): DNS suffixes, FIPS and"
    );
    out.push_str("//! dual-stack support, listed regions and the pattern for regions not listed yet.\n\n");
    out.push_str("use crate::partition::{partition, region, PartitionOutputs, Partitions};\n\n");
    out.push_str("/// Builds the partition table.\n");
    out.push_str("pub(crate) fn partitions() -> Partitions {\nPartitions::from_parts(vec![\n");
    for (i, p) in list.iter().enumerate() {
        let path = format!("partitions[{i}]");
        let text = |key: &str| {
            p.get(key)
                .and_then(Json::as_str)
                .ok_or_else(|| CodegenError::Unsupported(format!("partitions.json `{path}` has no string `{key}`")))
        };
        let id = text("id")?;
        let regex = text("regionRegex")?;
        let outputs = p
            .get("outputs")
            .ok_or_else(|| CodegenError::Unsupported(format!("partitions.json `{path}` has no `outputs`")))?;
        let _ = writeln!(out, "partition(\n{},\n{},\n{},\nvec![", lit(id), raw(regex), outputs_literal(outputs, true)?);
        if let Some(regions) = p.get("regions").and_then(Json::as_object) {
            let mut names: Vec<&String> = regions.keys().collect();
            names.sort();
            for name in names {
                let entry = &regions[name.as_str()];
                let has_overrides = entry
                    .as_object()
                    .is_some_and(|m| m.keys().any(|k| k != "description"));
                if has_overrides {
                    let _ = write!(
                        out,
                        "(String::from({}), {}),",
                        lit(name),
                        outputs_literal(entry, false)?
                    );
                } else {
                    let _ = write!(out, "region({}),", lit(name));
                }
                match entry.get("description").and_then(Json::as_str) {
                    Some(d) => {
                        let d: String = d.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
                        let _ = writeln!(out, " // {}", d.trim());
                    }
                    None => out.push('\n'),
                }
            }
        }
        out.push_str("],\n),\n");
    }
    out.push_str("])\n}\n");
    Ok(out)
}

/// A raw string literal when possible, for readable regular expressions.
fn raw(text: &str) -> String {
    if text.contains('"') || text.contains('#') {
        lit(text)
    } else {
        format!("r\"{text}\"")
    }
}

fn outputs_literal(json: &Json, complete: bool) -> Result<String, CodegenError> {
    let mut s = String::from("PartitionOutputs {\n");
    for (key, field) in [
        ("name", "name"),
        ("dnsSuffix", "dns_suffix"),
        ("dualStackDnsSuffix", "dual_stack_dns_suffix"),
        ("implicitGlobalRegion", "implicit_global_region"),
    ] {
        match json.get(key) {
            Some(Json::String(v)) => {
                let _ = writeln!(s, "{field}: Some({}.into()),", lit(v));
            }
            Some(other) => {
                return Err(CodegenError::Unsupported(format!("partitions.json `{key}` is {other}")));
            }
            None if complete => {
                let _ = writeln!(s, "{field}: None,");
            }
            None => {}
        }
    }
    for (key, field) in [("supportsFIPS", "supports_fips"), ("supportsDualStack", "supports_dual_stack")] {
        match json.get(key) {
            Some(Json::Bool(v)) => {
                let _ = writeln!(s, "{field}: Some({v}),");
            }
            Some(other) => {
                return Err(CodegenError::Unsupported(format!("partitions.json `{key}` is {other}")));
            }
            None if complete => {
                let _ = writeln!(s, "{field}: None,");
            }
            None => {}
        }
    }
    if !complete {
        s.push_str("..PartitionOutputs::default()\n");
    }
    s.push('}');
    Ok(s)
}
