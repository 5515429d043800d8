//! What the sync's threads freed is given back once a run is over. Its own test binary, with
//! mimalloc as the allocator as in `vagt` and `vagtctl`, and one test: the memory measured is
//! the process's. Linux only: it reads the process's resident memory from /proc.
#![cfg(target_os = "linux")]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use vagt_app::allocator::{give_back_freed_memory, give_back_workers_freed_memory};

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
    // mimalloc's purge as it is by default: one set in the environment (to 0, or to reset
    // instead of decommit) would give back at the free, or never show in the resident memory.
    if std::env::vars().any(|(name, _)| name.to_ascii_lowercase().starts_with("mimalloc_")) {
        eprintln!("skipped: mimalloc's options are set in the environment");
        return;
    }
    // As the sync's runtime: one worker, where the backend's answers are read; the run itself
    // is on the thread that blocks on it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
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
    give_back_workers_freed_memory(&runtime);
    let after = resident_anonymous();
    assert!(
        after < at_start + ALLOCATED / 2,
        "{after} bytes resident after giving back, {at_start} at start: the threads kept what \
         they freed ({freed_and_kept} before)"
    );
}
