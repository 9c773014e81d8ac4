//! A config's slots at the provider: how many of its tasks may be there at once, and the line
//! of tasks waiting for one (first come, first served: tokio's semaphore is fair).
//!
//! The limit is the smaller of the config's own cap (`max_concurrency`, set by hand) and the
//! key's concurrency limit the provider reports (`concurrentLimit` of the queue status, asked
//! when the gate is made, see `Run::gate`). A queue-full refusal (415, 421, 814) means the
//! account is fuller than the console knew, for example because others use the same key: the
//! gate then allows only the slots its other tasks hold, and grows back by one slot per
//! interval (additive increase), so the waiting tasks are not all sent to collect the same
//! refusal. A task that is already at the provider when the engine starts (resumed) is never
//! held back: it takes a slot when one is free and goes on without one otherwise.

use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(crate) struct Gate {
    sem: Arc<Semaphore>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The limit the gate grows back to: min(config cap, provider's limit).
    target: u32,
    /// The limit now (at most `target`).
    size: u32,
    /// Slots in use beyond `size` (after a shrink): each is forgotten when released.
    debt: u32,
    /// Whether a regrow is under way (one per gate).
    regrowing: bool,
}

/// One slot of a gate, held while the task is at the provider; released when dropped.
pub(crate) struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    gate: Option<Arc<Gate>>,
}

impl Slot {
    /// No slot: a task already at the provider when none was free.
    pub fn none() -> Slot {
        Slot {
            permit: None,
            gate: None,
        }
    }

    /// Gives the slot back now.
    pub fn release(&mut self) {
        let (Some(permit), Some(gate)) = (self.permit.take(), self.gate.as_ref()) else {
            return;
        };
        let mut st = gate.lock();
        if st.debt > 0 {
            st.debt -= 1;
            permit.forget();
        }
        // Otherwise dropping the permit returns it (to the first task in line).
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.release();
    }
}

impl Gate {
    /// A gate of `limit` slots (0 is allowed: nothing goes until it grows).
    pub fn new(limit: u32) -> Arc<Gate> {
        Arc::new(Gate {
            sem: Arc::new(Semaphore::new(limit as usize)),
            state: Mutex::new(State {
                target: limit,
                size: limit,
                debt: 0,
                regrowing: false,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn slot(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Slot {
        Slot {
            permit: Some(permit),
            gate: Some(self.clone()),
        }
    }

    /// A slot when one is free now.
    pub fn try_take(self: &Arc<Self>) -> Option<Slot> {
        let permit = self.sem.clone().try_acquire_owned().ok()?;
        Some(self.slot(permit))
    }

    /// The next free slot, in line after every task that asked before.
    pub async fn take(self: &Arc<Self>) -> Slot {
        match self.sem.clone().acquire_owned().await {
            Ok(permit) => self.slot(permit),
            // The semaphore is never closed.
            Err(_) => Slot::none(),
        }
    }

    /// `(in use, limit now)`.
    pub fn usage(&self) -> (u32, u32) {
        let st = self.lock();
        let available = u32::try_from(self.sem.available_permits()).unwrap_or(u32::MAX);
        ((st.size + st.debt).saturating_sub(available), st.size)
    }

    /// Sets the limit now to `n` (the target is unchanged).
    fn resize(&self, st: &mut State, n: u32) {
        if n < st.size {
            let want = st.size - n;
            let forgot = u32::try_from(self.sem.forget_permits(want as usize)).unwrap_or(want);
            st.debt += want - forgot.min(want);
        } else if n > st.size {
            let mut add = n - st.size;
            let cancel = add.min(st.debt);
            st.debt -= cancel;
            add -= cancel;
            self.sem.add_permits(add as usize);
        }
        st.size = n;
    }

    /// The provider refused a submit as queue-full while the refused task held one of this
    /// gate's slots: the limit becomes the slots the others hold. `true` when the caller must
    /// start the regrow (see [`Gate::regrow_one`]).
    pub fn provider_full(&self) -> bool {
        let mut st = self.lock();
        let available = u32::try_from(self.sem.available_permits()).unwrap_or(u32::MAX);
        let in_use = (st.size + st.debt).saturating_sub(available);
        let others = in_use.saturating_sub(1);
        if others < st.size {
            self.resize(&mut st, others);
        }
        let start = !st.regrowing && st.size < st.target;
        if start {
            st.regrowing = true;
        }
        start
    }

    /// One slot more, up to the target; `false` once the target is reached (the regrow ends).
    pub fn regrow_one(&self) -> bool {
        let mut st = self.lock();
        if st.size < st.target {
            let n = st.size + 1;
            self.resize(&mut st, n);
        }
        st.regrowing = st.size < st.target;
        st.regrowing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_queue_full_refusal_shrinks_the_gate_to_the_others_and_it_grows_back() {
        let gate = Gate::new(3);
        let a = gate.try_take().expect("a");
        let b = gate.try_take().expect("b");
        let mut c = gate.try_take().expect("c");
        assert!(gate.try_take().is_none(), "three slots");
        assert_eq!(gate.usage(), (3, 3));
        // c is refused: only a and b fit at the provider.
        assert!(gate.provider_full(), "the regrow starts");
        c.release();
        assert_eq!(gate.usage(), (2, 2));
        assert!(gate.try_take().is_none(), "no slot until one is freed");
        // b ends at the provider: its slot goes to the next in line.
        drop(b);
        let d = gate.try_take().expect("b's slot is free");
        assert_eq!(gate.usage(), (2, 2));
        // A second refusal while regrowing does not start another regrow.
        assert!(!gate.provider_full());
        drop(d);
        assert_eq!(gate.usage(), (1, 1));
        assert!(gate.regrow_one(), "not yet back");
        assert!(!gate.regrow_one(), "back at the target");
        assert_eq!(gate.usage(), (1, 3));
        let _e = gate.try_take().expect("e");
        let _f = gate.try_take().expect("f");
        assert!(gate.try_take().is_none());
        drop(a);
    }

    #[tokio::test]
    async fn a_gate_shrunk_to_nothing_holds_everyone_until_it_grows() {
        let gate = Gate::new(1);
        let mut a = gate.try_take().expect("a");
        assert!(gate.provider_full());
        a.release();
        assert_eq!(gate.usage(), (0, 0));
        let waiter = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.take().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "nothing may go");
        assert!(!gate.regrow_one());
        let slot = waiter.await.expect("the first in line gets the new slot");
        assert_eq!(gate.usage(), (1, 1));
        drop(slot);
        assert_eq!(gate.usage(), (0, 1));
    }
}
