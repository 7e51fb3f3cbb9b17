//! Extractors that guard pages: `SignedIn` sends anonymous visitors to sign in and back,
//! `ApiAccess` also requires the API Access privilege and says which tokens are visible.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;

use super::chrome::Chrome;
use super::errors::WebError;
use super::htmx;
use super::session::TypedSession;
use crate::db::health::DatabaseUnavailable;
use crate::db::users::{self, User};
use crate::domain::secret::without_secrets;
use crate::domain::{AccountId, Acting, Actor, LocalPath, Role, Visibility};
use crate::state::AppState;

pub struct SignedIn {
    pub user: User,
    pub chrome: Chrome,
}

pub struct ApiAccess {
    pub signed_in: SignedIn,
    pub visibility: Visibility,
}

impl FromRequest for SignedIn {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let session = TypedSession::from_request(&req, payload).into_inner();
        Box::pin(async move {
            let session = session.map_err(|e| anyhow::anyhow!("reading the session: {e}"))?;
            if session.database_unavailable() {
                let unavailable = DatabaseUnavailable("reading the session".into());
                return Err(WebError::Internal(anyhow::Error::new(unavailable)));
            }
            // A secret pasted into a search (`tokens::pasted_secret`) is not carried
            // into the sign-in page's address.
            let login_required = || WebError::LoginRequired {
                next: req
                    .uri()
                    .path_and_query()
                    .and_then(|pq| LocalPath::parse(&without_secrets(pq.as_str()))),
                htmx: htmx::wants_fragment(&req),
            };
            let Some(user_id) = session.user_id(Utc::now()) else {
                return Err(login_required());
            };
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| anyhow::anyhow!("AppState is not registered"))?;
            let Some(user) = state
                .db("loading the signed-in person", move |conn| {
                    users::find(conn, &user_id)
                })
                .await?
            else {
                // The account was removed since sign-in.
                session.sign_out();
                return Err(login_required());
            };
            let csrf_token = session.csrf_token()?;
            // A fragment has nowhere to show a flash: leave it for the next full page.
            let flash = if htmx::wants_fragment(&req) {
                None
            } else {
                session.take_flash()
            };
            let chrome = Chrome::new(&user, csrf_token, flash);
            Ok(SignedIn { user, chrome })
        })
    }
}

impl FromRequest for ApiAccess {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let signed_in = signed_in.await?;
            let user = &signed_in.user;
            match Visibility::for_user(user.role, user.account_id.as_ref()) {
                Some(visibility) => Ok(ApiAccess {
                    signed_in,
                    visibility,
                }),
                None => Err(WebError::NoApiAccess(Box::new(signed_in.chrome))),
            }
        })
    }
}

/// An account admin: may change their own account's tokens. Support staff are refused
/// (read-only), members lack the privilege.
pub struct AccountAdmin {
    pub signed_in: SignedIn,
    pub account: AccountId,
}

impl AccountAdmin {
    pub fn chrome(&self) -> Box<Chrome> {
        Box::new(self.signed_in.chrome.clone())
    }

    /// This admin acting for their account, from `req`'s address, now.
    pub fn acting(&self, req: &HttpRequest) -> Acting {
        let actor = Actor::User(self.signed_in.user.id.clone());
        Acting::now(self.account.clone(), actor, crate::state::client_ip(req))
    }
}

impl FromRequest for AccountAdmin {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let signed_in = signed_in.await?;
            match (signed_in.user.role, signed_in.user.account_id.clone()) {
                (Role::Admin, Some(account)) => Ok(AccountAdmin { signed_in, account }),
                (Role::Support, _) => Err(WebError::ReadOnly(Box::new(signed_in.chrome))),
                _ => Err(WebError::NoApiAccess(Box::new(signed_in.chrome))),
            }
        })
    }
}
