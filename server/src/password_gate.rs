//! A bound on concurrent password checks. Each Argon2 check takes 19 MiB and a core for tens of
//! milliseconds: unbounded, a flood of logins grew the server to gigabytes. At most one check
//! per core runs, a short queue waits, and beyond that the request is refused at once with
//! `503 Busy` and `Retry-After`.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::ApiError;

/// Password checks running and waiting.
#[derive(Debug)]
pub struct PasswordGate {
    running: Semaphore,
    /// Requests holding or waiting for a permit.
    admitted: AtomicUsize,
    /// The most requests holding or waiting for a permit.
    capacity: usize,
}

/// A place in the gate: held while the password is checked.
#[derive(Debug)]
pub struct Admitted<'a> {
    gate: &'a PasswordGate,
    _permit: SemaphorePermit<'a>,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.gate.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordGate {
    /// `permits` checks at once and `queue` more waiting (at least one of each).
    pub fn new(permits: usize, queue: usize) -> Self {
        let permits = permits.max(1);
        Self {
            running: Semaphore::new(permits),
            admitted: AtomicUsize::new(0),
            capacity: permits + queue.max(1),
        }
    }

    /// One check per core, and a queue of sixteen per core (a waiting request holds no Argon2
    /// memory: only a running check does).
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, 16 * cores)
    }

    /// Waits for a permit, or refuses at once when the queue is full.
    ///
    /// # Errors
    /// 503 `Busy` with `Retry-After: 1`.
    pub async fn enter(&self) -> Result<Admitted<'_>, ApiError> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::busy());
        }
        match self.running.acquire().await {
            Ok(permit) => Ok(Admitted {
                gate: self,
                _permit: permit,
            }),
            Err(_) => {
                self.admitted.fetch_sub(1, Ordering::SeqCst);
                Err(ApiError::busy())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_running_and_the_queue_it_refuses_at_once() {
        let gate = PasswordGate::new(1, 1);
        let first = gate.enter().await.unwrap();
        // The second waits (admitted), the third is refused.
        let gate_ref = &gate;
        let second = gate_ref.enter();
        tokio::pin!(second);
        tokio::select! {
            biased;
            _ = &mut second => panic!("no permit is free"),
            () = std::future::ready(()) => {}
        }
        let third = gate.enter().await.unwrap_err();
        assert_eq!((third.status().as_u16(), third.code()), (503, "Busy"));
        drop(first);
        let second = second.await.unwrap();
        drop(second);
        assert!(gate.enter().await.is_ok());
    }
}
