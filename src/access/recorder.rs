//! Accepted uses of tokens, coalesced in memory between writes: per token the latest
//! use, a request count per day, and per address its first and last use.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::TokenId;

/// The uses of one token since the last write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenUses {
    pub last: Option<Use>,
    pub per_day: HashMap<NaiveDate, i64>,
    pub per_ip: HashMap<String, IpUses>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpUses {
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub user_agent: String,
    pub requests: i64,
}

#[derive(Default)]
pub struct AccessRecorder {
    pending: Mutex<HashMap<TokenId, TokenUses>>,
}

impl AccessRecorder {
    pub fn record(&self, token: &TokenId, used: Use) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let uses = pending.entry(token.clone()).or_default();
        *uses.per_day.entry(used.at.date_naive()).or_default() += 1;
        if let Some(ip) = &used.ip {
            let agent = used.user_agent.clone().unwrap_or_default();
            uses.per_ip
                .entry(ip.clone())
                .and_modify(|seen| {
                    seen.first_at = seen.first_at.min(used.at);
                    if used.at >= seen.last_at {
                        seen.last_at = used.at;
                        seen.user_agent = agent.clone();
                    }
                    seen.requests += 1;
                })
                .or_insert(IpUses {
                    first_at: used.at,
                    last_at: used.at,
                    user_agent: agent,
                    requests: 1,
                });
        }
        if uses.last.as_ref().is_none_or(|last| used.at >= last.at) {
            uses.last = Some(used);
        }
    }

    /// Everything recorded since the last call, leaving nothing behind.
    pub fn take(&self) -> HashMap<TokenId, TokenUses> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut *pending)
    }

    /// Puts back uses whose write failed, so the next write carries them.
    pub fn restore(&self, failed: HashMap<TokenId, TokenUses>) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (token, uses) in failed {
            merge(pending.entry(token).or_default(), uses);
        }
    }
}

fn merge(into: &mut TokenUses, from: TokenUses) {
    for (day, count) in from.per_day {
        *into.per_day.entry(day).or_default() += count;
    }
    for (ip, seen) in from.per_ip {
        into.per_ip
            .entry(ip)
            .and_modify(|current| {
                current.first_at = current.first_at.min(seen.first_at);
                if seen.last_at > current.last_at {
                    current.last_at = seen.last_at;
                    current.user_agent = seen.user_agent.clone();
                }
                current.requests += seen.requests;
            })
            .or_insert(seen);
    }
    if let Some(last) = from.last
        && into
            .last
            .as_ref()
            .is_none_or(|current| last.at > current.at)
    {
        into.last = Some(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn token() -> TokenId {
        TokenId::parse("TK-1000-0000-0001").unwrap()
    }

    fn used(at: DateTime<Utc>, ip: &str) -> Use {
        Use {
            at,
            ip: Some(ip.into()),
            user_agent: Some(format!("agent at {ip}")),
        }
    }

    #[test]
    fn coalesces_uses_keeping_the_latest_and_counting_each() {
        let recorder = AccessRecorder::default();
        let now = Utc::now();
        recorder.record(&token(), used(now, "192.0.2.1"));
        recorder.record(&token(), used(now - Duration::seconds(5), "192.0.2.2"));
        recorder.record(&token(), used(now + Duration::seconds(1), "192.0.2.1"));

        let taken = recorder.take();
        let uses = &taken[&token()];
        assert_eq!(uses.last.as_ref().unwrap().at, now + Duration::seconds(1));
        assert_eq!(uses.per_day.values().sum::<i64>(), 3);
        assert_eq!(uses.per_ip["192.0.2.1"].requests, 2);
        assert_eq!(
            uses.per_ip["192.0.2.2"].first_at,
            now - Duration::seconds(5)
        );
        assert!(recorder.take().is_empty(), "taking leaves nothing behind");
    }

    #[test]
    fn restored_uses_merge_with_newer_ones() {
        let recorder = AccessRecorder::default();
        let now = Utc::now();
        recorder.record(&token(), used(now, "192.0.2.1"));
        let failed = recorder.take();
        recorder.record(&token(), used(now + Duration::seconds(2), "192.0.2.1"));
        recorder.restore(failed);

        let uses = &recorder.take()[&token()];
        assert_eq!(uses.per_ip["192.0.2.1"].requests, 2);
        assert_eq!(uses.per_ip["192.0.2.1"].first_at, now);
        assert_eq!(uses.last.as_ref().unwrap().at, now + Duration::seconds(2));
    }
}
