//! Hears, through PostgreSQL LISTEN/NOTIFY, of token changes (and created tokens, demo
//! resets, and removed service credentials) made by any instance or command, and drops
//! them from this instance's caches. It runs on a thread of its own with a pooled
//! connection; when the connection breaks it takes a new one and clears the caches,
//! since changes may have been missed meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::cache::TokenCache;
use super::services::ServiceCache;
use crate::db::DbPool;
use crate::db::services::SERVICES_CHANNEL;
use crate::db::tokens::{CHANGED_CHANNEL, CREATED_PAYLOAD, EVERYTHING_PAYLOAD};
use crate::domain::TokenId;

/// The caches the listener keeps in step.
pub struct Caches {
    pub tokens: Arc<TokenCache>,
    pub services: Arc<ServiceCache>,
}

impl Caches {
    fn clear(&self) {
        self.tokens.clear();
        self.services.clear();
    }

    /// Acts on one notification; a changed token's id goes into `changed`, for one
    /// pass over the cache for every token a batch of notifications names.
    fn hear(&self, channel: &str, payload: &str, changed: &mut Vec<TokenId>) {
        if channel == SERVICES_CHANNEL {
            self.services.clear();
        } else if payload == CREATED_PAYLOAD {
            self.tokens.forget_unknown();
        } else if payload == EVERYTHING_PAYLOAD {
            self.tokens.clear();
        } else {
            match TokenId::parse(payload) {
                Ok(token) => changed.push(token),
                Err(_) => self.tokens.clear(),
            }
        }
    }
}

const POLL_EVERY: Duration = Duration::from_millis(100);

pub struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    pub fn start(pool: DbPool, caches: Caches) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("token-change-listener".into())
            .spawn(move || listen(&pool, &caches, &flag))
            .ok();
        if thread.is_none() {
            tracing::error!(
                "could not start the token change listener; cache entries expire on their own"
            );
        }
        Self { stop, thread }
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn listen(pool: &DbPool, caches: &Caches, stop: &AtomicBool) {
    // Said once per outage, at warn; every further retry only at debug.
    let said = std::cell::Cell::new(false);
    let retry = |what: &str, error: &dyn std::fmt::Display| {
        if said.replace(true) {
            tracing::debug!(%error, "token change listener: {what}; retrying");
        } else {
            tracing::warn!(%error, "token change listener: {what}; retrying every second");
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    while !stop.load(Ordering::Relaxed) {
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(error) => {
                retry("no connection", &error);
                continue;
            }
        };
        let listen = format!("LISTEN {CHANGED_CHANNEL}; LISTEN {SERVICES_CHANNEL}");
        if let Err(error) = conn.batch_execute(&listen) {
            retry("LISTEN failed", &error);
            continue;
        }
        said.set(false);
        // Whatever changed while we were not listening is unknown: start afresh.
        caches.clear();
        tracing::info!("listening for token changes");
        'connected: while !stop.load(Ordering::Relaxed) {
            let mut changed = Vec::new();
            let mut lost = None;
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(notification) => {
                        caches.hear(&notification.channel, &notification.payload, &mut changed);
                    }
                    Err(error) => {
                        lost = Some(error);
                        break;
                    }
                }
            }
            caches.tokens.invalidate_tokens(&changed);
            if let Some(error) = lost {
                tracing::warn!(%error, "token change listener: connection lost; reconnecting");
                break 'connected;
            }
            std::thread::sleep(POLL_EVERY);
        }
    }
}
