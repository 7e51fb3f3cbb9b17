//! `GET|POST /settings/api-tokens/{id}/{enable|disable|delete}`: the confirmation, with
//! the seeds' warnings, and the change itself.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::changed;
use super::load::admins_token;
use super::origin::{FromQuery, Origin};
use super::row::TokenRow;
use crate::db::tokens::Outcome;
use crate::domain::{TokenAction, Transition};
use crate::state::AppState;
use crate::web::chrome::Chrome;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;
use crate::web::render;

#[derive(Template)]
#[template(path = "tokens/confirm.html", blocks = ["dialog"])]
struct ConfirmPage {
    chrome: Option<Chrome>,
    title: &'static str,
    token: TokenRow,
    warnings: &'static [&'static str],
    action_url: String,
    cancel_url: String,
    csrf_token: String,
    button_label: &'static str,
    button_class: &'static str,
    refusal: Option<String>,
}

struct Wording {
    title: &'static str,
    warnings: &'static [&'static str],
    button_class: &'static str,
}

fn wording(transition: Transition) -> Wording {
    match transition {
        Transition::Disable => Wording {
            title: "Disable API token",
            warnings: &[
                "Any processes using this token immediately lose access.",
                "CI/CD pipelines and integrations will fail to authenticate.",
                "You can enable it again later.",
            ],
            button_class: "button-warning",
        },
        Transition::Enable => Wording {
            title: "Enable API token",
            warnings: &[
                "Integrations and automation using this token regain access.",
                "The token becomes active immediately.",
            ],
            button_class: "button-primary",
        },
        Transition::Delete => Wording {
            title: "Delete API token",
            warnings: &[
                "This action cannot be undone.",
                "Any processes using this token immediately stop working.",
                "CI/CD pipelines, automation scripts and integrations will fail.",
            ],
            button_class: "button-danger",
        },
    }
}

fn transition_of(admin: &AccountAdmin, slug: &str) -> Result<Transition, WebError> {
    Transition::parse(slug).ok_or_else(|| WebError::NotFound(Some(admin.chrome())))
}

pub async fn confirm(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<FromQuery>,
) -> Result<HttpResponse, WebError> {
    let (id, action) = path.into_inner();
    let transition = transition_of(&admin, &action)?;
    let (_, detail) = admins_token(&state, &admin, &id).await?;
    let refusal = transition
        .check(detail.summary.status)
        .err()
        .map(|r| r.to_string());
    let token = TokenRow::new(&detail.summary, Utc::now());
    Ok(page(
        &req,
        &admin,
        transition,
        token,
        Origin::from(&*query),
        refusal,
    ))
}

pub async fn apply(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<FromQuery>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let (raw_id, action) = path.into_inner();
    let transition = transition_of(&admin, &action)?;
    let (id, _) = admins_token(&state, &admin, &raw_id).await?;
    let origin = Origin::from(&*query);
    let ctx = admin.acting(&req).on(id.clone());
    let changes = state.changes.clone();
    let outcome = state
        .db("changing a token's status", move |conn| {
            changes.transition(conn, &ctx, transition)
        })
        .await?;
    match outcome {
        Outcome::Done(name) => {
            tracing::info!(token_id = %id, action = transition.slug(), "token changed");
            changed::respond(
                &req,
                &state,
                &admin,
                &id,
                origin,
                &transition.done_message(&name),
                transition == Transition::Delete,
            )
            .await
        }
        Outcome::Refused(refusal) => {
            let (_, detail) = admins_token(&state, &admin, &raw_id).await?;
            let token = TokenRow::new(&detail.summary, Utc::now());
            Ok(page(
                &req,
                &admin,
                transition,
                token,
                origin,
                Some(refusal.to_string()),
            ))
        }
        Outcome::Exceeds(excess) => Err(WebError::person_held_to_token_reach(&excess)),
        Outcome::BreaksPolicy(breach) => {
            Err(anyhow::anyhow!("a status change answered a policy breach: {breach}").into())
        }
        Outcome::NotFound => Err(WebError::NotFound(Some(admin.chrome()))),
    }
}

fn page(
    req: &HttpRequest,
    admin: &AccountAdmin,
    transition: Transition,
    token: TokenRow,
    origin: Origin,
    refusal: Option<String>,
) -> HttpResponse {
    let wording = wording(transition);
    let status = if refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let page = ConfirmPage {
        chrome: Some(admin.signed_in.chrome.clone()),
        title: wording.title,
        action_url: format!("{}/{}{}", token.href(), transition.slug(), origin.query()),
        cancel_url: origin.page(&token.href()),
        token,
        warnings: wording.warnings,
        csrf_token: admin.signed_in.chrome.csrf_token.clone(),
        // The button says what the menu item that opened the dialog said.
        button_label: TokenAction::from(transition).label(),
        button_class: wording.button_class,
        refusal,
    };
    render::dialog_or_page(req, status, &page, &page.as_dialog())
}
