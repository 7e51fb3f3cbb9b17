//! Whose address a request comes from. Behind a reverse proxy the TCP peer is the proxy,
//! so `X-Forwarded-For` is believed, but only when the peer is a proxy we were told to
//! trust, and then only its right-most entry that is not itself a trusted proxy (the
//! entries to its left are whatever the client chose to send).

use std::fmt;
use std::net::IpAddr;

/// The address a request comes from, as far as it can be believed: what the audit log,
/// last access and the recent-addresses list record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientIp(IpAddr);

impl ClientIp {
    /// The client behind `peer`: the peer itself, unless it is a `trusted` proxy, in
    /// which case the right-most `X-Forwarded-For` entry that is not a trusted proxy.
    /// Entries are read as bytes one by one from the right, so garbage a client put on
    /// the left can't hide the entries the proxies added; an entry that is not an
    /// address where the client's should be leaves the client unknown.
    pub fn resolve(
        peer: Option<IpAddr>,
        forwarded_for: Option<&[u8]>,
        trusted: &[IpAddr],
    ) -> Option<Self> {
        let peer = peer?;
        if !trusted.contains(&peer) {
            return Some(Self(peer));
        }
        let Some(forwarded) = forwarded_for else {
            return Some(Self(peer));
        };
        for entry in forwarded.rsplit(|b| *b == b',') {
            let ip = std::str::from_utf8(entry)
                .ok()
                .and_then(|text| text.trim().parse::<IpAddr>().ok())?;
            if !trusted.contains(&ip) {
                return Some(Self(ip));
            }
        }
        Some(Self(peer))
    }

    pub fn addr(self) -> IpAddr {
        self.0
    }
}

impl From<IpAddr> for ClientIp {
    fn from(ip: IpAddr) -> Self {
        Self(ip)
    }
}

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_forwarded_header_gives_the_peer_one_of_its_entries_or_nobody(
            forwarded in ".*|([0-9.: a-f,]{0,20},?){0,4}",
        ) {
            let (proxy, client) = (ip("10.0.0.1"), ip("203.0.113.5"));
            let resolved = ClientIp::resolve(Some(proxy), Some(forwarded.as_bytes()), &[proxy]);
            let explained = resolved.is_none_or(|resolved| {
                resolved.addr() == proxy
                    || forwarded.split(',').any(|e| e.trim().parse() == Ok(resolved.addr()))
            });
            proptest::prop_assert!(explained);
            let direct = ClientIp::resolve(Some(client), Some(forwarded.as_bytes()), &[proxy]);
            proptest::prop_assert_eq!(direct, Some(ClientIp(client)));
        }
    }

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    fn client_ip(
        peer: Option<IpAddr>,
        forwarded_for: Option<&str>,
        trusted: &[IpAddr],
    ) -> Option<IpAddr> {
        ClientIp::resolve(peer, forwarded_for.map(str::as_bytes), trusted).map(ClientIp::addr)
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxy = [ip("10.0.0.1")];
        assert_eq!(
            client_ip(Some(ip("192.0.2.7")), Some("203.0.113.9"), &proxy),
            Some(ip("192.0.2.7"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("203.0.113.9"), &proxy),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), None, &proxy),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn the_right_most_untrusted_entry_wins_and_spoofed_left_entries_are_ignored() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let header = "1.1.1.1, 198.51.100.4, 10.0.0.2";
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some(header), &proxies),
            Some(ip("198.51.100.4"))
        );
        // Garbage on the left is never reached; garbage where the client should be
        // leaves the client unknown rather than blaming the proxy.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("junk, 198.51.100.4"), &proxies),
            Some(ip("198.51.100.4"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("198.51.100.4, junk"), &proxies),
            None
        );
        let non_ascii = ClientIp::resolve(
            Some(ip("10.0.0.1")),
            Some(b"\xff\xfe, 198.51.100.9"),
            &proxies,
        );
        assert_eq!(non_ascii.map(ClientIp::addr), Some(ip("198.51.100.9")));
    }
}
