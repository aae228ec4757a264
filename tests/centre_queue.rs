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
use std::sync::Arc;
use std::time::Duration;

fn req(service: &str, key: &str, priority: Option<PriorityGroup>) -> IssueTicketRequest {
    IssueTicketRequest {
        service: service.into(),
        priority,
        citizen: None,
        idempotency_key: key.into(),
        kiosk_id: "kiosk-01".into(),
        issued_at: None,
        offline_number: None,
        tracking_code: None,
    }
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
async fn two_counters_calling_at_once_never_get_the_same_ticket() {
    // What must hold: for 1,000 rounds, counters 1 and 2 (both serving HT) call
    // at the same instant over HTTP; they never receive the same ticket, no
    // ticket is called twice, and no call comes back empty while tickets wait.
    let dir = tempfile::tempdir().unwrap();
    let c = TestCentre::start(&common::config(dir.path()), &dir.path().join("c.sqlite3"), clock::system(), 0)
        .await;
    let client = c.client();
    let mut seen = HashSet::new();
    for round in 0..1000 {
        issue(&client, "HT", &format!("r{round}-a"), None).await;
        issue(&client, "HT", &format!("r{round}-b"), None).await;
        let (a, b) = tokio::join!(call(&client, 1), call(&client, 2));
        let (na, nb) = (called_number(&a), called_number(&b));
        assert_ne!(na, nb, "round {round}: both counters got {na}");
        assert!(seen.insert(na.clone()), "round {round}: {na} called twice");
        assert!(seen.insert(nb.clone()), "round {round}: {nb} called twice");
    }
    assert_eq!(seen.len(), 2000);
    c.centre.verify_waiting_counts().await.unwrap();
    let today = motcua_kiosk::domain::localtime::service_day(chrono::Utc::now());
    c.stop().await;
    let store = Store::open(dir.path().join("c.sqlite3")).unwrap();
    let rows = q::tickets_of_day(store.conn(), today).unwrap();
    assert_eq!(rows.len(), 2000);
    assert!(rows.iter().all(|t| t.calls == 1 && t.counter.is_some()), "each ticket called exactly once");
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
    // What must hold: an in-process subscriber that does not read while 3,000
    // events happen (more than the live buffer) still gets every event once, in order.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let centre = Centre::open_at(dir.path().join("c.sqlite3"), &cfg, clock::system()).unwrap();
    let feed = centre.feed(Some(0));
    futures_util::pin_mut!(feed);
    for i in 0..1500 {
        centre.issue(req("HT", &format!("k{i}"), None)).await.unwrap();
        if i % 2 == 0 {
            centre.call_next(1).await.unwrap();
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
    tokio::task::spawn_blocking(move || drop(centre)).await.unwrap();
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
