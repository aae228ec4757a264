//! Summary figures for reports: mean and 90th percentile of durations, and
//! the order in which a counter will call the waiting tickets.

use super::queue_rules::{next_streak, pick_class, Class};

/// Mean and 90th percentile (nearest rank) of durations in seconds; `None`
/// without samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spread {
    pub mean: Option<u32>,
    pub p90: Option<u32>,
}

/// Mean (rounded) and nearest-rank 90th percentile: the smallest sample with
/// at least 90 % of the samples at or below it. Negative samples (a clock
/// step) count as zero.
pub fn spread(samples: &[i64]) -> Spread {
    if samples.is_empty() {
        return Spread::default();
    }
    let mut v: Vec<u64> = samples.iter().map(|s| (*s).max(0) as u64).collect();
    v.sort_unstable();
    let n = v.len() as u64;
    let sum: u64 = v.iter().sum();
    let mean = ((sum + n / 2) / n) as u32;
    // rank = ceil(0.9 n), 1-based.
    let rank = (9 * n).div_ceil(10).max(1) as usize;
    Spread { mean: Some(mean), p90: Some(v[rank - 1] as u32) }
}

/// The order a counter will call waiting tickets if nobody else arrives: the
/// fair interleaving rule of [`pick_class`] applied from the counter's current
/// streak. `priority` and `normal` are each in queue order; returns indices
/// `(is_priority, index in its list)`.
pub fn call_order(priority: usize, normal: usize, streak: u32, max_streak: u32) -> Vec<(bool, usize)> {
    let (mut p, mut n, mut streak) = (0, 0, streak);
    let mut out = Vec::with_capacity(priority + normal);
    while let Some(class) = pick_class(p < priority, n < normal, streak, max_streak) {
        streak = next_streak(streak, class);
        match class {
            Class::Priority => {
                out.push((true, p));
                p += 1;
            }
            Class::Normal => {
                out.push((false, n));
                n += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_uses_nearest_rank() {
        assert_eq!(spread(&[]), Spread { mean: None, p90: None });
        assert_eq!(spread(&[60]), Spread { mean: Some(60), p90: Some(60) });
        let ten: Vec<i64> = (1..=10).map(|i| i * 10).collect();
        // ceil(0.9 * 10) = 9th value.
        assert_eq!(spread(&ten), Spread { mean: Some(55), p90: Some(90) });
        let eleven: Vec<i64> = (1..=11).collect();
        // ceil(9.9) = 10th value.
        assert_eq!(spread(&eleven).p90, Some(10));
        assert_eq!(spread(&[-5, 5]).mean, Some(3), "negative counts as zero, mean rounds");
    }

    #[test]
    fn call_order_follows_the_interleaving_rule() {
        // docs/queue.md's example: P1 N1 P2 P3 N2 ... with streak 2 calls P P N P P N.
        let order = call_order(3, 3, 0, 2);
        assert_eq!(order, [(true, 0), (true, 1), (false, 0), (true, 2), (false, 1), (false, 2)]);
        // A counter that just called two priority tickets calls a normal one first.
        assert_eq!(call_order(1, 1, 2, 2)[0], (false, 0));
        assert_eq!(call_order(0, 0, 0, 2), []);
    }
}
