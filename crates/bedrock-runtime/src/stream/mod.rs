//! Reading streaming responses: typed events, their text, and the whole response rebuilt.
//!
//! - [`EventReceiver`]: the events of a streaming response body, decoded as they arrive, with
//!   typed [`StreamError`]s (the service's exception, a malformed event, corrupt framing, a
//!   failed connection). [`ConverseStreamReceiver`], [`ResponseStreamReceiver`] and
//!   [`BidirectionalStreamReceiver`] name it for the three streaming operations.
//! - [`TextDeltas`] ([`ConverseStreamReceiver::text_deltas`]): only the text the model writes.
//! - [`MessageAccumulator`]: sans-IO; rebuilds from ConverseStream events the same
//!   [`ConverseResponse`](bedrock_runtime_types::types::ConverseResponse) a non-streaming
//!   `Converse` call returns.
//!
//! Framing is the transport's [`MessageDecoder`](bedrock_transport::event_stream::MessageDecoder);
//! each message becomes an event through the generated `from_message` functions.

mod accumulator;
mod receiver;
mod text;

#[cfg(test)]
mod tests;

pub use accumulator::{AccumulateError, MessageAccumulator};
pub use receiver::{DecodeFn, EventReceiver, StreamError};
pub use text::TextDeltas;

use bedrock_runtime_types::event_stream::{
    ConverseStreamOutput, ConverseStreamOutputError, InvokeModelWithBidirectionalStreamOutput,
    InvokeModelWithBidirectionalStreamOutputError, ResponseStream, ResponseStreamError,
};

/// The events of a `ConverseStream` response; decode with
/// [`ConverseStreamOutput::from_message`].
pub type ConverseStreamReceiver = EventReceiver<ConverseStreamOutput, ConverseStreamOutputError>;

/// The events of an `InvokeModelWithResponseStream` response (the model's own JSON, in
/// chunks); decode with [`ResponseStream::from_message`].
pub type ResponseStreamReceiver = EventReceiver<ResponseStream, ResponseStreamError>;

/// The output events of an `InvokeModelWithBidirectionalStream` call; decode with
/// [`InvokeModelWithBidirectionalStreamOutput::from_message`].
pub type BidirectionalStreamReceiver =
    EventReceiver<InvokeModelWithBidirectionalStreamOutput, InvokeModelWithBidirectionalStreamOutputError>;
