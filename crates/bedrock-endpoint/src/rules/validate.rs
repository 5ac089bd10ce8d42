//! Static checks of a rule set: names in scope, no shadowing, nothing malformed.

use super::template::{Part, Template};
use super::{Condition, EndpointTemplate, Expr, ParseError, Rule, RuleKind, RuleSet};

const DOC: &str = "rule set";

pub(super) fn rule_set(rs: &RuleSet) -> Result<(), ParseError> {
    let mut scope: Vec<&str> = Vec::new();
    for p in rs.parameters() {
        if !super::template::is_identifier(p.name()) {
            return Err(ParseError::new(
                DOC,
                "parameters",
                format!("`{}` is not a valid name", p.name()),
            ));
        }
        if scope.iter().any(|n| n.eq_ignore_ascii_case(p.name())) {
            return Err(ParseError::new(
                DOC,
                "parameters",
                format!("`{}` is declared twice (names are case-insensitive)", p.name()),
            ));
        }
        scope.push(p.name());
    }
    if rs.rules().is_empty() {
        return Err(ParseError::new(DOC, "rules", "a rule set needs at least one rule"));
    }
    rules(rs.rules(), "rules", &mut scope)
}

fn rules<'a>(rules: &'a [Rule], path: &str, scope: &mut Vec<&'a str>) -> Result<(), ParseError> {
    for (i, rule) in rules.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let mark = scope.len();
        for (j, c) in rule.conditions.iter().enumerate() {
            condition(c, &format!("{path}.conditions[{j}]"), scope)?;
        }
        match &rule.kind {
            RuleKind::Endpoint(e) => endpoint(e, &format!("{path}.endpoint"), scope)?,
            RuleKind::Error(message) => expr(message, &format!("{path}.error"), scope)?,
            RuleKind::Tree(sub) => {
                if sub.is_empty() {
                    return Err(ParseError::new(DOC, &path, "a tree rule needs at least one rule"));
                }
                self::rules(sub, &format!("{path}.rules"), scope)?
            }
        }
        scope.truncate(mark);
    }
    Ok(())
}

fn condition<'a>(c: &'a Condition, path: &str, scope: &mut Vec<&'a str>) -> Result<(), ParseError> {
    if !matches!(c.expr, Expr::Call(_) | Expr::Invalid(_)) {
        return Err(ParseError::new(DOC, path, "a condition must be a function call"));
    }
    expr(&c.expr, path, scope)?;
    if let Some(name) = &c.assign {
        if !super::template::is_identifier(name) {
            return Err(ParseError::new(DOC, path, format!("`{name}` is not a valid name")));
        }
        if scope.contains(&name.as_str()) {
            return Err(ParseError::new(
                DOC,
                path,
                format!("`{name}` is already defined here; assignments may not shadow"),
            ));
        }
        scope.push(name);
    }
    Ok(())
}

fn endpoint(e: &EndpointTemplate, path: &str, scope: &[&str]) -> Result<(), ParseError> {
    expr(&e.url, &format!("{path}.url"), scope)?;
    for (name, value) in &e.properties {
        expr(value, &format!("{path}.properties.{name}"), scope)?;
    }
    for (name, values) in &e.headers {
        for (i, v) in values.iter().enumerate() {
            expr(v, &format!("{path}.headers.{name}[{i}]"), scope)?;
        }
    }
    Ok(())
}

fn expr(e: &Expr, path: &str, scope: &[&str]) -> Result<(), ParseError> {
    match e {
        Expr::Str(t) => template(t, path, scope),
        Expr::Bool(_) | Expr::Int(_) => Ok(()),
        Expr::Array(items) => items.iter().try_for_each(|item| expr(item, path, scope)),
        Expr::Record(fields) => fields.iter().try_for_each(|(_, v)| expr(v, path, scope)),
        Expr::Ref(name) => defined(name, path, scope),
        Expr::Call(call) => call.args.iter().try_for_each(|a| expr(a, path, scope)),
        Expr::Invalid(message) => Err(ParseError::new(DOC, path, message.clone())),
    }
}

fn template(t: &Template, path: &str, scope: &[&str]) -> Result<(), ParseError> {
    for part in &t.parts {
        if let Part::Var { name, .. } = part {
            defined(name, path, scope)?;
        }
    }
    Ok(())
}

fn defined(name: &str, path: &str, scope: &[&str]) -> Result<(), ParseError> {
    if scope.contains(&name) {
        Ok(())
    } else {
        Err(ParseError::new(
            DOC,
            path,
            format!("`{name}` is neither a parameter nor assigned by an earlier condition"),
        ))
    }
}
