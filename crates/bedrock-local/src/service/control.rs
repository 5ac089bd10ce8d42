//! The control plane's routes: all 108 operations of `bedrock` (2023-04-20) on a [`Router`].
//!
//! The 24 operations [`ControlPlane`] emulates are served by one generic handler:
//! the generated `parse_request` reads the typed input (a malformed request gets the
//! service's `SerializationException` or `ValidationException`), the `ControlPlane` method of the
//! same name answers, and the generated `build_response` or `build_error` writes the typed output
//! or error exactly as the service does. Every other operation answers [`not_emulated`]: a
//! `ValidationException` with HTTP 501 that names the operation.
//!
//! The routes come from the generated server side (`bedrock_control_types::server`): its
//! [`ControlOperation::ALL`] and each operation's `route()`, the same tables the generated
//! client is built from. They are registered most specific first, so the [`Router`] (first match
//! wins) picks the route the generated `route()` would.

use std::sync::Arc;

use bedrock_control_types::operation as op;
use bedrock_control_types::server::ControlOperation;
use bedrock_wire::server::{unhandled_error, Labels, Route, Segment, ServerOperation};
use bytes::Bytes;
use http::{Method, StatusCode};

use crate::control::{not_emulated, ControlPlane, NotEmulated};
use crate::server::{BoxFuture, Request, Response, Router};
use crate::wire::ServiceError;

/// Registers every control-plane operation on `router`: the emulated ones answered by `plane`,
/// the others with [`not_emulated`] (HTTP 501).
///
// Compiled, not run (doc-test time): the crate-level examples start servers.
/// ```no_run
/// use std::sync::Arc;
/// use bedrock_local::control::{ControlPlane, ControlPlaneConfig};
/// use bedrock_local::{service, Config, Router};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let plane = Arc::new(ControlPlane::new(ControlPlaneConfig::new()));
/// let router = service::control::register(Router::new(), plane);
/// let server = bedrock_local::start(Config::new().service(router)).await?;
/// // GET {server.base_url()}/foundation-models lists the catalog.
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
pub fn register(router: Router, plane: Arc<ControlPlane>) -> Router {
    let mut operations = ControlOperation::ALL.to_vec();
    // Most specific first (stable, so ties keep the service model's order): the router takes
    // the first route that matches, the generated `route()` the most specific one.
    operations.sort_by_key(|operation| std::cmp::Reverse(operation.route().specificity()));
    operations.into_iter().fold(router, |router, operation| {
        let handler = emulated(operation, &plane).unwrap_or_else(|| not_emulated_handler(operation));
        let route = operation.route();
        // The generated tables hold upper-case methods and `/`-separated templates; a test
        // registers all 108, so neither can fail at run time.
        let method = Method::from_bytes(route.method.as_bytes()).expect("a generated HTTP method");
        router
            .route(method, &pattern(route), operation.name(), handler)
            .expect("a generated route template")
    })
}

/// The response to a control-plane operation the emulator does not implement: HTTP 501
/// (`NotEmulated::STATUS`), `x-amzn-errortype: ValidationException`, and a message naming the
/// operation and listing the emulated ones.
pub fn not_emulated_response(error: &NotEmulated) -> Response {
    let status = StatusCode::from_u16(NotEmulated::STATUS).unwrap_or(StatusCode::NOT_IMPLEMENTED);
    ServiceError::new(status, NotEmulated::CODE, error.message()).into()
}

/// The request as an `http::Request<Bytes>` (the body collected) with its request id, or the
/// response to send when the body cannot be read (the client went away mid-body).
pub async fn collect(request: Request) -> Result<(http::Request<Bytes>, String), Response> {
    let request_id = request.request_id().to_owned();
    match request.into_http().await {
        Ok(http) => Ok((http, request_id)),
        Err(error) => Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            format!("Could not read the request body: {error}"),
        )
        .into()),
    }
}

/// A handler, type-erased so that the emulated and the not-emulated operations register alike.
type Handler = Box<dyn Fn(Request) -> BoxFuture<Response> + Send + Sync>;

/// Lists the emulated operations once: `Operation => ControlPlane method`. Generates
/// [`EMULATED`] and `emulated`, which builds the handler of one of them.
macro_rules! emulated_operations {
    ($($operation:ident => $method:ident,)*) => {
        /// The control-plane operations served by [`ControlPlane`] (the same set as
        /// [`EMULATED_OPERATIONS`](crate::control::EMULATED_OPERATIONS)).
        pub const EMULATED: &[ControlOperation] = &[$(ControlOperation::$operation),*];

        /// The handler of `operation` if the control plane emulates it.
        fn emulated(operation: ControlOperation, plane: &Arc<ControlPlane>) -> Option<Handler> {
            match operation {
                $(ControlOperation::$operation => {
                    Some(serve::<op::$operation>(operation, plane.clone(), ControlPlane::$method))
                })*
                _ => None,
            }
        }
    };
}

emulated_operations! {
    ListFoundationModels => list_foundation_models,
    GetFoundationModel => get_foundation_model,
    ListInferenceProfiles => list_inference_profiles,
    GetInferenceProfile => get_inference_profile,
    CreateInferenceProfile => create_inference_profile,
    DeleteInferenceProfile => delete_inference_profile,
    CreateGuardrail => create_guardrail,
    GetGuardrail => get_guardrail,
    ListGuardrails => list_guardrails,
    UpdateGuardrail => update_guardrail,
    DeleteGuardrail => delete_guardrail,
    CreateGuardrailVersion => create_guardrail_version,
    CreateModelInvocationJob => create_model_invocation_job,
    GetModelInvocationJob => get_model_invocation_job,
    ListModelInvocationJobs => list_model_invocation_jobs,
    StopModelInvocationJob => stop_model_invocation_job,
    CreateProvisionedModelThroughput => create_provisioned_model_throughput,
    GetProvisionedModelThroughput => get_provisioned_model_throughput,
    ListProvisionedModelThroughputs => list_provisioned_model_throughputs,
    UpdateProvisionedModelThroughput => update_provisioned_model_throughput,
    DeleteProvisionedModelThroughput => delete_provisioned_model_throughput,
    TagResource => tag_resource,
    UntagResource => untag_resource,
    ListTagsForResource => list_tags_for_resource,
}

/// A `ControlPlane` method: typed input in, typed output or the operation's error enum out.
type PlaneMethod<O> = fn(
    &ControlPlane,
    &<O as bedrock_wire::Operation>::Input,
) -> Result<<O as bedrock_wire::Operation>::Output, <O as bedrock_wire::Operation>::Error>;

/// The handler of an emulated operation `O`: parse the request, call `method`, write the answer.
fn serve<O>(operation: ControlOperation, plane: Arc<ControlPlane>, method: PlaneMethod<O>) -> Handler
where
    O: ServerOperation + 'static,
{
    Box::new(move |request: Request| -> BoxFuture<Response> {
        let plane = plane.clone();
        Box::pin(async move {
            let (http, request_id) = match collect(request).await {
                Ok(collected) => collected,
                Err(response) => return response,
            };
            let Some(labels) = labels(operation, &http) else {
                // The core matched the path, but a label is not valid percent-encoded UTF-8.
                return ServiceError::unknown_operation().into();
            };
            let input = match O::parse_request(&http, &labels) {
                Ok(input) => input,
                Err(bad) => return bad.to_response(&request_id).into(),
            };
            match method(&plane, &input) {
                Ok(output) => O::build_response(&output)
                    .unwrap_or_else(|_| unhandled_error(&request_id))
                    .into(),
                Err(error) => O::build_error(&error, &request_id).into(),
            }
        })
    })
}

/// The handler of an operation the emulator does not implement.
fn not_emulated_handler(operation: ControlOperation) -> Handler {
    Box::new(move |_request: Request| -> BoxFuture<Response> {
        Box::pin(async move { not_emulated_response(&not_emulated(operation.name())) })
    })
}

/// The URI labels of `operation`'s route in `request`, decoded as the generated router does.
fn labels(operation: ControlOperation, request: &http::Request<Bytes>) -> Option<Labels> {
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    operation.route().matches(request.method(), target)
}

/// The route's path template in the [`Router`]'s syntax: `/guardrails/{guardrailIdentifier}`.
fn pattern(route: &Route) -> String {
    if route.segments.is_empty() {
        return "/".to_owned();
    }
    route
        .segments
        .iter()
        .map(|segment| match segment {
            Segment::Literal(text) => format!("/{text}"),
            Segment::Label(name) => format!("/{{{name}}}"),
            Segment::Greedy(name) => format!("/{{{name}+}}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::{ControlPlaneConfig, EMULATED_OPERATIONS};
    use crate::server::CONTROL_OPERATIONS;

    fn router() -> Router {
        register(Router::new(), Arc::new(ControlPlane::new(ControlPlaneConfig::new())))
    }

    /// A path the route matches, with every label filled in.
    fn sample_path(route: &Route) -> String {
        route
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Literal(text) => format!("/{text}"),
                Segment::Label(_) => "/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ax%2Fy".to_owned(),
                Segment::Greedy(_) => "/a/b".to_owned(),
            })
            .collect()
    }

    #[test]
    fn every_operation_routes_to_itself() {
        let router = router();
        assert_eq!(ControlOperation::ALL.len(), 108);
        for &operation in ControlOperation::ALL {
            let route = operation.route();
            let method = Method::from_bytes(route.method.as_bytes()).unwrap();
            let path = sample_path(route);
            let (name, _) = router.match_path(&method, &path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(name, operation.name(), "{} {path}", route.method);
            let (generated, _) = bedrock_control_types::server::route(&method, &path).unwrap();
            assert_eq!(generated, operation, "{path}");
        }
    }

    #[test]
    fn the_emulated_operations_are_those_the_control_plane_lists() {
        let mut ours: Vec<&str> = EMULATED.iter().map(|o| o.name()).collect();
        let mut theirs = EMULATED_OPERATIONS.to_vec();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    /// The core's own table (`Router::operation`) and the generated routes agree.
    #[test]
    fn the_core_table_matches_the_generated_routes() {
        assert_eq!(CONTROL_OPERATIONS.len(), ControlOperation::ALL.len());
        for &operation in ControlOperation::ALL {
            let (_, method, path) = CONTROL_OPERATIONS
                .iter()
                .find(|(name, ..)| *name == operation.name())
                .unwrap_or_else(|| panic!("{} missing from CONTROL_OPERATIONS", operation.name()));
            assert_eq!(*method, operation.route().method, "{}", operation.name());
            assert_eq!(*path, pattern(operation.route()), "{}", operation.name());
        }
    }

    async fn answer(router: &Router, method: &str, uri: &str, body: &'static [u8]) -> (StatusCode, serde_json::Value) {
        let request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(Bytes::from_static(body))
            .unwrap();
        let response = crate::server::Service::call(router, Request::from_http(request, "rid")).await;
        let crate::server::ResponseBody::Bytes(body) = response.body else {
            panic!("not a JSON body")
        };
        (response.parts.status, serde_json::from_slice(&body).unwrap())
    }

    /// Bad input never panics: a label that is not UTF-8 once decoded (no route, as for the
    /// generated router), a body that is not JSON, a query pair that does not decode (left out).
    #[tokio::test]
    async fn bad_requests_get_errors() {
        let router = router();
        let (status, _) = answer(&router, "GET", "/guardrails/%FF%FE", b"").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = answer(&router, "POST", "/guardrails", b"[1,").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["message"].as_str().unwrap().contains("request body"), "{body}");
        let (status, _) = answer(&router, "GET", "/foundation-models?byProvider=%", b"").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_not_emulated_operation_answers_501() {
        let router = router();
        let request = http::Request::builder()
            .method("POST")
            .uri("/model-customization-jobs")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        let response = crate::server::Service::call(&router, Request::from_http(request, "rid")).await;
        assert_eq!(response.status(), StatusCode::NOT_IMPLEMENTED);
        let crate::server::ResponseBody::Bytes(body) = response.body else {
            panic!("not a JSON body")
        };
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("CreateModelCustomizationJob"), "{message}");
    }
}
