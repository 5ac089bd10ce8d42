//! `types.rs` and `error.rs`: structures, unions, enums and exceptions.

use crate::emit_serde::{emit_read_json, emit_serde, emit_write_json, SerdeMember};
use crate::model::{Member, Shape};
use crate::writer::{bounds_text, codec_marker, doc, file_header, lit, w};
use crate::{names, Binding, CodegenError, Context, StructKind};

/// A structure member as the generated code sees it.
pub(crate) struct Field<'a> {
    pub name: &'a str,
    pub member: &'a Member,
    pub ident: String,
    /// The JSON key for body members; the label, parameter or header name for bound members.
    pub wire: &'a str,
    /// The member's type without `Option`.
    pub ty: String,
    pub required: bool,
    pub boxed: bool,
    pub codec: Option<&'static str>,
    pub location: Option<&'a str>,
    pub sensitive: bool,
}

impl Field<'_> {
    /// The field's declared type.
    pub fn decl_type(&self) -> String {
        if self.required {
            self.ty.clone()
        } else {
            format!("Option<{}>", self.ty)
        }
    }

    /// Whether the member lives in the JSON body (or is the serde name for a bound member).
    pub fn in_body(&self) -> bool {
        self.location.is_none()
    }

    /// The name under which serde writes the member.
    pub fn serde_name(&self) -> &str {
        if self.in_body() {
            self.wire
        } else {
            self.name
        }
    }
}

/// The members of a structure, without event-stream members (those are carried by the client as streams).
pub(crate) fn fields<'a>(ctx: &Context<'a>, struct_name: &str, shape: &'a Shape) -> Vec<Field<'a>> {
    shape
        .members
        .iter()
        .filter(|(_, m)| !ctx.known(&m.shape).eventstream)
        .map(|(name, member)| {
            let target = ctx.known(&member.shape);
            let boxed = ctx.boxed.contains(&(ctx.key(struct_name), name));
            let base = ctx.rust_type(&member.shape, Some(member));
            let ty = if boxed { format!("Box<{base}>") } else { base };
            let codec = if member.jsonvalue {
                None
            } else {
                ctx.codec(&member.shape, Some(member), Binding::Body)
            };
            Field {
                name,
                member,
                ident: names::field_name(name),
                wire: member.location_name.as_deref().unwrap_or(name),
                ty,
                required: shape.required.iter().any(|r| r == name),
                boxed,
                codec,
                location: member.location.as_deref(),
                sensitive: target.sensitive || shape.sensitive,
            }
        })
        .collect()
}

/// Facts about a member, for its doc comment.
fn member_doc(ctx: &Context<'_>, field: &Field<'_>) -> String {
    let target = ctx.known(&field.member.shape);
    let mut facts = Vec::new();
    facts.push(match field.location {
        None => format!("JSON member `{}`", field.wire),
        Some("uri") => format!("URI label `{{{}}}`", field.wire),
        Some("querystring") if target.kind == "map" => "Query parameters (one per entry)".to_owned(),
        Some("querystring") => format!("Query parameter `{}`", field.wire),
        Some("header") => format!("Header `{}`", field.wire),
        Some("headers") => format!("Headers with prefix `{}`", field.wire),
        Some("statusCode") => "The HTTP status code".to_owned(),
        Some(other) => format!("Bound to `{other}`"),
    });
    if field.required {
        facts.push("required".into());
    }
    let is_number = matches!(
        target.kind.as_str(),
        "byte" | "short" | "integer" | "long" | "float" | "double"
    );
    if let Some(b) = bounds_text(target.min_f64(), target.max_f64()) {
        facts.push(if is_number {
            format!("range {b}")
        } else {
            format!("length {b}")
        });
    }
    if let Some(p) = &target.pattern {
        facts.push(format!("pattern `{}`", p.replace('`', "\\`")));
    }
    if field.sensitive {
        facts.push("sensitive (redacted in `Debug`)".into());
    }
    if field.member.idempotency_token {
        facts.push("idempotency token (filled automatically when unset)".into());
    }
    if field.member.deprecated || target.deprecated {
        facts.push("deprecated".into());
    }
    let mut text = facts.join("; ");
    text.push('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// Collects `static` patterns used by a file.
#[derive(Default)]
pub(crate) struct Patterns(std::collections::BTreeMap<String, String>);

impl Patterns {
    fn use_pattern(&mut self, shape: &str, pattern: &str) -> String {
        let ident = format!("PATTERN_{}", names::snake_case(shape).to_uppercase());
        self.0.insert(ident.clone(), pattern.to_owned());
        ident
    }

    pub(crate) fn emit(&self, out: &mut String) {
        for (ident, pattern) in &self.0 {
            w!(out, "#[cfg(feature = \"validate\")]");
            w!(out, "static {ident}: Pattern = Pattern::new({});", lit(pattern));
        }
    }
}

/// Emits constraint checks for `expr` (a reference to a value of `shape_name`) under the path `path` (a `String` or `&str` expression).
fn emit_checks(
    ctx: &Context<'_>,
    out: &mut String,
    patterns: &mut Patterns,
    expr: &str,
    shape_name: &str,
    path: &str,
    depth: usize,
) {
    let shape = ctx.known(shape_name);
    if !ctx.has_checks(shape_name) {
        return;
    }
    let min = shape.min_f64();
    let max = shape.max_f64();
    let opt_u = |v: Option<f64>| v.map_or("None".to_owned(), |v| format!("Some({})", v as u64));
    let opt_f = |v: Option<f64>| v.map_or("None".to_owned(), |v| format!("Some({v:?})"));
    let has_bounds = min.is_some() || max.is_some();
    match shape.kind.as_str() {
        "string" if shape.enum_values.is_empty() => {
            if has_bounds {
                w!(
                    out,
                    "check_length(out, &{path}, ({expr}).chars().count(), {}, {});",
                    opt_u(min),
                    opt_u(max)
                );
            }
            if let Some(pattern) = &shape.pattern {
                let ident = patterns.use_pattern(shape_name, pattern);
                w!(out, "check_pattern(out, &{path}, {expr}, &{ident});");
            }
        }
        "blob" if has_bounds => {
            w!(
                out,
                "check_length(out, &{path}, ({expr}).as_ref().len(), {}, {});",
                opt_u(min),
                opt_u(max)
            );
        }
        "byte" | "short" | "integer" | "long" | "float" | "double" if has_bounds => {
            w!(
                out,
                "check_range(out, &{path}, *({expr}) as f64, {}, {});",
                opt_f(min),
                opt_f(max)
            );
        }
        "list" => {
            if has_bounds {
                w!(
                    out,
                    "check_length(out, &{path}, ({expr}).len(), {}, {});",
                    opt_u(min),
                    opt_u(max)
                );
            }
            let member = shape.member.as_ref().expect("list member");
            if ctx.has_checks(&member.shape) {
                let item = format!("item{depth}");
                let index = format!("i{depth}");
                w!(out, "for ({index}, {item}) in ({expr}).iter().enumerate() {{");
                w!(out, "let path = index_path(&{path}, {index});");
                emit_checks(ctx, out, patterns, &item, &member.shape, "path", depth + 1);
                w!(out, "}}");
            }
        }
        "map" => {
            if has_bounds {
                w!(
                    out,
                    "check_length(out, &{path}, ({expr}).len(), {}, {});",
                    opt_u(min),
                    opt_u(max)
                );
            }
            let key = shape.key.as_ref().expect("map key");
            let value = shape.value.as_ref().expect("map value");
            let (k_checks, v_checks) = (ctx.has_checks(&key.shape), ctx.has_checks(&value.shape));
            if k_checks || v_checks {
                let (k, v) = (format!("key{depth}"), format!("value{depth}"));
                if v_checks {
                    w!(out, "for ({k}, {v}) in {expr} {{");
                } else {
                    w!(out, "for {k} in ({expr}).keys() {{");
                }
                w!(out, "let path = index_path(&{path}, {k});");
                if k_checks {
                    emit_checks(ctx, out, patterns, &k, &key.shape, "path", depth + 1);
                }
                if v_checks {
                    emit_checks(ctx, out, patterns, &v, &value.shape, "path", depth + 1);
                }
                w!(out, "}}");
            }
        }
        "structure" if !shape.document => {
            w!(out, "({expr}).validate_at(&{path}, out);");
        }
        _ => {}
    }
}

fn emit_validate_struct(
    ctx: &Context<'_>,
    out: &mut String,
    patterns: &mut Patterns,
    rust: &str,
    fields: &[Field<'_>],
) {
    w!(out, "#[cfg(feature = \"validate\")]");
    w!(out, "impl Validate for {rust} {{");
    let checked: Vec<&Field<'_>> = fields.iter().filter(|f| ctx.has_checks(&f.member.shape)).collect();
    if checked.is_empty() {
        w!(
            out,
            "fn validate_at(&self, _path: &str, _out: &mut Vec<Violation>) {{}}"
        );
    } else {
        w!(out, "fn validate_at(&self, path: &str, out: &mut Vec<Violation>) {{");
        for f in checked {
            let ident = &f.ident;
            let member_path = format!("member_path(path, {})", lit(f.name));
            if f.required {
                w!(out, "{{");
                w!(out, "let path = {member_path};");
                emit_checks(
                    ctx,
                    out,
                    patterns,
                    &format!("&self.{ident}"),
                    &f.member.shape,
                    "path",
                    0,
                );
                w!(out, "}}");
            } else {
                w!(out, "if let Some(value) = &self.{ident} {{");
                w!(out, "let path = {member_path};");
                emit_checks(ctx, out, patterns, "value", &f.member.shape, "path", 0);
                w!(out, "}}");
            }
        }
        w!(out, "}}");
    }
    w!(out, "}}\n");
}

/// Emits a structure (plain or exception) with serde, constructor, `Debug` and `Validate`.
fn emit_struct(ctx: &Context<'_>, out: &mut String, patterns: &mut Patterns, name: &str, shape: &Shape) {
    let rust = ctx.type_name(name).to_owned();
    let fields = fields(ctx, name, shape);
    let redact = fields.iter().any(|f| f.sensitive) || shape.sensitive;
    let all_default = fields.iter().all(|f| !f.required);

    let mut text = match ctx.io_of.get(name) {
        Some((op, true)) => format!("Input of the `{op}` operation ([`{op}`](super::operation::{op}))."),
        Some((op, false)) => format!("Output of the `{op}` operation ([`{op}`](super::operation::{op}))."),
        None if shape.exception => format!("The `{name}` error."),
        None if shape.event => format!("The `{name}` event."),
        None => format!("The `{name}` structure."),
    };
    if let Some(e) = &shape.error {
        if let Some(code) = e.http_status_code {
            text.push_str(&format!(
                "\n\nHTTP status {code}; {} fault.",
                if e.sender_fault { "client" } else { "server" }
            ));
        }
    }
    if shape.sensitive {
        text.push_str("\n\nSensitive: redacted in `Debug`.");
    }
    let page = ctx.io_of.get(name).map_or(name, |(op, _)| op);
    if let Some(link) = ctx.doc_link(page) {
        text.push_str(&format!("\n\n[API reference]({link})"));
    }
    doc(out, &text);
    let mut derives = vec!["Clone", "PartialEq"];
    if !redact {
        derives.push("Debug");
    }
    if all_default {
        derives.push("Default");
    }
    w!(out, "#[derive({})]", derives.join(", "));
    w!(out, "#[non_exhaustive]");
    w!(out, "pub struct {rust} {{");
    for f in &fields {
        doc(out, &member_doc(ctx, f));
        w!(out, "pub {}: {},", f.ident, f.decl_type());
    }
    w!(out, "}}\n");
    let members: Vec<SerdeMember<'_>> = fields.iter().map(SerdeMember::of_field).collect();
    emit_serde(out, &rust);
    emit_write_json(out, &rust, "self", &members);
    emit_read_json(out, &rust, name, &members);

    // Constructor and setters.
    let required: Vec<&Field<'_>> = fields.iter().filter(|f| f.required).collect();
    w!(out, "impl {rust} {{");
    if !required.is_empty() || !all_default {
        doc(
            out,
            &format!("Creates a `{rust}` from its required members; optional members start unset."),
        );
        let args: Vec<String> = required
            .iter()
            .map(|f| format!("{}: {}", f.ident, arg_type(ctx, f)))
            .collect();
        w!(out, "pub fn new({}) -> Self {{", args.join(", "));
        w!(out, "Self {{");
        for f in &fields {
            if f.required {
                w!(out, "{}: {},", f.ident, arg_value(ctx, f));
            } else {
                w!(out, "{}: None,", f.ident);
            }
        }
        w!(out, "}}");
        w!(out, "}}\n");
    } else {
        doc(out, &format!("Creates a `{rust}` with every member unset."));
        w!(out, "pub fn new() -> Self {{ Self::default() }}\n");
    }
    for f in fields.iter().filter(|f| !f.required) {
        let setter = format!("with_{}", f.ident.trim_start_matches("r#"));
        doc(out, &format!("Sets `{}`.", f.name));
        w!(
            out,
            "pub fn {setter}(mut self, {}: {}) -> Self {{",
            f.ident,
            arg_type(ctx, f)
        );
        w!(out, "self.{} = Some({});", f.ident, arg_value(ctx, f));
        w!(out, "self");
        w!(out, "}}\n");
    }
    w!(out, "}}\n");

    if redact {
        w!(out, "impl std::fmt::Debug for {rust} {{");
        w!(
            out,
            "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{"
        );
        w!(out, "f.debug_struct({})", lit(&rust));
        for fl in &fields {
            if fl.sensitive && !fl.required {
                // Whether a secret is set is not itself secret.
                w!(
                    out,
                    ".field({}, &self.{}.as_ref().map(|_| REDACTED))",
                    lit(fl.ident.trim_start_matches("r#")),
                    fl.ident
                );
            } else if fl.sensitive {
                w!(out, ".field({}, &REDACTED)", lit(fl.ident.trim_start_matches("r#")));
            } else {
                w!(
                    out,
                    ".field({}, &self.{})",
                    lit(fl.ident.trim_start_matches("r#")),
                    fl.ident
                );
            }
        }
        w!(out, ".finish()");
        w!(out, "}}");
        w!(out, "}}\n");
    }
    emit_validate_struct(ctx, out, patterns, &rust, &fields);
}

/// The argument type a constructor or setter takes for a field.
fn arg_type(ctx: &Context<'_>, f: &Field<'_>) -> String {
    let target = ctx.known(&f.member.shape);
    let base = ctx.rust_type(&f.member.shape, Some(f.member));
    match target.kind.as_str() {
        "boolean" | "byte" | "short" | "integer" | "long" | "float" | "double" => base,
        _ => format!("impl Into<{base}>"),
    }
}

fn arg_value(ctx: &Context<'_>, f: &Field<'_>) -> String {
    let target = ctx.known(&f.member.shape);
    let plain = matches!(
        target.kind.as_str(),
        "boolean" | "byte" | "short" | "integer" | "long" | "float" | "double"
    );
    let value = if plain {
        f.ident.clone()
    } else {
        format!("{}.into()", f.ident)
    };
    if f.boxed {
        format!("Box::new({value})")
    } else {
        value
    }
}

/// Emits a union as an enum with an `Unknown` variant.
pub(crate) fn emit_union(ctx: &Context<'_>, out: &mut String, patterns: &mut Patterns, name: &str, shape: &Shape) {
    let rust = ctx.type_name(name).to_owned();
    // In an event stream, exceptions are errors, not variants.
    let fields: Vec<Field<'_>> = fields(ctx, name, shape)
        .into_iter()
        .filter(|f| !ctx.known(&f.member.shape).exception)
        .collect();
    let redact = fields.iter().any(|f| f.sensitive);
    let mut text = if shape.eventstream {
        format!("An event of the `{name}` stream.")
    } else {
        format!("The `{name}` union: exactly one member is set.")
    };
    if let Some(link) = ctx.doc_link(name) {
        text.push_str(&format!("\n\n[API reference]({link})"));
    }
    doc(out, &text);
    w!(
        out,
        "#[derive(Clone, PartialEq{})]",
        if redact { "" } else { ", Debug" }
    );
    w!(out, "#[non_exhaustive]");
    w!(out, "pub enum {rust} {{");
    let variants: Vec<String> = fields.iter().map(|f| names::variant_name(f.name)).collect();
    for (f, v) in fields.iter().zip(&variants) {
        doc(out, &member_doc(ctx, f));
        w!(out, "{v}({}),", f.ty);
    }
    doc(
        out,
        "A member this version of the models does not know; kept so that it round-trips.",
    );
    w!(out, "Unknown(UnknownMember),");
    w!(out, "}}\n");

    emit_serde(out, &rust);

    w!(out, "impl json::WriteJson for {rust} {{");
    w!(out, "fn write_json(&self, writer: &mut json::Writer) {{");
    w!(
        out,
        "if let Self::Unknown(unknown) = self {{ return unknown.write_json(writer); }}"
    );
    w!(out, "let mut object = writer.begin_object();");
    w!(out, "match self {{");
    for (f, v) in fields.iter().zip(&variants) {
        match f.codec {
            Some(codec) => w!(
                out,
                "Self::{v}(value) => writer.encode_required::<{}, _>(&mut object, {}, value),",
                codec_marker(codec),
                lit(f.wire)
            ),
            None => w!(
                out,
                "Self::{v}(value) => writer.required(&mut object, {}, value),",
                lit(f.wire)
            ),
        }
    }
    w!(out, "Self::Unknown(_) => {{}}");
    w!(out, "}}");
    w!(out, "writer.end_object(object);");
    w!(out, "}}");
    w!(out, "}}\n");

    w!(out, "impl json::ReadJson for {rust} {{");
    w!(
        out,
        "fn read_json(reader: &mut json::Reader<'_>) -> Result<Self, json::Error> {{"
    );
    w!(out, "let mut value = None;");
    let names: Vec<String> = fields.iter().map(|f| lit(f.wire)).collect();
    w!(
        out,
        "reader.read_union({}, &[{}], &mut |member, key, reader| {{",
        lit(name),
        names.join(", ")
    );
    w!(out, "value = Some(match member {{");
    for (i, (f, v)) in fields.iter().zip(&variants).enumerate() {
        match f.codec {
            Some(codec) => w!(
                out,
                "{i} => Self::{v}(reader.decode::<{}, {}>()?),",
                codec_marker(codec),
                f.ty
            ),
            None => w!(out, "{i} => Self::{v}(reader.read()?),"),
        }
    }
    w!(out, "_ => Self::Unknown(UnknownMember::read_value(key, reader)?),");
    w!(out, "}});");
    w!(out, "Ok(())");
    w!(out, "}})?;");
    w!(out, "json::union_value({}, value)", lit(name));
    w!(out, "}}");
    w!(out, "}}\n");

    if redact {
        w!(out, "impl std::fmt::Debug for {rust} {{");
        w!(
            out,
            "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{"
        );
        w!(out, "match self {{");
        for (fl, v) in fields.iter().zip(&variants) {
            if fl.sensitive {
                w!(
                    out,
                    "Self::{v}(_) => f.debug_tuple({}).field(&REDACTED).finish(),",
                    lit(v)
                );
            } else {
                w!(
                    out,
                    "Self::{v}(value) => f.debug_tuple({}).field(value).finish(),",
                    lit(v)
                );
            }
        }
        w!(
            out,
            "Self::Unknown(value) => f.debug_tuple(\"Unknown\").field(value).finish(),"
        );
        w!(out, "}}");
        w!(out, "}}");
        w!(out, "}}\n");
    }

    let checked: Vec<(&Field<'_>, &String)> = fields
        .iter()
        .zip(&variants)
        .filter(|(f, _)| ctx.has_checks(&f.member.shape))
        .collect();
    w!(out, "#[cfg(feature = \"validate\")]");
    w!(out, "impl Validate for {rust} {{");
    if checked.is_empty() {
        w!(
            out,
            "fn validate_at(&self, _path: &str, _out: &mut Vec<Violation>) {{}}"
        );
    } else {
        w!(out, "fn validate_at(&self, path: &str, out: &mut Vec<Violation>) {{");
        w!(out, "match self {{");
        for (f, v) in checked {
            w!(out, "Self::{v}(value) => {{");
            w!(out, "let path = member_path(path, {});", lit(f.name));
            emit_checks(ctx, out, patterns, "value", &f.member.shape, "path", 0);
            w!(out, "}}");
        }
        w!(out, "_ => {{}}");
        w!(out, "}}");
        w!(out, "}}");
    }
    w!(out, "}}\n");
}

/// Emits a string enum with an `Unknown` variant.
fn emit_enum(ctx: &Context<'_>, out: &mut String, name: &str, shape: &Shape) {
    let text = format!("The `{name}` enum; values the models do not know parse as `Unknown`.");
    emit_string_enum(out, ctx.type_name(name), &shape.enum_values, &text);
}

/// Emits string enum `rust` with `values` and an `Unknown` variant, documented by `text`
/// (shared with the OpenAPI front end's emitter).
pub(crate) fn emit_string_enum(out: &mut String, rust: &str, values: &[String], text: &str) {
    let mut variants: Vec<(String, &str)> = Vec::new();
    for value in values {
        let mut v = names::variant_name(value);
        while variants.iter().any(|(existing, _)| *existing == v) {
            v.push('_');
        }
        variants.push((v, value));
    }
    doc(out, text);
    w!(out, "#[derive(Clone, Debug, PartialEq, Eq, Hash)]");
    w!(out, "#[non_exhaustive]");
    w!(out, "pub enum {rust} {{");
    for (v, value) in &variants {
        doc(out, &format!("`{value}`"));
        w!(out, "{v},");
    }
    doc(out, "A value this version of the models does not know.");
    w!(out, "Unknown(UnknownValue),");
    w!(out, "}}\n");
    w!(out, "impl {rust} {{");
    doc(out, "Every known value, in spec order.");
    let all: Vec<String> = variants.iter().map(|(_, value)| lit(value)).collect();
    w!(
        out,
        "pub const VALUES: &'static [&'static str] = &[{}];\n",
        all.join(", ")
    );
    doc(out, "The wire value.");
    w!(out, "pub fn as_str(&self) -> &str {{");
    w!(out, "match self {{");
    for (v, value) in &variants {
        w!(out, "Self::{v} => {},", lit(value));
    }
    w!(out, "Self::Unknown(value) => value.as_str(),");
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");
    w!(out, "impl From<&str> for {rust} {{");
    w!(out, "fn from(value: &str) -> Self {{");
    w!(out, "match value {{");
    for (v, value) in &variants {
        w!(out, "{} => Self::{v},", lit(value));
    }
    w!(out, "other => Self::Unknown(UnknownValue::__from_unmatched(other)),");
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");
    w!(out, "impl std::str::FromStr for {rust} {{");
    w!(out, "type Err = std::convert::Infallible;");
    w!(
        out,
        "fn from_str(value: &str) -> Result<Self, Self::Err> {{ Ok(Self::from(value)) }}"
    );
    w!(out, "}}\n");
    w!(out, "impl std::fmt::Display for {rust} {{");
    w!(
        out,
        "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{ f.write_str(self.as_str()) }}"
    );
    w!(out, "}}\n");
    w!(out, "impl serde::Serialize for {rust} {{");
    w!(out, "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{ serializer.serialize_str(self.as_str()) }}");
    w!(out, "}}\n");
    w!(out, "impl<'de> serde::Deserialize<'de> for {rust} {{");
    w!(out, "fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{ bedrock_wire::enums::deserialize(deserializer) }}");
    w!(out, "}}\n");
    w!(out, "impl json::WriteJson for {rust} {{");
    w!(
        out,
        "fn write_json(&self, writer: &mut json::Writer) {{ writer.text(self.as_str()) }}"
    );
    w!(out, "}}\n");
    w!(out, "impl json::ReadJson for {rust} {{");
    w!(
        out,
        "fn read_json(reader: &mut json::Reader<'_>) -> Result<Self, json::Error> {{ reader.string_enum() }}"
    );
    w!(out, "}}\n");
}

pub(crate) const TYPES_PRELUDE: &str = "#![allow(clippy::all, unused_imports)]

use std::collections::HashMap;

use bedrock_wire::codec::{Base64, Decoded, Encoded, EpochSeconds, Float, HttpDate, Rfc3339};
use bedrock_wire::enums::UnknownValue;
use bedrock_wire::json::{self, ReadJson as _, WriteJson as _};
use bedrock_wire::union::UnknownMember;
use bedrock_wire::validate::{check_length, check_pattern, check_range, index_path, member_path, Pattern, Validate, Violation};
use bedrock_wire::{Blob, DateTime, Document, REDACTED};
";

/// `types.rs`: every structure, union and enum that is not an exception or event stream.
pub(crate) fn types_file(ctx: &Context<'_>) -> Result<String, CodegenError> {
    let mut out = file_header(&ctx.options.header, "Structures, unions and enums.");
    out.push_str(TYPES_PRELUDE);
    out.push('\n');
    let mut patterns = Patterns::default();
    for (name, shape) in &ctx.service.shapes {
        if !ctx.type_names.contains_key(name.as_str()) {
            continue;
        }
        match shape.kind.as_str() {
            "string" => emit_enum(ctx, &mut out, name, shape),
            _ => match ctx.struct_kind(shape) {
                StructKind::Plain => emit_struct(ctx, &mut out, &mut patterns, name, shape),
                StructKind::Union => emit_union(ctx, &mut out, &mut patterns, name, shape),
                StructKind::Exception | StructKind::EventStream | StructKind::Document => {}
            },
        }
    }
    patterns.emit(&mut out);
    Ok(out)
}

/// `error.rs`: exception structures and one error enum per operation.
pub(crate) fn errors_file(ctx: &Context<'_>) -> Result<String, CodegenError> {
    let mut out = file_header(&ctx.options.header, "Modeled errors, and each operation's error enum.");
    out.push_str(TYPES_PRELUDE);
    out.push_str("use super::types::*;\n\n");
    let mut patterns = Patterns::default();
    for (name, shape) in ctx.shapes_of(&[StructKind::Exception]) {
        emit_struct(ctx, &mut out, &mut patterns, name, shape);
        let rust = ctx.type_name(name);
        let message = fields(ctx, name, shape)
            .into_iter()
            .find(|f| f.name.eq_ignore_ascii_case("message") && ctx.known(&f.member.shape).kind == "string");
        w!(out, "impl std::fmt::Display for {rust} {{");
        w!(
            out,
            "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{"
        );
        match message {
            Some(m) if m.required && !m.sensitive => w!(out, "write!(f, \"{name}: {{}}\", self.{})", m.ident),
            Some(m) if !m.sensitive => {
                w!(out, "match &self.{} {{", m.ident);
                w!(out, "Some(message) => write!(f, \"{name}: {{message}}\"),");
                w!(out, "None => f.write_str({}),", lit(name));
                w!(out, "}}");
            }
            _ => w!(out, "f.write_str({})", lit(name)),
        }
        w!(out, "}}");
        w!(out, "}}\n");
        w!(out, "impl std::error::Error for {rust} {{}}\n");
    }
    for (op_name, op) in ctx.operations() {
        emit_operation_error(
            ctx,
            &mut out,
            op_name,
            &op.errors.iter().map(|e| e.shape.as_str()).collect::<Vec<_>>(),
        );
    }
    patterns.emit(&mut out);
    Ok(out)
}

/// An error enum over modeled exceptions plus `Unhandled`.
pub(crate) fn emit_operation_error(ctx: &Context<'_>, out: &mut String, op_name: &str, errors: &[&str]) {
    let rust = ctx.error_enum(op_name);
    doc(out, &format!("Errors of the `{op_name}` operation: its modeled exceptions, or `Unhandled`.\n\nThe code, message, status and request id of every error are in [`bedrock_wire::ErrorMetadata`]."));
    w!(out, "#[derive(Clone, Debug, PartialEq)]");
    w!(out, "#[non_exhaustive]");
    w!(out, "pub enum {rust} {{");
    for e in errors {
        let t = ctx.type_name(e);
        doc(out, &format!("[`{t}`]"));
        w!(out, "{t}({t}),");
    }
    doc(out, "An error code this operation does not model.");
    w!(out, "Unhandled,");
    w!(out, "}}\n");
    w!(out, "impl {rust} {{");
    doc(out, "The error code of a modeled exception.");
    w!(out, "pub fn code(&self) -> Option<&'static str> {{");
    w!(out, "match self {{");
    for e in errors {
        w!(out, "Self::{}(_) => Some({}),", ctx.type_name(e), lit(e));
    }
    w!(out, "Self::Unhandled => None,");
    w!(out, "}}");
    w!(out, "}}\n");
    let retryable: Vec<&str> = errors
        .iter()
        .copied()
        .filter(|e| ctx.known(e).retryable.is_some())
        .collect();
    doc(out, "Whether the spec marks this error as retryable.");
    if retryable.is_empty() {
        w!(out, "pub fn is_retryable(&self) -> bool {{ false }}");
    } else {
        let pats: Vec<String> = retryable
            .iter()
            .map(|e| format!("Self::{}(_)", ctx.type_name(e)))
            .collect();
        w!(
            out,
            "pub fn is_retryable(&self) -> bool {{ matches!(self, {}) }}",
            pats.join(" | ")
        );
    }
    w!(out, "}}\n");
    emit_operation_error_trait(ctx, out, &rust, errors);
    w!(out, "impl std::fmt::Display for {rust} {{");
    w!(
        out,
        "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{"
    );
    w!(out, "match self {{");
    for e in errors {
        w!(out, "Self::{}(error) => error.fmt(f),", ctx.type_name(e));
    }
    w!(out, "Self::Unhandled => f.write_str(\"unhandled error\"),");
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");
    w!(out, "impl std::error::Error for {rust} {{");
    w!(out, "fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {{");
    w!(out, "match self {{");
    for e in errors {
        w!(out, "Self::{}(error) => Some(error),", ctx.type_name(e));
    }
    w!(out, "Self::Unhandled => None,");
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");
}

/// The model's retry verdict of an exception: `Retryable` or `Throttling` when it has the
/// `retryable` trait (`{"throttling": true}` for the latter).
fn error_retry(ctx: &Context<'_>, error: &str) -> &'static str {
    match &ctx.known(error).retryable {
        None => "NotRetryable",
        Some(flags) if flags.get("throttling").and_then(|t| t.as_bool()) == Some(true) => "Throttling",
        Some(_) => "Retryable",
    }
}

/// `bedrock_wire::OperationError` for an operation's error enum.
fn emit_operation_error_trait(ctx: &Context<'_>, out: &mut String, rust: &str, errors: &[&str]) {
    w!(out, "impl bedrock_wire::OperationError for {rust} {{");
    w!(out, "fn code(&self) -> Option<&'static str> {{ {rust}::code(self) }}\n");
    w!(out, "fn is_retryable(&self) -> bool {{ {rust}::is_retryable(self) }}\n");
    let throttling: Vec<String> = errors
        .iter()
        .filter(|e| error_retry(ctx, e) == "Throttling")
        .map(|e| format!("Self::{}(_)", ctx.type_name(e)))
        .collect();
    if throttling.is_empty() {
        w!(out, "fn is_throttling(&self) -> bool {{ false }}\n");
    } else {
        w!(
            out,
            "fn is_throttling(&self) -> bool {{ matches!(self, {}) }}\n",
            throttling.join(" | ")
        );
    }
    w!(
        out,
        "fn modeled_retry(code: &str) -> Option<bedrock_wire::ErrorRetry> {{"
    );
    if errors.is_empty() {
        w!(out, "let _ = code;");
        w!(out, "None");
    } else {
        w!(out, "match code {{");
        for e in errors {
            w!(
                out,
                "{} => Some(bedrock_wire::ErrorRetry::{}),",
                lit(e),
                error_retry(ctx, e)
            );
        }
        w!(out, "_ => None,");
        w!(out, "}}");
    }
    w!(out, "}}");
    w!(out, "}}\n");
}
