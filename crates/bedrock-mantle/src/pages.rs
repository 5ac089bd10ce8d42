//! [`InputItemPages`] and [`InputItems`]: `listInputItems` across pages.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bedrock_config::{JsonSdkError, ServiceClient};
use bedrock_mantle_types::openai::operation::{ListInputItems, ListInputItemsParams};
use bedrock_mantle_types::openai::{InputItem, InputItemList};
use bedrock_mantle_types::NoBody;
use futures_core::stream::{FusedStream, Stream};

use crate::call::JsonCall;

type PageResult = Result<InputItemList, JsonSdkError<ListInputItems>>;

/// The pages of `listInputItems`, as a [`Stream`] of `Result<InputItemList, _>`: the first
/// page with the parameters given, then one per `after` cursor (the previous page's
/// `last_id`) while `has_more` is true. It stops after an error, at a page without a
/// `last_id`, and when the service repeats a cursor (rather than looping forever).
pub struct InputItemPages {
    client: ServiceClient,
    prefix: String,
    next: Option<ListInputItemsParams>,
    in_flight: Option<ListInputItemsParams>,
    pending: Option<Pin<Box<dyn Future<Output = PageResult> + Send>>>,
}

impl InputItemPages {
    pub(crate) fn new(call: JsonCall<ListInputItems>) -> Self {
        InputItemPages {
            client: call.client,
            prefix: call.prefix,
            next: Some(call.params),
            in_flight: None,
            pending: None,
        }
    }

    /// The items of every page, in order, as a stream.
    pub fn items(self) -> InputItems {
        InputItems {
            pages: self,
            buffer: VecDeque::new(),
        }
    }
}

impl Unpin for InputItemPages {}

impl Stream for InputItemPages {
    type Item = PageResult;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<PageResult>> {
        let this = &mut *self;
        if this.pending.is_none() {
            let Some(params) = this.next.take() else {
                return Poll::Ready(None);
            };
            let client = this.client.clone();
            let prefix = this.prefix.clone();
            let request = params.clone();
            this.pending = Some(Box::pin(async move {
                client.call_json::<ListInputItems>(&prefix, &request, &NoBody).await
            }));
            this.in_flight = Some(params);
        }
        let result = ready!(this.pending.as_mut().expect("a page is pending").as_mut().poll(cx));
        this.pending = None;
        let sent = this.in_flight.take();
        if let (Ok(page), Some(mut params)) = (&result, sent) {
            if let (true, Some(Some(last))) = (page.has_more, &page.last_id) {
                if params.after.as_deref() != Some(last.as_str()) {
                    params.after = Some(last.clone());
                    this.next = Some(params);
                }
            }
        }
        Poll::Ready(Some(result))
    }
}

impl FusedStream for InputItemPages {
    fn is_terminated(&self) -> bool {
        self.pending.is_none() && self.next.is_none()
    }
}

impl fmt::Debug for InputItemPages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputItemPages")
            .field("prefix", &self.prefix)
            .field("next", &self.next)
            .field("pending", &self.pending.is_some())
            .finish()
    }
}

/// The items of [`InputItemPages`], in order, as a [`Stream`] of `Result<InputItem, _>`.
pub struct InputItems {
    pages: InputItemPages,
    buffer: VecDeque<InputItem>,
}

impl Unpin for InputItems {}

impl Stream for InputItems {
    type Item = Result<InputItem, JsonSdkError<ListInputItems>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(Pin::new(&mut self.pages).poll_next(cx)) {
                Some(Ok(page)) => self.buffer.extend(page.data),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl fmt::Debug for InputItems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputItems")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}
