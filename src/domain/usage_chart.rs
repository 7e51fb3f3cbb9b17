//! Requests per day for a token's last 30 days, laid out as bars of an SVG drawn on the
//! server, with the summary screen readers get instead.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

pub const DAYS: i64 = 30;
pub const WIDTH: i64 = 600;
pub const HEIGHT: i64 = 120;
const GAP: i64 = 4;

/// One day's bar, in the chart's coordinates (origin top left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub day: NaiveDate,
    pub requests: i64,
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageChart {
    pub bars: Vec<Bar>,
    pub total: i64,
    /// The day with the most requests (the latest such day on a tie).
    pub busiest: Option<(NaiveDate, i64)>,
    pub last_used: Option<NaiveDate>,
}

impl UsageChart {
    /// The 30 days ending with `today`, from the stored counts per day.
    pub fn new(today: NaiveDate, counts: &HashMap<NaiveDate, i64>) -> Self {
        let days: Vec<(NaiveDate, i64)> = (0..DAYS)
            .rev()
            .map(|back| {
                let day = today - Duration::days(back);
                (day, counts.get(&day).copied().unwrap_or(0).max(0))
            })
            .collect();
        let most = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        let slot = WIDTH / DAYS;
        let bars = days
            .iter()
            .enumerate()
            .map(|(index, (day, requests))| {
                // A day with requests always shows at least a sliver.
                let height = if *requests == 0 {
                    0
                } else {
                    (requests * HEIGHT / most).max(2)
                };
                let index = i64::try_from(index).unwrap_or(0);
                Bar {
                    day: *day,
                    requests: *requests,
                    x: index * slot + GAP / 2,
                    y: HEIGHT - height,
                    width: slot - GAP,
                    height,
                }
            })
            .collect();
        let used: Vec<&(NaiveDate, i64)> = days.iter().filter(|(_, n)| *n > 0).collect();
        Self {
            bars,
            total: days.iter().map(|(_, n)| n).sum(),
            busiest: used
                .iter()
                .max_by_key(|(day, n)| (*n, *day))
                .map(|(day, n)| (*day, *n)),
            last_used: used.last().map(|(day, _)| *day),
        }
    }

    /// What the chart says, in one sentence.
    pub fn summary(&self) -> String {
        match (self.busiest, self.last_used) {
            (Some((busiest, most)), Some(last)) => format!(
                "{} request{} in the last 30 days; busiest day {busiest} ({most}); last used {last}.",
                self.total,
                if self.total == 1 { "" } else { "s" }
            ),
            _ => "No requests in the last 30 days.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn lays_out_thirty_days_scaled_to_the_busiest() {
        let today = day("2026-11-23");
        let counts = HashMap::from([
            (day("2026-11-23"), 5),
            (day("2026-11-20"), 20),
            (day("2026-10-01"), 99),
        ]);
        let chart = UsageChart::new(today, &counts);

        assert_eq!(chart.bars.len(), 30);
        assert_eq!(chart.bars[0].day, day("2026-10-25"));
        assert_eq!(chart.bars[29].day, today);
        let busiest = &chart.bars[26];
        assert_eq!(
            (busiest.day, busiest.requests, busiest.height, busiest.y),
            (day("2026-11-20"), 20, HEIGHT, 0)
        );
        assert_eq!(
            chart.bars[29].height, 30,
            "5 of 20 is a quarter of the height"
        );
        assert_eq!(chart.total, 25, "days outside the window don't count");
        assert_eq!(chart.busiest, Some((day("2026-11-20"), 20)));
        assert_eq!(chart.last_used, Some(today));
        assert_eq!(
            chart.summary(),
            "25 requests in the last 30 days; busiest day 2026-11-20 (20); last used 2026-11-23."
        );
    }

    #[test]
    fn an_unused_token_has_flat_bars_and_says_so() {
        let chart = UsageChart::new(day("2026-11-23"), &HashMap::new());
        assert!(chart.bars.iter().all(|b| b.height == 0));
        assert_eq!(chart.summary(), "No requests in the last 30 days.");
    }
}
