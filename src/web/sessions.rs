//! `/settings/sessions`: the signed-in person's own sessions (this one marked), with
//! "Sign out" for each (this one's signs this browser out, as the header's link does)
//! and "Sign out everywhere else". Each session ended is audited.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::chrome::Chrome;
use super::csrf::{CsrfForm, NoFields};
use super::current_user::SignedIn;
use super::errors::WebError;
use super::render;
use super::session::TypedSession;
use super::time_view::TimeView;
use crate::db::sessions;
use crate::db::users::{self, SessionsToEnd};
use crate::state::{self, AppState};

pub const PATH: &str = "/settings/sessions";

struct SessionView {
    id: String,
    current: bool,
    started: TimeView,
    last_seen: TimeView,
    ip: String,
    user_agent: String,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    chrome: Option<Chrome>,
    csrf_token: String,
    sessions: Vec<SessionView>,
    idle_minutes: i64,
}

pub async fn page(
    signed_in: SignedIn,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let (user, idle) = (signed_in.user.id.clone(), state.portal.session_idle);
    let found = state
        .db("listing sessions", move |conn| {
            sessions::of_user(conn, &user, Utc::now(), idle)
        })
        .await?;
    let current = session.public_id();
    let now = Utc::now();
    let sessions = found
        .into_iter()
        .map(|s| SessionView {
            current: current.as_deref() == Some(s.public_id.as_str()),
            started: TimeView::new(s.created_at, now),
            last_seen: TimeView::new(s.last_seen_at, now),
            ip: s.ip.unwrap_or_default(),
            user_agent: s.user_agent.unwrap_or_default(),
            id: s.public_id,
        })
        .collect();
    Ok(render::page(&SessionsPage {
        csrf_token: signed_in.chrome.csrf_token.clone(),
        chrome: Some(signed_in.chrome),
        sessions,
        idle_minutes: idle.num_minutes(),
    }))
}

/// `POST /settings/sessions/{id}/end`: ends one of the person's own sessions.
pub async fn end_one(
    req: HttpRequest,
    signed_in: SignedIn,
    state: web::Data<AppState>,
    id: web::Path<String>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let id = id.into_inner();
    // Only what a session id can be reaches the database (22 URL-safe characters).
    let well_formed = id.len() == 22
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(WebError::NotFound(Some(Box::new(signed_in.chrome))));
    }
    let (user, ip) = (signed_in.user.clone(), state::client_ip(&req));
    let ended = state
        .db("ending a session", move |conn| {
            users::end_own_sessions(conn, &user, SessionsToEnd::One(&id), ip, Utc::now())
        })
        .await?;
    if ended == 0 {
        return Err(WebError::NotFound(Some(Box::new(signed_in.chrome))));
    }
    back_to_the_list(&req, "The session is signed out.")
}

/// `POST /settings/sessions/end-others`: ends every session of the person but this one.
pub async fn end_others(
    req: HttpRequest,
    signed_in: SignedIn,
    session: TypedSession,
    state: web::Data<AppState>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let keep = session
        .public_id()
        .ok_or_else(|| WebError::Internal(anyhow::anyhow!("a session without its public id")))?;
    let (user, ip) = (signed_in.user.clone(), state::client_ip(&req));
    let ended = state
        .db("ending the other sessions", move |conn| {
            let others = SessionsToEnd::AllBut(&keep);
            users::end_own_sessions(conn, &user, others, ip, Utc::now())
        })
        .await?;
    let message = match ended {
        1 => "1 other session is signed out.".to_owned(),
        n => format!("{n} other sessions are signed out."),
    };
    back_to_the_list(&req, &message)
}

fn back_to_the_list(req: &HttpRequest, message: &str) -> Result<HttpResponse, WebError> {
    TypedSession::from_request_sync(req)
        .set_flash(message)
        .map_err(WebError::internal("keeping the flash message"))?;
    Ok(HttpResponse::build(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, PATH))
        .finish())
}
