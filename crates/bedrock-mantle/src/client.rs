//! [`Client`] (bedrock-mantle) and the API views [`OpenAi`] and [`Anthropic`], which the
//! runtime client reuses for its `/openai/v1` routes.

use bedrock_config::{Config, Service, ServiceClient};
use bedrock_endpoint::MantleRoute;
use bedrock_mantle_types::anthropic::operation::{
    CountMessageTokens, CountMessageTokensParams, CreateMessage, CreateMessageParams,
};
use bedrock_mantle_types::anthropic::{CountTokensRequest, CreateMessageRequest};
use bedrock_mantle_types::openai::operation::{
    CancelResponse, CancelResponseParams, CreateChatCompletion, CreateChatCompletionParams, CreateResponse,
    CreateResponseParams, DeleteResponse, DeleteResponseParams, ListInputItems, ListInputItemsParams, ListModels,
    ListModelsParams, RetrieveModel, RetrieveModelParams, RetrieveResponse, RetrieveResponseParams,
};
use bedrock_mantle_types::openai::{CreateChatCompletionRequest, CreateResponseRequest};
use bedrock_mantle_types::NoBody;

use crate::call::{route_prefix, JsonCall, StreamingCall};
use crate::pages::InputItemPages;
use crate::wait::WaitForResponse;

/// The OpenAI-compatible APIs (Responses, Chat Completions, Models) of one endpoint under one
/// route prefix: bedrock-mantle's `/v1` or `/openai/v1`, or bedrock-runtime's `/openai/v1`.
/// Every call can change the prefix with `.route(..)` or `.prefix(..)`. Cheap to clone.
#[derive(Clone, Debug)]
pub struct OpenAi {
    client: ServiceClient,
    prefix: String,
}

impl OpenAi {
    /// The OpenAI APIs of `client` under `prefix` (such as `/openai/v1`).
    pub fn new(client: ServiceClient, prefix: impl Into<String>) -> Self {
        OpenAi {
            client,
            prefix: prefix.into(),
        }
    }

    /// The underlying service client.
    pub fn service_client(&self) -> &ServiceClient {
        &self.client
    }

    /// The route prefix calls are sent under unless they say otherwise.
    pub fn route_prefix(&self) -> &str {
        &self.prefix
    }

    fn call<O: bedrock_mantle_types::JsonOperation>(&self, params: O::Params, body: O::Body) -> JsonCall<O> {
        JsonCall::new(self.client.clone(), self.prefix.clone(), params, body)
    }

    /// `POST /responses` (`createResponse`): a response, or with `background: true` a
    /// queued one to poll with [`wait_for_response`](Self::wait_for_response).
    pub fn create_response(&self, body: CreateResponseRequest) -> JsonCall<CreateResponse> {
        self.call(CreateResponseParams::new(), body)
    }

    /// `POST /responses` with `stream: true`: the response's events as they happen.
    pub fn create_response_stream(&self, mut body: CreateResponseRequest) -> StreamingCall<CreateResponse> {
        body.stream = Some(Some(true));
        StreamingCall::new(
            self.client.clone(),
            self.prefix.clone(),
            CreateResponseParams::new(),
            body,
        )
    }

    /// `GET /responses/{response_id}` (`retrieveResponse`).
    pub fn retrieve_response(&self, response_id: impl Into<String>) -> JsonCall<RetrieveResponse> {
        self.call(RetrieveResponseParams::new(response_id), NoBody)
    }

    /// `GET /responses/{response_id}?stream=true`: the events of a background response,
    /// replayed from after sequence number `starting_after` (from the start when `None`).
    pub fn retrieve_response_stream(
        &self,
        response_id: impl Into<String>,
        starting_after: Option<i64>,
    ) -> StreamingCall<RetrieveResponse> {
        let mut params = RetrieveResponseParams::new(response_id).with_stream(true);
        params.starting_after = starting_after;
        StreamingCall::new(self.client.clone(), self.prefix.clone(), params, NoBody)
    }

    /// `DELETE /responses/{response_id}` (`deleteResponse`).
    pub fn delete_response(&self, response_id: impl Into<String>) -> JsonCall<DeleteResponse> {
        self.call(DeleteResponseParams::new(response_id), NoBody)
    }

    /// `POST /responses/{response_id}/cancel` (`cancelResponse`): cancels a background response.
    pub fn cancel_response(&self, response_id: impl Into<String>) -> JsonCall<CancelResponse> {
        self.call(CancelResponseParams::new(response_id), NoBody)
    }

    /// `GET /responses/{response_id}/input_items` (`listInputItems`), one page.
    pub fn list_input_items(&self, params: ListInputItemsParams) -> JsonCall<ListInputItems> {
        self.call(params, NoBody)
    }

    /// `listInputItems` across pages, following the `after` cursor (`last_id` while
    /// `has_more`): a stream of pages, or of items with `.items()`.
    pub fn list_input_items_paginator(&self, params: ListInputItemsParams) -> InputItemPages {
        InputItemPages::new(self.list_input_items(params))
    }

    /// Polls `retrieveResponse` until the response is no longer `queued` or `in_progress`,
    /// sleeping on the configuration's clock between polls.
    pub fn wait_for_response(&self, response_id: impl Into<String>) -> WaitForResponse {
        WaitForResponse::new(self.retrieve_response(response_id))
    }

    /// `POST /chat/completions` (`createChatCompletion`).
    pub fn create_chat_completion(&self, body: CreateChatCompletionRequest) -> JsonCall<CreateChatCompletion> {
        self.call(CreateChatCompletionParams::new(), body)
    }

    /// `POST /chat/completions` with `stream: true`: the completion's chunks. Set
    /// `stream_options.include_usage` in the body for the final usage chunk.
    pub fn create_chat_completion_stream(
        &self,
        mut body: CreateChatCompletionRequest,
    ) -> StreamingCall<CreateChatCompletion> {
        body.stream = Some(Some(true));
        StreamingCall::new(
            self.client.clone(),
            self.prefix.clone(),
            CreateChatCompletionParams::new(),
            body,
        )
    }

    /// `GET /models` (`listModels`).
    pub fn list_models(&self) -> JsonCall<ListModels> {
        self.call(ListModelsParams::new(), NoBody)
    }

    /// `GET /models/{model}` (`retrieveModel`).
    pub fn retrieve_model(&self, model: impl Into<String>) -> JsonCall<RetrieveModel> {
        self.call(RetrieveModelParams::new(model), NoBody)
    }
}

/// The Anthropic Messages API of bedrock-mantle (`/anthropic/v1`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Anthropic {
    client: ServiceClient,
    prefix: String,
}

impl Anthropic {
    /// The Messages API of `client` under `prefix` (such as `/anthropic/v1`).
    pub fn new(client: ServiceClient, prefix: impl Into<String>) -> Self {
        Anthropic {
            client,
            prefix: prefix.into(),
        }
    }

    /// The route prefix calls are sent under unless they say otherwise.
    pub fn route_prefix(&self) -> &str {
        &self.prefix
    }

    /// `POST /messages` (`createMessage`), with `anthropic-version: 2023-06-01`; change the
    /// headers with `.params(..)`.
    pub fn create_message(&self, body: CreateMessageRequest) -> JsonCall<CreateMessage> {
        JsonCall::new(
            self.client.clone(),
            self.prefix.clone(),
            CreateMessageParams::new(),
            body,
        )
    }

    /// `POST /messages` with `stream: true`: the message's events.
    pub fn create_message_stream(&self, mut body: CreateMessageRequest) -> StreamingCall<CreateMessage> {
        body.stream = Some(true);
        StreamingCall::new(
            self.client.clone(),
            self.prefix.clone(),
            CreateMessageParams::new(),
            body,
        )
    }

    /// `POST /messages/count_tokens` (`countMessageTokens`).
    pub fn count_tokens(&self, body: CountTokensRequest) -> JsonCall<CountMessageTokens> {
        JsonCall::new(
            self.client.clone(),
            self.prefix.clone(),
            CountMessageTokensParams::new(),
            body,
        )
    }
}

/// A bedrock-mantle client: the OpenAI-compatible APIs under `/v1` (or `/openai/v1` per call,
/// `.route(MantleRoute::OpenAi)`), and the Anthropic Messages API under `/anthropic/v1`. The
/// prefixes come from the resolved endpoint. Cheap to clone (one `Arc`); `Send + Sync`.
///
/// Auth is the configuration's: SigV4 with signing name `bedrock-mantle`, or a bearer API key
/// (explicit, `AWS_BEARER_TOKEN_BEDROCK`, or a short-term key from
/// `bedrock_auth::generate_short_term_api_key`).
#[derive(Clone, Debug)]
pub struct Client {
    inner: ServiceClient,
}

impl Client {
    /// A client with the settings of `config`.
    pub fn new(config: &Config) -> Self {
        Client {
            inner: ServiceClient::new(config, Service::BedrockMantle),
        }
    }

    /// The underlying service client.
    pub fn service_client(&self) -> &ServiceClient {
        &self.inner
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.inner.config()
    }

    /// The resolved prefix of `route` (`/v1`, `/openai/v1`, `/anthropic/v1`, or an override).
    pub fn route_prefix(&self, route: MantleRoute) -> String {
        route_prefix(&self.inner, route)
    }

    /// The OpenAI-compatible APIs under `/v1`.
    pub fn openai(&self) -> OpenAi {
        self.openai_on(MantleRoute::V1)
    }

    /// The OpenAI-compatible APIs under `route`'s prefix (`MantleRoute::OpenAi` for `/openai/v1`).
    pub fn openai_on(&self, route: MantleRoute) -> OpenAi {
        OpenAi::new(self.inner.clone(), self.route_prefix(route))
    }

    /// The Anthropic Messages API under `/anthropic/v1`.
    pub fn anthropic(&self) -> Anthropic {
        Anthropic::new(self.inner.clone(), self.route_prefix(MantleRoute::Anthropic))
    }

    /// [`OpenAi::create_response`] under `/v1`.
    pub fn create_response(&self, body: CreateResponseRequest) -> JsonCall<CreateResponse> {
        self.openai().create_response(body)
    }

    /// [`OpenAi::create_response_stream`] under `/v1`.
    pub fn create_response_stream(&self, body: CreateResponseRequest) -> StreamingCall<CreateResponse> {
        self.openai().create_response_stream(body)
    }

    /// [`OpenAi::retrieve_response`] under `/v1`.
    pub fn retrieve_response(&self, response_id: impl Into<String>) -> JsonCall<RetrieveResponse> {
        self.openai().retrieve_response(response_id)
    }

    /// [`OpenAi::retrieve_response_stream`] under `/v1`.
    pub fn retrieve_response_stream(
        &self,
        response_id: impl Into<String>,
        starting_after: Option<i64>,
    ) -> StreamingCall<RetrieveResponse> {
        self.openai().retrieve_response_stream(response_id, starting_after)
    }

    /// [`OpenAi::delete_response`] under `/v1`.
    pub fn delete_response(&self, response_id: impl Into<String>) -> JsonCall<DeleteResponse> {
        self.openai().delete_response(response_id)
    }

    /// [`OpenAi::cancel_response`] under `/v1`.
    pub fn cancel_response(&self, response_id: impl Into<String>) -> JsonCall<CancelResponse> {
        self.openai().cancel_response(response_id)
    }

    /// [`OpenAi::list_input_items`] under `/v1`.
    pub fn list_input_items(&self, params: ListInputItemsParams) -> JsonCall<ListInputItems> {
        self.openai().list_input_items(params)
    }

    /// [`OpenAi::list_input_items_paginator`] under `/v1`.
    pub fn list_input_items_paginator(&self, params: ListInputItemsParams) -> InputItemPages {
        self.openai().list_input_items_paginator(params)
    }

    /// [`OpenAi::wait_for_response`] under `/v1`.
    pub fn wait_for_response(&self, response_id: impl Into<String>) -> WaitForResponse {
        self.openai().wait_for_response(response_id)
    }

    /// [`OpenAi::create_chat_completion`] under `/v1`.
    pub fn create_chat_completion(&self, body: CreateChatCompletionRequest) -> JsonCall<CreateChatCompletion> {
        self.openai().create_chat_completion(body)
    }

    /// [`OpenAi::create_chat_completion_stream`] under `/v1`.
    pub fn create_chat_completion_stream(
        &self,
        body: CreateChatCompletionRequest,
    ) -> StreamingCall<CreateChatCompletion> {
        self.openai().create_chat_completion_stream(body)
    }

    /// [`OpenAi::list_models`] under `/v1`.
    pub fn list_models(&self) -> JsonCall<ListModels> {
        self.openai().list_models()
    }

    /// [`OpenAi::retrieve_model`] under `/v1`.
    pub fn retrieve_model(&self, model: impl Into<String>) -> JsonCall<RetrieveModel> {
        self.openai().retrieve_model(model)
    }

    /// [`Anthropic::create_message`] under `/anthropic/v1`.
    pub fn create_message(&self, body: CreateMessageRequest) -> JsonCall<CreateMessage> {
        self.anthropic().create_message(body)
    }

    /// [`Anthropic::create_message_stream`] under `/anthropic/v1`.
    pub fn create_message_stream(&self, body: CreateMessageRequest) -> StreamingCall<CreateMessage> {
        self.anthropic().create_message_stream(body)
    }

    /// [`Anthropic::count_tokens`] under `/anthropic/v1`.
    pub fn count_tokens(&self, body: CountTokensRequest) -> JsonCall<CountMessageTokens> {
        self.anthropic().count_tokens(body)
    }
}
