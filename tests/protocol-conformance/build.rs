//! Generates models and one function per case from botocore's restJson1 protocol suites.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bedrock_codegen::model::{Paginators, Service};
use bedrock_codegen::values::ModelView;
use bedrock_codegen::{generate, Options};
use serde_json::{json, Value};

const ENV: &str = "BEDROCK_PROTOCOL_TESTS";
const FIXED_TOKEN: &str = "00000000-0000-4000-8000-000000000000";

fn main() {
    println!("cargo:rerun-if-env-changed={ENV}");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .expect("crate is at tests/protocol-conformance")
        .to_owned();
    let dir = std::env::var_os(ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/conformance/botocore-protocol-tests"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let docs = root.join("docs/conformance.md");
    println!("cargo:rerun-if-changed={}", docs.display());
    let local_skips = local_skips(&docs);

    let mut code = String::new();
    let mut skips = Vec::new();
    let ignore = read_json(&dir.join("protocol-tests-ignore-list.json")).unwrap_or(Value::Null);
    for kind in ["input", "output"] {
        let path = dir.join(kind).join("rest-json.json");
        println!("cargo:rerun-if-changed={}", path.display());
        let suites = match read_json(&path) {
            Ok(Value::Array(suites)) => suites,
            Ok(_) => panic!("{} is not a list of suites", path.display()),
            Err(e) => panic!(
                "cannot read the protocol suites at {} ({e}); set {ENV} to the directory holding input/ and output/",
                path.display()
            ),
        };
        let ignored_suites = strings(&ignore["general"][kind]["suites"]);
        let ignored_cases = strings(&ignore["protocols"]["rest-json"][kind]["cases"]);
        let mut cases = Vec::new();
        let mut server_cases = Vec::new();
        for (index, suite) in suites.iter().enumerate() {
            let module = format!("{kind}_{index}");
            let description = suite["description"].as_str().unwrap_or("").to_owned();
            let suite_ignored = ignored_suites.contains(&description);
            let generated = generate_suite(&out, &module, suite);
            if let Ok(files) = &generated {
                let _ = writeln!(code, "pub mod {module} {{");
                for file in files {
                    let name = file.trim_end_matches(".rs");
                    let _ = writeln!(
                        code,
                        "#[path = {:?}] pub mod {name};",
                        out.join(&module).join(file).display().to_string()
                    );
                }
                let _ = writeln!(code, "}}");
            }
            for case in suite["cases"].as_array().into_iter().flatten() {
                let id = case["id"].as_str().unwrap_or("?").to_owned();
                if suite_ignored || ignored_cases.contains(&id) {
                    skips.push((id, "botocore's protocol-tests-ignore-list.json".to_owned()));
                    continue;
                }
                if let Some(reason) = local_skips.get(&id) {
                    skips.push((id, format!("docs/conformance.md: {reason}")));
                    continue;
                }
                let fn_name = format!("case_{module}_{}", cases.len());
                let body = match &generated {
                    Ok(_) => case_body(kind, suite, case, &module).unwrap_or_else(|e| err_body(&e)),
                    Err(e) => err_body(&format!("code generation failed: {e}")),
                };
                let _ = writeln!(code, "fn {fn_name}() -> Result<(), String> {{\n{body}\n}}");
                let server_fn = format!("server_{fn_name}");
                let server_body = match &generated {
                    Ok(_) => server_case_body(kind, suite, case, &module).unwrap_or_else(|e| err_body(&e)),
                    Err(e) => err_body(&format!("code generation failed: {e}")),
                };
                let _ = writeln!(code, "fn {server_fn}() -> Result<(), String> {{\n{server_body}\n}}");
                server_cases.push((id.clone(), description.clone(), server_fn));
                cases.push((id, description.clone(), fn_name));
            }
        }
        let _ = writeln!(code, "pub const {}_CASES: &[support::Case] = &[", kind.to_uppercase());
        for (id, suite, f) in &cases {
            let _ = writeln!(code, "support::Case {{ id: {id:?}, suite: {suite:?}, run: {f} }},");
        }
        let _ = writeln!(code, "];");
        let _ = writeln!(
            code,
            "pub const SERVER_{}_CASES: &[support::Case] = &[",
            kind.to_uppercase()
        );
        for (id, suite, f) in &server_cases {
            let _ = writeln!(code, "support::Case {{ id: {id:?}, suite: {suite:?}, run: {f} }},");
        }
        let _ = writeln!(code, "];");
    }
    let _ = writeln!(code, "pub const SKIPPED: &[support::Skip] = &[");
    for (id, reason) in &skips {
        let _ = writeln!(code, "support::Skip {{ id: {id:?}, reason: {reason:?} }},");
    }
    let _ = writeln!(code, "];");
    std::fs::write(out.join("suites.rs"), code).expect("OUT_DIR is writable");
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&text).map_err(|e| e.to_string())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// Cases skipped by this project, from rows `| `CaseId` | reason |` in docs/conformance.md.
fn local_skips(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let id = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let reason = cells.get(2)?;
            (!reason.is_empty() && !reason.starts_with('-')).then(|| (id.to_owned(), (*reason).to_owned()))
        })
        .collect()
}

/// The suite's embedded model as a service, with one operation per distinct `given`.
fn suite_service(suite: &Value) -> Result<Service, String> {
    let mut operations = serde_json::Map::new();
    for case in suite["cases"].as_array().into_iter().flatten() {
        let given = &case["given"];
        if let Some(name) = given["name"].as_str() {
            operations.entry(name.to_owned()).or_insert_with(|| given.clone());
        }
    }
    let model = json!({ "metadata": suite["metadata"], "operations": operations, "shapes": suite["shapes"] });
    serde_json::from_value(model).map_err(|e| format!("suite model: {e}"))
}

fn options() -> Options {
    Options {
        header: "Generated by the protocol conformance harness.".into(),
        doc_url_prefix: None,
        operation_enum: "ServiceOperation".to_owned(),
    }
}

fn generate_suite(out: &Path, module: &str, suite: &Value) -> Result<Vec<String>, String> {
    let service = suite_service(suite)?;
    let generated = generate(&service, &Paginators::default(), &options()).map_err(|e| e.to_string())?;
    let dir = out.join(module);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    for (name, contents) in generated.files {
        std::fs::write(dir.join(&name), contents).map_err(|e| e.to_string())?;
        files.push(name);
    }
    Ok(files)
}

fn err_body(message: &str) -> String {
    format!("Err(String::from({message:?}))")
}

fn str_pairs(v: &Value) -> String {
    let pairs: Vec<String> = v
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("({k:?}, {:?})", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect();
    format!("&[{}]", pairs.join(", "))
}

fn case_body(kind: &str, suite: &Value, case: &Value, module: &str) -> Result<String, String> {
    let service = suite_service(suite)?;
    let paginators = Paginators::default();
    let options = options();
    let view =
        ModelView::new(&service, &paginators, &options, &format!("crate::{module}")).map_err(|e| e.to_string())?;
    let given = &case["given"];
    let op_name = given["name"].as_str().ok_or("case has no operation")?;
    let op = view.operation(op_name);
    let mut body = String::new();
    if kind == "input" {
        let input = match given["input"]["shape"].as_str() {
            Some(shape) => view.value(shape, &case["params"]).map_err(|e| e.to_string())?,
            None => "()".to_owned(),
        };
        let s = &case["serialized"];
        let _ = writeln!(body, "let mut input = {input};");
        let _ = writeln!(
            body,
            "<{op} as bedrock_wire::Operation>::fill_idempotency_tokens(&mut input, &bedrock_wire::operation::FixedToken({FIXED_TOKEN:?}.into()));"
        );
        let _ = writeln!(
            body,
            "let request = <{op} as bedrock_wire::Operation>::build_request(&input).map_err(|e| format!(\"build_request failed: {{e}}\"))?;"
        );
        let opt = |v: &Value| v.as_str().map_or("None".to_owned(), |s| format!("Some({s:?})"));
        let list = |v: &Value| {
            format!(
                "&[{}]",
                strings(v)
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(
            body,
            "support::check_request(&request, &support::ExpectedRequest {{ method: {:?}, uri: {:?}, headers: {}, require_headers: {}, forbid_headers: {}, body: {}, host: {}, client_endpoint: {} }})",
            s["method"].as_str().unwrap_or("GET"),
            s["uri"].as_str().unwrap_or("/"),
            str_pairs(&s["headers"]),
            list(&s["requireHeaders"]),
            list(&s["forbidHeaders"]),
            opt(&s["body"]),
            opt(&s["host"]),
            opt(&suite["clientEndpoint"]),
        );
    } else {
        let r = &case["response"];
        let _ = writeln!(
            body,
            "let response = support::response({}, {}, {:?});",
            r["status_code"].as_u64().unwrap_or(200),
            str_pairs(&r["headers"]),
            r["body"].as_str().unwrap_or("")
        );
        let _ = writeln!(
            body,
            "let result = <{op} as bedrock_wire::Operation>::parse_response(&response);"
        );
        if let Some(code) = case["errorCode"].as_str() {
            let errors = view.error_enum(op_name);
            let _ = writeln!(body, "match result {{");
            let _ = writeln!(body, "Err(bedrock_wire::ResponseError::Service(e)) => {{");
            let _ = writeln!(
                body,
                "support::check_eq(\"error code\", e.meta.code.as_deref(), Some({code:?}))?;"
            );
            if let Some(message) = case["errorMessage"].as_str() {
                let _ = writeln!(
                    body,
                    "support::check_eq(\"error message\", e.meta.message.as_deref(), Some({message:?}))?;"
                );
            }
            let modeled = given["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["shape"] == code);
            if modeled {
                let expected = view.value(code, &case["error"]).map_err(|e| e.to_string())?;
                let variant = view.error_variant(code);
                let _ = writeln!(body, "match &e.kind {{");
                let _ = writeln!(
                    body,
                    "{errors}::{variant}(actual) => support::check_value(actual, &{expected}),"
                );
                let _ = writeln!(body, "other => Err(format!(\"expected {variant}, got {{other:?}}\")),");
                let _ = writeln!(body, "}}");
            } else {
                let _ = writeln!(
                    body,
                    "if matches!(e.kind, {errors}::Unhandled) {{ Ok(()) }} else {{ Err(format!(\"expected an unmodeled error, got {{:?}}\", e.kind)) }}"
                );
            }
            let _ = writeln!(body, "}}");
            let _ = writeln!(
                body,
                "other => Err(format!(\"expected error {code}, got {{other:?}}\")),"
            );
            let _ = writeln!(body, "}}");
        } else {
            let expected = match given["output"]["shape"].as_str() {
                Some(shape) => view.value(shape, &case["result"]).map_err(|e| e.to_string())?,
                None => "()".to_owned(),
            };
            let _ = writeln!(body, "match result {{");
            let _ = writeln!(body, "Ok(actual) => support::check_value(&actual, &{expected}),");
            let _ = writeln!(body, "Err(e) => Err(format!(\"expected success, got {{e:?}}\")),");
            let _ = writeln!(body, "}}");
        }
    }
    Ok(body)
}

/// The same case from the server's side: the suite's request must route to the operation and read
/// back as the case's input; the case's output (or error) must be written as the suite's response,
/// and read back by the client as the same value.
fn server_case_body(kind: &str, suite: &Value, case: &Value, module: &str) -> Result<String, String> {
    let service = suite_service(suite)?;
    let paginators = Paginators::default();
    let options = options();
    let view =
        ModelView::new(&service, &paginators, &options, &format!("crate::{module}")).map_err(|e| e.to_string())?;
    let given = &case["given"];
    let op_name = given["name"].as_str().ok_or("case has no operation")?;
    let op = view.operation(op_name);
    let server = format!("<{op} as bedrock_wire::server::ServerOperation>");
    let mut body = String::new();
    if kind == "input" {
        let input = match given["input"]["shape"].as_str() {
            Some(shape) => view.value(shape, &case["params"]).map_err(|e| e.to_string())?,
            None => "()".to_owned(),
        };
        let s = &case["serialized"];
        let _ = writeln!(body, "let mut input = {input};");
        let _ = writeln!(
            body,
            "<{op} as bedrock_wire::Operation>::fill_idempotency_tokens(&mut input, &bedrock_wire::operation::FixedToken({FIXED_TOKEN:?}.into()));"
        );
        // The suite's request; where it gives no body, the one the client builds.
        let body_expr = match s["body"].as_str() {
            Some(b) => format!("Some({b:?})"),
            None => "None".to_owned(),
        };
        let _ = writeln!(
            body,
            "let request = support::request({:?}, {:?}, {}, {body_expr}, || <{op} as bedrock_wire::Operation>::build_request(&input).map(|r| r.into_body()).unwrap_or_default())?;",
            s["method"].as_str().unwrap_or("GET"),
            s["uri"].as_str().unwrap_or("/"),
            str_pairs(&s["headers"]),
        );
        let _ = writeln!(
            body,
            "let target = request.uri().path_and_query().map_or(\"/\", |p| p.as_str());"
        );
        let _ = writeln!(
            body,
            "let (operation, labels) = crate::{module}::server::route(request.method(), target).ok_or_else(|| format!(\"no route for {{}} {{target}}\", request.method()))?;"
        );
        let _ = writeln!(
            body,
            "support::check_eq(\"routed operation\", operation.name(), {op_name:?})?;"
        );
        let _ = writeln!(
            body,
            "let parsed = {server}::parse_request(&request, &labels).map_err(|e| format!(\"parse_request failed: {{e}}\"))?;"
        );
        // A value the wire cannot tell from the input (an empty list in a query string, `{}` for
        // an unset structure payload) is as good: it must build the very same request.
        let _ = writeln!(
            body,
            "support::check_value(&parsed, &input).or_else(|e| support::same_request(<{op} as bedrock_wire::Operation>::build_request(&parsed), <{op} as bedrock_wire::Operation>::build_request(&input)).map_err(|w| format!(\"{{e}}; {{w}}\")))"
        );
    } else {
        let r = &case["response"];
        let status = r["status_code"].as_u64().unwrap_or(200);
        if let Some(code) = case["errorCode"].as_str() {
            let modeled = given["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["shape"] == code);
            if !modeled {
                let _ = writeln!(body, "Ok(())");
                return Ok(body);
            }
            let errors = view.error_enum(op_name);
            let variant = view.error_variant(code);
            let expected = view.value(code, &case["error"]).map_err(|e| e.to_string())?;
            let _ = writeln!(body, "let error = {errors}::{variant}({expected});");
            let _ = writeln!(body, "let response = {server}::build_error(&error, \"request-1\");");
            let _ = writeln!(
                body,
                "support::check_eq(\"status\", response.status().as_u16(), {status})?;"
            );
            let _ = writeln!(
                body,
                "match <{op} as bedrock_wire::Operation>::parse_response(&response) {{"
            );
            let _ = writeln!(
                body,
                "Err(bedrock_wire::ResponseError::Service(e)) => {{ support::check_eq(\"error code\", e.meta.code.as_deref(), Some({code:?}))?; match &e.kind {{ {errors}::{variant}(actual) => support::check_value(actual, match &error {{ {errors}::{variant}(e) => e, _ => unreachable!() }}), other => Err(format!(\"expected {variant}, got {{other:?}}\")) }} }}"
            );
            let _ = writeln!(
                body,
                "other => Err(format!(\"expected error {code}, got {{other:?}}\")),"
            );
            let _ = writeln!(body, "}}");
        } else {
            let expected = match given["output"]["shape"].as_str() {
                Some(shape) => view.value(shape, &case["result"]).map_err(|e| e.to_string())?,
                None => "()".to_owned(),
            };
            let _ = writeln!(body, "let output = {expected};");
            let _ = writeln!(
                body,
                "let response = {server}::build_response(&output).map_err(|e| format!(\"build_response failed: {{e}}\"))?;"
            );
            // The suite's response, or one the client reads as the same value (a timestamp with
            // its offset normalized, `__type` or a `null` member left out).
            let _ = writeln!(
                body,
                "support::check_response(&response, {status}, {headers}, {text:?}).or_else(|e| {{ let suite = support::response({status}, {headers}, {text:?}); let a = <{op} as bedrock_wire::Operation>::parse_response(&suite).map_err(|_| e.clone())?; let b = <{op} as bedrock_wire::Operation>::parse_response(&response).map_err(|_| e.clone())?; support::check_value(&b, &a).map_err(|d| format!(\"{{e}}; {{d}}\")) }})?;",
                headers = str_pairs(&r["headers"]),
                text = r["body"].as_str().unwrap_or("")
            );
            let _ = writeln!(
                body,
                "let back = <{op} as bedrock_wire::Operation>::parse_response(&response).map_err(|e| format!(\"parse_response failed: {{e:?}}\"))?;"
            );
            let _ = writeln!(body, "support::check_value(&back, &output)");
        }
    }
    Ok(body)
}
