//! Command line. Every error is one clear sentence and a non-zero exit.

use crate::config::{self, Config, Language, ThemeVariant};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

pub mod calendar;
pub mod catalog;
pub mod centre;
pub mod devices;
pub mod dossiers;
pub mod hardware;
pub mod officers;
pub mod pin;
pub mod provision;
pub mod run;

#[derive(Parser, Debug)]
#[command(
    name = "motcua-kiosk",
    version,
    about = "Kiosk, queue display and built-in centre for one-stop administrative centres"
)]
pub struct Cli {
    /// Config file (TOML). Default: $MOTCUA_CONFIG, else built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Demo mode: sample dossiers, numbers at any hour, the default setup PIN
    /// allowed (also without a config file). Never opens the LAN to a weak token.
    #[arg(long, global = true)]
    pub demo: bool,
    /// A normal window that can be closed (development), instead of the
    /// fullscreen kiosk that refuses close requests.
    #[arg(long)]
    pub windowed: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Kiosk,
    Display,
    /// The small screen at one counter (`[counter]` in the config).
    Counter,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a role in a window (the default command).
    Run {
        #[arg(long, value_enum, default_value = "kiosk")]
        role: Role,
        /// A normal window that can be closed (development), instead of the
        /// fullscreen kiosk that refuses close requests (`kiosk.fullscreen`).
        #[arg(long)]
        windowed: bool,
    },
    /// Render screens headless to PNG (no display server needed).
    Snapshot {
        /// A screen name, several separated by commas, `failures` (the failure
        /// states, docs/screenshots/README.md) or `all`.
        #[arg(long, default_value = "all")]
        screen: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// vi or en; both when omitted.
        #[arg(long)]
        lang: Option<String>,
        /// WIDTHxHEIGHT in pixels (default 1080x1920 for the kiosk, 1920x1080 for the display).
        #[arg(long)]
        size: Option<String>,
        /// normal, large-text or high-contrast.
        #[arg(long, default_value = "normal")]
        theme: String,
    },
    /// Check or show the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Run the built-in centre (queue, API, events for displays) until Ctrl-C.
    #[command(alias = "center", args_conflicts_with_subcommands = true)]
    Centre {
        /// IP:PORT; default centre.listen.
        #[arg(long)]
        listen: Option<String>,
        #[command(subcommand)]
        action: Option<CentreAction>,
    },
    /// Counter: call the next ticket.
    Call(CounterArgs),
    /// Counter: call the current ticket again.
    Recall(CounterArgs),
    /// Counter: the current ticket is served.
    Complete(CounterArgs),
    /// Counter: the current ticket did not come.
    NoShow(CounterArgs),
    /// Devices allowed to use the built-in centre's API, each with its role
    /// (run where the centre runs); without a subcommand: list them.
    Devices {
        /// Without a subcommand: print the fleet as JSON (`GET /api/v1/devices`).
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        action: Option<DevicesAction>,
    },
    /// A one-time code for a new device (run where the centre runs): a QR
    /// to scan in the device's setup, a PNG, and a short code to type.
    Provision(provision::ProvisionArgs),
    /// Dossiers of the built-in centre (status lookup at the kiosk).
    Dossiers {
        #[command(subcommand)]
        action: DossierAction,
    },
    /// The working-day calendar deadlines are counted with (`dossier.holidays`,
    /// `dossier.make_up_working_days`).
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// Officer accounts for the counter console (PIN read from standard input).
    Officers {
        #[command(subcommand)]
        action: OfficerAction,
    },
    /// The procedure catalog: import a new one, show, search or export it as the kiosk does.
    Catalog {
        #[command(subcommand)]
        action: CatalogAction,
    },
    /// The technician's setup PIN (stored in the config file as an Argon2id hash).
    Pin {
        #[command(subcommand)]
        action: PinAction,
    },
    /// List serial ports (barcode readers, serial printers).
    Ports,
    /// Print every frame a barcode reader sends, one JSON line each (personal data masked).
    ScanTest {
        #[arg(long, value_name = "PATH")]
        port: String,
        /// Default: scanner.baud from the config.
        #[arg(long)]
        baud: Option<u32>,
    },
    /// Print a sample ticket, or write its ESC/POS bytes or its raster.
    PrintTest {
        /// Default: printer.uri from the config.
        #[arg(long, value_name = "URI")]
        printer: Option<String>,
        /// Write the ESC/POS job to this file instead of (or besides) printing.
        #[arg(long, value_name = "FILE.bin")]
        out: Option<PathBuf>,
        /// Write the ticket raster as PNG.
        #[arg(long, value_name = "FILE.png")]
        png: Option<PathBuf>,
    },
    /// Check everything this device needs (config, data, databases, centre,
    /// readers, printer, audio, screen, disk): a table of pass/warn/fail with
    /// a fix for each problem; exit 1 when anything fails.
    Doctor {
        /// Which device this is (only its parts are checked).
        #[arg(long, value_enum, default_value = "kiosk")]
        role: crate::doctor::Target,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the version.
    Version,
    /// Benchmark helper: open the store, build the kiosk, render the first frame
    /// headless, print `FIRST_FRAME_DONE` and the peak RSS, exit.
    #[command(hide = true)]
    BenchFirstFrame {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Benchmark helper: build the counter screen, take a sample board, render
    /// the first frame headless, print `FIRST_FRAME_DONE` and the peak RSS, exit.
    #[command(hide = true)]
    BenchCounterFrame {
        /// WIDTHxHEIGHT.
        #[arg(long, default_value = "1024x600")]
        size: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct CounterArgs {
    #[arg(long)]
    pub counter: u32,
    /// Centre URL; default centre.url, else the built-in centre's centre.listen.
    #[arg(long, alias = "center", value_name = "URL")]
    pub centre: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CentreAction {
    /// HTTPS for the centre.
    Tls {
        #[command(subcommand)]
        action: TlsAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum TlsAction {
    /// Make a small local CA (kept and reused when run again) and a server
    /// certificate for the centre's LAN names and addresses; print the pin
    /// devices put in tls.pin.
    Init {
        /// DNS name devices use in centre.url (repeatable).
        #[arg(long = "name", value_name = "NAME")]
        names: Vec<String>,
        /// IP address devices use in centre.url (repeatable).
        #[arg(long = "ip", value_name = "ADDR")]
        ips: Vec<std::net::IpAddr>,
        /// Where the files go. Default: the data directory's `tls`.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Days the server certificate is valid.
        #[arg(long, default_value_t = crate::centre::tls::init::DEFAULT_DAYS)]
        days: u32,
    },
}

#[derive(Subcommand, Debug)]
pub enum DevicesAction {
    /// Add a device and print its new token (shown only this once).
    Add {
        /// Device id; for a kiosk, its kiosk.id (e.g. kiosk-03).
        #[arg(long)]
        id: String,
        /// kiosk, display, counter or admin.
        #[arg(long)]
        role: String,
        /// Kiosk: its offline numbers, FIRST-LAST inside the centre's offline range (e.g. 800-899).
        #[arg(long, value_name = "FIRST-LAST")]
        range: Option<String>,
        /// Counter: the counters it acts at (e.g. 1,2).
        #[arg(long, value_delimiter = ',')]
        counters: Vec<u32>,
    },
    /// Revoke a device's token (refused from then on; the device stays listed).
    Revoke {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// The fleet: every device's role, scope, state, last heartbeat or
    /// request, version, printer, reader, outbox, clock skew, PIN and alerts
    /// (from the running centre; from the database when it is not running).
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DossierAction {
    /// Import dossiers from a JSON file (format in docs/api.md): all or
    /// nothing; every problem is named by its JSON path.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List every dossier: code, status, appointment, lateness.
    List,
}

#[derive(Subcommand, Debug)]
pub enum CalendarAction {
    /// The days off and make-up working days of a year, and its working days per month.
    Show {
        /// The year, e.g. 2026.
        year: i32,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OfficerAction {
    /// Create an account; the PIN or password (6-64 characters) is read from standard input.
    Add {
        /// Login: 2-32 characters a-z, 0-9, dot, dash, underscore.
        #[arg(long)]
        login: String,
        /// Full name, shown on the console and recorded on each ticket served.
        #[arg(long)]
        name: String,
        /// May open the manager dashboard and reports.
        #[arg(long)]
        manager: bool,
    },
    /// List the accounts.
    List,
    /// Lock an account and end its sessions.
    Disable { login: String },
    /// Unlock an account.
    Enable { login: String },
    /// Change the PIN (read from standard input).
    SetPin { login: String },
}

#[derive(Subcommand, Debug)]
pub enum PinAction {
    /// Set a new PIN: typed twice on the terminal (not shown), or one line
    /// from standard input with --stdin. Guessable PINs are refused outside
    /// demo mode; the wrong attempts counted on this kiosk start again.
    Set {
        /// Read the PIN from standard input (scripts).
        #[arg(long)]
        stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum CatalogAction {
    /// Validate a catalog JSON file (errors name the JSON path), print what it
    /// changes (added, removed, changed fields) and replace the installed
    /// catalog atomically; an older version is refused unless --force.
    Import {
        file: PathBuf,
        #[arg(long)]
        force: bool,
        /// Only print what would change; install nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the ranked results for a query.
    Search {
        query: String,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Print one procedure as the kiosk shows it (unverified values as "Hỏi tại quầy").
    Show {
        /// Procedure code, e.g. 1.001193 (the localised 1.001193.000.00.00.H56 works too).
        code: String,
        #[arg(long)]
        json: bool,
        /// Language of the kiosk texts: vi or en.
        #[arg(long, default_value = "vi")]
        lang: String,
    },
    /// Write the catalog as CSV (code, name, field, time, fee, what is verified)
    /// for the staff to review in a spreadsheet.
    Export {
        /// Output file; standard output when left out.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Report unknown keys and bad values, with the key path and a hint.
    Check,
    /// Print the effective configuration (defaults filled in) as TOML.
    Show,
}

/// Exit status of a configuration error (sysexits' EX_CONFIG): the systemd
/// units do not restart on it (`RestartPreventExitStatus=78`), since only
/// fixing the file helps.
pub const EXIT_CONFIG: u8 = 78;

/// A role refusing to start with this config (the default PIN, a weak token
/// on the LAN): exits with [`EXIT_CONFIG`] like an invalid file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartRefused(pub String);

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<config::ConfigError>().is_some() || e.downcast_ref::<StartRefused>().is_some()
            {
                ExitCode::from(EXIT_CONFIG)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MOTCUA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Loads the config, logs warnings about it, and applies demo mode when asked
/// for (`--demo`) or when there is no config file at all.
fn load_config(cli_path: Option<&std::path::Path>, demo: bool) -> anyhow::Result<Config> {
    let path = config::resolve_path(cli_path);
    let mut cfg = config::load(path.as_deref())?;
    if let Some(p) = &path {
        for w in config::security::file_warnings(p) {
            tracing::warn!("{w}");
        }
    }
    for w in config::security::config_warnings(&cfg) {
        tracing::warn!("{w}");
    }
    if demo || path.is_none() {
        cfg.apply_demo();
    }
    Ok(cfg)
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Run { role: Role::Kiosk, windowed: false });
    let demo = cli.demo;
    let load_config = |path: Option<&std::path::Path>| load_config(path, demo);
    match command {
        Command::BenchFirstFrame { data_dir } => {
            let mut cfg = load_config(cli.config.as_deref())?;
            cfg.data.dir = data_dir.display().to_string();
            cfg.centre.listen = String::new();
            crate::snapshot::first_frame(&cfg)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchCounterFrame { size } => {
            let cfg = load_config(cli.config.as_deref())?;
            let size =
                config::parse_size(&size).ok_or_else(|| anyhow::anyhow!("--size must be WIDTHxHEIGHT"))?;
            crate::snapshot::counter_first_frame(&cfg, size)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor { role, json } => {
            let report = crate::doctor::run(config::resolve_path(cli.config.as_deref()).as_deref(), role);
            print!("{}", if json { report.to_json() + "\n" } else { report.to_table() });
            Ok(if report.failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Version => {
            println!("motcua-kiosk {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { action } => config_cmd(cli.config.as_deref(), action),
        Command::Centre { listen, action } => {
            let cfg = load_config(cli.config.as_deref())?;
            match action {
                None => centre::run_centre(cfg, listen)?,
                Some(CentreAction::Tls { action: TlsAction::Init { names, ips, dir, days } }) => {
                    let dir = dir.unwrap_or_else(|| cfg.data_dir().join("tls"));
                    centre::tls_init(&crate::centre::tls::init::InitOptions { dir, names, ips, days })?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Call(a) => counter(load_config(cli.config.as_deref())?, a, centre::CounterAction::Call),
        Command::Recall(a) => counter(load_config(cli.config.as_deref())?, a, centre::CounterAction::Recall),
        Command::Complete(a) => {
            counter(load_config(cli.config.as_deref())?, a, centre::CounterAction::Complete)
        }
        Command::NoShow(a) => counter(load_config(cli.config.as_deref())?, a, centre::CounterAction::NoShow),
        Command::Devices { json, action } => {
            let cfg = load_config(cli.config.as_deref())?;
            match action {
                Some(DevicesAction::Add { id, role, range, counters }) => {
                    devices::add(&cfg, &id, &role, range.as_deref(), &counters)?;
                }
                Some(DevicesAction::Revoke { id }) => devices::revoke(&cfg, &id)?,
                Some(DevicesAction::List { json: j }) => devices::list(&cfg, json || j)?,
                None => devices::list(&cfg, json)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Provision(a) => {
            provision::run(&load_config(cli.config.as_deref())?, &a)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog { action } => {
            let cfg = load_config(cli.config.as_deref())?;
            match action {
                CatalogAction::Import { file, force, dry_run } => {
                    catalog::import(&cfg, &file, force, dry_run)?
                }
                CatalogAction::Search { query, json, limit } => catalog::search(&cfg, &query, json, limit)?,
                CatalogAction::Show { code, json, lang } => catalog::show(&cfg, &code, json, &lang)?,
                CatalogAction::Export { out } => catalog::export(&cfg, out.as_deref())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { action: CalendarAction::Show { year, json } } => {
            let cfg = load_config(cli.config.as_deref())?;
            calendar::show(&cfg, year, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dossiers { action } => {
            let cfg = load_config(cli.config.as_deref())?;
            match action {
                DossierAction::Import { file } => {
                    dossiers::import(&cfg, &file)?;
                }
                DossierAction::List => dossiers::list(&cfg)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Officers { action } => {
            let cfg = load_config(cli.config.as_deref())?;
            match action {
                OfficerAction::Add { login, name, manager } => officers::add(&cfg, &login, &name, manager)?,
                OfficerAction::List => officers::list(&cfg)?,
                OfficerAction::Disable { login } => officers::set_active(&cfg, &login, false)?,
                OfficerAction::Enable { login } => officers::set_active(&cfg, &login, true)?,
                OfficerAction::SetPin { login } => officers::set_pin(&cfg, &login)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Pin { action: PinAction::Set { stdin } } => {
            let path = config::resolve_path(cli.config.as_deref());
            let cfg = load_config(cli.config.as_deref())?;
            pin::set(path.as_deref(), &cfg, stdin)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ports => {
            hardware::ports()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::ScanTest { port, baud } => {
            let cfg = load_config(cli.config.as_deref())?;
            hardware::scan_test(&port, baud.unwrap_or(cfg.scanner.baud), cfg.scanner.frame_timeout_ms)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::PrintTest { printer, out, png } => {
            let cfg = load_config(cli.config.as_deref())?;
            // The configured printer is the default only when no output file is asked for.
            let uri = match printer {
                Some(p) => Some(p),
                None if out.is_none() && png.is_none() && !cfg.printer.uri.is_empty() => {
                    Some(cfg.printer.uri.clone())
                }
                None => None,
            };
            hardware::print_test(uri.as_deref(), cfg.printer.width_dots, out.as_deref(), png.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { role, windowed } => {
            let cfg = load_config(cli.config.as_deref())?;
            run::run(cfg, role, windowed || cli.windowed)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Snapshot { screen, out, lang, size, theme } => {
            let cfg = load_config(cli.config.as_deref())?;
            let langs = match lang.as_deref() {
                None => vec![Language::Vi, Language::En],
                Some(l) => vec![Language::parse(l)
                    .ok_or_else(|| anyhow::anyhow!("--lang must be vi or en, not `{l}`"))?],
            };
            let size = match size {
                None => None,
                Some(s) => Some(config::parse_size(&s).ok_or_else(|| {
                    anyhow::anyhow!("--size must be WIDTHxHEIGHT (e.g. 1080x1920), not `{s}`")
                })?),
            };
            let theme = ThemeVariant::parse(&theme).ok_or_else(|| {
                anyhow::anyhow!("--theme must be normal, large-text or high-contrast, not `{theme}`")
            })?;
            let screens = if screen == "all" {
                crate::snapshot::KIOSK_SCREENS
                    .iter()
                    .chain(crate::snapshot::DISPLAY_SCREENS)
                    .chain(crate::snapshot::COUNTER_SCREENS)
                    .map(|s| s.to_string())
                    .collect()
            } else if screen == "failures" {
                crate::snapshot::FAILURE_SCREENS.iter().map(|s| s.to_string()).collect()
            } else {
                screen.split(',').map(|s| s.trim().to_string()).collect()
            };
            let opts = crate::snapshot::SnapshotOptions { screens, out, langs, size, theme };
            for p in crate::snapshot::run(&cfg, &opts)? {
                println!("{}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn counter(cfg: Config, a: CounterArgs, action: centre::CounterAction) -> anyhow::Result<ExitCode> {
    centre::counter_cmd(&cfg, a.centre.as_deref(), a.counter, action)?;
    Ok(ExitCode::SUCCESS)
}

fn config_cmd(cli_path: Option<&std::path::Path>, action: ConfigAction) -> anyhow::Result<ExitCode> {
    let path = config::resolve_path(cli_path);
    match action {
        ConfigAction::Show => {
            let cfg = config::load(path.as_deref())?;
            print!("{}", cfg.to_toml());
            Ok(ExitCode::SUCCESS)
        }
        ConfigAction::Check => {
            let Some(path) = path else {
                println!(
                    "no config file given (--config or ${}): built-in defaults are used",
                    config::CONFIG_ENV
                );
                return Ok(ExitCode::SUCCESS);
            };
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
            for w in config::security::file_warnings(&path) {
                println!("{}: warning: {w}", path.display());
            }
            match config::parse(&text) {
                Err(issue) => {
                    println!("{}: {issue}", path.display());
                    Ok(ExitCode::FAILURE)
                }
                Ok((cfg, issues)) if issues.is_empty() => {
                    for w in config::security::config_warnings(&cfg) {
                        println!("{}: warning: {w}", path.display());
                    }
                    println!("{}: OK", path.display());
                    Ok(ExitCode::SUCCESS)
                }
                Ok((_, issues)) => {
                    for i in &issues {
                        println!("{}: {i}", path.display());
                    }
                    println!("{} problem(s) found", issues.len());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
