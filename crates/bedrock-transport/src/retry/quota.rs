//! The retry quota: a client-wide token bucket that retries draw from.

use std::sync::atomic::{AtomicU32, Ordering};

use super::RetryKind;

/// Tokens in a new quota.
pub const DEFAULT_RETRY_QUOTA: u32 = 500;
/// Tokens a retry after a throttling or transient error costs.
pub const DEFAULT_RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout costs.
pub const DEFAULT_TIMEOUT_RETRY_COST: u32 = 10;
/// Tokens an operation that succeeds at its first attempt gives back.
pub const NO_RETRY_INCREMENT: u32 = 1;

/// The retry quota of the AWS SDKs' `standard` mode.
///
/// Every retry takes tokens (5, or 10 after a timeout); when too few are left the
/// operation fails with its last error instead of retrying, so a failing service is
/// not hammered. A successful operation gives back what its last retry took (or one
/// token when it needed no retry), never more than the capacity. Lock-free; an
/// [`Executor`](crate::executor::Executor) and its clones share one quota.
#[derive(Debug)]
pub struct RetryQuota {
    available: AtomicU32,
    capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota::new(DEFAULT_RETRY_QUOTA)
    }
}

impl RetryQuota {
    /// A full quota of `capacity` tokens with the default costs.
    pub fn new(capacity: u32) -> Self {
        RetryQuota::with_costs(capacity, DEFAULT_RETRY_COST, DEFAULT_TIMEOUT_RETRY_COST)
    }

    /// A full quota with custom costs per retry and per retry after a timeout.
    pub fn with_costs(capacity: u32, retry_cost: u32, timeout_retry_cost: u32) -> Self {
        RetryQuota {
            available: AtomicU32::new(capacity),
            capacity,
            retry_cost,
            timeout_retry_cost,
        }
    }

    /// A quota that never runs out.
    pub fn unlimited() -> Self {
        RetryQuota::with_costs(u32::MAX, 0, 0)
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.available.load(Ordering::Relaxed)
    }

    /// Tokens when full.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// What a retry after an error of this kind costs.
    pub fn cost(&self, kind: RetryKind) -> u32 {
        match kind {
            RetryKind::Timeout => self.timeout_retry_cost,
            _ => self.retry_cost,
        }
    }

    /// Takes the cost of a retry after `kind`: the tokens taken, or `None` (and
    /// nothing taken) when too few are left.
    pub fn try_acquire(&self, kind: RetryKind) -> Option<u32> {
        let cost = self.cost(kind);
        self.available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |available| {
                available.checked_sub(cost)
            })
            .ok()
            .map(|_| cost)
    }

    /// Gives tokens back, up to the capacity.
    pub fn release(&self, amount: u32) {
        if amount == 0 {
            return;
        }
        let _ = self
            .available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |available| {
                (available < self.capacity).then(|| available.saturating_add(amount).min(self.capacity))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_and_exhaustion() {
        let quota = RetryQuota::new(22);
        assert_eq!(quota.try_acquire(RetryKind::Throttling), Some(5));
        assert_eq!(quota.try_acquire(RetryKind::Timeout), Some(10));
        assert_eq!(quota.try_acquire(RetryKind::Transient), Some(5));
        assert_eq!(quota.available(), 2);
        assert_eq!(quota.try_acquire(RetryKind::Transient), None);
        assert_eq!(quota.available(), 2, "a refused acquire takes nothing");
    }

    #[test]
    fn release_is_capped_at_capacity() {
        let quota = RetryQuota::default();
        quota.release(NO_RETRY_INCREMENT);
        assert_eq!(quota.available(), 500);
        quota.try_acquire(RetryKind::Timeout);
        quota.release(3);
        assert_eq!(quota.available(), 493);
        quota.release(100);
        assert_eq!(quota.available(), 500);
    }

    #[test]
    fn unlimited_never_runs_out() {
        let quota = RetryQuota::unlimited();
        for _ in 0..10_000 {
            assert_eq!(quota.try_acquire(RetryKind::Timeout), Some(0));
        }
    }
}
