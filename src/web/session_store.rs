//! Sessions kept in PostgreSQL (`db::sessions`), for actix-session: the cookie carries
//! only a random key, so signing out, "sign out everywhere", a password change or a
//! disabled person end a session at once, whatever copies of the cookie exist. Only a
//! signed-in person's session is kept: state without a person (a visitor who never
//! signed in) is never written, so visitors can't fill the table. A session that is gone
//! is never brought back by a later write. A session found idle too long or past its
//! 12 hours is ended and audited (`lapsed_sessions`), as are those a sign-in sweeps.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};

use super::session::{
    IP, MAX_SESSION_AGE, PUBLIC_ID, SIGN_IN_EPOCH, UNAVAILABLE, USER_AGENT, USER_ID, random_text,
};
use super::session_failures;
use crate::db::health::{DatabaseHealth, is_temporary, log_temporary};
use crate::db::sessions::{self, Found};
use crate::db::{DbPool, blocking, lapsed_sessions};
use crate::domain::UserId;

type State = HashMap<String, String>;

#[derive(Clone)]
pub struct PgSessionStore {
    pool: DbPool,
    /// Told when sessions can't be read for want of the database, as requests tell it.
    health: Arc<DatabaseHealth>,
    /// How long a session may go unused before it ends.
    idle: Duration,
}

impl PgSessionStore {
    pub fn new(pool: DbPool, health: Arc<DatabaseHealth>, idle: Duration) -> Self {
        Self { pool, health, idle }
    }

    async fn run<T, F>(&self, doing: &'static str, work: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut diesel::PgConnection) -> diesel::QueryResult<T> + Send + 'static,
    {
        let wait = self.pool.connection_timeout();
        blocking::with_connection(&self.pool, &self.health, wait, doing, work).await
    }
}

fn digest(key: &SessionKey) -> Vec<u8> {
    Sha256::digest(key.as_ref().as_bytes()).to_vec()
}

fn new_key() -> anyhow::Result<SessionKey> {
    Ok(SessionKey::try_from(random_text(48))?)
}

/// A value actix-session keeps as JSON text.
fn text(state: &State, name: &str) -> Option<String> {
    serde_json::from_str::<String>(state.get(name)?).ok()
}

impl SessionStore for PgSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let (digest, idle) = (digest(key), self.idle);
        let stored = match self
            .run("reading a session", move |conn| {
                let now = Utc::now();
                match sessions::load(conn, &digest, now, idle)? {
                    Found::Live(state) => Ok(Some(state)),
                    Found::Lapsed(lapsed) => {
                        lapsed_sessions::end(conn, &lapsed, now, idle).map(|()| None)
                    }
                    Found::Nothing => Ok(None),
                }
            })
            .await
        {
            Ok(stored) => stored,
            // Not "signed out": the session can't be read just now, which the request's
            // extractors answer with 503 (see `TypedSession::database_unavailable`).
            Err(error) if is_temporary(&error) => {
                log_temporary(&error);
                return Ok(Some(State::from([(
                    UNAVAILABLE.to_owned(),
                    "true".to_owned(),
                )])));
            }
            Err(error) => return Err(LoadError::Other(session_failures::keep(error))),
        };
        stored
            .map(|state| serde_json::from_str(&state))
            .transpose()
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(&self, state: State, _ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        let key = new_key().map_err(|error| SaveError::Other(session_failures::keep(error)))?;
        if state.contains_key(UNAVAILABLE) {
            // Never written: it stands for a session that could not be read.
            return Ok(key);
        }
        let Some(user) = text(&state, USER_ID).and_then(|id| UserId::parse(&id).ok()) else {
            // Nobody signed in: nothing worth keeping, and nothing a visitor could pile up.
            return Ok(key);
        };
        let serialized =
            serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let (ip, user_agent) = (text(&state, IP), text(&state, USER_AGENT));
        let Some(public_id) = text(&state, PUBLIC_ID) else {
            return Err(SaveError::Other(session_failures::keep(anyhow::anyhow!(
                "a session without its public id"
            ))));
        };
        let Some(sign_in_epoch) = state
            .get(SIGN_IN_EPOCH)
            .and_then(|epoch| serde_json::from_str::<i32>(epoch).ok())
        else {
            return Err(SaveError::Other(session_failures::keep(anyhow::anyhow!(
                "a session without its sign-in epoch"
            ))));
        };
        let (key_digest, idle, user_for_log) = (digest(&key), self.idle, user.clone());
        let stored = self
            .run("saving a new session", move |conn| {
                let now = Utc::now();
                lapsed_sessions::sweep(conn, now, idle)?;
                sessions::insert(
                    conn,
                    &sessions::NewSession {
                        key_digest: &key_digest,
                        public_id: &public_id,
                        user_id: &user,
                        state: &serialized,
                        now,
                        expires_at: now + MAX_SESSION_AGE,
                        ip: ip.as_deref(),
                        user_agent: user_agent.as_deref(),
                        sign_in_epoch,
                    },
                )
            })
            .await
            .map_err(|error| SaveError::Other(session_failures::keep(error)))?;
        if !stored {
            // The cookie leads nowhere: the next request is asked to sign in.
            tracing::warn!(
                user_id = %user_for_log,
                "a sign-in's session was not kept: a new password or a disabling ended \
                 the person's sessions while their password was being checked"
            );
        }
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        if state.contains_key(UNAVAILABLE) {
            // The row is as it was: a state that could not be read is never written over it.
            return Ok(key);
        }
        let serialized =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let key_digest = digest(&key);
        let kept = match self
            .run("saving a session", move |conn| {
                sessions::update_state(conn, &key_digest, &serialized)
            })
            .await
        {
            Ok(kept) => kept,
            // The database went away (or was too busy) after the handler ran: what
            // changed (a flash shown, say) is not worth a 500; the session stays as it
            // was stored.
            Err(error) if is_temporary(&error) => {
                log_temporary(&error);
                return Ok(key);
            }
            Err(error) => return Err(UpdateError::Other(session_failures::keep(error))),
        };
        if kept {
            Ok(key)
        } else {
            // Ended meanwhile (signed out elsewhere): a new key that leads nowhere.
            new_key().map_err(|error| UpdateError::Other(session_failures::keep(error)))
        }
    }

    async fn update_ttl(&self, _key: &SessionKey, _ttl: &CookieDuration) -> anyhow::Result<()> {
        // Idle time is kept by `sessions::load`, which marks each use.
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let key_digest = digest(key);
        self.run("ending a session", move |conn| {
            sessions::delete(conn, &key_digest).map(drop)
        })
        .await
        .map_err(session_failures::keep)
    }
}
