//! `GET /settings/api-tokens/new` and `POST /settings/api-tokens`: the create dialog, and
//! the new token shown once in full with a copy button.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::LIST_PATH;
use super::edit::module_ids;
use super::form_page::FormPage;
use super::form_view::FormView;
use super::load::catalog_and_policy;
use super::shown_once::SecretShownOnce;
use crate::db::tokens::Outcome;
use crate::state::AppState;

use crate::domain::{FieldErrors, TokenDraft, TokenForm};
use crate::web::csrf::CsrfForm;
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;

pub async fn form(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let (catalog, policy) = catalog_and_policy(&state, &admin).await?;
    Ok(page(&admin, FormView::for_create(&catalog, policy)).respond(&req, StatusCode::OK))
}

pub async fn submit(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    submitted: CsrfForm<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let submitted = submitted.0;
    let (catalog, policy) = catalog_and_policy(&state, &admin).await?;
    let draft = match TokenDraft::parse(&submitted, &module_ids(&catalog), None, Utc::now()) {
        Ok(draft) => draft,
        Err(errors) => {
            let view = FormView::resubmitted("create", &submitted, &catalog, errors, policy);
            return Ok(page(&admin, view).respond(&req, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let (by, creator) = (admin.acting(&req), admin.signed_in.user.id.clone());
    let (changes, saved) = (state.changes.clone(), draft.clone());
    let outcome = state
        .db("creating a token", move |conn| {
            changes.create(conn, &by, &creator, &saved)
        })
        .await?;
    let (id, secret) = match outcome {
        Outcome::Done(created) => created,
        Outcome::BreaksPolicy(breach) => {
            let errors = FieldErrors::on_expiry(breach.to_string());
            let view = FormView::resubmitted("create", &submitted, &catalog, errors, policy);
            return Ok(page(&admin, view).respond(&req, StatusCode::UNPROCESSABLE_ENTITY));
        }
        Outcome::Exceeds(excess) => return Err(WebError::person_held_to_token_reach(&excess)),
        Outcome::Refused(_) | Outcome::NotFound => {
            return Err(
                anyhow::anyhow!("creating a token answered neither done nor refused").into(),
            );
        }
    };
    tracing::info!(token_id = %id, "token created");
    let created = SecretShownOnce {
        chrome: Some(admin.signed_in.chrome),
        title: "Token created",
        name: draft.name.to_string(),
        token_id: id.to_string(),
        secret: secret.expose().to_owned(),
        old_secret_note: None,
        done_href: LIST_PATH.to_owned(),
    };
    Ok(created.respond(&req, StatusCode::CREATED))
}

fn page(admin: &AccountAdmin, form: FormView) -> FormPage {
    FormPage {
        chrome: Some(admin.signed_in.chrome.clone()),
        title: "Create API token",
        action_url: LIST_PATH.to_owned(),
        cancel_url: LIST_PATH.to_owned(),
        csrf_token: admin.signed_in.chrome.csrf_token.clone(),
        submit_label: "Create token",
        form,
        refusal: None,
        conflict: None,
    }
}
