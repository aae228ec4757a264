//! A real headless Chromium for the web tests, driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`; `fantoccini` as the client).
//! The tests FAIL when the browser is missing; they skip only when
//! `MOTCUA_SKIP_BROWSER=1` is set on purpose.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `true` when the browser tests are to be skipped (`MOTCUA_SKIP_BROWSER=1`).
pub fn skip() -> bool {
    if std::env::var("MOTCUA_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("MOTCUA_SKIP_BROWSER=1: browser test skipped");
        return true;
    }
    false
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium (its own profile
    /// directory) with a 1366x768 window.
    pub async fn start() -> Browser {
        Self::start_sized(1366, 768).await
    }

    pub async fn start_sized(width: u32, height: u32) -> Browser {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(bin).exists(),
                "{bin} is missing: install the Debian packages `chromium chromium-driver` \
                 (.ci/run does), or set MOTCUA_SKIP_BROWSER=1 to skip the browser tests on purpose"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port} within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ]
            }
        });
        let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session starts");
        Browser { client, driver, _profile: profile }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.unwrap().is_empty()
    }

    /// The rendered text of an element, read in one step in the page (the
    /// live panel may be replaced between a find and a read).
    pub async fn text(&self, css: &str) -> String {
        let v = self
            .js(&format!("const e = document.querySelector({css:?}); return e ? e.innerText : null;"))
            .await;
        v.as_str().unwrap_or_else(|| panic!("no element `{css}`")).trim().to_string()
    }

    /// Runs JavaScript in the page and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `check` (JavaScript returning a boolean) holds, or panics
    /// with `what` after `timeout`.
    pub async fn wait_for(&self, what: &str, check: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.client.execute(&format!("return !!({check});"), vec![]).await;
            if matches!(v, Ok(Value::Bool(true))) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what} ({check})");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the element's text contains `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) {
        let check = format!(
            "(document.querySelector({css:?}) || {{}}).textContent && document.querySelector({css:?}).textContent.includes({needle:?})"
        );
        self.wait_for(&format!("`{needle}` in {css}"), &check, Duration::from_secs(10)).await;
    }

    /// Presses one key as a person would (WebDriver key actions on the page).
    pub async fn press(&self, key: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let ch = key.chars().next().unwrap();
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: ch })
            .then(KeyAction::Up { value: ch });
        self.client.perform_actions(keys).await.unwrap();
    }

    /// Two clicks on an element in quick succession at the same spot (a double click).
    pub async fn double_click(&self, css: &str) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let el = self.find(css).await;
        let actions = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement { element: el, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client.perform_actions(actions).await.unwrap();
    }

    pub async fn screenshot(&self, path: &std::path::Path) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(path, png).unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
