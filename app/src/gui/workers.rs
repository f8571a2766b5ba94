//! Work the window must not wait for: loading the demo, reading a worklist, printing, a
//! backup, joining a hub. Each runs as a [`Job`] on a thread of its own, may report progress,
//! and wakes the window when it has news; the window polls it once a frame.

use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};

enum Event<T, P> {
    Progress(P),
    Done(T),
}

/// A piece of work on its own thread, with its result of type `T` and progress of type `P`.
pub struct Job<T, P = ()> {
    events: Receiver<Event<T, P>>,
    /// The latest progress the work reported.
    pub progress: Option<P>,
}

/// What a job's work reports its progress through.
pub struct Progress<T, P> {
    events: Sender<Event<T, P>>,
    ctx: egui::Context,
}

impl<T, P> Progress<T, P> {
    pub fn report(&self, progress: P) {
        let _ = self.events.send(Event::Progress(progress));
        self.ctx.request_repaint();
    }
}

/// A job's thread ended without an answer (its work panicked).
#[derive(Debug, PartialEq, Eq)]
pub struct JobLost;

impl<T: Send + 'static, P: Send + 'static> Job<T, P> {
    /// Starts `work` on a thread named `name`; the window is woken when it reports or ends.
    pub fn spawn(
        ctx: &egui::Context,
        name: &str,
        work: impl FnOnce(&Progress<T, P>) -> T + Send + 'static,
    ) -> Job<T, P> {
        let (tx, rx) = channel();
        let progress = Progress {
            events: tx,
            ctx: ctx.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let result = work(&progress);
                let _ = progress.events.send(Event::Done(result));
                progress.ctx.request_repaint();
            });
        // A thread that cannot start drops its sender: the next poll reports the job lost.
        drop(spawned);
        Job {
            events: rx,
            progress: None,
        }
    }

    /// Takes in the news without blocking: the result once the work is done, or `JobLost` if
    /// its thread ended without one. Nothing after either.
    pub fn poll(&mut self) -> Option<Result<T, JobLost>> {
        loop {
            match self.events.try_recv() {
                Ok(Event::Progress(p)) => self.progress = Some(p),
                Ok(Event::Done(result)) => return Some(Ok(result)),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some(Err(JobLost)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait<T: Send + 'static, P: Send + 'static>(job: &mut Job<T, P>) -> Result<T, JobLost> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Some(r) = job.poll() {
                return r;
            }
            assert!(std::time::Instant::now() < deadline, "the job never ended");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn a_job_reports_progress_then_its_result() {
        let ctx = egui::Context::default();
        let (go, gate) = channel::<()>();
        let mut job = Job::spawn(&ctx, "test", move |p: &Progress<u32, u32>| {
            p.report(1);
            p.report(2);
            gate.recv().unwrap();
            7
        });
        go.send(()).unwrap();
        assert_eq!(wait(&mut job), Ok(7));
        assert_eq!(job.progress, Some(2));
    }

    #[test]
    fn a_job_that_panics_is_reported_lost() {
        let ctx = egui::Context::default();
        let mut job: Job<u32> = Job::spawn(&ctx, "test", |_| panic!("lost"));
        assert_eq!(wait(&mut job), Err(JobLost));
    }
}
