//! HTTP client of the centre API v1, for kiosks, displays and the counter CLI.
//!
//! * Short timeouts (`centre.connect_timeout_ms`, `centre.request_timeout_ms`):
//!   a kiosk must decide quickly to fall back to an offline number.
//! * Retries only where repeating is harmless: a request that failed on an open
//!   connection (say, a pooled connection the centre had just closed) is retried
//!   once when idempotent (GETs, heartbeats, ticket issue thanks to its key).
//!   A refused or timed-out connection is reported at once: a kiosk then falls
//!   back to an offline number without waiting twice.
//! * Responses over 1 MiB are refused, and every failure becomes a [`LinkError`]
//!   with a plain message for the screen.

use crate::centre::api::*;
use crate::centre::tls::{is_loopback_host, url_host, ClientTrust};
use crate::config::Config;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

mod endpoints;
mod error;
mod events;

pub use self::error::LinkError;
pub use self::events::EventStream;

/// Largest response body accepted from the centre.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Silence on an event stream after which it is considered dead (the server
/// sends keep-alives every 15 s).
pub const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(45);

/// Pooled connections idle longer than this are not reused.
const POOL_IDLE: Duration = Duration::from_secs(8);

/// Largest catalog download a kiosk accepts (a provincial catalog is a few MB).
pub const MAX_CATALOG_BYTES: usize = 32 * 1024 * 1024;

/// A client of one centre. Cheap to clone (connection pools are shared).
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    stream_http: reqwest::Client,
    base: Arc<str>,
    token: Arc<str>,
}

/// Never prints the token.
impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient").field("base", &self.base).finish_non_exhaustive()
    }
}

impl ApiClient {
    /// `base_url` like `http://127.0.0.1:8700` (no trailing path), trusting
    /// the public roots for `https://` and plain HTTP only on loopback.
    pub fn new(
        base_url: &str,
        token: &str,
        connect_timeout: Duration,
        request_timeout: Duration,
    ) -> Result<ApiClient, LinkError> {
        Self::with_trust(base_url, token, connect_timeout, request_timeout, &ClientTrust::default())
    }

    /// `base_url` like `https://10.0.0.5:8700`, trusting the centre as `trust`
    /// says. Plain `http://` to another machine is refused unless
    /// `trust.insecure_http`: the token and citizens' data would cross the
    /// hall's network in clear.
    pub fn with_trust(
        base_url: &str,
        token: &str,
        connect_timeout: Duration,
        request_timeout: Duration,
        trust: &ClientTrust,
    ) -> Result<ApiClient, LinkError> {
        let base = base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(LinkError::Local(format!("centre URL `{base_url}` is not http(s)")));
        }
        if base.starts_with("http://") && !is_loopback_host(url_host(base)) && !trust.insecure_http {
            return Err(LinkError::Local(format!(
                "centre URL `{base_url}` is plain http:// to another machine: use https:// (motcua-kiosk centre tls init) \
                 or set tls.insecure_http = true to send the token and citizens' data unencrypted"
            )));
        }
        // The centre is on the local network: no proxy, small packets leave at once.
        // Idle pooled connections are dropped before the centre's idle timeout
        // (limits.idle_timeout_ms, at least 10 s) so a request never races its close.
        let build = |total: Option<Duration>| {
            let mut b = reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .tcp_nodelay(true)
                .no_proxy()
                .pool_idle_timeout(POOL_IDLE)
                .user_agent(concat!("motcua-kiosk/", env!("CARGO_PKG_VERSION")));
            if let Some(tls) = &trust.tls {
                b = b.use_preconfigured_tls(tls.clone());
            }
            match total {
                Some(t) => b.timeout(t),
                None => b.read_timeout(STREAM_READ_TIMEOUT),
            }
            .build()
            .map_err(|e| LinkError::Local(format!("cannot build the HTTP client: {e}")))
        };
        Ok(ApiClient {
            http: build(Some(request_timeout))?,
            stream_http: build(None)?,
            base: base.into(),
            token: token.into(),
        })
    }

    /// A client for `centre.url` with the configured token and timeouts.
    pub fn from_config(cfg: &Config) -> Result<ApiClient, LinkError> {
        Self::for_url(cfg, &cfg.centre.url)
    }

    /// A client for another URL with the config's token and timeouts.
    pub fn for_url(cfg: &Config, url: &str) -> Result<ApiClient, LinkError> {
        let trust = ClientTrust::from_config(&cfg.tls).map_err(LinkError::Local)?;
        Self::with_trust(
            url,
            &cfg.centre.token,
            Duration::from_millis(cfg.centre.connect_timeout_ms),
            Duration::from_millis(cfg.centre.request_timeout_ms),
            &trust,
        )
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn attempt<B: Serialize + ?Sized>(
        &self,
        method: &Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(StatusCode, Vec<u8>), reqwest::Error> {
        let mut rb = self.http.request(method.clone(), format!("{}{}", self.base, path));
        // A device being provisioned has no token yet.
        if !self.token.is_empty() {
            rb = rb.bearer_auth(&*self.token);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let mut resp = rb.send().await?;
        let status = resp.status();
        let mut buf = Vec::new();
        if resp.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Ok((status, vec![0; MAX_RESPONSE_BYTES + 1]));
        }
        while let Some(chunk) = resp.chunk().await? {
            buf.extend_from_slice(&chunk);
            if buf.len() > MAX_RESPONSE_BYTES {
                break;
            }
        }
        Ok((status, buf))
    }

    /// Sends a request; `idempotent` allows one retry after a failure on an open
    /// connection (the request may have reached the centre).
    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<(StatusCode, T), LinkError> {
        let mut tries = 0;
        let (status, bytes) = loop {
            tries += 1;
            match self.attempt(&method, path, body).await {
                Ok(r) => break r,
                Err(e) => {
                    let retry =
                        tries == 1 && idempotent && e.is_request() && !e.is_connect() && !e.is_timeout();
                    if !retry {
                        return Err(LinkError::from_reqwest(&e));
                    }
                    tracing::debug!(error = %e, path, "retrying once");
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
            }
        };
        if bytes.len() > MAX_RESPONSE_BYTES {
            return Err(LinkError::BadResponse(format!("response larger than {MAX_RESPONSE_BYTES} bytes")));
        }
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ApiError>(&bytes) {
                Ok(e) => LinkError::from_api(status, e),
                Err(_) if status == StatusCode::UNAUTHORIZED => LinkError::Unauthorized,
                Err(_) if status.is_server_error() => LinkError::Rejected {
                    status: status.as_u16(),
                    code: "server_error".into(),
                    message: format!("HTTP {status}"),
                },
                Err(_) => LinkError::BadResponse(format!("HTTP {status} without an API error body")),
            });
        }
        let v = serde_json::from_slice(&bytes).map_err(|e| LinkError::BadResponse(format!("{path}: {e}")))?;
        Ok((status, v))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, LinkError> {
        Ok(self.call::<T, ()>(Method::GET, path, None, true).await?.1)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (a path
/// segment or a query value).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("000.00.06.H56-231027-0361"), "000.00.06.H56-231027-0361");
        assert_eq!(encode_component("a/b c?ễ"), "a%2Fb%20c%3F%E1%BB%85");
    }

    #[test]
    fn debug_never_shows_the_token() {
        let d = Duration::from_millis(100);
        let c = ApiClient::new("http://127.0.0.1:1", "secret-token-value", d, d).unwrap();
        let s = format!("{c:?}");
        assert!(s.contains("127.0.0.1") && !s.contains("secret-token-value"), "{s}");
    }

    #[test]
    fn only_http_urls_are_accepted() {
        let d = Duration::from_millis(100);
        assert!(ApiClient::new("ftp://x", "t", d, d).is_err());
        assert_eq!(
            ApiClient::new("http://127.0.0.1:1/", "t", d, d).unwrap().base_url(),
            "http://127.0.0.1:1"
        );
    }

    #[test]
    fn plain_http_leaves_this_machine_only_when_allowed() {
        let d = Duration::from_millis(100);
        let err = ApiClient::new("http://10.0.0.5:8700", "t", d, d).unwrap_err();
        assert!(err.to_string().contains("tls.insecure_http"), "{err}");
        assert!(ApiClient::new("https://10.0.0.5:8700", "t", d, d).is_ok());
        assert!(ApiClient::new("http://localhost:8700", "t", d, d).is_ok());
        let insecure = ClientTrust { insecure_http: true, ..ClientTrust::default() };
        assert!(ApiClient::with_trust("http://10.0.0.5:8700", "t", d, d, &insecure).is_ok());
    }
}
