//! Card profiles: one JSON file per test card under `config/cards/`, naming its PINs, counters,
//! certificates, keys, reset key, ATR and token. Paths inside are relative to the profile file.
//!
//! Every error names the file, the field and what is wrong with it.

use std::fmt;
use std::path::{Path, PathBuf};

use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde::Deserialize;
use zeroize::Zeroizing;

/// A profile as written in its file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    /// Free text for people; ignored.
    #[serde(default, rename = "_comment")]
    _comment: Option<serde_json::Value>,
    name: String,
    #[serde(default)]
    description: String,
    atr: String,
    /// Absent for a card that is not a My Number Card.
    jpki: Option<JpkiFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JpkiFile {
    token: String,
    auth: KeyPairFile,
    /// Absent for cards without a signing certificate (holders under 15).
    signing: Option<KeyPairFile>,
    auth_ca_certificate: String,
    signing_ca_certificate: String,
    /// Hex of the 16-byte per-card reset key.
    reset_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyPairFile {
    pin: String,
    tries_left: u8,
    certificate: String,
    private_key: String,
}

/// A profile loaded and checked: everything the card model needs.
pub struct Profile {
    pub name: String,
    pub description: String,
    pub atr: Vec<u8>,
    pub jpki: Option<JpkiProfile>,
}

pub struct JpkiProfile {
    pub token: String,
    pub auth: KeyPair,
    pub signing: Option<KeyPair>,
    pub auth_ca_certificate: Vec<u8>,
    pub signing_ca_certificate: Vec<u8>,
    pub reset_key: Zeroizing<[u8; 16]>,
}

pub struct KeyPair {
    pub pin: Zeroizing<Vec<u8>>,
    pub tries_left: u8,
    pub certificate: Vec<u8>,
    pub private_key: RsaPrivateKey,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("my_number_card", &self.jpki.is_some())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for JpkiProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JpkiProfile")
            .field("token", &self.token)
            .field("auth", &self.auth)
            .field("signing", &self.signing)
            .finish_non_exhaustive()
    }
}

/// Never shows the PIN or the key.
impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("tries_left", &self.tries_left)
            .finish_non_exhaustive()
    }
}

/// A profile that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("card profile {path}: {field}: {problem}")]
pub struct ProfileError {
    pub path: PathBuf,
    pub field: String,
    pub problem: String,
}

impl Profile {
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let error = |field: &str, problem: String| ProfileError {
            path: path.to_path_buf(),
            field: field.to_string(),
            problem,
        };
        // The text holds the card's PINs: wiped once parsed.
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| error("(file)", e.to_string()))?,
        );
        let file: ProfileFile =
            serde_json::from_str(&text).map_err(|e| error("(json)", e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let atr = parse_hex(&file.atr).map_err(|problem| error("atr", problem))?;
        if !(2..=33).contains(&atr.len()) {
            return Err(error(
                "atr",
                format!("{} bytes; an ATR has 2 to 33", atr.len()),
            ));
        }
        let jpki = match file.jpki {
            None => None,
            Some(jpki) => Some(load_jpki(jpki, base, &error)?),
        };
        Ok(Profile {
            name: file.name,
            description: file.description,
            atr,
            jpki,
        })
    }
}

fn load_jpki(
    file: JpkiFile,
    base: &Path,
    error: &dyn Fn(&str, String) -> ProfileError,
) -> Result<JpkiProfile, ProfileError> {
    if file.token.len() > 0x20 || !file.token.is_ascii() {
        return Err(error(
            "jpki.token",
            "must be at most 32 ASCII characters".to_string(),
        ));
    }
    let read = |field: &str, relative: &str| {
        std::fs::read(base.join(relative)).map_err(|e| error(field, format!("{relative}: {e}")))
    };
    let reset_key =
        parse_hex(&file.reset_key).map_err(|problem| error("jpki.reset_key", problem))?;
    let reset_key: [u8; 16] = reset_key.as_slice().try_into().map_err(|_| {
        error(
            "jpki.reset_key",
            format!("{} bytes; must be 16", reset_key.len()),
        )
    })?;
    let auth = load_key_pair(file.auth, "jpki.auth", AUTH_RULES, base, error)?;
    let signing = match file.signing {
        Some(signing) => Some(load_key_pair(
            signing,
            "jpki.signing",
            SIGNING_RULES,
            base,
            error,
        )?),
        None => None,
    };
    Ok(JpkiProfile {
        token: file.token,
        auth,
        signing,
        auth_ca_certificate: read("jpki.auth_ca_certificate", &file.auth_ca_certificate)?,
        signing_ca_certificate: read("jpki.signing_ca_certificate", &file.signing_ca_certificate)?,
        reset_key: Zeroizing::new(reset_key),
    })
}

/// The PIN rules the card itself enforces, per PIN.
#[derive(Debug, Clone, Copy)]
pub struct PinRules {
    pub max_tries: u8,
    pub accepts: fn(&[u8]) -> bool,
    pub describe: &'static str,
}

pub const AUTH_RULES: PinRules = PinRules {
    max_tries: 3,
    accepts: |pin| pin.len() == 4 && pin.iter().all(u8::is_ascii_digit),
    describe: "exactly 4 digits",
};

pub const SIGNING_RULES: PinRules = PinRules {
    max_tries: 5,
    accepts: |pin| {
        (6..=16).contains(&pin.len())
            && pin
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && pin.iter().any(u8::is_ascii_uppercase)
            && pin.iter().any(u8::is_ascii_digit)
    },
    describe: "6 to 16 of A-Z and 0-9 with at least one of each",
};

fn load_key_pair(
    file: KeyPairFile,
    field: &str,
    rules: PinRules,
    base: &Path,
    error: &dyn Fn(&str, String) -> ProfileError,
) -> Result<KeyPair, ProfileError> {
    let pin = Zeroizing::new(file.pin.into_bytes());
    if !(rules.accepts)(&pin) {
        return Err(error(
            &format!("{field}.pin"),
            format!("must be {}", rules.describe),
        ));
    }
    if file.tries_left > rules.max_tries {
        return Err(error(
            &format!("{field}.tries_left"),
            format!(
                "{} is more than the maximum of {}",
                file.tries_left, rules.max_tries
            ),
        ));
    }
    let certificate = std::fs::read(base.join(&file.certificate)).map_err(|e| {
        error(
            &format!("{field}.certificate"),
            format!("{}: {e}", file.certificate),
        )
    })?;
    let key_path = base.join(&file.private_key);
    let key_text = std::fs::read_to_string(&key_path).map_err(|e| {
        error(
            &format!("{field}.private_key"),
            format!("{}: {e}", file.private_key),
        )
    })?;
    let private_key = RsaPrivateKey::from_pkcs8_pem(&key_text).map_err(|e| {
        error(
            &format!("{field}.private_key"),
            format!("not a PKCS#8 PEM RSA key: {e}"),
        )
    })?;
    Ok(KeyPair {
        pin,
        tries_left: file.tries_left,
        certificate,
        private_key,
    })
}

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&compact).map_err(|e| format!("not hex: {e}"))
}
