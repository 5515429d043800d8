//! The pages of one pull: which may be asked for, and the next one asked for while the one
//! before it is stored. The backend answers, and the answer is received and parsed, on the
//! runtime's worker while the sync's thread maps and writes the page before, so a long pull
//! costs about the larger of the two, not their sum (on a runtime with a worker; on one
//! without, in turn).

use crate::client::FhirClient;
use crate::error::SyncError;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use vagt_core::Timestamp;
use vagt_fhir::{NotABundle, Page};

/// How often a wait for the next page asks whether to give up (a nurse's record waits for the
/// lock the held pages keep): short against the hold, long against a wakeup's cost.
const LOOK_EVERY: Duration = Duration::from_millis(10);

/// A page as far as it could be read, and when the backend answered it.
pub(super) struct PageAnswer {
    /// The server's clock when it answered, if it said.
    pub(super) server_time: Option<Timestamp>,
    pub(super) page: Result<Page, NotAPage>,
}

/// A body that is no page, kept whole for a human.
pub(super) struct NotAPage {
    pub(super) why: NotABundle,
    pub(super) body: Vec<u8>,
}

/// A page asked for and not yet read. Dropped unread (the pull ended), it is abandoned.
pub(super) struct PageAhead {
    task: tokio::task::JoinHandle<Result<PageAnswer, SyncError>>,
    /// The answer, once waited for by [`PageAhead::ready_by`].
    arrived: Option<Result<PageAnswer, SyncError>>,
}

impl PageAhead {
    /// `url`, a search of `searched` resources.
    fn ask(client: &FhirClient, url: String, searched: &str) -> Self {
        let client = client.clone();
        let searched = searched.to_owned();
        Self::spawn(async move {
            let response = client.get(&url).await?;
            // Parsing a page of 500 resources costs as much as storing a good part of it: done
            // here, it overlaps the page before being stored.
            let page = vagt_fhir::read_page(&response.body, &searched).map_err(|why| NotAPage {
                why,
                body: response.body,
            });
            Ok(PageAnswer {
                server_time: response.server_time,
                page,
            })
        })
    }

    fn spawn(answer: impl Future<Output = Result<PageAnswer, SyncError>> + Send + 'static) -> Self {
        PageAhead {
            task: tokio::spawn(answer),
            arrived: None,
        }
    }

    /// Whether the answer arrives by `deadline` (or the request failed): reading it will not
    /// wait then. Gives up before `deadline` once `give_up` says so, asked every
    /// `LOOK_EVERY`.
    pub(super) async fn ready_by(&mut self, deadline: Instant, give_up: impl Fn() -> bool) -> bool {
        loop {
            if self.arrived.is_some() {
                return true;
            }
            // Cancel-safe: when the time is up, the task goes on and is joined later. Polled
            // at least once, so an answer already there counts even past the deadline.
            let until = deadline.min(Instant::now() + LOOK_EVERY);
            if let Ok(answer) = tokio::time::timeout_at(until.into(), joined(&mut self.task)).await
            {
                self.arrived = Some(answer);
                return true;
            }
            if Instant::now() >= deadline || give_up() {
                return false;
            }
        }
    }

    pub(super) async fn answer(mut self) -> Result<PageAnswer, SyncError> {
        match self.arrived.take() {
            Some(answer) => answer,
            None => joined(&mut self.task).await,
        }
    }
}

async fn joined(
    task: &mut tokio::task::JoinHandle<Result<PageAnswer, SyncError>>,
) -> Result<PageAnswer, SyncError> {
    match task.await {
        Ok(answer) => answer,
        Err(ended) if ended.is_panic() => std::panic::resume_unwind(ended.into_panic()),
        // Only a runtime shutting down cancels it.
        Err(ended) => Err(SyncError::GaveUp {
            attempts: 1,
            last: format!("the request was cancelled ({ended})"),
        }),
    }
}

impl Drop for PageAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The pages one pull asks for: never one already asked for (a link back is a loop, not more
/// data), never more than the limit, and after the first, none past the run's budget.
pub(super) struct PageRequests<'a> {
    pub(super) resource_type: &'a str,
    pub(super) max_pages: usize,
    pub(super) budget_seconds: u64,
    /// When the run's budget ends.
    pub(super) deadline: Instant,
    pub(super) visited: HashSet<String>,
}

impl PageRequests<'_> {
    /// `url` asked for, or why it may not be. An error is kept by the caller until the page
    /// before is stored, as if it had been met when asking.
    pub(super) fn ask(&mut self, client: &FhirClient, url: String) -> Result<PageAhead, SyncError> {
        if self.visited.contains(&url) {
            return Err(SyncError::PagingLoop {
                resource_type: self.resource_type.to_owned(),
            });
        }
        if self.visited.len() >= self.max_pages {
            return Err(SyncError::PageLimit {
                resource_type: self.resource_type.to_owned(),
                pages: self.max_pages,
            });
        }
        // The first page of each type is always asked for, so a run over its budget still
        // moves every type on, and the runs after it finish the pull.
        if !self.visited.is_empty() && Instant::now() >= self.deadline {
            return Err(SyncError::RunBudget {
                seconds: self.budget_seconds,
            });
        }
        self.visited.insert(url.clone());
        Ok(PageAhead::ask(client, url, self.resource_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn answer(body: &[u8]) -> PageAnswer {
        PageAnswer {
            server_time: None,
            page: vagt_fhir::read_page(body, "Observation").map_err(|why| NotAPage {
                why,
                body: body.to_vec(),
            }),
        }
    }

    #[tokio::test]
    async fn a_page_is_waited_for_until_a_deadline_and_read_once_it_arrives() {
        let (send, arrives) = tokio::sync::oneshot::channel::<()>();
        let mut ahead = PageAhead::spawn(async move {
            arrives.await.ok();
            Ok(answer(br#"{"resourceType":"Bundle","total":7}"#))
        });
        // Not there by the deadline: the wait ends, the request goes on.
        let soon = Instant::now() + Duration::from_millis(20);
        assert!(!ahead.ready_by(soon, || false).await);
        assert!(Instant::now() >= soon);
        // Told to give up (a writer waits for the lock the held pages keep): the wait ends long
        // before its deadline.
        let asked = Instant::now();
        assert!(
            !ahead
                .ready_by(asked + Duration::from_secs(60), || true)
                .await
        );
        assert!(asked.elapsed() < Duration::from_secs(5));
        send.send(()).expect("the task waits");
        assert!(
            ahead
                .ready_by(Instant::now() + Duration::from_secs(60), || false)
                .await
        );
        // Arrived and kept: asking again does not wait, and the answer is read once.
        assert!(ahead.ready_by(Instant::now(), || false).await);
        let read = ahead.answer().await.expect("answered");
        let page = read.page.map_err(|not| not.why).expect("a bundle");
        assert_eq!(page.total, Some(7));
    }

    #[tokio::test]
    async fn a_page_not_waited_for_is_read_when_it_comes() {
        let ahead = PageAhead::spawn(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Err(SyncError::GaveUp {
                attempts: 3,
                last: "refused".into(),
            })
        });
        assert!(matches!(
            ahead.answer().await,
            Err(SyncError::GaveUp { attempts: 3, .. })
        ));
    }
}
