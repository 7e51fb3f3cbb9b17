//! CSRF protection for the sign-in form, before there is a session to keep a token in:
//! the form carries a random token and a cookie carries the same one (HttpOnly,
//! SameSite=Strict, for `/login` only), and a sign-in is accepted only when they match.
//! A sign-in without the cookie at all means the browser does not keep cookies for
//! this address, which the page then says.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};

use super::session::random_text;

const COOKIE: &str = "tokendesk_login";
const PATH: &str = "/login";

/// Why a sign-in form was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The browser sent no sign-in cookie back.
    NoCookie,
    /// The form's token is not the cookie's: an old form, or another site's.
    Mismatch,
}

pub fn new_token() -> String {
    random_text(32)
}

/// `response`, with the cookie that `token` must match.
pub fn set(mut response: HttpResponse, token: &str, secure: bool) -> HttpResponse {
    let cookie = Cookie::build(COOKIE, token.to_owned())
        .path(PATH)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    if let Err(error) = response.add_cookie(&cookie) {
        tracing::error!(%error, "setting the sign-in cookie");
    }
    response
}

/// `response`, removing the cookie once signed in.
pub fn forget(mut response: HttpResponse) -> HttpResponse {
    let mut cookie = Cookie::build(COOKIE, "").path(PATH).finish();
    cookie.make_removal();
    if let Err(error) = response.add_cookie(&cookie) {
        tracing::error!(%error, "removing the sign-in cookie");
    }
    response
}

/// Whether the form's `submitted` token matches the request's cookie.
pub fn check(req: &HttpRequest, submitted: Option<&str>) -> Result<(), Refusal> {
    let cookie = req.cookie(COOKIE).ok_or(Refusal::NoCookie)?;
    let expected = cookie.value().as_bytes();
    match submitted {
        Some(token) if super::csrf::constant_time_eq(token.as_bytes(), expected) => Ok(()),
        _ => Err(Refusal::Mismatch),
    }
}
