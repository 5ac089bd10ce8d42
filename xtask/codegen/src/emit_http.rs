//! `operation.rs`: request serialization, response parsing, error dispatch and paginators.

use std::collections::BTreeSet;

use crate::emit_serde::{emit_read_json, emit_write_json, SerdeMember};
use crate::emit_types::{fields, Field};
use crate::model::{Member, Operation, Shape};
use crate::writer::{doc, file_header, lit, w};
use crate::{names, Binding, CodegenError, Context};

const PRELUDE: &str = "#![allow(clippy::all, unused_imports, unused_mut, unused_variables)]

use std::collections::HashMap;

use bedrock_wire::__private::http::{self, header::{CONTENT_LENGTH, CONTENT_TYPE}, Method};
use bedrock_wire::__private::{serde_json, Bytes};
use bedrock_wire::codec::{Base64, Decoded, Encoded, EpochSeconds, Float, HttpDate, Rfc3339};
use bedrock_wire::http::*;
use bedrock_wire::json::{self, ReadJson as _, WriteJson as _};
use bedrock_wire::operation::{HostPrefix, IdempotencyTokens};
use bedrock_wire::{Blob, BuildError, DateTime, Document, ErrorMetadata, MalformedResponse, Operation, Paginated, ResponseError, ServiceError};
use bedrock_wire::__private::http::header::HeaderValue;

use super::error::*;
use super::types::*;
";

/// The marker type name of an operation, avoiding clashes with shape types.
pub(crate) fn marker_name(ctx: &Context<'_>, op: &str) -> String {
    let base = names::pascal_case(op);
    if ctx.type_names.values().any(|t| *t == base) {
        format!("{base}Operation")
    } else {
        base
    }
}

pub(crate) fn operations_file(ctx: &Context<'_>) -> Result<String, CodegenError> {
    let mut out = file_header(
        &ctx.options.header,
        "One type per operation: the sans-IO request builder and response parser.",
    );
    out.push_str(PRELUDE);
    out.push('\n');
    let mut parsers: BTreeSet<&str> = BTreeSet::new();
    for (op_name, op) in ctx.operations() {
        emit_operation(ctx, &mut out, op_name, op, &mut parsers)?;
    }
    for name in parsers {
        emit_struct_parser(ctx, &mut out, name, ctx.known(name));
    }
    Ok(out)
}

fn emit_operation<'a>(
    ctx: &Context<'a>,
    out: &mut String,
    op_name: &'a str,
    op: &'a Operation,
    parsers: &mut BTreeSet<&'a str>,
) -> Result<(), CodegenError> {
    let marker = marker_name(ctx, op_name);
    let input_ty = op
        .input
        .as_ref()
        .map_or("()".to_owned(), |i| ctx.type_name(&i.shape).to_owned());
    let output_ty = op
        .output
        .as_ref()
        .map_or("()".to_owned(), |o| ctx.type_name(&o.shape).to_owned());
    let error_ty = ctx.error_enum(op_name);
    let method = op.http.method.to_ascii_uppercase();
    let mut text = format!("The `{op_name}` operation: `{method} {}`.", op.http.request_uri);
    if op.deprecated {
        text.push_str("\n\nDeprecated.");
    }
    if let Some(link) = ctx.doc_link(op_name) {
        text.push_str(&format!("\n\n[API reference]({link})"));
    }
    doc(out, &text);
    w!(out, "#[derive(Clone, Copy, Debug, Default)]");
    w!(out, "pub struct {marker};\n");
    w!(out, "impl Operation for {marker} {{");
    w!(out, "const NAME: &'static str = {};", lit(op_name));
    w!(out, "const METHOD: Method = Method::{method};");
    w!(
        out,
        "const IDEMPOTENT: bool = {};",
        op.idempotent || matches!(method.as_str(), "GET" | "PUT" | "DELETE" | "HEAD")
    );
    w!(out, "type Input = {input_ty};");
    w!(out, "type Output = {output_ty};");
    w!(out, "type Error = {error_ty};\n");

    let input = op.input.as_ref().map(|i| (i.shape.as_str(), ctx.known(&i.shape)));
    if let Some((name, shape)) = input {
        let tokens: Vec<Field<'_>> = fields(ctx, name, shape)
            .into_iter()
            .filter(|f| f.member.idempotency_token)
            .collect();
        if !tokens.is_empty() {
            w!(
                out,
                "fn fill_idempotency_tokens(input: &mut {input_ty}, tokens: &dyn IdempotencyTokens) {{"
            );
            for f in tokens {
                if f.required {
                    w!(
                        out,
                        "if input.{0}.is_empty() {{ input.{0} = tokens.token(); }}",
                        f.ident
                    );
                } else {
                    w!(
                        out,
                        "if input.{0}.is_none() {{ input.{0} = Some(tokens.token()); }}",
                        f.ident
                    );
                }
            }
            w!(out, "}}\n");
        }
    }

    w!(
        out,
        "fn build_request(input: &{input_ty}) -> Result<http::Request<Bytes>, BuildError> {{"
    );
    emit_build_request(ctx, out, op, input)?;
    w!(out, "}}\n");

    w!(
        out,
        "fn parse_response(response: &http::Response<Bytes>) -> Result<{output_ty}, ResponseError<{error_ty}>> {{"
    );
    w!(out, "if !response.status().is_success() {{");
    w!(
        out,
        "let meta = ErrorMetadata::from_response(response.status().as_u16(), response.headers(), response.body());"
    );
    w!(out, "let kind = match meta.code.as_deref() {{");
    for e in &op.errors {
        parsers.insert(ctx.key(&e.shape));
        let t = ctx.type_name(&e.shape);
        w!(
            out,
            "Some({}) => {error_ty}::{t}(parse_{}(response)?),",
            lit(&e.shape),
            names::snake_case(&e.shape)
        );
    }
    w!(out, "_ => {error_ty}::Unhandled,");
    w!(out, "}};");
    w!(
        out,
        "return Err(ResponseError::Service(ServiceError {{ kind, meta }}));"
    );
    w!(out, "}}");
    match &op.output {
        Some(o) => {
            parsers.insert(ctx.key(&o.shape));
            w!(out, "Ok(parse_{}(response)?)", names::snake_case(&o.shape));
        }
        None => w!(out, "Ok(())"),
    }
    w!(out, "}}");
    w!(out, "}}\n");

    if ctx.paginators.pagination.get(op_name).is_some() {
        emit_paginator(ctx, out, &marker, op_name, op);
    }
    Ok(())
}

/// How a scalar of `shape` is written as text in a label, query parameter or header.
pub(crate) fn scalar_to_text(
    ctx: &Context<'_>,
    expr: &str,
    shape_name: &str,
    member: Option<&Member>,
    binding: Binding,
) -> String {
    let shape = ctx.known(shape_name);
    match shape.kind.as_str() {
        "string" if shape.enum_values.is_empty() => format!("{expr}.as_str()"),
        "string" => format!("{expr}.as_str()"),
        "boolean" | "byte" | "short" | "integer" | "long" => format!("&{expr}.to_string()"),
        "float" | "double" => format!("&fmt_float(*{expr})"),
        "timestamp" => {
            let format = timestamp_format(ctx, shape_name, member, binding);
            format!("&fmt_timestamp({expr}, Format::{format})?")
        }
        other => unreachable!("`{other}` is not a scalar"),
    }
}

/// The `Format` variant for a timestamp at a binding.
pub(crate) fn timestamp_format(
    ctx: &Context<'_>,
    shape_name: &str,
    member: Option<&Member>,
    binding: Binding,
) -> &'static str {
    match ctx.codec(shape_name, member, binding) {
        Some("http_date") => "HttpDate",
        Some("epoch_seconds") => "EpochSeconds",
        _ => "DateTime",
    }
}

fn emit_build_request(
    ctx: &Context<'_>,
    out: &mut String,
    op: &Operation,
    input: Option<(&str, &Shape)>,
) -> Result<(), CodegenError> {
    let fields = input.map(|(name, shape)| fields(ctx, name, shape)).unwrap_or_default();
    let (path, constant_query) = match op.http.request_uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (op.http.request_uri.as_str(), None),
    };
    w!(out, "let mut uri = String::with_capacity({});", path.len() + 32);
    // Path: literal text and {label} / {label+} placeholders.
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let literal = &rest[..start];
        if !literal.is_empty() {
            w!(out, "uri.push_str({});", lit(literal));
        }
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .ok_or_else(|| CodegenError::Unsupported(format!("unterminated label in `{}`", op.http.request_uri)))?;
        let label = &rest[start + 1..end];
        let (label, greedy) = match label.strip_suffix('+') {
            Some(l) => (l, true),
            None => (label, false),
        };
        let f = fields
            .iter()
            .find(|f| f.location == Some("uri") && f.wire == label)
            .ok_or_else(|| CodegenError::Unsupported(format!("label `{label}` has no member")))?;
        let value = if f.required {
            format!("&input.{}", f.ident)
        } else {
            w!(
                out,
                "let Some(label) = &input.{} else {{ return Err(BuildError::empty_label({})); }};",
                f.ident,
                lit(f.name)
            );
            "label".to_owned()
        };
        w!(out, "{{");
        w!(
            out,
            "let text: &str = {};",
            scalar_to_text(ctx, &value, &f.member.shape, Some(f.member), Binding::Query)
        );
        w!(
            out,
            "if text.is_empty() {{ return Err(BuildError::empty_label({})); }}",
            lit(f.name)
        );
        w!(out, "push_label(&mut uri, text, {greedy});");
        w!(out, "}}");
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        w!(out, "uri.push_str({});", lit(rest));
    }
    if let Some(q) = constant_query {
        w!(out, "uri.push_str({});", lit(&format!("?{q}")));
    }

    // Query parameters; map-bound ones last so named parameters win.
    let query: Vec<&Field<'_>> = fields.iter().filter(|f| f.location == Some("querystring")).collect();
    if !query.is_empty() {
        w!(out, "let mut query = QueryWriter::new(uri);");
        let (maps, named): (Vec<&&Field<'_>>, Vec<&&Field<'_>>) =
            query.iter().partition(|f| ctx.known(&f.member.shape).kind == "map");
        for f in named {
            let (open, value) = optional(f, "input", "value");
            w!(out, "{open}");
            let shape = ctx.known(&f.member.shape);
            if shape.kind == "list" {
                let m = shape.member.as_ref().expect("list member");
                w!(out, "for item in {value} {{");
                w!(
                    out,
                    "query.push({}, {});",
                    lit(f.wire),
                    scalar_to_text(ctx, "item", &m.shape, Some(m), Binding::Query)
                );
                w!(out, "}}");
            } else {
                w!(
                    out,
                    "query.push({}, {});",
                    lit(f.wire),
                    scalar_to_text(ctx, &value, &f.member.shape, Some(f.member), Binding::Query)
                );
            }
            w!(out, "}}");
        }
        for f in maps {
            let (open, value) = optional(f, "input", "map");
            w!(out, "{open}");
            let shape = ctx.known(&f.member.shape);
            let v = shape.value.as_ref().expect("map value");
            let vshape = ctx.known(&v.shape);
            w!(out, "for (key, value) in {value} {{");
            w!(out, "if query.contains_key(key) {{ continue; }}");
            if vshape.kind == "list" {
                let m = vshape.member.as_ref().expect("list member");
                w!(out, "for item in value {{");
                w!(
                    out,
                    "query.push(key, {});",
                    scalar_to_text(ctx, "item", &m.shape, Some(m), Binding::Query)
                );
                w!(out, "}}");
            } else {
                w!(
                    out,
                    "query.push(key, {});",
                    scalar_to_text(ctx, "value", &v.shape, Some(v), Binding::Query)
                );
            }
            w!(out, "}}");
            w!(out, "}}");
        }
        w!(out, "let uri = query.finish();");
    }

    w!(
        out,
        "let mut builder = http::Request::builder().method(Method::{}).uri(uri);",
        op.http.method.to_ascii_uppercase()
    );

    if let Some(endpoint) = &op.endpoint {
        let mut prefix = endpoint.host_prefix.as_str();
        w!(out, "let mut host_prefix = String::new();");
        while let Some(start) = prefix.find('{') {
            if start > 0 {
                w!(out, "host_prefix.push_str({});", lit(&prefix[..start]));
            }
            let end = prefix[start..].find('}').map(|e| start + e).unwrap_or(prefix.len() - 1);
            let label = &prefix[start + 1..end];
            let f = fields
                .iter()
                .find(|f| f.name == label && f.member.host_label)
                .ok_or_else(|| CodegenError::Unsupported(format!("host label `{label}` has no member")))?;
            let value = if f.required {
                format!("input.{}.as_str()", f.ident)
            } else {
                format!("input.{}.as_deref().unwrap_or_default()", f.ident)
            };
            w!(out, "let label: &str = {value};");
            w!(
                out,
                "if label.is_empty() || !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {{"
            );
            w!(out, "return Err(BuildError::empty_label({}));", lit(f.name));
            w!(out, "}}");
            w!(out, "host_prefix.push_str(label);");
            prefix = &prefix[end + 1..];
        }
        if !prefix.is_empty() {
            w!(out, "host_prefix.push_str({});", lit(prefix));
        }
        w!(out, "builder = builder.extension(HostPrefix(host_prefix));");
    }

    emit_headers(ctx, out, &fields, "input", "header_value");
    emit_body(ctx, out, input, &fields, "input", false);
    w!(
        out,
        "if !body.is_empty() {{ builder = builder.header(CONTENT_LENGTH, body.len()); }}"
    );
    w!(
        out,
        "builder.body(body).map_err(|e| BuildError::serialize(\"the request\", e))"
    );
    Ok(())
}

/// Header-bound members of `{base}` (a structure value in scope) onto `builder`, a request or response builder.
pub(crate) fn emit_headers(ctx: &Context<'_>, out: &mut String, fields: &[Field<'_>], base: &str, value_fn: &str) {
    // Headers.
    for f in fields.iter().filter(|f| f.location == Some("header")) {
        let (open, value) = optional(f, base, "value");
        w!(out, "{open}");
        let shape = ctx.known(&f.member.shape);
        let name_lit = lit(f.name);
        if f.member.jsonvalue {
            w!(
                out,
                "let json = serde_json::to_string({value}).map_err(|e| BuildError::serialize({name_lit}, e))?;"
            );
            w!(
                out,
                "builder = builder.header({}, {value_fn}({name_lit}, &fmt_base64_header(&json))?);",
                lit(f.wire)
            );
        } else if shape.kind == "list" {
            let m = shape.member.as_ref().expect("list member");
            let mshape = ctx.known(&m.shape);
            let item = scalar_to_text(ctx, "item", &m.shape, Some(m), Binding::Header);
            if mshape.kind == "timestamp" && timestamp_format(ctx, &m.shape, Some(m), Binding::Header) == "HttpDate" {
                w!(out, "let items = {value}.iter().map(|item| Ok::<String, BuildError>(({}).to_owned())).collect::<Result<Vec<_>, _>>()?;", item);
                w!(
                    out,
                    "builder = builder.header({}, {value_fn}({name_lit}, &items.join(\", \"))?);",
                    lit(f.wire)
                );
            } else {
                w!(out, "let items = {value}.iter().map(|item| Ok::<String, BuildError>(({}).to_owned())).collect::<Result<Vec<_>, _>>()?;", item);
                w!(out, "builder = builder.header({}, {value_fn}({name_lit}, &fmt_header_list(items.iter().map(String::as_str)))?);", lit(f.wire));
            }
        } else {
            let text = scalar_to_text(ctx, &value, &f.member.shape, Some(f.member), Binding::Header);
            let text = if shape.json_value {
                format!("&fmt_base64_header({text})")
            } else {
                text
            };
            w!(
                out,
                "builder = builder.header({}, {value_fn}({name_lit}, {text})?);",
                lit(f.wire)
            );
        }
        w!(out, "}}");
    }
    for f in fields.iter().filter(|f| f.location == Some("headers")) {
        let (open, value) = optional(f, base, "map");
        w!(out, "{open}");
        w!(out, "for (key, value) in {value} {{");
        w!(
            out,
            "builder = builder.header(format!(\"{}{{key}}\"), {value_fn}({}, value)?);",
            f.wire,
            lit(f.name)
        );
        w!(out, "}}");
        w!(out, "}}");
    }
}

/// `let body = ...;` for the payload or body members of `{base}` (a value of structure `input`), with
/// its content type on `builder`. With `object_when_empty`, a structure without body members
/// still gets `{}` (what services answer); requests without body members have no body.
pub(crate) fn emit_body(
    ctx: &Context<'_>,
    out: &mut String,
    input: Option<(&str, &Shape)>,
    fields: &[Field<'_>],
    base: &str,
    object_when_empty: bool,
) {
    // Body.
    let payload = input.and_then(|(_, s)| s.payload.as_deref());
    let body_fields: Vec<&Field<'_>> = fields.iter().filter(|f| f.in_body()).collect();
    let content_type = |out: &mut String, ct: &str| {
        w!(
            out,
            "if !builder.headers_ref().is_some_and(|h| h.contains_key(CONTENT_TYPE)) {{"
        );
        w!(out, "builder = builder.header(CONTENT_TYPE, {});", lit(ct));
        w!(out, "}}");
    };
    if let Some(payload) = payload {
        let shape = input.expect("payload implies input").1;
        let member = shape.members.get(payload).expect("payload member exists");
        let target = ctx.known(&member.shape);
        if target.eventstream {
            content_type(out, "application/vnd.amazon.eventstream");
            w!(out, "let body = Bytes::new();");
        } else {
            let f = fields.iter().find(|f| f.name == payload).expect("payload field");
            if f.required {
                w!(out, "let body = {{ let payload = &{base}.{};", f.ident);
            } else if target.kind == "structure" && !target.union && !target.document {
                // An unset structure payload is still an (empty) JSON object.
                w!(out, "let body = match &{base}.{} {{", f.ident);
                w!(out, "None => {{");
                content_type(out, "application/json");
                w!(out, "Bytes::from_static(b\"{{}}\")");
                w!(out, "}}");
                w!(out, "Some(payload) => {{");
            } else {
                w!(
                    out,
                    "let body = match &{base}.{} {{ None => Bytes::new(), Some(payload) => {{",
                    f.ident
                );
            }
            match target.kind.as_str() {
                "blob" => {
                    content_type(out, "application/octet-stream");
                    w!(out, "payload.clone().into_bytes()");
                }
                "string" => {
                    content_type(out, "text/plain");
                    w!(out, "Bytes::copy_from_slice(payload.as_str().as_bytes())");
                }
                _ => {
                    content_type(out, "application/json");
                    w!(out, "json_body(payload)?");
                }
            }
            w!(out, "{}", if f.required { "};" } else { "}};" });
        }
    } else if !body_fields.is_empty() {
        let (name, shape) = input.expect("body fields imply input");
        let has_bound = fields.iter().any(|f| !f.in_body());
        content_type(out, "application/json");
        if has_bound {
            // A view of the input that serializes only the body members.
            let view = format!("{}Body", ctx.type_name(name));
            w!(out, "struct {view}<'a>(&'a {});", ctx.type_name(name));
            let members: Vec<SerdeMember<'_>> = body_fields.iter().map(|f| SerdeMember::with_key(f, f.wire)).collect();
            emit_write_json(out, &format!("{view}<'_>"), "self.0", &members);
            w!(out, "let body = json_body(&{view}({base}))?;");
        } else {
            w!(out, "let body = json_body({base})?;");
        }
        let _ = shape;
    } else if object_when_empty {
        content_type(out, "application/json");
        w!(out, "let body = Bytes::from_static(b\"{{}}\");");
    } else {
        w!(out, "let body = Bytes::new();");
    }
}

/// Opens a block binding `name` to an optional field's value: `(opening line, value expression)`.
fn optional(f: &Field<'_>, base: &str, name: &str) -> (String, String) {
    if f.required {
        (format!("{{ let {name} = &{base}.{};", f.ident), name.to_owned())
    } else {
        (format!("if let Some({name}) = &{base}.{} {{", f.ident), name.to_owned())
    }
}

/// The expression that turns header text `value` (a `&str`) into a value of `shape`.
fn text_to_scalar(ctx: &Context<'_>, shape_name: &str, member: Option<&Member>, header: &str) -> String {
    let shape = ctx.known(shape_name);
    let h = lit(header);
    match shape.kind.as_str() {
        "string" if !shape.enum_values.is_empty() => format!("{}::from(value)", ctx.type_name(shape_name)),
        "string" if shape.json_value => format!("parse_base64_header({h}, value)?"),
        "string" => "value.to_owned()".to_owned(),
        "boolean" => format!("parse_header::<bool>({h}, value)?"),
        "byte" => format!("parse_header::<i8>({h}, value)?"),
        "short" => format!("parse_header::<i16>({h}, value)?"),
        "integer" => format!("parse_header::<i32>({h}, value)?"),
        "long" => format!("parse_header::<i64>({h}, value)?"),
        "float" => format!("parse_float_header({h}, value)? as f32"),
        "double" => format!("parse_float_header({h}, value)?"),
        "timestamp" => format!(
            "parse_timestamp_header({h}, value, Format::{})?",
            timestamp_format(ctx, shape_name, member, Binding::Header)
        ),
        other => unreachable!("`{other}` is not a header scalar"),
    }
}

/// `fn parse_<shape>(response) -> Result<Shape, MalformedResponse>` for outputs and exceptions.
fn emit_struct_parser(ctx: &Context<'_>, out: &mut String, name: &str, shape: &Shape) {
    let rust = ctx.type_name(name);
    let fields = fields(ctx, name, shape);
    w!(
        out,
        "fn parse_{}(response: &http::Response<Bytes>) -> Result<{rust}, MalformedResponse> {{",
        names::snake_case(name)
    );
    let has_bound = fields.iter().any(|f| !f.in_body()) || shape.payload.is_some();
    if !has_bound {
        w!(out, "parse_json_body(response.body())");
        w!(out, "}}\n");
        return;
    }
    w!(out, "let headers = response.headers();");
    let body_fields: Vec<&Field<'_>> = fields.iter().filter(|f| f.in_body()).collect();
    if !body_fields.is_empty() && shape.payload.is_none() {
        w!(out, "struct Body {{");
        for f in &body_fields {
            w!(out, "{}: {},", f.ident, f.decl_type());
        }
        w!(out, "}}");
        let members: Vec<SerdeMember<'_>> = body_fields.iter().map(|f| SerdeMember::with_key(f, f.wire)).collect();
        emit_read_json(out, "Body", name, &members);
        w!(out, "let body: Body = parse_json_body(response.body())?;");
    }
    let mut inits = Vec::new();
    for f in &fields {
        let ident = &f.ident;
        let var = format!("{}_value", ident.trim_start_matches("r#"));
        let target = ctx.known(&f.member.shape);
        if shape.payload.as_deref() == Some(f.name) {
            match target.kind.as_str() {
                // A required payload is present even when empty.
                "blob" if f.required => w!(out, "let {var} = Some(Blob::from_maybe_shared(response.body().clone()));"),
                "blob" => w!(out, "let {var} = if response.body().is_empty() {{ None }} else {{ Some(Blob::from_maybe_shared(response.body().clone())) }};"),
                "string" if !target.enum_values.is_empty() => w!(out, "let {var} = parse_text_payload(response.body())?.map(|value| {}::from(value.as_str()));", ctx.type_name(&f.member.shape)),
                "string" if f.required => w!(out, "let {var} = Some(parse_text_payload(response.body())?.unwrap_or_default());"),
                "string" => w!(out, "let {var} = parse_text_payload(response.body())?;"),
                _ => w!(out, "let {var} = parse_json_payload(response.body())?;"),
            }
        } else {
            match f.location {
                None => {
                    inits.push(format!("{ident}: body.{ident}"));
                    continue;
                }
                Some("statusCode") => w!(out, "let {var} = Some(i32::from(response.status().as_u16()));"),
                Some("header") => {
                    let header = f.wire.to_ascii_lowercase();
                    w!(out, "let {var} = match headers.get({}) {{", lit(&header));
                    w!(out, "Some(value) => {{");
                    w!(out, "let value = header_str({}, value)?;", lit(&header));
                    if f.member.jsonvalue {
                        w!(out, "let text = parse_base64_header({}, value)?;", lit(&header));
                        w!(
                            out,
                            "Some(serde_json::from_str(&text).map_err(|e| MalformedResponse::new({}, e))?)",
                            lit(&format!("JSON in header `{header}`"))
                        );
                    } else if target.kind == "list" {
                        let m = target.member.as_ref().expect("list member");
                        let http_dates = ctx.known(&m.shape).kind == "timestamp"
                            && timestamp_format(ctx, &m.shape, Some(m), Binding::Header) == "HttpDate";
                        w!(out, "let mut items = Vec::new();");
                        w!(
                            out,
                            "for item in split_header_list({}, value, {http_dates})? {{",
                            lit(&header)
                        );
                        w!(out, "let value = item.as_str();");
                        w!(out, "items.push({});", text_to_scalar(ctx, &m.shape, Some(m), &header));
                        w!(out, "}}");
                        w!(out, "Some(items)");
                    } else {
                        w!(
                            out,
                            "Some({})",
                            text_to_scalar(ctx, &f.member.shape, Some(f.member), &header)
                        );
                    }
                    w!(out, "}}");
                    w!(out, "None => None,");
                    w!(out, "}};");
                }
                Some("headers") => {
                    let prefix = f.wire.to_ascii_lowercase();
                    w!(out, "let mut {var} = HashMap::new();");
                    w!(out, "for (name, value) in headers {{");
                    w!(
                        out,
                        "if let Some(key) = name.as_str().strip_prefix({}) {{",
                        lit(&prefix)
                    );
                    w!(
                        out,
                        "{var}.insert(key.to_owned(), header_str(name.as_str(), value)?.to_owned());"
                    );
                    w!(out, "}}");
                    w!(out, "}}");
                    w!(
                        out,
                        "let {var} = if {var}.is_empty() {{ None }} else {{ Some({var}) }};"
                    );
                }
                // Query and label members do not appear in responses.
                Some(_) => w!(out, "let {var} = None;"),
            }
        }
        if f.required {
            w!(
                out,
                "let Some({var}) = {var} else {{ return Err(MalformedResponse::message({})); }};",
                lit(&format!("required member `{}` is missing", f.name))
            );
        }
        let value = if f.boxed {
            if f.required {
                format!("Box::new({var})")
            } else {
                format!("{var}.map(Box::new)")
            }
        } else {
            var
        };
        inits.push(format!("{ident}: {value}"));
    }
    w!(out, "Ok({rust} {{ {} }})", inits.join(", "));
    w!(out, "}}\n");
}

/// The members a `Paginated` impl links, if `paginators-1.json` describes the operation in a
/// way the generator supports.
pub(crate) struct PaginatorParts<'f> {
    pub input_token: Field<'f>,
    pub output_token: Field<'f>,
    pub results: Field<'f>,
    pub item_ty: String,
    pub in_tok: &'f str,
    pub result: &'f str,
}

pub(crate) fn paginator_parts<'a>(ctx: &Context<'a>, op_name: &str, op: &'a Operation) -> Option<PaginatorParts<'a>> {
    let p = ctx.paginators.pagination.get(op_name)?;
    let (input, output) = (op.input.as_ref()?, op.output.as_ref()?);
    let (in_tok, out_tok) = (p.input_token.as_str()?, p.output_token.as_str()?);
    let result = p.result_key.as_ref().and_then(|r| r.as_str())?;
    let in_shape = ctx.known(&input.shape);
    let out_shape = ctx.known(&output.shape);
    let mut in_fields = fields(ctx, &input.shape, in_shape);
    let mut out_fields = fields(ctx, &output.shape, out_shape);
    let tin = in_fields.remove(in_fields.iter().position(|f| f.name == in_tok)?);
    let tout = out_fields.remove(out_fields.iter().position(|f| f.name == out_tok)?);
    let res = out_fields.remove(out_fields.iter().position(|f| f.name == result)?);
    if tin.required || tout.required {
        return None;
    }
    let (tin_name, res_name) = (tin.name, res.name);
    let res_shape = ctx.known(&res.member.shape);
    let item = res_shape.member.as_ref()?;
    let item_ty = ctx.rust_type(&item.shape, Some(item));
    Some(PaginatorParts {
        input_token: tin,
        output_token: tout,
        results: res,
        item_ty,
        in_tok: tin_name,
        result: res_name,
    })
}

fn emit_paginator(ctx: &Context<'_>, out: &mut String, marker: &str, op_name: &str, op: &Operation) {
    let Some(parts) = paginator_parts(ctx, op_name, op) else {
        return;
    };
    let (Some(input), Some(output)) = (&op.input, &op.output) else {
        return;
    };
    let PaginatorParts {
        input_token: tin,
        output_token: tout,
        results: res,
        item_ty,
        in_tok,
        result,
    } = parts;
    doc(
        out,
        &format!("Pages are linked by `{in_tok}`; results are in `{result}`."),
    );
    w!(out, "impl Paginated for {marker} {{");
    w!(out, "type Item = {item_ty};");
    w!(
        out,
        "fn next_token(output: &{}) -> Option<&str> {{ output.{}.as_deref() }}",
        ctx.type_name(&output.shape),
        tout.ident
    );
    w!(
        out,
        "fn set_token(input: &mut {}, token: Option<String>) {{ input.{} = token; }}",
        ctx.type_name(&input.shape),
        tin.ident
    );
    if res.required {
        w!(
            out,
            "fn items(output: {}) -> Vec<{item_ty}> {{ output.{} }}",
            ctx.type_name(&output.shape),
            res.ident
        );
    } else {
        w!(
            out,
            "fn items(output: {}) -> Vec<{item_ty}> {{ output.{}.unwrap_or_default() }}",
            ctx.type_name(&output.shape),
            res.ident
        );
    }
    w!(out, "}}\n");
}
