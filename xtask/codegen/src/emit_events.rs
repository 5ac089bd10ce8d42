//! `event_stream.rs`: event-stream unions, their exceptions, and the message mapping.

use crate::emit_types::{emit_union, fields, Patterns, TYPES_PRELUDE};
use crate::writer::{doc, file_header, lit, w};
use crate::{names, CodegenError, Context};

pub(crate) fn event_stream_file(ctx: &Context<'_>) -> Result<String, CodegenError> {
    let mut out = file_header(
        &ctx.options.header,
        "Event streams: typed events, stream exceptions and message mapping.",
    );
    out.push_str(TYPES_PRELUDE);
    out.push_str("use bedrock_wire::event_stream::{decode_payload, encode_event, encode_exception, header_str, message_type, EventError, Message, MessageType, UnhandledEventError};\nuse bedrock_wire::{BuildError, MalformedResponse};\nuse bedrock_wire::__private::serde_json;\n\nuse super::error::*;\nuse super::types::*;\n\n");
    let mut patterns = Patterns::default();
    for name in &ctx.event_streams {
        let shape = ctx.known(name);
        let rust = ctx.type_name(name).to_owned();
        let all = fields(ctx, name, shape);
        for f in &all {
            let target = ctx.known(&f.member.shape);
            if target.members.iter().any(|(_, m)| m.eventpayload || m.eventheader) {
                return Err(CodegenError::Unsupported(format!(
                    "event `{}` binds members to message headers or payload",
                    f.member.shape
                )));
            }
        }
        emit_union(ctx, &mut out, &mut patterns, name, shape);
        let (exceptions, events): (Vec<_>, Vec<_>) = all.iter().partition(|f| ctx.known(&f.member.shape).exception);

        let error = ctx.unique_name(&rust, "Error", "Stream");
        doc(
            &mut out,
            &format!("Exceptions the `{name}` stream can deliver instead of an event."),
        );
        w!(out, "#[derive(Clone, Debug, PartialEq)]");
        w!(out, "#[non_exhaustive]");
        w!(out, "pub enum {error} {{");
        for f in &exceptions {
            let t = ctx.type_name(&f.member.shape);
            doc(&mut out, &format!("`:exception-type` `{}`.", f.wire));
            w!(out, "{}({t}),", names::variant_name(f.name));
        }
        doc(
            &mut out,
            "An error message, or an exception this version of the models does not know.",
        );
        w!(out, "Unhandled(UnhandledEventError),");
        w!(out, "}}\n");
        w!(out, "impl std::fmt::Display for {error} {{");
        w!(
            out,
            "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{"
        );
        w!(out, "match self {{");
        for f in &exceptions {
            w!(out, "Self::{}(error) => error.fmt(f),", names::variant_name(f.name));
        }
        w!(out, "Self::Unhandled(error) => error.fmt(f),");
        w!(out, "}}");
        w!(out, "}}");
        w!(out, "}}\n");
        w!(out, "impl std::error::Error for {error} {{}}\n");

        w!(out, "impl {error} {{");
        doc(
            &mut out,
            "Encodes the exception as an event-stream message (what a server sends).",
        );
        w!(out, "pub fn to_message(&self) -> Result<Message, BuildError> {{");
        w!(out, "match self {{");
        for f in &exceptions {
            w!(
                out,
                "Self::{}(error) => encode_exception({}, error),",
                names::variant_name(f.name),
                lit(f.wire)
            );
        }
        w!(out, "Self::Unhandled(error) => Ok(Message::new(Vec::new())");
        w!(out, ".add_header(bedrock_wire::event_stream::Header::new(\":message-type\", bedrock_wire::event_stream::HeaderValue::String(\"error\".into())))");
        w!(out, ".add_header(bedrock_wire::event_stream::Header::new(\":error-code\", bedrock_wire::event_stream::HeaderValue::String(error.code.clone().unwrap_or_default().into())))");
        w!(out, ".add_header(bedrock_wire::event_stream::Header::new(\":error-message\", bedrock_wire::event_stream::HeaderValue::String(error.message.clone().unwrap_or_default().into())))),");
        w!(out, "}}");
        w!(out, "}}");
        w!(out, "}}\n");

        w!(out, "impl {rust} {{");
        doc(
            &mut out,
            "Decodes one event-stream message: an event, or the exception the service sent.",
        );
        w!(
            out,
            "pub fn from_message(message: &Message) -> Result<Self, EventError<{error}>> {{"
        );
        w!(out, "match message_type(message)? {{");
        w!(out, "MessageType::Event => {{");
        w!(out, "let event_type = header_str(message, \":event-type\").ok_or_else(|| MalformedResponse::message(\"event message has no `:event-type` header\"))?;");
        w!(out, "Ok(match event_type {{");
        for f in &events {
            w!(
                out,
                "{} => Self::{}(decode_payload(message, {})?),",
                lit(f.wire),
                names::variant_name(f.name),
                lit(f.wire)
            );
        }
        w!(out, "other => Self::Unknown(UnknownMember::new(other, bedrock_wire::json::value_from_slice(message.payload()).unwrap_or(serde_json::Value::Null))),");
        w!(out, "}})");
        w!(out, "}}");
        w!(
            out,
            "MessageType::Exception => Err(EventError::Exception(match header_str(message, \":exception-type\") {{"
        );
        for f in &exceptions {
            w!(
                out,
                "Some({}) => {error}::{}(decode_payload(message, {})?),",
                lit(f.wire),
                names::variant_name(f.name),
                lit(f.wire)
            );
        }
        w!(
            out,
            "_ => {error}::Unhandled(UnhandledEventError::from_message(message)),"
        );
        w!(out, "}})),");
        w!(out, "MessageType::Error => Err(EventError::Exception({error}::Unhandled(UnhandledEventError::from_message(message)))),");
        w!(out, "}}");
        w!(out, "}}\n");
        doc(&mut out, "Encodes the event as an event-stream message.");
        w!(out, "pub fn to_message(&self) -> Result<Message, BuildError> {{");
        w!(out, "match self {{");
        for f in &events {
            w!(
                out,
                "Self::{}(event) => encode_event({}, event),",
                names::variant_name(f.name),
                lit(f.wire)
            );
        }
        w!(out, "Self::Unknown(unknown) => Err(BuildError::serialize(\"an event\", format!(\"event type `{{}}` is not known to these models\", unknown.name()))),");
        w!(out, "}}");
        w!(out, "}}");
        w!(out, "}}\n");
    }
    patterns.emit(&mut out);
    Ok(out)
}
