//! Hears, through PostgreSQL LISTEN/NOTIFY, of token changes made by any instance and
//! drops them from this instance's cache. It runs on a thread of its own with a pooled
//! connection; when the connection breaks it takes a new one and clears the cache,
//! since changes may have been missed meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::RunQueryDsl;

use super::cache::TokenCache;
use crate::db::DbPool;
use crate::db::tokens::CHANGED_CHANNEL;
use crate::domain::TokenId;

const POLL_EVERY: Duration = Duration::from_millis(100);

pub struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    pub fn start(pool: DbPool, cache: Arc<TokenCache>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("token-change-listener".into())
            .spawn(move || listen(&pool, &cache, &flag))
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

fn listen(pool: &DbPool, cache: &TokenCache, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, "token change listener: no connection; retrying");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if let Err(error) =
            diesel::sql_query(format!("LISTEN {CHANGED_CHANNEL}")).execute(&mut conn)
        {
            tracing::warn!(%error, "token change listener: LISTEN failed; retrying");
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        // Whatever changed while we were not listening is unknown: start afresh.
        cache.clear();
        tracing::info!("listening for token changes");
        'connected: while !stop.load(Ordering::Relaxed) {
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(notification) => match TokenId::parse(&notification.payload) {
                        Ok(token) => cache.invalidate_token(&token),
                        Err(_) => cache.clear(),
                    },
                    Err(error) => {
                        tracing::warn!(%error, "token change listener: connection lost; reconnecting");
                        break 'connected;
                    }
                }
            }
            std::thread::sleep(POLL_EVERY);
        }
    }
}
