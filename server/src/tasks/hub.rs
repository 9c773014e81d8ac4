//! In-process wake-ups: a channel per watched task carrying its new events, and one channel
//! naming tasks whose status changed. The database stays the source of truth: a viewer that
//! misses a message reads what it missed from there.

use app::domain::{TaskEvent, TaskId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

pub struct Hub {
    tasks: Mutex<HashMap<TaskId, broadcast::Sender<Arc<TaskEvent>>>>,
    changes: broadcast::Sender<TaskId>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tasks: Mutex::new(HashMap::new()),
            changes: broadcast::channel(4096).0,
        }
    }
}

impl Hub {
    /// New events of `id` from now on.
    pub fn subscribe(&self, id: TaskId) -> broadcast::Receiver<Arc<TaskEvent>> {
        let mut map = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id)
            .or_insert_with(|| broadcast::channel(512).0)
            .subscribe()
    }

    /// Forgets the channel of `id` once nobody listens.
    pub fn release(&self, id: TaskId) {
        let mut map = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(&id).is_some_and(|tx| tx.receiver_count() == 0) {
            map.remove(&id);
        }
    }

    pub fn subscribe_changes(&self) -> broadcast::Receiver<TaskId> {
        self.changes.subscribe()
    }

    pub fn publish(&self, event: TaskEvent, status_changed: bool) {
        let id = event.task_id;
        {
            let mut map = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(tx) = map.get(&id)
                && tx.send(Arc::new(event)).is_err()
            {
                map.remove(&id);
            }
        }
        if status_changed {
            let _ = self.changes.send(id);
        }
    }

    /// Channels currently held (for tests and metrics).
    pub fn watched(&self) -> usize {
        self.tasks.lock().map(|m| m.len()).unwrap_or(0)
    }
}
