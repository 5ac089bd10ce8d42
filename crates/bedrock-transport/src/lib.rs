//! The one crate that does IO: pooled HTTP/1.1 and HTTP/2 over rustls, retries, timeouts, event-stream and SSE decoding.
//!
//! Skeleton: nothing is implemented yet; the work is tracked in issue #3.
#![deny(missing_docs)]
