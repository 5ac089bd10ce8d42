//! The auth-mode choice is logged by name, never with the key. In its own test binary:
//! tracing caches each callsite's interest globally, so a test thread elsewhere in the same
//! process could hide these events from this test's subscriber.

use std::fmt;
use std::sync::Arc;

use bedrock_auth::api_key::BEARER_TOKEN_ENV;
use bedrock_auth::env::MapEnv;
use bedrock_auth::{select_auth_mode, ApiKey};

#[test]
fn auth_mode_is_logged_by_name_only() {
    use std::fmt::Write as _;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Lines(Mutex<String>);
    struct Visitor<'a>(&'a mut String);
    impl tracing::field::Visit for Visitor<'_> {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    impl tracing::Subscriber for Lines {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let mut out = self.0.lock().unwrap();
            let _ = write!(out, "\n{}", event.metadata().level());
            event.record(&mut Visitor(&mut out));
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    let lines = Arc::new(Lines::default());
    let env = MapEnv::from_pairs([(BEARER_TOKEN_ENV, "ABSKenvSECRETtoken")]);
    tracing::subscriber::with_default(lines.clone(), || {
        // Another test thread may have registered the callsite while only the no-op
        // dispatcher existed; recompute its interest now that this one is live.
        tracing::callsite::rebuild_interest_cache();
        select_auth_mode(Some(ApiKey::new("ABSKexplicitSECRET")), None, &env).unwrap();
        select_auth_mode(None, None, &env).unwrap();
    });
    let text = lines.0.lock().unwrap().clone();
    assert!(
        text.contains("DEBUG message=selected auth mode mode=\"bearer (explicit API key)\""),
        "{text}"
    );
    assert!(text.contains("mode=\"bearer (AWS_BEARER_TOKEN_BEDROCK)\""), "{text}");
    assert!(!text.contains("SECRET"), "{text}");
}
