//! Paginated list operations as streams of pages and of items.

use std::collections::VecDeque;
use std::fmt;

use bedrock_wire::{MalformedResponse, OperationError, Paginated};
use futures_core::Stream;

use crate::client::ServiceClient;
use crate::error::SdkError;

/// The pages of a paginated operation, fetched one at a time as the stream is polled: each
/// request carries the previous page's continuation token, until a page comes without one.
///
/// A service that hands back the token it was given would loop forever; the stream ends
/// with an error instead.
#[must_use = "streams do nothing unless polled"]
pub struct Paginator<O: Paginated> {
    client: ServiceClient,
    input: O::Input,
}

impl<O> Paginator<O>
where
    O: Paginated + 'static,
    O::Input: Clone + Send + Sync + 'static,
    O::Output: Send + 'static,
    O::Item: Send + 'static,
    O::Error: OperationError,
{
    /// Pages of `O` starting from `input` (its token, if set, is the first page's).
    pub fn new(client: ServiceClient, input: O::Input) -> Self {
        Paginator { client, input }
    }

    /// Every page, in order.
    pub fn pages(self) -> impl Stream<Item = Result<O::Output, SdkError<O::Error>>> + Send + 'static {
        let state = PageState::<O> {
            client: self.client,
            input: self.input,
            last_token: None,
            done: false,
        };
        futures_util::stream::unfold(state, |mut state| async move {
            if state.done {
                return None;
            }
            let result = state.client.call::<O>(state.input.clone()).await;
            match result {
                Err(e) => {
                    state.done = true;
                    Some((Err(e), state))
                }
                Ok(page) => {
                    match O::next_token(&page).filter(|t| !t.is_empty()) {
                        None => state.done = true,
                        Some(token) if state.last_token.as_deref() == Some(token) => {
                            state.done = true;
                            let error = MalformedResponse::message(format!(
                                "{} returned the pagination token it was sent ({token}); stopping",
                                O::NAME
                            ));
                            return Some((Err(SdkError::Malformed(error)), state));
                        }
                        Some(token) => {
                            let token = token.to_owned();
                            O::set_token(&mut state.input, Some(token.clone()));
                            state.last_token = Some(token);
                        }
                    }
                    Some((Ok(page), state))
                }
            }
        })
    }

    /// Every item of every page, in order.
    pub fn items(self) -> impl Stream<Item = Result<O::Item, SdkError<O::Error>>> + Send + 'static {
        let pages = Box::pin(self.pages());
        futures_util::stream::unfold(
            (pages, VecDeque::new()),
            |(mut pages, mut buffered): (_, VecDeque<O::Item>)| async move {
                loop {
                    if let Some(item) = buffered.pop_front() {
                        return Some((Ok(item), (pages, buffered)));
                    }
                    match std::future::poll_fn(|cx| pages.as_mut().poll_next(cx)).await? {
                        Ok(page) => buffered.extend(O::items(page)),
                        Err(e) => return Some((Err(e), (pages, buffered))),
                    }
                }
            },
        )
    }
}

impl<O: Paginated> fmt::Debug for Paginator<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &O::NAME)
            .finish_non_exhaustive()
    }
}

struct PageState<O: Paginated> {
    client: ServiceClient,
    input: O::Input,
    last_token: Option<String>,
    done: bool,
}
