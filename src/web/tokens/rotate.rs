//! `GET|POST /settings/api-tokens/{id}/rotate`: the dialog that gives an active token a
//! new secret, with the grace period the old one keeps working for, and the new secret
//! shown once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::load::admins_token;
use super::origin::{FromQuery, Origin};
use super::row::TokenRow;
use super::shown_once::SecretShownOnce;
use crate::db::tokens::{Outcome, Rotated};
use crate::domain::relative_time;
use crate::domain::token_action::{Refusal, check_rotate};
use crate::domain::{Grace, TokenAction, TokenId};
use crate::state::AppState;
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;
use crate::web::render;

#[derive(Template)]
#[template(path = "tokens/rotate.html", blocks = ["dialog"])]
struct RotatePage {
    chrome: Option<Chrome>,
    title: &'static str,
    token: TokenRow,
    action_url: String,
    cancel_url: String,
    csrf_token: String,
    presets: Vec<Preset>,
    /// The visible prefix of the token's secret as the dialog shows it.
    seen_prefix: String,
    /// The menu item's words, on the button too.
    button_label: &'static str,
    /// What is wrong with the grace period sent.
    grace_error: Option<String>,
    refusal: Option<String>,
    /// When the secret an earlier rotation replaced stops, if it still works: this
    /// rotation stops it at once.
    earlier_secret_ends: Option<String>,
}

struct Preset {
    seconds: i64,
    label: &'static str,
    chosen: bool,
}

/// The form: one of `Grace::PRESETS`, in seconds, and the visible prefix of the secret
/// the dialog was shown for.
#[derive(Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    grace: String,
    #[serde(default)]
    seen: String,
}

pub async fn confirm(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<FromQuery>,
) -> Result<HttpResponse, WebError> {
    let (_, detail) = admins_token(&state, &admin, &id).await?;
    let now = Utc::now();
    let shown = detail
        .summary
        .status
        .display(detail.summary.expires_at, now);
    let refusal = check_rotate(shown).err().map(|r| r.to_string());
    let dialog = Dialog {
        seen_prefix: detail.summary.secret_prefix.clone(),
        token: TokenRow::new(&detail.summary, now),
        origin: Origin::from(&*query),
        chosen: Grace::DEFAULT,
        grace_error: None,
        refusal,
        earlier_secret_ends: detail.old_secret_working_until(now),
    };
    Ok(dialog.respond(&req, &admin))
}

pub async fn apply(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    raw_id: web::Path<String>,
    query: web::Query<FromQuery>,
    form: CsrfForm<RotateForm>,
) -> Result<HttpResponse, WebError> {
    let (id, detail) = admins_token(&state, &admin, &raw_id).await?;
    let origin = Origin::from(&*query);
    let grace = match Grace::from_preset(&form.0.grace) {
        Ok(grace) => grace,
        Err(error) => {
            let now = Utc::now();
            let dialog = Dialog {
                seen_prefix: detail.summary.secret_prefix.clone(),
                token: TokenRow::new(&detail.summary, now),
                origin,
                chosen: Grace::DEFAULT,
                grace_error: Some(error.to_string()),
                refusal: None,
                earlier_secret_ends: detail.old_secret_working_until(now),
            };
            return Ok(dialog.respond(&req, &admin));
        }
    };
    let ctx = admin.acting(&req).on(id.clone());
    let changes = state.changes.clone();
    // Without the prefix (an old form), the secret the admin looked at is the current one.
    let seen = Some(form.0.seen)
        .filter(|seen| !seen.is_empty())
        .unwrap_or_else(|| detail.summary.secret_prefix.clone());
    if seen.contains('\0') {
        // No prefix holds NUL (PostgreSQL text can't): this form saw none of our secrets.
        let why = Refusal::Changed.to_string();
        return refused(&req, &state, &admin, &raw_id, origin, why).await;
    }
    let outcome = state
        .db("rotating a token", move |conn| {
            changes.rotate(conn, &ctx, grace, Some(&seen))
        })
        .await?;
    match outcome {
        Outcome::Done(rotated) => {
            tracing::info!(token_id = %id, grace_seconds = grace.seconds(), "token rotated");
            Ok(shown_once(&admin, &id, rotated, origin).respond(&req, StatusCode::OK))
        }
        Outcome::Refused(refusal) => {
            refused(&req, &state, &admin, &raw_id, origin, refusal.to_string()).await
        }
        Outcome::BreaksPolicy(breach) => {
            refused(&req, &state, &admin, &raw_id, origin, breach.to_string()).await
        }
        Outcome::Exceeds(excess) => Err(WebError::person_held_to_token_reach(&excess)),
        Outcome::NotFound => Err(WebError::NotFound(Some(admin.chrome()))),
    }
}

/// The dialog again, saying why the token was not rotated.
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    admin: &AccountAdmin,
    raw_id: &str,
    origin: Origin,
    why: String,
) -> Result<HttpResponse, WebError> {
    let (_, detail) = admins_token(state, admin, raw_id).await?;
    let dialog = Dialog {
        seen_prefix: detail.summary.secret_prefix.clone(),
        token: TokenRow::new(&detail.summary, Utc::now()),
        origin,
        chosen: Grace::DEFAULT,
        grace_error: None,
        refusal: Some(why),
        earlier_secret_ends: None,
    };
    Ok(dialog.respond(req, admin))
}

/// The new secret, once, and what became of the old one.
fn shown_once(
    admin: &AccountAdmin,
    id: &TokenId,
    rotated: Rotated,
    origin: Origin,
) -> SecretShownOnce {
    let now = Utc::now();
    let ends = rotated.old_secret_ends_at;
    let old_secret_note = if ends <= now {
        "The old secret no longer works.".to_owned()
    } else {
        format!(
            "The old secret keeps working until {} ({}).",
            ends.format("%Y-%m-%d %H:%M UTC"),
            relative_time::describe(ends, now)
        )
    };
    let token_href = format!("{}/{id}", super::LIST_PATH);
    SecretShownOnce {
        chrome: Some(admin.signed_in.chrome.clone()),
        title: "Token rotated",
        name: rotated.name,
        token_id: id.to_string(),
        secret: rotated.secret.expose().to_owned(),
        old_secret_note: Some(old_secret_note),
        done_href: origin.page(&token_href),
    }
}

/// The dialog as it is shown: first, again with an error, or refused.
struct Dialog {
    token: TokenRow,
    seen_prefix: String,
    origin: Origin,
    chosen: Grace,
    grace_error: Option<String>,
    refusal: Option<String>,
    earlier_secret_ends: Option<DateTime<Utc>>,
}

impl Dialog {
    fn respond(self, req: &HttpRequest, admin: &AccountAdmin) -> HttpResponse {
        let status = if self.refusal.is_some() {
            StatusCode::CONFLICT
        } else if self.grace_error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let presets = Grace::PRESETS
            .iter()
            .map(|&(seconds, label)| Preset {
                seconds,
                label,
                chosen: seconds == self.chosen.seconds(),
            })
            .collect();
        let page = RotatePage {
            chrome: Some(admin.signed_in.chrome.clone()),
            title: "Rotate API token",
            action_url: format!("{}/rotate{}", self.token.href(), self.origin.query()),
            cancel_url: self.origin.page(&self.token.href()),
            token: self.token,
            csrf_token: admin.signed_in.chrome.csrf_token.clone(),
            presets,
            seen_prefix: self.seen_prefix,
            button_label: TokenAction::Rotate.label(),
            grace_error: self.grace_error,
            refusal: self.refusal,
            earlier_secret_ends: self
                .earlier_secret_ends
                .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
        };
        render::dialog_or_page(req, status, &page, &page.as_dialog())
    }
}
