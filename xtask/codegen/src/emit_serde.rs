//! JSON and serde impls of structures and unions.
//!
//! Every structure gets a `ReadJson` and a `WriteJson` impl (one plain function each, the
//! operations' JSON path), and serde impls that go through them
//! (`bedrock_wire::json::serialize` / `deserialize`). Derived or written-out serde impls were
//! most of the model crates' compile time (decision 0008).

use crate::emit_types::Field;
use crate::writer::{codec_marker, lit, w};

/// One member as the serde impls see it.
pub(crate) struct SerdeMember<'a> {
    /// The Rust field (`r#type` style identifiers allowed).
    pub ident: &'a str,
    /// The JSON member name.
    pub key: &'a str,
    /// The field type without `Option`.
    pub ty: &'a str,
    pub required: bool,
    /// A `bedrock_wire::codec` module name.
    pub codec: Option<&'static str>,
}

impl<'a> SerdeMember<'a> {
    /// The member under its serde name: the JSON key for body members, the member name for bound ones.
    pub(crate) fn of_field(field: &'a Field<'a>) -> Self {
        SerdeMember::with_key(field, field.serde_name())
    }

    /// The member under JSON key `key`.
    pub(crate) fn with_key(field: &'a Field<'a>, key: &'a str) -> Self {
        SerdeMember {
            ident: &field.ident,
            key,
            ty: &field.ty,
            required: field.required,
            codec: field.codec,
        }
    }
}

/// `impl Serialize` and `impl Deserialize` for structure or union `{rust}`, through its
/// `WriteJson` and `ReadJson` impls (`bedrock_wire::json::serialize` / `deserialize`), so that
/// no per-type code is generic over serde's (de)serializers.
pub(crate) fn emit_serde(out: &mut String, rust: &str) {
    w!(out, "impl serde::Serialize for {rust} {{");
    w!(
        out,
        "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{ json::serialize(self, serializer) }}"
    );
    w!(out, "}}\n");
    w!(out, "impl<'de> serde::Deserialize<'de> for {rust} {{");
    w!(
        out,
        "fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{ json::deserialize(deserializer) }}"
    );
    w!(out, "}}\n");
}

/// `impl json::WriteJson for {target}`: the operations' writer, the same JSON as [`emit_serialize`].
pub(crate) fn emit_write_json(out: &mut String, target: &str, base: &str, members: &[SerdeMember<'_>]) {
    w!(out, "impl json::WriteJson for {target} {{");
    w!(out, "fn write_json(&self, writer: &mut json::Writer) {{");
    w!(
        out,
        "let {}object = writer.begin_object();",
        if members.is_empty() { "" } else { "mut " }
    );
    for m in members {
        let how = if m.required { "required" } else { "optional" };
        let value = format!("&{base}.{}", m.ident);
        match m.codec {
            Some(codec) => w!(
                out,
                "writer.encode_{how}::<{}, _>(&mut object, {}, {value});",
                codec_marker(codec),
                lit(m.key)
            ),
            None => w!(out, "writer.{how}(&mut object, {}, {value});", lit(m.key)),
        }
    }
    w!(out, "writer.end_object(object);");
    w!(out, "}}");
    w!(out, "}}\n");
}

/// `impl json::ReadJson for {rust}`: the operations' reader, the same JSON as [`emit_deserialize`].
///
/// The loop over members is `bedrock_wire::json::Reader::read_structure`, one function for
/// every structure: the impl only lists the members and a slot for each (`&mut dyn Slot`), so
/// that the per-type code is a few moves.
pub(crate) fn emit_read_json(out: &mut String, rust: &str, name: &str, members: &[SerdeMember<'_>]) {
    w!(out, "impl json::ReadJson for {rust} {{");
    w!(
        out,
        "fn read_json(reader: &mut json::Reader<'_>) -> Result<Self, json::Error> {{"
    );
    let all_optional = members.iter().all(|m| !m.required);
    let slot = |i: usize, m: &SerdeMember<'_>| {
        if all_optional {
            format!("value.{}", m.ident)
        } else {
            format!("read.{i}")
        }
    };
    if all_optional {
        let unset: Vec<String> = members.iter().map(|m| format!("{}: None", m.ident)).collect();
        let mutable = if members.is_empty() { "" } else { "mut " };
        w!(out, "let {mutable}value = Self {{ {} }};", unset.join(", "));
    } else {
        let types: Vec<String> = members.iter().map(|m| format!("Option<{}>,", m.ty)).collect();
        let unset: Vec<&str> = members.iter().map(|_| "None,").collect();
        w!(out, "let mut read: ({}) = ({});", types.join(" "), unset.join(" "));
    }
    let table: Vec<String> = members
        .iter()
        .map(|m| format!("({}, {})", lit(m.key), m.required))
        .collect();
    let slots: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, m)| match m.codec {
            None => format!("&mut {}", slot(i, m)),
            Some(codec) => format!("&mut json::coded::<{}, _>(&mut {})", codec_marker(codec), slot(i, m)),
        })
        .collect();
    w!(
        out,
        "reader.read_structure({}, &[{}], &mut [{}])?;",
        lit(name),
        table.join(", "),
        slots.join(", ")
    );
    if !all_optional {
        // `read_structure` checked the required members.
        let first_required = members.iter().find(|m| m.required).expect("a required member");
        let patterns: Vec<String> = members
            .iter()
            .map(|m| {
                if m.required {
                    format!("Some({})", m.ident)
                } else {
                    m.ident.to_string()
                }
            })
            .collect();
        w!(
            out,
            "let ({},) = read else {{ return Err(json::missing({})) }};",
            patterns.join(", "),
            lit(first_required.key)
        );
        let fields: Vec<&str> = members.iter().map(|m| m.ident).collect();
        w!(out, "Ok(Self {{ {} }})", fields.join(", "));
    } else {
        w!(out, "Ok(value)");
    }
    w!(out, "}}");
    w!(out, "}}\n");
}
