//! `GET /settings/api-tokens/{id}?tab=general|modules|details`: a token's details in
//! three tabs; with htmx only the tabs are re-rendered.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::row::TokenRow;
use crate::app::AppState;
use crate::db::modules::Module;
use crate::db::tokens;
use crate::domain::TokenId;
use crate::web::chrome::Chrome;
use crate::web::current_user::ApiAccess;
use crate::web::errors::WebError;
use crate::web::time_view::TimeView;
use crate::web::{htmx, render};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    General,
    Modules,
    Details,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::General, Tab::Modules, Tab::Details];

    fn parse(raw: Option<&str>) -> Self {
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

#[derive(Deserialize)]
pub struct TabQuery {
    tab: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens/detail.html", blocks = ["tabs"])]
struct DetailPage {
    chrome: Option<Chrome>,
    spans_accounts: bool,
    tab: Tab,
    token: TokenRow,
    description: String,
    modules: Vec<Module>,
    updated_at: TimeView,
    disabled_at: Option<TimeView>,
    deleted_at: Option<TimeView>,
    last_access_ip: Option<String>,
    last_access_user_agent: Option<String>,
}

impl DetailPage {
    fn tabs(&self) -> [Tab; 3] {
        Tab::ALL
    }

    fn tab_href(&self, slug: &str) -> String {
        format!("{}?tab={slug}", self.token.href())
    }
}

pub async fn page(
    req: HttpRequest,
    access: ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<TabQuery>,
) -> Result<HttpResponse, WebError> {
    let not_found = || WebError::NotFound(Some(Box::new(access.signed_in.chrome.clone())));
    let id = TokenId::parse(&id).map_err(|_| not_found())?;
    let visibility = access.visibility.clone();
    let Some(detail) = state
        .db(move |conn| tokens::find(conn, &visibility, &id))
        .await?
    else {
        return Err(not_found());
    };
    let now = Utc::now();
    let view = DetailPage {
        chrome: Some(access.signed_in.chrome.clone()),
        spans_accounts: access.visibility.spans_accounts(),
        tab: Tab::parse(query.tab.as_deref()),
        token: TokenRow::new(&detail.summary, now),
        description: detail.description,
        modules: detail.summary.modules,
        updated_at: TimeView::new(detail.updated_at, now),
        disabled_at: TimeView::optional(detail.disabled_at, now),
        deleted_at: TimeView::optional(detail.deleted_at, now),
        last_access_ip: detail.last_access_ip,
        last_access_user_agent: detail.last_access_user_agent,
    };
    if htmx::wants_fragment(&req) {
        Ok(render::page(&view.as_tabs()))
    } else {
        Ok(render::page(&view))
    }
}
