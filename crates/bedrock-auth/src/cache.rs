//! Caching of credentials: reuse until shortly before expiry, refresh single
//! flight, keep old still-valid credentials when a refresh fails.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::CredentialsError;
use crate::provider::{BoxFuture, Clock, ProvideCredentials, SharedCredentialsProvider, SystemClock};
use crate::secret::Credentials;

/// Default time before expiry at which credentials are refreshed.
pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(5 * 60);
/// Default time a provider is given to load credentials.
pub const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Wraps a provider and caches what it returns.
///
/// - Credentials are reused until `buffer` before their expiry (credentials
///   without expiry are kept forever).
/// - When many tasks need a refresh at once, only one calls the provider; the
///   others wait for its result (single flight).
/// - When a refresh fails (or times out) while the cached credentials have not
///   yet expired, the cached ones are returned and the failure is logged.
#[derive(Debug, Clone)]
pub struct CredentialsCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    provider: SharedCredentialsProvider,
    clock: Arc<dyn Clock>,
    buffer: Duration,
    load_timeout: Duration,
    cached: Mutex<Option<Credentials>>,
    refresh: tokio::sync::Mutex<()>,
}

impl CredentialsCache {
    /// Caches `provider` with the default buffer and load timeout and the system clock.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        CredentialsCache::builder(provider).build()
    }

    /// A builder to set the clock, buffer and timeout.
    pub fn builder(provider: impl ProvideCredentials + 'static) -> CredentialsCacheBuilder {
        CredentialsCacheBuilder {
            provider: Arc::new(provider),
            clock: Arc::new(SystemClock),
            buffer: DEFAULT_REFRESH_BUFFER,
            load_timeout: DEFAULT_LOAD_TIMEOUT,
        }
    }

    fn cached(&self) -> Option<Credentials> {
        self.inner.cached.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn fresh(&self) -> Option<Credentials> {
        let now = self.inner.clock.now();
        self.cached().filter(|c| !c.expires_within(now, self.inner.buffer))
    }

    /// Forgets the cached credentials, e.g. after the service rejected them.
    pub fn invalidate(&self) {
        *self.inner.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Cached credentials, refreshed first when needed.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        if let Some(creds) = self.fresh() {
            return Ok(creds);
        }
        let _flight = self.inner.refresh.lock().await;
        // Another task may have refreshed while this one waited.
        if let Some(creds) = self.fresh() {
            return Ok(creds);
        }
        let loaded =
            match tokio::time::timeout(self.inner.load_timeout, self.inner.provider.provide_credentials()).await {
                Ok(result) => result,
                Err(_) => Err(CredentialsError::Timeout {
                    provider: "CredentialsCache",
                    after: self.inner.load_timeout,
                }),
            };
        match loaded {
            Ok(creds) => {
                *self.inner.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(creds.clone());
                Ok(creds)
            }
            Err(error) => match self.cached().filter(|c| !c.is_expired(self.inner.clock.now())) {
                Some(old) => {
                    tracing::warn!(%error, "credentials refresh failed; using the cached credentials until they expire");
                    Ok(old)
                }
                None => Err(error),
            },
        }
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.credentials())
    }
}

/// Builds a [`CredentialsCache`].
#[derive(Debug)]
pub struct CredentialsCacheBuilder {
    provider: SharedCredentialsProvider,
    clock: Arc<dyn Clock>,
    buffer: Duration,
    load_timeout: Duration,
}

impl CredentialsCacheBuilder {
    /// Sets the clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets how long before expiry credentials are refreshed.
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.buffer = buffer;
        self
    }

    /// Sets how long the provider is given per load.
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }

    /// Builds the cache.
    pub fn build(self) -> CredentialsCache {
        CredentialsCache {
            inner: Arc::new(Inner {
                provider: self.provider,
                clock: self.clock,
                buffer: self.buffer,
                load_timeout: self.load_timeout,
                cached: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    #[derive(Debug)]
    struct TestClock(AtomicU64);
    impl TestClock {
        fn set(&self, secs: u64) {
            self.0.store(secs, Ordering::SeqCst);
        }
    }
    impl Clock for TestClock {
        fn now(&self) -> SystemTime {
            UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
        }
    }

    /// Counts calls; each call returns credentials valid for an hour from the clock's now.
    #[derive(Debug)]
    struct Counting {
        calls: AtomicUsize,
        clock: Arc<TestClock>,
        fail: AtomicBool,
        delay: Duration,
    }
    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(self.delay).await;
                if self.fail.load(Ordering::SeqCst) {
                    return Err(CredentialsError::Provider {
                        provider: "Counting",
                        message: "down".into(),
                    });
                }
                let expiry = self.clock.now() + Duration::from_secs(3600);
                Ok(Credentials::new(
                    format!("AKID{n}"),
                    "s",
                    None,
                    Some(expiry),
                    "Counting",
                ))
            })
        }
    }

    fn setup(delay: Duration) -> (Arc<TestClock>, Arc<Counting>, CredentialsCache) {
        let clock = Arc::new(TestClock(AtomicU64::new(1_000_000)));
        let provider = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            clock: clock.clone(),
            fail: AtomicBool::new(false),
            delay,
        });
        let cache = CredentialsCache::builder(provider.clone()).clock(clock.clone()).build();
        (clock, provider, cache)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn single_flight_under_concurrency() {
        let (_clock, provider, cache) = setup(Duration::from_millis(50));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.credentials().await.unwrap().access_key_id().to_owned() })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), "AKID1");
        }
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_inside_the_buffer_and_keeps_old_on_failure() {
        let (clock, provider, cache) = setup(Duration::ZERO);
        assert_eq!(cache.credentials().await.unwrap().access_key_id(), "AKID1");
        clock.set(1_000_000 + 3600 - 301); // more than 5 min left: reused
        assert_eq!(cache.credentials().await.unwrap().access_key_id(), "AKID1");
        assert_eq!(provider.calls.load(Ordering::SeqCst), 1);

        clock.set(1_000_000 + 3600 - 299); // inside the buffer, refresh fails: keep old
        provider.fail.store(true, Ordering::SeqCst);
        assert_eq!(cache.credentials().await.unwrap().access_key_id(), "AKID1");
        assert_eq!(provider.calls.load(Ordering::SeqCst), 2);

        clock.set(1_000_000 + 3600); // expired and refresh fails: error
        assert!(cache.credentials().await.is_err());

        provider.fail.store(false, Ordering::SeqCst);
        assert_eq!(cache.credentials().await.unwrap().access_key_id(), "AKID4");
        cache.invalidate();
        assert_eq!(cache.credentials().await.unwrap().access_key_id(), "AKID5");
    }

    #[tokio::test(start_paused = true)]
    async fn load_timeout() {
        let (_clock, _provider, _) = setup(Duration::ZERO);
        let clock = Arc::new(TestClock(AtomicU64::new(0)));
        let slow = Counting {
            calls: AtomicUsize::new(0),
            clock: clock.clone(),
            fail: AtomicBool::new(false),
            delay: Duration::from_secs(3600),
        };
        let cache = CredentialsCache::builder(slow)
            .clock(clock)
            .load_timeout(Duration::from_secs(1))
            .build();
        let err = cache.credentials().await.unwrap_err();
        assert!(matches!(err, CredentialsError::Timeout { .. }), "{err}");
    }
}
