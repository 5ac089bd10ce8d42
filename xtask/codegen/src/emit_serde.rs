//! Serde impls of structures, written out instead of derived.
//!
//! `#[derive(Deserialize)]` emits a field-identifier enum and visitor, a
//! sequence visitor and a map visitor per structure, each compiled again for
//! every deserializer; that was most of the model crates' compile time. The
//! impls written here read members through `bedrock_wire::structure` (one
//! shared key type, one loop per structure) and write them with
//! `serialize_struct`, producing the same JSON as the derives did.

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

/// `impl Serialize for {target}`: members of `{base}` (e.g. `self` or `self.0`) in order, unset ones left out.
pub(crate) fn emit_serialize(out: &mut String, target: &str, name: &str, base: &str, members: &[SerdeMember<'_>]) {
    w!(out, "impl serde::Serialize for {target} {{");
    w!(
        out,
        "fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{"
    );
    w!(out, "use serde::ser::SerializeStruct as _;");
    if members.is_empty() {
        w!(out, "serializer.serialize_struct({}, 0)?.end()", lit(name));
    } else {
        let required = members.iter().filter(|m| m.required).count();
        let mut len: Vec<String> = (required > 0 || members.iter().all(|m| m.required))
            .then(|| required.to_string())
            .into_iter()
            .collect();
        for m in members.iter().filter(|m| !m.required) {
            len.push(format!("usize::from({base}.{}.is_some())", m.ident));
        }
        w!(
            out,
            "let mut state = serializer.serialize_struct({}, {})?;",
            lit(name),
            len.join(" + ")
        );
        for m in members {
            let (open, value, close) = if m.required {
                ("", format!("&{base}.{}", m.ident), "")
            } else {
                ("if let Some(value) = &", "value".to_owned(), " }")
            };
            let value = match m.codec {
                Some(codec) => format!("&Encoded::<{}, _>::new({value})", codec_marker(codec)),
                None => value,
            };
            if m.required {
                w!(out, "state.serialize_field({}, {value})?;", lit(m.key));
            } else {
                w!(
                    out,
                    "{open}{base}.{} {{ state.serialize_field({}, {value})?;{close}",
                    m.ident,
                    lit(m.key)
                );
            }
        }
        w!(out, "state.end()");
    }
    w!(out, "}}");
    w!(out, "}}\n");
}

/// `impl Deserialize` and `impl Structure` for `{rust}`, a struct with exactly `members` as fields.
pub(crate) fn emit_deserialize(out: &mut String, rust: &str, name: &str, members: &[SerdeMember<'_>]) {
    w!(out, "impl<'de> serde::Deserialize<'de> for {rust} {{");
    w!(
        out,
        "fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{"
    );
    w!(out, "structure::deserialize(deserializer)");
    w!(out, "}}");
    w!(out, "}}\n");

    w!(out, "impl structure::Structure for {rust} {{");
    w!(out, "const NAME: &'static str = {};", lit(name));
    w!(
        out,
        "fn visit_members<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {{"
    );
    // Everything read so far is in one value, so that each early return drops one thing
    // (separate locals would give every `?` its own drop of every member).
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
    w!(out, "while let Some(key) = map.next_key::<structure::Key<'de>>()? {{");
    w!(out, "match key.as_str() {{");
    for (i, m) in members.iter().enumerate() {
        let read = match (m.codec, m.required) {
            (None, true) => "Some(map.next_value()?)".to_owned(),
            (None, false) => "map.next_value()?".to_owned(),
            (Some(codec), true) => format!(
                "Some(map.next_value::<Decoded<{}, {}>>()?.0)",
                codec_marker(codec),
                m.ty
            ),
            (Some(codec), false) => format!(
                "map.next_value::<Decoded<{}, Option<{}>>>()?.0",
                codec_marker(codec),
                m.ty
            ),
        };
        w!(out, "{} => {} = {read},", lit(m.key), slot(i, m));
    }
    w!(out, "_ => structure::skip_value(&mut map)?,");
    w!(out, "}}");
    w!(out, "}}");
    if all_optional {
        w!(out, "Ok(value)");
    } else {
        w!(out, "Ok(Self {{");
        for (i, m) in members.iter().enumerate() {
            if m.required {
                w!(
                    out,
                    "{}: match read.{i} {{ Some(value) => value, None => return Err(structure::missing({})) }},",
                    m.ident,
                    lit(m.key)
                );
            } else {
                w!(out, "{}: read.{i},", m.ident);
            }
        }
        w!(out, "}})");
    }
    w!(out, "}}");
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
