//! Command line. Every error is one clear sentence and a non-zero exit.

use crate::config::{self, Config, Language, ThemeVariant};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

pub mod catalog;
pub mod hardware;
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
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Kiosk,
    Display,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a role in a window (the default command).
    Run {
        #[arg(long, value_enum, default_value = "kiosk")]
        role: Role,
    },
    /// Render screens headless to PNG (no display server needed).
    Snapshot {
        /// A screen name, or `all`.
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
    /// Print the version.
    Version,
}

#[derive(Subcommand, Debug)]
pub enum ConfigAction {
    /// Report unknown keys and bad values, with the key path and a hint.
    Check,
    /// Print the effective configuration (defaults filled in) as TOML.
    Show,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MOTCUA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn load_config(cli_path: Option<&std::path::Path>) -> anyhow::Result<Config> {
    let path = config::resolve_path(cli_path);
    Ok(config::load(path.as_deref())?)
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Run { role: Role::Kiosk });
    match command {
        Command::Version => {
            println!("motcua-kiosk {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { action } => config_cmd(cli.config.as_deref(), action),
        Command::Run { role } => {
            let cfg = load_config(cli.config.as_deref())?;
            run::run(cfg, role)?;
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
                    .map(|s| s.to_string())
                    .collect()
            } else {
                vec![screen]
            };
            let opts = crate::snapshot::SnapshotOptions { screens, out, langs, size, theme };
            for p in crate::snapshot::run(&cfg, &opts)? {
                println!("{}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
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
            match config::parse(&text) {
                Err(issue) => {
                    println!("{}: {issue}", path.display());
                    Ok(ExitCode::FAILURE)
                }
                Ok((_, issues)) if issues.is_empty() => {
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
