//! What the generated cases call: request checks, response construction, value comparison.

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

/// One conformance case.
pub struct Case {
    /// The case id from the suite.
    pub id: &'static str,
    /// The suite's description.
    pub suite: &'static str,
    /// Runs the case.
    pub run: fn() -> Result<(), String>,
}

/// A case that is not run, and why.
pub struct Skip {
    /// The case id.
    pub id: &'static str,
    /// Where the skip is recorded.
    pub reason: &'static str,
}

/// The request a case expects.
pub struct ExpectedRequest<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub require_headers: &'a [&'a str],
    pub forbid_headers: &'a [&'a str],
    pub body: Option<&'a str>,
    pub host: Option<&'a str>,
    pub client_endpoint: Option<&'a str>,
}

fn query_pairs(query: &str) -> Vec<&str> {
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    pairs.sort_unstable();
    pairs
}

/// Checks a built request against a case's expectation.
pub fn check_request(request: &http::Request<Bytes>, expected: &ExpectedRequest<'_>) -> Result<(), String> {
    if request.method().as_str() != expected.method {
        return Err(format!(
            "method: expected {}, got {}",
            expected.method,
            request.method()
        ));
    }
    let actual_uri = request.uri().to_string();
    let (actual_path, actual_query) = actual_uri.split_once('?').unwrap_or((&actual_uri, ""));
    let (expected_path, expected_query) = expected.uri.split_once('?').unwrap_or((expected.uri, ""));
    if actual_path != expected_path {
        return Err(format!("path: expected `{expected_path}`, got `{actual_path}`"));
    }
    if query_pairs(actual_query) != query_pairs(expected_query) {
        return Err(format!("query: expected `{expected_query}`, got `{actual_query}`"));
    }
    for (name, value) in expected.headers {
        if name.eq_ignore_ascii_case("content-length") {
            let actual = request.body().len().to_string();
            if actual != *value {
                return Err(format!("content-length: expected {value}, body has {actual} bytes"));
            }
            continue;
        }
        let actual: Vec<&str> = request
            .headers()
            .get_all(*name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if actual.join(", ") != *value {
            return Err(format!("header `{name}`: expected `{value}`, got {actual:?}"));
        }
    }
    for name in expected.require_headers {
        if !request.headers().contains_key(*name) {
            return Err(format!("header `{name}` is required but missing"));
        }
    }
    for name in expected.forbid_headers {
        if request.headers().contains_key(*name) {
            return Err(format!(
                "header `{name}` is forbidden but present: {:?}",
                request.headers().get(*name)
            ));
        }
    }
    if let Some(expected_body) = expected.body {
        check_body(request.body(), expected_body)?;
    }
    if let Some(host) = expected.host {
        let endpoint_host = expected
            .client_endpoint
            .unwrap_or("https://example.com")
            .split_once("://")
            .map_or("", |(_, rest)| rest);
        let prefix = request
            .extensions()
            .get::<bedrock_wire::operation::HostPrefix>()
            .map_or("", |p| p.0.as_str());
        let actual = format!("{prefix}{endpoint_host}");
        if actual != host {
            return Err(format!("host: expected `{host}`, got `{actual}`"));
        }
    }
    Ok(())
}

/// Compares bodies: as JSON when the expectation is JSON, byte for byte otherwise.
pub fn check_body(actual: &[u8], expected: &str) -> Result<(), String> {
    if expected.is_empty() {
        return if actual.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "body: expected empty, got `{}`",
                String::from_utf8_lossy(actual)
            ))
        };
    }
    if let (Ok(e), Ok(a)) = (
        serde_json::from_str::<Value>(expected),
        serde_json::from_slice::<Value>(actual),
    ) {
        if e.is_object() || e.is_array() {
            return if same_json(&a, &e) {
                Ok(())
            } else {
                Err(format!("body: expected {e}, got {a}"))
            };
        }
    }
    if actual == expected.as_bytes() {
        Ok(())
    } else {
        Err(format!(
            "body: expected `{expected}`, got `{}`",
            String::from_utf8_lossy(actual)
        ))
    }
}

/// Builds the HTTP response of an output case.
pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Bytes> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .expect("suite responses are valid HTTP")
}

/// Builds the request of an input case as a server receives it; `body` of `None` takes the
/// client's body from `client_body`.
pub fn request(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    client_body: impl FnOnce() -> Bytes,
) -> Result<http::Request<Bytes>, String> {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = match body {
        Some(text) => Bytes::copy_from_slice(text.as_bytes()),
        None => client_body(),
    };
    builder
        .body(body)
        .map_err(|e| format!("the suite's request is not valid HTTP: {e}"))
}

/// Whether two built requests are the same on the wire: method, URI, headers and body.
pub fn same_request<E: std::fmt::Display>(
    a: Result<http::Request<Bytes>, E>,
    b: Result<http::Request<Bytes>, E>,
) -> Result<(), String> {
    let a = a.map_err(|e| format!("the value read back does not build: {e}"))?;
    let b = b.map_err(|e| format!("the input does not build: {e}"))?;
    if a.method() == b.method() && a.uri() == b.uri() && a.headers() == b.headers() && a.body() == b.body() {
        Ok(())
    } else {
        Err(format!("and the requests differ: {a:?} vs {b:?}"))
    }
}

/// Checks a response the server built against the suite's: status, the suite's headers (lists
/// compared item by item), and the body (as JSON when it is JSON).
pub fn check_response(
    response: &http::Response<Bytes>,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(), String> {
    check_eq("status", response.status().as_u16(), status)?;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let actual: Vec<&str> = response
            .headers()
            .get_all(*name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let items = |text: &str| -> Vec<String> { text.split(',').map(|i| i.trim().to_owned()).collect() };
        if items(&actual.join(", ")) != items(value) {
            return Err(format!("header `{name}`: expected `{value}`, got {actual:?}"));
        }
    }
    if body.is_empty() || body == "{}" {
        // Services answer `{}` where the suites often leave the body empty.
        let actual = response.body();
        if actual.is_empty() || &actual[..] == b"{}" {
            return Ok(());
        }
    }
    check_body(response.body(), body)
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Compares two model values through their serde form (so NaN, maps and blobs compare sensibly).
pub fn check_value<T: Serialize>(actual: &T, expected: &T) -> Result<(), String> {
    let a = serde_json::to_value(actual).map_err(|e| format!("serializing the actual value: {e}"))?;
    let e = serde_json::to_value(expected).map_err(|e| format!("serializing the expected value: {e}"))?;
    if same_json(&a, &e) {
        Ok(())
    } else {
        Err(format!("value: expected {e}, got {a}"))
    }
}

/// Compares two plain values.
pub fn check_eq<T: PartialEq + std::fmt::Debug>(what: &str, actual: T, expected: T) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, got {actual:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, body: &str) -> http::Request<Bytes> {
        http::Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/json")
            .body(Bytes::copy_from_slice(body.as_bytes()))
            .unwrap()
    }

    fn expect<'a>(uri: &'a str, body: &'a str) -> ExpectedRequest<'a> {
        ExpectedRequest {
            method: "POST",
            uri,
            headers: &[("Content-Type", "application/json")],
            require_headers: &[],
            forbid_headers: &[],
            body: Some(body),
            host: None,
            client_endpoint: None,
        }
    }

    #[test]
    fn accepts_equivalent_requests() {
        let r = request("/p?b=2&a=1", r#"{"x":1.0,"y":[true]}"#);
        assert!(check_request(&r, &expect("/p?a=1&b=2", "{\"y\": [true], \"x\": 1}")).is_ok());
    }

    #[test]
    fn rejects_every_kind_of_difference() {
        let r = request("/p?a=1", r#"{"x":1}"#);
        assert!(check_request(&r, &expect("/q?a=1", r#"{"x":1}"#))
            .unwrap_err()
            .contains("path"));
        assert!(check_request(&r, &expect("/p?a=2", r#"{"x":1}"#))
            .unwrap_err()
            .contains("query"));
        assert!(check_request(&r, &expect("/p?a=1", r#"{"x":2}"#))
            .unwrap_err()
            .contains("body"));
        let mut e = expect("/p?a=1", r#"{"x":1}"#);
        e.forbid_headers = &["content-type"];
        assert!(check_request(&r, &e).unwrap_err().contains("forbidden"));
        assert!(check_value(&vec![1.0f64], &vec![f64::NAN]).is_err());
    }
}
