//! `pin set`: the setup PIN, read twice from the terminal without echo (or
//! once from standard input with `--stdin`), stored in the config file as its
//! Argon2id hash (the rest of the file kept as it is); the wrong attempts
//! counted on this kiosk start again.

use crate::config::{edit, pin, Config};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

/// Turns terminal echo off while alive (restored on drop, also on error).
struct NoEcho {
    saved: Option<libc::termios>,
}

impl NoEcho {
    fn new() -> NoEcho {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed termios they fill in.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return NoEcho { saved: None };
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            t.c_lflag |= libc::ECHONL;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            NoEcho { saved: Some(saved) }
        }
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        if let Some(t) = &self.saved {
            // SAFETY: restores the attributes read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
        }
    }
}

fn read_line(prompt: Option<&str>) -> anyhow::Result<String> {
    if let Some(p) = prompt {
        eprint!("{p}");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// The new PIN, from the terminal (twice) or standard input (once).
fn read_pin(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        return read_line(None);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("standard input is not a terminal: give the PIN with --stdin (e.g. from a script)");
    }
    let _quiet = NoEcho::new();
    let first = read_line(Some("New setup PIN (4-8 digits): "))?;
    let again = read_line(Some("The same PIN again: "))?;
    if first != again {
        anyhow::bail!("the two PINs differ; nothing was changed");
    }
    Ok(first)
}

/// Why `pin` may not be the setup PIN (`None`: it may).
pub fn refusal(pin: &str, demo: bool) -> Option<String> {
    if !pin::is_well_formed(pin) {
        return Some("the setup PIN must be 4-8 digits; nothing was changed".into());
    }
    if !demo && pin::is_weak(pin) {
        return Some(
            "refusing a PIN anyone would try first (the default, one digit repeated, a run like 123456 or \
             654321, a pair like 121212); choose another (or --demo on a test machine)"
                .into(),
        );
    }
    None
}

pub fn set(path: Option<&Path>, cfg: &Config, from_stdin: bool) -> anyhow::Result<()> {
    let Some(path) = path else {
        anyhow::bail!(
            "`pin set` writes the PIN into the config file: give it with --config FILE (or MOTCUA_CONFIG)"
        );
    };
    let new = read_pin(from_stdin)?;
    if let Some(why) = refusal(&new, cfg.demo) {
        anyhow::bail!(why);
    }
    edit::edit_file(path, &[edit::Change::new("kiosk.setup_pin", pin::hash(&new))])?;
    // A new PIN ends a lockout. Only an existing database is touched: one
    // made here by root would be unwritable for the service.
    let db = crate::store::kiosk_db_path(&cfg.data_dir());
    let reset = db.exists()
        && crate::store::Store::open(&db)
            .and_then(|s| crate::store::pin_lockout::save(s.conn(), &Default::default()))
            .map_err(|e| eprintln!("warning: the wrong-PIN count in {} was not reset: {e}", db.display()))
            .is_ok();
    println!(
        "setup PIN set in {} (stored as an Argon2id hash){}; restart the kiosk to use it",
        path.display(),
        if reset { ", wrong attempts reset" } else { "" }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn weak_or_malformed_pins_are_refused_outside_demo_mode() {
        assert!(super::refusal("12a456", false).unwrap().contains("4-8 digits"));
        assert!(super::refusal("123456", false).unwrap().contains("anyone would try"));
        assert!(super::refusal("000000", false).is_some());
        assert_eq!(super::refusal("123456", true), None);
        assert_eq!(super::refusal("902614", false), None);
    }
}
