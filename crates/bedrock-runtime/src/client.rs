//! The runtime [`Client`].

use bedrock_config::{Call, Config, Paginator, Service, ServiceClient};
use bedrock_runtime_types::operation::{
    ApplyGuardrail, Converse, ConverseStream, CountTokens, GetAsyncInvoke, InvokeGuardrailChecks, InvokeModel,
    InvokeModelWithResponseStream, ListAsyncInvokes, StartAsyncInvoke,
};
use bedrock_runtime_types::types::{
    ApplyGuardrailRequest, ConverseRequest, ConverseStreamRequest, CountTokensRequest, GetAsyncInvokeRequest,
    InvokeGuardrailChecksRequest, InvokeModelRequest, InvokeModelWithBidirectionalStreamRequest,
    InvokeModelWithResponseStreamRequest, ListAsyncInvokesRequest, StartAsyncInvokeRequest,
};

use crate::bidi::BidirectionalStreamCall;
use crate::streaming::StreamCall;

/// A Bedrock Runtime client. Cheap to clone (one `Arc`); `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Client {
    inner: ServiceClient,
}

impl Client {
    /// A client with the settings of `config`.
    pub fn new(config: &Config) -> Self {
        Client {
            inner: ServiceClient::new(config, Service::BedrockRuntime),
        }
    }

    /// The underlying service client: call any runtime operation by type, or build its
    /// request without sending it.
    pub fn service_client(&self) -> &ServiceClient {
        &self.inner
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.inner.config()
    }

    /// `Converse`: a conversation turn with any model, in one message format.
    pub fn converse(&self, input: ConverseRequest) -> Call<Converse> {
        Call::new(self.inner.clone(), input)
    }

    /// `ConverseStream`: a conversation turn whose answer streams back as events.
    ///
    /// Resolves once the response head arrives (retries happen only before that) to a
    /// [`ConverseStreamingOutput`](crate::ConverseStreamingOutput): read `.events` (typed
    /// events; a modeled exception mid-stream is a typed
    /// [`StreamError::Exception`](crate::stream::StreamError::Exception)), or only the text
    /// with `.events.text_deltas()`, or rebuild the whole answer with a
    /// [`MessageAccumulator`](crate::stream::MessageAccumulator).
    pub fn converse_stream(&self, input: ConverseStreamRequest) -> StreamCall<ConverseStream> {
        StreamCall::new(self.inner.clone(), input)
    }

    /// `InvokeModelWithResponseStream`: a model-specific request body in, the model's own
    /// streaming format out, one `chunk` event per piece. Resolves like
    /// [`converse_stream`](Self::converse_stream), to an
    /// [`InvokeModelStreamingOutput`](crate::InvokeModelStreamingOutput).
    pub fn invoke_model_with_response_stream(
        &self,
        input: InvokeModelWithResponseStreamRequest,
    ) -> StreamCall<InvokeModelWithResponseStream> {
        StreamCall::new(self.inner.clone(), input)
    }

    /// `InvokeModelWithBidirectionalStream`: input events up, output events down, over one
    /// HTTP/2 request. See [`BidirectionalStream`](crate::BidirectionalStream) for the halves
    /// and how the exchange ends.
    ///
    /// Needs an HTTP client that speaks HTTP/2: the default one negotiates it over TLS; for a
    /// plain `http://` endpoint (bedrock-local), build the client with
    /// `HttpVersionPolicy::Http2Only` (prior knowledge).
    pub fn invoke_model_with_bidirectional_stream(
        &self,
        input: InvokeModelWithBidirectionalStreamRequest,
    ) -> BidirectionalStreamCall {
        BidirectionalStreamCall::new(self.inner.clone(), input)
    }

    /// `InvokeModel`: a model-specific request body in, the model's response body out.
    pub fn invoke_model(&self, input: InvokeModelRequest) -> Call<InvokeModel> {
        Call::new(self.inner.clone(), input)
    }

    /// `ApplyGuardrail`: evaluates content against a guardrail without invoking a model.
    pub fn apply_guardrail(&self, input: ApplyGuardrailRequest) -> Call<ApplyGuardrail> {
        Call::new(self.inner.clone(), input)
    }

    /// `InvokeGuardrailChecks`.
    pub fn invoke_guardrail_checks(&self, input: InvokeGuardrailChecksRequest) -> Call<InvokeGuardrailChecks> {
        Call::new(self.inner.clone(), input)
    }

    /// `CountTokens`: the number of input tokens a request would use.
    pub fn count_tokens(&self, input: CountTokensRequest) -> Call<CountTokens> {
        Call::new(self.inner.clone(), input)
    }

    /// `StartAsyncInvoke` (its client request token is filled when unset).
    pub fn start_async_invoke(&self, input: StartAsyncInvokeRequest) -> Call<StartAsyncInvoke> {
        Call::new(self.inner.clone(), input)
    }

    /// `GetAsyncInvoke`.
    pub fn get_async_invoke(&self, input: GetAsyncInvokeRequest) -> Call<GetAsyncInvoke> {
        Call::new(self.inner.clone(), input)
    }

    /// `ListAsyncInvokes`, one page.
    pub fn list_async_invokes(&self, input: ListAsyncInvokesRequest) -> Call<ListAsyncInvokes> {
        Call::new(self.inner.clone(), input)
    }

    /// `ListAsyncInvokes` across pages: `.pages()` or `.items()` streams.
    pub fn list_async_invokes_paginator(&self, input: ListAsyncInvokesRequest) -> Paginator<ListAsyncInvokes> {
        Paginator::new(self.inner.clone(), input)
    }

    /// The OpenAI-compatible Chat Completions and Responses APIs of bedrock-runtime, under
    /// `/openai/v1`, signed like every runtime call (SigV4 signing name `bedrock`, or the API
    /// key). The same implementation and models as bedrock-mantle's
    /// [`OpenAi`](bedrock_mantle::OpenAi) view; the Models API and `cancelResponse` are not
    /// served here.
    #[cfg(feature = "openai")]
    pub fn openai(&self) -> bedrock_mantle::OpenAi {
        bedrock_mantle::OpenAi::new(self.inner.clone(), OPENAI_PREFIX)
    }
}

/// The route prefix of bedrock-runtime's OpenAI-compatible APIs.
#[cfg(feature = "openai")]
pub const OPENAI_PREFIX: &str = "/openai/v1";
