//! The sync's threads give back what they freed once a run is over. Its own test binary, with
//! mimalloc as the allocator as in `vagt` and `vagtctl`, and one test: the memory measured is
//! the process's.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use vagt_app::allocator::give_back_freed_memory;

/// The process's resident anonymous memory, in bytes.
fn resident_anonymous() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
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
        .map_or(0, |kib| kib * 1024)
}

const BLOCK: usize = 16 * 1024;
const BLOCKS: usize = 4 * 1024;
/// 64 MiB, in blocks the size of a small answer's pieces.
const ALLOCATED: usize = BLOCK * BLOCKS;

/// Allocates [`ALLOCATED`] bytes, touches them, and frees them, all on the calling thread.
fn allocate_and_free() {
    let blocks: Vec<Vec<u8>> = (0..BLOCKS)
        .map(|i| vec![u8::try_from(i % 251).unwrap_or(0) + 1; BLOCK])
        .collect();
    std::hint::black_box(&blocks);
}

#[test]
fn what_the_syncs_threads_freed_is_given_back_by_one_collection() {
    // As the sync's runtime: one worker, where the backend's answers are read; the run itself
    // is on the thread that blocks on it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let at_start = resident_anonymous();

    // mimalloc keeps what a thread freed until some thread allocates on its slow path or
    // collects: idle between runs, neither thread would give back what it freed.
    runtime
        .block_on(runtime.spawn(async { allocate_and_free() }))
        .expect("the worker allocated");
    allocate_and_free();
    let freed_and_kept = resident_anonymous();
    assert!(
        freed_and_kept >= at_start + ALLOCATED,
        "the threads gave back on their own what they freed ({freed_and_kept} bytes resident, \
         {at_start} at start, twice {ALLOCATED} allocated): the test no longer shows what the \
         collection is for"
    );

    // On the run's thread only, as the sync loop does: the worker's too are given back.
    give_back_freed_memory();
    let after = resident_anonymous();
    assert!(
        after < at_start + ALLOCATED / 2,
        "{after} bytes resident after the collection, {at_start} at start: the threads kept \
         what they freed ({freed_and_kept} before the collection)"
    );
}
