//! What the generated round-trip tables use: a seeded RNG, generators of leaf
//! values in wire form, the [`Case`] table entry, the round trip itself and a
//! JSON comparison that ignores representation details.

use bedrock_wire::__private::{http, Bytes};
use bedrock_wire::json::{ReadJson, WriteJson};
use bedrock_wire::server::{Labels, ServerOperation};
use bedrock_wire::ResponseError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Nesting past which optional members are left out, lists and maps are empty
/// and unions pick their shallowest member.
pub const MAX_DEPTH: u32 = 4;

/// A small deterministic RNG (SplitMix64): the same seed gives the same values on every platform.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// An RNG seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The RNG for one case: a function of the shape name and the seed only, so a failure
    /// reproduces from those two.
    pub fn for_case(shape: &str, seed: u64) -> Self {
        // FNV-1a of the name, mixed with the seed.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in shape.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut rng = Rng(hash ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is `0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// An index into a slice of length `n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// True once in `n` times on average.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }
}

/// A shape's entry in a generated table.
#[derive(Clone, Copy)]
pub struct Case {
    /// The shape name in the service model.
    pub shape: &'static str,
    /// The generated type, relative to the model crate (`types::ContentBlock`).
    pub rust: &'static str,
    /// Draws a random value in wire JSON at a nesting depth (start at `0`).
    pub generate: fn(&mut Rng, u32) -> Value,
    /// Deserializes wire JSON into the generated type and serializes it back.
    pub round_trip: fn(&Value) -> Result<Value, String>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("shape", &self.shape)
            .field("rust", &self.rust)
            .finish()
    }
}

/// Reads `value` as a `T` and writes it back, through JSON text and through `serde_json::Value`,
/// through the wire codec (`bedrock_wire::json`'s serde reader and writer) and through the
/// operations' own `ReadJson`/`WriteJson` impls; the results must agree, and both writers must
/// write exactly the bytes `serde_json` writes.
pub fn round_trip<T: Serialize + DeserializeOwned + ReadJson + WriteJson>(value: &Value) -> Result<Value, String> {
    let text = serde_json::to_string(value).map_err(|e| format!("cannot write the input: {e}"))?;
    let typed: T = serde_json::from_str(&text).map_err(|e| format!("deserializing the JSON text failed: {e}"))?;
    let back_text = serde_json::to_string(&typed).map_err(|e| format!("serializing failed: {e}"))?;

    // The wire codec writes the same value to the same bytes (same value: map order is the value's own)...
    let wire_text = bedrock_wire::json::to_vec(&typed).map_err(|e| format!("the wire codec cannot write: {e}"))?;
    if wire_text != back_text.as_bytes() {
        return Err(format!(
            "the wire codec and serde_json write different bytes:\n  serde_json: {back_text}\n  wire codec: {}",
            String::from_utf8_lossy(&wire_text)
        ));
    }
    // So does the operations' own writer (`WriteJson`).
    let direct_text = bedrock_wire::json::write(&typed).map_err(|e| format!("WriteJson cannot write: {e}"))?;
    if direct_text != back_text.as_bytes() {
        return Err(format!(
            "WriteJson and serde_json write different bytes:\n  serde_json: {back_text}\n  WriteJson:  {}",
            String::from_utf8_lossy(&direct_text)
        ));
    }
    let back: Value = serde_json::from_str(&back_text).map_err(|e| format!("serialized text is not JSON: {e}"))?;

    let typed: T =
        serde_json::from_value(value.clone()).map_err(|e| format!("deserializing the JSON value failed: {e}"))?;
    let back_value = serde_json::to_value(&typed).map_err(|e| format!("serializing to a value failed: {e}"))?;
    if let Some(difference) = first_difference(&back, &back_value) {
        return Err(format!(
            "the text and value round trips disagree at {difference}:\n  text:  {back}\n  value: {back_value}"
        ));
    }

    // ...and reads the text to the same value.
    let wire_typed: T = bedrock_wire::json::from_slice(text.as_bytes())
        .map_err(|e| format!("the wire codec cannot read the JSON text: {e}"))?;
    let wire_back = serde_json::to_value(&wire_typed).map_err(|e| format!("serializing to a value failed: {e}"))?;
    if let Some(difference) = first_difference(&back, &wire_back) {
        return Err(format!(
            "serde_json and the wire codec read different values, at {difference}:\n  serde_json: {back}\n  wire codec: {wire_back}"
        ));
    }
    // The operations' own reader (`ReadJson`) reads the same value.
    let direct_typed: T =
        bedrock_wire::json::read(text.as_bytes()).map_err(|e| format!("ReadJson cannot read the JSON text: {e}"))?;
    let direct_back = serde_json::to_value(&direct_typed).map_err(|e| format!("serializing to a value failed: {e}"))?;
    if let Some(difference) = first_difference(&back, &direct_back) {
        return Err(format!(
            "serde_json and ReadJson read different values, at {difference}:\n  serde_json: {back}\n  ReadJson:   {direct_back}"
        ));
    }
    Ok(back)
}

/// The generated router of a service, naming the operation it finds.
pub type Router = fn(&http::Method, &str) -> Option<(&'static str, Labels)>;

/// Draws a random value in wire JSON at a nesting depth.
pub type Generator = fn(&mut Rng, u32) -> Value;

/// An operation's entry in a generated table: generators of its input, output and exceptions,
/// and its round trips through the server side.
#[derive(Clone, Copy)]
pub struct OperationCase {
    /// The operation's name.
    pub name: &'static str,
    /// Draws the input (`unit` when the operation has none).
    pub input: Generator,
    /// Draws the output (`unit` when the operation has none).
    pub output: Generator,
    /// The modeled exceptions: shape name, generator, and the HTTP status the model gives it.
    pub errors: &'static [(&'static str, Generator, u16)],
    /// `build_request` → router → `parse_request` ([`request_round_trip`]).
    pub request: fn(&Value, Router) -> Result<Outcome, String>,
    /// `build_response` → `parse_response` ([`response_round_trip`]).
    pub response: fn(&Value) -> Result<Outcome, String>,
    /// `build_error` → `parse_response` for the exception of that name (any other name: `Unhandled`),
    /// expecting that status ([`error_round_trip`]).
    pub error: fn(&str, &Value, u16) -> Result<(), String>,
}

impl std::fmt::Debug for OperationCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationCase").field("name", &self.name).finish()
    }
}

/// How a value came back from a round trip through HTTP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Equal to what was sent.
    Equal,
    /// Different at the given path, but the wire cannot tell the two apart: both build the very
    /// same HTTP message (an empty list in a query string and no list, an HTTP date and its
    /// milliseconds, the case of a prefix header's key).
    WireEqual(String),
    /// The client side cannot send it (an empty label, a line break in a header), with why.
    Unsendable(String),
}

/// The JSON of an operation without input or output.
pub fn unit(_rng: &mut Rng, _depth: u32) -> Value {
    Value::Null
}

/// Reads wire JSON into a generated type.
pub fn from_json<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_json::from_value(value.clone()).map_err(|e| format!("the generated JSON does not read: {e}\n  json: {value}"))
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| format!("cannot serialize: {e}"))
}

fn show_request(request: &http::Request<Bytes>) -> String {
    format!(
        "{} {} {:?} {}",
        request.method(),
        request.uri(),
        request.headers(),
        String::from_utf8_lossy(request.body())
    )
}

fn show_response(response: &http::Response<Bytes>) -> String {
    format!(
        "{} {:?} {}",
        response.status(),
        response.headers(),
        String::from_utf8_lossy(response.body())
    )
}

/// The input in `value` goes out through the client's `build_request`, is routed to the same
/// operation, and comes back from `parse_request` equal (or wire-equal, see [`Outcome`]).
pub fn request_round_trip<O>(value: &Value, route: Router) -> Result<Outcome, String>
where
    O: ServerOperation,
    O::Input: Serialize + DeserializeOwned,
{
    let input: O::Input = from_json(value)?;
    let request = match O::build_request(&input) {
        Ok(request) => request,
        Err(e) => return Ok(Outcome::Unsendable(e.to_string())),
    };
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let (name, labels) =
        route(request.method(), &target).ok_or_else(|| format!("no route for {} {target}", request.method()))?;
    if name != O::NAME {
        return Err(format!(
            "{} {target} routes to {name}, not {}",
            request.method(),
            O::NAME
        ));
    }
    let parsed = O::parse_request(&request, &labels)
        .map_err(|e| format!("parse_request failed: {e}\n  request: {}", show_request(&request)))?;
    let (sent, read) = (to_json(&input)?, to_json(&parsed)?);
    let Some(at) = first_difference(&sent, &read) else {
        return Ok(Outcome::Equal);
    };
    let again = O::build_request(&parsed).map_err(|e| format!("the input read back does not build: {e}"))?;
    let same = again.method() == request.method()
        && again.uri() == request.uri()
        && again.headers() == request.headers()
        && again.body() == request.body();
    if same {
        Ok(Outcome::WireEqual(at))
    } else {
        Err(format!(
            "parse_request reads a different input, at {at}\n  sent: {sent}\n  read: {read}\n  request: {}\n  again:   {}",
            show_request(&request),
            show_request(&again)
        ))
    }
}

/// The output in `value` goes out through `build_response` and comes back from the client's
/// `parse_response` equal (or wire-equal, see [`Outcome`]).
pub fn response_round_trip<O>(value: &Value) -> Result<Outcome, String>
where
    O: ServerOperation,
    O::Output: Serialize + DeserializeOwned,
    O::Error: std::fmt::Debug,
{
    let output: O::Output = from_json(value)?;
    let response = match O::build_response(&output) {
        Ok(response) => response,
        Err(e) => return Ok(Outcome::Unsendable(e.to_string())),
    };
    let parsed = O::parse_response(&response)
        .map_err(|e| format!("parse_response failed: {e:?}\n  response: {}", show_response(&response)))?;
    let (sent, read) = (to_json(&output)?, to_json(&parsed)?);
    let Some(at) = first_difference(&sent, &read) else {
        return Ok(Outcome::Equal);
    };
    let again = O::build_response(&parsed).map_err(|e| format!("the output read back does not build: {e}"))?;
    let same =
        again.status() == response.status() && again.headers() == response.headers() && again.body() == response.body();
    if same {
        Ok(Outcome::WireEqual(at))
    } else {
        Err(format!(
            "parse_response reads a different output, at {at}\n  sent: {sent}\n  read: {read}\n  response: {}",
            show_response(&response)
        ))
    }
}

/// `error` goes out through `build_error` and comes back from the client's `parse_response` as the
/// same typed error, with the status the model gives it and the request id.
pub fn error_round_trip<O>(error: &O::Error, status: u16) -> Result<(), String>
where
    O: ServerOperation,
    O::Error: PartialEq + std::fmt::Debug,
    O::Output: std::fmt::Debug,
{
    const REQUEST_ID: &str = "3f1c6a52-0000-4000-8000-000000000001";
    let response = O::build_error(error, REQUEST_ID);
    match O::parse_response(&response) {
        Err(ResponseError::Service(e)) => {
            if e.meta.status != status {
                return Err(format!(
                    "status {} for {error:?}, the model says {status}",
                    e.meta.status
                ));
            }
            if e.meta.request_id.as_deref() != Some(REQUEST_ID) {
                return Err(format!("request id {:?}", e.meta.request_id));
            }
            if &e.kind != error {
                return Err(format!(
                    "sent {error:?}, read {:?}\n  response: {}",
                    e.kind,
                    show_response(&response)
                ));
            }
            Ok(())
        }
        other => Err(format!(
            "an error response read as {other:?}\n  response: {}",
            show_response(&response)
        )),
    }
}

/// Whether two JSON values mean the same: numbers compare by value (`1 == 1.0`), object keys in any order.
///
/// Non-finite floats are the strings `"NaN"`, `"Infinity"` and `"-Infinity"` on the wire (a
/// `serde_json::Value` cannot hold a NaN number), so they compare as those strings: `"NaN"` equals
/// `"NaN"` even though the float NaN is unequal to itself.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    first_difference(a, b).is_none()
}

/// The JSON path of the first place where `a` and `b` differ, if any.
pub fn first_difference(a: &Value, b: &Value) -> Option<String> {
    fn walk(a: &Value, b: &Value, path: &mut String) -> Option<String> {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => (!numbers_eq(x, y)).then(|| path.clone()),
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return Some(format!("{path} (length {} vs {})", x.len(), y.len()));
                }
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    let found = walk(x, y, path);
                    path.truncate(len);
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            (Value::Object(x), Value::Object(y)) => {
                if let Some(key) = x.keys().find(|k| !y.contains_key(*k)) {
                    return Some(format!("{path}.{key:?} (missing on the right)"));
                }
                if let Some(key) = y.keys().find(|k| !x.contains_key(*k)) {
                    return Some(format!("{path}.{key:?} (missing on the left)"));
                }
                for (key, x) in x {
                    let len = path.len();
                    path.push_str(&format!(".{key:?}"));
                    let found = walk(x, &y[key], path);
                    path.truncate(len);
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            (Value::String(x), Value::String(y)) if x == "NaN" && y == "NaN" => None,
            _ => (a != b).then(|| path.clone()),
        }
    }
    walk(a, b, &mut String::from("$"))
}

fn numbers_eq(x: &Number, y: &Number) -> bool {
    let int = |n: &Number| n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    match (int(x), int(y)) {
        (Some(a), Some(b)) => a == b,
        _ => x.as_f64() == y.as_f64(),
    }
}

/// Whether to draw an optional member.
pub fn optional(rng: &mut Rng, depth: u32) -> bool {
    depth < MAX_DEPTH && rng.one_in(2)
}

/// Which union member to draw: `0..members`, or `members` for a member the model does not know.
/// Past the depth limit, one of `shallow` (the members with the least nesting).
pub fn union_choice(rng: &mut Rng, depth: u32, members: usize, shallow: &[usize]) -> usize {
    if depth >= MAX_DEPTH {
        if shallow.is_empty() {
            members
        } else {
            rng.pick(shallow)
        }
    } else if members == 0 || rng.one_in(8) {
        members
    } else {
        rng.index(members)
    }
}

/// An object with one member.
pub fn single(key: &str, value: Value) -> Value {
    let mut object = Map::new();
    object.insert(key.to_owned(), value);
    Value::Object(object)
}

/// A union member none of `known` names (nor `__type`), with a random non-null JSON value.
pub fn unknown_member(rng: &mut Rng, depth: u32, known: &[&str]) -> Value {
    const PREFIXES: &[&str] = &["futureMember", "newKind", "x", "ñeu", "reasoningV2_"];
    loop {
        let name = format!("{}{}", rng.pick(PREFIXES), rng.below(100));
        if !known.contains(&name.as_str()) && name != "__type" {
            return single(&name, document(rng, depth + 1));
        }
    }
}

/// A string enum value: usually one of `known`, sometimes a value the models do not know.
pub fn enum_value(rng: &mut Rng, known: &[&str]) -> Value {
    if known.is_empty() || rng.one_in(8) {
        loop {
            let candidate = match string(rng) {
                Value::String(s) => s,
                _ => unreachable!(),
            };
            if !known.contains(&candidate.as_str()) {
                return Value::String(candidate);
            }
        }
    }
    Value::String(rng.pick(known).to_owned())
}

/// A random string: ASCII, JSON escapes, control characters and multi-byte Unicode.
pub fn string(rng: &mut Rng) -> Value {
    const PIECES: &[&str] = &[
        "a",
        "Z",
        "q",
        "7",
        " ",
        "model",
        "-",
        "_",
        ":",
        "/",
        "\"",
        "\\",
        "\n",
        "\r",
        "\t",
        "\u{0}",
        "\u{1f}",
        "\u{7f}",
        "é",
        "ß",
        "中",
        "日本",
        "🦀",
        "\u{2028}",
        "\u{feff}",
        "\u{fffd}",
        "</script>",
        "\u{10ffff}",
    ];
    let len = rng.below(10);
    Value::String((0..len).map(|_| rng.pick(PIECES)).collect())
}

/// `true` or `false`.
pub fn boolean(rng: &mut Rng) -> Value {
    Value::Bool(rng.one_in(2))
}

/// An integer in `min..=max`, often one of the edges, `0`, `1` or `-1`.
pub fn integer(rng: &mut Rng, min: i64, max: i64) -> Value {
    let value = if rng.one_in(3) {
        let edges = [min, max, 0, 1, -1];
        rng.pick(&edges).clamp(min, max)
    } else if rng.one_in(2) {
        (rng.below(200) as i64 - 100).clamp(min, max)
    } else {
        let span = (i128::from(max) - i128::from(min) + 1) as u128;
        (i128::from(min) + (u128::from(rng.next_u64()) % span) as i128) as i64
    };
    Value::from(value)
}

fn non_finite(rng: &mut Rng) -> Value {
    Value::String(rng.pick(&["NaN", "Infinity", "-Infinity"]).to_owned())
}

fn sign(rng: &mut Rng) -> f64 {
    if rng.one_in(2) {
        -1.0
    } else {
        1.0
    }
}

/// A `float` value: a dyadic fraction of at most seven significant digits (exact in `f32`, and
/// written identically by `f32` and `f64` formatting), or a non-finite string.
pub fn float32(rng: &mut Rng) -> Value {
    if rng.one_in(8) {
        return non_finite(rng);
    }
    let mantissa = rng.below(1 << 10) as f64;
    let value = match rng.below(3) {
        0 => mantissa / f64::from(1u32 << rng.below(5)),
        1 => mantissa * f64::from(1u32 << rng.below(11)),
        _ => rng.pick(&[0.0, -0.0, 0.5, 1.0, 0.25, 100.0]),
    };
    Value::from(sign(rng) * value)
}

/// A `double` value: a dyadic fraction with more precision than `f32` has (so narrowing shows), a
/// large integer, or a non-finite string.
///
/// Every value has at most 15 significant digits: serde_json (without its `float_roundtrip`
/// feature) parses longer numbers such as `8155010778247327.0` with an error of one unit in the
/// last place, which is not what these tests are about.
pub fn float64(rng: &mut Rng) -> Value {
    if rng.one_in(8) {
        return non_finite(rng);
    }
    let value = match rng.below(3) {
        0 => (rng.below(1 << 30) as f64) / f64::from(1u32 << rng.below(9)),
        1 => rng.below(1 << 49) as f64,
        _ => rng.pick(&[0.0, -0.0, 0.1, 1.0, 3.25, 1e-7, 1e21]),
    };
    Value::from(sign(rng) * value)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A blob: base64 of up to 16 random bytes.
pub fn blob(rng: &mut Rng) -> Value {
    let bytes: Vec<u8> = (0..rng.below(17)).map(|_| rng.next_u64() as u8).collect();
    Value::String(base64(&bytes))
}

/// Seconds since the epoch between 1900 and 2200, and milliseconds.
fn instant(rng: &mut Rng) -> (i64, u32) {
    const FROM: i64 = -2_208_988_800; // 1900-01-01
    const TO: i64 = 7_258_118_400; // 2200-01-01
    let secs = if rng.one_in(4) {
        rng.pick(&[0, 1, -1, 1_700_000_000, 951_782_400])
    } else {
        FROM + rng.below((TO - FROM) as u64) as i64
    };
    let millis = match rng.below(3) {
        0 => 0,
        1 => rng.pick(&[500, 250, 125, 750, 1, 999, 100]),
        _ => rng.below(1000) as u32,
    };
    (secs, millis)
}

/// A timestamp in epoch seconds: an integer, or a number with a millisecond fraction (`1.5`).
pub fn timestamp_epoch_seconds(rng: &mut Rng) -> Value {
    let (secs, millis) = instant(rng);
    if millis == 0 {
        Value::from(secs)
    } else {
        // Eighths of a second are exact in binary, so they survive any float handling; other
        // milliseconds check that the codec keeps millisecond precision.
        Value::from(secs as f64 + f64::from(millis) / 1000.0)
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A timestamp as an RFC 3339 string in the canonical form the codec writes (`2019-12-16T23:48:18.5Z`).
pub fn timestamp_rfc3339(rng: &mut Rng) -> Value {
    let (secs, millis) = instant(rng);
    Value::String(rfc3339_text(secs, millis))
}

/// A timestamp as an HTTP date (`Mon, 16 Dec 2019 23:48:18 GMT`).
pub fn timestamp_http_date(rng: &mut Rng) -> Value {
    let (secs, _) = instant(rng);
    Value::String(http_date_text(secs))
}

fn rfc3339_text(secs: i64, millis: u32) -> String {
    let (year, month, day) = civil(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
    if millis != 0 {
        text.push_str(format!(".{millis:03}").trim_end_matches('0'));
    }
    text.push('Z');
    text
}

fn http_date_text(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let (year, month, day) = civil(days);
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[month as usize - 1],
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Random JSON for a document, never `null` at the top (a `null` member means "unset").
pub fn document(rng: &mut Rng, depth: u32) -> Value {
    let leaf_only = depth >= MAX_DEPTH;
    loop {
        let value = match rng.below(if leaf_only { 5 } else { 7 }) {
            0 => Value::Null,
            1 => boolean(rng),
            2 => integer(rng, i64::MIN, i64::MAX),
            3 => float64(rng),
            4 => string(rng),
            5 => Value::Array((0..rng.below(4)).map(|_| nested_document(rng, depth + 1)).collect()),
            _ => {
                let mut object = Map::new();
                for _ in 0..rng.below(4) {
                    let key = key(rng);
                    let value = nested_document(rng, depth + 1);
                    object.insert(key, value);
                }
                Value::Object(object)
            }
        };
        // A `null` optional member reads back as unset and is then left out, so never draw one here
        // (nested `null`s are kept and must survive).
        if !value.is_null() {
            return value;
        }
    }
}

fn nested_document(rng: &mut Rng, depth: u32) -> Value {
    if rng.one_in(8) {
        Value::Null
    } else {
        document(rng, depth)
    }
}

fn key(rng: &mut Rng) -> String {
    match string(rng) {
        Value::String(s) => s,
        _ => unreachable!(),
    }
}

/// A list of up to three items (none past the depth limit).
pub fn list(rng: &mut Rng, depth: u32, mut item: impl FnMut(&mut Rng, u32) -> Value) -> Value {
    let len = if depth >= MAX_DEPTH { 0 } else { rng.below(4) };
    Value::Array((0..len).map(|_| item(rng, depth + 1)).collect())
}

/// A map of up to three entries with random string keys (none past the depth limit).
pub fn map(rng: &mut Rng, depth: u32, mut value: impl FnMut(&mut Rng, u32) -> Value) -> Value {
    let len = if depth >= MAX_DEPTH { 0 } else { rng.below(4) };
    let mut object = Map::new();
    for _ in 0..len {
        let key = key(rng);
        let value = value(rng, depth + 1);
        object.insert(key, value);
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_with_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(18_246), (2019, 12, 16));
        assert_eq!(civil(-1), (1969, 12, 31));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }

    #[test]
    fn timestamps_render_like_the_codecs() {
        assert_eq!(rfc3339_text(1_576_540_098, 0), "2019-12-16T23:48:18Z");
        assert_eq!(rfc3339_text(1_576_540_098, 500), "2019-12-16T23:48:18.5Z");
        assert_eq!(rfc3339_text(1_576_540_098, 20), "2019-12-16T23:48:18.02Z");
        assert_eq!(rfc3339_text(-1, 0), "1969-12-31T23:59:59Z");
        assert_eq!(http_date_text(1_576_540_098), "Mon, 16 Dec 2019 23:48:18 GMT");
        assert_eq!(http_date_text(-86_400), "Wed, 31 Dec 1969 00:00:00 GMT");
    }

    #[test]
    fn rng_is_deterministic_and_case_seeds_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(Rng::for_case("A", 0).next_u64(), Rng::for_case("B", 0).next_u64());
        assert_ne!(Rng::for_case("A", 0).next_u64(), Rng::for_case("A", 1).next_u64());
    }

    #[test]
    fn comparison_is_numeric_and_ignores_key_order() {
        let a: Value = serde_json::from_str(r#"{"a":1,"b":[1.5,"NaN"],"c":{"x":2,"y":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"c":{"y":3.0,"x":2},"b":[1.5,"NaN"],"a":1.0}"#).unwrap();
        assert!(json_eq(&a, &b));
        let c: Value = serde_json::from_str(r#"{"c":{"y":3.0,"x":2},"b":[1.5,"NaN"],"a":1.25}"#).unwrap();
        assert_eq!(first_difference(&a, &c).as_deref(), Some("$.\"a\""));
        let d: Value = serde_json::from_str(r#"{"a":1,"b":[1.5,"NaN"]}"#).unwrap();
        assert!(first_difference(&a, &d).unwrap().contains("missing on the right"));
        assert!(!json_eq(&Value::from(u64::MAX), &Value::from(u64::MAX - 1)));
        assert!(!json_eq(&Value::from(1), &Value::String("1".into())));
    }
}
