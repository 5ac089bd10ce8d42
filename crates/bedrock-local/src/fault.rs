//! Fault injection: throttling, errors, latency, resets, broken and stalled streams.
//!
//! Faults come from the server's [`Config`](crate::Config) (applied to every request) and from the
//! request header `x-bedrock-local-fault`. Both use one grammar:
//!
//! ```text
//! faults  = fault *( ("," / ";") fault )
//! fault   = kind [ "=" value ] *( ":" param "=" value )
//! param   = "first" (only the first N matching requests) / "rate" (a fraction, drawn from the
//!           seeded generator) / "type" (the error or exception type)
//! ```
//!
//! | Fault | Effect |
//! |---|---|
//! | `throttle` | `ThrottlingException`, 429 |
//! | `status=503` | the error of that status (see [`ServiceError::for_status`]) |
//! | `error=ModelNotReadyException` | that error with its usual status |
//! | `latency-ms=200` | the response is held back 200 ms (on the injected clock) |
//! | `ttfb-ms=200` | the head is sent, the first body byte 200 ms later |
//! | `reset` | the connection is dropped without a response (HTTP/2: the stream is reset) |
//! | `truncate` / `truncate=N` | the body stops half-way (into frame N of an event stream, default 0) |
//! | `corrupt-crc` / `corrupt-crc=N` | frame N (default 0) of an event stream has a wrong message CRC |
//! | `stall` / `stall=N` | after N body chunks or frames (default 0) nothing more is sent, and the stream stays open |
//! | `stream-exception-after=N` | after N frames an exception frame (`:type=`, default `internalServerException`) ends the stream |
//!
//! `first=N` counts per fault text: the header `throttle:first=2` sent on every request throttles
//! the first two requests that carry it and lets the rest through.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use http::StatusCode;

use crate::wire::ServiceError;

/// The request header that asks for faults.
pub const FAULT_HEADER: &str = "x-bedrock-local-fault";

/// One kind of fault.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer `ThrottlingException`, 429.
    Throttle,
    /// Answer the error of this status.
    Status(StatusCode),
    /// Answer the error of this type.
    Error(String),
    /// Hold the whole response back.
    Latency(Duration),
    /// Send the head, then hold the body back.
    Ttfb(Duration),
    /// Drop the connection (reset the HTTP/2 stream) without answering.
    Reset,
    /// End the body early: half-way through the body, or into the given event-stream frame.
    Truncate(usize),
    /// Corrupt the message CRC of the given event-stream frame.
    CorruptCrc(usize),
    /// Stop sending after this many chunks or frames, without closing.
    Stall(usize),
    /// After this many frames, send an exception frame and end the stream.
    StreamExceptionAfter(usize),
}

impl FaultKind {
    /// The fault's name in the grammar (`throttle`, `status`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::Status(_) => "status",
            FaultKind::Error(_) => "error",
            FaultKind::Latency(_) => "latency-ms",
            FaultKind::Ttfb(_) => "ttfb-ms",
            FaultKind::Reset => "reset",
            FaultKind::Truncate(_) => "truncate",
            FaultKind::CorruptCrc(_) => "corrupt-crc",
            FaultKind::Stall(_) => "stall",
            FaultKind::StreamExceptionAfter(_) => "stream-exception-after",
        }
    }

    /// Whether the fault acts on the response body (rather than before the handler).
    pub fn is_stream_fault(&self) -> bool {
        matches!(
            self,
            FaultKind::Ttfb(_)
                | FaultKind::Truncate(_)
                | FaultKind::CorruptCrc(_)
                | FaultKind::Stall(_)
                | FaultKind::StreamExceptionAfter(_)
        )
    }
}

/// A fault with its conditions, as written in the grammar.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Only the first N requests that carry this fault (by its text) get it.
    pub first: Option<u64>,
    /// Only this fraction of requests get it, drawn from the seeded generator.
    pub rate: Option<f64>,
    /// The error type (`error=`, `stream-exception-after`); `None` for the default.
    pub error_type: Option<String>,
    /// The fault's text, which keys its `first=` counter.
    pub text: String,
}

impl Fault {
    /// A fault that applies to every request.
    pub fn new(kind: FaultKind) -> Self {
        let text = kind.name().to_owned();
        Fault {
            kind,
            first: None,
            rate: None,
            error_type: None,
            text,
        }
    }

    /// The error this fault answers with, if it is an error fault.
    pub fn error(&self) -> Option<ServiceError> {
        match &self.kind {
            FaultKind::Throttle => Some(ServiceError::throttling()),
            FaultKind::Status(status) => Some(ServiceError::for_status(*status)),
            FaultKind::Error(name) => Some(
                ServiceError::for_type(name)
                    .unwrap_or_else(|| ServiceError::new(StatusCode::BAD_REQUEST, name.clone(), "Injected error.")),
            ),
            _ => None,
        }
    }

    /// The exception frame a `stream-exception-after` fault sends.
    pub fn stream_exception(&self) -> ServiceError {
        let name = self.error_type.as_deref().unwrap_or("InternalServerException");
        let mut upper = name.to_owned();
        if let Some(first) = upper.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        ServiceError::for_type(&upper).unwrap_or_else(|| {
            ServiceError::new(StatusCode::INTERNAL_SERVER_ERROR, upper, "Injected stream exception.")
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The fault text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError(pub String);

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fault specification: {}", self.0)
    }
}

impl std::error::Error for FaultParseError {}

fn number<T: FromStr>(what: &str, value: Option<&str>) -> Result<T, FaultParseError> {
    let value = value.ok_or_else(|| FaultParseError(format!("`{what}` needs a value")))?;
    value
        .trim()
        .parse()
        .map_err(|_| FaultParseError(format!("`{what}={value}`: not a valid number")))
}

/// The longest delay a fault may ask for (one hour).
pub const MAX_DELAY: Duration = Duration::from_secs(3600);

fn millis(what: &str, value: Option<&str>) -> Result<Duration, FaultParseError> {
    let delay = Duration::from_millis(number(what, value)?);
    if delay > MAX_DELAY {
        return Err(FaultParseError(format!("`{what}`: more than an hour")));
    }
    Ok(delay)
}

fn index(what: &str, value: Option<&str>) -> Result<usize, FaultParseError> {
    match value {
        None => Ok(0),
        Some(_) => number(what, value),
    }
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let mut parts = text.split(':');
        let head = parts.next().unwrap_or_default().trim();
        let (name, value) = match head.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (head, None),
        };
        let kind = match name {
            "throttle" => FaultKind::Throttle,
            "status" => {
                let code: u16 = number(name, value)?;
                let status = StatusCode::from_u16(code)
                    .ok()
                    .filter(|s| s.is_client_error() || s.is_server_error())
                    .ok_or_else(|| FaultParseError(format!("`status={code}`: not an error status")))?;
                FaultKind::Status(status)
            }
            "error" => match value {
                Some(v) if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    FaultKind::Error(v.to_owned())
                }
                _ => return Err(FaultParseError("`error` needs an error type name".into())),
            },
            "latency-ms" => FaultKind::Latency(millis(name, value)?),
            "ttfb-ms" => FaultKind::Ttfb(millis(name, value)?),
            "reset" => FaultKind::Reset,
            "truncate" => FaultKind::Truncate(index(name, value)?),
            "corrupt-crc" => FaultKind::CorruptCrc(index(name, value)?),
            "stall" => FaultKind::Stall(index(name, value)?),
            "stream-exception-after" => FaultKind::StreamExceptionAfter(number(name, value)?),
            "" => return Err(FaultParseError("empty fault".into())),
            other => return Err(FaultParseError(format!("unknown fault `{other}`"))),
        };
        let mut fault = Fault::new(kind);
        fault.text = text.to_owned();
        for param in parts {
            let (key, value) = param
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| FaultParseError(format!("parameter `{param}` needs `=value`")))?;
            match key {
                "first" => fault.first = Some(number(key, Some(value))?),
                "rate" => {
                    let rate: f64 = number(key, Some(value))?;
                    if !(0.0..=1.0).contains(&rate) {
                        return Err(FaultParseError(format!("`rate={value}` is not between 0 and 1")));
                    }
                    fault.rate = Some(rate);
                }
                "type" if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    fault.error_type = Some(value.to_owned())
                }
                _ => return Err(FaultParseError(format!("unknown parameter `{key}={value}`"))),
            }
        }
        if let FaultKind::Error(name) = &fault.kind {
            fault.error_type = Some(name.clone());
        }
        Ok(fault)
    }
}

impl TryFrom<String> for Fault {
    type Error = FaultParseError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl<'de> serde::Deserialize<'de> for Fault {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses a list of faults separated by `,` or `;` (the header's value).
pub fn parse_faults(text: &str) -> Result<Vec<Fault>, FaultParseError> {
    text.split([',', ';'])
        .filter(|part| !part.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// The stream faults chosen for one response, applied by the server as it sends the body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamFaults {
    /// Hold the first body byte back this long.
    pub ttfb: Option<Duration>,
    /// End the body early (frame index for event streams).
    pub truncate: Option<usize>,
    /// Corrupt the CRC of this frame.
    pub corrupt_crc: Option<usize>,
    /// Stop sending after this many chunks or frames.
    pub stall: Option<usize>,
    /// After this many frames, send this exception and end.
    pub exception_after: Option<(usize, ServiceError)>,
}

impl StreamFaults {
    /// Whether no stream fault is set.
    pub fn is_empty(&self) -> bool {
        *self == StreamFaults::default()
    }

    /// Adds a fault if it is a stream fault; returns whether it was one.
    pub fn add(&mut self, fault: &Fault) -> bool {
        match fault.kind {
            FaultKind::Ttfb(d) => self.ttfb = Some(d),
            FaultKind::Truncate(n) => self.truncate = Some(n),
            FaultKind::CorruptCrc(n) => self.corrupt_crc = Some(n),
            FaultKind::Stall(n) => self.stall = Some(n),
            FaultKind::StreamExceptionAfter(n) => self.exception_after = Some((n, fault.stream_exception())),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        let faults = parse_faults("throttle:first=2; status=503 , latency-ms=200,stall=3:rate=0.5").unwrap();
        assert_eq!(faults.len(), 4);
        assert_eq!(faults[0].kind, FaultKind::Throttle);
        assert_eq!(faults[0].first, Some(2));
        assert_eq!(faults[0].text, "throttle:first=2");
        assert_eq!(faults[1].kind, FaultKind::Status(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(faults[2].kind, FaultKind::Latency(Duration::from_millis(200)));
        assert_eq!(faults[3].kind, FaultKind::Stall(3));
        assert_eq!(faults[3].rate, Some(0.5));
        let f: Fault = "stream-exception-after=3:type=throttlingException".parse().unwrap();
        assert_eq!(f.stream_exception().error_type, "ThrottlingException");
        assert_eq!("corrupt-crc".parse::<Fault>().unwrap().kind, FaultKind::CorruptCrc(0));
        assert_eq!(
            "error=ModelNotReadyException"
                .parse::<Fault>()
                .unwrap()
                .error()
                .unwrap()
                .status,
            429
        );
        for bad in [
            "",
            "nope",
            "status=200",
            "status=x",
            "throttle:first",
            "throttle:rate=2",
            "latency-ms",
            "error=a b",
        ] {
            assert!(
                parse_faults(bad).is_err() || parse_faults(bad).unwrap().is_empty(),
                "{bad}"
            );
        }
        assert!(parse_faults("nope").is_err());
    }
}
