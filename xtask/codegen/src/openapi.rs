//! The OpenAPI 3.1 front end: reads the project's own documents
//! (`specs/mantle/*.json`, conventions in `specs/mantle/README.md`) into a
//! small model of named Rust items and operations, which `emit_openapi`
//! turns into source.
//!
//! Only the subset the conventions allow is accepted; anything else is an
//! error naming the schema path (`#/components/schemas/X/properties/y`), so a
//! document change the generator does not understand fails `cargo xtask
//! codegen` instead of producing a silently wrong type.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{names, CodegenError};

/// A value's Rust type, as the front end sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// `String`.
    String,
    /// `i64`.
    Integer,
    /// `f64`.
    Number,
    /// `bool`.
    Boolean,
    /// Free-form JSON: `serde_json::Value`.
    Json,
    /// A generated item, by Rust name.
    Named(String),
    /// `Vec<T>`.
    List(Box<Ty>),
    /// `HashMap<String, T>`.
    Map(Box<Ty>),
}

/// Which JSON type a value has, for untagged unions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// A string.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
    /// Any JSON value.
    Any,
}

/// An object property.
#[derive(Clone, Debug)]
pub struct Property {
    /// The JSON name.
    pub name: String,
    /// The Rust field name.
    pub ident: String,
    /// The type without `Option`.
    pub ty: Ty,
    /// Listed in `required`.
    pub required: bool,
    /// May be JSON `null`.
    pub nullable: bool,
    /// Constraint facts for the doc comment.
    pub facts: Vec<String>,
    /// Held in a `Box` because the property closes a cycle of direct containment.
    pub boxed: bool,
}

/// A named Rust item.
#[derive(Clone, Debug)]
pub enum Item {
    /// An object schema: a `struct`.
    Struct {
        /// Properties that are not constants, in document order (sorted by name).
        properties: Vec<Property>,
        /// Properties with a `const` string: not stored, always written, checked when read.
        consts: Vec<(String, String)>,
        /// `x-extra-fields`: unknown members are kept in `extra`.
        extra: bool,
    },
    /// A string enum, tolerant of unknown values.
    Enum {
        /// The listed values.
        values: Vec<String>,
    },
    /// A `oneOf` with a discriminator: internally tagged, with `Unknown(Value)`.
    Tagged {
        /// The tag property.
        property: String,
        /// `(tag value, variant name, variant type)`.
        variants: Vec<(String, String, String)>,
    },
    /// A `oneOf` whose alternatives differ by JSON type.
    Untagged {
        /// `(variant name, type)`.
        variants: Vec<(String, Ty)>,
    },
    /// Any other named schema (a map): `type X = ...`.
    Alias(Ty),
}

/// A named item with where it came from.
#[derive(Clone, Debug)]
pub struct Named {
    /// The Rust type name.
    pub rust: String,
    /// The schema path, for docs and errors.
    pub path: String,
    /// The schema name (or `Parent.property` for inline schemas).
    pub schema: String,
    /// The item.
    pub item: Item,
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamIn {
    /// A `{label}` of the path.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
}

/// An operation parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// The wire name.
    pub name: String,
    /// The Rust field name.
    pub ident: String,
    /// Where it goes.
    pub location: ParamIn,
    /// Whether it must be given.
    pub required: bool,
    /// The schema's `default`, for required strings.
    pub default: Option<String>,
    /// The type.
    pub ty: Ty,
}

/// Server-sent events of a streaming operation (`x-sse`).
#[derive(Clone, Debug)]
pub struct Stream {
    /// The request field or query parameter that asks for the stream (`x-stream-flag`).
    pub flag: String,
    /// The type of one event's `data:` payload.
    pub event: String,
    /// Whether the SSE `event:` field repeats the payload's tag.
    pub event_names: bool,
    /// The literal `data:` line that ends the stream, if any.
    pub terminator: Option<String>,
}

/// One operation (a method of a path item).
#[derive(Clone, Debug)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template.
    pub path: String,
    /// Path, query and header parameters, path item's first.
    pub params: Vec<Param>,
    /// The JSON request body type.
    pub body: Option<String>,
    /// The `200` JSON body type.
    pub output: String,
    /// The `default` response body type.
    pub error: String,
    /// The SSE stream, if the operation can stream.
    pub stream: Option<Stream>,
    /// `x-bedrock-routes`: endpoint → prefixes.
    pub routes: Vec<(String, Vec<String>)>,
    /// `x-bedrock-unconfirmed`: endpoints listed without confirmation.
    pub unconfirmed: Vec<String>,
    /// `x-pagination`, as `(key, value)` pairs.
    pub pagination: Vec<(String, String)>,
}

/// A whole document.
#[derive(Clone, Debug, Default)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// Items by Rust name.
    pub items: BTreeMap<String, Named>,
    /// Operations in path order.
    pub operations: Vec<Operation>,
}

fn unsupported(path: &str, what: impl std::fmt::Display) -> CodegenError {
    CodegenError::Unsupported(format!("{path}: {what}"))
}

/// Keywords the front end knows it can ignore (prose, examples, formats, ...).
const IGNORED: &[&str] = &[
    "description",
    "title",
    "examples",
    "example",
    "default",
    "format",
    "deprecated",
    "x-stream-flag",
    "contentMediaType",
];

/// Reads an OpenAPI 3.1 document.
pub fn parse(doc: &Value) -> Result<Api, CodegenError> {
    let version = doc["openapi"].as_str().unwrap_or("");
    if !version.starts_with("3.1") {
        return Err(unsupported(
            "#/openapi",
            format!("version `{version}` (only 3.1 is read)"),
        ));
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .ok_or_else(|| unsupported("#/components/schemas", "missing"))?;
    let mut front = Front {
        schemas,
        items: BTreeMap::new(),
    };
    for (name, schema) in schemas {
        let path = format!("#/components/schemas/{name}");
        let rust = type_name(name, &path)?;
        front.top(&rust, name, schema, &path)?;
    }
    let mut api = Api {
        title: doc["info"]["title"].as_str().unwrap_or_default().to_owned(),
        version: doc["info"]["version"].as_str().unwrap_or_default().to_owned(),
        items: BTreeMap::new(),
        operations: Vec::new(),
    };
    let paths = doc["paths"]
        .as_object()
        .ok_or_else(|| unsupported("#/paths", "missing"))?;
    for (template, item) in paths {
        let item_path = format!("#/paths/{}", template.replace('~', "~0").replace('/', "~1"));
        for method in ["get", "put", "post", "delete", "patch"] {
            if let Some(op) = item.get(method) {
                let op_path = format!("{item_path}/{method}");
                api.operations
                    .push(front_operation(&mut front, doc, template, item, method, op, &op_path)?);
            }
        }
    }
    front.check_untagged()?;
    api.items = front.items;
    box_cycles(&mut api.items);
    Ok(api)
}

fn type_name(name: &str, path: &str) -> Result<String, CodegenError> {
    let rust = names::pascal_case(name);
    if rust != name {
        return Err(unsupported(path, "schema names must be PascalCase"));
    }
    if names::RESERVED_TYPE_NAMES.contains(&rust.as_str()) {
        return Err(unsupported(
            path,
            format!("`{rust}` clashes with a name the generated code uses"),
        ));
    }
    Ok(rust)
}

fn ref_name<'v>(schema: &'v Value, path: &str) -> Result<Option<&'v str>, CodegenError> {
    match schema.get("$ref") {
        None => Ok(None),
        Some(r) => r
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(Some)
            .ok_or_else(|| unsupported(path, "only local `#/components/schemas/...` references are supported")),
    }
}

struct Front<'a> {
    schemas: &'a serde_json::Map<String, Value>,
    items: BTreeMap<String, Named>,
}

impl Front<'_> {
    fn add(&mut self, rust: &str, schema: &str, path: &str, item: Item) -> Result<(), CodegenError> {
        if let Some(existing) = self.items.get(rust) {
            return Err(unsupported(
                path,
                format!("Rust type name `{rust}` is already used by {}", existing.path),
            ));
        }
        self.items.insert(
            rust.to_owned(),
            Named {
                rust: rust.to_owned(),
                path: path.to_owned(),
                schema: schema.to_owned(),
                item,
            },
        );
        Ok(())
    }

    fn resolve(&self, name: &str, path: &str) -> Result<&Value, CodegenError> {
        self.schemas
            .get(name)
            .ok_or_else(|| CodegenError::MissingShape(format!("{name} (referenced at {path})")))
    }

    fn check_keys(schema: &Value, path: &str, allowed: &[&str]) -> Result<(), CodegenError> {
        if let Some(obj) = schema.as_object() {
            for key in obj.keys() {
                if !allowed.contains(&key.as_str()) && !IGNORED.contains(&key.as_str()) {
                    return Err(unsupported(path, format!("keyword `{key}`")));
                }
            }
        }
        Ok(())
    }

    /// A schema under `components/schemas`.
    fn top(&mut self, rust: &str, name: &str, schema: &Value, path: &str) -> Result<(), CodegenError> {
        if let Some(disc) = schema.get("discriminator") {
            Self::check_keys(schema, path, &["oneOf", "discriminator", "x-unknown-variant"])?;
            return self.tagged(rust, name, schema, disc, path);
        }
        if schema.get("oneOf").is_some() {
            Self::check_keys(schema, path, &["oneOf"])?;
            let variants = self.untagged_variants(schema, rust, path)?;
            return self.add(rust, name, path, Item::Untagged { variants });
        }
        let types = type_list(schema, path)?;
        match types.as_slice() {
            ["string"] if schema.get("enum").is_some() => {
                Self::check_keys(schema, path, &["type", "enum"])?;
                let values = enum_values(schema, path)?;
                self.add(rust, name, path, Item::Enum { values })
            }
            ["object"] if schema.get("properties").is_some() || schema["additionalProperties"] == Value::Bool(true) => {
                Self::check_keys(
                    schema,
                    path,
                    &[
                        "type",
                        "properties",
                        "required",
                        "additionalProperties",
                        "x-extra-fields",
                    ],
                )?;
                self.object(rust, name, schema, path)
            }
            _ => {
                let (ty, nullable) = self.ty(schema, rust, name, path)?;
                if nullable {
                    return Err(unsupported(
                        path,
                        "a named schema cannot be nullable; make the property nullable",
                    ));
                }
                self.add(rust, name, path, Item::Alias(ty))
            }
        }
    }

    fn object(&mut self, rust: &str, name: &str, schema: &Value, path: &str) -> Result<(), CodegenError> {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let empty = serde_json::Map::new();
        let props = match schema.get("properties") {
            None => &empty,
            Some(p) => p
                .as_object()
                .ok_or_else(|| unsupported(path, "`properties` is not an object"))?,
        };
        for r in &required {
            if !props.contains_key(*r) {
                return Err(unsupported(path, format!("required property `{r}` is not declared")));
            }
        }
        let extra = match schema.get("x-extra-fields") {
            None | Some(Value::Bool(false)) => false,
            Some(Value::Bool(true)) => true,
            Some(other) => return Err(unsupported(path, format!("`x-extra-fields: {other}`"))),
        };
        let mut properties = Vec::new();
        let mut consts = Vec::new();
        for (prop, s) in props {
            let ppath = format!("{path}/properties/{prop}");
            if let Some(c) = s.get("const") {
                Self::check_keys(s, &ppath, &["const", "type"])?;
                let value = c
                    .as_str()
                    .ok_or_else(|| unsupported(&ppath, "only string `const` values are supported"))?;
                if !required.contains(&prop.as_str()) {
                    return Err(unsupported(&ppath, "a `const` property must be required"));
                }
                consts.push((prop.clone(), value.to_owned()));
                continue;
            }
            let inline = format!("{rust}{}", names::pascal_case(prop));
            let (ty, nullable) = self.ty(s, &inline, &format!("{name}.{prop}"), &ppath)?;
            let ident = names::field_name(prop);
            if ident == "extra" && extra {
                return Err(unsupported(
                    &ppath,
                    "a property named `extra` clashes with the extra fields",
                ));
            }
            properties.push(Property {
                name: prop.clone(),
                ident,
                ty,
                required: required.contains(&prop.as_str()),
                nullable,
                facts: facts(s),
                boxed: false,
            });
        }
        self.add(
            rust,
            name,
            path,
            Item::Struct {
                properties,
                consts,
                extra,
            },
        )
    }

    fn tagged(&mut self, rust: &str, name: &str, schema: &Value, disc: &Value, path: &str) -> Result<(), CodegenError> {
        match schema.get("x-unknown-variant").and_then(Value::as_str) {
            Some("preserve") => {}
            _ => {
                return Err(unsupported(
                    path,
                    "a discriminated union must declare `x-unknown-variant: \"preserve\"`",
                ))
            }
        }
        let property = disc["propertyName"]
            .as_str()
            .ok_or_else(|| unsupported(path, "discriminator without `propertyName`"))?;
        let mapping = disc["mapping"]
            .as_object()
            .ok_or_else(|| unsupported(path, "discriminator without an explicit `mapping`"))?;
        let members = schema["oneOf"]
            .as_array()
            .ok_or_else(|| unsupported(path, "`oneOf` is not an array"))?;
        let mut variants: Vec<(String, String, String)> = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let mpath = format!("{path}/oneOf/{i}");
            let target = ref_name(member, &mpath)?
                .ok_or_else(|| unsupported(&mpath, "members of a discriminated union must be `$ref`s"))?;
            let target_schema = self.resolve(target, &mpath)?;
            let tags: Vec<&String> = mapping
                .iter()
                .filter(|(_, r)| r.as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) == Some(target))
                .map(|(k, _)| k)
                .collect();
            let [tag] = tags.as_slice() else {
                return Err(unsupported(
                    &mpath,
                    format!("`{target}` must have exactly one mapping entry"),
                ));
            };
            let constant = target_schema["properties"][property]["const"].as_str();
            if constant != Some(tag.as_str()) {
                return Err(unsupported(
                    &mpath,
                    format!("`{target}` must require `{property}` with `const: \"{tag}\"`"),
                ));
            }
            let mut variant = names::variant_name(tag);
            if variant == "Unknown" {
                variant.push_str("Variant");
            }
            while variants.iter().any(|(_, v, _)| *v == variant) {
                variant.push('_');
            }
            variants.push((tag.to_string(), variant, target.to_owned()));
        }
        if mapping.len() != variants.len() {
            return Err(unsupported(
                path,
                "the discriminator mapping names schemas that are not in `oneOf`",
            ));
        }
        self.add(
            rust,
            name,
            path,
            Item::Tagged {
                property: property.to_owned(),
                variants,
            },
        )
    }

    fn untagged_variants(&mut self, schema: &Value, rust: &str, path: &str) -> Result<Vec<(String, Ty)>, CodegenError> {
        let members = schema["oneOf"]
            .as_array()
            .ok_or_else(|| unsupported(path, "`oneOf` is not an array"))?;
        let mut variants: Vec<(String, Ty)> = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let mpath = format!("{path}/oneOf/{i}");
            if member.get("oneOf").is_some() {
                return Err(unsupported(&mpath, "nested `oneOf` inside an untagged union"));
            }
            let (ty, nullable) = self.ty(member, &format!("{rust}Variant{i}"), rust, &mpath)?;
            if nullable {
                return Err(unsupported(&mpath, "`null` inside a union of several types"));
            }
            let name = match &ty {
                Ty::String => "Text".to_owned(),
                Ty::List(_) => "List".to_owned(),
                Ty::Named(n) => n.clone(),
                Ty::Integer | Ty::Number => "Number".to_owned(),
                Ty::Boolean => "Boolean".to_owned(),
                Ty::Map(_) | Ty::Json => "Object".to_owned(),
            };
            if variants.iter().any(|(n, _)| *n == name) {
                return Err(unsupported(
                    &mpath,
                    format!("two alternatives would both be named `{name}`"),
                ));
            }
            variants.push((name, ty));
        }
        Ok(variants)
    }

    /// The type of a property, array item, map value or union member; `rust` names an inline enum or union.
    fn ty(&mut self, schema: &Value, rust: &str, name: &str, path: &str) -> Result<(Ty, bool), CodegenError> {
        if let Some(target) = ref_name(schema, path)? {
            Self::check_keys(schema, path, &["$ref"])?;
            self.resolve(target, path)?;
            return Ok((Ty::Named(target.to_owned()), false));
        }
        for keyword in [
            "allOf",
            "anyOf",
            "not",
            "if",
            "nullable",
            "discriminator",
            "patternProperties",
        ] {
            if schema.get(keyword).is_some() {
                return Err(unsupported(path, format!("keyword `{keyword}`")));
            }
        }
        if let Some(members) = schema.get("oneOf") {
            Self::check_keys(schema, path, &["oneOf"])?;
            let members = members
                .as_array()
                .ok_or_else(|| unsupported(path, "`oneOf` is not an array"))?;
            let is_null = |m: &Value| m.get("type") == Some(&Value::from("null"));
            let rest: Vec<(usize, &Value)> = members.iter().enumerate().filter(|(_, m)| !is_null(m)).collect();
            let nullable = rest.len() < members.len();
            return match rest.as_slice() {
                [] => Err(unsupported(path, "`oneOf` of only `null`")),
                [(i, only)] => {
                    let (ty, inner) = self.ty(only, rust, name, &format!("{path}/oneOf/{i}"))?;
                    Ok((ty, nullable || inner))
                }
                _ if nullable => Err(unsupported(
                    path,
                    "a nullable `oneOf` of several types: wrap the alternatives in an inner `oneOf`",
                )),
                _ => {
                    let variants = self.untagged_variants(schema, rust, path)?;
                    self.add(rust, name, path, Item::Untagged { variants })?;
                    Ok((Ty::Named(rust.to_owned()), false))
                }
            };
        }
        let types = type_list(schema, path)?;
        let nullable = types.contains(&"null");
        let rest: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        let ty = match rest.as_slice() {
            [] if types.is_empty() => {
                Self::check_keys(schema, path, &[])?;
                Ty::Json
            }
            ["string"] if schema.get("enum").is_some() => {
                Self::check_keys(schema, path, &["type", "enum"])?;
                let values = enum_values(schema, path)?;
                if values.len() + usize::from(nullable) != schema["enum"].as_array().map_or(0, Vec::len) {
                    return Err(unsupported(path, "`enum` lists `null` but the type is not nullable"));
                }
                self.add(rust, name, path, Item::Enum { values })?;
                Ty::Named(rust.to_owned())
            }
            ["string"] => {
                Self::check_keys(schema, path, &["type", "minLength", "maxLength", "pattern"])?;
                Ty::String
            }
            ["integer"] => {
                Self::check_keys(schema, path, &["type", "minimum", "maximum"])?;
                Ty::Integer
            }
            ["number"] => {
                Self::check_keys(schema, path, &["type", "minimum", "maximum"])?;
                Ty::Number
            }
            ["boolean"] => {
                Self::check_keys(schema, path, &["type"])?;
                Ty::Boolean
            }
            ["array"] => {
                Self::check_keys(schema, path, &["type", "items", "minItems", "maxItems"])?;
                let items = schema
                    .get("items")
                    .ok_or_else(|| unsupported(path, "array without `items`"))?;
                let (item, item_nullable) = self.ty(items, &format!("{rust}Item"), name, &format!("{path}/items"))?;
                if item_nullable {
                    return Err(unsupported(&format!("{path}/items"), "nullable array items"));
                }
                Ty::List(Box::new(item))
            }
            ["object"] => {
                if schema.get("properties").is_some() {
                    return Err(unsupported(
                        path,
                        "inline object schema with `properties`: name it under `components/schemas`",
                    ));
                }
                Self::check_keys(schema, path, &["type", "additionalProperties"])?;
                match schema.get("additionalProperties") {
                    None | Some(Value::Bool(true)) => Ty::Json,
                    Some(Value::Bool(false)) => return Err(unsupported(path, "a closed object with no properties")),
                    Some(value) => {
                        let (v, value_nullable) = self.ty(
                            value,
                            &format!("{rust}Value"),
                            name,
                            &format!("{path}/additionalProperties"),
                        )?;
                        if value_nullable {
                            return Err(unsupported(
                                &format!("{path}/additionalProperties"),
                                "nullable map values",
                            ));
                        }
                        Ty::Map(Box::new(v))
                    }
                }
            }
            other => return Err(unsupported(path, format!("type {other:?}"))),
        };
        Ok((ty, nullable))
    }

    /// Checks that the alternatives of every untagged union differ by JSON type.
    fn check_untagged(&self) -> Result<(), CodegenError> {
        for named in self.items.values() {
            if let Item::Untagged { variants } = &named.item {
                let mut seen: Vec<JsonKind> = Vec::new();
                for (variant, ty) in variants {
                    let kind = json_kind(&self.items, ty);
                    if kind == JsonKind::Any || seen.contains(&kind) || seen.contains(&JsonKind::Any) {
                        return Err(unsupported(
                            &named.path,
                            format!("alternative `{variant}` has the same JSON type ({kind:?}) as another; untagged unions must differ by JSON type"),
                        ));
                    }
                    seen.push(kind);
                }
            }
        }
        Ok(())
    }
}

/// The items a value of `ty` holds without an allocation in between (`Vec` and `HashMap` allocate).
fn direct_target(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Named(n) => Some(n),
        _ => None,
    }
}

/// The items an item holds directly.
fn direct_edges(item: &Item) -> Vec<&str> {
    match item {
        Item::Struct { properties, .. } => properties
            .iter()
            .filter(|p| !p.boxed)
            .filter_map(|p| direct_target(&p.ty))
            .collect(),
        Item::Tagged { variants, .. } => variants.iter().map(|(_, _, t)| t.as_str()).collect(),
        Item::Untagged { variants } => variants.iter().filter_map(|(_, t)| direct_target(t)).collect(),
        Item::Enum { .. } => Vec::new(),
        Item::Alias(ty) => direct_target(ty).into_iter().collect(),
    }
}

/// Boxes struct properties until no item contains itself without an allocation.
fn box_cycles(items: &mut BTreeMap<String, Named>) {
    let reaches = |items: &BTreeMap<String, Named>, from: &str, to: &str| {
        let mut stack = vec![from.to_owned()];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(current) = stack.pop() {
            if current == to {
                return true;
            }
            if seen.insert(current.clone()) {
                if let Some(named) = items.get(&current) {
                    stack.extend(direct_edges(&named.item).into_iter().map(str::to_owned));
                }
            }
        }
        false
    };
    let names: Vec<String> = items.keys().cloned().collect();
    for name in names {
        let count = match &items[&name].item {
            Item::Struct { properties, .. } => properties.len(),
            _ => continue,
        };
        for i in 0..count {
            let target = match &items[&name].item {
                Item::Struct { properties, .. } => direct_target(&properties[i].ty).map(str::to_owned),
                _ => None,
            };
            if let Some(target) = target {
                if reaches(items, &target, &name) {
                    if let Some(Named {
                        item: Item::Struct { properties, .. },
                        ..
                    }) = items.get_mut(&name)
                    {
                        properties[i].boxed = true;
                    }
                }
            }
        }
    }
}

/// The JSON type of values of `ty`.
pub fn json_kind(items: &BTreeMap<String, Named>, ty: &Ty) -> JsonKind {
    match ty {
        Ty::String => JsonKind::String,
        Ty::Integer | Ty::Number => JsonKind::Number,
        Ty::Boolean => JsonKind::Boolean,
        Ty::List(_) => JsonKind::Array,
        Ty::Map(_) => JsonKind::Object,
        Ty::Json => JsonKind::Any,
        Ty::Named(n) => match items.get(n).map(|i| &i.item) {
            Some(Item::Enum { .. }) => JsonKind::String,
            Some(Item::Struct { .. } | Item::Tagged { .. }) => JsonKind::Object,
            Some(Item::Alias(ty)) => json_kind(items, ty),
            Some(Item::Untagged { .. }) | None => JsonKind::Any,
        },
    }
}

fn type_list<'v>(schema: &'v Value, path: &str) -> Result<Vec<&'v str>, CodegenError> {
    match schema.get("type") {
        None => Ok(Vec::new()),
        Some(Value::String(t)) => Ok(vec![t.as_str()]),
        Some(Value::Array(ts)) => ts
            .iter()
            .map(|t| {
                t.as_str()
                    .ok_or_else(|| unsupported(path, "`type` list with a non-string"))
            })
            .collect(),
        Some(other) => Err(unsupported(path, format!("`type: {other}`"))),
    }
}

fn enum_values(schema: &Value, path: &str) -> Result<Vec<String>, CodegenError> {
    let values = schema["enum"]
        .as_array()
        .ok_or_else(|| unsupported(path, "`enum` is not an array"))?;
    let mut out = Vec::new();
    for v in values {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Null => {}
            other => return Err(unsupported(path, format!("non-string enum value `{other}`"))),
        }
    }
    Ok(out)
}

/// Constraint facts of a schema, for doc comments.
fn facts(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    if let Some(b) = crate::writer::bounds_text(num("minimum"), num("maximum")) {
        out.push(format!("range {b}"));
    }
    if let Some(b) = crate::writer::bounds_text(num("minItems"), num("maxItems")) {
        out.push(format!("items {b}"));
    }
    if let Some(b) = crate::writer::bounds_text(num("minLength"), num("maxLength")) {
        out.push(format!("length {b}"));
    }
    if schema.get("deprecated") == Some(&Value::Bool(true)) {
        out.push("deprecated".into());
    }
    out
}

fn resolve_param<'v>(doc: &'v Value, p: &'v Value, path: &str) -> Result<&'v Value, CodegenError> {
    match p.get("$ref").and_then(Value::as_str) {
        None => Ok(p),
        Some(r) => {
            let name = r
                .strip_prefix("#/components/parameters/")
                .ok_or_else(|| unsupported(path, format!("parameter reference `{r}`")))?;
            let target = &doc["components"]["parameters"][name];
            if target.is_null() {
                return Err(CodegenError::MissingShape(format!(
                    "parameter {name} (referenced at {path})"
                )));
            }
            Ok(target)
        }
    }
}

fn param_ty(front: &mut Front<'_>, schema: &Value, rust: &str, name: &str, path: &str) -> Result<Ty, CodegenError> {
    if let Some(target) = ref_name(schema, path)? {
        front.resolve(target, path)?;
        return Ok(Ty::Named(target.to_owned()));
    }
    let types = type_list(schema, path)?;
    match types.as_slice() {
        ["string"] if schema.get("enum").is_some() => {
            let values = enum_values(schema, path)?;
            front.add(rust, name, path, Item::Enum { values })?;
            Ok(Ty::Named(rust.to_owned()))
        }
        ["string"] => Ok(Ty::String),
        ["integer"] => Ok(Ty::Integer),
        ["number"] => Ok(Ty::Number),
        ["boolean"] => Ok(Ty::Boolean),
        ["array"] => Ok(Ty::List(Box::new(param_ty(
            front,
            &schema["items"],
            &format!("{rust}Item"),
            name,
            &format!("{path}/items"),
        )?))),
        other => Err(unsupported(path, format!("parameter of type {other:?}"))),
    }
}

fn json_ref(content: &Value, media: &str, path: &str) -> Result<Option<String>, CodegenError> {
    match content.get(media) {
        None => Ok(None),
        Some(m) => {
            let p = format!("{path}/content/{}", media.replace('/', "~1"));
            ref_name(&m["schema"], &p)?
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| unsupported(&p, "a body schema must be a `$ref`"))
        }
    }
}

fn front_operation(
    front: &mut Front<'_>,
    doc: &Value,
    template: &str,
    item: &Value,
    method: &str,
    op: &Value,
    path: &str,
) -> Result<Operation, CodegenError> {
    let id = op["operationId"]
        .as_str()
        .ok_or_else(|| unsupported(path, "operation without `operationId`"))?
        .to_owned();
    let mut params = Vec::new();
    let all = item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p, format!("{path}/../parameters")))
        .chain(
            op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p, format!("{path}/parameters"))),
        );
    for (p, ppath) in all {
        let p = resolve_param(doc, p, &ppath)?;
        let name = p["name"]
            .as_str()
            .ok_or_else(|| unsupported(&ppath, "parameter without `name`"))?;
        let location = match p["in"].as_str() {
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            Some("header") => ParamIn::Header,
            other => return Err(unsupported(&ppath, format!("parameter `{name}` in {other:?}"))),
        };
        let rust = format!("{}{}", names::pascal_case(&id), names::pascal_case(name));
        let ty = param_ty(
            front,
            &p["schema"],
            &rust,
            &format!("{id}.{name}"),
            &format!("{ppath}/{name}"),
        )?;
        let required = p["required"].as_bool().unwrap_or(false) || location == ParamIn::Path;
        let default = p["schema"]["default"].as_str().map(str::to_owned);
        params.push(Param {
            name: name.to_owned(),
            // Header names are case-insensitive: `OpenAI-Project` → `openai_project`.
            ident: names::field_name(&if location == ParamIn::Header {
                name.to_ascii_lowercase()
            } else {
                name.to_owned()
            }),
            location,
            required,
            default,
            ty,
        });
    }
    for label in template.split('{').skip(1).filter_map(|s| s.split('}').next()) {
        if !params.iter().any(|p| p.location == ParamIn::Path && p.name == label) {
            return Err(unsupported(path, format!("path label `{{{label}}}` has no parameter")));
        }
    }
    let body = match op.get("requestBody") {
        None => None,
        Some(b) => Some(
            json_ref(&b["content"], "application/json", &format!("{path}/requestBody"))?
                .ok_or_else(|| unsupported(path, "request body without `application/json`"))?,
        ),
    };
    let ok = &op["responses"]["200"];
    let ok_path = format!("{path}/responses/200");
    let output = json_ref(&ok["content"], "application/json", &ok_path)?
        .ok_or_else(|| unsupported(&ok_path, "a `200` response with an `application/json` body is required"))?;
    let error = json_ref(&op["responses"]["default"]["content"], "application/json", path)?.ok_or_else(|| {
        unsupported(
            path,
            "a `default` response with an `application/json` error body is required",
        )
    })?;
    let stream = match json_ref(&ok["content"], "text/event-stream", &ok_path)? {
        None => None,
        Some(event) => {
            let sse = &ok["content"]["text/event-stream"]["x-sse"];
            if sse["data"].as_str() != Some("json") {
                return Err(unsupported(&ok_path, "`x-sse.data` must be \"json\""));
            }
            let event_names = match &sse["event"] {
                Value::Null => false,
                Value::String(s) if s == "type" => true,
                other => return Err(unsupported(&ok_path, format!("`x-sse.event: {other}`"))),
            };
            let flag = op["x-stream-flag"]
                .as_str()
                .ok_or_else(|| unsupported(path, "a streaming operation needs `x-stream-flag`"))?
                .to_owned();
            Some(Stream {
                flag,
                event,
                event_names,
                terminator: sse["terminator"].as_str().map(str::to_owned),
            })
        }
    };
    let routes = item["x-bedrock-routes"]
        .as_object()
        .ok_or_else(|| unsupported(path, "path item without `x-bedrock-routes`"))?
        .iter()
        .map(|(endpoint, prefixes)| {
            let prefixes = prefixes
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            (endpoint.clone(), prefixes)
        })
        .collect();
    let unconfirmed = item["x-bedrock-unconfirmed"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let pagination = op["x-pagination"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Operation {
        id,
        method: method.to_uppercase(),
        path: template.to_owned(),
        params,
        body,
        output,
        error,
        stream,
        routes,
        unconfirmed,
        pagination,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(schemas: Value) -> Value {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}})
    }

    fn err(schemas: Value) -> String {
        parse(&doc(schemas)).unwrap_err().to_string()
    }

    #[test]
    fn reads_objects_nullable_and_inline_enums() {
        let api = parse(&doc(json!({
            "Thing": {"type": "object", "additionalProperties": true, "required": ["kind", "name"],
                "properties": {
                    "kind": {"type": "string", "const": "thing"},
                    "name": {"type": "string"},
                    "note": {"type": ["string", "null"]},
                    "mode": {"type": ["string", "null"], "enum": ["a", "b", null]}
                }}
        })))
        .unwrap();
        let Item::Struct {
            properties,
            consts,
            extra,
        } = &api.items["Thing"].item
        else {
            panic!()
        };
        assert_eq!(consts, &[("kind".to_owned(), "thing".to_owned())]);
        assert!(!extra);
        let note = properties.iter().find(|p| p.name == "note").unwrap();
        assert!(note.nullable && !note.required);
        assert!(matches!(&api.items["ThingMode"].item, Item::Enum { values } if values == &["a", "b"]));
    }

    #[test]
    fn rejects_what_it_does_not_support_naming_the_path() {
        let e = err(json!({"A": {"type": "object", "properties": {"x": {"type": "object", "properties": {}}}}}));
        assert!(e.contains("#/components/schemas/A/properties/x"), "{e}");
        let e = err(json!({"A": {"allOf": []}}));
        assert!(e.contains("#/components/schemas/A") && e.contains("allOf"), "{e}");
        let e = err(json!({"A": {"oneOf": [{"type": "string"}, {"type": "string", "enum": ["x"]}]}}));
        assert!(e.contains("same JSON type"), "{e}");
        let e = err(
            json!({"A": {"oneOf": [{"$ref": "#/components/schemas/B"}], "discriminator": {"propertyName": "type", "mapping": {"b": "#/components/schemas/B"}}},
            "B": {"type": "object", "properties": {"type": {"type": "string", "const": "b"}}, "required": ["type"]}}),
        );
        assert!(e.contains("x-unknown-variant"), "{e}");
        let e = err(json!({"A": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Missing"}}}}));
        assert!(e.contains("Missing") && e.contains("properties/x"), "{e}");
    }

    #[test]
    fn rejects_operations_that_miss_what_the_client_needs() {
        let ok = json!({"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}},
                        "default": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}});
        let with_paths = |paths: Value| {
            let mut d = doc(json!({"A": {"type": "object", "properties": {}}}));
            d["paths"] = paths;
            parse(&d).map(|_| ()).unwrap_err().to_string()
        };
        let e = with_paths(json!({"/a": {"get": {"operationId": "getA", "responses": ok}}}));
        assert!(e.contains("#/paths/~1a/get") && e.contains("x-bedrock-routes"), "{e}");
        let e = with_paths(json!({"/a/{id}": {"x-bedrock-routes": {"bedrock-mantle": ["/v1"]},
            "get": {"operationId": "getA", "responses": ok}}}));
        assert!(e.contains("path label `{id}`"), "{e}");
        let e = with_paths(json!({"/a": {"x-bedrock-routes": {"bedrock-mantle": ["/v1"]},
            "get": {"operationId": "getA", "responses": {"200": ok["200"]}}}}));
        assert!(e.contains("`default` response"), "{e}");
    }

    #[test]
    fn boxes_only_the_edges_of_a_cycle() {
        let api = parse(&doc(json!({
            "Node": {"type": "object", "properties": {
                "next": {"oneOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "leaf": {"$ref": "#/components/schemas/Leaf"}
            }},
            "Leaf": {"type": "object", "properties": {"v": {"type": "integer"}}}
        })))
        .unwrap();
        let Item::Struct { properties, .. } = &api.items["Node"].item else {
            panic!()
        };
        let boxed: Vec<(&str, bool)> = properties.iter().map(|p| (p.name.as_str(), p.boxed)).collect();
        assert_eq!(boxed, [("children", false), ("leaf", false), ("next", true)]);
    }

    #[test]
    fn reads_the_project_documents() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/mantle");
        for file in ["openai.json", "anthropic.json"] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            let doc: Value = serde_json::from_str(&text).unwrap();
            let api = parse(&doc).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(!api.operations.is_empty());
        }
    }
}
