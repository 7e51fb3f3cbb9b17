//! A place on this site to send a browser to, such as the page to return to after
//! signing in. Browsers are generous readers of a `Location`: they drop tabs and line
//! breaks, read `\` as `/`, and treat `//host` as another site. So a local path is
//! accepted only when it starts with exactly one `/` and holds no `\`, no control or
//! whitespace character (and so no scheme can precede it), both as given and once
//! percent-decoded, the whole of it: path, query and fragment. (A space in a query goes
//! as `+`, as the portal's own links send it.)

use std::fmt;

use percent_encoding::percent_decode_str;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(String);

impl LocalPath {
    /// `raw`, if it can only lead to a page on this site.
    pub fn parse(raw: &str) -> Option<Self> {
        let decoded = percent_decode_str(raw).decode_utf8_lossy();
        (stays_here(raw) && stays_here(&decoded)).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn stays_here(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/'))
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

impl fmt::Display for LocalPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::LocalPath;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_is_refused_or_a_path_that_stays_here(raw in ".*|/[/\\\\%0-9a-fA-F?#.:]{0,20}") {
            if let Some(path) = LocalPath::parse(&raw) {
                prop_assert_eq!(path.as_str(), raw.as_str());
                let decoded = percent_encoding::percent_decode_str(&raw).decode_utf8_lossy();
                for seen in [raw.as_str(), decoded.as_ref()] {
                    prop_assert!(seen.starts_with('/') && !seen.starts_with("//"));
                    prop_assert!(!seen.contains('\\'));
                    prop_assert!(!seen.chars().any(|c| c.is_control() || c.is_whitespace()));
                }
            }
        }

        #[test]
        fn plain_paths_round_trip(raw in "/|(/[a-z0-9-]{1,12}){1,4}(\\?[a-z]{1,5}=([a-z0-9+]|%2[1-9A-F]){0,8})?") {
            let path = LocalPath::parse(&raw).unwrap();
            prop_assert_eq!(LocalPath::parse(&path.to_string()), Some(path));
        }
    }

    #[test]
    fn paths_on_this_site_are_kept_with_their_query() {
        for path in [
            "/",
            "/settings/api-tokens?q=ci&status=all",
            "/settings/api-tokens?q=ci+deploy&sort=name",
            "/settings/api-tokens?q=50%25#results",
            "/settings/audit?page=2",
        ] {
            assert_eq!(LocalPath::parse(path).unwrap().as_str(), path);
        }
    }

    #[test]
    fn anything_a_browser_could_read_as_another_site_is_refused() {
        // As the server sees them, after the query string was decoded once.
        for hostile in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%5Cevil.example",
            "%2F%2Fevil.example",
            "/%2F/evil.example",
            "/%09/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\r\nSet-Cookie:x=1",
            "/%0d%0aSet-Cookie:x=1",
            "/tokens?x=%0d%0aSet-Cookie:x=1",
            "/tokens#%0d%0aSet-Cookie:x=1",
            "/tokens?next=%5C%5Cevil.example",
            "/settings/api-tokens?q=ci%20deploy%0A",
            " //evil.example",
            "",
            "settings/api-tokens",
        ] {
            assert_eq!(LocalPath::parse(hostile), None, "{hostile:?}");
        }
    }
}
