//! A real headless Chromium for page journeys, driven over WebDriver (fantoccini) through
//! Debian's `chromedriver`. Nothing downloads a browser: the machine's `chromium` and
//! `chromium-driver` packages are used (`.ci/run` installs them).
//!
//! Without a `chromedriver` on the PATH the browser journeys are not run (a note is
//! printed), unless `WUYE_REQUIRE_BROWSER=1` (CI), which makes a missing browser a
//! failure; every journey that ran appends a line to `WUYE_BROWSER_RAN_FILE`, so CI can
//! check that they really ran.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Where screenshots go: `e2e/artifacts/` (ignored by git).
pub fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts")
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

/// A chromedriver process and one browser session; both end when dropped or closed.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium, or `None` when the machine has no
    /// chromedriver and the browser is not required.
    pub async fn start() -> Option<Browser> {
        let Some(driver) = which("chromedriver") else {
            assert!(
                std::env::var("WUYE_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "WUYE_REQUIRE_BROWSER=1 but chromedriver is not installed (apt-get install chromium chromium-driver)"
            );
            eprintln!("note: chromedriver is not installed; browser journey not run");
            return None;
        };
        let browser = Self::launch(driver)
            .await
            .expect("starting headless Chromium");
        if let Ok(path) = std::env::var("WUYE_BROWSER_RAN_FILE") {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = writeln!(f, "{}", std::thread::current().name().unwrap_or("journey"));
            }
        }
        Some(browser)
    }

    async fn launch(driver: PathBuf) -> anyhow::Result<Browser> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("running chromedriver")?;
        let profile = std::env::temp_dir()
            .join("wuye-browser")
            .join(uuid::Uuid::new_v4().simple().to_string());
        std::fs::create_dir_all(&profile)?;
        let mut caps = serde_json::Map::new();
        let mut options = json!({
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ]
        });
        if let Some(chromium) = which("chromium") {
            options["binary"] = json!(chromium);
        }
        caps.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut driver = child;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                // chromedriver takes a moment to listen.
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => {
                    let _ = driver.kill();
                    return Err(anyhow::anyhow!("connecting to chromedriver: {e}"));
                }
            }
        };
        Ok(Browser {
            client,
            driver,
            profile,
        })
    }

    /// Opens a page.
    pub async fn open(&self, url: &str) -> anyhow::Result<()> {
        self.client.goto(url).await.context("opening a page")?;
        Ok(())
    }

    /// Acts as the account whose token this is on the site at `web` (its session cookie,
    /// as signing in sets it); `None`: signed out.
    pub async fn act_as(&self, web: &str, token: Option<&str>) -> anyhow::Result<()> {
        self.open(&format!("{web}/")).await?;
        self.client.delete_all_cookies().await?;
        if let Some(token) = token {
            // (WebDriver's add_cookie refuses a host that is an IP address.)
            self.client
                .execute(
                    "document.cookie = 'wuye_session=' + arguments[0] + '; path=/'",
                    vec![json!(token)],
                )
                .await?;
        }
        Ok(())
    }

    /// Types into the field with this CSS selector (clearing it first).
    pub async fn fill(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        let field = self.client.find(Locator::Css(selector)).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Clicks the element with this CSS selector.
    pub async fn click(&self, selector: &str) -> anyhow::Result<()> {
        self.client
            .find(Locator::Css(selector))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// The visible text of the page body.
    pub async fn text(&self) -> anyhow::Result<String> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }

    /// Waits (up to 10 s) until the page's text contains `needle` — after a click that
    /// navigates, the old page may still be there, or be going — and returns the text.
    pub async fn wait_for(&self, needle: &str) -> anyhow::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.text().await {
                Ok(t) if t.contains(needle) => return Ok(t),
                Ok(t) if Instant::now() >= deadline => {
                    anyhow::bail!("the page never showed {needle:?}; it shows: {t}")
                }
                Err(e) if Instant::now() >= deadline => return Err(e),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Saves a PNG screenshot as `e2e/artifacts/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
