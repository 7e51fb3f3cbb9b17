//! `GET /settings/api-tokens`: search, filter, sort and page through the tokens; with
//! htmx only the results are re-rendered.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::LIST_PATH;
use super::pasted_secret;
use super::reminders::Reminders;
use super::row::TokenRow;
use crate::db::modules;
use crate::db::tokens;
use crate::domain::list_page::{ListTotal, with_separators};
use crate::domain::token_list_query::{
    PAGE_SIZE, RawTokenListQuery, SortDirection, SortKey, StatusFilter, TokenListQuery,
    UnusedFilter,
};
use crate::domain::{PageNumber, Visibility};
use crate::state::AppState;
use crate::web::chrome::Chrome;
use crate::web::current_user::ApiAccess;
use crate::web::errors::WebError;
use crate::web::view::Choice;
use crate::web::{htmx, render};

#[derive(Template)]
#[template(path = "tokens/list.html", blocks = ["results"])]
struct ListPage {
    chrome: Option<Chrome>,
    /// The sort to keep when the filters change (hidden inputs tied to the form).
    current_sort: Option<(&'static str, &'static str)>,
    spans_accounts: bool,
    /// Account admins may create and change tokens; support staff only look.
    can_manage: bool,
    /// The banners over an admin's full page: tokens found in public still disabled,
    /// tokens expiring soon.
    reminders: Option<Reminders>,
    /// The results are rendered alone: reminders, counted only for a refresh of them,
    /// go out of band.
    reminders_out_of_band: bool,
    /// Rows can be ticked for a bulk change: an admin's page with a token that is not
    /// deleted.
    selectable: bool,
    csrf_token: String,
    /// This view of the list, for the bulk change to come back to.
    return_to: String,
    rows: Vec<TokenRow>,
    total: ListTotal,
    first_shown: String,
    last_shown: String,
    page: PageNumber,
    /// How many pages, when the total is exact.
    pages: Option<i64>,
    /// Whether there is more than one page: a link to another.
    paged: bool,
    filtered: bool,
    search: String,
    account: String,
    status_options: Vec<Choice>,
    module_options: Vec<Choice>,
    unused_options: Vec<Choice>,
    expiring_soon: bool,
    leaked: bool,
    sort: SortLinks,
    first_page_href: String,
    /// The same view as CSV, every page.
    export_href: String,
    previous_href: Option<String>,
    next_href: Option<String>,
}

/// A sortable column header.
struct SortLink {
    href: String,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    aria: &'static str,
}

struct SortLinks {
    name: SortLink,
    created: SortLink,
    expires: SortLink,
    last_access: SortLink,
}

/// The id of the element in the results that fetches them again when a token changed
/// in a dialog over them (`htmx::TOKENS_CHANGED`; `tokens/list.html`): htmx names it in
/// the request's `HX-Trigger`.
pub(crate) const REFRESH_ID: &str = "token-results-refresh";

pub async fn page(
    req: HttpRequest,
    access: ApiAccess,
    state: web::Data<AppState>,
    raw: web::Query<RawTokenListQuery>,
) -> Result<HttpResponse, WebError> {
    let raw = raw.into_inner();
    let typed = raw.q.clone();
    let query = TokenListQuery::from(raw);
    if let Some(instead) =
        pasted_secret::searched_instead(&state, &access.visibility, typed.as_deref(), &query)
            .await?
    {
        return Ok(htmx::navigate(&req, &href(&instead)));
    }
    let now = Utc::now();
    let visibility = access.visibility.clone();
    let db_query = query.clone();
    let fragment = htmx::wants_fragment(&req);
    // The results fetching themselves again after a token changed behind a dialog.
    let refreshing = fragment && htmx::triggered_by(&req, REFRESH_ID);
    let (found, catalog, reminders) = state
        .db("listing tokens", move |conn| {
            // An admin's reminders sit above the results: a fragment doesn't show them,
            // but for a refresh, which carries them out of band.
            let reminders = match &visibility {
                Visibility::Account(account) if !fragment => {
                    Some(Reminders::count(conn, account, now)?)
                }
                // The tokens are what the refresh is for: banners that can't be
                // counted stay as they are.
                Visibility::Account(account) if refreshing => {
                    Reminders::recount(conn, account, now)
                }
                _ => None,
            };
            Ok((
                tokens::list(conn, &visibility, &db_query, now)?,
                modules::all(conn)?,
                reminders,
            ))
        })
        .await?;
    // A page walked back to the start is the first page, whatever its number said.
    let page = if found.is_first {
        PageNumber::FIRST
    } else {
        query.page
    };
    let query = TokenListQuery {
        page,
        cursor: if found.is_first { None } else { query.cursor },
        ..query
    };
    let shown_before = query.shown_before();
    let shown = i64::try_from(found.tokens.len()).unwrap_or(i64::MAX);
    let previous_href = found
        .tokens
        .first()
        .filter(|_| !found.is_first)
        .map(|first| href(&query.previous_page(&first.id)));
    let next_href = found
        .tokens
        .last()
        .filter(|_| found.has_next)
        .map(|last| href(&query.next_page(&last.id)));
    let can_manage = !access.visibility.spans_accounts();
    let rows: Vec<TokenRow> = found.tokens.iter().map(|t| TokenRow::new(t, now)).collect();
    let view = ListPage {
        csrf_token: access.signed_in.chrome.csrf_token.clone(),
        chrome: Some(access.signed_in.chrome),
        current_sort: (query.sort != SortKey::default() || query.direction.is_some()).then(|| {
            (
                query.sort.as_param(),
                query.effective_direction().as_param(),
            )
        }),
        spans_accounts: access.visibility.spans_accounts(),
        can_manage,
        reminders,
        reminders_out_of_band: fragment,
        selectable: can_manage && rows.iter().any(TokenRow::is_manageable),
        return_to: href(&query),
        rows,
        total: found.total,
        first_shown: with_separators(shown_before + 1),
        last_shown: with_separators(shown_before + shown),
        page: query.page,
        pages: found.total.pages(PAGE_SIZE),
        paged: previous_href.is_some() || next_href.is_some(),
        filtered: query.is_filtered(),
        search: query.search.clone().unwrap_or_default(),
        account: query
            .account
            .as_ref()
            .map(|a| a.as_param())
            .unwrap_or_default(),
        status_options: StatusFilter::CHOICES
            .iter()
            .map(|s| Choice::new(s.as_param(), s.label(), *s == query.status))
            .collect(),
        module_options: catalog
            .iter()
            .map(|m| Choice::new(m.id.as_str(), &m.name, query.module.as_ref() == Some(&m.id)))
            .collect(),
        unused_options: UnusedFilter::CHOICES
            .iter()
            .map(|u| Choice::new(&u.as_param(), &u.label(), query.unused == Some(*u)))
            .collect(),
        expiring_soon: query.expiring_within_days.is_some(),
        leaked: query.leaked,
        sort: SortLinks {
            name: SortLink::new(&query, SortKey::Name),
            created: SortLink::new(&query, SortKey::Created),
            expires: SortLink::new(&query, SortKey::Expires),
            last_access: SortLink::new(&query, SortKey::LastAccess),
        },
        first_page_href: href(&query.first_page()),
        export_href: href(&query.first_page()).replacen(
            LIST_PATH,
            &format!("{LIST_PATH}/export.csv"),
            1,
        ),
        previous_href,
        next_href,
    };
    if fragment {
        let mut response = render::page(&view.as_results());
        // The form sends every field, empty ones too; the address bar gets the
        // canonical URL, so shared links stay short and stable. A refresh is of the
        // view the address bar shows already: a second history entry would be a copy.
        if !refreshing {
            htmx::push_url(&mut response, &href(&query));
        }
        Ok(response)
    } else {
        Ok(render::page(&view))
    }
}

impl SortLink {
    fn new(query: &TokenListQuery, key: SortKey) -> Self {
        let aria = match (query.sort == key, query.effective_direction()) {
            (false, _) => "none",
            (true, SortDirection::Asc) => "ascending",
            (true, SortDirection::Desc) => "descending",
        };
        Self {
            href: href(&query.sorted_by(key)),
            aria,
        }
    }

    /// The arrow shown beside the header.
    fn arrow(&self) -> &'static str {
        match self.aria {
            "ascending" => "▲",
            "descending" => "▼",
            _ => "",
        }
    }
}

/// The list's URL for `query`.
pub fn href(query: &TokenListQuery) -> String {
    let params = query.to_params();
    if params.is_empty() {
        return LIST_PATH.to_owned();
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{LIST_PATH}?{encoded}")
}
