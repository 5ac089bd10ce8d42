//! Time and randomness, injected so that the emulator behaves the same on every run.
//!
//! The clock and the random source are `bedrock-transport`'s ([`Clock`], [`SeededRandom`]):
//! [`TokioClock`] (the default) follows tokio's paused time in tests, [`ManualClock`] moves only
//! when told. Request ids come from a seeded [`RequestIds`] generator, so a test that fixes the
//! seed sees the same ids on every run.

use std::fmt;

pub use bedrock_transport::clock::{Clock, ManualClock, RandomSource, SeededRandom, TokioClock};

/// Generates request ids in the UUID format the service uses (`8-4-4-4-12` lower-case hex,
/// version 4 and RFC 4122 variant bits set) from a seeded generator.
pub struct RequestIds {
    random: SeededRandom,
}

impl RequestIds {
    /// A generator whose sequence of ids is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        RequestIds {
            random: SeededRandom::new(seed),
        }
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        let hi = self.random.next_u64();
        let lo = self.random.next_u64();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

impl fmt::Debug for RequestIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestIds { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuid_shaped_and_reproducible() {
        let a = RequestIds::new(42);
        let b = RequestIds::new(42);
        let first = a.next_id();
        assert_eq!(first, b.next_id());
        assert_ne!(first, a.next_id());
        assert_eq!(first.len(), 36);
        let parts: Vec<&str> = first.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('4'));
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"));
    }
}
