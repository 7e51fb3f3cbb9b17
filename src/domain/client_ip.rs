//! Whose address a request comes from. Behind a reverse proxy the TCP peer is the proxy,
//! so `X-Forwarded-For` is believed, but only when the peer is a proxy we were told to
//! trust, and then only its right-most entry that is not itself a trusted proxy (the
//! entries to its left are whatever the client chose to send), with or without a port.
//! Every address is kept in
//! its canonical form: on a dual-stack socket an IPv4 client's address arrives as an
//! IPv4-mapped IPv6 address (`::ffff:192.0.2.1`), and it is the same client, proxy,
//! allowlist entry and refusal count as `192.0.2.1`.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The address a request comes from, as far as it can be believed: what the audit log,
/// last access and the recent-addresses list record. Always canonical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientIp(IpAddr);

/// The proxies whose `X-Forwarded-For` is believed, each kept canonical, so a peer
/// matches whichever form its socket reports it in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    pub fn new(addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        Self(addresses.into_iter().map(|ip| ip.to_canonical()).collect())
    }

    /// Whether `ip`, in either form, is one of them.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl ClientIp {
    /// The client behind `peer`: the peer itself, unless it is a `trusted` proxy, in
    /// which case the right-most `X-Forwarded-For` entry that is not a trusted proxy.
    /// Entries are read as bytes one by one from the right, so garbage a client put on
    /// the left can't hide the entries the proxies added; an entry that is not an
    /// address where the client's should be leaves the client unknown.
    pub fn resolve(
        peer: Option<IpAddr>,
        forwarded_for: Option<&[u8]>,
        trusted: &TrustedProxies,
    ) -> Option<Self> {
        let peer = Self::from(peer?);
        if !trusted.trusts(peer.0) {
            return Some(peer);
        }
        let Some(forwarded) = forwarded_for else {
            return Some(peer);
        };
        for entry in forwarded.rsplit(|b| *b == b',') {
            let ip = std::str::from_utf8(entry)
                .ok()
                .and_then(forwarded_address)?;
            if !trusted.trusts(ip) {
                return Some(Self::from(ip));
            }
        }
        Some(peer)
    }

    pub fn addr(self) -> IpAddr {
        self.0
    }

    /// What a limit per address counts this client as (`counted_as`).
    pub fn counted_as(self) -> IpAddr {
        counted_as(self.0)
    }
}

/// The address an `X-Forwarded-For` entry names: bare (`192.0.2.1`, `2001:db8::1`), or
/// as some proxies write it, with a port (`192.0.2.1:443`, `[2001:db8::1]:443`) or in
/// brackets (`[2001:db8::1]`). Without this, such a proxy's clients were all unknown,
/// and so counted by no refusal limit.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
                .map(IpAddr::V6)
        })
}

/// What a limit per address counts `ip` as: an IPv4 address itself, an IPv6 address its
/// /64, the least a single subscriber is given, so one can't step round a limit by
/// moving from address to address inside it. An IPv4-mapped address is the IPv4
/// address it maps, not one of the many in `::ffff:0:0/64`.
pub fn counted_as(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
    }
}

impl From<IpAddr> for ClientIp {
    fn from(ip: IpAddr) -> Self {
        Self(ip.to_canonical())
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
            let trusted = TrustedProxies::new([proxy]);
            let resolved = ClientIp::resolve(Some(proxy), Some(forwarded.as_bytes()), &trusted);
            let explained = resolved.is_none_or(|resolved| {
                resolved.addr() == proxy
                    || forwarded.split(',').any(|e| forwarded_address(e) == Some(resolved.addr()))
            });
            proptest::prop_assert!(explained);
            let direct = ClientIp::resolve(Some(client), Some(forwarded.as_bytes()), &trusted);
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
        let trusted = TrustedProxies::new(trusted.iter().copied());
        ClientIp::resolve(peer, forwarded_for.map(str::as_bytes), &trusted).map(ClientIp::addr)
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
            &TrustedProxies::new(proxies),
        );
        assert_eq!(non_ascii.map(ClientIp::addr), Some(ip("198.51.100.9")));
    }

    #[test]
    fn an_entry_with_a_port_or_in_brackets_names_its_address() {
        let proxy = [ip("10.0.0.1")];
        for (entry, client) in [
            ("198.51.100.4:50123", "198.51.100.4"),
            ("[2001:db8::7]:443", "2001:db8::7"),
            ("[2001:db8::7]", "2001:db8::7"),
            (" 2001:db8::7 ", "2001:db8::7"),
        ] {
            assert_eq!(
                client_ip(Some(ip("10.0.0.1")), Some(entry), &proxy),
                Some(ip(client)),
                "{entry}"
            );
        }
        for junk in [
            "198.51.100.4:",
            "[2001:db8::7",
            "2001:db8::7]:443",
            "[198.51.100.4]",
        ] {
            assert_eq!(
                client_ip(Some(ip("10.0.0.1")), Some(junk), &proxy),
                None,
                "{junk}"
            );
        }
    }

    #[test]
    fn an_ipv4_mapped_address_is_the_ipv4_address_it_maps() {
        // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d.
        let mapped_proxy = ip("::ffff:10.0.0.1");
        assert_eq!(
            client_ip(Some(mapped_proxy), Some("203.0.113.9"), &[ip("10.0.0.1")]),
            Some(ip("203.0.113.9")),
            "the proxy is trusted in either form"
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("203.0.113.9"), &[mapped_proxy]),
            Some(ip("203.0.113.9")),
            "and configured in either form"
        );
        assert_eq!(
            client_ip(
                Some(mapped_proxy),
                Some("::ffff:198.51.100.4, ::ffff:10.0.0.1"),
                &[ip("10.0.0.1")]
            ),
            Some(ip("198.51.100.4")),
            "forwarded entries too, and the client is recorded in its IPv4 form"
        );
        assert_eq!(
            client_ip(Some(ip("::ffff:192.0.2.7")), None, &[]),
            Some(ip("192.0.2.7"))
        );
        assert_eq!(
            ClientIp::from(ip("::ffff:192.0.2.7")),
            ClientIp::from(ip("192.0.2.7"))
        );
        // Only the mapped form: trusting 127.0.0.1 is not trusting ::1, nor the
        // deprecated IPv4-compatible ::127.0.0.1.
        for other in ["::1", "::127.0.0.1"] {
            assert_eq!(
                client_ip(Some(ip(other)), Some("203.0.113.9"), &[ip("127.0.0.1")]),
                Some(ip(other)),
                "{other} is not the proxy"
            );
        }
        // A real IPv6 address stays as it is.
        assert_eq!(
            client_ip(Some(ip("2001:db8::1")), None, &[]),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn a_limit_counts_an_ipv6_client_as_its_network() {
        let counted = |raw: &str| ClientIp::from(ip(raw)).counted_as();
        assert_eq!(counted("192.0.2.7"), ip("192.0.2.7"));
        assert_eq!(counted("::ffff:192.0.2.7"), ip("192.0.2.7"));
        assert_eq!(counted("2001:db8:0:1:aaaa::7"), ip("2001:db8:0:1::"));
        assert_eq!(
            counted("2001:db8:0:1::ffff"),
            counted("2001:db8:0:1:ffff::1")
        );
        assert_ne!(counted("2001:db8:0:1::1"), counted("2001:db8:0:2::1"));
    }
}
