//! The engine's notion of now. Real time in production; a hand-set clock in tests, so a
//! one-day wait can be crossed without waiting a day.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// Epoch ms, moved only by `set`.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start_ms: i64) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    pub fn now(&self) -> i64 {
        match self {
            Clock::System => system_now(),
            Clock::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// Move a manual clock; the system clock ignores this.
    pub fn set(&self, ms: i64) {
        if let Clock::Manual(now) = self {
            now.store(ms, Ordering::SeqCst);
        }
    }
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
