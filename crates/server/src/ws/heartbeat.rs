//! When a connection's heartbeat pings leave: every period, on whole tenths of a second of one
//! clock for the process, so the pings of every connection that falls in the same slot go out in
//! one wake-up of its worker thread instead of one wake-up each. With a timer per connection started
//! at its connect time, 10,000 idle connections woke the workers about 1,300 times a second (a
//! ping out, a pong in, each alone), and a quarter of the server's idle CPU was those context
//! switches (BENCHMARKS.md, "Idle CPU").

use std::sync::LazyLock;
use std::time::Duration;

use tokio::time::{Instant, Interval, MissedTickBehavior};

/// The clock the pings keep to.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);
/// Pings due within the same slot leave together. A tenth of a second still gathers tens of
/// connections into each wake-up at 10,000 connections (about 67 pings per slot), while
/// connections opened together (a reconnect storm, a load generator's thousand clients in one
/// second) are spread over ten slots rather than pinged all at once.
const SLOT: Duration = Duration::from_millis(100);

/// A connection's heartbeat: the first tick a period from now, rounded up to the next slot, then
/// one every `period` (a whole number of slots, so every tick stays on the grid). A tick the
/// worker was too busy to take is skipped, not sent late in a burst.
pub fn interval(period: Duration) -> Interval {
    let mut interval = tokio::time::interval_at(aligned(Instant::now() + period), period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
    interval
}

/// The first slot boundary at or after `at`.
fn aligned(at: Instant) -> Instant {
    let since = at.saturating_duration_since(*EPOCH).as_nanos();
    let slot = SLOT.as_nanos();
    let rounded = since.div_ceil(slot) * slot;
    *EPOCH + Duration::from_nanos(u64::try_from(rounded).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_whole_slots_of_one_clock() {
        let epoch = *EPOCH;
        for offset_ms in [0, 1, 48, 99, 100, 101, 999, 14_999] {
            let at = epoch + Duration::from_millis(offset_ms);
            let tick = aligned(at);
            assert!(tick >= at && tick - at < SLOT, "{offset_ms} ms → {:?}", tick - epoch);
            assert_eq!((tick - epoch).as_nanos() % SLOT.as_nanos(), 0, "{offset_ms} ms");
        }
    }

    #[tokio::test]
    async fn every_tick_falls_on_the_grid() {
        let mut heartbeat = interval(SLOT);
        for _ in 0..2 {
            let tick = heartbeat.tick().await;
            assert_eq!((tick - *EPOCH).as_nanos() % SLOT.as_nanos(), 0, "{:?}", tick - *EPOCH);
        }
    }
}
