//! Signing in and out. A wrong password and an unknown email get the same message and
//! take the same time; the password is checked without holding a database connection,
//! at most one check per core at once; when too many wait, the sign-in is answered 503
//! and not counted as a failure. Five failures for an email, or twenty from an
//! address (an IPv6 client's /64), within 15 minutes hold sign-in off (429) until the
//! window has passed.
//! Sign-in, failures, hold-offs and sign-out are audited in the person's account.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use diesel::Connection;
use serde::Deserialize;

use super::chrome::Chrome;
use super::errors::WebError;
use super::password_checks::CheckNotRun;
use super::session::{SignedInFrom, TypedSession};
use super::{csrf, login_csrf, render};
use crate::db::audit;
use crate::db::health::RETRY_AFTER_SECONDS;
use crate::db::sign_in::{self, Counted, FailureId};
use crate::db::users::{self, Credentials, User};
use crate::domain::token_use::USER_AGENT_MAX_CHARS;
use crate::domain::{AuditAction, ClientIp, LocalPath, password, sign_in_throttle};
use crate::instruments;
use crate::state::{self, AppState};

const HOME: &str = "/settings/api-tokens";

/// The longest email address there is (RFC 5321's 256-octet path, less its brackets).
const MAX_EMAIL_CHARS: usize = 254;

/// What a sign-in is told when its password could not be checked for the crowd.
const TOO_MANY_CHECKS: &str =
    "Too many sign-ins are being checked just now. Try again in a moment.";

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
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, WebError> {
    let next = safe_next(query.next.as_deref());
    if session.user_id(Utc::now()).is_some() {
        return Ok(see_other(next));
    }
    Ok(login_page(&state, StatusCode::OK, next, "", None))
}

pub async fn submit(
    req: HttpRequest,
    session: TypedSession,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let refuse =
        |status, message: &str| Ok(login_page(&state, status, next, &form.email, Some(message)));
    match login_csrf::check(
        &req,
        form.csrf_token.as_deref(),
        state.portal.secure_cookies(),
    ) {
        Ok(()) => {}
        Err(login_csrf::Refusal::NoCookie) => {
            let message = format!(
                "Your browser sent no cookie back, and signing in needs cookies. Allow \
                 cookies for this site, and open it at {} (the address it is served at).",
                state.portal.public_url
            );
            return refuse(StatusCode::BAD_REQUEST, &message);
        }
        Err(login_csrf::Refusal::Mismatch) => {
            let message = "The sign-in form had expired. Please sign in again.";
            return refuse(StatusCode::FORBIDDEN, message);
        }
    }
    let email = form.email.trim().to_lowercase();
    if email.contains(char::is_control) {
        // No one's email holds one, and PostgreSQL can't keep a NUL to count it.
        let message = "An email address can't contain control characters.";
        return refuse(StatusCode::BAD_REQUEST, message);
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        // No one's email is longer, and a failure is counted under its email in an
        // index, whose entries can't hold a few thousand characters that don't repeat.
        let message = format!("An email address has at most {MAX_EMAIL_CHARS} characters.");
        return refuse(StatusCode::BAD_REQUEST, &message);
    }
    let ip = state::client_ip(&req);
    let attempt = Attempt { email, ip };
    let (counted, found) = {
        let attempt = attempt.clone();
        state
            .db("checking a sign-in", move |conn| {
                attempt.look_up(conn, Utc::now())
            })
            .await?
    };
    let failure = match counted {
        Counted::HeldOff(left) => {
            return throttled(&state, &attempt, left, next, &form.email).await;
        }
        Counted::AsFailure(failure) => failure,
    };
    let matched = match check_password(&state, found.as_ref(), form.password).await {
        Ok(matched) => matched,
        Err(not_run) => return not_checked(&state, failure, not_run, next, &form.email).await,
    };
    let Some(user) = matched else {
        tracing::info!("sign-in refused: wrong email or password");
        instruments::sign_in_failed();
        let failed = attempt.clone();
        state
            .db("recording a failed sign-in", move |conn| {
                failed.record_failure(conn, found.as_ref().map(|c| &c.user), Utc::now())
            })
            .await?;
        return refuse(StatusCode::OK, "Incorrect email or password.");
    };
    let from = SignedInFrom {
        ip,
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|agent| agent.chars().take(USER_AGENT_MAX_CHARS).collect()),
    };
    // `found` is whom `user` was read as, with the epoch of the hash just checked (a
    // password matches only a hash that was found).
    let Some(sign_in_epoch) = found.as_ref().map(|c| c.sign_in_epoch) else {
        return Err(WebError::Internal(anyhow::anyhow!(
            "a password matched, but no person was read"
        )));
    };
    session
        .sign_in(&user.id, sign_in_epoch, &from, Utc::now())
        .map_err(WebError::internal("starting a session"))?;
    let signed_in = user.clone();
    state
        .db("recording a sign-in", move |conn| {
            attempt.record_success(conn, &signed_in, Utc::now())
        })
        .await?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(login_csrf::forget(
        see_other(next),
        state.portal.secure_cookies(),
    ))
}

/// Answers a sign-in held off by too many failures: 429, when to try again in words,
/// and `Retry-After` (audited by `Attempt::look_up`, in the account of the person whose
/// email it was).
async fn throttled(
    state: &AppState,
    attempt: &Attempt,
    left: chrono::Duration,
    next: &str,
    typed_email: &str,
) -> Result<HttpResponse, WebError> {
    tracing::warn!(
        ip = ?attempt.ip,
        counted_as = ?attempt.ip.map(ClientIp::counted_as),
        "sign-in held off after too many failures"
    );
    instruments::sign_in_throttled();
    let message = format!(
        "Too many failed sign-ins. Try again {}.",
        sign_in_throttle::try_again_in(left)
    );
    let mut page = login_page(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        next,
        typed_email,
        Some(&message),
    );
    let seconds = left.num_seconds().max(1);
    page.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    Ok(page)
}

/// Answers a sign-in whose password was not checked: its attempt is taken back, since
/// it was no failure. When too many sign-ins are being checked, 503 with `Retry-After`
/// and a message saying so.
async fn not_checked(
    state: &AppState,
    failure: FailureId,
    not_run: CheckNotRun,
    next: &str,
    typed_email: &str,
) -> Result<HttpResponse, WebError> {
    state
        .db("taking back a sign-in that was not checked", move |conn| {
            sign_in::forget(conn, failure)
        })
        .await?;
    if let CheckNotRun::Failed(why) = not_run {
        return Err(WebError::Internal(anyhow::anyhow!(
            "checking a password: {why}"
        )));
    }
    tracing::warn!("too many sign-ins waiting for a password check");
    let mut page = login_page(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        next,
        typed_email,
        Some(TOO_MANY_CHECKS),
    );
    page.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(RETRY_AFTER_SECONDS),
    );
    Ok(page)
}

/// One sign-in attempt: for which email, from where.
#[derive(Clone)]
struct Attempt {
    email: String,
    ip: Option<ClientIp>,
}

impl Attempt {
    /// The address failures are counted against: an IPv6 client's /64, so stepping
    /// from address to address inside it doesn't step round the limit.
    fn counted_as(&self) -> Option<String> {
        self.ip.map(|ip| ip.counted_as().to_string())
    }

    /// Whether sign-in is held off for this email or address, or the failure the
    /// attempt was counted as, and the person with this email. An attempt that is not
    /// held off is counted as a failure at once, before its password is checked (a
    /// sign-in that succeeds clears it), and counting is serialised per email and per
    /// address: attempts sent all at once are held off from the sixth on, as attempts
    /// sent one by one are.
    fn look_up(
        &self,
        conn: &mut diesel::PgConnection,
        now: chrono::DateTime<Utc>,
    ) -> diesel::QueryResult<(Counted, Option<Credentials>)> {
        let counted_as = self.counted_as();
        // One transaction, so the counting's locks on the email and the address are held
        // until a held-off attempt is audited: sent all at once, they are audited once.
        conn.transaction(|conn| {
            let counted = sign_in::count_attempt(conn, &self.email, counted_as.as_deref(), now)?;
            let found = users::credentials_by_email(conn, &self.email)?;
            if let (Counted::HeldOff(_), Some(found)) = (counted, &found) {
                self.audit_hold_off(conn, &found.user, now)?;
            }
            Ok((counted, found))
        })
    }

    /// Audits that `user`'s sign-in is held off, at most once a throttle window. A
    /// held-off attempt costs its sender nothing (no password is checked): audited each
    /// time, anyone could bury the account's log under them.
    fn audit_hold_off(
        &self,
        conn: &mut diesel::PgConnection,
        user: &User,
        now: chrono::DateTime<Utc>,
    ) -> diesel::QueryResult<()> {
        let since = now - sign_in_throttle::WINDOW;
        let action = AuditAction::SignInThrottled;
        if audit::person_recorded_since(conn, user.account_id.as_ref(), &user.id, action, since)? {
            return Ok(());
        }
        let details = "Too many failed sign-ins".to_owned();
        users::audit_person(conn, user, action, self.ip, details, now)
    }

    /// Audits the failure (already counted by `look_up`) for a known person; an unknown
    /// email goes to the server log only.
    fn record_failure(
        &self,
        conn: &mut diesel::PgConnection,
        user: Option<&User>,
        now: chrono::DateTime<Utc>,
    ) -> diesel::QueryResult<()> {
        match user {
            Some(user) => users::audit_person(
                conn,
                user,
                AuditAction::SignInFailed,
                self.ip,
                "Wrong password".into(),
                now,
            ),
            None => Ok(()),
        }
    }

    /// Forgets the email's failures and audits the sign-in.
    fn record_success(
        &self,
        conn: &mut diesel::PgConnection,
        user: &User,
        now: chrono::DateTime<Utc>,
    ) -> diesel::QueryResult<()> {
        sign_in::clear(conn, &self.email)?;
        users::audit_person(conn, user, AuditAction::SignIn, self.ip, String::new(), now)
    }
}

/// Whether `password` is the found person's, checked without a database connection
/// and with at most a few checks at once (see `PasswordChecks`). An unknown email
/// costs the same time as a wrong password.
async fn check_password(
    state: &AppState,
    found: Option<&Credentials>,
    password: String,
) -> Result<Option<User>, CheckNotRun> {
    let stored = found.map(|c| c.password_hash.clone());
    let matches = state
        .password_checks
        .run(move || match stored {
            Some(hash) => password::verify(&password, &hash),
            None => {
                password::verify_against_nothing(&password);
                false
            }
        })
        .await?;
    Ok(found.filter(|_| matches).map(|c| c.user.clone()))
}

pub async fn logout(
    req: HttpRequest,
    session: TypedSession,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    csrf::verify(&req, &session, form.csrf_token.as_deref())?;
    if let Some(user_id) = session.user_id(Utc::now()) {
        let ip = state::client_ip(&req);
        state
            .db("recording a sign-out", move |conn| {
                let Some(user) = users::find(conn, &user_id)? else {
                    return Ok(());
                };
                users::audit_person(
                    conn,
                    &user,
                    AuditAction::SignOut,
                    ip,
                    String::new(),
                    Utc::now(),
                )
            })
            .await?;
    }
    session.sign_out();
    Ok(see_other("/login"))
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<&str>,
) -> HttpResponse {
    let csrf_token = login_csrf::new_token();
    let page = render::page_with_status(
        status,
        &LoginPage {
            chrome: None,
            csrf_token: csrf_token.clone(),
            next,
            email,
            error,
        },
    );
    login_csrf::set(page, &csrf_token, state.portal.secure_cookies())
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
