//! The suite's browser and demo: where the server and chromedriver are (from the
//! environment), the documented demo people and tokens, the demo reset, and waiting
//! on page conditions instead of sleeping.

use thirtyfour::prelude::*;

/// The portal, started with `serve --demo` (TOKENDESK_URL).
pub fn base_url() -> String {
    std::env::var("TOKENDESK_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8080".into())
        .trim_end_matches('/')
        .to_owned()
}

/// A chromedriver already running (CHROMEDRIVER_URL); this suite starts nothing.
fn chromedriver_url() -> String {
    std::env::var("CHROMEDRIVER_URL").unwrap_or_else(|_| "http://127.0.0.1:9515".into())
}

pub const ADMIN: (&str, &str, &str) = ("admin@demo.test", "demo-admin", "Avery Admin");

/// A token the docs give to worker 11: this suite may change it.
pub const OWN_TOKEN: (&str, &str) = ("TK-1000-0000-0028", "Inventory feed");

/// `POST /demo/reset`: the demo accounts back in their first state.
pub async fn reset_demo() {
    reqwest::Client::new()
        .post(format!("{}/demo/reset", base_url()))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("reaching the portal for a demo reset")
        .error_for_status()
        .expect("the demo reset");
}

/// `GET /api/v1/whoami` with a bearer secret: the status and the JSON body.
pub async fn whoami(secret: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/whoami", base_url()))
        .bearer_auth(secret)
        .send()
        .await
        .expect("calling the API");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

pub struct Browser {
    pub driver: WebDriver,
}

impl Browser {
    /// Debian's Chromium (CHROMIUM overrides it), headless, through chromedriver.
    pub async fn open() -> Self {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&chromium).expect("the Chromium binary");
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--window-size=1280,900",
        ] {
            caps.add_arg(arg).expect("a Chromium argument");
        }
        let driver = WebDriver::new(chromedriver_url(), caps)
            .await
            .expect("starting Chromium through chromedriver (is CHROMEDRIVER_URL right?)");
        Self { driver }
    }

    pub async fn goto(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", base_url()))
            .await
            .expect("navigating");
    }

    /// The first element matching `css` inside the page, once it is there.
    pub async fn css(&self, css: &str) -> WebElement {
        self.driver
            .query(By::Css(css))
            .first()
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
    }

    /// The first element with this `data-testid`, once it is there.
    pub async fn find(&self, test_id: &str) -> WebElement {
        self.css(&format!("[data-testid=\"{test_id}\"]")).await
    }

    pub async fn click(&self, test_id: &str) {
        self.find(test_id)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {test_id}: {e}"));
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.css(css).await.text().await.expect("reading text")
    }

    pub async fn text(&self, test_id: &str) -> String {
        self.find(test_id).await.text().await.expect("reading text")
    }

    /// Waits until `condition` (JavaScript) holds in the page, checking it every 20 ms
    /// in the page itself; fails after the WebDriver script timeout.
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

    /// Signs in through the sign-in form.
    pub async fn sign_in(&self, (email, password, name): (&str, &str, &str)) {
        self.goto("/login").await;
        self.find("login-email")
            .await
            .send_keys(email)
            .await
            .expect("typing");
        self.find("login-password")
            .await
            .send_keys(password)
            .await
            .expect("typing");
        self.click("login-submit").await;
        self.wait_until(&format!(
            "document.querySelector('[data-testid=current-user]')?.textContent === '{name}'"
        ))
        .await;
    }

    pub async fn quit(self) {
        self.driver.quit().await.expect("closing Chromium");
    }
}
