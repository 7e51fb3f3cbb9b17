//! CSRF protection for the sign-in form, before there is a session to keep a token in:
//! the form carries a random token and a cookie carries the same one (HttpOnly,
//! SameSite=Strict, for `/login` only over http; over https `__Host-` and so for the
//! whole host, which no sibling subdomain can plant), and a sign-in is accepted only
//! when they match. A sign-in without the cookie at all means the browser does not keep
//! cookies for this address, which the page then says.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};

use super::session::random_text;

/// The sign-in cookie's name and path: `__Host-` over https, which needs `Path=/`.
fn cookie(secure: bool) -> (&'static str, &'static str) {
    if secure {
        ("__Host-tokendesk_login", "/")
    } else {
        ("tokendesk_login", "/login")
    }
}

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
    let (name, path) = cookie(secure);
    let cookie = Cookie::build(name, token.to_owned())
        .path(path)
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
pub fn forget(mut response: HttpResponse, secure: bool) -> HttpResponse {
    let (name, path) = cookie(secure);
    let mut cookie = Cookie::build(name, "").path(path).secure(secure).finish();
    cookie.make_removal();
    if let Err(error) = response.add_cookie(&cookie) {
        tracing::error!(%error, "removing the sign-in cookie");
    }
    response
}

/// Whether the form's `submitted` token matches the request's cookie.
pub fn check(req: &HttpRequest, submitted: Option<&str>, secure: bool) -> Result<(), Refusal> {
    let (name, _) = cookie(secure);
    let cookie = req.cookie(name).ok_or(Refusal::NoCookie)?;
    let expected = cookie.value().as_bytes();
    match submitted {
        Some(token) if super::csrf::constant_time_eq(token.as_bytes(), expected) => Ok(()),
        _ => Err(Refusal::Mismatch),
    }
}
