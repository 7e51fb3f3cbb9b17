//! What the token list shows: search, filters, sort and page, parsed from the URL's
//! query parameters. Unknown values fall back to the defaults, so an old or hand-edited
//! link still shows a list; the parsed query renders back to the canonical parameters.

use super::list_page::{COUNT_LIMIT, NARROWED_COUNT_LIMIT, PageCursor};
use super::{AccountId, ModuleId, PageNumber, TokenId};

pub const PAGE_SIZE: i64 = 25;
/// The `expiring` filter's one window: tokens expiring within this many days.
pub const EXPIRING_SOON_DAYS: u32 = 7;
const MAX_SEARCH_CHARS: usize = 100;
/// The `leaked` filter's one value.
pub const LEAKED_PARAM: &str = "1";

/// The raw parameters, as they come from the URL.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct RawTokenListQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub module: Option<String>,
    pub unused: Option<String>,
    pub expiring: Option<String>,
    pub leaked: Option<String>,
    pub account: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub page: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Everything but deleted: active, expired and disabled.
    #[default]
    Current,
    Active,
    Disabled,
    Expired,
    Deleted,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnusedFilter {
    /// Not used in this many days (never-used tokens included).
    Days(u32),
    Never,
}

/// Support staff's account filter: a marketplace id, or part of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountFilter {
    Id(AccountId),
    NameContains(String),
}

impl AccountFilter {
    /// An account id, or part of a name; `None` when nothing searchable is left.
    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        match AccountId::parse(raw) {
            Ok(id) => Some(Self::Id(id)),
            Err(_) => searchable(raw).map(Self::NameContains),
        }
    }

    pub fn as_param(&self) -> String {
        match self {
            Self::Id(id) => id.to_string(),
            Self::NameContains(name) => name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Created,
    Name,
    Expires,
    LastAccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Asc,
    Desc,
}

/// A parsed, always valid list query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenListQuery {
    pub search: Option<String>,
    pub status: StatusFilter,
    pub module: Option<ModuleId>,
    pub unused: Option<UnusedFilter>,
    pub expiring_within_days: Option<u32>,
    /// Only tokens whose secret was found in public (see `leak_report`), whatever
    /// became of them since.
    pub leaked: bool,
    pub account: Option<AccountFilter>,
    pub sort: SortKey,
    /// `None` means the sort key's natural direction.
    pub direction: Option<SortDirection>,
    /// Where the page starts; `None` is the first page.
    pub cursor: Option<PageCursor>,
    /// The page's number, for showing only: pages are found by `cursor`. The first
    /// page, always, when there is no cursor.
    pub page: PageNumber,
}

impl StatusFilter {
    pub const CHOICES: [StatusFilter; 6] = [
        Self::Current,
        Self::Active,
        Self::Disabled,
        Self::Expired,
        Self::Deleted,
        Self::All,
    ];

    fn parse(raw: &str) -> Option<Self> {
        Self::CHOICES.into_iter().find(|s| s.as_param() == raw)
    }

    /// The URL value; the default has none.
    pub fn as_param(self) -> &'static str {
        match self {
            Self::Current => "",
            Self::Active => "active",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
            Self::Deleted => "deleted",
            Self::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Current => "All but deleted",
            Self::Active => "Active",
            Self::Disabled => "Disabled",
            Self::Expired => "Expired",
            Self::Deleted => "Deleted",
            Self::All => "All, deleted included",
        }
    }
}

impl UnusedFilter {
    pub const CHOICES: [UnusedFilter; 3] = [Self::Days(30), Self::Days(90), Self::Never];

    fn parse(raw: &str) -> Option<Self> {
        Self::CHOICES.into_iter().find(|u| u.as_param() == raw)
    }

    pub fn as_param(self) -> String {
        match self {
            Self::Days(days) => days.to_string(),
            Self::Never => "never".into(),
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::Days(days) => format!("Not used in {days} days"),
            Self::Never => "Never used".into(),
        }
    }
}

impl SortKey {
    pub const CHOICES: [SortKey; 4] = [Self::Created, Self::Name, Self::Expires, Self::LastAccess];

    fn parse(raw: &str) -> Option<Self> {
        Self::CHOICES.into_iter().find(|k| k.as_param() == raw)
    }

    pub fn as_param(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Name => "name",
            Self::Expires => "expires",
            Self::LastAccess => "last_access",
        }
    }

    /// Newest first for times, A to Z for names, soonest first for expiry.
    pub fn natural_direction(self) -> SortDirection {
        match self {
            Self::Created | Self::LastAccess => SortDirection::Desc,
            Self::Name | Self::Expires => SortDirection::Asc,
        }
    }
}

impl SortDirection {
    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "asc" => Some(Self::Asc),
            "desc" => Some(Self::Desc),
            _ => None,
        }
    }

    pub fn as_param(self) -> &'static str {
        match self {
            Self::Asc => "asc",
            Self::Desc => "desc",
        }
    }

    pub fn reversed(self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }
}

/// Text to search for: without control characters (no name holds one, and PostgreSQL
/// text can't hold NUL), trimmed, at most `MAX_SEARCH_CHARS`; `None` if nothing is left.
fn searchable(raw: &str) -> Option<String> {
    let visible: String = raw.chars().filter(|c| !c.is_control()).collect();
    let text: String = visible.trim().chars().take(MAX_SEARCH_CHARS).collect();
    let text = text.trim_end().to_owned();
    (!text.is_empty()).then_some(text)
}

impl From<RawTokenListQuery> for TokenListQuery {
    fn from(raw: RawTokenListQuery) -> Self {
        let present = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        Self {
            search: present(raw.q).and_then(|q| searchable(&q)),
            status: present(raw.status)
                .and_then(|s| StatusFilter::parse(&s))
                .unwrap_or_default(),
            module: present(raw.module).and_then(|m| ModuleId::parse(&m).ok()),
            unused: present(raw.unused).and_then(|u| UnusedFilter::parse(&u)),
            expiring_within_days: present(raw.expiring)
                .filter(|e| *e == EXPIRING_SOON_DAYS.to_string())
                .map(|_| EXPIRING_SOON_DAYS),
            leaked: present(raw.leaked).is_some_and(|l| l == LEAKED_PARAM),
            account: present(raw.account).and_then(|a| AccountFilter::parse(&a)),
            sort: present(raw.sort)
                .and_then(|s| SortKey::parse(&s))
                .unwrap_or_default(),
            direction: present(raw.dir).and_then(|d| SortDirection::parse(&d)),
            cursor: None,
            page: PageNumber::FIRST,
        }
        .on_page(
            PageCursor::parse(raw.after.as_deref(), raw.before.as_deref()),
            present(raw.page)
                .map(|p| PageNumber::parse(&p))
                .unwrap_or_default(),
        )
    }
}

impl TokenListQuery {
    pub fn effective_direction(&self) -> SortDirection {
        self.direction
            .unwrap_or_else(|| self.sort.natural_direction())
    }

    /// How far the list's total is counted: less far when a search or a module
    /// narrows it, since each of those matches is checked row by row.
    pub fn count_limit(&self) -> i64 {
        if self.search.is_some() || self.module.is_some() {
            NARROWED_COUNT_LIMIT
        } else {
            COUNT_LIMIT
        }
    }

    /// How many tokens the pages before this one show, going by its number.
    pub fn shown_before(&self) -> i64 {
        self.page.offset(PAGE_SIZE)
    }

    /// The same view on the page `cursor` starts, numbered `page`; without a cursor,
    /// the first page whatever the number said (a number alone can't find a page).
    fn on_page(self, cursor: Option<PageCursor>, page: PageNumber) -> Self {
        let page = if cursor.is_some() {
            page
        } else {
            PageNumber::FIRST
        };
        Self {
            cursor,
            page,
            ..self
        }
    }

    /// The canonical URL parameters, defaults left out, page last.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(q) = &self.search {
            params.push(("q", q.clone()));
        }
        if self.status != StatusFilter::Current {
            params.push(("status", self.status.as_param().to_owned()));
        }
        if let Some(module) = &self.module {
            params.push(("module", module.to_string()));
        }
        if let Some(unused) = self.unused {
            params.push(("unused", unused.as_param()));
        }
        if let Some(days) = self.expiring_within_days {
            params.push(("expiring", days.to_string()));
        }
        if self.leaked {
            params.push(("leaked", LEAKED_PARAM.to_owned()));
        }
        if let Some(account) = &self.account {
            params.push(("account", account.as_param()));
        }
        if self.sort != SortKey::default() {
            params.push(("sort", self.sort.as_param().to_owned()));
        }
        if let Some(dir) = self.direction {
            params.push(("dir", dir.as_param().to_owned()));
        }
        if let Some(cursor) = &self.cursor {
            params.push(("page", self.page.to_string()));
            let (name, value) = cursor.as_param();
            params.push((name, value));
        }
        params
    }

    /// The same view on its first page.
    pub fn first_page(&self) -> Self {
        self.clone().on_page(None, PageNumber::FIRST)
    }

    /// The same view searching for `text` instead, taken as a typed search is, on its
    /// first page.
    pub fn searching_for(&self, text: &str) -> Self {
        Self {
            search: searchable(text),
            ..self.clone()
        }
        .first_page()
    }

    /// The page after this one, which starts after `last`, this page's last token.
    pub fn next_page(&self, last: &TokenId) -> Self {
        self.clone()
            .on_page(Some(PageCursor::After(last.clone())), self.page.next())
    }

    /// The page before this one, which ends before `first`, this page's first token.
    pub fn previous_page(&self, first: &TokenId) -> Self {
        let page = self.page.previous();
        let cursor = (!page.is_first()).then(|| PageCursor::Before(first.clone()));
        self.clone().on_page(cursor, page)
    }

    /// The view sorted by `key`: reversed if it already is, otherwise its natural
    /// direction; back to the first page.
    pub fn sorted_by(&self, key: SortKey) -> Self {
        let direction = if self.sort == key {
            self.effective_direction().reversed()
        } else {
            key.natural_direction()
        };
        Self {
            sort: key,
            direction: Some(direction),
            ..self.first_page()
        }
    }

    /// Whether anything narrows the list (for the empty state's wording).
    pub fn is_filtered(&self) -> bool {
        self.search.is_some()
            || self.status != StatusFilter::Current
            || self.module.is_some()
            || self.unused.is_some()
            || self.expiring_within_days.is_some()
            || self.leaked
            || self.account.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(pairs: &[(&str, &str)]) -> TokenListQuery {
        let mut raw = RawTokenListQuery::default();
        for (key, value) in pairs {
            let value = Some((*value).to_owned());
            match *key {
                "q" => raw.q = value,
                "status" => raw.status = value,
                "module" => raw.module = value,
                "unused" => raw.unused = value,
                "expiring" => raw.expiring = value,
                "leaked" => raw.leaked = value,
                "account" => raw.account = value,
                "sort" => raw.sort = value,
                "dir" => raw.dir = value,
                "page" => raw.page = value,
                "after" => raw.after = value,
                "before" => raw.before = value,
                other => panic!("unknown key {other}"),
            }
        }
        raw.into()
    }

    #[test]
    fn empty_query_is_the_default_view() {
        let query = parse(&[]);
        assert_eq!(query, TokenListQuery::default());
        assert!(query.to_params().is_empty());
        assert_eq!(query.effective_direction(), SortDirection::Desc);
    }

    #[test]
    fn parses_every_parameter_and_renders_it_back() {
        let pairs = [
            ("q", "deploy"),
            ("status", "disabled"),
            ("module", "billing"),
            ("unused", "90"),
            ("expiring", "7"),
            ("leaked", "1"),
            ("account", "PA-1234-5678"),
            ("sort", "name"),
            ("dir", "desc"),
            ("page", "3"),
            ("after", "TK-0000-0000-0042"),
        ];
        let query = parse(&pairs);
        let rendered: Vec<(&str, String)> = query.to_params();
        let expected: Vec<(&str, String)> =
            pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        assert_eq!(rendered, expected);
        assert_eq!(query.shown_before(), 50);
    }

    #[test]
    fn a_page_number_without_a_cursor_is_the_first_page() {
        let query = parse(&[("page", "3"), ("after", "not-a-token")]);
        assert_eq!(query, TokenListQuery::default());
        assert!(query.to_params().is_empty());
    }

    #[test]
    fn next_and_previous_pages_carry_a_cursor_and_a_number() {
        let first = parse(&[("sort", "name")]);
        let last = TokenId::parse("TK-0000-0000-0025").unwrap();
        let second = first.next_page(&last);
        assert_eq!(second.cursor, Some(PageCursor::After(last.clone())));
        assert_eq!(second.page.get(), 2);
        let head = TokenId::parse("TK-0000-0000-0026").unwrap();
        let third = second.next_page(&head);
        assert_eq!(
            third.previous_page(&head).cursor,
            Some(PageCursor::Before(head.clone()))
        );
        assert_eq!(third.previous_page(&head).page.get(), 2);
        // Back to the first page is the plain first page: no cursor to go stale.
        assert_eq!(second.previous_page(&head), first);
    }

    #[test]
    fn bad_values_fall_back_to_defaults() {
        let query = parse(&[
            ("status", "bogus"),
            ("sort", "secret"),
            ("dir", "sideways"),
            ("page", "-4"),
            ("unused", "12"),
            ("leaked", "yes"),
            ("account", "   "),
            ("q", "   "),
        ]);
        assert_eq!(query, TokenListQuery::default());
    }

    #[test]
    fn sorting_by_the_current_key_reverses_it_and_resets_the_page() {
        let query = parse(&[("sort", "name"), ("page", "2")]);
        let toggled = query.sorted_by(SortKey::Name);
        assert_eq!(toggled.effective_direction(), SortDirection::Desc);
        assert_eq!(toggled.page, PageNumber::FIRST);
        let other = query.sorted_by(SortKey::LastAccess);
        assert_eq!(other.effective_direction(), SortDirection::Desc);
    }

    #[test]
    fn the_account_filter_takes_an_id_or_part_of_a_name() {
        let by_id = parse(&[("account", " PA-2000-0002 ")]);
        let by_name = parse(&[("account", "Other")]);
        assert_eq!(
            by_id.account,
            Some(AccountFilter::Id(AccountId::parse("PA-2000-0002").unwrap()))
        );
        assert_eq!(
            by_name.account,
            Some(AccountFilter::NameContains("Other".into()))
        );
        assert_eq!(by_name.to_params(), [("account", "Other".to_owned())]);
    }

    #[test]
    fn long_searches_are_cut() {
        let query = parse(&[("q", &"a".repeat(500))]);
        assert_eq!(query.search.map(|s| s.len()), Some(MAX_SEARCH_CHARS));
    }

    #[test]
    fn control_characters_are_dropped_from_searches() {
        let query = parse(&[("q", "ci\u{0}deploy\t"), ("account", "\u{0}Other\r\n")]);
        assert_eq!(query.search.as_deref(), Some("cideploy"));
        assert_eq!(
            query.account,
            Some(AccountFilter::NameContains("Other".into()))
        );
        assert_eq!(parse(&[("q", "\u{0}"), ("account", "\u{0}")]), parse(&[]));
    }

    /// Any text, and text shaped like the values the parameters take.
    fn raw_value() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(prop_oneof![
            any::<String>(),
            "-?[0-9]{1,25}",
            "[a-z_]{1,12}",
            "PA-[0-9]{4}-[0-9]{4}",
            "TK-[0-9]{4}-[0-9]{4}-[0-9]{4}",
            "[ \\t\\x00]{0,3}[A-Za-z0-9 %_\\\\]{0,120}",
        ])
    }

    fn raw_query() -> impl Strategy<Value = RawTokenListQuery> {
        let fields = [(); 12].map(|()| raw_value());
        fields.prop_map(
            |[
                q,
                status,
                module,
                unused,
                expiring,
                leaked,
                account,
                sort,
                dir,
                page,
                after,
                before,
            ]| {
                RawTokenListQuery {
                    q,
                    status,
                    module,
                    unused,
                    expiring,
                    leaked,
                    account,
                    sort,
                    dir,
                    page,
                    after,
                    before,
                }
            },
        )
    }

    proptest! {
        #[test]
        fn any_parameters_make_a_valid_query(raw in raw_query()) {
            let query = TokenListQuery::from(raw);
            for text in [query.search.clone(), query.account.as_ref().map(AccountFilter::as_param)]
                .into_iter()
                .flatten()
            {
                prop_assert!(!text.is_empty() && text.chars().count() <= MAX_SEARCH_CHARS);
                prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
                prop_assert_eq!(text.trim(), text.as_str());
            }
            prop_assert!(query.page.get() >= 1);
            prop_assert!(query.shown_before() >= 0);
            prop_assert!(query.cursor.is_some() || query.page.is_first());
        }

        #[test]
        fn a_parsed_query_round_trips_through_its_parameters(raw in raw_query()) {
            let query = TokenListQuery::from(raw);
            let params = query.to_params();
            let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            prop_assert_eq!(parse(&pairs), query);
        }
    }
}
