//! [`JsonCall`] and [`StreamingCall`]: what the client methods return, to `.await` after
//! changing the route prefix, parameters or settings for that call only.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use bedrock_config::{Config, JsonSdkError, ServiceClient};
use bedrock_endpoint::MantleRoute;
use bedrock_mantle_types::JsonOperation;

use crate::stream::{EventStream, StreamOperation};

/// The prefix of `route` on `client`'s endpoint (after any override), else the route's
/// standard prefix (`/v1`, `/openai/v1`, `/anthropic/v1`): bedrock-runtime's endpoint names no
/// routes and serves the OpenAI APIs under `/openai/v1`.
pub fn route_prefix(client: &ServiceClient, route: MantleRoute) -> String {
    if let Some(prefix) = client.endpoint().ok().and_then(|e| e.route_prefix(route)) {
        return prefix.to_owned();
    }
    match route {
        MantleRoute::V1 => "/v1",
        MantleRoute::OpenAi => "/openai/v1",
        _ => "/anthropic/v1",
    }
    .to_owned()
}

macro_rules! call_common {
    ($name:ident) => {
        impl<O: JsonOperation> $name<O> {
            /// A call of `O` on `client` under route prefix `prefix`.
            pub fn new(client: ServiceClient, prefix: impl Into<String>, params: O::Params, body: O::Body) -> Self {
                $name {
                    client,
                    prefix: prefix.into(),
                    params,
                    body,
                }
            }

            /// Sends this call under the prefix of `route` instead (the route a model is served
            /// on: `MantleRoute::OpenAi` for models on `/openai/v1`).
            pub fn route(mut self, route: MantleRoute) -> Self {
                self.prefix = route_prefix(&self.client, route);
                self
            }

            /// Sends this call under route prefix `prefix` instead (such as `/openai/v1`).
            pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
                self.prefix = prefix.into();
                self
            }

            /// The route prefix the call is sent under.
            pub fn route_prefix(&self) -> &str {
                &self.prefix
            }

            /// Replaces the path, query and header parameters (for example Anthropic's
            /// `anthropic-beta`, or `OpenAI-Project`).
            pub fn params(mut self, params: O::Params) -> Self {
                self.params = params;
                self
            }

            /// The parameters, to change them before sending.
            pub fn params_mut(&mut self) -> &mut O::Params {
                &mut self.params
            }

            /// The request body, to change it before sending.
            pub fn body_mut(&mut self) -> &mut O::Body {
                &mut self.body
            }

            /// Changes the configuration for this call only (endpoint, auth, retries, timeouts...).
            pub fn customize(mut self, f: impl FnOnce(&Config) -> Config) -> Self {
                self.client = self.client.with_config(f);
                self
            }

            /// The request as it will be sent, before signing (the sans-IO half of the call).
            pub fn build_request(&self) -> Result<http::Request<bytes::Bytes>, JsonSdkError<O>> {
                self.client
                    .build_json_request::<O>(&self.prefix, &self.params, &self.body)
            }
        }

        impl<O: JsonOperation> fmt::Debug for $name<O>
        where
            O::Params: fmt::Debug,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("operation", &O::OPERATION_ID)
                    .field("prefix", &self.prefix)
                    .field("params", &self.params)
                    .finish_non_exhaustive()
            }
        }
    };
}

/// A call of JSON operation `O`, ready to send: `.await` it (it implements [`IntoFuture`]).
#[must_use = "a call does nothing until it is awaited"]
pub struct JsonCall<O: JsonOperation> {
    pub(crate) client: ServiceClient,
    pub(crate) prefix: String,
    pub(crate) params: O::Params,
    pub(crate) body: O::Body,
}

call_common!(JsonCall);

impl<O> JsonCall<O>
where
    O: JsonOperation,
    O::Error: fmt::Debug + Send + Sync + 'static,
{
    /// Sends the call (the same as `.await`).
    pub async fn send(self) -> Result<O::Output, JsonSdkError<O>> {
        self.client.call_json::<O>(&self.prefix, &self.params, &self.body).await
    }
}

impl<O> IntoFuture for JsonCall<O>
where
    O: JsonOperation + 'static,
    O::Params: Send + Sync + 'static,
    O::Body: Send + Sync + 'static,
    O::Output: Send + 'static,
    O::Error: fmt::Debug + Send + Sync + 'static,
{
    type Output = Result<O::Output, JsonSdkError<O>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A streaming call of operation `O`, ready to send: `.await` it to get the
/// [`EventStream`] once the response head arrives (retries happen only before that).
#[must_use = "a call does nothing until it is awaited"]
pub struct StreamingCall<O: JsonOperation> {
    client: ServiceClient,
    prefix: String,
    params: O::Params,
    body: O::Body,
}

call_common!(StreamingCall);

impl<O> StreamingCall<O>
where
    O: StreamOperation,
    O::Error: fmt::Debug + Send + Sync + 'static,
{
    /// Sends the call (the same as `.await`).
    pub async fn send(self) -> Result<EventStream<O>, JsonSdkError<O>> {
        let response = self
            .client
            .send_json_streaming::<O>(&self.prefix, &self.params, &self.body)
            .await?;
        Ok(EventStream::new(response))
    }
}

impl<O> IntoFuture for StreamingCall<O>
where
    O: StreamOperation + 'static,
    O::Params: Send + Sync + 'static,
    O::Body: Send + Sync + 'static,
    O::Error: fmt::Debug + Send + Sync + 'static,
{
    type Output = Result<EventStream<O>, JsonSdkError<O>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
