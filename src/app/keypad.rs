//! Editing a short code typed on an on-screen keypad (dossier codes, ticket numbers).

/// The erase key's value.
pub const ERASE: &str = "⌫";

/// Applies one key press to `current`: `⌫` erases the last character, other
/// keys append when allowed and under `max_chars`.
pub fn apply_key(current: &str, key: &str, max_chars: usize, allowed: impl Fn(char) -> bool) -> String {
    if key == ERASE {
        let mut s = current.to_string();
        s.pop();
        return s;
    }
    let mut s = current.to_string();
    for c in key.chars() {
        if allowed(c) && s.chars().count() < max_chars {
            s.push(c);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_erases_and_limits() {
        let digits = |c: char| c.is_ascii_digit();
        assert_eq!(apply_key("12", "3", 4, digits), "123");
        assert_eq!(apply_key("1234", "5", 4, digits), "1234");
        assert_eq!(apply_key("12", "x", 4, digits), "12");
        assert_eq!(apply_key("12", ERASE, 4, digits), "1");
        assert_eq!(apply_key("", ERASE, 4, digits), "");
    }
}
