//! Starting chromedriver and Chromium for one test, and waiting on page conditions.

use std::process::Stdio;

use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::TestApp;

pub struct Browser {
    pub driver: WebDriver,
    base: String,
    profile: std::path::PathBuf,
    chromedriver: Child,
}

impl Drop for Browser {
    /// A test that fails before `close` would leave Chromium running: chromedriver runs
    /// in a process group of its own, and the whole group goes with the test.
    fn drop(&mut self) {
        if let Some(pid) = self.chromedriver.id() {
            // `--` matters: without it `-PID` can be read as an option, and a bare
            // `kill -KILL -1` signals every process there is.
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromedriver_path() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

impl Browser {
    /// A fresh Chromium with its own profile, pointed at `app`.
    pub async fn open(app: &TestApp) -> Self {
        Self::launch(app, true).await
    }

    /// The same, with JavaScript switched off: plain links and forms only.
    pub async fn open_without_javascript(app: &TestApp) -> Self {
        Self::launch(app, false).await
    }

    async fn launch(app: &TestApp, javascript: bool) -> Self {
        let driver_path = chromedriver_path();
        assert!(
            std::path::Path::new(&driver_path).exists() && std::path::Path::new(CHROMIUM).exists(),
            "browser tests need {CHROMIUM} and {driver_path}: apt-get install chromium chromium-driver \
             (.ci/run installs them)"
        );
        let (chromedriver, port) = start_chromedriver(&driver_path).await;

        let profile =
            std::env::temp_dir().join(format!("tokendesk-chromium-{}-{port}", std::process::id()));
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).expect("binary");
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.display()),
        ] {
            caps.add_arg(arg).expect("a Chromium argument");
        }
        if !javascript {
            caps.add_experimental_option(
                "prefs",
                serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 }),
            )
            .expect("a Chromium preference");
        }
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .expect("starting Chromium through chromedriver");
        Self {
            driver,
            base: app.address.clone(),
            profile,
            chromedriver,
        }
    }

    pub async fn goto(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .expect("navigating");
    }

    /// The first element with this `data-testid`, waiting for it to appear.
    pub async fn find(&self, test_id: &str) -> WebElement {
        self.driver
            .query(By::Css(format!("[data-testid=\"{test_id}\"]")))
            .first()
            .await
            .unwrap_or_else(|e| panic!("no {test_id} on the page: {e}"))
    }

    /// Chooses the option `value` of the select with this `data-testid`.
    pub async fn choose(&self, test_id: &str, value: &str) {
        SelectElement::new(&self.find(test_id).await)
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("no option {value} in {test_id}: {e}"));
    }

    /// Names the token in the open create dialog and grants it `module`.
    pub async fn fill_create_form(&self, name: &str, module: &str) {
        self.find("create-name")
            .await
            .send_keys(name)
            .await
            .unwrap();
        self.css(&format!(
            "[data-testid=create-modules] input[value={module}]"
        ))
        .await
        .click()
        .await
        .unwrap();
    }

    /// Waits until `condition` (a JavaScript expression) holds in the page, checking it
    /// in the page on a short timer; fails after the WebDriver script timeout.
    pub async fn wait_until(&self, condition: &str) {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             const check = () => {{
               try {{ if ({condition}) {{ done(true); return; }} }} catch (e) {{}}
               setTimeout(check, 20);
             }};
             check();"
        );
        self.driver
            .execute_async(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("waiting for `{condition}`: {e}"));
    }

    /// The value of a JavaScript expression in the page.
    pub async fn eval(&self, expression: &str) -> serde_json::Value {
        self.driver
            .execute(format!("return {expression};"), Vec::new())
            .await
            .expect("running a script")
            .json()
            .clone()
    }

    pub async fn path_and_query(&self) -> String {
        let url = self.driver.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Signs in through the form on the current (sign-in) page.
    pub async fn fill_sign_in(&self, who: (&str, &str)) {
        for (field, value) in [("login-email", who.0), ("login-password", who.1)] {
            let input = self.find(field).await;
            input.clear().await.expect("clearing a field");
            input.send_keys(value).await.expect("typing");
        }
        self.find("login-submit")
            .await
            .click()
            .await
            .expect("submitting");
    }

    /// Opens the sign-in page and signs in.
    pub async fn sign_in(&self, who: (&str, &str)) {
        self.goto("/login").await;
        self.fill_sign_in(who).await;
        self.find("tokens-table").await;
    }

    /// Presses a key wherever the focus is.
    pub async fn press(&self, key: Key) {
        self.driver
            .action_chain()
            .send_keys(key)
            .perform()
            .await
            .expect("pressing a key");
    }

    /// Marks the current document, to tell an in-place htmx update from a page load.
    pub async fn mark_document(&self) {
        self.eval("(window.__tokendeskMarker = 'same document')")
            .await;
    }

    pub async fn same_document(&self) -> bool {
        self.eval("window.__tokendeskMarker === 'same document'")
            .await
            == serde_json::json!(true)
    }

    /// Starts keeping the path (with its query) of every request htmx sends from this
    /// document, and how many are still in flight, for `htmx_requests` and
    /// `wait_for_htmx_idle`: the events a customer's suite can listen to as well.
    pub async fn record_htmx_requests(&self) {
        self.eval(
            "(() => {
               window.__htmxRequests = [];
               window.__htmxInFlight = 0;
               document.addEventListener('htmx:beforeRequest', (e) => {
                 window.__htmxRequests.push(e.detail.pathInfo.finalRequestPath);
                 window.__htmxInFlight += 1;
               });
               document.addEventListener('htmx:afterRequest', () => { window.__htmxInFlight -= 1; });
               return true;
             })()",
        )
        .await;
    }

    /// The requests htmx has sent since `record_htmx_requests`, oldest first.
    pub async fn htmx_requests(&self) -> Vec<String> {
        serde_json::from_value(self.eval("window.__htmxRequests").await)
            .expect("the recorded requests")
    }

    /// Waits until no htmx request is in flight and no swap is settling.
    pub async fn wait_for_htmx_idle(&self) {
        self.wait_until(
            "window.__htmxInFlight === 0 && \
             !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')",
        )
        .await;
    }

    /// Lets the page read and write the clipboard, as a person's browser would after
    /// they allowed it.
    pub async fn allow_clipboard(&self) {
        self.driver
            .cdp()
            .send_raw(
                "Browser.grantPermissions",
                serde_json::json!({
                    "origin": self.base,
                    "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
                }),
            )
            .await
            .expect("granting clipboard access");
    }

    /// What the clipboard holds.
    pub async fn clipboard(&self) -> String {
        let value = self
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 navigator.clipboard.readText().then(done, (e) => done('error: ' + e));",
                Vec::new(),
            )
            .await
            .expect("reading the clipboard");
        value.json().as_str().unwrap_or_default().to_owned()
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn css(&self, css: &str) -> WebElement {
        self.driver
            .query(By::Css(css))
            .first()
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
    }

    /// Opens a listed token's details page by clicking its name.
    pub async fn open_listed(&self, token_id: &str) {
        self.css(&format!(
            "[data-token-id=\"{token_id}\"] [data-testid=token-name]"
        ))
        .await
        .click()
        .await
        .expect("opening the token");
    }

    /// The text of the first element with this `data-testid`, once it appears.
    pub async fn text(&self, test_id: &str) -> String {
        self.find(test_id).await.text().await.expect("reading text")
    }

    /// The tab the details page shows.
    pub async fn current_tab(&self) -> Option<String> {
        self.find("tab-panel")
            .await
            .attr("data-tab")
            .await
            .expect("reading the tab")
    }

    /// Opens the actions menu of a listed token and picks `action`.
    pub async fn row_action(&self, token_id: &str, action: &str) {
        self.css(&format!(
            "[data-token-id=\"{token_id}\"] [data-testid=token-actions]"
        ))
        .await
        .click()
        .await
        .expect("opening the menu");
        self.find(&format!("action-{action}"))
            .await
            .click()
            .await
            .expect("choosing the action");
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.css(css).await.text().await.expect("reading text")
    }

    /// Ends the WebDriver session; dropping then stops chromedriver.
    pub async fn close(self) {
        self.driver.clone().quit().await.expect("closing Chromium");
    }
}

/// Starts chromedriver on a port of its choosing, trying again (three times at most)
/// if it exits before saying it started.
async fn start_chromedriver(path: &str) -> (Child, u16) {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let mut chromedriver = Command::new(path)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()
            .expect("starting chromedriver");
        match read_port(&mut chromedriver).await {
            Ok(port) => return (chromedriver, port),
            Err(said) => failures.push(said),
        }
    }
    panic!(
        "chromedriver exited without starting, three times; it said:\n{}",
        failures.join("\n---\n")
    );
}

/// chromedriver prints the port it chose on its own start-up line.
async fn read_port(chromedriver: &mut Child) -> Result<u16, String> {
    let stdout = chromedriver.stdout.take().expect("chromedriver's stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut said = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            return rest.trim_end_matches('.').parse().map_err(|_| line.clone());
        }
        said.push(line);
    }
    Err(said.join("\n"))
}
