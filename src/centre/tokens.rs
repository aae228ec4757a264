//! Device tokens: made from 256 random bits, stored at the centre only as their
//! SHA-256, compared in constant time.
//!
//! Why a plain SHA-256 and not a password hash (argon2, bcrypt): those are slow
//! on purpose so that a stolen hash of a *guessable* password costs years to
//! crack. A token here is 256 bits from the OS generator; nobody can guess it
//! or search for it, however fast the hash. A fast hash lets the centre find
//! the device by its hash on every request (an index lookup, not a 100 ms
//! computation), and a stolen database still yields no usable token.

use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

/// Length of a token made here (64 hex characters).
pub const TOKEN_LEN: usize = 64;
/// Shortest token the centre accepts from a config when it serves the LAN.
pub const MIN_TOKEN_LEN: usize = 24;

/// A new token: 32 random bytes from the OS, in lower-case hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).expect("the OS random generator works");
    hex(&bytes)
}

/// The SHA-256 of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    let d = digest(&SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// The SHA-256 of a token in lower-case hex, as stored (`token_sha256`).
pub fn token_hash_hex(token: &str) -> String {
    hex(&token_hash(token))
}

/// Parses 64 hex characters (either case) into a hash.
pub fn parse_hash_hex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Constant-time equality, so a comparison does not tell how much matched.
pub fn same_hash(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hash_round_trips() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), TOKEN_LEN);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        // The SHA-256 test vector of "abc".
        assert_eq!(token_hash_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let h = token_hash(&a);
        assert_eq!(parse_hash_hex(&token_hash_hex(&a).to_uppercase()), Some(h));
        assert!(same_hash(&h, &token_hash(&a)));
        assert!(!same_hash(&h, &token_hash(&b)));
        assert_eq!(parse_hash_hex("abc"), None);
        assert_eq!(parse_hash_hex(&"g".repeat(64)), None);
    }
}
