//! What has been typed on a PIN screen: wiped when it is cleared and when the screen goes, never
//! printed.

use card_driver::pin::{Pin, PinError, PinKind};
use zeroize::Zeroizing;

/// A PIN being typed, for one kind of PIN.
pub struct Entry {
    kind: PinKind,
    typed: Zeroizing<String>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Entry({:?}, {} typed)",
            self.kind,
            self.typed.chars().count()
        )
    }
}

impl Entry {
    pub fn new(kind: PinKind) -> Entry {
        Entry {
            kind,
            typed: Zeroizing::new(String::with_capacity(16)),
        }
    }

    pub fn kind(&self) -> PinKind {
        self.kind
    }

    /// The most characters the PIN may have: the keypad stops there.
    pub fn max_length(&self) -> usize {
        match self.kind {
            PinKind::Auth => 4,
            PinKind::Signing => 16,
        }
    }

    /// Adds a character the keys of this kind offer; true if it was taken.
    pub fn push(&mut self, c: char) -> bool {
        let allowed = match self.kind {
            PinKind::Auth => c.is_ascii_digit(),
            PinKind::Signing => c.is_ascii_uppercase() || c.is_ascii_digit(),
        };
        if !allowed || self.len() >= self.max_length() {
            return false;
        }
        // The capacity reserved up front keeps the string from moving (and leaving copies).
        self.typed.push(c);
        true
    }

    pub fn pop(&mut self) {
        self.typed.pop();
    }

    pub fn clear(&mut self) {
        zeroize::Zeroize::zeroize(&mut *self.typed);
        self.typed.clear();
    }

    pub fn len(&self) -> usize {
        self.typed.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.typed.is_empty()
    }

    /// The validated PIN, if what is typed makes one.
    pub fn pin(&self) -> Result<Pin, PinError> {
        Pin::new(self.kind, &self.typed)
    }

    /// The live rule checks of a new signing password: (length ok, has a letter, has a digit).
    pub fn signing_rules(&self) -> (bool, bool, bool) {
        let length = (6..=16).contains(&self.len());
        let letter = self.typed.chars().any(|c| c.is_ascii_uppercase());
        let digit = self.typed.chars().any(|c| c.is_ascii_digit());
        (length, letter, digit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_keys_of_the_kind_are_taken_up_to_the_maximum() {
        let mut auth = Entry::new(PinKind::Auth);
        assert!(!auth.push('A'));
        for c in "12345".chars() {
            auth.push(c);
        }
        assert_eq!(auth.len(), 4);
        assert!(auth.pin().is_ok());
        let mut signing = Entry::new(PinKind::Signing);
        for c in "ABC".chars() {
            signing.push(c);
        }
        assert_eq!(signing.signing_rules(), (false, true, false));
        assert!(signing.pin().is_err());
        for c in "123".chars() {
            signing.push(c);
        }
        assert_eq!(signing.signing_rules(), (true, true, true));
        assert!(!format!("{signing:?}").contains("ABC"));
        signing.clear();
        assert!(signing.is_empty());
    }
}
