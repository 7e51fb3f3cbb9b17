//! Whose address a request comes from. Behind a reverse proxy the TCP peer is the proxy,
//! so `X-Forwarded-For` is believed, but only when the peer is a proxy we were told to
//! trust, and then only its right-most entry that is not itself a trusted proxy (the
//! entries to its left are whatever the client chose to send).

use std::net::IpAddr;

pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = forwarded_for.unwrap_or_default();
    forwarded
        .rsplit(',')
        .map(str::trim)
        .map(|entry| entry.parse::<IpAddr>())
        .take_while(Result::is_ok)
        .filter_map(Result::ok)
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
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
        // A garbled entry stops the walk: nothing left of it is believed.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("198.51.100.4, junk"), &proxies),
            Some(ip("10.0.0.1"))
        );
    }
}
