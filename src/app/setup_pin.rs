//! The setup PIN's guard: checks a typed PIN against the configured one (an
//! Argon2id hash, or a clear PIN from an old config) and keeps the wrong
//! attempts and the lockout in the kiosk's database, so a session's end or a
//! restart does not give a guesser new tries. The state is read once, on
//! first use (the heartbeat's or the pad's), and written at every change.

use crate::config::{pin, Config};
use crate::domain::pin_lockout::PinLockout;
use crate::store::{self, Store};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Mutex;

/// What a submitted PIN led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinAnswer {
    Right,
    Wrong,
    /// Locked until then (this attempt was not even checked, or it ended a round).
    Locked(DateTime<Utc>),
}

struct State {
    lockout: PinLockout,
    /// `None` when the database could not be opened (counted in memory only).
    store: Option<Store>,
}

pub struct PinGuard {
    db: PathBuf,
    state: Mutex<Option<State>>,
}

impl PinGuard {
    pub fn new(cfg: &Config) -> PinGuard {
        PinGuard { db: store::kiosk_db_path(&cfg.data_dir()), state: Mutex::new(None) }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = self.state.lock().expect("pin guard lock");
        let st = guard.get_or_insert_with(|| match Store::open(&self.db) {
            Ok(s) => {
                let lockout = store::pin_lockout::load(s.conn()).unwrap_or_else(|e| {
                    tracing::error!("cannot read the setup PIN lockout: {e}");
                    PinLockout::default()
                });
                State { lockout, store: Some(s) }
            }
            Err(e) => {
                tracing::error!("setup PIN lockout kept in memory only: {e}");
                State { lockout: PinLockout::default(), store: None }
            }
        });
        f(st)
    }

    fn save(st: &mut State, next: PinLockout) {
        if next == st.lockout {
            return;
        }
        st.lockout = next;
        if let Some(s) = &st.store {
            if let Err(e) = store::pin_lockout::save(s.conn(), &next) {
                tracing::error!("cannot save the setup PIN lockout: {e}");
            }
        }
    }

    /// The wrong attempts and the lockout in force, for the heartbeat.
    pub fn state(&self, now: DateTime<Utc>) -> PinLockout {
        self.with(|st| PinLockout { failures: st.lockout.failures, locked_until: st.lockout.locked_at(now) })
    }

    /// The lockout in force at `now`, if any.
    pub fn locked(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.with(|st| st.lockout.locked_at(now))
    }

    /// Checks `typed` against `stored` (refused unchecked while locked).
    pub fn submit(&self, typed: &str, stored: &str, now: DateTime<Utc>) -> PinAnswer {
        self.with(|st| {
            if let Some(until) = st.lockout.locked_at(now) {
                return PinAnswer::Locked(until);
            }
            if pin::verify(typed, stored) {
                Self::save(st, st.lockout.succeeded());
                return PinAnswer::Right;
            }
            let next = st.lockout.failed(now);
            Self::save(st, next);
            tracing::warn!("wrong setup PIN (attempt {})", next.failures);
            match next.locked_at(now) {
                Some(until) => PinAnswer::Locked(until),
                None => PinAnswer::Wrong,
            }
        })
    }

    /// A new PIN was set: the count starts again.
    pub fn reset(&self) {
        self.with(|st| Self::save(st, PinLockout::default()));
    }
}

/// The lockout message: seconds under a minute and a half, else minutes.
pub fn locked_message(lang: crate::config::Language, now: DateTime<Utc>, until: DateTime<Utc>) -> String {
    let secs = (until - now).num_seconds().max(1);
    let (n, vi, en) =
        if secs <= 90 { (secs, "giây", "seconds") } else { ((secs + 59) / 60, "phút", "minutes") };
    match lang {
        crate::config::Language::Vi => format!("Nhập sai quá nhiều lần. Thử lại sau {n} {vi}."),
        crate::config::Language::En => format!("Too many wrong PINs. Try again in {n} {en}."),
    }
}

/// Replaces a clear PIN in the config file by its hash (after the first
/// right entry), keeping the rest of the file as it is.
pub fn store_hash_of(cfg: &Config, typed: &str) {
    let Some(path) = &cfg.source else { return };
    // Only a clear PIN, and only if the file still holds one (not changed since).
    let on_file = crate::config::load(Some(path)).map(|c| c.kiosk.setup_pin);
    if pin::is_hashed(&cfg.kiosk.setup_pin) || on_file.is_ok_and(|p| pin::is_hashed(&p)) {
        return;
    }
    let change = crate::config::edit::Change::new("kiosk.setup_pin", pin::hash(typed));
    match crate::config::edit::edit_file(path, &[change]) {
        Ok(_) => tracing::info!("the setup PIN in {} is now stored as its hash", path.display()),
        Err(e) => tracing::warn!("the setup PIN stays in clear in {}: {e}", path.display()),
    }
}
