//! Random wire-JSON generators for property tests of the generated types.
//!
//! [`roundtrip_table`] writes, for one service, a Rust module with one function
//! per emitted structure, union, exception and string enum. Each function draws
//! a random value of its shape in wire JSON form, following the model (required
//! members, union arity, enum values, number ranges, timestamp and blob
//! encodings), and the module ends with a `SHAPES` table that pairs every
//! generator with a round trip through the concrete generated type, and an
//! `OPERATIONS` table that pairs every operation with the generators of its
//! input, output and exceptions and its round trips through the server side
//! (`build_request` → `route` → `parse_request`, `build_response` →
//! `parse_response`, `build_error` → `parse_response`).
//!
//! The JSON form is derived from the model here, independently of the emitters,
//! so that a test comparing the two finds emitter bugs instead of sharing them.
//! The emitted code relies on helpers of the `model-roundtrip` test crate
//! (`crate::support`): the RNG, leaf-value generators and the `Case` type.

use std::collections::{BTreeMap, HashMap};

use crate::emit_http::marker_name;
use crate::model::{Member, Paginators, Service, Shape};
use crate::writer::{file_header, lit, w};
use crate::{names, CodegenError, Context, Options};

/// A member as the round-trip generators see it.
struct WireMember<'a> {
    /// The JSON key of the member in the type's serde form.
    key: &'a str,
    member: &'a Member,
    required: bool,
}

/// Body members are keyed by `locationName` (or the member name); HTTP-bound members by the member name.
fn wire_members<'a>(service: &'a Service, shape: &'a Shape) -> Vec<WireMember<'a>> {
    shape
        .members
        .iter()
        .filter(|(_, m)| !service.shapes.get(&m.shape).is_some_and(|t| t.eventstream))
        .map(|(name, member)| WireMember {
            key: if member.location.is_some() {
                name
            } else {
                member.location_name.as_deref().unwrap_or(name)
            },
            member,
            required: shape.required.iter().any(|r| r == name),
        })
        .collect()
}

/// Union members that are variants (in event streams, exceptions are errors instead).
fn union_members<'a>(service: &'a Service, shape: &'a Shape) -> Vec<WireMember<'a>> {
    wire_members(service, shape)
        .into_iter()
        .filter(|m| !service.shapes.get(&m.member.shape).is_some_and(|t| t.exception))
        .collect()
}

/// Which generated module a shape's type lives in, or `None` if it gets no round-trip case.
fn module_of(shape: &Shape) -> Option<&'static str> {
    match shape.kind.as_str() {
        "string" if !shape.enum_values.is_empty() => Some("types"),
        "structure" if shape.document || shape.eventstream => None,
        "structure" if shape.exception => Some("error"),
        "structure" => Some("types"),
        _ => None,
    }
}

/// Sentinel height of a shape with no finite value.
const UNBOUNDED: u32 = u32::MAX;

/// The least nesting a value of each structure or union needs when optional members are left out,
/// lists and maps are empty, and unions pick their shallowest member.
///
/// Generators past the depth limit make exactly such values, so recursion ends.
fn heights(service: &Service) -> HashMap<&str, u32> {
    let mut height: HashMap<&str, u32> = service
        .shapes
        .iter()
        .filter(|(_, s)| s.kind == "structure" && !s.document)
        .map(|(n, _)| (n.as_str(), UNBOUNDED))
        .collect();
    let of = |height: &HashMap<&str, u32>, name: &str| height.get(name).copied().unwrap_or(0);
    loop {
        let mut changed = false;
        for (name, shape) in &service.shapes {
            if shape.kind != "structure" || shape.document {
                continue;
            }
            let new = if shape.union {
                let members = union_members(service, shape);
                let least = members.iter().map(|m| of(&height, &m.member.shape)).min().unwrap_or(0);
                least.saturating_add(1)
            } else {
                let members = wire_members(service, shape);
                let most = members
                    .iter()
                    .filter(|m| m.required)
                    .map(|m| of(&height, &m.member.shape))
                    .max();
                most.unwrap_or(0).saturating_add(1)
            };
            let new = if new > UNBOUNDED - 1 { UNBOUNDED } else { new };
            if new < height[name.as_str()] {
                height.insert(name.as_str(), new);
                changed = true;
            }
        }
        if !changed {
            return height;
        }
    }
}

/// Writes the generator module for one service.
///
/// `types_crate` is the Rust name of the generated crate (`bedrock_runtime_types`), and `header` the
/// line put at the top of the file after `// `.
pub fn roundtrip_table(service: &Service, types_crate: &str, header: &str) -> Result<String, CodegenError> {
    let paginators = Paginators::default();
    let options = Options {
        header: header.to_owned(),
        doc_url_prefix: None,
        operation_enum: "ServiceOperation".to_owned(),
    };
    let ctx = Context::new(service, &paginators, &options)?;
    let heights = heights(service);

    // Generator function names, unique within the file.
    let mut fn_names: BTreeMap<&str, String> = BTreeMap::new();
    let mut taken: HashMap<String, usize> = HashMap::new();
    for (name, shape) in &service.shapes {
        if module_of(shape).is_none() {
            continue;
        }
        let base = format!("gen_{}", names::snake_case(ctx.type_name(name)));
        let count = taken.entry(base.clone()).or_insert(0);
        *count += 1;
        let unique = if *count == 1 { base } else { format!("{base}_{count}") };
        fn_names.insert(name.as_str(), unique);
    }

    let gen = Gen {
        service,
        fn_names: &fn_names,
    };
    let mut out = file_header(
        header,
        "Random wire JSON for every structure, union, exception and enum, and its round trip.",
    );
    w!(out, "#![allow(clippy::all, unused_variables)]\n");
    w!(out, "use bedrock_wire::__private::http;");
    w!(out, "use bedrock_wire::server::Labels;");
    w!(out, "use serde_json::{{Map, Value}};\n");
    w!(out, "use crate::support::*;\n");

    let mut cases = Vec::new();
    for (name, shape) in &service.shapes {
        let Some(module) = module_of(shape) else { continue };
        let fn_name = &fn_names[name.as_str()];
        let rust = ctx.type_name(name);
        w!(out, "/// `{name}` (`{module}::{rust}`).");
        w!(out, "pub fn {fn_name}(rng: &mut Rng, depth: u32) -> Value {{");
        if shape.kind == "string" {
            let values: Vec<String> = shape.enum_values.iter().map(|v| lit(v)).collect();
            w!(out, "enum_value(rng, &[{}])", values.join(", "));
        } else if shape.union {
            let members = union_members(service, shape);
            let least = members
                .iter()
                .map(|m| heights.get(m.member.shape.as_str()).copied().unwrap_or(0))
                .min();
            let shallow: Vec<String> = members
                .iter()
                .enumerate()
                .filter(|(_, m)| Some(heights.get(m.member.shape.as_str()).copied().unwrap_or(0)) == least)
                .map(|(i, _)| i.to_string())
                .collect();
            let known: Vec<String> = members.iter().map(|m| lit(m.key)).collect();
            w!(out, "const MEMBERS: &[&str] = &[{}];", known.join(", "));
            w!(
                out,
                "match union_choice(rng, depth, MEMBERS.len(), &[{}]) {{",
                shallow.join(", ")
            );
            for (i, m) in members.iter().enumerate() {
                w!(
                    out,
                    "{i} => single({}, {}),",
                    lit(m.key),
                    gen.expr(&m.member.shape, Some(m.member), "depth + 1")?
                );
            }
            w!(out, "_ => unknown_member(rng, depth, MEMBERS),");
            w!(out, "}}");
        } else {
            let members = wire_members(service, shape);
            if members.is_empty() {
                w!(out, "Value::Object(Map::new())");
                w!(out, "}}\n");
                cases.push(case_entry(name, module, rust, fn_name, types_crate));
                continue;
            }
            w!(out, "let mut object = Map::new();");
            for m in members {
                let value = gen.expr(&m.member.shape, Some(m.member), "depth + 1")?;
                if m.required {
                    w!(out, "object.insert({}.into(), {value});", lit(m.key));
                } else {
                    w!(out, "if optional(rng, depth) {{");
                    w!(out, "object.insert({}.into(), {value});", lit(m.key));
                    w!(out, "}}");
                }
            }
            w!(out, "Value::Object(object)");
        }
        w!(out, "}}\n");
        cases.push(case_entry(name, module, rust, fn_name, types_crate));
    }

    if let Some((name, _)) = heights
        .iter()
        .find(|(name, h)| **h == UNBOUNDED && fn_names.contains_key(**name))
    {
        return Err(CodegenError::Unsupported(format!("shape `{name}` has no finite value")));
    }

    w!(
        out,
        "/// Every shape with a generated type: its generator and its round trip."
    );
    w!(out, "pub const SHAPES: &[Case] = &[");
    for case in cases {
        w!(out, "{case}");
    }
    w!(out, "];\n");
    emit_operation_cases(&ctx, &mut out, &fn_names, types_crate);
    Ok(out)
}

/// The server round trips of every operation: `OPERATIONS`, the router and one error constructor per operation.
fn emit_operation_cases(ctx: &Context<'_>, out: &mut String, fn_names: &BTreeMap<&str, String>, types_crate: &str) {
    w!(out, "/// The service's router, naming the operation it finds.");
    w!(
        out,
        "pub fn route(method: &http::Method, path_and_query: &str) -> Option<(&'static str, Labels)> {{"
    );
    w!(
        out,
        "{types_crate}::server::route(method, path_and_query).map(|(operation, labels)| (operation.name(), labels))"
    );
    w!(out, "}}\n");
    let mut cases = Vec::new();
    for (op_name, op) in ctx.operations() {
        let marker = format!("{types_crate}::operation::{}", marker_name(ctx, op_name));
        let error_enum = format!("{types_crate}::error::{}", ctx.error_enum(op_name));
        let error_fn = format!("{}_error", names::snake_case(op_name));
        w!(
            out,
            "/// A `{op_name}` error from the name and wire JSON of one of its exceptions, round-tripped."
        );
        w!(
            out,
            "fn {error_fn}(shape: &str, value: &Value, status: u16) -> Result<(), String> {{"
        );
        w!(out, "let error = match shape {{");
        for e in &op.errors {
            w!(
                out,
                "{} => {error_enum}::{}(from_json(value)?),",
                lit(&e.shape),
                ctx.type_name(&e.shape)
            );
        }
        w!(out, "_ => {error_enum}::Unhandled,");
        w!(out, "}};");
        w!(out, "error_round_trip::<{marker}>(&error, status)");
        w!(out, "}}\n");
        let gen = |shape: Option<&crate::model::ShapeRef>| {
            shape.map_or("unit".to_owned(), |s| fn_names[s.shape.as_str()].clone())
        };
        let errors: Vec<String> = op
            .errors
            .iter()
            .map(|e| {
                let shape = ctx.known(&e.shape);
                let status = shape
                    .error
                    .as_ref()
                    .and_then(|t| t.http_status_code)
                    .unwrap_or(if shape.fault { 500 } else { 400 });
                format!("({}, {}, {status})", lit(&e.shape), fn_names[e.shape.as_str()])
            })
            .collect();
        cases.push(format!(
            "OperationCase {{ name: {}, input: {}, output: {}, errors: &[{}], request: request_round_trip::<{marker}>, response: response_round_trip::<{marker}>, error: {error_fn} }},",
            lit(op_name),
            gen(op.input.as_ref()),
            gen(op.output.as_ref()),
            errors.join(", ")
        ));
    }
    w!(
        out,
        "/// Every operation: generators of its input, output and errors, and its server round trips."
    );
    w!(out, "pub const OPERATIONS: &[OperationCase] = &[");
    for case in cases {
        w!(out, "{case}");
    }
    w!(out, "];");
}

/// One `SHAPES` entry.
fn case_entry(shape: &str, module: &str, rust: &str, fn_name: &str, types_crate: &str) -> String {
    format!(
        "Case {{ shape: {}, rust: {}, generate: {fn_name}, round_trip: round_trip::<{types_crate}::{module}::{rust}> }},",
        lit(shape),
        lit(&format!("{module}::{rust}"))
    )
}

struct Gen<'a> {
    service: &'a Service,
    fn_names: &'a BTreeMap<&'a str, String>,
}

impl Gen<'_> {
    /// An expression drawing a value of `shape_name` (referenced by `member`) at nesting `depth`,
    /// with `rng: &mut Rng` in scope.
    fn expr(&self, shape_name: &str, member: Option<&Member>, depth: &str) -> Result<String, CodegenError> {
        if member.is_some_and(|m| m.jsonvalue) {
            return Ok(format!("document(rng, {depth})"));
        }
        let shape = self
            .service
            .shapes
            .get(shape_name)
            .ok_or_else(|| CodegenError::MissingShape(shape_name.into()))?;
        Ok(match shape.kind.as_str() {
            "string" if shape.enum_values.is_empty() => "string(rng)".into(),
            "boolean" => "boolean(rng)".into(),
            "byte" => "integer(rng, i8::MIN as i64, i8::MAX as i64)".into(),
            "short" => "integer(rng, i16::MIN as i64, i16::MAX as i64)".into(),
            "integer" => "integer(rng, i32::MIN as i64, i32::MAX as i64)".into(),
            "long" => "integer(rng, i64::MIN, i64::MAX)".into(),
            "float" => "float32(rng)".into(),
            "double" => "float64(rng)".into(),
            "blob" => "blob(rng)".into(),
            "timestamp" => {
                let format = member
                    .and_then(|m| m.timestamp_format.as_deref())
                    .or(shape.timestamp_format.as_deref());
                match format {
                    Some("iso8601") => "timestamp_rfc3339(rng)".into(),
                    Some("rfc822") => "timestamp_http_date(rng)".into(),
                    None | Some("unixTimestamp") => "timestamp_epoch_seconds(rng)".into(),
                    Some(other) => return Err(CodegenError::Unsupported(format!("timestamp format `{other}`"))),
                }
            }
            "list" => {
                let item = shape
                    .member
                    .as_ref()
                    .ok_or_else(|| CodegenError::Unsupported(format!("list `{shape_name}` without member")))?;
                format!(
                    "list(rng, {depth}, |rng, depth| {})",
                    self.expr(&item.shape, Some(item), "depth")?
                )
            }
            "map" => {
                let value = shape
                    .value
                    .as_ref()
                    .ok_or_else(|| CodegenError::Unsupported(format!("map `{shape_name}` without value")))?;
                format!(
                    "map(rng, {depth}, |rng, depth| {})",
                    self.expr(&value.shape, Some(value), "depth")?
                )
            }
            "structure" if shape.document => format!("document(rng, {depth})"),
            "string" | "structure" => match self.fn_names.get(shape_name) {
                Some(f) => format!("{f}(rng, {depth})"),
                None => {
                    return Err(CodegenError::Unsupported(format!(
                        "member of event-stream shape `{shape_name}`"
                    )))
                }
            },
            other => return Err(CodegenError::Unsupported(format!("{other} shape `{shape_name}`"))),
        })
    }
}
