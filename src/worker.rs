//! A background loop of the process (the mailer, the jobs): a pass now when woken, else every
//! poll; stopped, and awaited until its pass under way ends, at shutdown.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Default)]
pub struct Worker {
    wake: Notify,
    stopped: AtomicBool,
    idle_passes: AtomicU64,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Worker {
    /// Starts the loop on the current tokio runtime. A pass returns whether it left nothing
    /// to do: then the loop counts an idle pass and waits for a wake or the poll; else it
    /// runs again at once.
    pub fn start<F, Fut>(poll: Duration, mut pass: F) -> Arc<Worker>
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let worker = Arc::new(Worker::default());
        let w = worker.clone();
        let task = tokio::spawn(async move {
            while !w.stopped.load(Ordering::SeqCst) {
                if pass().await {
                    w.idle_passes.fetch_add(1, Ordering::SeqCst);
                    if w.stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let _ = tokio::time::timeout(poll, w.wake.notified()).await;
                }
            }
        });
        *worker.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        worker
    }

    /// Passes that left nothing to do. Once it has grown by two, a whole pass began after
    /// the reading (tests wait on it instead of sleeping).
    pub fn idle_passes(&self) -> u64 {
        self.idle_passes.load(Ordering::SeqCst)
    }

    /// Runs a pass now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Stops the loop and waits until its pass under way has ended (and let go of the
    /// database): the process may then close its connections and exit.
    pub async fn shutdown(&self) {
        self.stop();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}
