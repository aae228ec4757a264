//! The real binary refusing insecure production set-ups, and managing devices,
//! as an administrator on the centre machine runs it.

use std::path::Path;
use std::process::{Command, Output};

fn bin(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"));
    c.env_remove("MOTCUA_CONFIG")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("MOTCUA_DATA_DIR", data)
        .env("MOTCUA_LOG", "warn");
    c
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn write_config(dir: &Path, body: &str) -> std::path::PathBuf {
    let p = dir.join("motcua.toml");
    std::fs::write(&p, body).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

#[test]
fn the_centre_refuses_the_lan_with_the_default_or_a_short_token() {
    // What must hold: serving a non-loopback address with a guessable admin
    // token stops at once with one sentence naming the key to set; loopback
    // keeps the quick start working. (On main it served 0.0.0.0 with the default.)
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path()).args(["centre", "--listen", "0.0.0.0:18700"]).output().unwrap();
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("refusing to serve the LAN on 0.0.0.0:18700") && err.contains("centre.token"),
        "{err}"
    );
    assert!(err.contains("at least 24 characters"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    let cfg = write_config(dir.path(), "[centre]\ntoken = \"only-20-characters!!\"\n");
    let out =
        bin(dir.path()).args(["centre", "--listen", "0.0.0.0:18700", "--config"]).arg(&cfg).output().unwrap();
    assert!(text(&out).1.contains("shorter than 24"), "{}", text(&out).1);
    // A strong token, but the ticket QR would point phones at themselves.
    let cfg = write_config(dir.path(), "[centre]\ntoken = \"a-strong-random-admin-token-0123456789\"\n");
    let out =
        bin(dir.path()).args(["centre", "--listen", "0.0.0.0:18700", "--config"]).arg(&cfg).output().unwrap();
    assert!(text(&out).1.contains("centre.tracking_base_url"), "{}", text(&out).1);
    // --demo does not open the LAN either.
    let out = bin(dir.path()).args(["--demo", "centre", "--listen", "0.0.0.0:18700"]).output().unwrap();
    assert!(!out.status.success() && text(&out).1.contains("centre.token"));
    assert!(!dir.path().join("centre.sqlite3").exists(), "nothing was opened");
}

#[test]
fn a_kiosk_with_the_default_setup_pin_refuses_to_start_outside_demo_mode() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "[kiosk]\nid = \"kiosk-05\"\n");
    let out = bin(dir.path()).arg("--config").arg(&cfg).output().unwrap();
    let (_, err) = text(&out);
    assert!(!out.status.success());
    assert!(err.contains("default setup PIN") && err.contains("kiosk.setup_pin"), "{err}");
    // With --demo it gets as far as looking for a display.
    let out = bin(dir.path()).arg("--demo").arg("--config").arg(&cfg).output().unwrap();
    assert!(text(&out).1.contains("no display found"), "{}", text(&out).1);
    // A chosen PIN, and the kiosk's built-in centre on the LAN with the default token: refused.
    let cfg =
        write_config(dir.path(), "[kiosk]\nsetup_pin = \"902614\"\n[centre]\nlisten = \"0.0.0.0:18701\"\n");
    let out = bin(dir.path()).arg("--config").arg(&cfg).output().unwrap();
    let (_, err) = text(&out);
    assert!(!out.status.success() && err.contains("centre.token: is the default token"), "{err}");
}

#[test]
fn devices_are_added_listed_and_revoked_on_the_centre_machine() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        "[offline]\nrange_start = 800\nrange_end = 999\n[[centre.devices]]\nid = \"board-1\"\nrole = \"display\"\n\
         token_sha256 = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"\n",
    );
    let run = |args: &[&str]| bin(dir.path()).arg("--config").arg(&cfg).args(args).output().unwrap();
    let out = run(&["devices", "add", "--id", "kiosk-03", "--role", "kiosk", "--range", "800-899"]);
    let (stdout, err) = text(&out);
    assert!(out.status.success(), "{err}");
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("token = \"").and_then(|t| t.strip_suffix('"')))
        .unwrap_or_else(|| panic!("no token line: {stdout}"))
        .to_string();
    assert_eq!(token.len(), 64);
    assert!(stdout.contains("range_start = 800") && stdout.contains("id = \"kiosk-03\""), "{stdout}");
    let out = run(&["devices", "add", "--id", "kiosk-04", "--role", "kiosk", "--range", "850-949"]);
    assert!(!out.status.success() && text(&out).1.contains("overlaps kiosk `kiosk-03`"), "{}", text(&out).1);
    let out = run(&["devices", "add", "--id", "c-1", "--role", "counter", "--counters", "1,2"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = run(&["devices", "add", "--id", "c-2", "--role", "boss"]);
    assert!(text(&out).1.contains("--role must be"), "{}", text(&out).1);
    let out = run(&["devices", "revoke", "kiosk-03"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = run(&["devices", "revoke", "board-1"]);
    assert!(text(&out).1.contains("declared in the config file"), "{}", text(&out).1);
    let (list, _) = text(&run(&["devices"]));
    for want in [
        "board-1",
        "display",
        "config",
        "kiosk-03",
        "số 800-899",
        "đã thu hồi",
        "c-1",
        "quầy 1,2",
        "centre-admin",
        "4 thiết bị",
    ] {
        assert!(list.contains(want), "missing {want} in:\n{list}");
    }
    assert!(!list.contains(&token), "the token is never shown again");
    let db = std::fs::read(dir.path().join("centre.sqlite3")).unwrap();
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()), "only the hash is stored");
}

#[test]
fn config_check_catches_device_mistakes_and_a_world_readable_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        "[[centre.devices]]\nid = \"k1\"\nrole = \"kiosk\"\ntoken = \"short\"\noffline_range = [950, 1200]\n\
         [[centre.devices]]\nid = \"k1\"\nrole = \"displya\"\ntoken = \"x\"\ntoken_sha256 = \"ab\"\ncounters = [1]\n\
         [[centre.devices]]\nid = \"c9\"\nrole = \"counter\"\ntoken_sha256 = \"abc\"\ncounters = [77]\n",
    );
    let out = bin(dir.path()).args(["config", "check", "--config"]).arg(&cfg).output().unwrap();
    let (stdout, _) = text(&out);
    assert!(!out.status.success());
    for key in [
        "centre.devices[0].token: is shorter than 24",
        "centre.devices[0].offline_range",
        "centre.devices[1].id: `k1` is listed twice",
        "centre.devices[1].role: `displya` is not a role",
        "centre.devices[1].token: give exactly one of token and token_sha256",
        "centre.devices[1].counters: only counter devices",
        "centre.devices[2].token_sha256: must be 64 hex",
        "centre.devices[2].counters: no service is served at counter 77",
    ] {
        assert!(stdout.contains(key), "missing `{key}` in:\n{stdout}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let good = write_config(dir.path(), "[kiosk]\nsetup_pin = \"902614\"\n");
        std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = bin(dir.path()).args(["config", "check", "--config"]).arg(&good).output().unwrap();
        let (stdout, _) = text(&out);
        assert!(out.status.success(), "a warning is not a failure: {stdout}");
        assert!(stdout.contains("warning") && stdout.contains("chmod 640"), "{stdout}");
    }
}

#[test]
fn pin_set_stores_a_hash_keeps_the_file_and_resets_the_lockout() {
    // What must hold (real binary): `pin set --stdin` writes an Argon2id hash
    // of the new PIN into the config, the rest of the file as it was; the
    // kiosk's persistent wrong-PIN count starts again; a guessable PIN, a
    // malformed one and a missing config file are refused, writing nothing.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let body = "# hall kiosk\n[kiosk]\nid = \"kiosk-03\"  # in the fleet view\nsetup_pin = \"902614\"\n";
    let cfg = write_config(dir.path(), body);
    let db = motcua_kiosk::store::kiosk_db_path(dir.path());
    {
        let s = motcua_kiosk::store::Store::open(&db).unwrap();
        let locked = motcua_kiosk::domain::pin_lockout::PinLockout {
            failures: 7,
            locked_until: Some(chrono::Utc::now() + chrono::Duration::minutes(5)),
        };
        motcua_kiosk::store::pin_lockout::save(s.conn(), &locked).unwrap();
    }
    let set = |pin: &str, args: &[&str]| {
        let mut child = bin(dir.path())
            .args(["pin", "set", "--stdin"])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{pin}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    for weak in ["123456", "000000", "12a4"] {
        let out = set(weak, &["--config", cfg.to_str().unwrap()]);
        assert!(!out.status.success(), "{weak} accepted");
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), body, "{weak} changed the file");
    }
    let out = set("731594", &[]);
    assert!(!out.status.success() && text(&out).1.contains("--config"), "{}", text(&out).1);

    let out = set("731594", &["--config", cfg.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("wrong attempts reset"), "{stdout}");
    let written = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        written.starts_with("# hall kiosk\n[kiosk]\nid = \"kiosk-03\"  # in the fleet view\n"),
        "{written}"
    );
    assert!(!written.contains("731594") && !written.contains("902614"), "{written}");
    let loaded = motcua_kiosk::config::load(Some(&cfg)).unwrap();
    assert!(motcua_kiosk::config::pin::verify("731594", &loaded.kiosk.setup_pin));
    let s = motcua_kiosk::store::Store::open(&db).unwrap();
    assert_eq!(motcua_kiosk::store::pin_lockout::load(s.conn()).unwrap(), Default::default());
    // `config check` has no warning about a hashed PIN (it warns about a clear one).
    let out = bin(dir.path()).args(["config", "check", "--config"]).arg(&cfg).output().unwrap();
    assert!(out.status.success() && !text(&out).0.contains("warning"), "{}", text(&out).0);
    let clear = write_config(dir.path(), "[kiosk]\nsetup_pin = \"902614\"\n");
    let out = bin(dir.path()).args(["config", "check", "--config"]).arg(&clear).output().unwrap();
    assert!(
        out.status.success() && text(&out).0.contains("kiosk.setup_pin: is in clear"),
        "{}",
        text(&out).0
    );
}
