//! Paginated list operations as streams of pages and of items.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bedrock_wire::{MalformedResponse, OperationError, Paginated};
use futures_core::Stream;

use crate::client::ServiceClient;
use crate::error::SdkError;

type PageFuture<O> = Pin<
    Box<
        dyn Future<
                Output = Result<
                    <O as bedrock_wire::Operation>::Output,
                    SdkError<<O as bedrock_wire::Operation>::Error>,
                >,
            > + Send,
    >,
>;

/// A paginated operation ready to be read as [`pages`](Self::pages) or [`items`](Self::items).
///
/// Pages are fetched one at a time as the stream is polled: each request carries the previous
/// page's continuation token, until a page comes without one. A service that hands back the
/// token it was just sent would loop forever; that page is still yielded, then the stream ends
/// with an error.
#[must_use = "call .pages() or .items() and poll the stream"]
pub struct Paginator<O: Paginated> {
    client: ServiceClient,
    input: O::Input,
}

impl<O: Paginated> Paginator<O> {
    /// Pages of `O` starting from `input` (its token, if set, is the first page's).
    pub fn new(client: ServiceClient, input: O::Input) -> Self {
        Paginator { client, input }
    }

    /// Every page, in order.
    pub fn pages(self) -> Pages<O> {
        Pages {
            client: self.client,
            input: self.input,
            last_token: None,
            done: false,
            repeated_token: None,
            // Only reached through `get_mut`, so it never locks; it makes the stream `Sync`.
            in_flight: Mutex::new(None),
        }
    }

    /// Every item of every page, in order.
    pub fn items(self) -> Items<O> {
        Items {
            pages: self.pages(),
            buffered: VecDeque::new(),
        }
    }
}

impl<O: Paginated> fmt::Debug for Paginator<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &O::NAME)
            .finish_non_exhaustive()
    }
}

/// The pages of a paginated operation: a [`Stream`] of outputs; it ends after the last page
/// or the first error.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<O: Paginated> {
    client: ServiceClient,
    input: O::Input,
    last_token: Option<String>,
    done: bool,
    /// Set when a page came back with the token it was sent: that page is yielded, then an error.
    repeated_token: Option<String>,
    in_flight: Mutex<Option<PageFuture<O>>>,
}

impl<O> Stream for Pages<O>
where
    O: Paginated + 'static,
    O::Input: Clone + Send + Unpin + 'static,
    O::Output: Send + 'static,
    O::Error: OperationError,
{
    type Item = Result<O::Output, SdkError<O::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(token) = this.repeated_token.take() {
            let error = MalformedResponse::message(format!(
                "{} returned the pagination token it was sent ({token}); stopping",
                O::NAME
            ));
            return Poll::Ready(Some(Err(SdkError::Malformed(error))));
        }
        if this.done {
            return Poll::Ready(None);
        }
        let slot = this.in_flight.get_mut().unwrap_or_else(|e| e.into_inner());
        let future = slot.get_or_insert_with(|| {
            let client = this.client.clone();
            let input = this.input.clone();
            Box::pin(async move { client.call::<O>(input).await })
        });
        let result = match future.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        *slot = None;
        let page = match result {
            Ok(page) => page,
            Err(e) => {
                this.done = true;
                return Poll::Ready(Some(Err(e)));
            }
        };
        match O::next_token(&page).filter(|t| !t.is_empty()) {
            None => this.done = true,
            Some(token) if this.last_token.as_deref() == Some(token) => {
                this.done = true;
                this.repeated_token = Some(token.to_owned());
            }
            Some(token) => {
                let token = token.to_owned();
                O::set_token(&mut this.input, Some(token.clone()));
                this.last_token = Some(token);
            }
        }
        Poll::Ready(Some(Ok(page)))
    }
}

impl<O: Paginated> fmt::Debug for Pages<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("operation", &O::NAME)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The items of every page of a paginated operation, in order: a [`Stream`] that ends after
/// the last page or the first error.
#[must_use = "streams do nothing unless polled"]
pub struct Items<O: Paginated> {
    pages: Pages<O>,
    buffered: VecDeque<O::Item>,
}

impl<O> Stream for Items<O>
where
    O: Paginated + 'static,
    O::Input: Clone + Send + Unpin + 'static,
    O::Output: Send + 'static,
    O::Item: Unpin,
    O::Error: OperationError,
{
    type Item = Result<O::Item, SdkError<O::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => this.buffered.extend(O::items(page)),
            }
        }
    }
}

impl<O: Paginated> fmt::Debug for Items<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("operation", &O::NAME)
            .field("buffered", &self.buffered.len())
            .finish_non_exhaustive()
    }
}
