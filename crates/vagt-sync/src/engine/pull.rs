//! Pulling one resource type: a search from the checkpoint (less the overlap), its pages
//! followed by `next` links or, from a server that gives none, by a cursor of our own or
//! `_offset`; each page stored in one transaction with the checkpoint that covers it.
//!
//! The checkpoint is the newest `lastUpdated` seen, and after a whole search, the server's
//! clock when the search began (its `Date` header, never past this machine's clock), which
//! the search covered: so a station where nothing changes asks again only for the overlap
//! before that, not for whatever changed last, however long ago.

use crate::capabilities::PullMode;
use crate::client::FhirClient;
use crate::engine::ahead::{NotAPage, PageAhead, PageAnswer, PageRequests};
use crate::engine::config::SyncConfig;
use crate::engine::held::HeldPages;
use crate::engine::map::map_page;
use crate::engine::report::{Progress, SyncReport};
use crate::error::SyncError;
use std::collections::HashSet;
use std::time::Instant;
use vagt_core::reading::CLOCK_SKEW_TOLERANCE_MS;
use vagt_core::{RejectReason, Timestamp};
use vagt_fhir::PageResource;
use vagt_store::{PullReport, Rejection, Store, SyncProgress};

/// How often a running pull writes its progress (and heartbeat) to the store.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The lower bound of a search on `lastUpdated`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lower {
    None,
    /// After the checkpoint (less the overlap).
    After(Timestamp),
    /// From a cursor of our own, ties included: resources sharing the cursor's instant may be
    /// split across pages.
    From(Timestamp),
}

#[derive(Debug, Clone, Copy)]
struct Query {
    lower: Lower,
    sorted: bool,
    offset: usize,
}

fn search_url(resource_type: &str, query: Query, page_size: usize, summary_count: bool) -> String {
    let mut params: Vec<String> = Vec::new();
    if query.sorted {
        params.push("_sort=_lastUpdated".into());
    }
    if summary_count {
        params.push("_summary=count".into());
    } else {
        params.push(format!("_count={page_size}"));
    }
    match query.lower {
        Lower::None => {}
        Lower::After(t) => params.push(format!("_lastUpdated=gt{}", t.to_rfc3339())),
        Lower::From(t) => params.push(format!("_lastUpdated=ge{}", t.to_rfc3339())),
    }
    if query.offset > 0 {
        params.push(format!("_offset={}", query.offset));
    }
    // `+` in an instant's offset would read as a space; Vagt writes UTC (`Z`), so the only
    // characters needing care are `:` and those are allowed in a query.
    format!("{resource_type}?{}", params.join("&"))
}

/// A resource's `meta.lastUpdated`.
fn last_updated(resource: &PageResource) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(resource.last_updated()?).ok()
}

/// A resource version's identity within one pull, to tell a page that brings nothing new.
fn version_key(resource: &PageResource) -> Option<(String, String)> {
    let id = resource.id()?;
    let version = resource.version_id().unwrap_or("");
    Some((id.to_owned(), version.to_owned()))
}

/// One type's pull within a run.
#[derive(Debug, Clone, Copy)]
pub(super) struct PullOf<'a> {
    pub(super) run: i64,
    pub(super) mode: PullMode,
    pub(super) resource_type: &'a str,
    /// When the run's budget ends.
    pub(super) deadline: Instant,
}

/// What a page brought that is not a resource to map: an entry that does not parse, or a
/// resource stamped later than now (a clock, or a server, gone wrong). Kept for a human.
fn kept_apart(
    base: &str,
    resource_type: &str,
    payload: String,
    reason: RejectReason,
    source_id: Option<String>,
) -> Rejection {
    Rejection {
        source: base.to_owned(),
        source_id,
        resource_type: Some(resource_type.to_owned()),
        reason_code: reason.code().to_owned(),
        reason: reason.to_string(),
        payload,
        citizen_id: None,
    }
}

/// How many resources a search matches (`_summary=count`), for progress only: a server that
/// cannot count is no reason to stop.
async fn count(
    client: &FhirClient,
    resource_type: &str,
    query: Query,
    config: &SyncConfig,
) -> Option<u64> {
    let url = search_url(resource_type, query, config.page_size, true);
    match client.get(&url).await {
        Ok(r) => vagt_fhir::parse_bundle(&r.body).ok().and_then(|b| b.total),
        Err(_) => None,
    }
}

/// Pulls one type, its pages stored in transactions held for `config.hold_pages_for`.
pub(super) async fn pull_type(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    pull: PullOf<'_>,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), SyncError> {
    let observations = pull.resource_type == "Observation";
    let mut held = HeldPages::new(config.hold_pages_for);
    let pulled = pull_pages(store, client, config, pull, &mut held, report, progress).await;
    // Whatever ended the pull, the pages stored so far are kept: each moved the checkpoint
    // that covers it. Counted once committed: a page that failed took the held ones with it.
    let committed = held.commit(store);
    for (page, resources) in held.take_committed() {
        report.add(&page, resources);
        if observations {
            report.observations_done += resources;
        } else {
            report
                .changed_besides_readings
                .extend(page.changed_citizens.iter().cloned());
        }
    }
    pulled?;
    Ok(committed?)
}

async fn pull_pages(
    store: &mut Store,
    client: &FhirClient,
    config: &SyncConfig,
    pull: PullOf<'_>,
    held: &mut HeldPages<(PullReport, usize)>,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), SyncError> {
    let PullOf {
        run,
        mode,
        resource_type,
        deadline,
    } = pull;
    let backend = client.base().to_owned();
    let incremental = mode == PullMode::Incremental;
    let checkpoint = if incremental {
        store
            .sync_checkpoint(&backend, resource_type)?
            .and_then(|c| Timestamp::parse_rfc3339(&c).ok())
    } else {
        None
    };
    let overlap_ms = i64::try_from(config.overlap.as_millis()).unwrap_or(i64::MAX);
    let mut query = Query {
        lower: checkpoint.map_or(Lower::None, |c| Lower::After(c.plus_millis(-overlap_ms))),
        sorted: true,
        offset: 0,
    };
    // The total, only for progress, is known after the first page.
    let mut total: Option<u64> = None;
    let mut counted = false;
    // The server's clock at the first answer (no later than ours), if it gave it.
    let mut first_answer: Option<Option<Timestamp>> = None;
    let started = Instant::now();
    let mut requests = PageRequests {
        resource_type,
        max_pages: config.max_pages_per_type,
        budget_seconds: config.run_budget.as_secs(),
        deadline,
        visited: HashSet::new(),
    };
    let mut done = 0usize;
    // The resource versions of the current query, to tell an `_offset` page that brings
    // nothing new. Emptied when the query changes: kept for a whole pull, it held every
    // resource's id, about 3 GB for a region's 30 million readings.
    let mut seen: HashSet<(String, String)> = HashSet::new();
    // The page asked for next, or why it may not be asked for: a loop, the page limit or the
    // run's budget, judged when the page before it arrived and met once that page is stored.
    // So a budget that ends while a page is stored lets the page already asked for be stored
    // too: a run overruns by at most a page of each type.
    let mut next: Option<Result<PageAhead, SyncError>> = Some(requests.ask(
        client,
        search_url(resource_type, query, config.page_size, false),
    ));
    // Per-page checkpoints are safe only while the server returns pages in lastUpdated order;
    // otherwise the checkpoint moves once, after the last page.
    let mut in_order = true;
    let mut newest = checkpoint;
    // Resources received for the current query, for `_offset` paging and its `total`.
    let mut received_for_query = 0usize;
    // When the progress was last written: once a second is enough for other processes (who
    // see it when the held pages commit; the heartbeat is stale after minutes), not once a
    // page.
    let mut progress_written: Option<Instant> = None;
    while let Some(mut asked) = next.take() {
        // The backend is waited for until the pages held are due, and no longer: past that,
        // they are committed first, so a slow server keeps the write lock from a nurse's
        // record on the other connection at most for the hold (and the page that arrives by
        // then), as a fast one does. Committing whenever the next page was not there yet made
        // nearly every page a transaction of its own, since the backend takes about as long to
        // send a page as this thread to store one.
        if let (Some(due), Ok(ahead)) = (held.due_at(), asked.as_mut())
            && !ahead.ready_by(due, vagt_store::writer_waiting).await
        {
            held.commit(store)?;
        }
        let PageAnswer { server_time, page } = match asked?.answer().await {
            // A server that refuses `_sort` is asked again without it; its pages may then come
            // in any order, so the checkpoint waits for the last one.
            Err(SyncError::Rejected { status: 400, .. }) if query.sorted && done == 0 => {
                tracing::warn!(resource_type, "the backend refused _sort=_lastUpdated");
                query.sorted = false;
                in_order = false;
                next = Some(requests.ask(
                    client,
                    search_url(resource_type, query, config.page_size, false),
                ));
                continue;
            }
            other => other?,
        };
        let received_at = Timestamp::now();
        let searched_at =
            *first_answer.get_or_insert_with(|| server_time.map(|t| t.min(received_at)));
        let mut page = match page {
            Ok(page) => page,
            // Kept with its reason; the other types still get their turn.
            Err(NotAPage { why, body }) => {
                held.commit(store)?;
                store.record_rejection(&kept_apart(
                    &backend,
                    resource_type,
                    String::from_utf8_lossy(&body).into_owned(),
                    RejectReason::Malformed(why.to_string()),
                    None,
                ))?;
                return Err(SyncError::NotFhir(why.to_string()));
            }
        };
        let mut apart: Vec<Rejection> = std::mem::take(&mut page.broken)
            .into_iter()
            .map(|broken| {
                kept_apart(
                    &backend,
                    resource_type,
                    broken.raw,
                    RejectReason::Malformed(format!("the entry does not parse: {}", broken.error)),
                    None,
                )
            })
            .collect();
        // Nothing is believed to have changed after now (and a little clock skew): such a
        // stamp would move the checkpoint past everything the server will ever hold.
        let latest_believable = received_at.plus_millis(CLOCK_SKEW_TOLERANCE_MS);
        // One pass, each stamp read once (a first sync reads millions): a resource from the
        // future is kept apart; the others are kept, and their stamps tell the page's order
        // and its newest.
        let mut resources: Vec<&PageResource> = Vec::new();
        let mut page_newest = newest;
        let mut page_sorted = true;
        let mut previous: Option<Timestamp> = None;
        let mut fresh = 0usize;
        for resource in &page.resources {
            let stamp = last_updated(resource);
            if let Some(t) = stamp.filter(|&t| t > latest_believable) {
                apart.push(kept_apart(
                    &backend,
                    resource_type,
                    resource.text().into_owned(),
                    RejectReason::FromTheFuture {
                        effective_at: t,
                        received_at,
                    },
                    version_key(resource)
                        .map(|(id, _)| format!("{base}|{resource_type}/{id}", base = backend)),
                ));
                continue;
            }
            resources.push(resource);
            if let Some(t) = stamp {
                if newest.is_some_and(|n| t < n.plus_millis(-overlap_ms)) {
                    in_order = false;
                }
                if previous.is_some_and(|p| t < p) {
                    page_sorted = false;
                }
                previous = Some(t);
                page_newest = page_newest.max(Some(t));
            }
            if version_key(resource).is_none_or(|key| seen.insert(key)) {
                fresh += 1;
            }
        }
        if !page_sorted {
            in_order = false;
        }
        if !counted {
            counted = true;
            let on_this_page = resources.len() + apart.len();
            total = match page.total {
                Some(t) => Some(t),
                None if page.next_link().is_none() && on_this_page < config.page_size => {
                    Some(on_this_page as u64)
                }
                None => count(client, resource_type, query, config).await,
            };
            if resource_type == "Observation" {
                report.observations_total = total;
                // A station's first sync (no backend's Observations pulled before: a station
                // pointed at a new address is in use), by pages in order that move the
                // checkpoint as they come, so that a run cut short is continued, not begun
                // again.
                let first = incremental
                    && checkpoint.is_none()
                    && query.sorted
                    && !store.has_pulled_from_any_backend(resource_type)?;
                let bulk = match (total, config.bulk_load_from) {
                    (Some(t), Some(from)) if first && t >= from => {
                        u64::try_from(store.current_readings()?).unwrap_or(0) <= t
                    }
                    _ => false,
                };
                if bulk {
                    // Nothing of this type is held yet: the first page is stored after.
                    held.commit(store)?;
                    store.begin_bulk_load(&backend, Timestamp::now())?;
                }
            }
        }
        received_for_query += resources.len();
        // A link to another origin is not followed (the token never goes there): the page is
        // continued as one without a link, by a cursor of our own.
        let link = page.next_link().filter(|link| match client.url(link) {
            Ok(_) => true,
            Err(refused) => {
                tracing::warn!(
                    resource_type,
                    code = refused.code(),
                    "a next link was not followed"
                );
                false
            }
        });
        let next_url = match link {
            Some(link) => {
                received_for_query = 0;
                seen.clear();
                Some(link.to_owned())
            }
            None => {
                let more_by_total = page
                    .total
                    .is_some_and(|t| usize::try_from(t).unwrap_or(usize::MAX) > received_for_query);
                let full_page = resources.len() >= config.page_size;
                // An offset page that brings nothing new means the server ignores `_offset`:
                // with no link and no cursor either, there is no way past this page. Ending the
                // search here would move the checkpoint past what it never got, so the type's
                // pull ends with an error, its checkpoint where it was; unless the server's
                // count says the pages before held every match. An empty offset page ends the
                // search, as it did.
                let nothing_new = fresh == 0 && query.offset > 0;
                let before_this_page = received_for_query.saturating_sub(resources.len());
                let all_counted = page
                    .total
                    .is_some_and(|t| usize::try_from(t).unwrap_or(usize::MAX) <= before_this_page);
                if nothing_new && !resources.is_empty() && !all_counted {
                    return Err(SyncError::Unpageable {
                        resource_type: resource_type.to_owned(),
                    });
                }
                if nothing_new || !(full_page || more_by_total) {
                    None
                } else {
                    // No link to follow, yet there may be more: continue by a cursor of our own
                    // where the page is in order and moved it, else by offset on this query.
                    let cursor = previous.filter(|_| page_sorted && query.sorted);
                    let moved = match (cursor, query.lower) {
                        (Some(c), Lower::From(old)) => c > old,
                        (Some(_), _) => true,
                        (None, _) => false,
                    };
                    match cursor {
                        Some(c) if moved => {
                            query.lower = Lower::From(c);
                            query.offset = 0;
                            received_for_query = 0;
                            seen.clear();
                        }
                        _ => {
                            query.offset = received_for_query;
                            in_order = false;
                        }
                    }
                    Some(search_url(resource_type, query, config.page_size, false))
                }
            }
        };
        let last_page = next_url.is_none();
        // Asked for now, answered while this page is stored.
        next = next_url.map(|url| requests.ask(client, url));
        let mut batch = map_page(store, client, held, resource_type, &resources).await?;
        batch.rejections.extend(apart);
        let move_checkpoint = incremental && (in_order || last_page);
        // A whole search holds everything the server had when it began; what it commits later
        // with an earlier stamp is what the overlap is for.
        let covered = if last_page {
            page_newest.max(searched_at)
        } else {
            page_newest
        };
        let checkpoint_text = covered
            .filter(|_| move_checkpoint)
            .map(Timestamp::to_rfc3339);
        held.hold(store)?;
        let stored = store.apply_pull(
            &backend,
            resource_type,
            batch,
            checkpoint_text.as_deref(),
            Timestamp::now(),
        )?;
        let on_page = resources.len();
        held.stored((stored, on_page));
        drop(resources);
        // Freeing a page's resources (each a view of many allocations) is left to the worker,
        // as reading them was: this thread, which stores, is the pull's bottleneck.
        tokio::spawn(async move { drop(page) });
        newest = page_newest;
        done += on_page;
        let elapsed = started.elapsed().as_secs_f64().max(1e-3);
        let per_second = done as f64 / elapsed;
        let progress_due =
            last_page || progress_written.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY);
        // The progress is written in the held transaction, and seen by other processes when it
        // commits. Committing for it made every transaction a second long, whatever the hold.
        if progress_due {
            store.record_sync_progress(
                run,
                &SyncProgress {
                    resource_type: resource_type.to_owned(),
                    done: done as u64,
                    total,
                    per_second,
                },
            )?;
            progress_written = Some(Instant::now());
        }
        if last_page || held.due() {
            held.commit(store)?;
        }
        progress(&Progress {
            resource_type: resource_type.to_owned(),
            done,
            total,
            per_second,
            seconds_left: total.map(|t| (t as f64 - done as f64).max(0.0) / per_second.max(1e-9)),
        });
    }
    Ok(())
}
