//! What the sync's threads freed is given back once a run is over, and what the window's
//! commands' threads freed once the window lets its connection be. Its own test binary, with
//! mimalloc as the allocator as in `vagt` and `vagtctl`, and its tests one at a time
//! ([`MEASURING`]): the memory measured is the process's. Linux only: it reads the process's
//! resident memory from /proc.
#![cfg(target_os = "linux")]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use vagt_app::allocator::{give_back_freed_memory, give_back_workers_freed_memory};
use vagt_app::{BackgroundPlan, Session, StoreLocation};
use vagt_store::OpenMode;

/// Held by each test while it measures: another's allocations would be counted as its own.
static MEASURING: Mutex<()> = Mutex::new(());

/// This test's turn to measure; `None` (the test is skipped) when mimalloc's options are set
/// in the environment: its purge set to 0, or to reset instead of decommit, would give back at
/// the free, or never show in the resident memory.
fn turn_to_measure() -> Option<MutexGuard<'static, ()>> {
    if std::env::vars().any(|(name, _)| name.to_ascii_lowercase().starts_with("mimalloc_")) {
        eprintln!("skipped: mimalloc's options are set in the environment");
        return None;
    }
    Some(MEASURING.lock().unwrap_or_else(PoisonError::into_inner))
}

/// A runtime of one worker, as the sync's, and as Tauri's is for a command at a time.
fn one_worker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The process's resident anonymous memory, in bytes.
fn resident_anonymous() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("RssAnon:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<usize>()
                .ok()
        })
        .expect("RssAnon in /proc/self/status");
    kib * 1024
}

const BLOCK: usize = 16 * 1024;
const BLOCKS: usize = 4 * 1024;
/// 64 MiB, in blocks the size of a small answer's pieces.
const ALLOCATED: usize = BLOCK * BLOCKS;

/// [`ALLOCATED`] bytes in blocks, each touched.
fn allocate() -> Vec<Vec<u8>> {
    (0..BLOCKS)
        .map(|i| vec![u8::try_from(i % 251).unwrap_or(0) + 1; BLOCK])
        .collect()
}

#[test]
fn what_the_syncs_threads_freed_is_given_back_after_a_run() {
    let Some(_measuring) = turn_to_measure() else {
        return;
    };
    // As the sync's runtime: one worker, where the backend's answers are read; the run itself
    // is on the thread that blocks on it.
    let runtime = one_worker_runtime();
    let at_start = resident_anonymous();

    // Each thread frees what it allocated, the two at once in memory: idle after, neither
    // would give back what it freed until it allocates again.
    let the_runs = allocate();
    runtime
        .block_on(runtime.spawn(async { drop(std::hint::black_box(allocate())) }))
        .expect("the worker allocated");
    drop(std::hint::black_box(the_runs));
    let freed_and_kept = resident_anonymous();
    assert!(
        freed_and_kept >= at_start + 2 * ALLOCATED - ALLOCATED / 4,
        "the threads gave back on their own what they freed ({freed_and_kept} bytes resident, \
         {at_start} at start, twice {ALLOCATED} allocated): the test no longer shows what \
         giving back is for"
    );

    // As the sync loop does after a run.
    give_back_freed_memory();
    give_back_workers_freed_memory(runtime.handle());
    let after = resident_anonymous();
    assert!(
        after < at_start + ALLOCATED / 2,
        "{after} bytes resident after giving back, {at_start} at start: the threads kept what \
         they freed ({freed_and_kept} before)"
    );
}

#[test]
fn what_the_windows_threads_freed_is_given_back_once_it_lets_its_connection_be() {
    let Some(_measuring) = turn_to_measure() else {
        return;
    };
    // As Tauri's runtime, where the window's commands run; one worker, so the command below
    // and the allocation run on the thread that is to give back.
    let runtime = one_worker_runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let session = Arc::new(
        Session::open(
            StoreLocation {
                db: Some(dir.path().join("window.db")),
                throwaway_key: Some(zeroize::Zeroizing::new("window".into())),
            },
            OpenMode::CreateIfMissing,
        )
        .expect("session")
        .with_use_threads(runtime.handle().clone()),
    );
    // No sync, and the clock far off: only the window's quiet gives back.
    let background = session
        .start_background(BackgroundPlan {
            backend: None,
            sync_every: Duration::from_secs(3_600),
            evaluate_every: Duration::from_secs(3_600),
            subscribe: false,
        })
        .expect("background");
    let at_start = resident_anonymous();

    // A command on the worker: it reads through the session, and frees its answer's pieces.
    // What gives them back is the window's quiet: without it they stay (the check below fails
    // with the quiet an hour long). mimalloc gave these back through its arenas, which any
    // thread's collection purges; the collection on the workers themselves, for what only a
    // page's own thread gives back, is measured in docs/performance.md, not shown here.
    let on_the_worker = Arc::clone(&session);
    runtime
        .block_on(runtime.spawn(async move {
            let status = on_the_worker.store_status();
            drop(std::hint::black_box(allocate()));
            status
        }))
        .expect("the worker ran the command")
        .expect("the status");
    let freed_and_kept = resident_anonymous();
    assert!(
        freed_and_kept >= at_start + ALLOCATED - ALLOCATED / 4,
        "the worker gave back on its own what it freed ({freed_and_kept} bytes resident, \
         {at_start} at start, {ALLOCATED} allocated): the test no longer shows what giving \
         back is for"
    );

    let started = Instant::now();
    let mut now = freed_and_kept;
    while now >= at_start + ALLOCATED / 2 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
        now = resident_anonymous();
    }
    assert!(
        now < at_start + ALLOCATED / 2,
        "{now} bytes resident 30 s after the command, {at_start} at start: the worker kept \
         what it freed ({freed_and_kept} before)"
    );
    background.stop();
}
