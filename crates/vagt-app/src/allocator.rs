//! Giving back to the system what a big job freed. `vagt` and `vagtctl` allocate with
//! mimalloc, which keeps what a thread freed (its emptied pages, and the arena's free ranges
//! until their purge is due) until some thread allocates on its slow path or collects. After a
//! first sync the sync's threads idle for the interval, and what they had freed could stay
//! resident meanwhile. In a process that allocates with something else, mimalloc has nothing
//! to give back and this does nothing.

/// Gives back this thread's emptied pages and every free range of mimalloc's arenas, whichever
/// thread freed it: a collection on one thread purges the arenas of the whole process.
#[allow(unsafe_code)]
pub fn give_back_freed_memory() {
    // SAFETY: mi_collect takes no pointer and touches only the calling thread's heap and
    // mimalloc's own arenas, under mimalloc's locks.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}
