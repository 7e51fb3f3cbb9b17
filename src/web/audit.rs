//! `GET /settings/audit`: the account's audit log, newest first, filterable by token
//! (support staff see every account's).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::chrome::Chrome;
use super::current_user::ApiAccess;
use super::errors::WebError;
use super::render;
use super::time_view::TimeView;
use crate::db::audit::{self, AuditEntry, AuditPage};
use crate::domain::TokenId;
use crate::domain::list_page::ListTotal;
use crate::state::AppState;

/// An event as the log's rows show it.
pub struct EntryView {
    pub at: TimeView,
    pub action: &'static str,
    pub label: &'static str,
    pub actor_name: String,
    pub actor_id: String,
    pub token_id: Option<String>,
    pub token_name: String,
    pub details: String,
    pub ip: Option<String>,
}

impl EntryView {
    pub fn new(entry: &AuditEntry, now: DateTime<Utc>) -> Self {
        Self {
            at: TimeView::new(entry.occurred_at, now),
            action: entry.action.as_str(),
            label: entry.action.label(),
            actor_name: entry.actor_name.clone(),
            actor_id: entry.actor_id.clone(),
            token_id: entry.token_id.clone(),
            token_name: entry.token_name.clone().unwrap_or_default(),
            details: entry.details.clone(),
            ip: entry.ip.clone(),
        }
    }
}

#[derive(Deserialize)]
pub struct AuditQuery {
    token: Option<String>,
    /// The event the page starts after (the last one of the page before). A link with
    /// the `page` number of earlier versions shows the first page.
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditLogPage {
    chrome: Option<Chrome>,
    entries: Vec<EntryView>,
    total: ListTotal,
    token_filter: String,
    /// The page follows an event: when it is empty, there is nothing older (or the
    /// event is not one of the log's), not nothing at all.
    older: bool,
    /// The newest events of the same log.
    first_href: String,
    next_href: Option<String>,
}

pub async fn page(
    access: ApiAccess,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, WebError> {
    let token_filter = query.token.as_deref().unwrap_or_default().trim().to_owned();
    let token = TokenId::parse(&token_filter).ok();
    // Not a number: no cursor, the first page.
    let after = query
        .after
        .as_deref()
        .and_then(|a| a.trim().parse::<i64>().ok());
    let visibility = access.visibility.clone();
    let filter = token.clone();
    let (found, total) = if token_filter.is_empty() || token.is_some() {
        state
            .db("reading the audit log", move |conn| {
                let found = audit::page(conn, &visibility, filter.as_ref(), after)?;
                Ok((found, audit::count(conn, &visibility, filter.as_ref())?))
            })
            .await?
    } else {
        (AuditPage::default(), ListTotal::Exact(0))
    };
    let now = Utc::now();
    let token_param = token
        .as_ref()
        .map(|t| format!("token={t}&"))
        .unwrap_or_default();
    let first_href = format!("/settings/audit?{}", token_param.trim_end_matches('&'));
    let next_href = found
        .entries
        .last()
        .filter(|_| found.has_next)
        .map(|last| format!("/settings/audit?{token_param}after={}", last.id));
    let view = AuditLogPage {
        chrome: Some(access.signed_in.chrome),
        entries: found
            .entries
            .iter()
            .map(|e| EntryView::new(e, now))
            .collect(),
        total,
        token_filter,
        older: after.is_some(),
        first_href,
        next_href,
    };
    Ok(render::page_with_status(StatusCode::OK, &view))
}
