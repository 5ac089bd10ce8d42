//! Emits the items and operations read by the OpenAPI front end (`openapi.rs`).
//!
//! String enums go through the botocore emitter's enum code
//! (`emit_types::emit_string_enum`); structures, tagged and untagged unions
//! and operations are emitted here because they need what botocore models do
//! not have: constant tag members, `null` distinct from absent, kept extra
//! members, unions tagged by a member and unions by JSON type. Their serde
//! impls are written out like the botocore ones (decision 0008) and read
//! objects through `bedrock_wire::structure`.

use crate::emit_types::emit_string_enum;
use crate::names;
use crate::openapi::{json_kind, Api, Item, JsonKind, Named, Operation, ParamIn, Property, Ty};
use crate::writer::{doc, file_header, lit, w};

/// The Rust type of a value.
pub(crate) fn rust_type(ty: &Ty) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::Integer => "i64".into(),
        Ty::Number => "f64".into(),
        Ty::Boolean => "bool".into(),
        Ty::Json => "serde_json::Value".into(),
        Ty::Named(n) => n.clone(),
        Ty::List(t) => format!("Vec<{}>", rust_type(t)),
        Ty::Map(t) => format!("HashMap<String, {}>", rust_type(t)),
    }
}

fn is_copy(ty: &Ty) -> bool {
    matches!(ty, Ty::Integer | Ty::Number | Ty::Boolean)
}

/// The field's type without `Option`: `Box`ed when it closes a cycle.
fn field_type(p: &Property) -> String {
    if p.boxed {
        format!("Box<{}>", rust_type(&p.ty))
    } else {
        rust_type(&p.ty)
    }
}

fn decl_type(p: &Property) -> String {
    let base = field_type(p);
    match (p.required, p.nullable) {
        (true, false) => base,
        (true, true) | (false, false) => format!("Option<{base}>"),
        (false, true) => format!("Option<Option<{base}>>"),
    }
}

fn ty_doc(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Integer => "integer".into(),
        Ty::Number => "number".into(),
        Ty::Boolean => "boolean".into(),
        Ty::Json => "any JSON value".into(),
        Ty::Named(n) => format!("[`{n}`]"),
        Ty::List(t) => format!("array of {}", ty_doc(t)),
        Ty::Map(t) => format!("object of {}", ty_doc(t)),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn property_doc(p: &Property) -> String {
    let mut facts = vec![format!("JSON member `{}`: {}", p.name, ty_doc(&p.ty))];
    facts.push(if p.required { "required" } else { "optional" }.into());
    if p.nullable {
        facts.push(if p.required {
            "nullable (`None` is sent as `null`)".into()
        } else {
            "nullable (`Some(None)` is sent as `null`, `None` leaves it out)".into()
        });
    }
    facts.extend(p.facts.iter().cloned());
    let mut text = facts.join("; ");
    text.push('.');
    capitalize(&text)
}

const PRELUDE: &str = "#![allow(clippy::all, unused_imports)]

use std::collections::HashMap;

use bedrock_wire::enums::UnknownValue;
use bedrock_wire::json;
use bedrock_wire::openapi as support;
use bedrock_wire::structure;
";

/// `types.rs` of one API: every named item.
pub(crate) fn types_file(api: &Api, header: &str) -> String {
    let mut out = file_header(
        header,
        &format!(
            "Wire models of {} (OpenAPI {}): objects, unions and string enums in their exact JSON form.",
            api.title, api.version
        ),
    );
    out.push_str(PRELUDE);
    out.push('\n');
    for named in api.items.values() {
        match &named.item {
            Item::Struct {
                properties,
                consts,
                extra,
            } => emit_struct(&mut out, named, properties, consts, *extra),
            Item::Enum { values } => {
                let text = format!(
                    "The `{}` string enum (`{}`); values the models do not know parse as `Unknown`.",
                    named.schema, named.path
                );
                emit_string_enum(&mut out, &named.rust, values, &text);
            }
            Item::Tagged { property, variants } => emit_tagged(&mut out, named, property, variants),
            Item::Untagged { variants } => emit_untagged(&mut out, api, named, variants),
            Item::Alias(ty) => {
                doc(
                    &mut out,
                    &format!("The `{}` schema (`{}`): {}.", named.schema, named.path, ty_doc(ty)),
                );
                w!(out, "pub type {} = {};\n", named.rust, rust_type(ty));
            }
        }
    }
    out
}

fn emit_struct(out: &mut String, named: &Named, properties: &[Property], consts: &[(String, String)], extra: bool) {
    let rust = &named.rust;
    let mut text = format!("The `{}` object (`{}`).", named.schema, named.path);
    for (name, value) in consts {
        text.push_str(&format!(
            "\n\nAlways has `\"{name}\": \"{value}\"` (written by serde, checked when read)."
        ));
    }
    if extra {
        text.push_str("\n\nMembers the models do not know are kept in `extra` and written back.");
    }
    doc(out, &text);
    let all_default = properties.iter().all(|p| !p.required);
    let mut derives = vec!["Clone", "Debug", "PartialEq"];
    if all_default {
        derives.push("Default");
    }
    w!(out, "#[derive({})]", derives.join(", "));
    w!(out, "#[non_exhaustive]");
    w!(out, "pub struct {rust} {{");
    for p in properties {
        doc(out, &property_doc(p));
        w!(out, "pub {}: {},", p.ident, decl_type(p));
    }
    if extra {
        doc(out, "Members not listed above, written back after them.");
        w!(out, "pub extra: serde_json::Map<String, serde_json::Value>,");
    }
    w!(out, "}}\n");

    // Serialize.
    w!(out, "impl serde::Serialize for {rust} {{");
    w!(
        out,
        "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{"
    );
    w!(out, "use serde::ser::SerializeMap as _;");
    w!(
        out,
        "let {}map = serializer.serialize_map(None)?;",
        if properties.is_empty() && consts.is_empty() && !extra {
            ""
        } else {
            "mut "
        }
    );
    for (name, value) in consts {
        w!(out, "map.serialize_entry({}, {})?;", lit(name), lit(value));
    }
    for p in properties {
        if p.required {
            w!(out, "map.serialize_entry({}, &self.{})?;", lit(&p.name), p.ident);
        } else {
            w!(
                out,
                "if let Some(value) = &self.{} {{ map.serialize_entry({}, value)?; }}",
                p.ident,
                lit(&p.name)
            );
        }
    }
    if extra {
        w!(
            out,
            "for (key, value) in &self.extra {{ map.serialize_entry(key, value)?; }}"
        );
    }
    w!(out, "map.end()");
    w!(out, "}}");
    w!(out, "}}\n");

    // Deserialize.
    w!(out, "impl<'de> serde::Deserialize<'de> for {rust} {{");
    w!(
        out,
        "fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{ structure::deserialize(deserializer) }}"
    );
    w!(out, "}}\n");
    w!(out, "impl structure::Structure for {rust} {{");
    w!(out, "const NAME: &'static str = {};", lit(&named.schema));
    w!(
        out,
        "fn visit_members<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {{"
    );
    for p in properties {
        let local = if p.required {
            format!("Option<{}>", decl_type(p))
        } else {
            decl_type(p)
        };
        w!(out, "let mut {}: {local} = None;", p.ident);
    }
    if extra {
        w!(out, "let mut extra = serde_json::Map::new();");
    }
    w!(out, "while let Some(key) = map.next_key::<structure::Key<'de>>()? {{");
    w!(out, "match key.as_str() {{");
    for (name, value) in consts {
        w!(
            out,
            "{} => support::expect_const(&mut map, {})?,",
            lit(name),
            lit(value)
        );
    }
    for p in properties {
        if p.required || p.nullable {
            w!(out, "{} => {} = Some(map.next_value()?),", lit(&p.name), p.ident);
        } else {
            w!(out, "{} => {} = map.next_value()?,", lit(&p.name), p.ident);
        }
    }
    if extra {
        w!(
            out,
            "other => {{ let value = map.next_value()?; extra.insert(other.to_owned(), value); }}"
        );
    } else {
        w!(out, "_ => structure::skip_value(&mut map)?,");
    }
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "Ok(Self {{");
    for p in properties {
        if p.required {
            w!(
                out,
                "{}: match {} {{ Some(value) => value, None => return Err(structure::missing({})) }},",
                p.ident,
                p.ident,
                lit(&p.name)
            );
        } else {
            w!(out, "{},", p.ident);
        }
    }
    if extra {
        w!(out, "extra,");
    }
    w!(out, "}})");
    w!(out, "}}");
    w!(out, "}}\n");

    // Constructor and setters.
    let arg_type = |p: &Property| {
        let base = rust_type(&p.ty);
        let inner = if is_copy(&p.ty) {
            base
        } else {
            format!("impl Into<{base}>")
        };
        if p.required && p.nullable {
            format!("Option<{}>", rust_type(&p.ty))
        } else {
            inner
        }
    };
    let arg_value = |p: &Property| {
        let value = if (p.required && p.nullable) || is_copy(&p.ty) {
            p.ident.clone()
        } else {
            format!("{}.into()", p.ident)
        };
        match (p.boxed, p.required && p.nullable) {
            (false, _) => value,
            (true, false) => format!("Box::new({value})"),
            (true, true) => format!("{value}.map(Box::new)"),
        }
    };
    w!(out, "impl {rust} {{");
    let required: Vec<&Property> = properties.iter().filter(|p| p.required).collect();
    if all_default {
        doc(out, &format!("Creates a `{rust}` with every member unset."));
        w!(out, "pub fn new() -> Self {{ Self::default() }}\n");
    } else {
        doc(
            out,
            &format!("Creates a `{rust}` from its required members; optional members start unset."),
        );
        let args: Vec<String> = required
            .iter()
            .map(|p| format!("{}: {}", p.ident, arg_type(p)))
            .collect();
        w!(out, "pub fn new({}) -> Self {{", args.join(", "));
        w!(out, "Self {{");
        for p in properties {
            if p.required {
                w!(out, "{}: {},", p.ident, arg_value(p));
            } else {
                w!(out, "{}: None,", p.ident);
            }
        }
        if extra {
            w!(out, "extra: serde_json::Map::new(),");
        }
        w!(out, "}}");
        w!(out, "}}\n");
    }
    for p in properties.iter().filter(|p| !p.required) {
        let bare = p.ident.trim_start_matches("r#");
        doc(out, &format!("Sets `{}`.", p.name));
        w!(
            out,
            "pub fn with_{bare}(mut self, {}: {}) -> Self {{",
            p.ident,
            arg_type(p)
        );
        let value = arg_value(p);
        if p.nullable {
            w!(out, "self.{} = Some(Some({value}));", p.ident);
        } else {
            w!(out, "self.{} = Some({value});", p.ident);
        }
        w!(out, "self");
        w!(out, "}}\n");
        if p.nullable {
            doc(out, &format!("Sets `{}` to an explicit `null`.", p.name));
            w!(out, "pub fn with_{bare}_null(mut self) -> Self {{");
            w!(out, "self.{} = Some(None);", p.ident);
            w!(out, "self");
            w!(out, "}}\n");
        }
    }
    if extra {
        doc(
            out,
            "Adds a member the models do not know; it is written after the known ones.",
        );
        w!(
            out,
            "pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {{"
        );
        w!(out, "self.extra.insert(key.into(), value.into());");
        w!(out, "self");
        w!(out, "}}\n");
    }
    w!(out, "}}\n");
}

fn emit_tagged(out: &mut String, named: &Named, property: &str, variants: &[(String, String, String)]) {
    let rust = &named.rust;
    doc(
        out,
        &format!(
            "The `{}` union (`{}`), tagged by its `{property}` member.\n\nA value with a tag the models do not know is kept whole in `Unknown` and written back unchanged.",
            named.schema, named.path
        ),
    );
    w!(out, "#[derive(Clone, Debug, PartialEq)]");
    w!(out, "#[non_exhaustive]");
    w!(out, "pub enum {rust} {{");
    for (tag, variant, ty) in variants {
        doc(out, &format!("`\"{property}\": \"{tag}\"`: [`{ty}`]."));
        w!(out, "{variant}({ty}),");
    }
    doc(
        out,
        "A value whose tag the models do not know (or that has none), as received.",
    );
    w!(out, "Unknown(serde_json::Value),");
    w!(out, "}}\n");

    w!(out, "impl {rust} {{");
    doc(out, "The tags of the known variants, in document order.");
    let tags: Vec<String> = variants.iter().map(|(t, _, _)| lit(t)).collect();
    w!(
        out,
        "pub const TAGS: &'static [&'static str] = &[{}];\n",
        tags.join(", ")
    );
    doc(
        out,
        &format!("The value of `{property}`: the variant's tag, or the unknown value's if it has a string one."),
    );
    w!(out, "pub fn tag(&self) -> Option<&str> {{");
    w!(out, "match self {{");
    for (tag, variant, _) in variants {
        w!(out, "Self::{variant}(_) => Some({}),", lit(tag));
    }
    w!(
        out,
        "Self::Unknown(value) => value.get({}).and_then(serde_json::Value::as_str),",
        lit(property)
    );
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");

    for (_, variant, ty) in variants {
        w!(out, "impl From<{ty}> for {rust} {{");
        w!(out, "fn from(value: {ty}) -> Self {{ Self::{variant}(value) }}");
        w!(out, "}}\n");
    }

    w!(out, "impl serde::Serialize for {rust} {{");
    w!(
        out,
        "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{"
    );
    w!(out, "match self {{");
    for (_, variant, _) in variants {
        w!(out, "Self::{variant}(value) => value.serialize(serializer),");
    }
    w!(out, "Self::Unknown(value) => value.serialize(serializer),");
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");

    w!(out, "impl<'de> serde::Deserialize<'de> for {rust} {{");
    w!(
        out,
        "fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{"
    );
    w!(out, "support::deserialize_tagged(deserializer)");
    w!(out, "}}");
    w!(out, "}}\n");

    w!(out, "impl support::TaggedUnion for {rust} {{");
    w!(out, "const PROPERTY: &'static str = {};", lit(property));
    w!(out, "const TAGS: &'static [&'static str] = {rust}::TAGS;");
    w!(
        out,
        "fn visit_variant<'de, A: serde::de::MapAccess<'de>>(index: usize, map: A) -> Result<Self, A::Error> {{"
    );
    w!(out, "match index {{");
    for (i, (_, variant, _)) in variants.iter().enumerate() {
        w!(out, "{i} => support::variant(map).map(Self::{variant}),");
    }
    w!(out, "_ => Err(serde::de::Error::custom(\"tag index out of range\")),");
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "fn unknown(value: serde_json::Value) -> Self {{");
    w!(out, "Self::Unknown(value)");
    w!(out, "}}");
    w!(out, "}}\n");
}

fn emit_untagged(out: &mut String, api: &Api, named: &Named, variants: &[(String, Ty)]) {
    let rust = &named.rust;
    doc(
        out,
        &format!(
            "The `{}` union (`{}`): one of several JSON types, told apart by the JSON type alone.",
            named.schema, named.path
        ),
    );
    w!(out, "#[derive(Clone, Debug, PartialEq)]");
    w!(out, "pub enum {rust} {{");
    for (variant, ty) in variants {
        doc(out, &format!("{}.", capitalize(&ty_doc(ty))));
        w!(out, "{variant}({}),", rust_type(ty));
    }
    w!(out, "}}\n");

    for (variant, ty) in variants {
        let t = rust_type(ty);
        w!(out, "impl From<{t}> for {rust} {{");
        w!(out, "fn from(value: {t}) -> Self {{ Self::{variant}(value) }}");
        w!(out, "}}\n");
        if *ty == Ty::String {
            w!(out, "impl From<&str> for {rust} {{");
            w!(
                out,
                "fn from(value: &str) -> Self {{ Self::{variant}(value.to_owned()) }}"
            );
            w!(out, "}}\n");
        }
    }

    w!(out, "impl serde::Serialize for {rust} {{");
    w!(
        out,
        "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{"
    );
    w!(out, "match self {{");
    for (variant, _) in variants {
        w!(out, "Self::{variant}(value) => value.serialize(serializer),");
    }
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");

    w!(out, "impl<'de> serde::Deserialize<'de> for {rust} {{");
    w!(
        out,
        "fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{"
    );
    w!(
        out,
        "let value: serde_json::Value = serde::Deserialize::deserialize(deserializer)?;"
    );
    w!(out, "match &value {{");
    let mut expected = Vec::new();
    for (variant, ty) in variants {
        let (pattern, what) = match json_kind(&api.items, ty) {
            JsonKind::String => ("serde_json::Value::String(_)", "a string"),
            JsonKind::Number => ("serde_json::Value::Number(_)", "a number"),
            JsonKind::Boolean => ("serde_json::Value::Bool(_)", "a boolean"),
            JsonKind::Array => ("serde_json::Value::Array(_)", "an array"),
            JsonKind::Object => ("serde_json::Value::Object(_)", "an object"),
            JsonKind::Any => ("_", "any value"),
        };
        expected.push(what);
        w!(out, "{pattern} => support::from_value(value).map(Self::{variant}),");
    }
    w!(
        out,
        "_ => Err(serde::de::Error::custom({})),",
        lit(&format!("{} must be {}", named.schema, expected.join(" or ")))
    );
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");
}

/// `operation.rs` of one API: one marker type and one parameter struct per operation.
pub(crate) fn operations_file(api: &Api, header: &str) -> String {
    let mut out = file_header(
        header,
        &format!(
            "The operations of {}: sans-IO descriptions implementing `bedrock_wire::openapi::JsonOperation`.",
            api.title
        ),
    );
    out.push_str("#![allow(clippy::all, unused_imports)]\n\n");
    out.push_str("use bedrock_wire::http::{push_label, QueryWriter};\n");
    out.push_str("use bedrock_wire::openapi::{JsonOperation, NoBody, NoEvents, Route, SseStream};\n");
    out.push_str("use bedrock_wire::BuildError;\n\n");
    out.push_str("use super::types::*;\n\n");
    for op in &api.operations {
        emit_operation(&mut out, op);
    }
    // The list of all operations, for routers and tests.
    doc(
        &mut out,
        "Every operation's `(operationId, method, path)`, in document order.",
    );
    let all: Vec<String> = api
        .operations
        .iter()
        .map(|op| format!("({}, {}, {})", lit(&op.id), lit(&op.method), lit(&op.path)))
        .collect();
    w!(
        out,
        "pub const OPERATIONS: &[(&str, &str, &str)] = &[{}];",
        all.join(", ")
    );
    out
}

fn param_value(ty: &Ty, expr: &str) -> String {
    match ty {
        Ty::String => format!("{expr}.as_str()"),
        Ty::Named(_) => format!("{expr}.as_str()"),
        _ => format!("&{expr}.to_string()"),
    }
}

fn emit_operation(out: &mut String, op: &Operation) {
    let marker = names::pascal_case(&op.id);
    let params_ty = format!("{marker}Params");
    let mut text = format!("`{} {}` (`{}`).", op.method, op.path, op.id);
    match &op.body {
        Some(body) => text.push_str(&format!("\n\nRequest body: [`{body}`]. ")),
        None => text.push_str("\n\nNo request body. "),
    }
    text.push_str(&format!(
        "Response body: [`{}`]; error body: [`{}`].",
        op.output, op.error
    ));
    if let Some(s) = &op.stream {
        text.push_str(&format!(
            "\n\nStreams server-sent events of [`{}`] when `{}` is `true`.",
            s.event, s.flag
        ));
    }
    text.push_str("\n\nRoutes:");
    for (endpoint, prefixes) in &op.routes {
        let unconfirmed = if op.unconfirmed.contains(endpoint) {
            " (unconfirmed)"
        } else {
            ""
        };
        let list: Vec<String> = prefixes.iter().map(|p| format!("`{p}{}`", op.path)).collect();
        text.push_str(&format!("\n- {endpoint}{unconfirmed}: {}", list.join(", ")));
    }
    if !op.pagination.is_empty() {
        let pairs: Vec<String> = op.pagination.iter().map(|(k, v)| format!("{k} `{v}`")).collect();
        text.push_str(&format!("\n\nPaginated: {}.", pairs.join(", ")));
    }
    doc(out, &text);
    w!(out, "#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]");
    w!(out, "pub struct {marker};\n");

    // Parameters.
    doc(out, &format!("Path, query and header parameters of [`{marker}`]."));
    w!(out, "#[derive(Clone, Debug, PartialEq)]");
    w!(out, "#[non_exhaustive]");
    w!(out, "pub struct {params_ty} {{");
    for p in &op.params {
        let place = match p.location {
            ParamIn::Path => format!("Path label `{{{}}}`", p.name),
            ParamIn::Query => format!("Query parameter `{}`", p.name),
            ParamIn::Header => format!("Header `{}`", p.name),
        };
        let mut facts = vec![format!("{place}: {}", ty_doc(&p.ty))];
        if p.required {
            facts.push("required".into());
        }
        if let Some(d) = &p.default {
            facts.push(format!("defaults to `{d}`"));
        }
        doc(out, &format!("{}.", facts.join("; ")));
        let ty = rust_type(&p.ty);
        if p.required {
            w!(out, "pub {}: {ty},", p.ident);
        } else {
            w!(out, "pub {}: Option<{ty}>,", p.ident);
        }
    }
    w!(out, "}}\n");
    let args: Vec<&crate::openapi::Param> = op.params.iter().filter(|p| p.required && p.default.is_none()).collect();
    w!(out, "impl {params_ty} {{");
    doc(
        out,
        "Creates the parameters from the required ones without a default; the others start unset or at their default.",
    );
    let arglist: Vec<String> = args
        .iter()
        .map(|p| format!("{}: impl Into<{}>", p.ident, rust_type(&p.ty)))
        .collect();
    w!(out, "pub fn new({}) -> Self {{", arglist.join(", "));
    w!(out, "Self {{");
    for p in &op.params {
        match (&p.default, p.required) {
            (Some(d), true) => w!(out, "{}: {}.to_owned(),", p.ident, lit(d)),
            (None, true) => w!(out, "{}: {}.into(),", p.ident, p.ident),
            (_, false) => w!(out, "{}: None,", p.ident),
        }
    }
    w!(out, "}}");
    w!(out, "}}\n");
    for p in op.params.iter().filter(|p| !p.required) {
        let bare = p.ident.trim_start_matches("r#");
        doc(out, &format!("Sets `{}`.", p.name));
        w!(
            out,
            "pub fn with_{bare}(mut self, {}: impl Into<{}>) -> Self {{",
            p.ident,
            rust_type(&p.ty)
        );
        w!(out, "self.{} = Some({}.into());", p.ident, p.ident);
        w!(out, "self");
        w!(out, "}}\n");
    }
    w!(out, "}}\n");
    if args.is_empty() {
        w!(out, "impl Default for {params_ty} {{");
        w!(out, "fn default() -> Self {{ Self::new() }}");
        w!(out, "}}\n");
    }

    // The trait.
    w!(out, "impl JsonOperation for {marker} {{");
    w!(out, "type Params = {params_ty};");
    w!(out, "type Body = {};", op.body.as_deref().unwrap_or("NoBody"));
    w!(out, "type Output = {};", op.output);
    w!(
        out,
        "type Event = {};",
        op.stream.as_ref().map_or("NoEvents", |s| s.event.as_str())
    );
    w!(out, "type Error = {};", op.error);
    w!(out, "const OPERATION_ID: &'static str = {};", lit(&op.id));
    w!(out, "const METHOD: &'static str = {};", lit(&op.method));
    w!(out, "const PATH: &'static str = {};", lit(&op.path));
    w!(out, "const HAS_BODY: bool = {};", op.body.is_some());
    let names_in = |loc: ParamIn| -> String {
        let v: Vec<String> = op
            .params
            .iter()
            .filter(|p| p.location == loc)
            .map(|p| lit(&p.name))
            .collect();
        format!("&[{}]", v.join(", "))
    };
    w!(
        out,
        "const PATH_PARAMS: &'static [&'static str] = {};",
        names_in(ParamIn::Path)
    );
    w!(
        out,
        "const QUERY_PARAMS: &'static [&'static str] = {};",
        names_in(ParamIn::Query)
    );
    w!(
        out,
        "const HEADER_PARAMS: &'static [&'static str] = {};",
        names_in(ParamIn::Header)
    );
    let routes: Vec<String> = op
        .routes
        .iter()
        .map(|(endpoint, prefixes)| {
            let p: Vec<String> = prefixes.iter().map(|p| lit(p)).collect();
            format!(
                "Route {{ endpoint: {}, prefixes: &[{}], confirmed: {} }}",
                lit(endpoint),
                p.join(", "),
                !op.unconfirmed.contains(endpoint)
            )
        })
        .collect();
    w!(out, "const ROUTES: &'static [Route] = &[{}];", routes.join(", "));
    match &op.stream {
        None => w!(out, "const STREAM: Option<SseStream> = None;"),
        Some(s) => w!(
            out,
            "const STREAM: Option<SseStream> = Some(SseStream {{ flag: {}, event_names: {}, terminator: {} }});",
            lit(&s.flag),
            s.event_names,
            s.terminator
                .as_ref()
                .map_or("None".to_owned(), |t| format!("Some({})", lit(t)))
        ),
    }

    // path_and_query
    let uses_params = op.params.iter().any(|p| p.location != ParamIn::Header);
    w!(
        out,
        "fn path_and_query({}params: &Self::Params) -> Result<String, BuildError> {{",
        if uses_params { "" } else { "_" }
    );
    let mut literal = String::new();
    let mut rest = op.path.as_str();
    w!(out, "let mut path = String::new();");
    while let Some(start) = rest.find('{') {
        literal.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let label = &rest[start + 1..end];
        let p = op
            .params
            .iter()
            .find(|p| p.location == ParamIn::Path && p.name == label)
            .expect("labels are checked by the front end");
        w!(out, "path.push_str({});", lit(&literal));
        literal.clear();
        w!(
            out,
            "if params.{}.is_empty() {{ return Err(BuildError::empty_label({})); }}",
            p.ident,
            lit(&p.name)
        );
        w!(out, "push_label(&mut path, &params.{}, false);", p.ident);
        rest = &rest[(end + 1).min(rest.len())..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        w!(out, "path.push_str({});", lit(&literal));
    }
    let query: Vec<&crate::openapi::Param> = op.params.iter().filter(|p| p.location == ParamIn::Query).collect();
    if query.is_empty() {
        w!(out, "Ok(path)");
    } else {
        w!(out, "let mut query = QueryWriter::new(path);");
        for p in query {
            let key = lit(&p.name);
            let (open, expr, close) = if p.required {
                ("{ let value = &params.", "value", " }")
            } else {
                ("if let Some(value) = &params.", "value", " }")
            };
            match &p.ty {
                Ty::List(item) => w!(
                    out,
                    "{open}{} {{ for item in value {{ query.push({key}, {}); }}{close}",
                    p.ident,
                    param_value(item, "item")
                ),
                ty => w!(
                    out,
                    "{open}{} {{ query.push({key}, {});{close}",
                    p.ident,
                    param_value(ty, expr)
                ),
            }
        }
        w!(out, "Ok(query.finish())");
    }
    w!(out, "}}\n");

    // headers
    let headers: Vec<&crate::openapi::Param> = op.params.iter().filter(|p| p.location == ParamIn::Header).collect();
    w!(
        out,
        "fn headers({}params: &Self::Params) -> Vec<(&'static str, String)> {{",
        if headers.is_empty() { "_" } else { "" }
    );
    if headers.is_empty() {
        w!(out, "Vec::new()");
    } else {
        w!(out, "let mut headers = Vec::new();");
        for p in headers {
            let value = match &p.ty {
                Ty::List(item) => format!(
                    "value.iter().map(|item| {}.to_owned()).collect::<Vec<_>>().join(\",\")",
                    param_value(item, "item")
                ),
                Ty::String => "value.clone()".to_owned(),
                Ty::Named(_) => "value.as_str().to_owned()".to_owned(),
                _ => "value.to_string()".to_owned(),
            };
            if p.required {
                w!(
                    out,
                    "{{ let value = &params.{}; headers.push(({}, {value})); }}",
                    p.ident,
                    lit(&p.name)
                );
            } else {
                w!(
                    out,
                    "if let Some(value) = &params.{} {{ headers.push(({}, {value})); }}",
                    p.ident,
                    lit(&p.name)
                );
            }
        }
        w!(out, "headers");
    }
    w!(out, "}}");
    w!(out, "}}\n");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn emits_boxes_nullable_and_extra_members() {
        let doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
        "components": {"schemas": {
            "Node": {"type": "object", "x-extra-fields": true, "required": ["kind", "parent"], "properties": {
                "kind": {"type": "string", "const": "node"},
                "parent": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                "next": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]}
            }}
        }}});
        let api = crate::openapi::parse(&doc).unwrap();
        let text = super::types_file(&api, "header");
        for expected in [
            "pub next: Option<Option<Box<Node>>>,",
            "pub parent: Option<Box<Node>>,",
            "pub fn new(parent: Option<Node>) -> Self {",
            "parent: parent.map(Box::new),",
            "self.next = Some(Some(Box::new(next.into())));",
            "\"kind\" => support::expect_const(&mut map, \"node\")?,",
            "pub extra: serde_json::Map<String, serde_json::Value>,",
        ] {
            assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
        }
    }
}
