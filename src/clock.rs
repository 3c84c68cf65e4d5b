//! Wall-clock time, injectable: the server uses the system clock, tests a manual one they
//! can advance (SMS expiry, lockout and session timeout are about real minutes).
//! The sandbox's own "today" is the tenant's sandbox date, not this.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone)]
pub struct Clock(Arc<Mutex<Option<DateTime<Utc>>>>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Mutex::new(None)))
    }

    /// A clock that stands still at `start` until advanced.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Mutex::new(Some(start))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match *self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(t) => t,
            None => Utc::now(),
        }
    }

    /// Move a manual clock forward; a system clock ignores this.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            *t += by;
        }
    }
}
