//! `GET /settings/api-tokens/{id}?tab=general|modules|details`: a token's details in
//! three tabs; with htmx only the tabs are re-rendered.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::row::TokenRow;
use crate::db::modules::Module;
use crate::db::tokens::FoundInPublic;
use crate::db::{audit, tokens, usage};
use crate::domain::leak_report;
use crate::domain::usage_chart::{self, UsageChart};
use crate::domain::{TokenId, Visibility};
use crate::state::AppState;
use crate::web::audit::EntryView;
use crate::web::chrome::Chrome;
use crate::web::current_user::ApiAccess;
use crate::web::errors::WebError;
use crate::web::time_view::TimeView;
use crate::web::{htmx, render};

/// How many of the most recently used addresses the Details tab lists.
const RECENT_ADDRESSES: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    General,
    Modules,
    Details,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::General, Tab::Modules, Tab::Details];

    pub fn parse(raw: Option<&str>) -> Self {
        Self::ALL
            .into_iter()
            .find(|tab| Some(tab.slug()) == raw)
            .unwrap_or(Self::General)
    }

    fn slug(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Modules => "modules",
            Self::Details => "details",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::General => "General",
            Self::Modules => "Modules",
            Self::Details => "Details",
        }
    }
}

/// An address the token was used from, as the Details tab shows it.
struct RecentIpView {
    ip: String,
    first: TimeView,
    last: TimeView,
    user_agent: String,
    requests: i64,
}

/// Where and when the token's secret was found in public, as the banner above the tabs
/// says it.
struct FoundInPublicView {
    at: TimeView,
    /// Where, when the report said.
    url: Option<String>,
    /// Whether `url` may be a link (http or https).
    linkable: bool,
    source: Option<String>,
}

impl FoundInPublicView {
    fn new(found: &FoundInPublic, now: DateTime<Utc>) -> Self {
        let url = found.location.url().map(str::to_owned);
        Self {
            at: TimeView::new(found.at, now),
            linkable: url.as_deref().is_some_and(leak_report::is_linkable),
            url,
            source: found.location.source().map(str::to_owned),
        }
    }
}

#[derive(Deserialize)]
pub struct TabQuery {
    tab: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens/detail.html", blocks = ["tabs"])]
struct DetailPage {
    chrome: Option<Chrome>,
    spans_accounts: bool,
    can_manage: bool,
    csrf_token: String,
    /// The full secret, after a reveal without JavaScript.
    revealed: Option<String>,
    /// The token's own history, newest first.
    entries: Vec<EntryView>,
    /// The five addresses used most recently.
    recent_ips: Vec<RecentIpView>,
    chart: UsageChart,
    chart_summary: String,
    tab: Tab,
    token: TokenRow,
    description: String,
    modules: Vec<Module>,
    updated_at: TimeView,
    disabled_at: Option<TimeView>,
    deleted_at: Option<TimeView>,
    last_access_ip: Option<String>,
    last_access_user_agent: Option<String>,
    /// The service (verify, introspection) the last access came through, if any.
    last_access_via: Option<String>,
    /// When the secret the last rotation replaced stops working, while it still works.
    old_secret_ends: Option<TimeView>,
    /// Where it may be used from: empty for anywhere.
    allowed_addresses: Vec<String>,
    rate_limit: Option<String>,
    /// When and where its secret was found in public, if it was.
    found_in_public: Option<FoundInPublicView>,
}

impl DetailPage {
    fn tabs(&self) -> [Tab; 3] {
        Tab::ALL
    }

    fn tab_href(&self, slug: &str) -> String {
        format!("{}?tab={slug}", self.token.href())
    }
}

/// The id of the element that fetches the page again when its token changed in a
/// dialog over it, or a dialog found it changed (a rotation, or a 409:
/// `htmx::TOKENS_CHANGED`; `tokens/detail.html`): htmx names it in the request's
/// `HX-Trigger`.
pub(crate) const REFRESH_ID: &str = "token-detail-refresh";

pub async fn page(
    req: HttpRequest,
    access: ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<TabQuery>,
) -> Result<HttpResponse, WebError> {
    let can_manage = !access.visibility.spans_accounts();
    let tab = Tab::parse(query.tab.as_deref());
    show(
        &req,
        &state,
        access.signed_in.chrome,
        access.visibility,
        can_manage,
        &id,
        tab,
        None,
    )
    .await
}

/// Renders the details page (or its tabs, for htmx) of token `raw_id`.
#[expect(
    clippy::too_many_arguments,
    reason = "who is looking, at which token, how"
)]
pub async fn show(
    req: &HttpRequest,
    state: &AppState,
    chrome: Chrome,
    visibility: Visibility,
    can_manage: bool,
    raw_id: &str,
    tab: Tab,
    revealed: Option<String>,
) -> Result<HttpResponse, WebError> {
    let not_found = || WebError::NotFound(Some(Box::new(chrome.clone())));
    let id = TokenId::parse(raw_id).map_err(|_| not_found())?;
    let lookup = visibility.clone();
    let found = state
        .db("loading a token's details", move |conn| {
            let Some(detail) = tokens::find(conn, &lookup, &id)? else {
                return Ok(None);
            };
            let history = audit::page(conn, &lookup, Some(&id), None)?.entries;
            let ips = usage::recent_ips(conn, &id, RECENT_ADDRESSES)?;
            let first_day = Utc::now().date_naive() - chrono::Duration::days(usage_chart::DAYS - 1);
            let per_day = usage::requests_per_day(conn, &id, first_day)?;
            Ok(Some((detail, history, ips, per_day)))
        })
        .await?;
    let Some((detail, history, ips, per_day)) = found else {
        return Err(not_found());
    };
    let now = Utc::now();
    let old_secret_ends = TimeView::optional(detail.old_secret_working_until(now), now);
    let chart = UsageChart::new(now.date_naive(), &per_day);
    let view = DetailPage {
        csrf_token: chrome.csrf_token.clone(),
        chrome: Some(chrome),
        spans_accounts: visibility.spans_accounts(),
        can_manage,
        revealed,
        entries: history.iter().map(|e| EntryView::new(e, now)).collect(),
        recent_ips: ips
            .into_iter()
            .map(|seen| RecentIpView {
                first: TimeView::new(seen.first_seen_at, now),
                last: TimeView::new(seen.last_seen_at, now),
                ip: seen.ip,
                user_agent: seen.user_agent,
                requests: seen.requests,
            })
            .collect(),
        chart_summary: chart.summary(),
        chart,
        tab,
        token: TokenRow::new(&detail.summary, now),
        description: detail.description,
        modules: detail.summary.modules,
        updated_at: TimeView::new(detail.updated_at, now),
        disabled_at: TimeView::optional(detail.disabled_at, now),
        deleted_at: TimeView::optional(detail.deleted_at, now),
        last_access_ip: detail.last_access_ip,
        last_access_user_agent: detail.last_access_user_agent,
        last_access_via: detail.last_access_via,
        old_secret_ends,
        allowed_addresses: detail.allowed_addresses.entries(),
        rate_limit: detail.rate_limit.map(|limit| limit.to_string()),
        found_in_public: detail
            .found_in_public
            .as_ref()
            .map(|found| FoundInPublicView::new(found, now)),
    };
    // The page fetching itself again after its token changed behind a dialog: all of
    // it, of which htmx takes what the page shows of the token.
    if htmx::triggered_by(req, REFRESH_ID) {
        return Ok(render::page(&view));
    }
    Ok(render::full_or_fragment(
        req,
        StatusCode::OK,
        &view,
        &view.as_tabs(),
    ))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Tab;

    proptest! {
        #[test]
        fn any_tab_parameter_is_a_tab_and_only_a_slug_chooses_one(
            raw in proptest::option::of(prop_oneof![
                "general|modules|details|Details| details|details\u{0}".prop_map(String::from),
                "\\PC{0,20}",
            ])
        ) {
            let tab = Tab::parse(raw.as_deref());
            let expected = match raw.as_deref() {
                Some("modules") => Tab::Modules,
                Some("details") => Tab::Details,
                _ => Tab::General,
            };
            prop_assert_eq!(tab, expected);
            prop_assert_eq!(Tab::parse(Some(tab.slug())), tab, "its slug reads back");
        }
    }
}
