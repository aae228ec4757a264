//! `officers add|list|disable|enable|set-pin`: officer accounts of the
//! built-in centre, on the machine that runs it (same data directory). The
//! PIN is read from standard input (not echoed on a terminal) and stored as
//! an Argon2id hash.

use crate::centre::core::{Centre, NewOfficer};
use crate::config::Config;
use anyhow::Context;
use std::io::{BufRead, IsTerminal, Write};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")
}

/// `stty` turns echo off while a PIN is typed on a terminal (no extra crate).
fn stty(arg: &str) {
    let _ = std::process::Command::new("stty").arg(arg).stdin(std::process::Stdio::inherit()).status();
}

/// Reads the PIN: one line of standard input; on a terminal, asked twice
/// without echo.
fn read_pin() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let read_line = || -> anyhow::Result<String> {
        let mut s = String::new();
        stdin.lock().read_line(&mut s).context("cannot read the PIN from standard input")?;
        Ok(s.trim_end_matches(['\r', '\n']).to_string())
    };
    if !stdin.is_terminal() {
        return read_line();
    }
    eprint!("Mã PIN / PIN: ");
    std::io::stderr().flush().ok();
    stty("-echo");
    let first = read_line();
    eprint!("\nNhập lại / again: ");
    std::io::stderr().flush().ok();
    let second = read_line();
    stty("echo");
    eprintln!();
    let (first, second) = (first?, second?);
    anyhow::ensure!(first == second, "the two PINs differ; nothing changed");
    Ok(first)
}

pub fn add(cfg: &Config, login: &str, name: &str, manager: bool) -> anyhow::Result<()> {
    let pin = read_pin()?;
    let centre = Centre::open(cfg)?;
    let a = runtime()?.block_on(centre.add_officer(NewOfficer {
        login: login.into(),
        name: name.into(),
        pin,
        manager,
    }))?;
    println!("Đã tạo tài khoản {} ({}){}.", a.login, a.name, if a.manager { ", quản lý" } else { "" });
    Ok(())
}

pub fn list(cfg: &Config) -> anyhow::Result<()> {
    let centre = Centre::open(cfg)?;
    let all = runtime()?.block_on(centre.officers())?;
    for a in &all {
        println!(
            "{:<20} {:<32} {}{}",
            a.login,
            a.name,
            if a.active { "đang dùng" } else { "đã khoá" },
            if a.manager { " · quản lý" } else { "" }
        );
    }
    println!("{} tài khoản", all.len());
    Ok(())
}

pub fn set_active(cfg: &Config, login: &str, active: bool) -> anyhow::Result<()> {
    let centre = Centre::open(cfg)?;
    let a = runtime()?.block_on(centre.set_officer_active(login, active))?;
    println!(
        "{} {}.",
        a.login,
        if active { "đã mở lại" } else { "đã khoá (mọi phiên đăng nhập đã kết thúc)" }
    );
    Ok(())
}

pub fn set_pin(cfg: &Config, login: &str) -> anyhow::Result<()> {
    let pin = read_pin()?;
    let centre = Centre::open(cfg)?;
    runtime()?.block_on(centre.set_officer_pin(login, &pin))?;
    println!("Đã đổi mã PIN của {login}.");
    Ok(())
}
