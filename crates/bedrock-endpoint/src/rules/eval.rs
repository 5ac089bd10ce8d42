//! Evaluation: parameters in, the first matching rule's endpoint or error out.

use std::collections::BTreeMap;

use super::stdlib;
use super::template::{Part, Path, Segment, Template};
use super::{Call, Endpoint, EndpointTemplate, Expr, Func, Params, ResolveError, Rule, RuleKind, RuleSet};
use crate::partition::Partitions;
use crate::value::Value;

/// What a matching rule yields.
type Outcome = Result<Endpoint, String>;

pub(super) fn resolve(rs: &RuleSet, params: &Params, partitions: &Partitions) -> Result<Endpoint, ResolveError> {
    let mut scope = Scope {
        vars: Vec::with_capacity(rs.parameters().len() + 4),
        partitions,
    };
    for p in rs.parameters() {
        let value = params.get(p.name()).or(p.default_value());
        match value {
            Some(v) if !p.kind().accepts(v) => {
                return Err(ResolveError::ParameterType {
                    name: p.name().to_owned(),
                    expected: p.kind(),
                    found: v.type_name(),
                })
            }
            Some(v) => scope.vars.push((p.name(), v.clone())),
            None if p.is_required() => return Err(ResolveError::MissingParameter(p.name().to_owned())),
            None => {}
        }
    }
    match scope.rules(rs.rules())? {
        Some(Ok(endpoint)) => Ok(endpoint),
        Some(Err(message)) => Err(ResolveError::Rule(message)),
        None => Err(ResolveError::NoRuleMatched),
    }
}

struct Scope<'a> {
    /// Parameters that have a value, then variables assigned by the conditions being evaluated.
    vars: Vec<(&'a str, Value)>,
    partitions: &'a Partitions,
}

fn invalid(message: impl Into<String>) -> ResolveError {
    ResolveError::InvalidRuleSet(message.into())
}

impl<'a> Scope<'a> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.vars.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn rules(&mut self, rules: &'a [Rule]) -> Result<Option<Outcome>, ResolveError> {
        for rule in rules {
            let mark = self.vars.len();
            let outcome = self.rule(rule);
            self.vars.truncate(mark);
            if let Some(outcome) = outcome? {
                return Ok(Some(outcome));
            }
        }
        Ok(None)
    }

    fn rule(&mut self, rule: &'a Rule) -> Result<Option<Outcome>, ResolveError> {
        for c in &rule.conditions {
            let value = self.expr(&c.expr)?;
            match value {
                None | Some(Value::Bool(false)) => return Ok(None),
                Some(v) => {
                    if let Some(name) = &c.assign {
                        self.vars.push((name, v));
                    }
                }
            }
        }
        match &rule.kind {
            RuleKind::Endpoint(e) => Ok(Some(Ok(self.endpoint(e)?))),
            RuleKind::Error(message) => match self.expr(message)? {
                Some(Value::String(text)) => Ok(Some(Err(text))),
                other => Err(invalid(format!(
                    "an error rule's message must be a string, not {}",
                    describe(other.as_ref())
                ))),
            },
            RuleKind::Tree(sub) => match self.rules(sub)? {
                Some(outcome) => Ok(Some(outcome)),
                None => Err(invalid(
                    "a tree rule matched but none of its rules did (a tree must end with a rule that always matches)",
                )),
            },
        }
    }

    fn endpoint(&mut self, e: &EndpointTemplate) -> Result<Endpoint, ResolveError> {
        let url = self.string(&e.url, "an endpoint URL")?;
        let mut properties = BTreeMap::new();
        for (name, value) in &e.properties {
            let v = self
                .expr(value)?
                .ok_or_else(|| invalid(format!("endpoint property `{name}` has no value")))?;
            properties.insert(name.clone(), v);
        }
        let mut headers = BTreeMap::new();
        for (name, values) in &e.headers {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                out.push(self.string(v, "a header value")?);
            }
            headers.insert(name.clone(), out);
        }
        Ok(Endpoint::new(url, properties, headers))
    }

    fn string(&mut self, e: &Expr, what: &str) -> Result<String, ResolveError> {
        match self.expr(e)? {
            Some(Value::String(s)) => Ok(s),
            other => Err(invalid(format!(
                "{what} must be a string, not {}",
                describe(other.as_ref())
            ))),
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<Option<Value>, ResolveError> {
        Ok(match e {
            Expr::Str(t) => Some(Value::String(self.template(t)?)),
            Expr::Bool(v) => Some(Value::Bool(*v)),
            Expr::Int(v) => Some(Value::Integer(*v)),
            Expr::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(
                        self.expr(item)?
                            .ok_or_else(|| invalid("an array element has no value"))?,
                    );
                }
                Some(Value::Array(out))
            }
            Expr::Record(fields) => {
                let mut out = BTreeMap::new();
                for (k, v) in fields {
                    let value = self
                        .expr(v)?
                        .ok_or_else(|| invalid(format!("record field `{k}` has no value")))?;
                    out.insert(k.clone(), value);
                }
                Some(Value::Record(out))
            }
            Expr::Ref(name) => self.lookup(name).cloned(),
            Expr::Call(call) => self.call(call)?,
            Expr::Invalid(message) => return Err(invalid(message.clone())),
        })
    }

    fn template(&self, t: &Template) -> Result<String, ResolveError> {
        if let Some(text) = t.as_literal() {
            return Ok(text.to_owned());
        }
        let mut out = String::new();
        for part in &t.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Var { name, path } => {
                    let base = self
                        .lookup(name)
                        .ok_or_else(|| invalid(format!("a template uses `{name}`, which has no value here")))?;
                    let value = match path {
                        Some(p) => get_attr(base, p),
                        None => Some(base),
                    };
                    match value {
                        Some(Value::String(s)) => out.push_str(s),
                        other => {
                            return Err(invalid(format!(
                                "a template uses `{name}`, which is {} rather than a string",
                                describe(other)
                            )))
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    fn call(&mut self, call: &Call) -> Result<Option<Value>, ResolveError> {
        let name = call.func.name();
        // `getAttr` on a variable walks the stored value without copying it.
        if let Func::GetAttr(path) = &call.func {
            return Ok(match &call.args[..] {
                [Expr::Ref(var)] => self.lookup(var).and_then(|v| get_attr(v, path)).cloned(),
                [target] => self.expr(target)?.and_then(|v| get_attr(&v, path).cloned()),
                _ => return Err(invalid("getAttr takes a value and a path")),
            });
        }
        match call.func {
            Func::IsSet => return Ok(Some(Value::Bool(self.arg(call, 0)?.is_some()))),
            Func::Coalesce => {
                for a in &call.args {
                    if let Some(v) = self.expr(a)? {
                        return Ok(Some(v));
                    }
                }
                return Ok(None);
            }
            Func::Ite => {
                return match self.arg(call, 0)? {
                    Some(Value::Bool(true)) => self.arg(call, 1),
                    Some(Value::Bool(false)) => self.arg(call, 2),
                    None => Ok(None),
                    Some(other) => Err(type_error(name, 0, "a boolean", &other)),
                };
            }
            _ => {}
        }
        // Every other function needs all its arguments; an unset one makes the result unset.
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            match self.expr(a)? {
                Some(v) => args.push(v),
                None => return Ok(None),
            }
        }
        let str_arg = |i: usize| -> Result<&str, ResolveError> {
            args[i]
                .as_str()
                .ok_or_else(|| type_error(name, i, "a string", &args[i]))
        };
        let bool_arg = |i: usize| -> Result<bool, ResolveError> {
            args[i]
                .as_bool()
                .ok_or_else(|| type_error(name, i, "a boolean", &args[i]))
        };
        let int_arg = |i: usize| -> Result<i64, ResolveError> {
            args[i]
                .as_integer()
                .ok_or_else(|| type_error(name, i, "an integer", &args[i]))
        };
        Ok(match call.func {
            Func::Not => Some(Value::Bool(!bool_arg(0)?)),
            Func::BooleanEquals => Some(Value::Bool(bool_arg(0)? == bool_arg(1)?)),
            Func::StringEquals => Some(Value::Bool(str_arg(0)? == str_arg(1)?)),
            Func::Substring => {
                stdlib::substring(str_arg(0)?, int_arg(1)?, int_arg(2)?, bool_arg(3)?).map(Value::String)
            }
            Func::UriEncode => Some(Value::String(stdlib::uri_encode(str_arg(0)?))),
            Func::ParseUrl => stdlib::parse_url(str_arg(0)?),
            Func::IsValidHostLabel => Some(Value::Bool(stdlib::is_valid_host_label(str_arg(0)?, bool_arg(1)?))),
            Func::AwsPartition => self.partitions.partition_value(str_arg(0)?),
            Func::AwsParseArn => stdlib::parse_arn(str_arg(0)?),
            Func::AwsIsVirtualHostableS3Bucket => Some(Value::Bool(stdlib::is_virtual_hostable_s3_bucket(
                str_arg(0)?,
                bool_arg(1)?,
            ))),
            Func::Split => stdlib::split(str_arg(0)?, str_arg(1)?, int_arg(2)?),
            Func::IsSet | Func::Coalesce | Func::Ite | Func::GetAttr(_) => None,
        })
    }

    fn arg(&mut self, call: &Call, i: usize) -> Result<Option<Value>, ResolveError> {
        match call.args.get(i) {
            Some(a) => self.expr(a),
            None => Err(invalid(format!("{} is missing argument {}", call.func.name(), i + 1))),
        }
    }
}

fn get_attr<'v>(value: &'v Value, path: &Path) -> Option<&'v Value> {
    let mut current = value;
    for segment in &path.segments {
        current = match (segment, current) {
            (Segment::Key(key), Value::Record(fields)) => fields.get(key)?,
            (Segment::Index(i), Value::Array(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

fn type_error(func: &str, index: usize, wanted: &str, got: &Value) -> ResolveError {
    invalid(format!(
        "argument {} of {func} must be {wanted}, not a {}",
        index + 1,
        got.type_name()
    ))
}

fn describe(value: Option<&Value>) -> String {
    match value {
        Some(v) => format!("a {}", v.type_name()),
        None => "unset".to_owned(),
    }
}
