//! The answer to a successful change. With htmx from the list: the row re-rendered (or
//! removed), the banners over the list recounted, and a flash message, swapped in out
//! of band, and the modal closed. With htmx from a details page: a reload (or, after
//! delete, the list) showing the flash. Without JavaScript: a redirect to that page,
//! with the flash in the session. The change is committed before any of this is read:
//! if reading fails, the answer still says it was made (`read_after_commit`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::LIST_PATH;
use super::origin::Origin;
use super::reminders::Reminders;
use super::row::TokenRow;
use crate::db::{health, tokens};
use crate::domain::{TokenId, Visibility};
use crate::state::AppState;
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;
use crate::web::session::TypedSession;
use crate::web::{htmx, render};

#[derive(Template)]
#[template(path = "tokens/changed.html")]
struct Changed<'a> {
    token_id: &'a str,
    deleted: bool,
    row: Option<TokenRow>,
    message: &'a str,
    /// `None` when they could not be recounted: they stay as they are.
    reminders: Option<Reminders>,
    spans_accounts: bool,
    can_manage: bool,
}

/// The answer to a change of `id` that has committed, saying `message`; `deletes` when
/// the change deleted the token.
pub async fn respond(
    req: &HttpRequest,
    state: &AppState,
    admin: &AccountAdmin,
    id: &TokenId,
    origin: Origin,
    message: &str,
    deletes: bool,
) -> Result<HttpResponse, WebError> {
    let in_the_list = htmx::wants_fragment(req) && origin == Origin::List;
    let account = admin.account.clone();
    let lookup = id.clone();
    let now = Utc::now();
    let read = state
        .db("loading the changed token", move |conn| {
            let current = tokens::find(conn, &Visibility::Account(account.clone()), &lookup)?;
            // The list's banners may count this token: recount them for the list.
            let reminders = if in_the_list {
                Reminders::recount(conn, &account, now)
            } else {
                None
            };
            Ok::<_, diesel::result::Error>((current, reminders))
        })
        .await;
    let (deleted, current, reminders, unread) = match read_after_commit(read) {
        Some((current, reminders)) => (
            current
                .as_ref()
                .is_none_or(|t| t.summary.status == crate::domain::TokenStatus::Deleted),
            current,
            reminders,
            false,
        ),
        // The row and the banners stay as they are, for the list to fetch them again;
        // the change itself says whether the token is gone.
        None => (deletes, None, None, true),
    };
    let token_href = format!("{LIST_PATH}/{id}");

    if in_the_list {
        let fragment = Changed {
            token_id: id.as_str(),
            deleted,
            row: current.map(|t| TokenRow::new(&t.summary, now)),
            message,
            reminders,
            spans_accounts: false,
            can_manage: true,
        };
        let mut response = render::page(&fragment);
        response.headers_mut().insert(
            header::HeaderName::from_static("hx-reswap"),
            header::HeaderValue::from_static("none"),
        );
        response.headers_mut().insert(
            header::HeaderName::from_static("hx-trigger-after-swap"),
            header::HeaderValue::from_static("tokendesk:close-modal"),
        );
        if unread {
            htmx::raise(&mut response, htmx::TOKENS_CHANGED);
        }
        return Ok(response);
    }

    let session = TypedSession::from_request_sync(req);
    session
        .set_flash(message)
        .map_err(WebError::internal("keeping the flash message"))?;
    let target = if deleted {
        LIST_PATH.to_owned()
    } else {
        origin.page(&token_href)
    };
    if htmx::wants_fragment(req) && !deleted {
        return Ok(HttpResponse::Ok()
            .insert_header(("hx-refresh", "true"))
            .finish());
    }
    Ok(htmx::navigate(req, &target))
}

/// What was read back after a change that is already committed, or `None` (logged) when
/// that failed, the database busy or gone just then: the change stands, so the answer
/// must still say it was made rather than ask to try again. The list behind is then
/// asked to fetch its tokens itself (`htmx::TOKENS_CHANGED`).
pub(super) fn read_after_commit<T>(read: anyhow::Result<T>) -> Option<T> {
    read.inspect_err(|error| {
        if health::is_temporary(error) {
            health::log_temporary(error);
        } else {
            tracing::error!(
                error = format!("{error:#}"),
                "reading tokens back after a change failed; the change stands"
            );
        }
    })
    .ok()
}
