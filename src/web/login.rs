//! Signing in and out. A wrong password and an unknown email get the same message and
//! take the same time.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::chrome::Chrome;
use super::csrf;
use super::errors::WebError;
use super::render;
use super::session::TypedSession;
use crate::db::users::{self, User};
use crate::domain::{LocalPath, password};
use crate::state::AppState;

const HOME: &str = "/settings/api-tokens";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    chrome: Option<Chrome>,
    csrf_token: String,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    csrf_token: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: Option<String>,
}

/// `/`: the tokens page, which sends anonymous visitors to sign in.
pub async fn home() -> HttpResponse {
    see_other(HOME)
}

pub async fn form(
    session: TypedSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, WebError> {
    let next = safe_next(query.next.as_deref());
    if session.user_id(Utc::now()).is_some() {
        return Ok(see_other(next));
    }
    login_page(&session, StatusCode::OK, next, "", None)
}

pub async fn submit(
    req: HttpRequest,
    session: TypedSession,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    if csrf::verify(&req, &session, form.csrf_token.as_deref()).is_err() {
        let message = "The sign-in form had expired. Please sign in again.";
        return login_page(
            &session,
            StatusCode::FORBIDDEN,
            next,
            &form.email,
            Some(message),
        );
    }
    let email = form.email.clone();
    let user = state
        .db("checking a sign-in", move |conn| {
            check_credentials(conn, &email, &form.password)
        })
        .await?;
    let Some(user) = user else {
        tracing::info!("sign-in refused: wrong email or password");
        return login_page(
            &session,
            StatusCode::OK,
            next,
            &form.email,
            Some("Incorrect email or password."),
        );
    };
    session
        .sign_in(&user.id, Utc::now())
        .map_err(WebError::internal("starting a session"))?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(see_other(next))
}

pub async fn logout(
    req: HttpRequest,
    session: TypedSession,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    csrf::verify(&req, &session, form.csrf_token.as_deref())?;
    session.sign_out();
    Ok(see_other("/login"))
}

fn check_credentials(
    conn: &mut diesel::PgConnection,
    email: &str,
    password: &str,
) -> diesel::QueryResult<Option<User>> {
    match users::credentials_by_email(conn, email)? {
        Some(found) if password::verify(password, &found.password_hash) => Ok(Some(found.user)),
        Some(_) => Ok(None),
        None => {
            password::verify_against_nothing(password);
            Ok(None)
        }
    }
}

fn login_page(
    session: &TypedSession,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<&str>,
) -> Result<HttpResponse, WebError> {
    let csrf_token = session
        .csrf_token()
        .map_err(WebError::internal("making a CSRF token"))?;
    Ok(render::page_with_status(
        status,
        &LoginPage {
            chrome: None,
            csrf_token,
            next,
            email,
            error,
        },
    ))
}

/// Where to go after signing in: `next` if it stays on this site, else the tokens list.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if LocalPath::parse(path).is_some() => path,
        _ => HOME,
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/settings/api-tokens?q=ci")),
            "/settings/api-tokens?q=ci"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/settings/api-tokens");
        assert_eq!(
            safe_next(Some("https://evil.example/")),
            "/settings/api-tokens"
        );
        assert_eq!(safe_next(Some("/\\evil.example")), "/settings/api-tokens");
        assert_eq!(safe_next(None), "/settings/api-tokens");
    }
}
