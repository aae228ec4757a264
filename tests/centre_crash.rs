//! kill -9 of a centre process in the middle of a burst of tickets.
//!
//! The test binary re-executes itself rather than running `motcua-kiosk centre`:
//! `crash_child_entry` (run when `MOTCUA_CRASH_CHILD` is set) serves a centre on
//! exactly the given database file and port with the tests' config and prints
//! the address it bound (port 0 picks a free one, which the restart reuses);
//! the test kills that process with SIGKILL.

mod common;

use common::TOKEN;
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::{serve_centre, ApiClient, Centre, ServerOptions, TicketRequest};
use motcua_kiosk::domain::clock;
use motcua_kiosk::store::Store;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CHILD_ENV: &str = "MOTCUA_CRASH_CHILD";

/// The centre process of the crash test (run only as a child; see the module comment).
#[test]
#[ignore = "helper: the crash test runs it in a child process"]
fn crash_child_entry() {
    let spec = std::env::var(CHILD_ENV).expect("run by kill_9_during_a_burst_loses_no_acknowledged_ticket");
    let (db, port) = spec.split_once('\t').expect("db<TAB>port");
    let db = Path::new(db).to_path_buf();
    let port: u16 = port.parse().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let mut cfg = common::config(db.parent().unwrap());
        common::unlimited(&mut cfg); // eight kiosks as fast as they can: far beyond a hall's pace
        let centre = Centre::open_at(&db, &cfg, clock::system()).unwrap();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        println!("LISTENING {}", listener.local_addr().unwrap());
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        serve_centre(centre, ServerOptions::from_config(&cfg), listener, std::future::pending())
            .await
            .unwrap();
    });
}

struct ChildCentre {
    child: Child,
    url: String,
    port: u16,
}

/// Starts a centre process on `db` and waits (at most 30 s) until it listens.
fn spawn_centre(db: &Path, port: u16) -> ChildCentre {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child_entry", "--exact", "--ignored", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, format!("{}\t{port}", db.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the test binary re-executes itself");
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads the child's stdout to the end so the pipe never fills.
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            // libtest prints "test crash_child_entry ... " on the same line first.
            if let Some((_, addr)) = line.trim().split_once("LISTENING ") {
                let _ = tx.send(addr.parse::<std::net::SocketAddr>().unwrap());
            }
        }
    });
    let mut centre = ChildCentre { child, url: String::new(), port: 0 };
    let addr = rx.recv_timeout(Duration::from_secs(30)).expect("the centre child listens within 30 s");
    centre.url = format!("http://{addr}");
    centre.port = addr.port();
    centre
}

impl ChildCentre {
    /// SIGKILL (std's kill() on Unix): no shutdown code runs.
    fn kill_9(self) {
        drop(self);
    }
}

impl Drop for ChildCentre {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_ticket() {
    // What must hold: while 8 kiosks issue tickets as fast as they can, the
    // centre process is killed with SIGKILL. After it restarts on the same
    // database: every ticket the centre acknowledged is there with the same
    // number; replaying its key returns it without creating another; no number
    // exists twice; and a kiosk link that kept issuing through the crash (with
    // offline numbers) finds each of its tickets at the centre exactly once.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("centre.sqlite3");
    let centre = spawn_centre(&db, 0);
    let port = centre.port;
    let client =
        ApiClient::new(&centre.url, TOKEN, Duration::from_millis(300), Duration::from_secs(3)).unwrap();

    let acked: Arc<Mutex<Vec<(IssueTicketRequest, IssuedTicket)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for k in 0..8 {
        let (client, acked) = (client.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let services = ["HT", "CT", "CU", "DD"];
            // Until the centre dies under us.
            for i in 0.. {
                let req = IssueTicketRequest {
                    kiosk_id: format!("kiosk-{k}"),
                    ..common::ticket_request(services[(i + k) % services.len()], format!("kiosk{k}-{i}"))
                };
                match client.issue_ticket(&req).await {
                    Ok(t) => acked.lock().unwrap().push((req, t)),
                    Err(e) => {
                        assert!(e.is_connectivity(), "only connection failures expected: {e:?}");
                        break;
                    }
                }
            }
        }));
    }
    // A kiosk link issuing through the crash.
    let kcfg = common::kiosk_config(&common::config(dir.path()), &centre.url, "kiosk-link");
    let link = common::remote_link(&kcfg, &dir.path().join("kiosk.sqlite3"), clock::system());
    link.services().await.unwrap();
    let link_task = {
        let link = link.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            let mut offline = 0;
            while offline < 20 {
                let t = link
                    .issue_ticket(&TicketRequest::new("HT"))
                    .await
                    .expect("the link always hands out a ticket");
                if t.offline {
                    offline += 1;
                }
                got.push(t);
            }
            got
        })
    };

    tokio::time::timeout(Duration::from_secs(60), async {
        while acked.lock().unwrap().len() < 300 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the burst is under way");
    tokio::task::spawn_blocking(move || centre.kill_9()).await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let link_tickets = link_task.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300);
    assert!(link_tickets.iter().any(|t| !t.offline) && link_tickets.iter().any(|t| t.offline));

    let centre = spawn_centre(&db, port);
    let client =
        ApiClient::new(&centre.url, TOKEN, Duration::from_millis(300), Duration::from_secs(5)).unwrap();
    for (req, t) in &acked {
        let v = client.ticket(&t.tracking_code).await.unwrap_or_else(|e| panic!("{} lost: {e}", t.number));
        assert_eq!(v.number, t.number);
        let (again, created) = client.issue_ticket_created(req).await.unwrap();
        assert!(!created, "{} duplicated by a replay", t.number);
        assert_eq!(again.number, t.number);
    }
    assert!(link.wait_synced(Duration::from_secs(20)).await, "link outbox drained: {:?}", link.status());
    for t in &link_tickets {
        let v = client
            .ticket(&t.tracking_code)
            .await
            .unwrap_or_else(|e| panic!("link ticket {} lost: {e}", t.number));
        assert_eq!(v.number, t.number);
    }
    tokio::task::spawn_blocking(move || centre.kill_9()).await.unwrap();

    let store = Store::open(&db).unwrap();
    let dupes: i64 = store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM (SELECT 1 FROM tickets GROUP BY day, service, number HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dupes, 0, "a number exists twice");
    let from_link: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM tickets WHERE kiosk_id = 'kiosk-link'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(from_link as usize, link_tickets.len(), "each link ticket exactly once");
}
