//! A person with a browser, minus the JavaScript: keeps cookies, never follows
//! redirects on its own, and reads pages by their `data-testid` selectors.

use std::sync::{Arc, Mutex, PoisonError};

use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode, redirect};
use scraper::{Html, Selector};

use crate::common::{IDLE_CONNECTION_REUSE, TestApp};

#[derive(Clone)]
pub struct Visitor {
    client: Client,
    base: String,
    /// Every page received, when made with [`Visitor::recording`].
    transcript: Option<Arc<Mutex<Vec<Page>>>>,
}

#[derive(Clone)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Visitor {
    pub fn new(app: &TestApp) -> Self {
        Self::at(&app.address)
    }

    /// A visitor of the server at `address` (a `tokendesk serve` process, say).
    pub fn at(address: &str) -> Self {
        Self::browsing(address, Client::builder())
    }

    /// A visitor of the server at `address` through a proxy that says it is `client`.
    pub fn at_behind_a_proxy(address: &str, client: std::net::IpAddr) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_str(&client.to_string()).unwrap(),
        );
        Self::browsing(address, Client::builder().default_headers(headers))
    }

    /// A visitor whose browser names itself `user_agent`.
    pub fn with_user_agent(app: &TestApp, user_agent: &str) -> Self {
        Self::browsing(&app.address, Client::builder().user_agent(user_agent))
    }

    fn browsing(address: &str, client: reqwest::ClientBuilder) -> Self {
        let client = client
            .redirect(redirect::Policy::none())
            .cookie_store(true)
            .pool_idle_timeout(IDLE_CONNECTION_REUSE)
            .build()
            .expect("building the HTTP client");
        Self {
            client,
            base: address.to_owned(),
            transcript: None,
        }
    }

    /// A visitor that keeps every page it receives, for [`Visitor::transcript`].
    #[allow(dead_code, reason = "for tests/no_leaks.rs, which shares this file")]
    pub fn recording(app: &TestApp) -> Self {
        Self {
            transcript: Some(Arc::default()),
            ..Self::new(app)
        }
    }

    /// Every page a recording visitor has received, in order.
    #[allow(dead_code, reason = "for tests/no_leaks.rs, which shares this file")]
    pub fn transcript(&self) -> Vec<Page> {
        let transcript = self.transcript.as_ref().expect("a recording visitor");
        transcript
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A visitor already signed in as `who`.
    pub async fn signed_in(app: &TestApp, who: (&str, &str)) -> Self {
        let visitor = Self::new(app);
        let page = visitor.sign_in(who.0, who.1, None).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "signing in as {}: {}",
            who.0,
            page.body
        );
        visitor
    }

    /// A visitor signed in as `who`, with the session's CSRF token for its forms.
    pub async fn signed_in_with_csrf(app: &TestApp, who: (&str, &str)) -> (Self, String) {
        let visitor = Self::signed_in(app, who).await;
        let csrf = visitor.csrf_token().await;
        (visitor, csrf)
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(self.url(path))).await
    }

    /// A GET as htmx sends it.
    pub async fn get_htmx(&self, path: &str) -> Page {
        self.send(self.client.get(self.url(path)).header("HX-Request", "true"))
            .await
    }

    /// A GET as htmx sends it when restoring a page from history.
    pub async fn get_htmx_history_restore(&self, path: &str) -> Page {
        let request = self
            .client
            .get(self.url(path))
            .header("HX-Request", "true")
            .header("HX-History-Restore-Request", "true");
        self.send(request).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(self.client.post(self.url(path)).form(form)).await
    }

    /// A form POST as htmx sends it: CSRF token in the header, `HX-Request` set.
    pub async fn post_htmx(&self, path: &str, csrf: &str) -> Page {
        let request = self
            .client
            .post(self.url(path))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", csrf)
            .form(&[("", "")]);
        self.send(request).await
    }

    /// A reveal as the page's script asks for it: the value as plain text.
    pub async fn post_reveal(&self, path: &str, csrf: &str) -> Page {
        let request = self
            .client
            .post(self.url(path))
            .header("X-CSRF-Token", csrf)
            .header("Accept", "text/plain");
        self.send(request).await
    }

    /// Opens the sign-in page and submits it, as a person would.
    pub async fn sign_in(&self, email: &str, password: &str, next: Option<&str>) -> Page {
        let login = self
            .get(&match next {
                Some(next) => format!("/login?next={}", urlencode(next)),
                None => "/login".into(),
            })
            .await;
        let csrf = login.csrf_token();
        let next_field = login.input_value("next").unwrap_or_default();
        self.post_form(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &csrf),
                ("next", &next_field),
            ],
        )
        .await
    }

    /// The CSRF token the current session's pages carry.
    pub async fn csrf_token(&self) -> String {
        let page = self.get("/settings/api-tokens").await;
        page.attrs("meta[name=csrf-token]", "content")
            .into_iter()
            .next()
            .unwrap_or_else(|| page.csrf_token())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request of any method to `path`, with this visitor's cookies, to send with
    /// `send`.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.expect("sending the request");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.expect("reading the body");
        let page = Page {
            status,
            headers,
            body,
        };
        if let Some(transcript) = &self.transcript {
            let mut pages = transcript.lock().unwrap_or_else(PoisonError::into_inner);
            pages.push(page.clone());
        }
        page
    }
}

/// An API answer read as a page, for checks that hold for both.
impl From<crate::common::ApiResponse> for Page {
    fn from(answer: crate::common::ApiResponse) -> Self {
        Self {
            status: answer.status,
            headers: answer.headers,
            body: answer.text,
        }
    }
}

pub fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The whole `Set-Cookie` header that sets the cookie `name`, attributes included.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|cookie| cookie.starts_with(&prefix))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The trimmed text of every element with this `data-testid`.
    pub fn texts(&self, test_id: &str) -> Vec<String> {
        self.select(&format!("[data-testid=\"{test_id}\"]"))
    }

    /// The trimmed, whitespace-folded text of every element matching `css`.
    pub fn select(&self, css: &str) -> Vec<String> {
        let selector = Selector::parse(css).expect("a valid selector");
        self.html()
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// An attribute of every element matching `css`.
    pub fn attrs(&self, css: &str, attribute: &str) -> Vec<String> {
        let selector = Selector::parse(css).expect("a valid selector");
        self.html()
            .select(&selector)
            .filter_map(|e| e.value().attr(attribute).map(str::to_owned))
            .collect()
    }

    pub fn text(&self, test_id: &str) -> String {
        let found = self.texts(test_id);
        assert_eq!(
            found.len(),
            1,
            "expected one {test_id}, found {found:?} in:\n{}",
            self.body
        );
        found.into_iter().next().unwrap_or_default()
    }

    /// The ids of the listed tokens, in order.
    pub fn token_ids(&self) -> Vec<String> {
        self.attrs("[data-testid=token-row]", "data-token-id")
    }

    pub fn csrf_token(&self) -> String {
        self.input_value("csrf_token")
            .expect("the page carries a CSRF token")
    }

    pub fn input_value(&self, name: &str) -> Option<String> {
        self.attrs(&format!("input[name=\"{name}\"]"), "value")
            .into_iter()
            .next()
    }
}

/// A token an admin of Demo Corp created in the portal, and a client calling with it.
pub struct PortalToken {
    pub id: String,
    pub api: crate::common::ApiClient,
    /// The page that showed it once created.
    pub created: Page,
}

impl PortalToken {
    /// Creates it as the demo admin would: `scope`, `modules`, and `expires_in` as the
    /// form offers it (`none` or a number of days).
    pub async fn create(
        app: &TestApp,
        name: &str,
        scope: &str,
        modules: &[&str],
        expires_in: &str,
    ) -> Self {
        let (admin, csrf) =
            Visitor::signed_in_with_csrf(app, crate::common::DEMO_ADMIN_LOGIN).await;
        let mut form = vec![
            ("csrf_token", csrf.as_str()),
            ("name", name),
            ("scope", scope),
            ("expires_in", expires_in),
        ];
        form.extend(modules.iter().map(|module| ("modules", *module)));
        let page = admin.post_form("/settings/api-tokens", &form).await;
        assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
        let api = app.api(&page.text("new-token-secret"));
        let whoami = api.whoami().await;
        let id = whoami.body["token_id"]
            .as_str()
            .unwrap_or_else(|| panic!("whoami of the new token: {:?}", whoami.body))
            .to_owned();
        Self {
            id,
            api,
            created: page,
        }
    }
}
