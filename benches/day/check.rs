//! The end of the day: invariants (one line each, a violation fails the
//! run) and figures (`BENCH <name> <value> <unit>`), from what the actors
//! recorded and the centre's database.

use crate::actors::World;
use crate::plan::{the_day, SERVICES};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

pub struct Checks {
    pub failed: Vec<String>,
}

impl Checks {
    fn check(&mut self, name: &str, ok: bool, detail: String) {
        println!(
            "INVARIANT {} {name}{}",
            if ok { "ok  " } else { "FAIL" },
            if detail.is_empty() { String::new() } else { format!(" ({detail})") }
        );
        if !ok {
            self.failed.push(name.to_string());
        }
    }
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub struct Extra {
    /// Outboxes empty within the time allowed after the last fault healed.
    pub outboxes_drained: Vec<(String, bool)>,
    /// call-next after midnight found nobody waiting.
    pub queue_empty_after_midnight: bool,
    /// Waiting (or called) tickets of the day just before midnight, and how
    /// many of them hold a citizen's identity.
    pub open_before_midnight: (i64, i64),
    pub expired_at_rollover: Option<u32>,
    /// Display d was off from/to (wall ms).
    pub display_off: Option<(usize, i64, i64)>,
    pub sync: Vec<Heal>,
}

/// A partition and how its kiosk's outbox drained once it healed.
pub struct Heal {
    /// Figure name: fault and kiosk.
    pub name: String,
    pub kiosk: usize,
    /// Simulated start and end of the partition.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Real ms from the heal until the outbox was empty and the link online.
    pub drain_ms: i64,
    pub drained: bool,
}

/// The most a drain or a display catch-up may take after a heal (real ms).
const CATCH_UP_MS: i64 = 10_000;

pub fn run(world: &World, db: &Connection, extra: &Extra) -> Checks {
    let mut ch = Checks { failed: Vec::new() };
    let printed = world.printed.lock().unwrap().clone();

    // 1. Every number a kiosk printed exists exactly once at the centre (same ticket).
    let mut missing = Vec::new();
    let mut st = db
        .prepare("SELECT COUNT(*), MAX(tracking_code) FROM tickets WHERE day = ?1 AND number = ?2")
        .unwrap();
    for p in &printed {
        let (n, code): (i64, Option<String>) =
            st.query_row((p.day.to_string(), &p.number), |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        if n != 1 || code.as_deref() != Some(p.tracking.as_str()) {
            missing.push(format!("{} {} x{n}", p.day, p.number));
        }
    }
    // Not vacuous: tickets printed, some numbered offline, a kiosk killed mid-tap.
    let offline = printed.iter().filter(|p| p.offline).count();
    let cut = world.cut.lock().unwrap().clone();
    ch.check(
        "every printed number exists exactly once at the centre",
        missing.is_empty() && !printed.is_empty() && offline > 0 && !cut.is_empty(),
        format!(
            "{} printed, {offline} of them offline, {} tap(s) cut by a kiosk kill; {}",
            printed.len(),
            cut.len(),
            missing.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ),
    );

    // 1b. A ticket at the centre that no kiosk printed is a tap cut by a
    // kiosk kill (the citizen saw the kiosk die): stored online before the
    // answer came back, or numbered offline and written to the outbox before
    // the kill, then sent after the restart. Once each; anything else is a
    // ticket out of nowhere (or a retry that made a second one).
    let printed_codes: HashSet<&str> = printed.iter().map(|p| p.tracking.as_str()).collect();
    let mut st = db.prepare("SELECT tracking_code, idempotency_key FROM tickets").unwrap();
    let orphans: Vec<String> = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .filter(|(code, _)| !printed_codes.contains(code.as_str()))
        .map(|(_, key)| key)
        .collect();
    let cut_keys: HashSet<&str> = cut.iter().map(|c| c.key.as_str()).collect();
    let strays: Vec<&String> = orphans.iter().filter(|k| !cut_keys.contains(k.as_str())).collect();
    let mut fates = Vec::new();
    let mut st = db.prepare("SELECT number, offline FROM tickets WHERE idempotency_key = ?1").unwrap();
    for c in &cut {
        let at: Vec<(String, bool)> =
            st.query_map([&c.key], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        fates.push(match at.as_slice() {
            [] => format!("{} arrival {}: never reached the centre", world.kiosks[c.kiosk].id, c.arrival),
            [(n, false)] => format!(
                "{} arrival {}: stored online as {n}, answer lost",
                world.kiosks[c.kiosk].id, c.arrival
            ),
            [(n, true)] => format!(
                "{} arrival {}: numbered offline {n} before the kill, sent after the restart",
                world.kiosks[c.kiosk].id, c.arrival
            ),
            _ => format!("{} arrival {}: {} tickets", world.kiosks[c.kiosk].id, c.arrival, at.len()),
        });
    }
    ch.check(
        "every ticket at the centre was printed, or is a tap cut by a kiosk kill",
        strays.is_empty() && !cut.is_empty(),
        format!(
            "{} never printed, {} of them not a cut tap; {}",
            orphans.len(),
            strays.len(),
            fates.join("; ")
        ),
    );

    // 2. No number called twice (first calls in the event log, and what the counters got).
    let twice = count(
        db,
        "SELECT COUNT(*) FROM (SELECT json_extract(data, '$.number') n, date(at / 1000 + 25200, 'unixepoch') d FROM events \
         WHERE kind = 'ticket_called' AND json_extract(data, '$.calls') = 1 GROUP BY n, d HAVING COUNT(*) > 1)",
    );
    let calls = world.calls.lock().unwrap().clone();
    let distinct: HashSet<(chrono::NaiveDate, String)> = calls.iter().map(|c| (c.1, c.2.clone())).collect();
    ch.check(
        "no number called twice",
        twice == 0 && distinct.len() == calls.len() && !calls.is_empty(),
        format!(
            "{} calls; {twice} numbers first-called twice in the log; {} repeated to counters",
            calls.len(),
            calls.len() - distinct.len()
        ),
    );

    // 3. No two tickets share a number.
    let dupes =
        count(db, "SELECT COUNT(*) FROM (SELECT 1 FROM tickets GROUP BY day, number HAVING COUNT(*) > 1)");
    let tickets = count(db, "SELECT COUNT(*) FROM tickets");
    ch.check(
        "no two tickets share a number",
        dupes == 0 && tickets > 0,
        format!("{tickets} tickets checked, {dupes} numbers shared"),
    );

    // 4. Every call reached every display, in order, exactly once.
    let mut st = db.prepare("SELECT id FROM events WHERE kind = 'ticket_called' ORDER BY id").unwrap();
    let logged: Vec<u64> =
        st.query_map([], |r| r.get::<_, i64>(0)).unwrap().map(|r| r.unwrap() as u64).collect();
    let mut bad = Vec::new();
    for (d, log) in world.displays.iter().enumerate() {
        let log = log.lock().unwrap();
        let got: Vec<u64> = log.calls.iter().map(|c| c.0).collect();
        if got != logged || log.resyncs > 0 {
            bad.push(format!("display {d}: {} of {} (resyncs {})", got.len(), logged.len(), log.resyncs));
        }
    }
    // Not vacuous: the board that was off missed calls and got them after.
    let (missed, catch_up) = off_board_catch_up(world, extra);
    if missed == 0 || catch_up > CATCH_UP_MS {
        bad.push(format!("the board that was off missed {missed} calls, caught up in {catch_up} ms"));
    }
    ch.check(
        "every call reached every display in order exactly once",
        bad.is_empty() && !logged.is_empty(),
        format!(
            "{} calls x {} displays; {missed} calls made while a board was off reached it {catch_up} ms after it was back; {}",
            logged.len(),
            world.displays.len(),
            bad.join(", ")
        ),
    );

    // 5. Every rating exactly once.
    // A rating sent to a kiosk killed before it answered may be stored or
    // not (the citizen saw no thanks), but at most once.
    let keys = world.ratings.lock().unwrap().clone();
    let uncertain = world.ratings_uncertain.lock().unwrap().clone();
    let mut st = db.prepare("SELECT COUNT(*) FROM ratings WHERE idempotency_key = ?1").unwrap();
    let mut stored_of = |k: &String| st.query_row([k], |r| r.get::<_, i64>(0)).unwrap();
    let not_once = keys.iter().filter(|k| stored_of(k) != 1).count();
    let uncertain_counts: Vec<i64> = uncertain.iter().map(&mut stored_of).collect();
    let uncertain_stored: i64 = uncertain_counts.iter().sum();
    let stored = count(db, "SELECT COUNT(*) FROM ratings");
    ch.check(
        "every rating exactly once",
        not_once == 0
            && uncertain_counts.iter().all(|&n| n <= 1)
            && stored == keys.len() as i64 + uncertain_stored
            && !keys.is_empty(),
        format!(
            "{} given, {stored} stored, {} sent to a kiosk that died before answering ({uncertain_stored} of them stored); refused {:?}",
            keys.len(),
            uncertain.len(),
            world.ratings_refused.lock().unwrap()
        ),
    );

    // 6. Every outbox empty after the last fault healed.
    // Not vacuous: each partitioned kiosk numbered offline during its
    // partition; its outbox drained within 10 s of the heal.
    let mut full: Vec<String> =
        extra.outboxes_drained.iter().filter(|o| !o.1).map(|o| format!("{} not drained", o.0)).collect();
    let mut parts = Vec::new();
    for h in &extra.sync {
        let n = printed
            .iter()
            .filter(|p| p.kiosk == h.kiosk && p.offline && p.at >= h.from && p.at <= h.to)
            .count();
        parts.push(format!("{}: {n} offline, drained in {} ms", h.name, h.drain_ms));
        if n == 0 || !h.drained || h.drain_ms > CATCH_UP_MS {
            full.push(format!("{} ({n} offline, drained {} in {} ms)", h.name, h.drained, h.drain_ms));
        }
    }
    ch.check(
        "every outbox empty after the last fault healed",
        full.is_empty() && !extra.outboxes_drained.is_empty() && !extra.sync.is_empty(),
        format!("{} outboxes; {}; {}", extra.outboxes_drained.len(), parts.join(", "), full.join(", ")),
    );

    // 7. Waiting tickets expired cleanly at rollover.
    let day = the_day().to_string();
    let open = count(
        db,
        &format!("SELECT COUNT(*) FROM tickets WHERE day = '{day}' AND status IN ('waiting', 'called')"),
    );
    let pii = count(
        db,
        "SELECT COUNT(*) FROM tickets WHERE status IN ('served', 'no_show', 'expired') AND \
         (citizen_id_number IS NOT NULL OR citizen_full_name IS NOT NULL OR citizen_birth_date IS NOT NULL)",
    );
    // Not vacuous: tickets waited at midnight, some holding an identity.
    let (open_before, with_identity) = extra.open_before_midnight;
    ch.check(
        "waiting tickets expired cleanly at rollover",
        open == 0
            && open_before > 0
            && with_identity > 0
            && extra.queue_empty_after_midnight
            && extra.expired_at_rollover == Some(open_before as u32)
            && pii == 0,
        format!(
            "{open_before} open before midnight ({with_identity} with an identity), {} expired by the rollover, {open} still open, {pii} finished tickets with identity, queue empty after: {}",
            extra.expired_at_rollover.map_or("none (no rollover seen)".to_string(), |n| n.to_string()),
            extra.queue_empty_after_midnight
        ),
    );

    // 8. The centre never answered a non-idempotent request twice: each
    // ticket key made one ticket, each call-next key at most one call.
    let key_dupes = count(
        db,
        "SELECT COUNT(*) FROM (SELECT 1 FROM tickets GROUP BY idempotency_key HAVING COUNT(*) > 1)",
    );
    let first_calls = count(
        db,
        "SELECT COUNT(*) FROM events WHERE kind = 'ticket_called' AND json_extract(data, '$.calls') = 1",
    );
    ch.check(
        "the centre never acted twice on one request",
        key_dupes == 0 && first_calls == calls.len() as i64 && tickets > 0 && first_calls > 0,
        format!(
            "{tickets} ticket keys, {first_calls} first calls logged, {} call-next keys that called; counter errors {:?}",
            calls.len(),
            world.counter_errors.lock().unwrap()
        ),
    );
    figures(world, db, extra, &printed);
    ch
}

fn figures(world: &World, db: &Connection, extra: &Extra, printed: &[crate::actors::Printed]) {
    let day = the_day().to_string();
    println!(
        "BENCH day_tickets_centre {} tickets",
        count(db, &format!("SELECT COUNT(*) FROM tickets WHERE day = '{day}'"))
    );
    println!("BENCH day_tickets_printed {} tickets", printed.len());
    println!("BENCH day_offline_tickets {} tickets", printed.iter().filter(|p| p.offline).count());
    println!("BENCH day_kiosk_refusals {} taps", world.refused.lock().unwrap().values().sum::<u32>());
    println!("BENCH day_taps_cut_by_kiosk_kill {} taps", world.cut.lock().unwrap().len());
    let printed_codes: HashSet<&str> = printed.iter().map(|p| p.tracking.as_str()).collect();
    let mut st = db.prepare(&format!("SELECT tracking_code FROM tickets WHERE day = '{day}'")).unwrap();
    let orphans = st
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .filter(|c| !printed_codes.contains(c.as_ref().unwrap().as_str()))
        .count();
    println!("BENCH day_tickets_never_printed {orphans} tickets");
    println!(
        "BENCH day_served {} tickets",
        count(db, &format!("SELECT COUNT(*) FROM tickets WHERE day = '{day}' AND status = 'served'"))
    );
    println!("BENCH day_ratings {} ratings", world.ratings.lock().unwrap().len());
    println!("BENCH day_dossier_lookups_ok {} lookups", world.dossiers_ok.load(Ordering::Relaxed));
    println!("BENCH day_dossier_lookups_failed {} lookups", world.dossiers_failed.load(Ordering::Relaxed));
    // Waits (issue to first call), simulated minutes, per service.
    for (code, ..) in SERVICES {
        let mut st = db
            .prepare("SELECT (first_called_at - issued_at) / 60000.0 FROM tickets WHERE day = ?1 AND service = ?2 AND first_called_at IS NOT NULL")
            .unwrap();
        let mut w: Vec<f64> = st.query_map((&day, code), |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        w.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("BENCH day_wait_{code}_p50 {:.1} min", pct(&w, 0.5));
        println!("BENCH day_wait_{code}_p95 {:.1} min", pct(&w, 0.95));
    }
    // Display lag: emitted (sim instant → wall) to received, real ms; the
    // board that was off is counted from when it came back.
    let mut worst = 0i64;
    for (d, log) in world.displays.iter().enumerate() {
        for (_, got, at) in &log.lock().unwrap().calls {
            if !missed_while_off(world, extra, d, *at) {
                worst = worst.max(got - world.line.wall_of(*at));
            }
        }
    }
    let (_, catch_up) = off_board_catch_up(world, extra);
    println!("BENCH day_display_lag_worst {worst} ms");
    println!("BENCH day_display_catch_up_after_disconnect {catch_up} ms");
    for h in &extra.sync {
        println!("BENCH day_sync_after_{} {} ms", h.name, h.drain_ms);
    }
    let offline: u64 = world.kiosks.iter().map(|k| k.state.offline_ms.load(Ordering::Relaxed)).sum();
    println!("BENCH day_kiosk_time_offline {:.0} min", offline as f64 / 60_000.0);
    let refused: HashMap<String, u32> = world.refused.lock().unwrap().clone().into_iter().collect();
    println!("# kiosk refusals by code: {refused:?}");
}

/// Whether display `d` was off when the call emitted at `at` was made.
fn missed_while_off(world: &World, extra: &Extra, d: usize, at: DateTime<Utc>) -> bool {
    let wall = world.line.wall_of(at);
    matches!(extra.display_off, Some((off, from, to)) if off == d && wall >= from - 1000 && wall <= to)
}

/// The calls the board that was switched off missed, and how long after it
/// was back the last of them reached it (real ms).
fn off_board_catch_up(world: &World, extra: &Extra) -> (usize, i64) {
    let Some((d, _, to)) = extra.display_off else { return (0, 0) };
    let log = world.displays[d].lock().unwrap();
    let missed: Vec<i64> =
        log.calls.iter().filter(|c| missed_while_off(world, extra, d, c.2)).map(|c| c.1 - to).collect();
    (missed.len(), missed.into_iter().max().unwrap_or(0).max(0))
}
