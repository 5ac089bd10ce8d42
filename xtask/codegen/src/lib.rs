//! Generates Rust wire models from botocore JSON service models (restJson1).
//!
//! One service model in, a handful of Rust source files out:
//!
//! - `types.rs`: structures, unions and string enums, each with its serde
//!   impls in wire form, constructor, redacting `Debug` and `validate()`.
//! - `error.rs`: exception structures and one error enum per operation.
//! - `operation.rs`: one marker type per operation implementing
//!   `bedrock_wire::Operation` (request serialization, response parsing),
//!   and `bedrock_wire::Paginated` where `paginators-1.json` says so.
//! - `event_stream.rs`: event-stream unions and their message mapping.
//! - `server.rs`: the server side (`bedrock_wire::server::ServerOperation` per
//!   operation, and a router), compiled by the model crates only with their
//!   `server` feature.
//!
//! The code is plain text; `cargo xtask codegen` runs it through rustfmt.
//!
//! A second front end, [`openapi`], reads the project's OpenAPI 3.1 documents
//! (`specs/mantle/`) for the OpenAI- and Anthropic-compatible APIs;
//! [`generate_openapi`] writes their `types.rs` and `operation.rs`.

pub mod endpoint_rules;
pub mod model;
pub mod names;
pub mod openapi;
pub mod roundtrip;
pub mod values;

mod emit_client;
mod emit_events;
mod emit_http;
mod emit_openapi;
mod emit_serde;
mod emit_server;
mod emit_types;
mod writer;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

pub use emit_client::ClientOptions;
use model::{Member, Paginators, Service, Shape};

/// What the generator needs besides the model.
#[derive(Clone, Debug)]
pub struct Options {
    /// Line put at the top of every file, after `// `.
    pub header: String,
    /// Prefix of API reference pages; the shape or operation name and `.html` are appended.
    pub doc_url_prefix: Option<String>,
    /// The name of the generated `enum` of the service's operations in `server.rs` (`RuntimeOperation`).
    pub operation_enum: String,
}

/// The generated files, by path relative to the crate's `src/generated/`.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    /// `(file name, contents)` in a fixed order.
    pub files: Vec<(String, String)>,
}

/// Why a model could not be turned into code.
#[derive(Debug)]
pub enum CodegenError {
    /// The model uses something this generator does not support.
    Unsupported(String),
    /// A shape references a shape that does not exist.
    MissingShape(String),
    /// A `pattern` constraint does not compile as a regular expression.
    BadPattern {
        /// The shape.
        shape: String,
        /// The compile error.
        error: String,
    },
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Unsupported(what) => write!(f, "unsupported model feature: {what}"),
            CodegenError::MissingShape(name) => write!(f, "shape `{name}` is referenced but not defined"),
            CodegenError::BadPattern { shape, error } => {
                write!(f, "pattern of shape `{shape}` does not compile: {error}")
            }
        }
    }
}

impl std::error::Error for CodegenError {}

/// Generates the model files for one service.
pub fn generate(service: &Service, paginators: &Paginators, options: &Options) -> Result<Generated, CodegenError> {
    let ctx = Context::new(service, paginators, options)?;
    let mut generated = Generated::default();
    generated.files.push(("types.rs".into(), emit_types::types_file(&ctx)?));
    generated
        .files
        .push(("error.rs".into(), emit_types::errors_file(&ctx)?));
    generated
        .files
        .push(("operation.rs".into(), emit_http::operations_file(&ctx)?));
    generated
        .files
        .push(("event_stream.rs".into(), emit_events::event_stream_file(&ctx)?));
    generated
        .files
        .push(("server.rs".into(), emit_server::server_file(&ctx)?));
    Ok(generated)
}

/// The methods of a typed client over the service's operations (`operations.rs` of
/// `bedrock-control`): one returning a `Call` per operation, a `*_paginator` per paginated one.
pub fn client_methods(
    service: &Service,
    paginators: &Paginators,
    options: &Options,
    client: &ClientOptions,
) -> Result<String, CodegenError> {
    let ctx = Context::new(service, paginators, options)?;
    emit_client::client_file(&ctx, client)
}

/// Generates `types.rs` and `operation.rs` for one OpenAPI 3.1 document (see [`openapi`]).
pub fn generate_openapi(doc: &serde_json::Value, header: &str) -> Result<Generated, CodegenError> {
    let api = openapi::parse(doc)?;
    Ok(Generated {
        files: vec![
            ("types.rs".into(), emit_openapi::types_file(&api, header)),
            ("operation.rs".into(), emit_openapi::operations_file(&api, header)),
        ],
    })
}

/// How a structure shape is used, which decides where and how it is emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StructKind {
    Plain,
    Union,
    Exception,
    EventStream,
    Document,
}

/// Where a timestamp is written, which decides its default format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Binding {
    Body,
    Header,
    Query,
}

/// The model plus everything derived from it once.
pub(crate) struct Context<'a> {
    pub service: &'a Service,
    pub paginators: &'a Paginators,
    pub options: &'a Options,
    /// Rust type names of emitted shapes.
    pub type_names: HashMap<&'a str, String>,
    /// `(structure, member)` pairs that must be boxed to break a cycle.
    pub boxed: HashSet<(&'a str, &'a str)>,
    /// Shapes used as an operation's input or output, with the operation.
    pub io_of: HashMap<&'a str, (&'a str, bool)>,
    /// Shapes reached only through an event stream (their events).
    pub event_streams: BTreeSet<&'a str>,
    /// Whether `validate_at` has anything to check, per shape.
    pub needs_checks: HashMap<&'a str, bool>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        service: &'a Service,
        paginators: &'a Paginators,
        options: &'a Options,
    ) -> Result<Self, CodegenError> {
        if service.metadata.protocol != "rest-json" {
            return Err(CodegenError::Unsupported(format!(
                "protocol `{}`",
                service.metadata.protocol
            )));
        }
        let mut ctx = Context {
            service,
            paginators,
            options,
            type_names: HashMap::new(),
            boxed: HashSet::new(),
            io_of: HashMap::new(),
            event_streams: BTreeSet::new(),
            needs_checks: HashMap::new(),
        };
        for (name, shape) in &service.shapes {
            for (_, member) in shape.members.iter() {
                ctx.shape(&member.shape)?;
            }
            for member in [&shape.member, &shape.key, &shape.value].into_iter().flatten() {
                ctx.shape(&member.shape)?;
            }
            if let Some(pattern) = &shape.pattern {
                regex::Regex::new(pattern).map_err(|e| CodegenError::BadPattern {
                    shape: name.clone(),
                    error: e.to_string(),
                })?;
            }
            if matches!(shape.kind.as_str(), "bigInteger" | "bigDecimal") {
                return Err(CodegenError::Unsupported(format!("{} shape `{name}`", shape.kind)));
            }
            let emitted = match shape.kind.as_str() {
                "structure" => !shape.document,
                "string" => !shape.enum_values.is_empty(),
                _ => false,
            };
            if emitted {
                let mut rust = names::pascal_case(name);
                if names::RESERVED_TYPE_NAMES.contains(&rust.as_str()) {
                    rust.push_str("Shape");
                }
                ctx.type_names.insert(name.as_str(), rust);
            }
            if shape.eventstream {
                ctx.event_streams.insert(name.as_str());
            }
        }
        for (op_name, op) in service.operations.iter() {
            if let Some(input) = &op.input {
                ctx.shape(&input.shape)?;
                ctx.io_of
                    .insert(service.shapes.get_key_value(&input.shape).unwrap().0, (op_name, true));
            }
            if let Some(output) = &op.output {
                ctx.shape(&output.shape)?;
                ctx.io_of
                    .insert(service.shapes.get_key_value(&output.shape).unwrap().0, (op_name, false));
            }
            for error in &op.errors {
                ctx.shape(&error.shape)?;
            }
        }
        ctx.find_boxed_members();
        let names: Vec<&'a str> = service.shapes.keys().map(String::as_str).collect();
        for name in names {
            let mut visiting = HashSet::new();
            let needs = ctx.compute_needs_checks(name, &mut visiting);
            ctx.needs_checks.insert(name, needs);
        }
        Ok(ctx)
    }

    /// Looks a shape up.
    pub fn shape(&self, name: &str) -> Result<&'a Shape, CodegenError> {
        self.service
            .shapes
            .get(name)
            .ok_or_else(|| CodegenError::MissingShape(name.to_owned()))
    }

    /// Looks a shape up that was checked to exist in `new`.
    pub fn known(&self, name: &str) -> &'a Shape {
        &self.service.shapes[name]
    }

    pub fn struct_kind(&self, shape: &Shape) -> StructKind {
        if shape.document {
            StructKind::Document
        } else if shape.eventstream {
            StructKind::EventStream
        } else if shape.exception {
            StructKind::Exception
        } else if shape.union {
            StructKind::Union
        } else {
            StructKind::Plain
        }
    }

    /// The Rust type name of an emitted shape.
    pub fn type_name(&self, shape: &str) -> &str {
        &self.type_names[shape]
    }

    /// The Rust type of a value of `shape_name`, as a member (`jsonvalue` headers are documents).
    pub fn rust_type(&self, shape_name: &str, member: Option<&Member>) -> String {
        if member.is_some_and(|m| m.jsonvalue) {
            return "Document".into();
        }
        let shape = self.known(shape_name);
        match shape.kind.as_str() {
            "string" if shape.enum_values.is_empty() => "String".into(),
            "string" => self.type_name(shape_name).into(),
            "boolean" => "bool".into(),
            "byte" => "i8".into(),
            "short" => "i16".into(),
            "integer" => "i32".into(),
            "long" => "i64".into(),
            "float" => "f32".into(),
            "double" => "f64".into(),
            "blob" => "Blob".into(),
            "timestamp" => "DateTime".into(),
            "list" => {
                let m = shape.member.as_ref().expect("list shapes have a member");
                format!("Vec<{}>", self.rust_type(&m.shape, Some(m)))
            }
            "map" => {
                let v = shape.value.as_ref().expect("map shapes have a value");
                format!("HashMap<String, {}>", self.rust_type(&v.shape, Some(v)))
            }
            "structure" if shape.document => "Document".into(),
            "structure" => self.type_name(shape_name).into(),
            other => unreachable!("shape kind `{other}` was rejected in Context::new"),
        }
    }

    /// The serde codec module for a value of `shape_name` written at `binding`, if serde's default is wrong.
    pub fn codec(&self, shape_name: &str, member: Option<&Member>, binding: Binding) -> Option<&'static str> {
        let shape = self.known(shape_name);
        match shape.kind.as_str() {
            "timestamp" => {
                let format = member
                    .and_then(|m| m.timestamp_format.as_deref())
                    .or(shape.timestamp_format.as_deref());
                Some(match format {
                    Some("iso8601") => "rfc3339",
                    Some("rfc822") => "http_date",
                    Some("unixTimestamp") => "epoch_seconds",
                    _ => match binding {
                        Binding::Body => "epoch_seconds",
                        Binding::Header => "http_date",
                        Binding::Query => "rfc3339",
                    },
                })
            }
            "blob" => Some("base64"),
            "float" | "double" => Some("float"),
            "list" => {
                let m = shape.member.as_ref()?;
                self.codec(&m.shape, Some(m), binding)
            }
            "map" => {
                let v = shape.value.as_ref()?;
                self.codec(&v.shape, Some(v), binding)
            }
            _ => None,
        }
    }

    /// Marks struct→struct/union edges that lie on a cycle, so they can be boxed.
    fn find_boxed_members(&mut self) {
        // Only direct containment needs a box: lists and maps already allocate.
        let direct = |shape: &'a Shape| -> Vec<(&'a str, &'a str)> {
            shape
                .members
                .iter()
                .filter(|(_, m)| {
                    let target = &self.service.shapes[&m.shape];
                    target.kind == "structure" && !target.document
                })
                .map(|(name, m)| (name, m.shape.as_str()))
                .collect()
        };
        let mut boxed = HashSet::new();
        for (name, shape) in &self.service.shapes {
            if shape.kind != "structure" {
                continue;
            }
            for (member, target) in direct(shape) {
                // Box the edge if `target` reaches `name` again through direct edges.
                let mut stack = vec![target];
                let mut seen = HashSet::new();
                let mut cyclic = false;
                while let Some(current) = stack.pop() {
                    if current == name {
                        cyclic = true;
                        break;
                    }
                    if seen.insert(current) {
                        stack.extend(direct(&self.service.shapes[current]).into_iter().map(|(_, t)| t));
                    }
                }
                if cyclic {
                    boxed.insert((name.as_str(), member));
                }
            }
        }
        self.boxed = boxed;
    }

    fn compute_needs_checks(&self, name: &'a str, visiting: &mut HashSet<&'a str>) -> bool {
        if let Some(&known) = self.needs_checks.get(name) {
            return known;
        }
        if !visiting.insert(name) {
            return false;
        }
        let shape = self.known(name);
        let own = match shape.kind.as_str() {
            "string" => {
                shape.enum_values.is_empty() && (shape.min.is_some() || shape.max.is_some() || shape.pattern.is_some())
            }
            "structure" => false,
            _ => shape.min.is_some() || shape.max.is_some(),
        };
        let nested = match shape.kind.as_str() {
            "structure" if !shape.document => shape
                .members
                .iter()
                .any(|(_, m)| self.compute_needs_checks(self.key(&m.shape), visiting)),
            "list" => shape
                .member
                .as_ref()
                .is_some_and(|m| self.compute_needs_checks(self.key(&m.shape), visiting)),
            "map" => [&shape.key, &shape.value]
                .into_iter()
                .flatten()
                .any(|m| self.compute_needs_checks(self.key(&m.shape), visiting)),
            _ => false,
        };
        visiting.remove(name);
        own || nested
    }

    /// The model's own copy of a shape name (for map keys that borrow the model); the shape must exist.
    pub fn key(&self, name: &str) -> &'a str {
        self.service
            .shapes
            .get_key_value(name)
            .expect("shape existence is checked in Context::new")
            .0
    }

    /// Whether validating a value of this shape can find anything.
    pub fn has_checks(&self, name: &str) -> bool {
        self.needs_checks.get(name).copied().unwrap_or(false)
    }

    /// A generated name that must not clash with a shape's type: `base`, or `base` with `alt` inserted before `suffix`.
    pub fn unique_name(&self, stem: &str, suffix: &str, alt: &str) -> String {
        let name = format!("{stem}{suffix}");
        if self.type_names.values().any(|t| *t == name) {
            format!("{stem}{alt}{suffix}")
        } else {
            name
        }
    }

    /// The error enum of an operation: `ConverseError`.
    pub fn error_enum(&self, op: &str) -> String {
        self.unique_name(&names::pascal_case(op), "Error", "Operation")
    }

    /// The API reference link for a shape or operation page.
    pub fn doc_link(&self, page: &str) -> Option<String> {
        self.options.doc_url_prefix.as_ref().map(|p| format!("{p}{page}.html"))
    }

    /// Operations in source order, with input and output shapes.
    pub fn operations(&self) -> impl Iterator<Item = (&'a str, &'a model::Operation)> {
        self.service.operations.iter()
    }

    /// Every structure-like shape emitted in `types.rs`, sorted by name.
    pub fn shapes_of(&self, kinds: &[StructKind]) -> BTreeMap<&'a str, &'a Shape> {
        self.service
            .shapes
            .iter()
            .filter(|(_, s)| s.kind == "structure" && kinds.contains(&self.struct_kind(s)))
            .map(|(n, s)| (n.as_str(), s))
            .collect()
    }
}
