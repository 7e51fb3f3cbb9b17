//! `POST /settings/api-tokens/bulk/apply`: the confirmed change through `TokenChanges`
//! (each token checked and audited on its own, all in one transaction, then dropped
//! from the cache), and the result, read back once that has committed:
//! what changed and what was skipped, with why. With htmx the result replaces the
//! confirmation in the dialog, and the rows of the tokens named and a flash message are
//! swapped in out of band; without JavaScript it is a page of its own, and the list
//! shows the flash once gone back to.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{NOT_FOUND, confirm, list_view, selection, title, transition_of};
use crate::db::tokens::{self, Outcome, TokenSummary};
use crate::domain::bulk;
use crate::domain::{BulkIds, TokenId, TokenStatus, Transition, Visibility};
use crate::state::AppState;
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;
use crate::web::session::TypedSession;
use crate::web::tokens::changed::read_after_commit;
use crate::web::tokens::reminders::Reminders;
use crate::web::tokens::row::TokenRow;
use crate::web::{htmx, render};

/// The confirmation's form.
#[derive(Deserialize)]
pub struct ConfirmedForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    return_to: String,
}

#[derive(Template)]
#[template(path = "tokens/bulk_result.html", blocks = ["dialog"])]
struct ResultPage {
    chrome: Option<Chrome>,
    title: String,
    /// "Disabled 2 tokens. Skipped 1.", in the dialog and as the flash message.
    message: String,
    /// "Disabled", over the tokens changed.
    changed_heading: &'static str,
    changed: Vec<Named>,
    skipped: Vec<Skipped>,
    back: String,
    /// With htmx: the rows, the list's banners and the flash go out of band.
    updates_list: bool,
    rows: Vec<RowUpdate>,
    reminders: Option<Reminders>,
    spans_accounts: bool,
    can_manage: bool,
}

struct Named {
    id: String,
    name: String,
}

struct Skipped {
    id: String,
    name: Option<String>,
    reason: String,
}

/// A row of the list after the change: re-rendered, or removed once deleted.
struct RowUpdate {
    id: String,
    row: Option<TokenRow>,
}

pub async fn apply(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    form: CsrfForm<ConfirmedForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.0;
    let transition = transition_of(&form.action)?;
    let back = list_view(&form.return_to);
    let ids = match selection(form.ids.iter().map(String::as_str))? {
        Ok(ids) => ids,
        Err(message) => return Ok(confirm::unusable(&req, &admin, transition, back, message)),
    };
    let by = admin.acting(&req);
    let visibility = Visibility::Account(admin.account.clone());
    let changes = state.changes.clone();
    let in_the_list = htmx::wants_fragment(&req);
    let account = admin.account.clone();
    let changing = ids.clone();
    let outcomes = state
        .db("changing tokens in bulk", move |conn| {
            changes.transition_each(conn, &by, &changing, transition)
        })
        .await?;
    let lookup = ids.clone();
    let read = state
        .db("loading the tokens changed in bulk", move |conn| {
            let now = tokens::find_many(conn, &visibility, lookup.as_slice())?;
            let reminders = if in_the_list {
                Reminders::recount(conn, &account, Utc::now())
            } else {
                None
            };
            Ok((now, reminders))
        })
        .await;
    // Without them, the result names the tokens changed (their outcomes carry the names)
    // and the list fetches its rows and banners itself.
    let (now, reminders, unread) = match read_after_commit(read) {
        Some((now, reminders)) => (now, reminders, false),
        None => (Vec::new(), None, true),
    };
    let page = ResultPage::new(&admin, transition, &ids, outcomes, now, back);
    tracing::info!(
        action = transition.slug(),
        changed = page.changed.len(),
        skipped = page.skipped.len(),
        "tokens changed in bulk"
    );
    if in_the_list {
        let page = ResultPage {
            updates_list: true,
            reminders,
            ..page
        };
        let mut response = render::dialog(StatusCode::OK, &page.as_dialog());
        if unread {
            htmx::raise(&mut response, htmx::TOKENS_CHANGED);
        }
        return Ok(response);
    }
    TypedSession::from_request_sync(&req)
        .set_flash(&page.message)
        .map_err(WebError::internal("keeping the flash message"))?;
    Ok(render::page(&page))
}

impl ResultPage {
    /// The result of `outcomes`, one for each of `ids`; `now` is how the tokens found
    /// stand after the change.
    fn new(
        admin: &AccountAdmin,
        transition: Transition,
        ids: &BulkIds,
        outcomes: Vec<Outcome<String>>,
        now: Vec<TokenSummary>,
        back: String,
    ) -> Self {
        let now: HashMap<TokenId, TokenSummary> =
            now.into_iter().map(|t| (t.id.clone(), t)).collect();
        let (mut changed, mut skipped) = (Vec::new(), Vec::new());
        for (id, outcome) in ids.as_slice().iter().zip(outcomes) {
            let name = now.get(id).map(|t| t.name.clone());
            let reason = match outcome {
                Outcome::Done(name) => {
                    changed.push(Named {
                        id: id.to_string(),
                        name,
                    });
                    continue;
                }
                Outcome::Refused(refusal) => refusal.to_string(),
                Outcome::NotFound => NOT_FOUND.to_owned(),
                // A person's status change is held to no token's reach and no expiry
                // policy: a bug, logged, with the token listed as skipped rather than
                // the others' result lost.
                unexpected @ (Outcome::Exceeds(_) | Outcome::BreaksPolicy(_)) => {
                    tracing::error!(token_id = %id, outcome = ?unexpected, "a person's status change answered an unexpected outcome");
                    "This change is not allowed.".to_owned()
                }
            };
            skipped.push(Skipped {
                id: id.to_string(),
                name,
                reason,
            });
        }
        let at = Utc::now();
        let rows = ids
            .as_slice()
            .iter()
            .filter_map(|id| now.get(id))
            .map(|token| RowUpdate {
                id: token.id.to_string(),
                row: (token.status != TokenStatus::Deleted).then(|| TokenRow::new(token, at)),
            })
            .collect();
        Self {
            chrome: Some(admin.signed_in.chrome.clone()),
            title: title(transition),
            message: bulk::summary(transition, changed.len(), skipped.len()),
            changed_heading: bulk::past(transition),
            changed,
            skipped,
            back,
            updates_list: false,
            rows,
            reminders: None,
            spans_accounts: false,
            can_manage: true,
        }
    }
}
