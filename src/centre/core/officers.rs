//! Officer accounts (PIN stored as an Argon2id hash) and browser sessions
//! (the console at a counter, the manager's dashboard). A session token is 256
//! random bits (like a device token); only its SHA-256 is stored, so a copy of
//! the database does not let anyone in.

use super::counter::{ActingOfficer, Actor};
use super::{Centre, CentreError};
use crate::centre::api::{OfficerAccount, OfficerInfo, OfficerSession};
use crate::store::officers::{self as o, OfficerRow, SessionRow};
use crate::store::{from_ms, to_ms};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Duration;
use std::sync::LazyLock;

/// A session lasts one working day at most.
pub const SESSION_HOURS: i64 = 12;
const MIN_PIN: usize = 6;
const MAX_PIN: usize = 64;

/// `motcua-kiosk officers add`.
#[derive(Clone)]
pub struct NewOfficer {
    pub login: String,
    pub name: String,
    pub pin: String,
    pub manager: bool,
}

/// A sign-in with an account.
#[derive(Clone)]
pub struct SignIn {
    pub login: String,
    pub pin: String,
    pub counter: Option<u32>,
}

/// A live session, as the server checks it on each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: i64,
    pub officer_id: Option<i64>,
    pub officer: Option<OfficerInfo>,
    /// Signed in with a device token: its label.
    pub device: Option<String>,
    pub counter: Option<u32>,
    pub manager: bool,
    pub csrf_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl SessionInfo {
    pub fn view(&self) -> OfficerSession {
        OfficerSession {
            officer: self.officer.clone(),
            counter: self.counter,
            manager: self.manager,
            csrf_token: self.csrf_token.clone(),
            expires_at: self.expires_at,
        }
    }

    /// Who acts at the counter: the officer of this session.
    pub fn actor(&self) -> Actor {
        Actor {
            officer: match (self.officer_id, &self.officer) {
                (Some(id), Some(info)) => Some(ActingOfficer { id, name: info.name.clone() }),
                _ => None,
            },
        }
    }

    /// The session as a caller of the API (see `domain::access`).
    pub fn principal(&self) -> crate::domain::access::Principal {
        let id = match (&self.officer, &self.device) {
            (Some(o), _) => format!("officer:{}", o.login),
            (None, Some(d)) => format!("session:{d}"),
            (None, None) => format!("session:{}", self.id),
        };
        crate::domain::access::Principal::Session(crate::domain::access::ConsoleSession {
            id,
            counter: self.counter,
            manager: self.manager,
        })
    }

    /// A name to show for who is signed in.
    pub fn who(&self) -> String {
        match (&self.officer, &self.device) {
            (Some(o), _) => o.name.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        }
    }
}

/// SHA-256 of a session token, hex. A fast hash is right here: the token is
/// 256 random bits, so nothing can be guessed from the hash (unlike a PIN).
pub fn token_hash(token: &str) -> String {
    crate::centre::tokens::token_hash_hex(token)
}

/// 122 random bits from the OS generator (a UUID v4), hex.
fn random_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn hash_pin(pin: &str) -> Result<String, CentreError> {
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| CentreError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CentreError::Internal(format!("cannot hash the PIN: {e}")))
}

fn pin_matches(pin: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok())
}

/// Checked against when the login is unknown, so a wrong login takes as
/// long as a wrong PIN (no timing hint of which logins exist).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_pin("not-a-real-pin").unwrap_or_default());

pub fn validate_login(login: &str) -> Result<String, CentreError> {
    let l = login.trim().to_lowercase();
    let ok = (2..=32).contains(&l.len())
        && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !ok {
        return Err(CentreError::BadRequest(
            "login must be 2-32 characters: letters a-z, digits, dot, dash, underscore".into(),
        ));
    }
    Ok(l)
}

pub fn validate_pin(pin: &str) -> Result<(), CentreError> {
    let n = pin.chars().count();
    if !(MIN_PIN..=MAX_PIN).contains(&n) || pin.chars().any(char::is_control) {
        return Err(CentreError::BadRequest(format!(
            "the PIN or password must be {MIN_PIN}-{MAX_PIN} characters"
        )));
    }
    Ok(())
}

fn account(r: &OfficerRow) -> OfficerAccount {
    OfficerAccount {
        login: r.login.clone(),
        name: r.name.clone(),
        manager: r.manager,
        active: r.active,
        created_at: from_ms(r.created_at),
    }
}

impl Centre {
    /// Creates an officer account (the PIN is hashed with Argon2id).
    pub async fn add_officer(&self, n: NewOfficer) -> Result<OfficerAccount, CentreError> {
        let login = validate_login(&n.login)?;
        let name = n.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(CentreError::BadRequest("the name must be 1-100 characters".into()));
        }
        validate_pin(&n.pin)?;
        let pin = n.pin.clone();
        let hash = tokio::task::spawn_blocking(move || hash_pin(&pin))
            .await
            .map_err(|e| CentreError::Internal(e.to_string()))??;
        self.write(move |w, now| {
            if o::officer_by_login(w.c(), &login)?.is_some() {
                return Err(CentreError::BadRequest(format!("an officer `{login}` already exists")));
            }
            let id = o::insert_officer(w.c(), &login, &name, &hash, n.manager, to_ms(now))?;
            let row = o::officer_by_id(w.c(), id)?
                .ok_or_else(|| CentreError::Internal("officer vanished".into()))?;
            Ok(account(&row))
        })
        .await
    }

    pub async fn officers(&self) -> Result<Vec<OfficerAccount>, CentreError> {
        self.read(|c, _, _, _| Ok(o::list_officers(c)?.iter().map(account).collect())).await
    }

    /// Enables or disables an account; disabling signs it out everywhere.
    pub async fn set_officer_active(&self, login: &str, active: bool) -> Result<OfficerAccount, CentreError> {
        let login = validate_login(login)?;
        self.write(move |w, now| {
            let row = o::officer_by_login(w.c(), &login)?
                .ok_or_else(|| CentreError::BadRequest(format!("no officer `{login}`")))?;
            o::set_officer_active(w.c(), row.id, active, to_ms(now))?;
            Ok(OfficerAccount { active, ..account(&row) })
        })
        .await
    }

    pub async fn set_officer_pin(&self, login: &str, pin: &str) -> Result<(), CentreError> {
        let login = validate_login(login)?;
        validate_pin(pin)?;
        let pin = pin.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_pin(&pin))
            .await
            .map_err(|e| CentreError::Internal(e.to_string()))??;
        self.write(move |w, now| {
            let row = o::officer_by_login(w.c(), &login)?
                .ok_or_else(|| CentreError::BadRequest(format!("no officer `{login}`")))?;
            Ok(o::set_officer_pin(w.c(), row.id, &hash, to_ms(now))?)
        })
        .await
    }

    fn check_counter(&self, counter: Option<u32>) -> Result<(), CentreError> {
        match counter {
            Some(n) if !self.engine.setup.counters.contains_key(&n) => Err(CentreError::UnknownCounter(n)),
            _ => Ok(()),
        }
    }

    /// Signs an officer in at a counter (a manager may leave the counter out).
    /// Returns the session token for the cookie and the session.
    pub async fn sign_in(&self, req: SignIn) -> Result<(String, SessionInfo), CentreError> {
        self.check_counter(req.counter)?;
        let login = validate_login(&req.login).map_err(|_| CentreError::BadCredentials)?;
        let pin = req.pin.clone();
        // Argon2 takes tens of milliseconds: it runs on the blocking pool with the read.
        let row = self
            .read(move |c, _, _, _| {
                let row = o::officer_by_login(c, &login)?.filter(|r| r.active);
                let hash = row.as_ref().map(|r| r.pin_hash.as_str()).unwrap_or(DUMMY_HASH.as_str());
                let ok = pin_matches(&pin, hash);
                row.filter(|_| ok).ok_or(CentreError::BadCredentials)
            })
            .await?;
        if req.counter.is_none() && !row.manager {
            return Err(CentreError::Forbidden("choose a counter: only managers sign in without one".into()));
        }
        self.open_session(Some(row), None, req.counter, false).await
    }

    /// A session for a device token (a counter PC without personal accounts,
    /// or an admin device for the dashboard).
    pub async fn device_sign_in(
        &self,
        device: &str,
        counter: Option<u32>,
        manager: bool,
    ) -> Result<(String, SessionInfo), CentreError> {
        self.check_counter(counter)?;
        if counter.is_none() && !manager {
            return Err(CentreError::Forbidden("choose a counter".into()));
        }
        self.open_session(None, Some(device.to_string()), counter, manager).await
    }

    async fn open_session(
        &self,
        officer: Option<OfficerRow>,
        device: Option<String>,
        counter: Option<u32>,
        device_manager: bool,
    ) -> Result<(String, SessionInfo), CentreError> {
        let token = crate::centre::tokens::new_token();
        let hash = token_hash(&token);
        let info = self
            .write(move |w, now| {
                let at = to_ms(now);
                let row = SessionRow {
                    id: 0,
                    officer_id: officer.as_ref().map(|r| r.id),
                    device: device.clone(),
                    counter,
                    manager: officer.as_ref().map(|r| r.manager).unwrap_or(device_manager),
                    csrf_token: random_hex(),
                    created_at: at,
                    expires_at: to_ms(now + Duration::hours(SESSION_HOURS)),
                };
                let id = o::insert_session(w.c(), &hash, &row)?;
                Ok(session_info(SessionRow { id, ..row }, officer.as_ref()))
            })
            .await?;
        Ok((token, info))
    }

    /// The live session of a token (`None`: unknown, ended, expired, or its
    /// account was disabled).
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>, CentreError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let hash = token_hash(token);
        self.read(move |c, _, _, now| {
            let Some(s) = o::live_session(c, &hash, to_ms(now))? else { return Ok(None) };
            let officer = match s.officer_id {
                Some(id) => o::officer_by_id(c, id)?,
                None => None,
            };
            Ok(Some(session_info(s, officer.as_ref())))
        })
        .await
    }

    pub async fn sign_out(&self, session_id: i64) -> Result<(), CentreError> {
        self.write(move |w, now| Ok(o::end_session(w.c(), session_id, to_ms(now))?)).await
    }
}

fn session_info(s: SessionRow, officer: Option<&OfficerRow>) -> SessionInfo {
    SessionInfo {
        id: s.id,
        officer_id: s.officer_id,
        officer: officer.map(|r| OfficerInfo {
            login: r.login.clone(),
            name: r.name.clone(),
            manager: r.manager,
        }),
        device: s.device,
        counter: s.counter,
        manager: s.manager,
        csrf_token: s.csrf_token,
        expires_at: from_ms(s.expires_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_hashed_with_argon2id_and_verified() {
        let h = hash_pin("246810").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("246810"));
        assert!(pin_matches("246810", &h));
        assert!(!pin_matches("246811", &h));
        assert!(!pin_matches("246810", "not a hash"));
        assert_ne!(hash_pin("246810").unwrap(), h, "salted");
    }

    #[test]
    fn logins_and_pins_are_checked() {
        assert_eq!(validate_login(" Lan.NT ").unwrap(), "lan.nt");
        assert!(validate_login("x").is_err());
        assert!(validate_login("lan nt").is_err());
        assert!(validate_login("<b>").is_err());
        assert!(validate_pin("12345").is_err());
        assert!(validate_pin("123456").is_ok());
        assert!(validate_pin("12345\n6").is_err());
        assert_eq!(token_hash("abc").len(), 64);
    }
}
