//! Accepted uses of a token, coalesced between writes: the latest use, a request count
//! per day, and per address its first and last use, for at most
//! `MAX_ADDRESSES_PER_TOKEN` addresses. Plain data and the rules for folding uses
//! together; keeping them in memory and writing them is `access`'s job.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{ClientIp, ServiceName};

/// How many characters of a user agent are kept.
pub const USER_AGENT_MAX_CHARS: usize = 512;

/// How many addresses of one token are kept between writes (a second, or an outage's
/// length): past it, the address seen longest ago is let go. Its calls still count in
/// the day's requests and the last access; only its row of addresses misses them. The
/// database keeps as many a token, the most recently seen (`db::access`).
pub const MAX_ADDRESSES_PER_TOKEN: usize = 100;

/// One accepted call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub at: DateTime<Utc>,
    pub ip: Option<ClientIp>,
    pub user_agent: Option<String>,
    /// The service the call came through (verify, introspection), if not direct.
    pub via: Option<ServiceName>,
}

impl Use {
    /// A call at `at`, keeping at most `USER_AGENT_MAX_CHARS` of the user agent and none
    /// of its control characters: a service passes on whatever its client sent, and one
    /// NUL (which PostgreSQL text can't hold) would fail every write of the batch.
    pub fn new(at: DateTime<Utc>, ip: Option<ClientIp>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent.map(|agent| {
            agent
                .chars()
                .filter(|c| !c.is_control())
                .take(USER_AGENT_MAX_CHARS)
                .collect()
        });
        Self {
            at,
            ip,
            user_agent,
            via: None,
        }
    }

    /// The same call, made through `service`.
    pub fn through(self, service: ServiceName) -> Self {
        Self {
            via: Some(service),
            ..self
        }
    }
}

/// The uses of one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpUses {
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub user_agent: String,
    pub requests: i64,
}

impl IpUses {
    /// An address's first use.
    fn first(used: &Use) -> Self {
        Self {
            first_at: used.at,
            last_at: used.at,
            user_agent: used.user_agent.clone().unwrap_or_default(),
            requests: 1,
        }
    }

    /// Counts one more call from this address, at `at` with `user_agent`: what `merge`
    /// does with a single use, without building one (the hot path of every call).
    fn count(&mut self, at: DateTime<Utc>, user_agent: Option<&str>) {
        self.first_at = self.first_at.min(at);
        if at >= self.last_at {
            self.last_at = at;
            let user_agent = user_agent.unwrap_or_default();
            if self.user_agent != user_agent {
                user_agent.clone_into(&mut self.user_agent);
            }
        }
        self.requests += 1;
    }

    fn merge(&mut self, other: IpUses) {
        self.first_at = self.first_at.min(other.first_at);
        if other.last_at >= self.last_at {
            self.last_at = other.last_at;
            self.user_agent = other.user_agent;
        }
        self.requests += other.requests;
    }
}

/// The uses of one token since the last write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenUses {
    pub last: Option<Use>,
    pub per_day: HashMap<NaiveDate, i64>,
    pub per_ip: HashMap<ClientIp, IpUses>,
}

impl TokenUses {
    /// Counts one more call; how many addresses were let go to keep
    /// `MAX_ADDRESSES_PER_TOKEN` (0 or 1).
    pub fn add(&mut self, used: Use) -> usize {
        *self.per_day.entry(used.at.date_naive()).or_default() += 1;
        let let_go = match used.ip {
            Some(ip) => match self.per_ip.get_mut(&ip) {
                Some(seen) => {
                    seen.count(used.at, used.user_agent.as_deref());
                    0
                }
                None => self.merge_ip(ip, IpUses::first(&used)),
            },
            None => 0,
        };
        self.keep_latest(used);
        let_go
    }

    /// Folds in uses gathered separately (a failed write put back, say); how many
    /// addresses were let go to keep `MAX_ADDRESSES_PER_TOKEN`.
    pub fn merge(&mut self, other: TokenUses) -> usize {
        for (day, count) in other.per_day {
            *self.per_day.entry(day).or_default() += count;
        }
        let mut let_go = 0;
        for (ip, seen) in other.per_ip {
            let_go += self.merge_ip(ip, seen);
        }
        if let Some(last) = other.last {
            self.keep_latest(last);
        }
        let_go
    }

    /// Folds in one address's uses; 1 if an address (the one seen longest ago, maybe
    /// this one) was let go to stay within the bound, else 0.
    fn merge_ip(&mut self, ip: ClientIp, seen: IpUses) -> usize {
        if let Some(current) = self.per_ip.get_mut(&ip) {
            current.merge(seen);
            return 0;
        }
        if self.per_ip.len() < MAX_ADDRESSES_PER_TOKEN {
            self.per_ip.insert(ip, seen);
            return 0;
        }
        let oldest = self
            .per_ip
            .iter()
            .min_by_key(|(_, kept)| kept.last_at)
            .map(|(ip, kept)| (*ip, kept.last_at));
        if let Some((oldest, last_at)) = oldest
            && seen.last_at > last_at
        {
            self.per_ip.remove(&oldest);
            self.per_ip.insert(ip, seen);
        }
        1
    }

    fn keep_latest(&mut self, used: Use) {
        if self.last.as_ref().is_none_or(|last| used.at >= last.at) {
            self.last = Some(used);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn ip(raw: &str) -> ClientIp {
        ClientIp::from(raw.parse::<std::net::IpAddr>().unwrap())
    }

    fn used(at: DateTime<Utc>, from: &str) -> Use {
        Use::new(at, Some(ip(from)), Some(&format!("agent at {from}")))
    }

    #[test]
    fn adding_keeps_the_latest_use_and_counts_each() {
        let now = Utc::now();
        let mut uses = TokenUses::default();
        uses.add(used(now, "192.0.2.1"));
        uses.add(used(now - Duration::seconds(5), "192.0.2.2"));
        uses.add(used(now + Duration::seconds(1), "192.0.2.1"));

        assert_eq!(uses.last.as_ref().unwrap().at, now + Duration::seconds(1));
        assert_eq!(uses.per_day.values().sum::<i64>(), 3);
        assert_eq!(uses.per_ip[&ip("192.0.2.1")].requests, 2);
        assert_eq!(
            uses.per_ip[&ip("192.0.2.2")].first_at,
            now - Duration::seconds(5)
        );
    }

    #[test]
    fn merging_keeps_the_earliest_first_use_and_the_latest_agent() {
        let now = Utc::now();
        let mut older = TokenUses::default();
        older.add(used(now, "192.0.2.1"));
        let mut newer = TokenUses::default();
        newer.add(Use::new(
            now + Duration::seconds(2),
            Some(ip("192.0.2.1")),
            Some("newer agent"),
        ));
        newer.merge(older);

        let seen = &newer.per_ip[&ip("192.0.2.1")];
        assert_eq!((seen.requests, seen.first_at), (2, now));
        assert_eq!(seen.user_agent, "newer agent");
        assert_eq!(newer.last.as_ref().unwrap().at, now + Duration::seconds(2));
    }

    #[test]
    fn adding_uses_one_by_one_counts_as_merging_them_does() {
        let now = Utc::now();
        let calls = [
            (0, "192.0.2.1", Some("first agent")),
            (-3, "192.0.2.1", Some("earlier agent")),
            (4, "192.0.2.1", Some("later agent")),
            (4, "192.0.2.1", None),
            (2, "192.0.2.2", Some("other")),
        ];
        let mut added = TokenUses::default();
        let mut merged = TokenUses::default();
        for (seconds, from, agent) in calls {
            let at = now + Duration::seconds(seconds);
            added.add(Use::new(at, Some(ip(from)), agent));
            let mut one = TokenUses::default();
            one.add(Use::new(at, Some(ip(from)), agent));
            merged.merge(one);
        }

        assert_eq!(added.per_ip, merged.per_ip);
        assert_eq!(added.per_day, merged.per_day);
        let seen = &added.per_ip[&ip("192.0.2.1")];
        assert_eq!(seen.requests, 4);
        assert_eq!(seen.first_at, now - Duration::seconds(3));
        assert_eq!(seen.last_at, now + Duration::seconds(4));
        assert_eq!(seen.user_agent, "", "the latest use, at a tie, sent none");
    }

    /// An address of 198.18.0.0/15 (for benchmarks), one per `n`.
    fn address(n: usize) -> String {
        format!("198.18.{}.{}", n / 256, n % 256)
    }

    #[test]
    fn past_the_bound_the_address_seen_longest_ago_is_let_go() {
        let start = Utc::now();
        let mut uses = TokenUses::default();
        let mut let_go = 0;
        for n in 0..MAX_ADDRESSES_PER_TOKEN + 3 {
            let_go += uses.add(used(start + Duration::seconds(n as i64), &address(n)));
        }

        assert_eq!(let_go, 3);
        assert_eq!(uses.per_ip.len(), MAX_ADDRESSES_PER_TOKEN);
        for gone in 0..3 {
            assert!(!uses.per_ip.contains_key(&ip(&address(gone))), "{gone}");
        }
        assert!(uses.per_ip.contains_key(&ip(&address(3))));
        let calls: i64 = uses.per_day.values().sum();
        assert_eq!(
            calls,
            MAX_ADDRESSES_PER_TOKEN as i64 + 3,
            "every call counted"
        );
    }

    #[test]
    fn an_address_older_than_all_kept_is_the_one_let_go() {
        let start = Utc::now();
        let mut uses = TokenUses::default();
        for n in 0..MAX_ADDRESSES_PER_TOKEN {
            uses.add(used(start + Duration::seconds(n as i64), &address(n)));
        }
        let mut late_news = TokenUses::default();
        late_news.add(used(start - Duration::seconds(1), "192.0.2.99"));
        late_news.add(used(start + Duration::seconds(500), &address(0)));

        assert_eq!(uses.merge(late_news), 1);
        assert!(!uses.per_ip.contains_key(&ip("192.0.2.99")));
        assert_eq!(
            uses.per_ip[&ip(&address(0))].requests,
            2,
            "a kept one merges"
        );
        assert_eq!(uses.per_ip.len(), MAX_ADDRESSES_PER_TOKEN);
    }

    #[test]
    fn control_characters_are_dropped_from_the_user_agent() {
        let kept = Use::new(Utc::now(), None, Some("a\u{0}b\r\nc")).user_agent;
        assert_eq!(kept.as_deref(), Some("abc"));
    }

    #[test]
    fn a_long_user_agent_is_cut() {
        let long = "x".repeat(USER_AGENT_MAX_CHARS + 10);
        let kept = Use::new(Utc::now(), None, Some(&long)).user_agent.unwrap();
        assert_eq!(kept.chars().count(), USER_AGENT_MAX_CHARS);
    }

    proptest::proptest! {
        #[test]
        fn a_kept_user_agent_is_short_and_has_no_control_characters(agent in ".*|\\PC{0,600}") {
            let kept = Use::new(Utc::now(), None, Some(&agent)).user_agent.unwrap();
            proptest::prop_assert!(kept.chars().count() <= USER_AGENT_MAX_CHARS);
            proptest::prop_assert!(!kept.chars().any(char::is_control));
            if agent.chars().count() <= USER_AGENT_MAX_CHARS && !agent.chars().any(char::is_control) {
                proptest::prop_assert_eq!(kept, agent);
            }
        }
    }
}
