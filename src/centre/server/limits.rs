//! Limits per request: rate limits (429 `rate_limited` with `Retry-After`),
//! a cap on event streams per device, and a time limit on answering.
//!
//! The rate limits are token buckets of our own (a dozen lines of arithmetic):
//! one bucket per device token and one per client address for each limited
//! kind of request; a request passes when both have a token. The table is
//! bounded (full buckets are forgotten first), the `Retry-After` is exact, and
//! no dependency tree comes with it.

use super::{AppState, HttpError};
use crate::config::LimitsConfig;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Buckets kept per kind before full ones are forgotten.
const MAX_KEYS: usize = 4096;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dossier,
    Rating,
    Ticket,
    /// The public ticket status and phone page (per address only).
    Public,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Dossier => "dossier lookups",
            Kind::Rating => "ratings",
            Kind::Ticket => "tickets",
            Kind::Public => "ticket status requests",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// SHA-256 of the bearer token (the token itself is not kept here).
    Device([u8; 32]),
    Addr(IpAddr),
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets: `burst` requests at once, refilled at `per_minute`.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::default(),
        }
    }

    fn unlimited(&self) -> bool {
        self.per_second == 0.0
    }

    /// Takes one token for `key`, or says how long until one is there.
    fn take(&self, key: Key, now: Instant) -> Result<(), Duration> {
        let mut m = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= MAX_KEYS && !m.contains_key(&key) {
            let (rate, burst) = (self.per_second, self.burst);
            m.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
            if m.len() >= MAX_KEYS {
                // Every bucket is in use: a flood of new keys must not grow the table.
                return Err(Duration::from_secs(1));
            }
        }
        let b = m.entry(key).or_insert(Bucket { tokens: self.burst, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * self.per_second).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.per_second))
        }
    }
}

/// The limits of one server.
pub struct Limits {
    pub request_timeout: Duration,
    streams_per_device: u32,
    streams: Mutex<HashMap<[u8; 32], u32>>,
    dossier: RateLimiter,
    rating: RateLimiter,
    ticket: RateLimiter,
    public: RateLimiter,
}

impl Limits {
    pub fn new(c: &LimitsConfig) -> Limits {
        Limits {
            request_timeout: Duration::from_millis(c.request_timeout_ms),
            streams_per_device: c.streams_per_device,
            streams: Mutex::default(),
            dossier: RateLimiter::new(c.dossier_per_minute, c.dossier_burst),
            rating: RateLimiter::new(c.rating_per_minute, c.rating_burst),
            ticket: RateLimiter::new(c.ticket_per_minute, c.ticket_burst),
            public: RateLimiter::new(c.public_per_minute, c.public_burst),
        }
    }

    fn limiter(&self, kind: Kind) -> &RateLimiter {
        match kind {
            Kind::Dossier => &self.dossier,
            Kind::Rating => &self.rating,
            Kind::Ticket => &self.ticket,
            Kind::Public => &self.public,
        }
    }

    /// A place for one more event stream of this device, or `None` at the cap.
    pub fn open_stream(self: &Arc<Self>, headers: &HeaderMap) -> Option<StreamSlot> {
        let device = device_key(headers)?;
        let mut m = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(device).or_insert(0);
        if *n >= self.streams_per_device {
            return None;
        }
        *n += 1;
        Some(StreamSlot { limits: self.clone(), device })
    }
}

/// One open event stream; freed when the stream ends.
pub struct StreamSlot {
    limits: Arc<Limits>,
    device: [u8; 32],
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut m = self.limits.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.device) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.device);
            }
        }
    }
}

fn device_key(headers: &HeaderMap) -> Option<[u8; 32]> {
    let auth = headers.get(header::AUTHORIZATION)?;
    Some(crate::centre::tls::fingerprint(auth.as_bytes()))
}

/// 429 `rate_limited` (or another code) with `Retry-After` in whole seconds.
pub fn too_many(code: &str, message: String, retry_after: Duration) -> Response {
    let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let mut r = HttpError::new(StatusCode::TOO_MANY_REQUESTS, code, message).into_response();
    r.headers_mut().insert(header::RETRY_AFTER, secs.into());
    r
}

/// Middleware: the rate limit of `kind`, per device token and per address.
pub async fn rate_limit(State((st, kind)): State<(AppState, Kind)>, req: Request, next: Next) -> Response {
    let limiter = st.limits.limiter(kind);
    if !limiter.unlimited() {
        let now = Instant::now();
        let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical());
        let device = if kind == Kind::Public { None } else { device_key(req.headers()) };
        let checks = [device.map(|d| (Key::Device(d), "device")), addr.map(|a| (Key::Addr(a), "address"))];
        for (key, whose) in checks.into_iter().flatten() {
            if let Err(wait) = limiter.take(key, now) {
                let secs = wait.as_secs_f64().ceil().max(1.0);
                tracing::info!(?addr, kind = kind.what(), "rate limited");
                return too_many(
                    "rate_limited",
                    format!("too many {} from this {whose}; try again in {secs} s", kind.what()),
                    wait,
                );
            }
        }
    }
    next.run(req).await
}

/// Middleware: a request must be answered within `limits.request_timeout_ms`
/// (the event stream's body is not counted: its handler answers at once).
pub async fn request_timeout(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let limit = st.limits.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            let mut r = HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!("the centre did not answer within {} ms; try again", limit.as_millis()),
            )
            .into_response();
            r.headers_mut().insert(header::RETRY_AFTER, 1.into());
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_pace_is_held() {
        let l = RateLimiter::new(20, 10);
        let t0 = Instant::now();
        let k = || Key::Addr("10.0.0.9".parse().unwrap());
        for _ in 0..10 {
            assert!(l.take(k(), t0).is_ok());
        }
        let wait = l.take(k(), t0).unwrap_err();
        assert!((2.9..=3.1).contains(&wait.as_secs_f64()), "20/min: one every 3 s, {wait:?}");
        assert!(l.take(k(), t0 + Duration::from_secs(3)).is_ok());
        assert!(l.take(k(), t0 + Duration::from_secs(3)).is_err());
        // Another address has its own bucket.
        assert!(l.take(Key::Addr("10.0.0.8".parse().unwrap()), t0).is_ok());
    }

    #[test]
    fn a_busy_kiosk_all_day_is_never_limited_by_the_defaults() {
        // A citizen every 3 s for 8 hours (more than one kiosk can serve), each
        // taking a ticket, looking up a dossier and rating (two calls); and
        // every 5 minutes a family looking up 10 dossiers at once.
        let l = Limits::new(&LimitsConfig::default());
        let t0 = Instant::now();
        let kiosk = || Key::Device([7; 32]);
        for step in 0..(8 * 3600 / 3) {
            let now = t0 + Duration::from_secs(step * 3);
            assert!(l.ticket.take(kiosk(), now).is_ok(), "ticket limited at {step}");
            assert!(l.dossier.take(kiosk(), now).is_ok(), "lookup limited at {step}");
            if step % 2 == 0 {
                assert!(l.rating.take(kiosk(), now).is_ok() && l.rating.take(kiosk(), now).is_ok());
            }
            if step % 100 == 0 {
                for _ in 0..10 {
                    assert!(l.dossier.take(kiosk(), now).is_ok(), "family burst limited at {step}");
                }
            }
        }
        // Walking codes at machine speed stops after the burst.
        let walker = || Key::Addr("10.0.0.66".parse().unwrap());
        let passed =
            (0..100).filter(|i| l.dossier.take(walker(), t0 + Duration::from_millis(i * 10)).is_ok()).count();
        assert_eq!(passed, 20);
    }

    #[test]
    fn the_table_stays_bounded() {
        let l = RateLimiter::new(60, 1);
        let t0 = Instant::now();
        for i in 0..MAX_KEYS as u32 {
            let _ = l.take(Key::Addr(IpAddr::from(i.to_be_bytes())), t0);
        }
        // All buckets empty: a new key is turned away instead of growing the table.
        assert!(l.take(Key::Addr("255.255.255.255".parse().unwrap()), t0).is_err());
        // A second later they are full again and forgotten to make room.
        assert!(l.take(Key::Addr("255.255.255.255".parse().unwrap()), t0 + Duration::from_secs(2)).is_ok());
        assert!(l.buckets.lock().unwrap().len() < 10);
    }
}
