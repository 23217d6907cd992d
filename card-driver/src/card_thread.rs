//! Deadlines for card work that cannot time out by itself.
//!
//! pcsc-lite has no transmit timeout: a stalled card blocks `SCardTransmit` for ever, and
//! nothing can interrupt it. So the card (or a whole [`crate::Jpki`] over it) lives on a thread
//! of its own, and callers hand it jobs and wait for the answer only until a deadline. A job that
//! misses its deadline abandons the thread: it ends by itself when pcsc-lite lets go (the card
//! answers or is pulled), and the caller connects anew.
//!
//! Hand-overs between threads cost tens of microseconds on a small machine, so hand over whole
//! operations (select + read + verify …), not single APDUs: inside a job the commands go straight
//! to pcsc-lite.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::transport::{Transport, TransportError};

type Job<T> = Box<dyn FnOnce(&mut T) + Send>;

/// A value owned by a thread of its own, reached through jobs with deadlines.
#[derive(Debug)]
pub struct CardThread<T> {
    jobs: Option<mpsc::Sender<Job<T>>>,
    thread: Option<thread::JoinHandle<()>>,
    /// The deadline of [`Transport::transmit`] through this thread.
    deadline: Duration,
    /// Set once a job missed its deadline: the thread may still be blocked in pcsc-lite.
    abandoned: bool,
}

impl<T: 'static> CardThread<T> {
    /// Makes the value on a new thread with `make` (e.g. connects to a card), waiting at most
    /// `deadline` for it. `deadline` is also the deadline of each [`Transport::transmit`].
    pub fn spawn(
        name: &str,
        deadline: Duration,
        make: impl FnOnce() -> Result<T, TransportError> + Send + 'static,
    ) -> Result<CardThread<T>, TransportError> {
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job<T>>();
        let (made_tx, made_rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let mut value = match make() {
                    Ok(value) => {
                        let _ = made_tx.send(Ok(()));
                        value
                    }
                    Err(error) => {
                        let _ = made_tx.send(Err(error));
                        return;
                    }
                };
                while let Ok(job) = jobs_rx.recv() {
                    job(&mut value);
                }
            })
            .map_err(|e| {
                TransportError::Communication(format!("cannot start a card thread: {e}"))
            })?;
        let mut card_thread = CardThread {
            jobs: Some(jobs_tx),
            thread: Some(thread),
            deadline,
            abandoned: false,
        };
        match made_rx.recv_timeout(deadline) {
            Ok(Ok(())) => Ok(card_thread),
            Ok(Err(error)) => Err(error),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                card_thread.abandoned = true;
                Err(TransportError::Timeout(deadline))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(thread_ended()),
        }
    }

    /// Runs `job` on the value's thread and returns its result, or `Timeout` if it takes longer
    /// than `deadline` (after which every call answers `CardUnresponsive`).
    pub fn run<R: Send + 'static>(
        &mut self,
        deadline: Duration,
        job: impl FnOnce(&mut T) -> R + Send + 'static,
    ) -> Result<R, TransportError> {
        if self.abandoned {
            return Err(TransportError::CardUnresponsive);
        }
        let (result_tx, result_rx) = mpsc::channel();
        let job: Job<T> = Box::new(move |value| {
            let _ = result_tx.send(job(value));
        });
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if !sent {
            return Err(thread_ended());
        }
        match result_rx.recv_timeout(deadline) {
            Ok(result) => Ok(result),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.abandoned = true;
                Err(TransportError::Timeout(deadline))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(thread_ended()),
        }
    }

    /// Whether a job missed its deadline.
    pub fn is_abandoned(&self) -> bool {
        self.abandoned
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }
}

fn thread_ended() -> TransportError {
    TransportError::Communication("the card thread ended".to_string())
}

/// One command per job, with the thread's deadline: simple, but each command pays a hand-over.
impl<T: Transport + 'static> Transport for CardThread<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let command = zeroize::Zeroizing::new(command.to_vec());
        let deadline = self.deadline;
        self.run(deadline, move |transport| transport.transmit(&command))?
    }
}

impl<T> Drop for CardThread<T> {
    /// Lets the thread finish (dropping the value there: a card connection is released before
    /// this returns, so the next connection is not refused); an abandoned thread is left to end
    /// by itself.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && !self.abandoned
        {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_the_thread_in_order() {
        let mut counter =
            CardThread::spawn("test", Duration::from_secs(1), || Ok(0u32)).expect("spawns");
        for expected in 1..=3 {
            let value = counter
                .run(Duration::from_secs(1), |n| {
                    *n += 1;
                    *n
                })
                .expect("runs");
            assert_eq!(value, expected);
        }
    }

    #[test]
    fn a_job_past_its_deadline_abandons_the_thread() {
        let mut slow =
            CardThread::spawn("test", Duration::from_secs(1), || Ok(())).expect("spawns");
        let deadline = Duration::from_millis(50);
        assert_eq!(
            slow.run(deadline, |_| thread::sleep(Duration::from_millis(500))),
            Err(TransportError::Timeout(deadline))
        );
        assert!(slow.is_abandoned());
        assert_eq!(
            slow.run(deadline, |_| ()),
            Err(TransportError::CardUnresponsive)
        );
        // Dropping does not wait for the stuck job.
        let started = std::time::Instant::now();
        drop(slow);
        assert!(started.elapsed() < Duration::from_millis(300));
    }

    #[test]
    fn a_failed_start_is_reported() {
        let result = CardThread::<()>::spawn("test", Duration::from_secs(1), || {
            Err(TransportError::NoCard)
        });
        assert_eq!(result.err(), Some(TransportError::NoCard));
        let result = CardThread::<()>::spawn("test", Duration::from_millis(20), || {
            thread::sleep(Duration::from_millis(300));
            Ok(())
        });
        assert_eq!(
            result.err(),
            Some(TransportError::Timeout(Duration::from_millis(20)))
        );
    }

    #[test]
    fn a_panicking_job_ends_the_thread_cleanly() {
        let mut value =
            CardThread::spawn("test", Duration::from_secs(1), || Ok(())).expect("spawns");
        let result = value.run(Duration::from_secs(1), |_| -> u8 { panic!("job failed") });
        assert!(matches!(result, Err(TransportError::Communication(_))));
        assert!(matches!(
            value.run(Duration::from_secs(1), |_| 1),
            Err(TransportError::Communication(_))
        ));
    }
}
