//! `server.rs`: the server side of every operation and the service's router.
//!
//! Each operation gets a `bedrock_wire::server::ServerOperation` impl, the mirror image of its
//! `Operation` impl in `operation.rs`: `parse_request` reads what `build_request` writes,
//! `build_response` and `build_error` write what `parse_response` reads. The model crates compile
//! this file only with their `server` feature.

use std::collections::BTreeSet;

use crate::emit_http::{emit_body, emit_headers, marker_name, timestamp_format};
use crate::emit_serde::{emit_read_json, SerdeMember};
use crate::emit_types::{fields, Field};
use crate::model::{Member, Operation, Shape};
use crate::writer::{doc, file_header, lit, w};
use crate::{names, Binding, CodegenError, Context};

const PRELUDE: &str = "#![allow(clippy::all, unused_imports, unused_mut, unused_variables)]

use std::collections::HashMap;

use bedrock_wire::__private::http::{self, header::{CONTENT_LENGTH, CONTENT_TYPE}, Method};
use bedrock_wire::__private::{serde_json, Bytes};
use bedrock_wire::codec::{Base64, EpochSeconds, Float, HttpDate, Rfc3339};
use bedrock_wire::http::{fmt_base64_header, fmt_float, fmt_header_list, fmt_timestamp, header_value, json_body, Format};
use bedrock_wire::json::{self, ReadJson as _, WriteJson as _};
use bedrock_wire::server::{
    ascii_header_value, base64_document, base64_text, exception_response, float, header, header_list, prefix_headers, read_json_body,
    read_json_payload, read_text_payload, scalar, status, status_member, timestamp, unhandled_error, Labels, Location,
    Query, RequestError, Route, Segment, ServerOperation,
};
use bedrock_wire::{Blob, BuildError, DateTime, Document, Operation};

use super::error::*;
use super::operation::*;
use super::types::*;
";

pub(crate) fn server_file(ctx: &Context<'_>) -> Result<String, CodegenError> {
    let mut out = file_header(
        &ctx.options.header,
        "The server side of every operation: the router, reading requests, writing responses and errors.\n//!\n//! Compiled with the crate's `server` feature only; `bedrock-local` serves the API with it.",
    );
    out.push_str(PRELUDE);
    out.push('\n');
    emit_router(ctx, &mut out)?;
    let mut writers: BTreeSet<&str> = BTreeSet::new();
    for (op_name, op) in ctx.operations() {
        emit_operation(ctx, &mut out, op_name, op, &mut writers)?;
    }
    for name in writers {
        emit_struct_writer(ctx, &mut out, name, ctx.known(name));
    }
    Ok(out)
}

/// `(path segments, constant query)` of a `requestUri` template, as Rust expressions.
fn route_parts(uri: &str) -> Result<(Vec<String>, Vec<String>), CodegenError> {
    let (path, query) = match uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (uri, None),
    };
    let mut segments = Vec::new();
    for segment in path.trim_start_matches('/').split('/').filter(|s| !s.is_empty()) {
        if let Some(label) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            match label.strip_suffix('+') {
                Some(greedy) => segments.push(format!("Segment::Greedy({})", lit(greedy))),
                None => segments.push(format!("Segment::Label({})", lit(label))),
            }
        } else if segment.contains('{') {
            return Err(CodegenError::Unsupported(format!(
                "a label that is not a whole path segment in `{uri}`"
            )));
        } else {
            segments.push(format!("Segment::Literal({})", lit(segment)));
        }
    }
    let constant = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => format!("({}, Some({}))", lit(name), lit(value)),
            None => format!("({}, None)", lit(pair)),
        })
        .collect();
    Ok((segments, constant))
}

fn emit_router(ctx: &Context<'_>, out: &mut String) -> Result<(), CodegenError> {
    let enum_name = &ctx.options.operation_enum;
    let service = ctx.service.metadata.service_id.as_deref().unwrap_or("the service");
    doc(
        out,
        &format!(
            "The operations of {service}, as the router finds them.\n\nEach variant names the operation type of the same name in [`operation`](super::operation)."
        ),
    );
    w!(out, "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]");
    w!(out, "pub enum {enum_name} {{");
    for (op_name, op) in ctx.operations() {
        doc(
            out,
            &format!(
                "`{op_name}`: `{} {}`.",
                op.http.method.to_ascii_uppercase(),
                op.http.request_uri
            ),
        );
        w!(out, "{},", names::pascal_case(op_name));
    }
    w!(out, "}}\n");

    w!(out, "impl {enum_name} {{");
    doc(out, "Every operation, in the order of the service model.");
    let all: Vec<String> = ctx
        .operations()
        .map(|(n, _)| format!("Self::{}", names::pascal_case(n)))
        .collect();
    w!(out, "pub const ALL: &'static [Self] = &[{}];\n", all.join(", "));
    doc(out, "The operation's name, as in the API reference.");
    w!(out, "pub fn name(self) -> &'static str {{");
    w!(out, "match self {{");
    for (op_name, _) in ctx.operations() {
        w!(out, "Self::{} => {},", names::pascal_case(op_name), lit(op_name));
    }
    w!(out, "}}");
    w!(out, "}}\n");
    doc(out, "The operation's HTTP method and URI template.");
    w!(out, "pub fn route(self) -> &'static Route {{");
    w!(out, "&ROUTES[self as usize].1");
    w!(out, "}}");
    w!(out, "}}\n");

    w!(out, "static ROUTES: &[({enum_name}, Route)] = &[");
    for (op_name, op) in ctx.operations() {
        let (segments, query) = route_parts(&op.http.request_uri)?;
        w!(
            out,
            "({enum_name}::{}, Route {{ method: {}, segments: &[{}], query: &[{}] }}),",
            names::pascal_case(op_name),
            lit(&op.http.method.to_ascii_uppercase()),
            segments.join(", "),
            query.join(", ")
        );
    }
    w!(out, "];\n");

    doc(
        out,
        "Finds the operation a request is for, and its URI labels (percent-decoded).\n\n`path_and_query` is the request target, such as `/model/arn%3Aaws%3A...%2Fm/converse`; constant\nquery parameters of a template must be present. When several templates match, the most specific\nwins: more literal segments, then single-segment labels over greedy ones.",
    );
    w!(
        out,
        "pub fn route(method: &http::Method, path_and_query: &str) -> Option<({enum_name}, Labels)> {{"
    );
    w!(out, "bedrock_wire::server::route(ROUTES, method, path_and_query)");
    w!(out, "}}\n");
    Ok(())
}

fn emit_operation<'a>(
    ctx: &Context<'a>,
    out: &mut String,
    op_name: &'a str,
    op: &'a Operation,
    writers: &mut BTreeSet<&'a str>,
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

    w!(out, "impl ServerOperation for {marker} {{");
    w!(
        out,
        "fn parse_request(request: &http::Request<Bytes>, labels: &Labels) -> Result<{input_ty}, RequestError> {{"
    );
    match &op.input {
        Some(input) => emit_parse_request(ctx, out, op, &input.shape, ctx.known(&input.shape))?,
        None => w!(out, "Ok(())"),
    }
    w!(out, "}}\n");

    let code = op.http.response_code.unwrap_or(200);
    w!(
        out,
        "fn build_response(output: &{output_ty}) -> Result<http::Response<Bytes>, BuildError> {{"
    );
    match &op.output {
        Some(o) => {
            writers.insert(ctx.key(&o.shape));
            w!(out, "write_{}(output, {code})", names::snake_case(&o.shape));
        }
        None => {
            w!(out, "http::Response::builder().status(status({code})).header(CONTENT_TYPE, \"application/json\").header(CONTENT_LENGTH, 2).body(Bytes::from_static(b\"{{}}\")).map_err(|e| BuildError::serialize(\"the response\", e))");
        }
    }
    w!(out, "}}\n");

    w!(
        out,
        "fn build_error(error: &{error_ty}, request_id: &str) -> http::Response<Bytes> {{"
    );
    w!(out, "match error {{");
    for e in &op.errors {
        let shape = ctx.known(&e.shape);
        writers.insert(ctx.key(&e.shape));
        let status = shape
            .error
            .as_ref()
            .and_then(|t| t.http_status_code)
            .unwrap_or(if shape.fault { 500 } else { 400 });
        w!(
            out,
            "{error_ty}::{}(error) => exception_response(write_{}(error, {status}), {status}, {}, request_id),",
            ctx.type_name(&e.shape),
            names::snake_case(&e.shape),
            lit(&e.shape)
        );
    }
    w!(out, "{error_ty}::Unhandled => unhandled_error(request_id),");
    w!(out, "}}");
    w!(out, "}}");
    w!(out, "}}\n");
    Ok(())
}

/// The expression that reads text `value` (a `&str` in scope) as a value of `shape_name`.
fn text_to_value(
    ctx: &Context<'_>,
    shape_name: &str,
    member: Option<&Member>,
    location: &str,
    name: &str,
    binding: Binding,
) -> String {
    let shape = ctx.known(shape_name);
    let n = lit(name);
    match shape.kind.as_str() {
        "string" if !shape.enum_values.is_empty() => format!("{}::from(value)", ctx.type_name(shape_name)),
        "string" if shape.json_value && binding == Binding::Header => format!("base64_text({location}, {n}, value)?"),
        "string" => "value.to_owned()".to_owned(),
        "boolean" => format!("scalar::<bool>({location}, {n}, value)?"),
        "byte" => format!("scalar::<i8>({location}, {n}, value)?"),
        "short" => format!("scalar::<i16>({location}, {n}, value)?"),
        "integer" => format!("scalar::<i32>({location}, {n}, value)?"),
        "long" => format!("scalar::<i64>({location}, {n}, value)?"),
        "float" => format!("float({location}, {n}, value)? as f32"),
        "double" => format!("float({location}, {n}, value)?"),
        "timestamp" => format!(
            "timestamp({location}, {n}, value, Format::{})?",
            timestamp_format(ctx, shape_name, member, binding)
        ),
        other => unreachable!("`{other}` is not a bound scalar"),
    }
}

fn emit_parse_request(
    ctx: &Context<'_>,
    out: &mut String,
    op: &Operation,
    name: &str,
    shape: &Shape,
) -> Result<(), CodegenError> {
    let rust = ctx.type_name(name);
    let fields = fields(ctx, name, shape);
    let uses = |loc: &str| fields.iter().any(|f| f.location == Some(loc));
    if uses("header") || uses("headers") {
        w!(out, "let headers = request.headers();");
    }
    if uses("querystring") {
        w!(out, "let query = Query::of(request);");
    }
    let body_fields: Vec<&Field<'_>> = fields.iter().filter(|f| f.in_body()).collect();
    let has_payload = shape
        .payload
        .as_deref()
        .is_some_and(|p| fields.iter().any(|f| f.name == p));
    if !body_fields.is_empty() && !has_payload {
        // The body members, each optional here so that a missing one is a validation error.
        w!(out, "struct Body {{");
        for f in &body_fields {
            w!(out, "{}: Option<{}>,", f.ident, f.ty);
        }
        w!(out, "}}");
        let members: Vec<SerdeMember<'_>> = body_fields
            .iter()
            .map(|f| SerdeMember {
                required: false,
                ..SerdeMember::with_key(f, f.wire)
            })
            .collect();
        emit_read_json(out, "Body", name, &members);
        w!(out, "let body: Body = read_json_body(request.body())?;");
    }
    // A map-bound query member gets every parameter, those bound to other members too (as servers
    // do), but not the template's constant ones.
    let mut named_query: Vec<String> = Vec::new();
    if let Some((_, q)) = op.http.request_uri.split_once('?') {
        named_query.extend(
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| lit(p.split('=').next().unwrap_or(p))),
        );
    }

    let mut inits = Vec::new();
    for f in &fields {
        let ident = &f.ident;
        let var = format!("{}_value", ident.trim_start_matches("r#"));
        let target = ctx.known(&f.member.shape);
        let n = lit(f.name);
        let location;
        let from_body = f.in_body() && shape.payload.as_deref() != Some(f.name);
        if shape.payload.as_deref() == Some(f.name) {
            location = "Location::Body".to_owned();
            match target.kind.as_str() {
                "blob" if f.required => w!(
                    out,
                    "let {var} = Some(Blob::from_maybe_shared(request.body().clone()));"
                ),
                "blob" => w!(
                    out,
                    "let {var} = if request.body().is_empty() {{ None }} else {{ Some(Blob::from_maybe_shared(request.body().clone())) }};"
                ),
                "string" if !target.enum_values.is_empty() => w!(
                    out,
                    "let {var} = read_text_payload(request.body())?.map(|value| {}::from(value.as_str()));",
                    ctx.type_name(&f.member.shape)
                ),
                "string" if f.required => w!(
                    out,
                    "let {var} = Some(read_text_payload(request.body())?.unwrap_or_default());"
                ),
                "string" => w!(out, "let {var} = read_text_payload(request.body())?;"),
                _ => w!(out, "let {var} = read_json_payload(request.body())?;"),
            }
        } else {
            match f.location {
                None => {
                    location = "Location::Body".to_owned();
                    w!(out, "let {var} = body.{ident};");
                }
                Some("uri") => {
                    location = format!("Location::Label({})", lit(f.wire));
                    // The router only matches a request with every label set.
                    w!(out, "let {var} = {{");
                    w!(out, "let value = labels.require({}, {n})?;", lit(f.wire));
                    let value = text_to_value(ctx, &f.member.shape, Some(f.member), &location, f.name, Binding::Query);
                    if f.required {
                        w!(out, "{value}");
                    } else {
                        w!(out, "Some({value})");
                    }
                    w!(out, "}};");
                }
                Some("querystring") if target.kind == "map" => {
                    location = "Location::Query(\"\")".to_owned();
                    let v = target.value.as_ref().expect("map value");
                    let vshape = ctx.known(&v.shape);
                    w!(out, "let mut {var} = HashMap::new();");
                    w!(out, "for (key, value) in query.iter() {{");
                    if !named_query.is_empty() {
                        w!(out, "if [{}].contains(&key) {{ continue; }}", named_query.join(", "));
                    }
                    if vshape.kind == "list" {
                        let m = vshape.member.as_ref().expect("list member");
                        w!(
                            out,
                            "{var}.entry(key.to_owned()).or_insert_with(Vec::new).push({});",
                            text_to_value(ctx, &m.shape, Some(m), &location, f.name, Binding::Query)
                        );
                    } else {
                        w!(
                            out,
                            "{var}.entry(key.to_owned()).or_insert_with(|| {});",
                            text_to_value(ctx, &v.shape, Some(v), &location, f.name, Binding::Query)
                        );
                    }
                    w!(out, "}}");
                    w!(
                        out,
                        "let {var} = if {var}.is_empty() {{ None }} else {{ Some({var}) }};"
                    );
                }
                Some("querystring") => {
                    location = format!("Location::Query({})", lit(f.wire));
                    if target.kind == "list" {
                        let m = target.member.as_ref().expect("list member");
                        w!(out, "let items = query.all({});", lit(f.wire));
                        w!(out, "let {var} = if items.is_empty() {{ None }} else {{");
                        w!(out, "let mut values = Vec::with_capacity(items.len());");
                        w!(out, "for value in items {{");
                        w!(
                            out,
                            "values.push({});",
                            text_to_value(ctx, &m.shape, Some(m), &location, f.name, Binding::Query)
                        );
                        w!(out, "}}");
                        w!(out, "Some(values)");
                        w!(out, "}};");
                    } else {
                        let value =
                            text_to_value(ctx, &f.member.shape, Some(f.member), &location, f.name, Binding::Query);
                        w!(
                            out,
                            "let {var} = {};",
                            map_option(&format!("query.first({})", lit(f.wire)), &value)
                        );
                    }
                }
                Some("header") => {
                    let header_name = f.wire.to_ascii_lowercase();
                    location = format!("Location::Header({})", lit(&header_name));
                    let text = format!("header(headers, {})?", lit(&header_name));
                    if !f.member.jsonvalue && target.kind != "list" {
                        let value =
                            text_to_value(ctx, &f.member.shape, Some(f.member), &location, f.name, Binding::Header);
                        w!(out, "let {var} = {};", map_option(&text, &value));
                        if f.required {
                            w!(
                                out,
                                "let Some({var}) = {var} else {{ return Err(RequestError::missing({location}, {n})); }};"
                            );
                        }
                        inits.push(format!("{ident}: {}", boxed(f, &var)));
                        continue;
                    }
                    w!(out, "let {var} = match {text} {{");
                    w!(out, "Some(value) => {{");
                    if f.member.jsonvalue {
                        w!(out, "Some(base64_document({location}, {n}, value)?)");
                    } else if target.kind == "list" {
                        let m = target.member.as_ref().expect("list member");
                        let http_dates = ctx.known(&m.shape).kind == "timestamp"
                            && timestamp_format(ctx, &m.shape, Some(m), Binding::Header) == "HttpDate";
                        w!(out, "let mut items = Vec::new();");
                        w!(out, "for item in header_list({location}, {n}, value, {http_dates})? {{");
                        w!(out, "let value = item.as_str();");
                        w!(
                            out,
                            "items.push({});",
                            text_to_value(ctx, &m.shape, Some(m), &location, f.name, Binding::Header)
                        );
                        w!(out, "}}");
                        w!(out, "Some(items)");
                    } else {
                        w!(
                            out,
                            "Some({})",
                            text_to_value(ctx, &f.member.shape, Some(f.member), &location, f.name, Binding::Header)
                        );
                    }
                    w!(out, "}}");
                    w!(out, "None => None,");
                    w!(out, "}};");
                }
                Some("headers") => {
                    let prefix = f.wire.to_ascii_lowercase();
                    location = format!("Location::Header({})", lit(&prefix));
                    // Present (maybe empty) even without such headers, as servers read it.
                    w!(out, "let {var} = Some(prefix_headers(headers, {})?);", lit(&prefix));
                }
                // A status code is not part of a request.
                Some(_) => {
                    location = "Location::Body".to_owned();
                    w!(out, "let {var} = None;");
                }
            }
        }
        if f.required && f.location != Some("uri") {
            w!(
                out,
                "let Some({var}) = {var} else {{ return Err(RequestError::missing({location}, {n})); }};"
            );
        }
        let value = if from_body { var } else { boxed(f, &var) };
        inits.push(format!("{ident}: {value}"));
    }
    w!(out, "Ok({rust} {{ {} }})", inits.join(", "));
    Ok(())
}

/// `fn write_<shape>(value, status) -> Result<http::Response<Bytes>, BuildError>` for outputs and
/// exceptions: a `statusCode` member overrides `status`; headers; the payload, the JSON body, or
/// for an event stream only its content type.
fn emit_struct_writer(ctx: &Context<'_>, out: &mut String, name: &str, shape: &Shape) {
    let rust = ctx.type_name(name);
    let fields = fields(ctx, name, shape);
    w!(
        out,
        "fn write_{}(value: &{rust}, status_code: u16) -> Result<http::Response<Bytes>, BuildError> {{",
        names::snake_case(name)
    );
    w!(
        out,
        "let mut builder = http::Response::builder().status(status(status_code));"
    );
    if let Some(f) = fields.iter().find(|f| f.location == Some("statusCode")) {
        if f.required {
            w!(
                out,
                "builder = builder.status(status_member({}, i32::from(value.{}))?);",
                lit(f.name),
                f.ident
            );
        } else {
            w!(
                out,
                "if let Some(code) = value.{} {{ builder = builder.status(status_member({}, i32::from(code))?); }}",
                f.ident,
                lit(f.name)
            );
        }
    }
    // Clients read response headers as visible ASCII only.
    emit_headers(ctx, out, &fields, "value", "ascii_header_value");
    // A structure without members bound to HTTP is answered with a JSON object even when it has no
    // members at all (`{}`), as services do; one with only bound members has an empty body.
    let object_when_empty = fields.iter().all(|f| f.location.is_none());
    emit_body(ctx, out, Some((name, shape)), &fields, "value", object_when_empty);
    w!(
        out,
        "if !body.is_empty() {{ builder = builder.header(CONTENT_LENGTH, body.len()); }}"
    );
    w!(
        out,
        "builder.body(body).map_err(|e| BuildError::serialize(\"the response\", e))"
    );
    w!(out, "}}\n");
}

/// `{var}`, boxed if the field is.
fn boxed(f: &Field<'_>, var: &str) -> String {
    match (f.boxed, f.required) {
        (false, _) => var.to_owned(),
        (true, true) => format!("Box::new({var})"),
        (true, false) => format!("{var}.map(Box::new)"),
    }
}

/// `option` (an `Option<&str>` expression) with `value` (an expression of `value`, maybe ending in
/// `?`) applied to its content.
fn map_option(option: &str, value: &str) -> String {
    if value == "value.to_owned()" {
        format!("{option}.map(str::to_owned)")
    } else if let Some(function) = value.strip_suffix("(value)").filter(|f| !f.contains('(')) {
        format!("{option}.map({function})")
    } else if let Some(fallible) = value.strip_suffix('?') {
        format!("{option}.map(|value| {fallible}).transpose()?")
    } else if value.contains('?') {
        format!("match {option} {{ Some(value) => Some({value}), None => None }}")
    } else {
        format!("{option}.map(|value| {value})")
    }
}
