//! Idempotency tokens: random UUIDs, as the AWS SDKs send.

use std::fmt;

use bedrock_transport::clock::{RandomSource, SeededRandom};
use bedrock_wire::IdempotencyTokens;

/// Version 4 UUIDs from a [`RandomSource`] (seeded from the OS by default; seed it in tests).
pub struct UuidTokens {
    random: Box<dyn RandomSource>,
}

impl UuidTokens {
    /// Tokens from a generator seeded by the operating system.
    pub fn new() -> Self {
        UuidTokens::from_random(SeededRandom::from_os())
    }

    /// Tokens from `random` (a fixed seed makes them reproducible).
    pub fn from_random(random: impl RandomSource) -> Self {
        UuidTokens {
            random: Box::new(random),
        }
    }
}

impl Default for UuidTokens {
    fn default() -> Self {
        UuidTokens::new()
    }
}

impl fmt::Debug for UuidTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UuidTokens")
    }
}

impl IdempotencyTokens for UuidTokens {
    fn token(&self) -> String {
        let high = self.random.next_u64();
        let low = self.random.next_u64();
        // Version 4 (random) in the high nibble of byte 6, variant 10 in byte 8.
        let high = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_4_uuids_reproducible_from_a_seed() {
        let a = UuidTokens::from_random(SeededRandom::new(7));
        let b = UuidTokens::from_random(SeededRandom::new(7));
        let first = a.token();
        assert_eq!(first, b.token());
        assert_ne!(first, a.token());
        let parts: Vec<&str> = first.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }
}
