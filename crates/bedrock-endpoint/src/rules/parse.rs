//! Reads the JSON form of a rule set into the tree that [`super::build`] builds.

use serde_json::Value as Json;

use super::build::{assign, b, call, cond, endpoint, endpoint_rule, error_rule, int, param, r, s, tree_rule};
use super::{Condition, EndpointTemplate, Expr, Parameter, ParameterType, ParseError, Rule, RuleSet};
use crate::value::Value;

const DOC: &str = "rule set";

fn err(path: &str, message: impl Into<String>) -> ParseError {
    ParseError::new(DOC, path, message)
}

fn object<'a>(json: &'a Json, path: &str) -> Result<&'a serde_json::Map<String, Json>, ParseError> {
    json.as_object().ok_or_else(|| err(path, "expected an object"))
}

fn string<'a>(json: &'a Json, path: &str) -> Result<&'a str, ParseError> {
    json.as_str().ok_or_else(|| err(path, "expected a string"))
}

fn array<'a>(json: &'a Json, path: &str) -> Result<&'a [Json], ParseError> {
    json.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| err(path, "expected an array"))
}

/// The whole document.
pub(super) fn rule_set(json: &Json) -> Result<RuleSet, ParseError> {
    let root = object(json, "")?;
    let version = match root.get("version") {
        Some(v) => string(v, "version")?,
        None => "1.0",
    };
    let mut parameters = Vec::new();
    if let Some(params) = root.get("parameters") {
        for (name, spec) in object(params, "parameters")? {
            parameters.push(parameter(name, spec, &format!("parameters.{name}"))?);
        }
    }
    let rules_json = root.get("rules").ok_or_else(|| err("", "missing `rules`"))?;
    let rules = rules(rules_json, "rules")?;
    Ok(RuleSet::from_parts(version, parameters, rules))
}

fn parameter(name: &str, json: &Json, path: &str) -> Result<Parameter, ParseError> {
    let spec = object(json, path)?;
    let kind_name = spec
        .get("type")
        .ok_or_else(|| err(path, "missing `type`"))
        .and_then(|t| string(t, &format!("{path}.type")))?;
    let kind = match kind_name.to_ascii_lowercase().as_str() {
        "string" => ParameterType::String,
        "boolean" => ParameterType::Boolean,
        "stringarray" => ParameterType::StringArray,
        other => {
            return Err(err(
                &format!("{path}.type"),
                format!("unknown parameter type `{other}`"),
            ))
        }
    };
    let mut p = param(name, kind);
    if let Some(built_in) = spec.get("builtIn") {
        p = p.bind(string(built_in, &format!("{path}.builtIn"))?);
    }
    if let Some(required) = spec.get("required") {
        match required.as_bool() {
            Some(true) => p = p.required(),
            Some(false) => {}
            None => return Err(err(&format!("{path}.required"), "expected a boolean")),
        }
    }
    if let Some(default) = spec.get("default") {
        let value = literal_value(default, &format!("{path}.default"))?;
        if !kind.accepts(&value) {
            return Err(err(
                &format!("{path}.default"),
                format!("default is a {}, but the parameter is a {kind}", value.type_name()),
            ));
        }
        p = p.default_to(value);
    }
    if let Some(doc) = spec.get("documentation") {
        p = p.document(string(doc, &format!("{path}.documentation"))?);
    }
    if let Some(deprecated) = spec.get("deprecated") {
        let note = match deprecated.get("message").and_then(Json::as_str) {
            Some(message) => message.to_owned(),
            None => "deprecated".to_owned(),
        };
        p = p.deprecate(&note);
    }
    Ok(p)
}

/// A plain JSON value (a parameter default).
fn literal_value(json: &Json, path: &str) -> Result<Value, ParseError> {
    Ok(match json {
        Json::String(text) => Value::String(text.clone()),
        Json::Bool(v) => Value::Bool(*v),
        Json::Number(n) => Value::Integer(n.as_i64().ok_or_else(|| err(path, "numbers must be integers"))?),
        Json::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| literal_value(item, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(fields) => Value::Record(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), literal_value(v, &format!("{path}.{k}"))?)))
                .collect::<Result<_, ParseError>>()?,
        ),
        Json::Null => return Err(err(path, "null is not a value")),
    })
}

fn rules(json: &Json, path: &str) -> Result<Vec<Rule>, ParseError> {
    array(json, path)?
        .iter()
        .enumerate()
        .map(|(i, rule_json)| rule(rule_json, &format!("{path}[{i}]")))
        .collect()
}

fn rule(json: &Json, path: &str) -> Result<Rule, ParseError> {
    let spec = object(json, path)?;
    let conditions = match spec.get("conditions") {
        Some(c) => array(c, &format!("{path}.conditions"))?
            .iter()
            .enumerate()
            .map(|(i, c)| condition(c, &format!("{path}.conditions[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let kind = spec
        .get("type")
        .ok_or_else(|| err(path, "missing `type`"))
        .and_then(|t| string(t, &format!("{path}.type")))?;
    let mut rule = match kind {
        "endpoint" => {
            let e = spec.get("endpoint").ok_or_else(|| err(path, "missing `endpoint`"))?;
            endpoint_rule(conditions, endpoint_template(e, &format!("{path}.endpoint"))?)
        }
        "error" => {
            let e = spec.get("error").ok_or_else(|| err(path, "missing `error`"))?;
            error_rule(conditions, expr(e, &format!("{path}.error"))?)
        }
        "tree" => {
            let sub = spec.get("rules").ok_or_else(|| err(path, "missing `rules`"))?;
            tree_rule(conditions, rules(sub, &format!("{path}.rules"))?)
        }
        other => return Err(err(&format!("{path}.type"), format!("unknown rule type `{other}`"))),
    };
    if let Some(doc) = spec.get("documentation") {
        rule = rule.document(string(doc, &format!("{path}.documentation"))?);
    }
    Ok(rule)
}

fn condition(json: &Json, path: &str) -> Result<Condition, ParseError> {
    let spec = object(json, path)?;
    if !spec.contains_key("fn") {
        return Err(err(path, "a condition must be a function call (`fn`)"));
    }
    let call = expr(json, path)?;
    match spec.get("assign") {
        Some(name) => Ok(assign(string(name, &format!("{path}.assign"))?, call)),
        None => Ok(cond(call)),
    }
}

/// An expression: a template string, a boolean, an integer, an array, `{"ref"}` or `{"fn"}`.
fn expr(json: &Json, path: &str) -> Result<Expr, ParseError> {
    match json {
        Json::Object(fields) if fields.contains_key("ref") => Ok(r(string(&fields["ref"], &format!("{path}.ref"))?)),
        Json::Object(fields) if fields.contains_key("fn") => {
            let name = string(&fields["fn"], &format!("{path}.fn"))?;
            let args = match fields.get("argv") {
                Some(argv) => array(argv, &format!("{path}.argv"))?
                    .iter()
                    .enumerate()
                    .map(|(i, a)| expr(a, &format!("{path}.argv[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?,
                None => return Err(err(path, "missing `argv`")),
            };
            call(name, args)
                .map(|c| Expr::Call(Box::new(c)))
                .map_err(|message| err(path, message))
        }
        Json::Array(items) => Ok(Expr::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| expr(item, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        )),
        other => literal(other, path),
    }
}

/// A literal: strings are templates; objects are records of literals (no `ref`/`fn`).
fn literal(json: &Json, path: &str) -> Result<Expr, ParseError> {
    match json {
        Json::String(text) => match s(text) {
            Expr::Invalid(message) => Err(err(path, message)),
            e => Ok(e),
        },
        Json::Bool(v) => Ok(b(*v)),
        Json::Number(n) => Ok(int(n.as_i64().ok_or_else(|| err(path, "numbers must be integers"))?)),
        Json::Array(items) => Ok(Expr::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| literal(item, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        )),
        Json::Object(fields) => {
            let mut out = Vec::with_capacity(fields.len());
            for (k, v) in fields {
                out.push((k.clone(), literal(v, &format!("{path}.{k}"))?));
            }
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Expr::Record(out))
        }
        Json::Null => Err(err(path, "null is not a value")),
    }
}

fn endpoint_template(json: &Json, path: &str) -> Result<EndpointTemplate, ParseError> {
    let spec = object(json, path)?;
    let url = spec.get("url").ok_or_else(|| err(path, "missing `url`"))?;
    let mut e = endpoint(expr(url, &format!("{path}.url"))?);
    if let Some(props) = spec.get("properties") {
        for (name, value) in object(props, &format!("{path}.properties"))? {
            e = e.property(name, literal(value, &format!("{path}.properties.{name}"))?);
        }
    }
    if let Some(headers) = spec.get("headers") {
        for (name, values) in object(headers, &format!("{path}.headers"))? {
            let hpath = format!("{path}.headers.{name}");
            let values = array(values, &hpath)?
                .iter()
                .enumerate()
                .map(|(i, v)| expr(v, &format!("{hpath}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            e = e.header(name, values);
        }
    }
    Ok(e)
}
