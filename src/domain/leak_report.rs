//! Leak reports from secret scanners, in the format of GitHub's secret-scanning partner
//! programme: the matches one report holds (at most `MAX_MATCHES`), where each token was
//! found as it is kept and shown, the label each match is answered with, and the banner
//! over an admin's list while tokens found in public stay disabled.

use std::fmt;

use super::token_list_query::{StatusFilter, TokenListQuery};
use super::{ParseError, TokenSecret};

/// The most matches one report may hold.
pub const MAX_MATCHES: usize = 100;
/// The most of a reported url that is kept.
pub const MAX_URL_CHARS: usize = 2_000;
/// The most of a reported source that is kept.
pub const MAX_SOURCE_CHARS: usize = 100;

/// Where a secret was found, in the scanner's words: a url and a source (GitHub says
/// `content`, `commit`, `pull_request_title`, …). Each is kept without control
/// characters, trimmed and cut to its limit; `None` when nothing is left.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LeakLocation {
    url: Option<String>,
    source: Option<String>,
}

impl LeakLocation {
    pub fn new(url: Option<&str>, source: Option<&str>) -> Self {
        Self {
            url: url.and_then(|url| kept(url, MAX_URL_CHARS)),
            source: source.and_then(|source| kept(source, MAX_SOURCE_CHARS)),
        }
    }

    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The audit event's details: where it was found, in a sentence.
    pub fn describe(&self) -> String {
        match (&self.url, &self.source) {
            (Some(url), Some(source)) => format!("Found at {url} (source: {source})"),
            (Some(url), None) => format!("Found at {url}"),
            (None, Some(source)) => format!("Found in public (source: {source})"),
            (None, None) => "Found in public; the report said nowhere".to_owned(),
        }
    }
}

/// `raw` without control characters, trimmed, at most `max` characters; `None` if
/// nothing is left.
fn kept(raw: &str, max: usize) -> Option<String> {
    let visible: String = raw.chars().filter(|c| !c.is_control()).collect();
    let text: String = visible.trim().chars().take(max).collect();
    let text = text.trim_end().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Whether a reported url may be shown as a link: `http` and `https` only, so a
/// scanner's `javascript:` is shown as text.
pub fn is_linkable(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https"))
}

/// One match of a report: the token as reported, the scanner's name for its kind, and
/// where it was found. Its `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct ReportedMatch {
    /// As reported, to be answered back as `token_raw`.
    pub token_raw: String,
    /// As reported, to be answered back as `token_type`.
    pub token_type: String,
    pub location: LeakLocation,
}

impl ReportedMatch {
    /// The tokendesk secret reported, if it is one: a well-formed `tdk_` secret with the
    /// right checksum. Anything else is no token of ours, known without a lookup.
    pub fn secret(&self) -> Option<TokenSecret> {
        TokenSecret::parse(&self.token_raw).ok()
    }
}

impl fmt::Debug for ReportedMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportedMatch")
            .field(
                "token_raw",
                &format_args!("({} bytes)", self.token_raw.len()),
            )
            .field("token_type", &self.token_type)
            .field("location", &self.location)
            .finish()
    }
}

/// A report's matches: at most `MAX_MATCHES`, possibly none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakReport(Vec<ReportedMatch>);

impl LeakReport {
    pub fn new(matches: Vec<ReportedMatch>) -> Result<Self, ParseError> {
        if matches.len() > MAX_MATCHES {
            return Err(ParseError(format!(
                "A report holds at most {MAX_MATCHES} tokens; this one holds {}. Send the \
                 rest in another.",
                matches.len()
            )));
        }
        Ok(Self(matches))
    }

    pub fn matches(&self) -> &[ReportedMatch] {
        &self.0
    }
}

/// How a match is answered: `true_positive` for a token of ours (disabled now, or
/// already disabled or deleted), `false_positive` for anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    TruePositive,
    FalsePositive,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TruePositive => "true_positive",
            Self::FalsePositive => "false_positive",
        }
    }
}

/// The list of the tokens the banner is about, and so what its count counts: tokens
/// found in public that are still disabled (not enabled again, not deleted).
pub fn found_in_public() -> TokenListQuery {
    TokenListQuery {
        status: StatusFilter::Disabled,
        leaked: true,
        ..TokenListQuery::default()
    }
}

/// The banner's message for `count` tokens found in public and still disabled; `None`
/// when there are none.
pub fn banner(count: i64) -> Option<String> {
    match count {
        ..=0 => None,
        1 => Some("1 token was found in public and disabled".to_owned()),
        many => Some(format!(
            "{} tokens were found in public and disabled",
            super::list_page::with_separators(many)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reported(token_raw: &str) -> ReportedMatch {
        ReportedMatch {
            token_raw: token_raw.to_owned(),
            token_type: "tokendesk_api_token".to_owned(),
            location: LeakLocation::default(),
        }
    }

    #[test]
    fn the_banner_counts_in_words() {
        assert_eq!(banner(0), None);
        assert_eq!(
            banner(1).as_deref(),
            Some("1 token was found in public and disabled")
        );
        assert_eq!(
            banner(2).as_deref(),
            Some("2 tokens were found in public and disabled")
        );
        assert_eq!(
            banner(1200).as_deref(),
            Some("1,200 tokens were found in public and disabled")
        );
    }

    #[test]
    fn the_banner_lists_disabled_tokens_found_in_public() {
        assert_eq!(
            found_in_public().to_params(),
            [
                ("status", "disabled".to_owned()),
                ("leaked", "1".to_owned())
            ]
        );
    }

    #[test]
    fn a_location_keeps_the_scanners_words_cleaned_and_bounded() {
        let found = LeakLocation::new(
            Some(" https://github.com/octo/repo/blob/abc/.env\u{0}\n"),
            Some("content"),
        );
        assert_eq!(
            found.url(),
            Some("https://github.com/octo/repo/blob/abc/.env")
        );
        assert_eq!(found.source(), Some("content"));
        assert_eq!(
            found.describe(),
            "Found at https://github.com/octo/repo/blob/abc/.env (source: content)"
        );
        let long = LeakLocation::new(Some(&"u".repeat(5_000)), Some(&"s".repeat(500)));
        assert_eq!(long.url().map(str::len), Some(MAX_URL_CHARS));
        assert_eq!(long.source().map(str::len), Some(MAX_SOURCE_CHARS));
        let nowhere = LeakLocation::new(Some(" \t"), None);
        assert_eq!(nowhere, LeakLocation::default());
        assert_eq!(
            nowhere.describe(),
            "Found in public; the report said nowhere"
        );
    }

    #[test]
    fn only_http_and_https_urls_are_linked() {
        assert!(is_linkable("https://github.com/octo/repo"));
        assert!(is_linkable("http://example.test/paste/1"));
        assert!(!is_linkable("javascript:alert(1)"));
        assert!(!is_linkable("data:text/html,hi"));
        assert!(!is_linkable("not a url"));
    }

    #[test]
    fn only_well_formed_secrets_with_their_checksum_are_ours() {
        let secret = TokenSecret::generate();
        assert_eq!(reported(secret.expose()).secret(), Some(secret.clone()));
        let mut typo = secret.expose().to_owned();
        let last = if typo.ends_with('A') { "B" } else { "A" };
        typo.replace_range(typo.len() - 1.., last);
        assert_eq!(reported(&typo).secret(), None);
        assert_eq!(reported("ghp_notours").secret(), None);
        assert_eq!(reported("").secret(), None);
    }

    #[test]
    fn a_report_holds_at_most_a_hundred_matches() {
        let hundred = vec![reported("x"); MAX_MATCHES];
        assert_eq!(LeakReport::new(hundred).map(|r| r.matches().len()), Ok(100));
        assert_eq!(
            LeakReport::new(Vec::new()).map(|r| r.matches().len()),
            Ok(0)
        );
        let error = LeakReport::new(vec![reported("x"); MAX_MATCHES + 1]).unwrap_err();
        assert!(error.0.contains("at most 100"), "{error}");
    }

    #[test]
    fn debug_output_hides_the_reported_token() {
        let secret = TokenSecret::generate();
        let shown = format!("{:?}", reported(secret.expose()));
        assert!(!shown.contains("tdk_"), "{shown}");
        assert_eq!(Label::TruePositive.as_str(), "true_positive");
        assert_eq!(Label::FalsePositive.as_str(), "false_positive");
    }

    proptest! {
        #[test]
        fn any_location_is_kept_clean_and_bounded(url in "\\PC{0,40}|.{0,2100}", source in ".{0,150}") {
            let found = LeakLocation::new(Some(&url), Some(&source));
            for (text, max) in [(found.url(), MAX_URL_CHARS), (found.source(), MAX_SOURCE_CHARS)] {
                if let Some(text) = text {
                    prop_assert!(!text.is_empty() && text.chars().count() <= max);
                    prop_assert!(!text.chars().any(char::is_control));
                    prop_assert_eq!(text.trim(), text);
                }
            }
        }
    }
}
