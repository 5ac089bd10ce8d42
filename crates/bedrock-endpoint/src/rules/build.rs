//! Short constructors for rule-set trees, used by the generated rule sets, the
//! mantle rule set and the JSON reader alike, so all three build the same tree.
//!
//! They never fail: something malformed becomes [`Expr::Invalid`], which
//! [`RuleSet::validate`](super::RuleSet) reports and evaluation refuses.

use super::template::{Path, Template};
pub(crate) use super::ParameterType;
use super::{Call, Condition, EndpointTemplate, Expr, Func, Parameter, Rule, RuleKind};

/// `{"ref": name}`.
pub(crate) fn r(name: &str) -> Expr {
    Expr::Ref(name.to_owned())
}

/// A string literal, which may be a template such as `"https://{Region}.amazonaws.com"`.
pub(crate) fn s(text: &str) -> Expr {
    match Template::parse(text) {
        Ok(template) => Expr::Str(template),
        Err(message) => Expr::Invalid(message),
    }
}

/// A boolean literal.
pub(crate) fn b(value: bool) -> Expr {
    Expr::Bool(value)
}

/// An integer literal.
#[cfg_attr(not(feature = "json"), allow(dead_code))]
pub(crate) fn int(value: i64) -> Expr {
    Expr::Int(value)
}

/// An array literal.
pub(crate) fn array(items: Vec<Expr>) -> Expr {
    Expr::Array(items)
}

/// A record literal.
pub(crate) fn record(fields: Vec<(&str, Expr)>) -> Expr {
    let mut fields: Vec<(String, Expr)> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Expr::Record(fields)
}

/// A call of the standard-library function `name` (`"booleanEquals"`, `"aws.partition"`, ...).
pub(crate) fn f(name: &str, args: Vec<Expr>) -> Expr {
    match call(name, args) {
        Ok(call) => Expr::Call(Box::new(call)),
        Err(message) => Expr::Invalid(message),
    }
}

/// The function `name` with `args`, checked for arity; `getAttr`'s path must be a literal string.
pub(crate) fn call(name: &str, mut args: Vec<Expr>) -> Result<Call, String> {
    let (func, arity) = match name {
        "isSet" => (Func::IsSet, Arity::Exactly(1)),
        "not" => (Func::Not, Arity::Exactly(1)),
        "booleanEquals" => (Func::BooleanEquals, Arity::Exactly(2)),
        "stringEquals" => (Func::StringEquals, Arity::Exactly(2)),
        "getAttr" => {
            if args.len() != 2 {
                return Err(format!("getAttr takes 2 arguments, {} given", args.len()));
            }
            let path = match args.pop() {
                Some(Expr::Str(template)) => match template.as_literal() {
                    Some(text) => Path::parse(text)?,
                    None => return Err("the path of getAttr must be a literal string".to_owned()),
                },
                _ => return Err("the path of getAttr must be a literal string".to_owned()),
            };
            return Ok(Call {
                func: Func::GetAttr(path),
                args,
            });
        }
        "substring" => (Func::Substring, Arity::Exactly(4)),
        "uriEncode" => (Func::UriEncode, Arity::Exactly(1)),
        "parseURL" => (Func::ParseUrl, Arity::Exactly(1)),
        "isValidHostLabel" => (Func::IsValidHostLabel, Arity::Exactly(2)),
        "aws.partition" => (Func::AwsPartition, Arity::Exactly(1)),
        "aws.parseArn" => (Func::AwsParseArn, Arity::Exactly(1)),
        "aws.isVirtualHostableS3Bucket" => (Func::AwsIsVirtualHostableS3Bucket, Arity::Exactly(2)),
        "split" => (Func::Split, Arity::Exactly(3)),
        "coalesce" => (Func::Coalesce, Arity::AtLeast(2)),
        "ite" => (Func::Ite, Arity::Exactly(3)),
        other => return Err(format!("unknown function `{other}`")),
    };
    let ok = match arity {
        Arity::Exactly(n) => args.len() == n,
        Arity::AtLeast(n) => args.len() >= n,
    };
    if !ok {
        let wanted = match arity {
            Arity::Exactly(n) => format!("{n}"),
            Arity::AtLeast(n) => format!("at least {n}"),
        };
        return Err(format!("{name} takes {wanted} arguments, {} given", args.len()));
    }
    Ok(Call { func, args })
}

enum Arity {
    Exactly(usize),
    AtLeast(usize),
}

/// A condition: `call` must be set and not `false`.
pub(crate) fn cond(call: Expr) -> Condition {
    Condition {
        expr: call,
        assign: None,
    }
}

/// A condition whose result is bound to `name` for the rest of the rule.
pub(crate) fn assign(name: &str, call: Expr) -> Condition {
    Condition {
        expr: call,
        assign: Some(name.to_owned()),
    }
}

/// A rule that yields `endpoint` when `conditions` hold.
pub(crate) fn endpoint_rule(conditions: Vec<Condition>, endpoint: EndpointTemplate) -> Rule {
    Rule {
        conditions,
        kind: RuleKind::Endpoint(endpoint),
        documentation: None,
    }
}

/// A rule that fails with `message` when `conditions` hold.
pub(crate) fn error_rule(conditions: Vec<Condition>, message: Expr) -> Rule {
    Rule {
        conditions,
        kind: RuleKind::Error(message),
        documentation: None,
    }
}

/// A rule that evaluates `rules` when `conditions` hold; one of them must then match.
pub(crate) fn tree_rule(conditions: Vec<Condition>, rules: Vec<Rule>) -> Rule {
    Rule {
        conditions,
        kind: RuleKind::Tree(rules),
        documentation: None,
    }
}

/// An endpoint with URL `url`; add properties and headers with `.property` and `.header`.
pub(crate) fn endpoint(url: Expr) -> EndpointTemplate {
    EndpointTemplate {
        url,
        properties: Vec::new(),
        headers: Vec::new(),
    }
}

/// A parameter declaration; see [`Parameter`]'s `bind`, `required`, `default_to` and `document`.
pub(crate) fn param(name: &str, kind: ParameterType) -> Parameter {
    Parameter::new(name, kind)
}
