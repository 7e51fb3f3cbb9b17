//! Password checks, which are slow on purpose (argon2): each runs on the blocking pool
//! without a database connection, at most `at_once` at a time (one per core unless
//! told otherwise), so a burst of sign-ins can't take every thread from the pages and
//! the API. A check that can't start within `longest_wait` is refused as busy, so a
//! flood is answered at once rather than queued for ever.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

/// How many password checks run at once, and how long one may wait to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheckLimits {
    pub at_once: usize,
    pub longest_wait: Duration,
}

impl Default for PasswordCheckLimits {
    /// One check per core; a queue longer than a few seconds' work means a flood.
    fn default() -> Self {
        Self {
            at_once: std::thread::available_parallelism().map_or(1, usize::from),
            longest_wait: Duration::from_secs(3),
        }
    }
}

/// Why a check did not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckNotRun {
    /// Every slot stayed taken for `longest_wait`: too many sign-ins at once.
    #[error("too many password checks are waiting")]
    Busy,
    /// The blocking pool is gone (the server is stopping).
    #[error("the password check could not run: {0}")]
    Failed(String),
}

/// The slots password checks run in, and how many are running.
pub struct PasswordChecks {
    slots: Semaphore,
    longest_wait: Duration,
    running: Arc<Running>,
}

/// Checks running now, and the most that ever ran at once.
#[derive(Default)]
struct Running {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// One check running; counted out when dropped, however the check ends.
struct Started(Arc<Running>);

impl Running {
    fn start(self: &Arc<Self>) -> Started {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Started(self.clone())
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordChecks {
    pub fn new(limits: PasswordCheckLimits) -> Self {
        Self {
            slots: Semaphore::new(limits.at_once),
            longest_wait: limits.longest_wait,
            running: Arc::default(),
        }
    }

    /// Runs `check` on the blocking pool once a slot is free, or refuses it as busy
    /// when none is free within `longest_wait`.
    pub async fn run<T, F>(&self, check: F) -> Result<T, CheckNotRun>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let _slot = match tokio::time::timeout(self.longest_wait, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            Ok(Err(closed)) => return Err(CheckNotRun::Failed(closed.to_string())),
            Err(_) => return Err(CheckNotRun::Busy),
        };
        let running = self.running.clone();
        crate::blocking::in_current_span(move || {
            let _started = running.start();
            check()
        })
        .await
        .map_err(|error| CheckNotRun::Failed(error.to_string()))
    }

    /// How many checks are running now.
    pub fn running(&self) -> usize {
        self.running.now.load(Ordering::SeqCst)
    }

    /// The most checks that ever ran at once.
    pub fn most_at_once(&self) -> usize {
        self.running.most.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn limits(at_once: usize, longest_wait: Duration) -> PasswordCheckLimits {
        PasswordCheckLimits {
            at_once,
            longest_wait,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_checks_run_at_once_than_the_limit() {
        let checks = Arc::new(PasswordChecks::new(limits(2, Duration::from_secs(60))));
        let (started, starts) = mpsc::channel::<usize>();
        let mut releases = Vec::new();
        let mut tasks = Vec::new();
        for n in 0..6 {
            let (release, released) = mpsc::channel::<()>();
            releases.push(Some(release));
            let (checks, started) = (checks.clone(), started.clone());
            tasks.push(tokio::spawn(async move {
                checks
                    .run(move || {
                        started.send(n).unwrap();
                        released.recv().unwrap();
                    })
                    .await
            }));
        }
        let starts = tokio::task::spawn_blocking(move || {
            // Each check holds its slot until released. One is released only once two
            // are running, so a third could start only past the limit.
            let mut running = std::collections::VecDeque::new();
            let mut released = Vec::new();
            running.extend([starts.recv().unwrap(), starts.recv().unwrap()]);
            let mut started = 2;
            while let Some(done) = running.pop_front() {
                releases[done].take().unwrap().send(()).unwrap();
                released.push(done);
                if started < 6 {
                    running.push_back(starts.recv().unwrap());
                    started += 1;
                }
            }
            released
        });
        drop(started);
        let released = starts.await.unwrap();
        for task in tasks {
            task.await.unwrap().unwrap();
        }

        assert_eq!(released.len(), 6, "every check ran");
        assert_eq!(checks.most_at_once(), 2);
        assert_eq!(checks.running(), 0);
    }

    #[tokio::test]
    async fn a_check_that_finds_no_free_slot_in_time_is_refused_as_busy() {
        let none = PasswordChecks::new(limits(0, Duration::ZERO));
        let one = PasswordChecks::new(limits(1, Duration::ZERO));

        let refused = none.run(|| true).await;
        let ran = one.run(|| true).await;

        assert!(matches!(refused, Err(CheckNotRun::Busy)), "{refused:?}");
        assert!(ran.unwrap(), "a free slot is taken at once");
        assert_eq!(none.most_at_once(), 0);
    }
}
