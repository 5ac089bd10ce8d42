//! The runtime [`Client`].

use bedrock_config::{Call, Config, Paginator, Service, ServiceClient};
use bedrock_runtime_types::operation::{
    ApplyGuardrail, Converse, CountTokens, GetAsyncInvoke, InvokeGuardrailChecks, InvokeModel, ListAsyncInvokes,
    StartAsyncInvoke,
};
use bedrock_runtime_types::types::{
    ApplyGuardrailRequest, ConverseRequest, CountTokensRequest, GetAsyncInvokeRequest, InvokeGuardrailChecksRequest,
    InvokeModelRequest, ListAsyncInvokesRequest, StartAsyncInvokeRequest,
};

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
}
