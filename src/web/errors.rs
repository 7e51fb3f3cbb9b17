//! How portal requests fail: each failure maps to one status and one page here.
//! Users see a plain message; the log gets the whole error chain; internals never
//! reach a response body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use super::chrome::Chrome;
use super::render;
use crate::db::health::{RETRY_AFTER_SECONDS, is_temporary, temporary_failure};
use crate::domain::LocalPath;
use crate::domain::containment::Excess;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not signed in: go to the sign-in page, then come back to `next`.
    #[error("sign-in required")]
    LoginRequired { next: Option<LocalPath>, htmx: bool },
    /// Signed in, but without the API Access privilege.
    #[error("the API Access privilege is required")]
    NoApiAccess(Box<Chrome>),
    #[error("not found")]
    NotFound(Option<Box<Chrome>>),
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    /// A request another site started (a link, a redirect) for what only the site's own
    /// pages may start.
    #[error("started from another site")]
    FromAnotherSite,
    /// Support staff tried to change something.
    #[error("support staff have read-only access")]
    ReadOnly(Box<Chrome>),
    #[error("bad form: {0}")]
    BadForm(String),
    /// A form body over `MAX_FORM_BYTES`.
    #[error("the form is too large")]
    TooLarge,
    /// A stored secret can't be decrypted: the server's key is not the one it was
    /// stored with.
    #[error("a token secret could not be decrypted: {0}")]
    SecretUnavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Option<&'a Chrome>,
    title: &'a str,
    message: &'a str,
    test_id: &'a str,
}

impl WebError {
    /// Wraps a failure that is not the user's doing, with what was being attempted.
    pub fn internal(context: &'static str) -> impl FnOnce(anyhow::Error) -> WebError {
        move |e| WebError::Internal(e.context(context))
    }

    /// A person's change came back held to a token's reach, which only a token acting
    /// through the API can be: a bug, not the person's doing.
    pub fn person_held_to_token_reach(excess: &Excess) -> WebError {
        WebError::Internal(anyhow::anyhow!(
            "a person's change was held to a token's reach: {excess}"
        ))
    }
}

/// Marks an error's page whose error is logged already, as it deserves, so the
/// middleware that sees it on its way out (`app::security_headers`) logs no second line.
pub struct ErrorLogged;

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::LoginRequired { .. } => StatusCode::SEE_OTHER,
            Self::NoApiAccess(_) | Self::Csrf | Self::FromAnotherSite | Self::ReadOnly(_) => {
                StatusCode::FORBIDDEN
            }
            Self::BadForm(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::SecretUnavailable(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Internal(error) if is_temporary(error) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let page = |chrome: Option<&Chrome>, title, message, test_id| {
            render::page_with_status(
                status,
                &ErrorPage {
                    chrome,
                    title,
                    message,
                    test_id,
                },
            )
        };
        match self {
            Self::LoginRequired { next, htmx } => login_redirect(next.as_ref(), *htmx),
            Self::NoApiAccess(chrome) => page(
                Some(chrome),
                "You need the API Access privilege",
                "Your role does not include the API Access privilege, so API tokens are not shown to you. \
                 Ask an account admin to grant it if you need to manage tokens.",
                "no-api-access",
            ),
            Self::NotFound(chrome) => page(
                chrome.as_deref(),
                "Page not found",
                "There is nothing here, or you do not have access to it. Check the address, or go back to the API tokens.",
                "not-found",
            ),
            Self::Csrf => page(
                None,
                "This form has expired",
                "The page you sent the form from is out of date or was not opened from tokendesk. Go back, reload the page and try again.",
                "csrf-error",
            ),
            Self::FromAnotherSite => page(
                None,
                "Start the export from tokendesk",
                "An export of tokens can't be started from another site. Open the API tokens list in tokendesk and choose Export CSV there.",
                "from-another-site",
            ),
            Self::ReadOnly(chrome) => page(
                Some(chrome),
                "Support staff have read-only access",
                "You can review every account's tokens, but only the account's own admins can create, change or reveal them.",
                "read-only",
            ),
            Self::BadForm(message) => page(None, "The form could not be used", message, "bad-form"),
            Self::TooLarge => page(
                None,
                "The form is too large",
                &format!(
                    "A form may send at most {} KiB. Shorten what you entered and try again.",
                    super::MAX_FORM_BYTES / 1024
                ),
                "bad-form",
            ),
            Self::SecretUnavailable(reason) => {
                tracing::error!(%reason, "revealing a token secret failed");
                page(
                    None,
                    "The token's value can't be shown",
                    "The stored value could not be decrypted: the server's TOKENDESK_SECRET_KEY is not the key it was stored with. \
                     Ask your administrator to restore the original key.",
                    "secret-unavailable",
                )
            }
            Self::Internal(error) if is_temporary(error) => {
                let message = temporary_failure(error);
                let mut response = page(None, "Temporarily unavailable", message, "unavailable");
                response.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    HeaderValue::from(RETRY_AFTER_SECONDS),
                );
                response
            }
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                page(
                    None,
                    "Something went wrong",
                    "tokendesk could not complete the request. Please try again; if it keeps failing, contact your administrator.",
                    "server-error",
                )
            }
        }
    }
}

/// To the sign-in page, and back to `next` (a page on this site) afterwards.
fn login_redirect(next: Option<&LocalPath>, htmx: bool) -> HttpResponse {
    let target = match next {
        Some(next) => format!(
            "/login?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next.as_str())
                .finish()
        ),
        None => "/login".to_owned(),
    };
    let location = HeaderValue::from_str(&target).unwrap_or(HeaderValue::from_static("/login"));
    if htmx {
        // htmx would swap a redirect's body into the page; ask it to navigate instead.
        HttpResponse::Unauthorized()
            .insert_header(("HX-Redirect", location))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish()
    }
}

/// The fallback for unknown routes.
pub async fn not_found(_req: HttpRequest) -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound(None))
}
