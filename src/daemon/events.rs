//! The daemon's event queue: every event gets the next id; the last
//! [`CAPACITY`] are kept for clients that poll (`get_next_events`, which
//! waits for the next one when there is none yet) or subscribe.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use crate::rpc::daemon_dto::{Event, EventDto, rfc3339};

/// Events kept for clients; older ones are dropped (ids show the gap).
pub const CAPACITY: usize = 1_000;

/// A bounded queue of events with increasing ids, and long polling on it.
pub struct EventQueue {
    kept: Mutex<VecDeque<EventDto>>,
    capacity: usize,
    /// The id of the latest event, and whether the queue is closed;
    /// waiters watch it.
    latest: watch::Sender<(u64, bool)>,
}

impl Default for EventQueue {
    fn default() -> EventQueue {
        EventQueue::with_capacity(CAPACITY)
    }
}

impl EventQueue {
    /// A queue keeping the last `capacity` events (at least one).
    pub fn with_capacity(capacity: usize) -> EventQueue {
        EventQueue {
            kept: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
            latest: watch::Sender::new((0, false)),
        }
    }

    /// Records `event` and wakes the waiters; returns its id.
    pub fn push(&self, event: Event) -> u64 {
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let id = self.latest.borrow().0 + 1;
        tracing::debug!(id, ?event, "event");
        if kept.len() == self.capacity {
            kept.pop_front();
        }
        kept.push_back(EventDto {
            id,
            time: rfc3339(SystemTime::now()),
            event,
        });
        self.latest.send_modify(|(latest, _)| *latest = id);
        id
    }

    /// The id of the latest event (0 before the first).
    pub fn last_id(&self) -> u64 {
        self.latest.borrow().0
    }

    /// The kept events with an id above `after` (all kept ones for `None`).
    pub fn after(&self, after: Option<u64>) -> Vec<EventDto> {
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let after = after.unwrap_or(0);
        kept.iter()
            .filter(|event| event.id > after)
            .cloned()
            .collect()
    }

    /// Like [`EventQueue::after`], but when there are none yet waits up to
    /// `timeout` for one; returns at once (maybe empty) once the queue is closed.
    pub async fn wait_after(&self, after: Option<u64>, timeout: Duration) -> Vec<EventDto> {
        let mut changes = self.latest.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = self.after(after);
            if !found.is_empty() || changes.borrow_and_update().1 {
                return found;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) | Err(_) => return Vec::new(),
            }
        }
    }

    /// Ends every wait, now and later (the daemon is stopping).
    pub fn close(&self) {
        self.latest.send_modify(|(_, closed)| *closed = true);
    }

    /// Whether [`EventQueue::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.latest.borrow().1
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;

    fn started(account: &str) -> Event {
        Event::SyncStarted {
            account: account.into(),
        }
    }

    fn ids(events: &[EventDto]) -> Vec<u64> {
        events.iter().map(|event| event.id).collect()
    }

    #[test]
    fn ids_increase_from_one_and_after_filters_by_id() {
        let queue = EventQueue::default();
        assert_eq!(queue.last_id(), 0);
        assert_eq!(queue.push(started("a")), 1);
        assert_eq!(queue.push(Event::TagsChanged { count: 2 }), 2);
        assert_eq!(queue.push(started("b")), 3);
        assert_eq!(queue.last_id(), 3);
        assert_eq!(ids(&queue.after(None)), [1, 2, 3]);
        assert_eq!(ids(&queue.after(Some(1))), [2, 3]);
        assert!(queue.after(Some(3)).is_empty());
        assert_eq!(
            queue.after(Some(1))[0].event,
            Event::TagsChanged { count: 2 }
        );
    }

    #[test]
    fn only_the_last_events_are_kept() {
        let queue = EventQueue::with_capacity(3);
        for _ in 0..5 {
            queue.push(started("a"));
        }
        assert_eq!(ids(&queue.after(None)), [3, 4, 5]);
        // A client that fell behind gets what is kept; the ids show the gap.
        assert_eq!(ids(&queue.after(Some(1))), [3, 4, 5]);
        assert_eq!(EventQueue::default().capacity, CAPACITY);
    }

    #[tokio::test]
    async fn waiting_times_out_empty_and_returns_at_once_when_events_exist() {
        let queue = EventQueue::default();
        let start = Instant::now();
        assert!(
            queue
                .wait_after(None, Duration::from_millis(50))
                .await
                .is_empty()
        );
        assert!(start.elapsed() >= Duration::from_millis(50));
        queue.push(started("a"));
        let start = Instant::now();
        let found = queue.wait_after(None, Duration::from_secs(10)).await;
        assert_eq!(ids(&found), [1]);
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_waiter_wakes_on_the_next_event_and_on_close() {
        let queue = Arc::new(EventQueue::default());
        queue.push(started("a"));
        let waiter = tokio::spawn({
            let queue = queue.clone();
            async move { queue.wait_after(Some(1), Duration::from_secs(10)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        queue.push(started("b"));
        let found = tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .expect("woken by the event")
            .expect("waiter");
        assert_eq!(ids(&found), [2]);

        let waiter = tokio::spawn({
            let queue = queue.clone();
            async move { queue.wait_after(Some(2), Duration::from_secs(10)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        queue.close();
        let found = tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .expect("woken by close")
            .expect("waiter");
        assert!(found.is_empty());
        assert!(queue.is_closed());
    }
}
