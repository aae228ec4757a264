//! The setup PIN as the config keeps it: an Argon2id PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), or, in a config from before
//! hashing, the digits in clear (still accepted; `config check` and `doctor`
//! warn, and the kiosk replaces it with its hash on the first right entry).
//!
//! Why Argon2id: a 4-8 digit PIN has at most 10^8 values, so a fast hash
//! (SHA-256) of it is reversed in a second by anyone who reads the file.
//! Argon2id is memory-hard (19 MiB per try with the RustCrypto defaults, the
//! OWASP minimum), which makes that search cost days per kiosk on a GPU, while
//! one check on the kiosk takes tens of milliseconds; the salt makes every
//! kiosk's hash different even with the same PIN. The `argon2` crate is
//! RustCrypto's, already used for officer PINs (no new dependency).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Whether `stored` is a PHC hash string rather than a clear PIN.
pub fn is_hashed(stored: &str) -> bool {
    stored.starts_with('$')
}

/// Whether `stored` is a hash this program can check (Argon2, well-formed).
pub fn is_valid_hash(stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| h.algorithm.as_str().starts_with("argon2") && h.salt.is_some() && h.hash.is_some())
}

/// A well-formed PIN: 4-8 digits.
pub fn is_well_formed(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// A PIN anyone would try first: the default, one digit repeated, a run up
/// or down (123456, 654321), or a pair repeated (121212).
pub fn is_weak(pin: &str) -> bool {
    let d: Vec<i16> = pin.bytes().map(|b| i16::from(b) - i16::from(b'0')).collect();
    if pin == super::DEFAULT_SETUP_PIN || d.len() < 2 {
        return true;
    }
    let steps: Vec<i16> = d.windows(2).map(|w| w[1] - w[0]).collect();
    let same_step = steps.iter().all(|s| *s == steps[0]) && steps[0].abs() <= 1;
    let pairs = d.len() >= 4 && d.iter().enumerate().all(|(i, x)| *x == d[i % 2]);
    same_step || pairs
}

/// The PHC string of `pin` with a fresh random salt.
pub fn hash(pin: &str) -> String {
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).expect("16 bytes make a salt");
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("Argon2 with default parameters")
        .to_string()
}

/// Whether `given` is the PIN `stored` stands for (a hash, or a clear PIN
/// compared in constant time).
pub fn verify(given: &str, stored: &str) -> bool {
    if is_hashed(stored) {
        return PasswordHash::new(stored)
            .is_ok_and(|h| Argon2::default().verify_password(given.as_bytes(), &h).is_ok());
    }
    given.len() == stored.len()
        && given.bytes().zip(stored.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Whether the stored PIN is the default one (hashed or not).
pub fn is_default(stored: &str) -> bool {
    verify(super::DEFAULT_SETUP_PIN, stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_pin_only_and_is_salted() {
        // What must hold: the stored form is an Argon2id PHC string that
        // verifies the PIN and nothing else; two hashes of one PIN differ.
        let h = hash("902614");
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(is_hashed(&h) && is_valid_hash(&h));
        assert!(verify("902614", &h));
        assert!(!verify("902615", &h) && !verify("", &h));
        assert_ne!(h, hash("902614"));
        assert!(!h.contains("902614"));
    }

    #[test]
    fn a_clear_pin_from_an_old_config_still_verifies() {
        assert!(verify("246810", "246810"));
        assert!(!verify("246811", "246810") && !verify("24681", "246810"));
        assert!(!is_hashed("246810"));
        assert!(is_default("246810") && is_default(&hash("246810")) && !is_default(&hash("902614")));
        assert!(!is_valid_hash("$2b$12$notargon") && !is_valid_hash("$argon2id$broken"));
    }

    #[test]
    fn guessable_pins_are_weak() {
        for p in ["246810", "000000", "1111", "123456", "654321", "98765432", "121212", "0909"] {
            assert!(is_weak(p), "{p}");
        }
        for p in ["902614", "731594", "1357", "20461"] {
            assert!(!is_weak(p), "{p}");
        }
        assert!(is_well_formed("1234") && is_well_formed("12345678"));
        assert!(!is_well_formed("123") && !is_well_formed("123456789") && !is_well_formed("12a4"));
    }
}
