//! The methods of a typed client (`crates/bedrock-control/src/operations.rs`): one per
//! operation returning a `Call`, and a `*_paginator` method per operation with a
//! `Paginated` impl. The doc comments state facts from the model (name, HTTP binding,
//! idempotency, tokens, pagination, a link to the API reference), never the spec's prose.

use crate::emit_http::{marker_name, paginator_parts};
use crate::emit_types::fields;
use crate::writer::{doc, file_header, w};
use crate::{names, CodegenError, Context};

/// What the client file refers to.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// The crate that holds the operations and types (`bedrock_control_types`).
    pub types_crate: String,
    /// The client type the methods are added to (`Client`, in the parent module).
    pub client: String,
    /// The field of the client holding its `bedrock_config::ServiceClient`.
    pub inner_field: String,
}

pub(crate) fn client_file(ctx: &Context<'_>, options: &ClientOptions) -> Result<String, CodegenError> {
    let mut out = file_header(
        &ctx.options.header,
        "One method per operation of the service, and a `*_paginator` method per paginated operation.",
    );
    let types = &options.types_crate;
    w!(out, "use bedrock_config::{{Call, Paginator}};");
    w!(out, "use {types}::operation;");
    w!(out, "use {types}::types;\n");
    w!(out, "use super::{};\n", options.client);
    w!(out, "impl {} {{", options.client);
    for (op_name, op) in ctx.operations() {
        let marker = marker_name(ctx, op_name);
        let Some(input) = &op.input else {
            return Err(CodegenError::Unsupported(format!(
                "operation `{op_name}` without input"
            )));
        };
        let input_ty = ctx.type_name(&input.shape);
        let method_name = names::field_name(op_name);
        let http_method = op.http.method.to_ascii_uppercase();
        let idempotent = op.idempotent || matches!(http_method.as_str(), "GET" | "PUT" | "DELETE" | "HEAD");
        let tokens: Vec<String> = fields(ctx, &input.shape, ctx.known(&input.shape))
            .into_iter()
            .filter(|f| f.member.idempotency_token)
            .map(|f| format!("`{}`", f.ident))
            .collect();
        let paginated = paginator_parts(ctx, op_name, op);

        let mut text = format!("`{op_name}`: `{http_method} {}`.\n", op.http.request_uri);
        let mut facts = Vec::new();
        if idempotent {
            facts.push(
                "Idempotent (per the model or its HTTP method): retried even when the response body fails mid-read."
                    .to_owned(),
            );
        }
        if !tokens.is_empty() {
            facts.push(format!(
                "Idempotency token {} filled from the configuration's token source when left unset.",
                tokens.join(", ")
            ));
        }
        if let Some(p) = &paginated {
            facts.push(format!(
                "Paginated by `{}`: [`{method_name}_paginator`](Self::{method_name}_paginator) fetches every page.",
                p.in_tok
            ));
        }
        if op.deprecated {
            facts.push("Deprecated in the service model.".to_owned());
        }
        if !facts.is_empty() {
            text.push('\n');
            for fact in &facts {
                text.push_str(fact);
                text.push('\n');
            }
        }
        if let Some(link) = ctx.doc_link(op_name) {
            text.push_str(&format!("\n[API reference]({link})\n"));
        }
        doc(&mut out, &text);
        w!(
            out,
            "pub fn {method_name}(&self, input: types::{input_ty}) -> Call<operation::{marker}> {{"
        );
        w!(out, "Call::new(self.{}.clone(), input)", options.inner_field);
        w!(out, "}}\n");
        if let Some(p) = paginated {
            let text = format!(
                "`{op_name}` across pages, following `{}`: `.pages()` yields each response, `.items()` each element of `{}`.\n\n[API reference]({})",
                p.in_tok,
                p.result,
                ctx.doc_link(op_name).unwrap_or_default()
            );
            doc(&mut out, &text);
            w!(
                out,
                "pub fn {method_name}_paginator(&self, input: types::{input_ty}) -> Paginator<operation::{marker}> {{"
            );
            w!(out, "Paginator::new(self.{}.clone(), input)", options.inner_field);
            w!(out, "}}\n");
        }
    }
    w!(out, "}}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::model::{Paginators, Service};
    use crate::{client_methods, ClientOptions, Options};

    const MODEL: &str = r#"{
      "metadata": {"protocol": "rest-json", "apiVersion": "2023-04-20"},
      "operations": {
        "ListThings": {"name": "ListThings", "http": {"method": "GET", "requestUri": "/things"},
                       "input": {"shape": "ListThingsRequest"}, "output": {"shape": "ListThingsResponse"}},
        "CreateThing": {"name": "CreateThing", "http": {"method": "POST", "requestUri": "/things/{thingId}"},
                        "input": {"shape": "CreateThingRequest"}, "output": {"shape": "Empty"}, "idempotent": true}
      },
      "shapes": {
        "ListThingsRequest": {"type": "structure", "members": {
          "nextToken": {"shape": "String", "location": "querystring", "locationName": "nextToken"}}},
        "ListThingsResponse": {"type": "structure", "members": {
          "things": {"shape": "Things"}, "nextToken": {"shape": "String"}}},
        "Things": {"type": "list", "member": {"shape": "String"}},
        "CreateThingRequest": {"type": "structure", "required": ["thingId"], "members": {
          "thingId": {"shape": "String", "location": "uri", "locationName": "thingId"},
          "clientToken": {"shape": "String", "idempotencyToken": true}}},
        "Empty": {"type": "structure", "members": {}},
        "String": {"type": "string"}
      }
    }"#;

    #[test]
    fn one_method_per_operation_and_a_paginator_per_paginated_one() {
        let service: Service = serde_json::from_str(MODEL).unwrap();
        let paginators: Paginators = serde_json::from_str(
            r#"{"pagination": {"ListThings": {"input_token": "nextToken", "output_token": "nextToken", "result_key": "things"}}}"#,
        )
        .unwrap();
        let options = Options {
            header: "header".into(),
            doc_url_prefix: Some("https://example.com/API_".into()),
            operation_enum: "Op".into(),
        };
        let client = ClientOptions {
            types_crate: "things_types".into(),
            client: "Client".into(),
            inner_field: "inner".into(),
        };
        let text = client_methods(&service, &paginators, &options, &client).unwrap();
        assert!(text.starts_with("// header\n"));
        assert!(text
            .contains("pub fn list_things(&self, input: types::ListThingsRequest) -> Call<operation::ListThings> {"));
        assert!(text.contains(
            "pub fn list_things_paginator(&self, input: types::ListThingsRequest) -> Paginator<operation::ListThings> {"
        ));
        assert!(text.contains("/// `CreateThing`: `POST /things/{thingId}`."));
        assert!(text.contains("Idempotency token `client_token` filled"));
        assert!(text.contains("/// [API reference](https://example.com/API_CreateThing.html)"));
        assert!(!text.contains("create_thing_paginator"));
        assert_eq!(text.matches("pub fn ").count(), 3);
    }
}
