//! `POST /settings/api-tokens/bulk`: the one confirmation for the tokens ticked on the
//! list, naming each (name and id) and which will be skipped, and why. Nothing changes
//! here.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{NOT_FOUND, list_view, selection, title, transition_of, wording};
use crate::db::tokens;
use crate::domain::bulk;
use crate::domain::{BulkIds, TokenId, Transition, Visibility};
use crate::state::AppState;
use crate::web::chrome::Chrome;
use crate::web::csrf::CsrfForm;
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;
use crate::web::render;

/// The list's form: the button pressed, the rows ticked, and "select all on this
/// page" with the page's ids (which count only when it is ticked).
#[derive(Deserialize)]
pub struct SelectionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    select_all: Option<String>,
    #[serde(default)]
    page_ids: Vec<String>,
    #[serde(default)]
    return_to: String,
}

#[derive(Template)]
#[template(path = "tokens/bulk_confirm.html", blocks = ["dialog"])]
struct ConfirmPage {
    chrome: Option<Chrome>,
    title: String,
    /// How many will change and how many be skipped (empty with no tokens).
    summary: String,
    tokens: Vec<Selected>,
    warnings: &'static [&'static str],
    action: &'static str,
    csrf_token: String,
    button_label: String,
    button_class: &'static str,
    /// Cancel and Close lead back to the list view the form came from.
    cancel_url: String,
    /// Why nothing can be done: nothing selected, too much, or nothing that may change.
    refusal: Option<String>,
}

/// A token selected, as the confirmation names it.
struct Selected {
    id: String,
    /// None when the account has no such token.
    name: Option<String>,
    /// Why it will be skipped.
    skip: Option<String>,
}

pub async fn confirm(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    form: CsrfForm<SelectionForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.0;
    let transition = transition_of(&form.action)?;
    let cancel_url = list_view(&form.return_to);
    let whole_page = form.select_all.is_some();
    let raw = form
        .ids
        .iter()
        .chain(form.page_ids.iter().filter(|_| whole_page))
        .map(String::as_str);
    let ids = match selection(raw)? {
        Ok(ids) => ids,
        Err(message) => return Ok(unusable(&req, &admin, transition, cancel_url, message)),
    };
    let tokens = selected(&state, &admin, &ids, transition).await?;
    let skipping = tokens.iter().filter(|t| t.skip.is_some()).count();
    let changing = tokens.len() - skipping;
    let refusal = (changing == 0).then(|| {
        format!(
            "There is nothing to {}: each token is skipped for the reason given.",
            transition.slug()
        )
    });
    let page = ConfirmPage {
        summary: bulk::will(transition, changing, skipping),
        tokens,
        button_label: format!("{} {}", bulk::verb(transition), bulk::tokens(changing)),
        refusal,
        ..ConfirmPage::new(&admin, transition, cancel_url)
    };
    Ok(page.respond(&req))
}

/// The dialog when the selection can't be used at all, with why.
pub(super) fn unusable(
    req: &HttpRequest,
    admin: &AccountAdmin,
    transition: Transition,
    cancel_url: String,
    message: String,
) -> HttpResponse {
    let page = ConfirmPage {
        refusal: Some(message),
        ..ConfirmPage::new(admin, transition, cancel_url)
    };
    page.respond(req)
}

/// Each token of `ids` as the admin's account holds it, in the order selected.
async fn selected(
    state: &AppState,
    admin: &AccountAdmin,
    ids: &BulkIds,
    transition: Transition,
) -> Result<Vec<Selected>, WebError> {
    let visibility = Visibility::Account(admin.account.clone());
    let lookup = ids.clone();
    let found = state
        .db("loading the selected tokens", move |conn| {
            tokens::find_many(conn, &visibility, lookup.as_slice())
        })
        .await?;
    let found: HashMap<TokenId, _> = found.into_iter().map(|t| (t.id.clone(), t)).collect();
    Ok(ids
        .as_slice()
        .iter()
        .map(|id| match found.get(id) {
            Some(token) => Selected {
                id: id.to_string(),
                name: Some(token.name.clone()),
                skip: transition.check(token.status).err().map(|r| r.to_string()),
            },
            None => Selected {
                id: id.to_string(),
                name: None,
                skip: Some(NOT_FOUND.to_owned()),
            },
        })
        .collect())
}

impl ConfirmPage {
    fn new(admin: &AccountAdmin, transition: Transition, cancel_url: String) -> Self {
        let wording = wording(transition);
        Self {
            chrome: Some(admin.signed_in.chrome.clone()),
            title: title(transition),
            summary: String::new(),
            tokens: Vec::new(),
            warnings: wording.warnings,
            action: transition.slug(),
            csrf_token: admin.signed_in.chrome.csrf_token.clone(),
            button_label: String::new(),
            button_class: wording.button_class,
            cancel_url,
            refusal: None,
        }
    }

    /// 422 when the selection can't be used, 409 when nothing selected may change.
    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let status = match (&self.refusal, self.tokens.is_empty()) {
            (None, _) => StatusCode::OK,
            (Some(_), true) => StatusCode::UNPROCESSABLE_ENTITY,
            (Some(_), false) => StatusCode::CONFLICT,
        };
        render::dialog_or_page(req, status, self, &self.as_dialog())
    }
}
