//! TLS between the centre and its devices, end to end on loopback: a local CA
//! made by `centre tls init`'s code, a centre serving HTTPS, devices trusting
//! it by pin or CA file, and the ways a device must refuse.

mod common;

use common::{ticket_request, TestCentre, DISPLAY_TOKEN, TOKEN};
use motcua_kiosk::centre::api::FeedItem;
use motcua_kiosk::centre::tls::init::{init, InitOptions, InitOutcome, CA_CERT, SERVER_CERT, SERVER_KEY};
use motcua_kiosk::centre::tls::{self, ClientTrust};
use motcua_kiosk::centre::{ApiClient, Centre, ServerOptions};
use motcua_kiosk::config::{Config, TlsConfig};
use motcua_kiosk::domain::clock;
use std::path::Path;
use std::time::Duration;

fn certs(dir: &Path) -> InitOutcome {
    init(&InitOptions { dir: dir.to_path_buf(), names: vec!["centre.local".into()], ips: vec![], days: 30 })
        .expect("tls init")
}

/// A free loopback port (the tracking URL must name it before the centre starts).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A centre serving HTTPS with the certificate chain and key in `tls_dir`.
async fn https_centre(cfg: &Config, db: &Path, chain: &Path, key: &Path, port: u16) -> TestCentre {
    let centre = Centre::open_at(db, cfg, clock::system()).expect("centre opens");
    let mut opts = ServerOptions::from_config(cfg);
    opts.tls = Some(tls::server_config(chain, key).expect("certificate loads"));
    TestCentre::serve_opts(centre, opts, port).await
}

fn trust(tls: TlsConfig) -> ClientTrust {
    ClientTrust::from_config(&tls).expect("trust")
}

fn pin(p: &str) -> ClientTrust {
    trust(TlsConfig { pin: p.into(), ..TlsConfig::default() })
}

fn client(url: &str, token: &str, t: &ClientTrust) -> ApiClient {
    ApiClient::with_trust(url, token, Duration::from_millis(800), Duration::from_secs(5), t).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_end_to_end_with_a_pinned_certificate_and_a_wrong_pin_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let made = certs(&tls_dir);
    let port = free_port();
    let mut cfg = common::config(dir.path());
    cfg.centre.tracking_base_url = format!("https://127.0.0.1:{port}/t/");
    let c = https_centre(
        &cfg,
        &dir.path().join("centre.sqlite3"),
        &tls_dir.join(SERVER_CERT),
        &tls_dir.join(SERVER_KEY),
        port,
    )
    .await;
    assert!(c.url.starts_with("https://"));

    // Pinned to the CA (what `tls init` prints) or to the server's own certificate.
    let kiosk = client(&c.url, TOKEN, &pin(&made.ca_pin));
    assert_eq!(kiosk.health().await.unwrap().status, "ok");
    assert!(client(&c.url, TOKEN, &pin(&made.server_pin)).health().await.is_ok());
    // A display follows the event feed over TLS.
    let mut events = client(&c.url, DISPLAY_TOKEN, &pin(&made.ca_pin)).events(None).await.unwrap();
    let ticket = kiosk.issue_ticket(&ticket_request("HT", "tls-1")).await.unwrap();
    let item = events.next_within(Duration::from_secs(5)).await;
    assert!(matches!(item, Some(Ok(FeedItem::Event(_)))), "{item:?}");
    // Trusting the CA file works too, and so does a kiosk config with the pin.
    let ca_file =
        trust(TlsConfig { ca: tls_dir.join(CA_CERT).display().to_string(), ..TlsConfig::default() });
    assert!(client(&c.url, TOKEN, &ca_file).health().await.is_ok());
    let mut kcfg = common::kiosk_config(&cfg, &c.url, "kiosk-01");
    kcfg.tls.pin = made.ca_pin.clone();
    assert!(ApiClient::from_config(&kcfg).unwrap().services().await.is_ok());

    // Refused: a wrong pin, no trust at all (public roots), plain HTTP to the TLS port.
    let wrong = tls::format_pin(&tls::fingerprint(b"another certificate"));
    let err = client(&c.url, TOKEN, &pin(&wrong)).health().await.unwrap_err();
    assert!(err.to_string().contains("pinned fingerprint"), "{err}");
    assert!(client(&c.url, TOKEN, &ClientTrust::default()).health().await.is_err());
    let plain = c.url.replace("https://", "http://");
    assert!(ApiClient::new(&plain, TOKEN, Duration::from_millis(500), Duration::from_secs(2))
        .unwrap()
        .health()
        .await
        .is_err());

    // The ticket's QR points at the phone page over HTTPS, and it works there,
    // with its style sheet (a phone trusting the CA).
    assert!(
        ticket.tracking_url.starts_with(&format!("https://127.0.0.1:{port}/t/")),
        "{}",
        ticket.tracking_url
    );
    let ca_pem = std::fs::read(tls_dir.join(CA_CERT)).unwrap();
    let phone = reqwest::Client::builder()
        .no_proxy()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
        .build()
        .unwrap();
    let page = phone.get(&ticket.tracking_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("content-security-policy").is_some());
    assert!(page.text().await.unwrap().contains(&ticket.number));
    let css = phone.get(format!("{}/static/ticket.css", c.url)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_carrying_the_pinned_ca_but_not_signed_by_it_is_refused() {
    // The CA's certificate is public: an impostor can put it in its chain. The
    // pin holds only when that CA really signed the server's certificate.
    let dir = tempfile::tempdir().unwrap();
    let real = certs(&dir.path().join("real"));
    let impostor_dir = dir.path().join("impostor");
    let impostor = certs(&impostor_dir);
    let leaf = tls::read_certs(&impostor_dir.join(SERVER_CERT)).unwrap().remove(0);
    let real_ca = std::fs::read_to_string(dir.path().join("real").join(CA_CERT)).unwrap();
    let leaf_pem = std::fs::read_to_string(impostor_dir.join(SERVER_CERT)).unwrap();
    let leaf_only = &leaf_pem[..leaf_pem.find("-----END CERTIFICATE-----").unwrap() + 25];
    let forged = dir.path().join("forged.pem");
    std::fs::write(&forged, format!("{leaf_only}\n{real_ca}")).unwrap();
    assert_eq!(tls::read_certs(&forged).unwrap()[0], leaf);

    let cfg = common::config(dir.path());
    let c =
        https_centre(&cfg, &dir.path().join("c.sqlite3"), &forged, &impostor_dir.join(SERVER_KEY), 0).await;
    let err = client(&c.url, TOKEN, &pin(&real.ca_pin)).health().await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
    assert!(
        client(&c.url, TOKEN, &pin(&impostor.ca_pin)).health().await.is_err(),
        "its own CA is not in the chain"
    );
    assert!(
        client(&c.url, TOKEN, &pin(&impostor.server_pin)).health().await.is_ok(),
        "the server itself works"
    );
    c.stop().await;
}

#[test]
fn plain_http_to_another_machine_is_refused_without_the_insecure_switch() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.centre.url = "http://10.0.0.5:8700".into();
    let err = ApiClient::from_config(&cfg).unwrap_err();
    assert!(err.to_string().contains("tls.insecure_http"), "{err}");
    let kiosk_db = dir.path().join("kiosk.sqlite3");
    assert!(
        motcua_kiosk::centre::link::RemoteLink::open(&cfg, &kiosk_db, clock::system(), common::fast())
            .is_err(),
        "a kiosk does not start its link in clear to another machine"
    );
    cfg.tls.insecure_http = true;
    assert!(ApiClient::from_config(&cfg).is_ok(), "the explicit switch allows it");
    cfg.tls.insecure_http = false;
    cfg.centre.url = "http://127.0.0.1:8700".into();
    assert!(ApiClient::from_config(&cfg).is_ok(), "loopback never leaves the machine");
}
