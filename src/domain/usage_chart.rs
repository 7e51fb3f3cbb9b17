//! Requests per day for a token's last 30 days, laid out as bars of an SVG drawn on the
//! server, with a requests axis of round numbers, a date under every seventh bar, the
//! total, and the summary screen readers get instead.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use super::list_page::with_separators;

pub const DAYS: i64 = 30;
pub const WIDTH: i64 = 600;
pub const HEIGHT: i64 = 120;
const GAP: i64 = 4;
/// A date is written under every this many bars, counting back from today's.
const LABEL_EVERY: i64 = 7;
/// The requests axis is cut into at most this many equal steps.
const MAX_STEPS: i64 = 4;

/// One day's bar, in the chart's coordinates (origin top left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub day: NaiveDate,
    pub requests: i64,
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// The date written under the bar ("Nov 23"), on every seventh day back from today.
    pub label: Option<String>,
}

impl Bar {
    /// The day's requests with thousands separators ("1,234").
    pub fn requests_label(&self) -> String {
        with_separators(self.requests)
    }
}

/// A value marked on the requests axis, with its gridline's height in the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub value: i64,
    pub label: String,
    pub y: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageChart {
    pub bars: Vec<Bar>,
    pub total: i64,
    /// The day with the most requests (the latest such day on a tie).
    pub busiest: Option<(NaiveDate, i64)>,
    pub last_used: Option<NaiveDate>,
    /// The requests axis from its top down to 0, evenly spaced; the bars are drawn to
    /// its scale.
    pub ticks: Vec<Tick>,
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
        let (step, top) = axis(most);
        let slot = WIDTH / DAYS;
        let bars = days
            .iter()
            .zip(0..)
            .map(|((day, requests), index)| {
                // A day with requests always shows at least a sliver.
                let height = if *requests == 0 {
                    0
                } else {
                    scaled(*requests, top).max(2)
                };
                let back = DAYS - 1 - index;
                Bar {
                    day: *day,
                    requests: *requests,
                    x: index * slot + GAP / 2,
                    y: HEIGHT - height,
                    width: slot - GAP,
                    height,
                    label: (back % LABEL_EVERY == 0).then(|| day.format("%b %-d").to_string()),
                }
            })
            .collect();
        let ticks = (0..=top / step)
            .rev()
            .map(|n| {
                let value = n * step;
                Tick {
                    value,
                    label: with_separators(value),
                    y: HEIGHT - scaled(value, top),
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
            ticks,
        }
    }

    /// The total with thousands separators ("1,234").
    pub fn total_label(&self) -> String {
        with_separators(self.total)
    }

    /// What the chart says, in one sentence.
    pub fn summary(&self) -> String {
        match (self.busiest, self.last_used) {
            (Some((busiest, most)), Some(last)) => format!(
                "{} request{} in the last 30 days; busiest day {busiest} ({}); last used {last}.",
                self.total_label(),
                if self.total == 1 { "" } else { "s" },
                with_separators(most),
            ),
            _ => "No requests in the last 30 days.".into(),
        }
    }
}

/// The requests axis for a busiest day of `most` (at least 1): its step (1, 2 or 5
/// times a power of ten) and its top (the first multiple of the step at or above
/// `most`), in at most `MAX_STEPS` steps.
fn axis(most: i64) -> (i64, i64) {
    let mut magnitude: i64 = 1;
    loop {
        for factor in [1, 2, 5] {
            let step = magnitude.saturating_mul(factor);
            if step.saturating_mul(MAX_STEPS) >= most {
                let steps = (most - 1) / step + 1;
                return (step, steps.saturating_mul(step));
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// `value`'s height in the chart, on an axis reaching `top` at its full height.
fn scaled(value: i64, top: i64) -> i64 {
    let height = i128::from(value) * i128::from(HEIGHT) / i128::from(top.max(1));
    i64::try_from(height).unwrap_or(HEIGHT)
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
    fn every_seventh_day_back_from_today_is_labelled() {
        let chart = UsageChart::new(day("2026-11-23"), &HashMap::new());
        let labels: Vec<(usize, &str)> = chart
            .bars
            .iter()
            .enumerate()
            .filter_map(|(index, bar)| bar.label.as_deref().map(|label| (index, label)))
            .collect();
        assert_eq!(
            labels,
            [
                (1, "Oct 26"),
                (8, "Nov 2"),
                (15, "Nov 9"),
                (22, "Nov 16"),
                (29, "Nov 23")
            ]
        );
    }

    #[test]
    fn the_requests_axis_counts_in_round_steps_up_past_the_busiest_day() {
        let axis_of = |most: i64| {
            let counts = HashMap::from([(day("2026-11-23"), most)]);
            let chart = UsageChart::new(day("2026-11-23"), &counts);
            let values: Vec<i64> = chart.ticks.iter().map(|t| t.value).collect();
            (values, chart.bars[29].height)
        };
        assert_eq!(axis_of(20), (vec![20, 15, 10, 5, 0], HEIGHT));
        assert_eq!(axis_of(12), (vec![15, 10, 5, 0], 96));
        assert_eq!(axis_of(3), (vec![3, 2, 1, 0], HEIGHT));
        assert_eq!(axis_of(0), (vec![1, 0], 0));
        assert_eq!(axis_of(1234), (vec![1500, 1000, 500, 0], 98));
        let chart = UsageChart::new(
            day("2026-11-23"),
            &HashMap::from([(day("2026-11-23"), 1234)]),
        );
        let ticks: Vec<(&str, i64)> = chart
            .ticks
            .iter()
            .map(|t| (t.label.as_str(), t.y))
            .collect();
        assert_eq!(
            ticks,
            [("1,500", 0), ("1,000", 40), ("500", 80), ("0", HEIGHT)]
        );
        assert_eq!(chart.total_label(), "1,234");
        assert_eq!(chart.bars[29].requests_label(), "1,234");
        assert_eq!(
            chart.summary(),
            "1,234 requests in the last 30 days; busiest day 2026-11-23 (1,234); last used 2026-11-23."
        );
    }

    #[test]
    fn huge_counts_stay_on_the_chart() {
        let counts = HashMap::from([(day("2026-11-23"), i64::MAX / 2)]);
        let chart = UsageChart::new(day("2026-11-23"), &counts);
        assert!(chart.bars.iter().all(|b| (0..=HEIGHT).contains(&b.height)));
        assert!(chart.ticks.len() >= 2 && chart.ticks.len() <= 5);
    }

    #[test]
    fn an_unused_token_has_flat_bars_and_says_so() {
        let chart = UsageChart::new(day("2026-11-23"), &HashMap::new());
        assert!(chart.bars.iter().all(|b| b.height == 0));
        assert_eq!(chart.summary(), "No requests in the last 30 days.");
    }
}
