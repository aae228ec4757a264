//! Queue behaviour over the real HTTP API and SQLite: concurrent counters,
//! fairness, day rollover at local midnight, event resume, recalls, forecasts.

mod common;

use chrono::Duration as ChronoDuration;
use common::TestCentre;
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::{ApiClient, Centre};
use motcua_kiosk::domain::clock::{self, MockClock};
use motcua_kiosk::store::queue as q;
use motcua_kiosk::store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

fn req(service: &str, key: &str, priority: Option<PriorityGroup>) -> IssueTicketRequest {
    IssueTicketRequest { priority, ..common::ticket_request(service, key) }
}

async fn issue(c: &ApiClient, service: &str, key: &str, priority: Option<PriorityGroup>) -> IssuedTicket {
    c.issue_ticket(&req(service, key, priority)).await.unwrap()
}

async fn call(c: &ApiClient, counter: u32) -> CounterActionResponse {
    c.counter_action(counter, &CounterCommand::CallNext).await.unwrap()
}

fn called_number(r: &CounterActionResponse) -> String {
    assert_eq!(r.outcome, CounterOutcome::Called, "{}", r.message_vi);
    r.ticket.as_ref().unwrap().number.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_calling_at_once_never_get_the_same_ticket() {
    // What must hold: counters 1-4, all serving HT, call at the same instant
    // over HTTP, round after round; no two get the same ticket, no ticket is
    // called twice, no call comes back empty while tickets wait, and in the
    // store every ticket was called exactly once, by a counter.
    //
    // Why 40 rounds and not 1,000: the guarantee comes from the single writer
    // (each call runs in turn inside a transaction), not from fsync, so the
    // rounds only need real concurrency, not numbers. Every round costs a few
    // fsyncs (the production store, synchronous=FULL, is kept on purpose),
    // and four counters calling together put several calls in one group-commit
    // batch, the one place where two calls could see the same "next" ticket.
    // The test below forces that case deterministically.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    common::unlimited(&mut cfg); // one device issues far beyond a kiosk's pace here
    cfg.queue.services.truncate(1); // HT alone
    cfg.queue.services[0].counters = vec![1, 2, 3, 4];
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let client = c.client();
    let mut seen = HashSet::new();
    for round in 0..40 {
        let keys: Vec<String> = (0..4).map(|k| format!("r{round}-{k}")).collect();
        futures_util::future::join_all(keys.iter().map(|key| issue(&client, "HT", key, None))).await;
        let calls = futures_util::future::join_all((1..=4).map(|n| call(&client, n))).await;
        let numbers: Vec<String> = calls.iter().map(called_number).collect();
        for n in &numbers {
            assert!(seen.insert(n.clone()), "round {round}: {n} called twice: {numbers:?}");
        }
    }
    assert_eq!(seen.len(), 160);
    c.centre.verify_waiting_counts().await.unwrap();
    let today = motcua_kiosk::domain::localtime::service_day(chrono::Utc::now());
    c.stop().await;
    let store = Store::open(dir.path().join("c.sqlite3")).unwrap();
    let rows = q::tickets_of_day(store.conn(), today).unwrap();
    assert_eq!(rows.len(), 160);
    assert!(rows.iter().all(|t| t.calls == 1 && t.counter.is_some()), "each ticket called exactly once");
}

/// A clock that can hold the centre's writer: the writer reads the time once
/// at the start of every batch, so while the gate is closed it stops there,
/// and the jobs sent meanwhile all wait in its queue for the next batch.
#[derive(Clone, Default)]
struct GateClock(Arc<(Mutex<Gate>, Condvar)>);

#[derive(Default)]
struct Gate {
    closed: bool,
    /// The writer is held at the gate.
    holding: bool,
}

impl GateClock {
    fn close(&self) {
        self.0 .0.lock().unwrap().closed = true;
    }

    fn open(&self) {
        self.0 .0.lock().unwrap().closed = false;
        self.0 .1.notify_all();
    }

    /// Waits (at most 10 s) until the writer is held at the gate.
    fn wait_holding(&self) {
        let (m, cv) = &*self.0;
        let g = cv.wait_timeout_while(m.lock().unwrap(), Duration::from_secs(10), |g| !g.holding).unwrap().0;
        assert!(g.holding, "the writer never reached the gate (it no longer reads the clock per batch?)");
    }
}

impl clock::Clock for GateClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let (m, cv) = &*self.0;
        let mut g = m.lock().unwrap();
        while g.closed {
            g.holding = true;
            cv.notify_all();
            g = cv.wait(g).unwrap();
        }
        g.holding = false;
        chrono::Utc::now()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_committed_in_one_batch_never_get_the_same_ticket() {
    // What must hold: eight calls from counters 1-8 (all serving HT) that the
    // writer runs in ONE group-commit batch, one after another in the same
    // transaction, each get a different ticket, and every ticket is called once.
    // The batch is made deterministic: the writer is held at the gate with a
    // no-op job, the eight calls are queued, then the gate opens; the writer's
    // counters show exactly two batches (the no-op, then the eight calls).
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.services.truncate(1);
    cfg.queue.services[0].counters = (1..=8).collect();
    let gate = GateClock::default();
    let centre = Centre::open_at(dir.path().join("c.sqlite3"), &cfg, Arc::new(gate.clone())).unwrap();
    let mut seen = HashSet::new();
    for round in 0..20 {
        futures_util::future::join_all(
            (0..8).map(|k| centre.issue(req("HT", &format!("r{round}-{k}"), None))),
        )
        .await
        .into_iter()
        .for_each(|r| assert!(r.unwrap().created));
        let (batches, jobs) = centre.writer_stats();
        gate.close();
        let blocker = tokio::spawn({
            let centre = centre.clone();
            async move { centre.tick().await }
        });
        tokio::task::block_in_place(|| gate.wait_holding());
        let mut calls = Box::pin(futures_util::future::join_all((1..=8).map(|n| centre.call_next(n))));
        // One poll sends all eight jobs to the writer's queue.
        assert!(futures_util::FutureExt::now_or_never(calls.as_mut()).is_none());
        gate.open();
        let calls = tokio::time::timeout(Duration::from_secs(10), calls).await.expect("the batch commits");
        blocker.await.unwrap().unwrap();
        assert_eq!(
            centre.writer_stats(),
            (batches + 2, jobs + 9),
            "round {round}: the calls shared one batch"
        );
        for (counter, r) in (1..=8).zip(calls) {
            let r = r.unwrap();
            let number = called_number(&r);
            assert!(seen.insert(number.clone()), "round {round}: counter {counter} got {number} again");
        }
    }
    assert_eq!(seen.len(), 160);
    centre.verify_waiting_counts().await.unwrap();
    common::close(centre).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priority_goes_first_but_never_more_than_the_streak_in_a_row() {
    // What must hold (priority_streak = 2): with both queues waiting, calls go
    // P P N P P N ..., each class in issue order; when one class is empty the
    // other is called without waiting.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.priority_streak = 2;
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let client = c.client();
    let p = Some(PriorityGroup::Pregnant);
    // Issue order: P N P P N P P P N N.
    let kinds = [p, None, p, p, None, p, p, p, None, None];
    for (i, k) in kinds.iter().enumerate() {
        let t = issue(&client, "HT", &format!("t{i}"), *k).await;
        assert_eq!(t.number, format!("A-{:03}", i + 1));
    }
    let mut order = Vec::new();
    for _ in 0..10 {
        order.push(called_number(&call(&client, 1).await));
    }
    assert_eq!(
        order,
        ["A-001", "A-003", "A-002", "A-004", "A-006", "A-005", "A-007", "A-008", "A-009", "A-010"]
    );
    assert_eq!(call(&client, 1).await.outcome, CounterOutcome::QueueEmpty);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_class_starves_under_a_steady_stream_of_the_other() {
    // What must hold: (a) normal tickets keep being called while a new priority
    // ticket arrives before every call; (b) a priority ticket arriving behind a
    // long normal queue is called next.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.priority_streak = 2;
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let client = c.client();
    let mut normals = HashSet::new();
    for i in 0..5 {
        normals.insert(issue(&client, "HT", &format!("n{i}"), None).await.number);
    }
    let mut since_normal = 0;
    for i in 0..15 {
        issue(&client, "HT", &format!("p{i}"), Some(PriorityGroup::Elderly)).await;
        let n = called_number(&call(&client, 1).await);
        if normals.remove(&n) {
            since_normal = 0;
        } else {
            since_normal += 1;
            assert!(since_normal <= 2 || normals.is_empty(), "normal tickets starved at call {i}");
        }
    }
    assert!(normals.is_empty(), "all normal tickets were called: left {normals:?}");

    // (b) on counter 3 (service CT).
    for i in 0..20 {
        issue(&client, "CT", &format!("ct{i}"), None).await;
    }
    called_number(&call(&client, 3).await);
    let late = issue(&client, "CT", "late-priority", Some(PriorityGroup::Disabled)).await;
    assert_eq!(late.people_ahead, 0, "the forecast says it is next");
    assert_eq!(called_number(&call(&client, 3).await), late.number);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_calls_only_its_services_oldest_first() {
    // What must hold: a counter never calls a ticket of a service it does not
    // serve; a counter serving two services calls the oldest ticket of both.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.services[0].counters = vec![1, 10]; // HT
    cfg.queue.services[1].counters = vec![3, 10]; // CT
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let client = c.client();
    issue(&client, "HT", "h1", None).await;
    assert_eq!(call(&client, 3).await.outcome, CounterOutcome::QueueEmpty, "counter 3 serves CT only");
    issue(&client, "CT", "c1", None).await;
    issue(&client, "HT", "h2", None).await;
    assert_eq!(called_number(&call(&client, 10).await), "A-001");
    assert_eq!(called_number(&call(&client, 10).await), "B-001");
    assert_eq!(called_number(&call(&client, 10).await), "A-002");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_reset_at_local_midnight_and_yesterday_is_kept() {
    // What must hold: across a mocked local midnight (UTC+7) numbers restart at
    // 001 per service; yesterday's rows stay (waiting/called ones expired, their
    // personal data purged); counters start idle; displays receive
    // `day_rollover` both when the first write of the day triggers it and from
    // the midnight tick with nobody around.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let clock = MockClock::new(common::local(2026, 3, 2, 23, 59, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let client = c.client();
    let mut with_id = req("HT", "y1", None);
    with_id.citizen = Some(CitizenInfo {
        id_number: "048095000123".into(),
        full_name: "Nguyễn Văn An".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1995, 3, 15).unwrap(),
    });
    let y1 = client.issue_ticket(&with_id).await.unwrap();
    let y2 = issue(&client, "HT", "y2", None).await;
    let y3 = issue(&client, "HT", "y3", None).await;
    let served = called_number(&call(&client, 1).await);
    assert_eq!(served, "A-001");
    let called = called_number(&call(&client, 1).await); // completes A-001, calls A-002
    assert_eq!((y1.number.as_str(), called.as_str(), y3.number.as_str()), ("A-001", "A-002", "A-003"));
    let state = client.state().await.unwrap();
    let mut events = client.events(Some(state.last_event_id)).await.unwrap();

    clock.set(common::local(2026, 3, 3, 0, 0, 30));
    let t = issue(&client, "HT", "today-1", None).await;
    assert_eq!((t.number.as_str(), t.service_day.to_string().as_str()), ("A-001", "2026-03-03"));
    assert_eq!(t.people_ahead, 0, "yesterday's queue does not count");
    let first = next_event(&mut events).await;
    match &first.body {
        EventBody::DayRollover(d) => {
            assert_eq!(d.day.to_string(), "2026-03-03");
            assert_eq!(d.previous_day.map(|d| d.to_string()).as_deref(), Some("2026-03-02"));
            assert_eq!(d.expired, 2, "A-002 at the counter and A-003 waiting");
        }
        other => panic!("expected day_rollover first, got {other:?}"),
    }
    assert!(matches!(next_event(&mut events).await.body, EventBody::TicketIssued(_)));
    for (t, expect) in
        [(&y1, TicketStatus::Served), (&y2, TicketStatus::Expired), (&y3, TicketStatus::Expired)]
    {
        let v = client.ticket(&t.tracking_code).await.unwrap();
        assert_eq!(v.status, expect, "{}", t.number);
        assert_eq!(v.position, None);
    }
    let counters = client.counters().await.unwrap();
    assert!(counters.counters.iter().all(|c| c.state == CounterState::Idle && c.current.is_none()));
    let ht = client.services().await.unwrap().services.into_iter().find(|s| s.code == "HT").unwrap();
    assert_eq!((ht.issued_today, ht.waiting), (1, 1));

    // The next midnight passes with nobody taking a ticket: the tick announces it.
    clock.set(common::local(2026, 3, 4, 0, 0, 1));
    c.centre.tick().await.unwrap();
    match &next_event(&mut events).await.body {
        EventBody::DayRollover(d) => {
            assert_eq!((d.day.to_string(), d.expired), ("2026-03-04".to_string(), 1))
        }
        other => panic!("expected day_rollover, got {other:?}"),
    }
    c.stop().await;

    let store = Store::open(dir.path().join("c.sqlite3")).unwrap();
    let yesterday =
        q::tickets_of_day(store.conn(), chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()).unwrap();
    assert_eq!(yesterday.iter().map(|t| t.number.as_str()).collect::<Vec<_>>(), ["A-001", "A-002", "A-003"]);
    assert!(yesterday.iter().all(|t| t.citizen.is_none()), "personal data purged at rollover");
}

async fn next_event(s: &mut motcua_kiosk::centre::EventStream) -> Arc<CentreEvent> {
    match tokio::time::timeout(Duration::from_secs(5), s.next())
        .await
        .expect("an event arrives")
        .unwrap()
        .unwrap()
    {
        FeedItem::Event(e) => e,
        FeedItem::Resync(r) => panic!("unexpected resync {r:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_resume_with_last_event_id_misses_nothing() {
    // What must hold: a display that disconnects and reconnects with
    // Last-Event-ID receives exactly the events it missed, in id order, then
    // live ones: the ids it sees are 1..=n without a gap or a duplicate, and
    // they equal the centre's event log.
    let dir = tempfile::tempdir().unwrap();
    let c = TestCentre::start(&common::config(dir.path()), &dir.path().join("c.sqlite3"), clock::system(), 0)
        .await;
    let client = c.client();
    let display = c.display_client();
    let state = display.state().await.unwrap();
    assert_eq!(state.last_event_id, 0);
    let mut seen: Vec<u64> = Vec::new();
    let mut stream = display.events(Some(state.last_event_id)).await.unwrap();
    for i in 0..10 {
        issue(&client, "HT", &format!("a{i}"), None).await;
    }
    while seen.len() < 5 {
        seen.push(next_event(&mut stream).await.id);
    }
    drop(stream); // the display loses its connection here
    for i in 0..40 {
        issue(&client, "CT", &format!("b{i}"), None).await;
    }
    for _ in 0..10 {
        call(&client, 1).await;
    }
    let mut stream = display.events(seen.last().copied()).await.unwrap();
    let last = client.state().await.unwrap().last_event_id;
    // Live events after the replay still arrive on the same stream.
    let live = issue(&client, "HT", "live", None).await;
    while seen.last().copied() != Some(last + 1) {
        seen.push(next_event(&mut stream).await.id);
    }
    assert_eq!(seen, (1..=last + 1).collect::<Vec<_>>());
    let log: Vec<u64> = c.centre.events_after(0, 10_000).await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(seen, log);
    assert_eq!(live.number, "A-011");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_subscriber_catches_up_from_the_log() {
    // What must hold: an in-process subscriber that does not read while about
    // 3,000 events happen (more than the live buffer, three replay pages)
    // still gets every event once, in order.
    //
    // The writes are sent many at a time so that they share group commits: the
    // property is about the number of events, and 2,000 writes one fsync each
    // took seconds.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.services.truncate(1); // HT alone, at ten counters
    cfg.queue.services[0].counters = (1..=10).collect();
    let centre = Centre::open_at(dir.path().join("c.sqlite3"), &cfg, clock::system()).unwrap();
    let feed = centre.feed(Some(0));
    futures_util::pin_mut!(feed);
    for chunk in 0..15 {
        let issued = futures_util::future::join_all(
            (0..100).map(|i| centre.issue(req("HT", &format!("k{chunk}-{i}"), None))),
        )
        .await;
        assert!(issued.into_iter().all(|r| r.is_ok()));
        for _ in 0..5 {
            // Each call after a counter's first also completes its ticket: two events.
            for r in futures_util::future::join_all((1..=10).map(|n| centre.call_next(n))).await {
                assert_eq!(r.unwrap().outcome, CounterOutcome::Called);
            }
        }
    }
    let (_, last) = centre.event_range().await.unwrap();
    assert!(last > 2000, "{last} events");
    let mut ids = Vec::new();
    use futures_util::StreamExt;
    while ids.len() < last as usize {
        match tokio::time::timeout(Duration::from_secs(5), feed.next()).await.unwrap().unwrap() {
            FeedItem::Event(e) => ids.push(e.id),
            FeedItem::Resync(_) => panic!("no resync expected"),
        }
    }
    assert_eq!(ids, (1..=last).collect::<Vec<_>>());
    common::close(centre).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_point_older_than_the_log_gets_a_resync() {
    // What must hold: when the events after the client's id were pruned (or the
    // id is from another database) the stream says `resync` instead of
    // silently skipping, then continues live.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let clock = MockClock::new(common::local(2026, 3, 2, 9, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let client = c.client();
    issue(&client, "HT", "a", None).await;
    issue(&client, "HT", "b", None).await;
    // Ten days later the rollover prunes everything older than a week.
    clock.advance(ChronoDuration::days(10));
    c.centre.tick().await.unwrap();
    let (min, last) = c.centre.event_range().await.unwrap();
    assert_eq!((min, last), (Some(3), 3), "only the rollover event is left");
    let mut s = client.events(Some(1)).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(5), s.next()).await.unwrap().unwrap().unwrap() {
        FeedItem::Resync(r) => assert_eq!(r.last_event_id, 3),
        other => panic!("expected resync, got {other:?}"),
    }
    let mut s = client.events(Some(999)).await.unwrap();
    match tokio::time::timeout(Duration::from_secs(5), s.next()).await.unwrap().unwrap().unwrap() {
        FeedItem::Resync(r) => assert_eq!(r.last_event_id, 3, "an id from another database"),
        other => panic!("expected resync, got {other:?}"),
    }
    issue(&client, "HT", "c", None).await;
    assert_eq!(next_event(&mut s).await.id, 4, "then live events");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recalling_past_the_limit_marks_a_no_show() {
    // What must hold (max_recalls = 3): call + 2 recalls announce the ticket 3
    // times; the next recall marks it no-show and frees the counter.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.max_recalls = 3;
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let client = c.client();
    let t = issue(&client, "CU", "x", None).await;
    called_number(&call(&client, 5).await);
    for n in 2..=3 {
        let r = client.counter_action(5, &CounterCommand::Recall).await.unwrap();
        assert_eq!((r.outcome, r.ticket.unwrap().calls), (CounterOutcome::Recalled, n));
    }
    let r = client.counter_action(5, &CounterCommand::Recall).await.unwrap();
    assert_eq!(r.outcome, CounterOutcome::NoShow);
    assert_eq!(r.message_vi, "Quầy 5: số C-001 vắng mặt");
    assert_eq!(r.counter.state, CounterState::Idle);
    assert_eq!(client.ticket(&t.tracking_code).await.unwrap().status, TicketStatus::NoShow);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wait_forecast_follows_recent_service_times_and_open_counters() {
    // What must hold: estimated wait = moving average of recent service times x
    // people ahead / open counters (rounded up to minutes).
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let clock = MockClock::new(common::local(2026, 3, 2, 8, 0, 0));
    let c = TestCentre::start(&cfg, &dir.path().join("c.sqlite3"), Arc::new(clock.clone()), 0).await;
    let client = c.client();
    // Two HT tickets served in 10 and 6 minutes at counter 1: average 8 min.
    for (i, minutes) in [10, 6].iter().enumerate() {
        issue(&client, "HT", &format!("s{i}"), None).await;
        called_number(&call(&client, 1).await);
        clock.advance(ChronoDuration::minutes(*minutes));
        client.counter_action(1, &CounterCommand::Complete).await.unwrap();
    }
    for i in 0..3 {
        issue(&client, "HT", &format!("w{i}"), None).await;
    }
    // HT has counters 1 and 2 open: 3 ahead x 8 min / 2 = 12 min.
    let t = issue(&client, "HT", "me", None).await;
    assert_eq!((t.people_ahead, t.estimated_wait_minutes), (3, 12));
    client.counter_action(2, &CounterCommand::Pause { reason: "Họp".into() }).await.unwrap();
    let v = client.ticket(&t.tracking_code).await.unwrap();
    assert_eq!((v.people_ahead, v.estimated_wait_minutes), (Some(3), Some(24)), "one counter open");
    let ht = client.services().await.unwrap().services.into_iter().find(|s| s.code == "HT").unwrap();
    assert_eq!((ht.waiting, ht.estimated_wait_minutes), (4, 32));
    c.stop().await;
}
