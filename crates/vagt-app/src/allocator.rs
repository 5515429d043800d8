//! Giving back to the system what a long job freed: a sync run, a beat of the rules' clock.
//! `vagt` and `vagtctl` allocate with mimalloc, which keeps what was freed until a thread
//! allocates on its slow path or collects: the arenas' free ranges until any thread does, a
//! thread's emptied pages (and blocks other threads freed in them) until that thread does.
//! Between runs the sync's threads idle for the interval, and what they had freed could stay
//! resident meanwhile: a region's first sync held up to 140 MiB of it when it was done
//! (docs/performance.md, "The sync gives back what mimalloc kept"). In a process that
//! allocates with something else, mimalloc has nothing to give back and this does nothing.

use tokio::runtime::Handle;
use vagt_store::Store;

/// What `store`'s connection holds between uses (its page cache, what glibc kept of SQLite's
/// frees), and what mimalloc kept freed: by this thread and, given `runtime`, by its workers.
/// `doing` names the job in a warning.
pub(crate) fn release_memory(store: &Store, runtime: Option<&Handle>, doing: &'static str) {
    if let Err(e) = store.release_memory() {
        tracing::warn!(code = e.code(), doing, "the store kept its memory: {e}");
    }
    give_back_freed_memory();
    if let Some(runtime) = runtime {
        give_back_workers_freed_memory(runtime);
    }
}

/// Gives back this thread's emptied pages and every free range of mimalloc's arenas, whichever
/// thread freed it.
#[allow(unsafe_code)]
pub fn give_back_freed_memory() {
    // SAFETY: mi_collect has no preconditions: it takes no pointer, may be called from any
    // thread at any time, and does nothing on a thread mimalloc never served.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

/// [`give_back_freed_memory`] on each of `runtime`'s workers (the sync's runtime has one,
/// where the backend's answers are read; the window's answers are made on the app's). Not
/// from one of its workers, and not while holding a lock its tasks may wait for: this waits
/// for a task on each.
pub fn give_back_workers_freed_memory(runtime: &Handle) {
    let workers = runtime.metrics().num_workers();
    runtime.block_on(async {
        // A task a worker; a worker busy meanwhile may take two, and the other's is done at
        // the next run's end.
        let tasks: Vec<_> = (0..workers)
            .map(|_| tokio::spawn(async { give_back_freed_memory() }))
            .collect();
        for task in tasks {
            if let Err(e) = task.await {
                tracing::warn!("a worker did not give back its freed memory: {e}");
            }
        }
    });
}
