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

/// `open` + items + `close`: on one line when short, else one item per line.
fn join(open: &str, items: &[String], close: &str) -> String {
    let inline: usize = items.iter().map(|i| i.len() + 2).sum();
    if items.is_empty() {
        format!("{open}{close}")
    } else if inline <= 90 && !items.iter().any(|i| i.contains('\n')) {
        format!("{open}{}{close}", items.join(", "))
    } else {
        let mut s = format!("{open}\n");
        for item in items {
            s.push_str(item);
            s.push_str(",\n");
        }
        s.push_str(close);
        s
    }
}

/// Indents `code` by bracket depth (four spaces a level), so the file reads well even
/// where rustfmt leaves an expression alone (it does when a string literal is too long).
fn indent(code: &str) -> String {
    let mut out = String::with_capacity(code.len() * 2);
    let mut depth: usize = 0;
    for line in code.lines() {
        let line = line.trim();
        let closing = line.chars().take_while(|c| matches!(c, ')' | ']' | '}')).count();
        if !line.is_empty() {
            // A method-chain continuation (`.bind(..)`) sits one level deeper.
            let chained = usize::from(line.starts_with('.'));
            out.push_str(&"    ".repeat(depth.saturating_sub(closing) + chained));
            out.push_str(line);
        }
        out.push('\n');
        let mut in_string = false;
        let mut escaped = false;
        let mut prev = ' ';
        for c in line.chars() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else {
                match c {
                    '/' if prev == '/' => break,
                    '"' => in_string = true,
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            prev = c;
        }
    }
    out
}

/// The source of one rule-set module.
pub fn rule_set_file(rules: &Json, meta: &RuleSetMeta<'_>) -> Result<String, CodegenError> {
    let root = rules.as_object().ok_or_else(|| unsupported("", "not an object"))?;
    let version = root.get("version").and_then(Json::as_str).unwrap_or("1.0");
    let mut params = Vec::new();
    if let Some(declared) = root.get("parameters") {
        let declared = declared
            .as_object()
            .ok_or_else(|| unsupported("parameters", "not an object"))?;
        let mut names: Vec<&String> = declared.keys().collect();
        names.sort();
        for name in names {
            params.push(parameter(name, &declared[name.as_str()])?);
        }
    }
    let rules = root.get("rules").ok_or_else(|| unsupported("", "no `rules`"))?;
    let body = join(
        "RuleSet::from_parts(",
        &[lit(version), join("vec![", &params, "]"), rule_list(rules, "rules")?],
        ")",
    );
    let mut out = String::new();
    let _ = writeln!(out, "// {}", meta.header);
    out.push('\n');
    let _ = writeln!(
        out,
        "//! The `{}` endpoint rule set, as data for the rules engine.",
        meta.service
    );
    out.push('\n');
    out.push_str("use crate::rules::build::*;\nuse crate::rules::RuleSet;\n\n");
    out.push_str("/// SigV4 signing name (`signingName` in the service model).\n");
    let _ = writeln!(
        out,
        "pub(crate) const SIGNING_NAME: &str = {};\n",
        lit(meta.signing_name)
    );
    out.push_str("/// Service id (`serviceId` in the service model); it names the service's endpoint settings.\n");
    let _ = writeln!(out, "pub(crate) const SERVICE_ID: &str = {};\n", lit(meta.service_id));
    out.push_str("/// Builds the rule set.\n");
    out.push_str("pub(crate) fn rule_set() -> RuleSet {\n");
    out.push_str(&body);
    out.push_str("\n}\n");
    Ok(indent(&out))
}

fn parameter(name: &str, spec: &Json) -> Result<String, CodegenError> {
    let path = format!("parameters.{name}");
    let kind = match spec
        .get("type")
        .and_then(Json::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
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
                let mut strings = Vec::with_capacity(items.len());
                for item in items {
                    let text = item
                        .as_str()
                        .ok_or_else(|| unsupported(&path, "a stringArray default with a non-string"))?;
                    strings.push(format!("String::from({})", lit(text)));
                }
                join("vec![", &strings, "]")
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
    let rules = json
        .as_array()
        .ok_or_else(|| unsupported(path, "expected an array of rules"))?;
    let mut items = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        items.push(rule(r, &format!("{path}[{i}]"))?);
    }
    // Rules always go one per line.
    let mut s = String::from("vec![\n");
    for item in items {
        s.push_str(&item);
        s.push_str(",\n");
    }
    s.push(']');
    Ok(s)
}

fn rule(json: &Json, path: &str) -> Result<String, CodegenError> {
    let mut conditions = Vec::new();
    if let Some(c) = json.get("conditions") {
        let list = c
            .as_array()
            .ok_or_else(|| unsupported(path, "conditions is not an array"))?;
        for (i, c) in list.iter().enumerate() {
            conditions.push(condition(c, &format!("{path}.conditions[{i}]"))?);
        }
    }
    let conditions = join("vec![", &conditions, "]");
    let mut s = match json.get("type").and_then(Json::as_str) {
        Some("endpoint") => {
            let e = json.get("endpoint").ok_or_else(|| unsupported(path, "no `endpoint`"))?;
            let e = endpoint(e, &format!("{path}.endpoint"))?;
            join("endpoint_rule(", &[conditions, e], ")")
        }
        Some("error") => {
            let e = json.get("error").ok_or_else(|| unsupported(path, "no `error`"))?;
            let e = expr(e, &format!("{path}.error"))?;
            join("error_rule(", &[conditions, e], ")")
        }
        Some("tree") => {
            let sub = json.get("rules").ok_or_else(|| unsupported(path, "no `rules`"))?;
            let sub = rule_list(sub, &format!("{path}.rules"))?;
            join("tree_rule(", &[conditions, sub], ")")
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
            let name = fields["ref"]
                .as_str()
                .ok_or_else(|| unsupported(path, "`ref` is not a string"))?;
            Ok(format!("r({})", lit(name)))
        }
        Json::Object(fields) if fields.contains_key("fn") => {
            let name = fields["fn"]
                .as_str()
                .ok_or_else(|| unsupported(path, "`fn` is not a string"))?;
            if !FUNCTIONS.contains(&name) {
                return Err(unsupported(
                    path,
                    format!("function `{name}` is not implemented by the engine"),
                ));
            }
            let argv = fields
                .get("argv")
                .and_then(Json::as_array)
                .ok_or_else(|| unsupported(path, "no `argv` array"))?;
            let mut args = Vec::with_capacity(argv.len());
            for (i, a) in argv.iter().enumerate() {
                args.push(expr(a, &format!("{path}.argv[{i}]"))?);
            }
            Ok(format!("f({}, {})", lit(name), join("vec![", &args, "]")))
        }
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(expr(item, &format!("{path}[{i}]"))?);
            }
            Ok(format!("array({})", join("vec![", &out, "]")))
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
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(literal(item, &format!("{path}[{i}]"))?);
            }
            format!("array({})", join("vec![", &out, "]"))
        }
        Json::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                out.push(format!(
                    "({}, {})",
                    lit(k),
                    literal(&fields[k.as_str()], &format!("{path}.{k}"))?
                ));
            }
            format!("record({})", join("vec![", &out, "]"))
        }
        Json::Null => return Err(unsupported(path, "null")),
    })
}

fn endpoint(json: &Json, path: &str) -> Result<String, CodegenError> {
    let url = json.get("url").ok_or_else(|| unsupported(path, "no `url`"))?;
    let mut s = format!("endpoint({})", expr(url, &format!("{path}.url"))?);
    if let Some(props) = json.get("properties") {
        let props = props
            .as_object()
            .ok_or_else(|| unsupported(path, "properties is not an object"))?;
        let mut keys: Vec<&String> = props.keys().collect();
        keys.sort();
        for k in keys {
            let value = literal(&props[k.as_str()], &format!("{path}.properties.{k}"))?;
            let _ = write!(s, "\n.property({}, {value})", lit(k));
        }
    }
    if let Some(headers) = json.get("headers") {
        let headers = headers
            .as_object()
            .ok_or_else(|| unsupported(path, "headers is not an object"))?;
        let mut keys: Vec<&String> = headers.keys().collect();
        keys.sort();
        for k in keys {
            let hpath = format!("{path}.headers.{k}");
            let values = headers[k.as_str()]
                .as_array()
                .ok_or_else(|| unsupported(&hpath, "not an array"))?;
            let mut out = Vec::with_capacity(values.len());
            for (i, value) in values.iter().enumerate() {
                out.push(expr(value, &format!("{hpath}[{i}]"))?);
            }
            let _ = write!(s, "\n.header({}, {})", lit(k), join("vec![", &out, "]"));
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
        let _ = writeln!(
            out,
            "partition(\n{},\n{},\n{},\nvec![",
            lit(id),
            raw(regex),
            outputs_literal(outputs, true)?
        );
        if let Some(regions) = p.get("regions").and_then(Json::as_object) {
            let mut names: Vec<&String> = regions.keys().collect();
            names.sort();
            for name in names {
                let entry = &regions[name.as_str()];
                let has_overrides = entry.as_object().is_some_and(|m| m.keys().any(|k| k != "description"));
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
    Ok(indent(&out))
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
    for (key, field) in [
        ("supportsFIPS", "supports_fips"),
        ("supportsDualStack", "supports_dual_stack"),
    ] {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> RuleSetMeta<'static> {
        RuleSetMeta {
            header: "Generated for a test. Do not edit by hand.",
            service: "svc",
            signing_name: "svc",
            service_id: "Svc",
        }
    }

    #[test]
    fn rule_sets_become_constructor_calls() {
        let json = serde_json::json!({
            "version": "1.0",
            "parameters": {"Region": {"type": "String", "builtIn": "AWS::Region", "required": true, "default": "x"}},
            "rules": [
                {"conditions": [{"fn": "aws.partition", "argv": [{"ref": "Region"}], "assign": "P"}],
                 "endpoint": {"url": "https://svc.{Region}.{P#dnsSuffix}",
                              "properties": {"authSchemes": [{"name": "sigv4", "disableDoubleEncoding": true}]},
                              "headers": {"x-h": ["v"]}},
                 "type": "endpoint", "documentation": "main"},
                {"conditions": [], "error": "no \"region\"", "type": "error"}
            ]
        });
        let out = rule_set_file(&json, &meta()).unwrap();
        assert!(out.starts_with("// Generated for a test. Do not edit by hand.\n"));
        for expected in [
            r#"param("Region", ParameterType::String)"#,
            r#".bind("AWS::Region")"#,
            ".required()",
            r#".default_to("x")"#,
            r#"assign("P", f("aws.partition", vec![r("Region")]))"#,
            r#"endpoint(s("https://svc.{Region}.{P#dnsSuffix}"))"#,
            r#".property("authSchemes", array(vec![record(vec![("disableDoubleEncoding", b(true)), ("name", s("sigv4"))])]))"#,
            r#".header("x-h", vec![s("v")])"#,
            r#".document("main")"#,
            r#"error_rule(vec![], s("no \"region\""))"#,
            r#"pub(crate) const SIGNING_NAME: &str = "svc";"#,
        ] {
            assert!(out.contains(expected), "missing {expected} in\n{out}");
        }
    }

    #[test]
    fn unknown_functions_are_refused() {
        let json = serde_json::json!({
            "parameters": {},
            "rules": [{"conditions": [{"fn": "aws.somethingNew", "argv": []}], "error": "x", "type": "error"}]
        });
        let err = rule_set_file(&json, &meta()).unwrap_err().to_string();
        assert!(
            err.contains("aws.somethingNew") && err.contains("rules[0].conditions[0]"),
            "{err}"
        );
    }

    #[test]
    fn partitions_become_data() {
        let json = serde_json::json!({"version": "1.1", "partitions": [{
            "id": "aws", "regionRegex": "^us\\-\\w+\\-\\d+$",
            "outputs": {"name": "aws", "dnsSuffix": "amazonaws.com", "dualStackDnsSuffix": "api.aws",
                        "supportsFIPS": true, "supportsDualStack": true},
            "regions": {"us-east-1": {"description": "N. Virginia"}, "us-x-1": {"supportsFIPS": false}}
        }]});
        let out = partitions_file(&json, "header").unwrap();
        assert!(out.contains(r#"r"^us\-\w+\-\d+$""#), "{out}");
        assert!(out.contains(r#"region("us-east-1"), // N. Virginia"#), "{out}");
        assert!(out.contains("supports_fips: Some(false),"), "{out}");
        assert!(out.contains("..PartitionOutputs::default()"), "{out}");
        assert!(out.contains("implicit_global_region: None,"), "{out}");
    }

    #[test]
    fn indentation_follows_brackets_outside_strings() {
        let out = indent("a(\nb(\"(\",\n)\n)\n.c()\n");
        assert_eq!(out, "a(\n    b(\"(\",\n    )\n)\n    .c()\n");
    }
}
