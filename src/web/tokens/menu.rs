//! `GET /settings/api-tokens/{id}/menu`: the actions the token's state allows, for an
//! account admin (support staff get none).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::load::admins_token;
use super::origin::{FromQuery, Origin};
use super::row::TokenRow;
use crate::domain::TokenAction;
use crate::state::AppState;
use crate::web::chrome::Chrome;
use crate::web::current_user::AccountAdmin;
use crate::web::errors::WebError;
use crate::web::render;

#[derive(Template)]
#[template(path = "tokens/menu.html", blocks = ["menu"])]
struct MenuPage {
    chrome: Option<Chrome>,
    token: TokenRow,
    items: Vec<MenuItem>,
}

struct MenuItem {
    slug: &'static str,
    label: &'static str,
    href: String,
    /// Copy fetches the secret instead of opening a dialog.
    copy_url: Option<String>,
}

pub async fn menu(
    req: HttpRequest,
    admin: AccountAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<FromQuery>,
) -> Result<HttpResponse, WebError> {
    let (_, detail) = admins_token(&state, &admin, &id).await?;
    let origin = Origin::from(&*query);
    let now = Utc::now();
    let token = TokenRow::new(&detail.summary, now);
    let shown = detail
        .summary
        .status
        .display(detail.summary.expires_at, now);
    let items = TokenAction::allowed(shown)
        .iter()
        .map(|action| MenuItem {
            slug: action.slug(),
            label: action.label(),
            href: format!("{}/{}{}", token.href(), action.slug(), origin.query()),
            copy_url: (*action == TokenAction::Copy).then(|| format!("{}/secret", token.href())),
        })
        .collect();
    let page = MenuPage {
        chrome: Some(admin.signed_in.chrome),
        token,
        items,
    };
    Ok(render::full_or_fragment(
        &req,
        StatusCode::OK,
        &page,
        &page.as_menu(),
    ))
}
