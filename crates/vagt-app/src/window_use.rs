//! The window's connection between its reads. The window reads in bursts (a change notice reads
//! the list again, a page of rows after another; a scroll asks for the shown rows' sparklines),
//! and a burst leaves the pages it decrypted in the connection's cache, up to 64 MiB of them
//! at a region. The rules' clock gives them back once a minute; a station at rest need not hold
//! them that long. Once the window has let its connection be for [`QUIET`], a background thread
//! gives them back, under the connection's lock: never in the middle of a use.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long the window leaves its connection alone before its cache is given back: longer than
/// the gaps within a burst (the list's pages are asked for back to back), short beside the gaps
/// between bursts (a sync run's change notice, a nurse's next look).
pub(crate) const QUIET: Duration = Duration::from_secs(2);

/// How often a waiting thread looks whether it is to stop.
const TICK: Duration = Duration::from_millis(500);

/// When the window last let its connection be, if since the last give-back.
#[derive(Debug, Default)]
pub(crate) struct WindowUse {
    last: Mutex<Option<Instant>>,
    used: Condvar,
}

impl WindowUse {
    /// The window lets its connection be now.
    pub(crate) fn touch(&self) {
        // An instant is never left half written: a panic elsewhere does not spoil it.
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        *last = Some(Instant::now());
        drop(last);
        self.used.notify_one();
    }

    /// Waits until the window has used its connection and then let it be for `quiet`: the
    /// instant of that last use, or `None` once `stop` is set.
    pub(crate) fn wait_until_quiet(&self, quiet: Duration, stop: &AtomicBool) -> Option<Instant> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let wait = match *last {
                None => TICK,
                Some(used) => match quiet.checked_sub(used.elapsed()) {
                    Some(left) if !left.is_zero() => left.min(TICK),
                    _ => {
                        *last = None;
                        return Some(used);
                    }
                },
            };
            last = self
                .used
                .wait_timeout(last, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, mpsc};

    /// Exact whatever the machine's pace: each quiet comes `quiet` after the use it follows,
    /// the last use is followed by one, and a burst of uses does not give one each.
    #[test]
    fn a_quiet_comes_after_the_window_let_its_connection_be() {
        let window = Arc::new(WindowUse::default());
        let stop = Arc::new(AtomicBool::new(false));
        let quiet = Duration::from_millis(300);
        let (quiets, heard) = mpsc::channel();
        let waiter = {
            let (window, stop) = (Arc::clone(&window), Arc::clone(&stop));
            std::thread::spawn(move || {
                while let Some(after) = window.wait_until_quiet(quiet, &stop) {
                    let _ = quiets.send((after, Instant::now()));
                }
            })
        };
        // A burst of uses closer together than `quiet`, a pause, then a single use.
        let mut uses = 0;
        let mut last_use = Instant::now();
        for gap_ms in [0, 10, 10, 10, 10, 800, 0] {
            std::thread::sleep(Duration::from_millis(gap_ms));
            last_use = Instant::now();
            window.touch();
            uses += 1;
        }
        let mut seen = Vec::new();
        while seen.last().is_none_or(|(after, _)| *after < last_use) {
            seen.push(
                heard
                    .recv_timeout(Duration::from_secs(10))
                    .expect("a quiet follows the last use"),
            );
        }
        stop.store(true, Ordering::Relaxed);
        waiter.join().expect("the waiter ends");
        for (after, came) in &seen {
            assert!(
                *came >= *after + quiet,
                "a quiet came {:?} after its use",
                *came - *after
            );
        }
        // Two expected (the burst's, the last use's); a stalled sleep may split the burst once.
        assert!(
            seen.len() <= 3,
            "{} quiets for {uses} uses in two bursts",
            seen.len()
        );
    }

    #[test]
    fn no_quiet_without_a_use() {
        let window = Arc::new(WindowUse::default());
        let stop = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (window, stop) = (Arc::clone(&window), Arc::clone(&stop));
            std::thread::spawn(move || window.wait_until_quiet(Duration::from_millis(10), &stop))
        };
        std::thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::Relaxed);
        assert_eq!(
            waiter.join().expect("the waiter ends"),
            None,
            "stopped, never quiet"
        );
    }
}
