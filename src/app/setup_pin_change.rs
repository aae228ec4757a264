//! Changing the setup PIN on the setup page ("Màn hình" > "Mã PIN kỹ thuật
//! viên"): the current PIN, the new one twice, the rules of `pin set`. The
//! current PIN goes through the same guard as the PIN pad, so a wrong one
//! counts toward the lockout. The new PIN is stored as its Argon2id hash by
//! the atomic config edit; the kiosk then restarts to use it. Plain data and
//! rules here; the page's wiring is in `setup.rs`.

use crate::config::pin;

/// The fields, by the key the technician keyboard edits.
pub const KEYS: [&str; 3] = ["pin.old", "pin.new", "pin.again"];

/// What was typed (digits only); never shown, only its length as dots.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct PinChange {
    pub old: String,
    pub new: String,
    pub again: String,
}

/// Never prints a PIN.
impl std::fmt::Debug for PinChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinChange(****)")
    }
}

impl PinChange {
    pub fn get(&self, key: &str) -> &str {
        match key {
            "pin.old" => &self.old,
            "pin.new" => &self.new,
            "pin.again" => &self.again,
            _ => "",
        }
    }

    /// Sets a field from the keyboard: only its digits, at most 8.
    pub fn set(&mut self, key: &str, text: &str) {
        let digits: String = text.chars().filter(char::is_ascii_digit).take(8).collect();
        match key {
            "pin.old" => self.old = digits,
            "pin.new" => self.new = digits,
            "pin.again" => self.again = digits,
            _ => {}
        }
    }

    /// A field as the page shows it: one dot a digit.
    pub fn dots(&self, key: &str) -> String {
        "•".repeat(self.get(key).chars().count())
    }
}

/// Why the change cannot be tried as typed (Vietnamese, English); `None`:
/// check the current PIN and store the new one.
pub fn problem(c: &PinChange, demo: bool) -> Option<(&'static str, &'static str)> {
    if c.old.is_empty() {
        return Some(("Hãy nhập mã PIN hiện tại.", "Type the current PIN."));
    }
    if !pin::is_well_formed(&c.new) {
        return Some(("Mã PIN mới phải gồm 4–8 chữ số.", "The new PIN must be 4–8 digits."));
    }
    if c.new != c.again {
        return Some((
            "Hai lần nhập mã PIN mới không giống nhau.",
            "The new PIN was typed differently twice.",
        ));
    }
    if !demo && pin::is_weak(&c.new) {
        return Some((
            "Mã PIN mới quá dễ đoán (như 123456, 000000, 121212). Hãy chọn mã khác.",
            "The new PIN is too easy to guess (like 123456, 000000, 121212). Choose another.",
        ));
    }
    if c.new == c.old {
        return Some(("Mã PIN mới phải khác mã hiện tại.", "The new PIN must differ from the current one."));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(old: &str, new: &str, again: &str) -> PinChange {
        PinChange { old: old.into(), new: new.into(), again: again.into() }
    }

    #[test]
    fn the_rules_of_pin_set_apply_and_pins_are_never_shown() {
        // Must hold: a missing current PIN, a malformed or mismatched new
        // one, a guessable one (outside demo) and an unchanged one are each
        // refused with their own message; a good change passes; Debug and
        // the page show dots only.
        assert!(problem(&change("", "902614", "902614"), false).unwrap().1.contains("current"));
        assert!(problem(&change("1357", "12a", "12a"), false).unwrap().1.contains("4–8"));
        assert!(problem(&change("1357", "902614", "902615"), false).unwrap().1.contains("differently"));
        assert!(problem(&change("1357", "123456", "123456"), false).unwrap().1.contains("guess"));
        assert_eq!(problem(&change("1357", "123456", "123456"), true), None, "demo mode");
        assert!(problem(&change("902614", "902614", "902614"), false).unwrap().1.contains("differ"));
        assert_eq!(problem(&change("1357", "902614", "902614"), false), None);
        let mut c = PinChange::default();
        c.set("pin.new", "90a26149999");
        assert_eq!((c.new.as_str(), c.dots("pin.new").as_str()), ("90261499", "••••••••"));
        assert_eq!(format!("{c:?}"), "PinChange(****)");
    }
}
