//! A secret config value (a device token, a PIN): read and written like a
//! string, but `Debug` never shows it, so a logged config or client leaks nothing.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the one place that needs it (a request header,
    /// a PIN comparison). Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("Secret(empty)")
        } else {
            write!(f, "Secret(<hidden, {} chars>)", self.0.chars().count())
        }
    }
}

/// Reads like `&str` (length, characters) without being printed by `{:?}`.
impl Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl PartialEq<str> for Secret {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Secret {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value_but_serde_keeps_it() {
        let s = Secret::from("246810-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(<hidden, 18 chars>)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"246810-very-secret\"");
        assert_eq!(s.len(), 18);
        assert!(s == "246810-very-secret");
    }
}
