//! A typed view of a signed-in session (kept server-side, see `session_store`): who is
//! signed in, since when, from where, the session's public id and its CSRF token, and a
//! flash message. Sessions end 12 hours after sign-in whatever the cookie says.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::TryRngCore;
use rand::rngs::OsRng;
use std::future::{Ready, ready};

use crate::domain::UserId;

pub(super) const USER_ID: &str = "user_id";
pub(super) const IP: &str = "ip";
pub(super) const USER_AGENT: &str = "user_agent";
pub(super) const PUBLIC_ID: &str = "public_id";
/// The person's sign-in epoch when their password was read (`db::sessions::insert`).
pub(super) const SIGN_IN_EPOCH: &str = "sign_in_epoch";
/// Set, in memory only, on a session the store could not read for want of a database.
pub(super) const UNAVAILABLE: &str = "database_unavailable";
const SIGNED_IN_AT: &str = "signed_in_at";
const CSRF_TOKEN: &str = "csrf";
const FLASH: &str = "flash";
pub const MAX_SESSION_AGE: Duration = Duration::hours(12);

pub struct TypedSession(Session);

impl TypedSession {
    /// The signed-in user, if the session is younger than `MAX_SESSION_AGE`.
    pub fn user_id(&self, now: DateTime<Utc>) -> Option<UserId> {
        let signed_in_at = self.0.get::<DateTime<Utc>>(SIGNED_IN_AT).ok().flatten()?;
        if now - signed_in_at > MAX_SESSION_AGE {
            return None;
        }
        let raw = self.0.get::<String>(USER_ID).ok().flatten()?;
        UserId::parse(&raw).ok()
    }

    /// Starts a fresh session for `user` (a new key, so a session id planted before
    /// sign-in is worthless) with a new CSRF token, noting where it was started from
    /// and the person's `sign_in_epoch` read with the password that was checked.
    pub fn sign_in(
        &self,
        user: &UserId,
        sign_in_epoch: i32,
        from: &SignedInFrom,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.0.renew();
        self.0.clear();
        self.0.insert(USER_ID, user.as_str())?;
        self.0.insert(SIGN_IN_EPOCH, sign_in_epoch)?;
        self.0.insert(SIGNED_IN_AT, now)?;
        self.0.insert(PUBLIC_ID, random_text(16))?;
        if let Some(ip) = from.ip {
            self.0.insert(IP, ip.to_string())?;
        }
        if let Some(agent) = &from.user_agent {
            self.0.insert(USER_AGENT, agent)?;
        }
        self.0.insert(CSRF_TOKEN, random_text(32))?;
        Ok(())
    }

    /// Whether the session could not be read because the database is unreachable.
    pub fn database_unavailable(&self) -> bool {
        self.0
            .get::<bool>(UNAVAILABLE)
            .ok()
            .flatten()
            .unwrap_or(false)
    }

    /// What the sessions page calls this session.
    pub fn public_id(&self) -> Option<String> {
        self.0.get::<String>(PUBLIC_ID).ok().flatten()
    }

    pub fn sign_out(&self) {
        self.0.purge();
    }

    /// The session's CSRF token, made on first use.
    pub fn csrf_token(&self) -> anyhow::Result<String> {
        if let Some(token) = self.0.get::<String>(CSRF_TOKEN)? {
            return Ok(token);
        }
        let token = random_text(32);
        self.0.insert(CSRF_TOKEN, &token)?;
        Ok(token)
    }

    /// A message for the next page shown (after a redirect).
    pub fn set_flash(&self, message: &str) -> anyhow::Result<()> {
        Ok(self.0.insert(FLASH, message)?)
    }

    /// The pending message, removed so it shows once.
    pub fn take_flash(&self) -> Option<String> {
        // Removing marks the session changed even when there is nothing to remove, and a
        // changed session is written back: every page view would rewrite its row.
        if !self.0.contains_key(FLASH) {
            return None;
        }
        self.0.remove_as::<String>(FLASH).and_then(Result::ok)
    }

    /// The CSRF token if the session has one already (checking never creates one).
    pub fn existing_csrf_token(&self) -> Option<String> {
        self.0.get::<String>(CSRF_TOKEN).ok().flatten()
    }
}

impl TypedSession {
    /// The session of a request already in hand.
    pub fn from_request_sync(req: &HttpRequest) -> Self {
        Self(req.get_session())
    }
}

/// Where a session was started from, as its person's sessions page shows it.
pub struct SignedInFrom {
    pub ip: Option<crate::domain::ClientIp>,
    pub user_agent: Option<String>,
}

/// `len` random bytes, URL-safe base64: CSRF tokens and session ids.
pub(super) fn random_text(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    OsRng
        .unwrap_err()
        .try_fill_bytes(&mut bytes)
        .unwrap_or_else(|e| match e {});
    URL_SAFE_NO_PAD.encode(bytes)
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.get_session())))
    }
}
