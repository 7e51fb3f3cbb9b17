//! `GET|POST /settings/api-tokens/{id}/edit`: the "Edit API token" dialog, pre-filled;
//! each invalid field is shown beside it and nothing is saved. Disabled tokens can't
//! be edited (409). A form saved after the token changed elsewhere is not saved either
//! (409): it comes back as entered, over the token as it is now, naming the fields in
//! which the two differ.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::changed;
use super::form_page::FormPage;
use super::form_view::FormView;
use super::load::{admins_token, catalog_and_policy};
use super::origin::{FromQuery, Origin};
use crate::db::modules::Module;
use crate::db::tokens::{Outcome, TokenDetail};
use crate::domain::token_action::{Refusal, check_edit};
use crate::domain::{FieldErrors, TokenDraft, TokenForm};
use crate::state::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;

pub async fn form(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<FromQuery>,
) -> Result<HttpResponse, WebError> {
    let (_, detail) = admins_token(&state, &admin, &id).await?;
    let (catalog, policy) = catalog_and_policy(&state, &admin).await?;
    let origin = Origin::from(&*query);
    let refusal = check_edit(detail.summary.status)
        .err()
        .map(|r| r.to_string());
    let status = if refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let view = FormView::for_edit(&detail, &catalog, policy);
    Ok(page(&admin, &detail, origin, view, refusal).respond(&req, status))
}

pub async fn submit(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<FromQuery>,
    submitted: CsrfForm<TokenForm>,
) -> Result<HttpResponse, WebError> {
    let submitted = submitted.0;
    // Saved only over the token as the form showed it: a change made since (in another
    // tab, or through the API) is refused rather than undone.
    let based_on = submitted
        .reading()
        .map_err(|_| WebError::BadForm("The form's reading of the token is not a time.".into()))?;
    let (id, detail) = admins_token(&state, &admin, &id).await?;
    let (catalog, policy) = catalog_and_policy(&state, &admin).await?;
    let origin = Origin::from(&*query);
    let resubmitted = |errors| FormView::resubmitted("edit", &submitted, &catalog, errors, policy);
    if let Err(refusal) = check_edit(detail.summary.status) {
        let view = resubmitted(Default::default());
        return Ok(
            page(&admin, &detail, origin, view, Some(refusal.to_string()))
                .respond(&req, StatusCode::CONFLICT),
        );
    }
    let draft = match TokenDraft::parse(
        &submitted,
        &module_ids(&catalog),
        detail.summary.expires_at,
        Utc::now(),
    ) {
        Ok(draft) => draft,
        Err(errors) => {
            let view = resubmitted(errors);
            return Ok(page(&admin, &detail, origin, view, None)
                .respond(&req, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let ctx = admin.acting(&req).on(id.clone());
    let (changes, saved) = (state.changes.clone(), draft.clone());
    let outcome = state
        .db("editing a token", move |conn| {
            changes.edit(conn, &ctx, &saved, based_on)
        })
        .await?;
    match outcome {
        Outcome::Done(changed_fields) => {
            let message = if changed_fields.is_empty() {
                format!("Nothing changed in “{}”.", draft.name)
            } else {
                tracing::info!(token_id = %id, fields = ?changed_fields, "token edited");
                format!("“{}” is updated.", draft.name)
            };
            changed::respond(&req, &state, &admin, &id, origin, &message, false).await
        }
        Outcome::BreaksPolicy(breach) => {
            let view = resubmitted(FieldErrors::on_expiry(breach.to_string()));
            Ok(page(&admin, &detail, origin, view, None)
                .respond(&req, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Outcome::Refused(Refusal::Changed) => {
            let (_, now) = admins_token(&state, &admin, id.as_str()).await?;
            if let Err(refusal) = check_edit(now.summary.status) {
                let view = resubmitted(Default::default());
                return Ok(page(&admin, &now, origin, view, Some(refusal.to_string()))
                    .respond(&req, StatusCode::CONFLICT));
            }
            let current = FormView::for_edit(&now, &catalog, policy);
            // Saved again, this form is made over the token as it is now.
            let view = resubmitted(Default::default()).based_on(current.based_on.clone());
            let conflict = changed_meanwhile(&view.differs_from(&current));
            Ok(FormPage {
                conflict: Some(conflict),
                ..page(&admin, &now, origin, view, None)
            }
            .respond(&req, StatusCode::CONFLICT))
        }
        Outcome::Refused(refusal) => {
            let view = resubmitted(Default::default());
            Ok(
                page(&admin, &detail, origin, view, Some(refusal.to_string()))
                    .respond(&req, StatusCode::CONFLICT),
            )
        }
        Outcome::Exceeds(excess) => Err(WebError::person_held_to_token_reach(&excess)),
        Outcome::NotFound => Err(WebError::NotFound(Some(admin.chrome()))),
    }
}

/// What the edit dialog says over a form whose token changed elsewhere while it was
/// open, given the fields in which the token now differs from what was entered.
fn changed_meanwhile(differing: &[&str]) -> String {
    let opening = "This token was changed elsewhere while this form was open, so nothing \
                   here is saved yet.";
    if differing.is_empty() {
        return format!("{opening} It now has every field as you entered it.");
    }
    format!(
        "{opening} It now differs from what you entered in: {}. Check them, then save \
         again to apply what you entered.",
        differing.join(", ")
    )
}

fn page(
    admin: &AccountAdmin,
    detail: &TokenDetail,
    origin: Origin,
    form: FormView,
    refusal: Option<String>,
) -> FormPage {
    let href = format!("{}/{}", super::LIST_PATH, detail.summary.id);
    FormPage {
        chrome: Some(admin.signed_in.chrome.clone()),
        title: "Edit API token",
        action_url: format!("{href}/edit{}", origin.query()),
        cancel_url: origin.page(&href),
        csrf_token: admin.signed_in.chrome.csrf_token.clone(),
        submit_label: "Save changes",
        form,
        refusal,
        conflict: None,
    }
}

/// The catalog's module ids, for validating a draft.
pub fn module_ids(catalog: &[Module]) -> Vec<crate::domain::ModuleId> {
    catalog.iter().map(|m| m.id.clone()).collect()
}
