//! The addresses a token may be used from: none listed means anywhere; otherwise only
//! from one of up to 50 addresses or CIDR ranges, IPv4 or IPv6. An IPv4 client seen
//! through an IPv6 socket (`::ffff:a.b.c.d`) counts as its IPv4 address.

use std::net::IpAddr;

use ipnet::IpNet;

/// At most this many addresses and ranges per token.
pub const MAX_ENTRIES: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressAllowlist(Vec<IpNet>);

impl AddressAllowlist {
    /// Anywhere: no list.
    pub const ANYWHERE: Self = Self(Vec::new());

    /// Parses `entries` (blank ones skipped, duplicates dropped), each an address or a
    /// CIDR range without host bits; the message names the first entry that is not.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut nets: Vec<IpNet> = Vec::new();
        for raw in entries.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            let net = parse_entry(raw)?;
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        if nets.len() > MAX_ENTRIES {
            return Err(format!(
                "List at most {MAX_ENTRIES} addresses or ranges ({} given).",
                nets.len()
            ));
        }
        Ok(Self(nets))
    }

    /// Parses a form's text box: entries separated by new lines, commas or spaces.
    pub fn parse_text(text: &str) -> Result<Self, String> {
        Self::parse(text.split(|c: char| c == ',' || c.is_whitespace()))
    }

    pub fn is_anywhere(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a call from `client` is allowed; an unknown address is allowed only when
    /// there is no list.
    pub fn allows(&self, client: Option<IpAddr>) -> bool {
        if self.is_anywhere() {
            return true;
        }
        client.is_some_and(|ip| {
            let ip = ip.to_canonical();
            self.0.iter().any(|net| net.contains(&ip))
        })
    }

    /// Whether every address `other` allows, this allows too.
    pub fn covers(&self, other: &Self) -> bool {
        self.is_anywhere()
            || (!other.is_anywhere()
                && other
                    .0
                    .iter()
                    .all(|inner| self.0.iter().any(|outer| outer.contains(inner))))
    }

    /// Each entry as written back: an address alone, a range with its prefix.
    pub fn entries(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|net| {
                if net.prefix_len() == net.max_prefix_len() {
                    net.addr().to_string()
                } else {
                    net.to_string()
                }
            })
            .collect()
    }
}

fn parse_entry(raw: &str) -> Result<IpNet, String> {
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Ok(IpNet::from(ip.to_canonical()));
    }
    let net = raw.parse::<IpNet>().map_err(|_| {
        format!("“{raw}” is not an IPv4 or IPv6 address or range (such as 203.0.113.0/24).")
    })?;
    if let IpNet::V6(v6) = net
        && IpNet::V6(v6).addr().to_canonical().is_ipv4()
    {
        return Err(format!(
            "“{raw}” is an IPv4 range written as IPv6: write it as IPv4 (such as 10.0.0.0/8)."
        ));
    }
    if net.trunc() != net {
        return Err(format!(
            "“{raw}” has bits set past its prefix: did you mean {}?",
            net.trunc()
        ));
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(raw: &str) -> Option<IpAddr> {
        Some(raw.parse().unwrap())
    }

    #[test]
    fn addresses_and_ranges_of_both_families_are_accepted() {
        let list =
            AddressAllowlist::parse_text("203.0.113.7\n10.0.0.0/8, 2001:db8::/32 2001:db8::1")
                .unwrap();
        assert_eq!(
            list.entries(),
            ["203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "2001:db8::1"]
        );
        assert!(list.allows(ip("10.1.2.3")));
        assert!(
            list.allows(ip("::ffff:10.1.2.3")),
            "IPv4 through an IPv6 socket"
        );
        assert!(list.allows(ip("2001:db8:1::5")));
        assert!(!list.allows(ip("203.0.113.8")));
        assert!(!list.allows(None), "an unknown address is not on the list");
        assert!(AddressAllowlist::ANYWHERE.allows(None));
    }

    #[test]
    fn bad_entries_are_named() {
        for (raw, says) in [
            ("10.0.0.300", "“10.0.0.300” is not"),
            ("10.0.0.5/24", "did you mean 10.0.0.0/24?"),
            ("10.0.0.0/33", "“10.0.0.0/33” is not"),
            ("example.com", "“example.com” is not"),
            ("<script>", "“<script>” is not"),
            ("::ffff:10.0.0.0/104", "write it as IPv4"),
        ] {
            let error = AddressAllowlist::parse_text(raw).unwrap_err();
            assert!(error.contains(says), "{raw}: {error}");
        }
        let fifty_one: Vec<String> = (0..51).map(|i| format!("10.0.0.{i}")).collect();
        let error = AddressAllowlist::parse(fifty_one.iter().map(String::as_str)).unwrap_err();
        assert!(error.contains("at most 50"), "{error}");
        let duplicates = vec!["10.0.0.1"; 60];
        assert_eq!(
            AddressAllowlist::parse(duplicates).unwrap().entries().len(),
            1
        );
    }

    #[test]
    fn a_list_covers_only_lists_within_it() {
        let office = AddressAllowlist::parse_text("10.0.0.0/8").unwrap();
        let subnet = AddressAllowlist::parse_text("10.1.0.0/16 10.2.3.4").unwrap();
        let elsewhere = AddressAllowlist::parse_text("192.0.2.1").unwrap();
        assert!(office.covers(&subnet));
        assert!(!office.covers(&elsewhere));
        assert!(
            !office.covers(&AddressAllowlist::ANYWHERE),
            "anywhere is wider"
        );
        assert!(AddressAllowlist::ANYWHERE.covers(&office));
    }
}
