//! Rust expressions that construct model values from botocore-style JSON.
//!
//! botocore's test cases and parsed outputs describe values by member name,
//! with blobs as plain text and timestamps as epoch seconds. The protocol
//! conformance harness turns each case's values into Rust code with this
//! module, so that cases compile against the generated types like user code.

use serde_json::Value;

use crate::model::{Member, Paginators, Service};
use crate::writer::lit;
use crate::{names, CodegenError, Context, Options, StructKind};

/// Names and values for code that uses one generated model.
pub struct ModelView<'a> {
    ctx: Context<'a>,
    /// Path of the module holding the generated `types`, `error`, `operation` and `event_stream` modules.
    prefix: String,
}

impl<'a> ModelView<'a> {
    /// Prepares a model whose generated modules live under `prefix`.
    pub fn new(
        service: &'a Service,
        paginators: &'a Paginators,
        options: &'a Options,
        prefix: &str,
    ) -> Result<Self, CodegenError> {
        Ok(ModelView {
            ctx: Context::new(service, paginators, options)?,
            prefix: prefix.to_owned(),
        })
    }

    /// The path of an operation's marker type.
    pub fn operation(&self, op: &str) -> String {
        format!(
            "{}::operation::{}",
            self.prefix,
            crate::emit_http::marker_name(&self.ctx, op)
        )
    }

    /// The path of an operation's error enum.
    pub fn error_enum(&self, op: &str) -> String {
        format!("{}::error::{}", self.prefix, self.ctx.error_enum(op))
    }

    /// The path of an emitted shape's type.
    pub fn type_path(&self, shape: &str) -> String {
        let module = match self.ctx.service.shapes.get(shape) {
            Some(s) if s.exception => "error",
            Some(s) if s.eventstream => "event_stream",
            _ => "types",
        };
        format!("{}::{module}::{}", self.prefix, self.ctx.type_name(shape))
    }

    /// The variant of an exception in an operation's error enum.
    pub fn error_variant(&self, shape: &str) -> String {
        self.ctx.type_name(shape).to_owned()
    }

    /// An expression of the shape's Rust type holding `value`.
    pub fn value(&self, shape: &str, value: &Value) -> Result<String, CodegenError> {
        self.expr(shape, None, value)
    }

    fn expr(&self, shape_name: &str, member: Option<&Member>, value: &Value) -> Result<String, CodegenError> {
        let ctx = &self.ctx;
        let shape = ctx.shape(shape_name)?;
        let bad = || CodegenError::Unsupported(format!("value {value} for shape `{shape_name}` ({})", shape.kind));
        if member.is_some_and(|m| m.jsonvalue) || shape.document {
            return Ok(format!(
                "serde_json::from_str::<serde_json::Value>({}).unwrap()",
                lit(&value.to_string())
            ));
        }
        Ok(match shape.kind.as_str() {
            "string" => {
                let text = value.as_str().ok_or_else(bad)?;
                if shape.enum_values.is_empty() {
                    format!("String::from({})", lit(text))
                } else {
                    format!("{}::from({})", self.type_path(shape_name), lit(text))
                }
            }
            "boolean" => value.as_bool().ok_or_else(bad)?.to_string(),
            "byte" | "short" | "integer" | "long" => {
                let ty = match shape.kind.as_str() {
                    "byte" => "i8",
                    "short" => "i16",
                    "integer" => "i32",
                    _ => "i64",
                };
                format!("{}{ty}", value.as_i64().ok_or_else(bad)?)
            }
            "float" | "double" => {
                let ty = if shape.kind == "float" { "f32" } else { "f64" };
                match value {
                    Value::String(s) if s == "NaN" => format!("{ty}::NAN"),
                    Value::String(s) if s == "Infinity" => format!("{ty}::INFINITY"),
                    Value::String(s) if s == "-Infinity" => format!("{ty}::NEG_INFINITY"),
                    _ => format!("{:?}{ty}", value.as_f64().ok_or_else(bad)?),
                }
            }
            "blob" => format!(
                "bedrock_wire::Blob::new({}.as_bytes().to_vec())",
                lit(value.as_str().ok_or_else(bad)?)
            ),
            "timestamp" => match value {
                Value::Number(n) if n.is_i64() => format!("bedrock_wire::DateTime::from_secs({})", n),
                Value::Number(n) => format!(
                    "bedrock_wire::DateTime::from_secs_f64({:?})",
                    n.as_f64().ok_or_else(bad)?
                ),
                _ => return Err(bad()),
            },
            "list" => {
                let m = shape.member.as_ref().ok_or_else(bad)?;
                let items = value
                    .as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|v| self.expr(&m.shape, Some(m), v))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("vec![{}]", items.join(", "))
            }
            "map" => {
                let v = shape.value.as_ref().ok_or_else(bad)?;
                let entries = value
                    .as_object()
                    .ok_or_else(bad)?
                    .iter()
                    .filter(|(_, x)| !x.is_null())
                    .map(|(k, x)| {
                        Ok(format!(
                            "(String::from({}), {})",
                            lit(k),
                            self.expr(&v.shape, Some(v), x)?
                        ))
                    })
                    .collect::<Result<Vec<_>, CodegenError>>()?;
                format!("std::collections::HashMap::from([{}])", entries.join(", "))
            }
            "structure" => {
                let object = value.as_object().ok_or_else(bad)?;
                let ty = self.type_path(shape_name);
                match ctx.struct_kind(shape) {
                    StructKind::Union => {
                        let (name, v) = object.iter().find(|(_, v)| !v.is_null()).ok_or_else(bad)?;
                        let m = shape.members.get(name).ok_or_else(bad)?;
                        let mut inner = self.expr(&m.shape, Some(m), v)?;
                        if ctx.boxed.contains(&(ctx.key(shape_name), name.as_str())) {
                            inner = format!("Box::new({inner})");
                        }
                        format!("{ty}::{}({inner})", names::variant_name(name))
                    }
                    _ => {
                        let mut required = Vec::new();
                        let mut setters = String::new();
                        for (name, m) in shape.members.iter() {
                            if ctx.known(&m.shape).eventstream {
                                continue;
                            }
                            let is_required = shape.required.iter().any(|r| r == name);
                            match object.get(name).filter(|v| !v.is_null()) {
                                Some(v) => {
                                    let e = self.expr(&m.shape, Some(m), v)?;
                                    if is_required {
                                        required.push(e);
                                    } else {
                                        let ident = names::field_name(name);
                                        setters.push_str(&format!(".with_{}({e})", ident.trim_start_matches("r#")));
                                    }
                                }
                                None if is_required => {
                                    return Err(CodegenError::Unsupported(format!(
                                        "required member `{name}` of `{shape_name}` has no value"
                                    )))
                                }
                                None => {}
                            }
                        }
                        for key in object.keys() {
                            if shape.members.get(key).is_none() {
                                return Err(CodegenError::Unsupported(format!(
                                    "`{shape_name}` has no member `{key}`"
                                )));
                            }
                        }
                        format!("{ty}::new({}){setters}", required.join(", "))
                    }
                }
            }
            _ => return Err(bad()),
        })
    }
}
