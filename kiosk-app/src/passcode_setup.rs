//! `kiosk-app set-staff-passcode`: asks for the staff passcode twice (without echo on a
//! terminal; one line each from a pipe, for provisioning scripts) and writes its Argon2id hash
//! into the configuration's `staff_passcode_hash`. The passcode itself is never stored.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use zeroize::Zeroizing;

use kiosk_core::config::Config;
use kiosk_core::staff::{Passcode, hash_passcode};

const FIELD: &str = "\"staff_passcode_hash\"";

pub fn set_staff_passcode(config_path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(config_path)
        .map_err(|e| format!("{}: {e}", config_path.display()))?;
    // The file must be a valid configuration before and after.
    Config::parse(&text, config_path).map_err(|e| e.to_string())?;
    let first = ask("staff passcode (6 to 12 digits): ")?;
    let passcode = Passcode::new(&first).map_err(|e| e.to_string())?;
    let again = ask("the same again: ")?;
    if *first != *again {
        return Err("the two entries differ; nothing was changed".to_string());
    }
    let hash = hash_passcode(&passcode).map_err(|e| e.to_string())?;
    store(config_path, &text, &hash)?;
    println!(
        "staff passcode set in {} (Argon2id hash only)",
        config_path.display()
    );
    Ok(())
}

/// Writes `text` with `hash` in place to `config_path`, replacing the file whole; the file keeps
/// its mode and owner (a `0640 root:kiosk` configuration stays one: the hash is not for others
/// to read), see `kiosk_core::durable`.
fn store(config_path: &Path, text: &str, hash: &str) -> Result<(), String> {
    let updated = with_hash(text, hash)?;
    Config::parse(&updated, config_path).map_err(|e| e.to_string())?;
    kiosk_core::durable::replace(config_path, updated.as_bytes())
        .map_err(|e| format!("{}: {e}", config_path.display()))
}

fn ask(prompt: &str) -> Result<Zeroizing<String>, String> {
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| e.to_string())?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        line
    };
    Ok(Zeroizing::new(line.trim().to_string()))
}

/// The configuration text with `staff_passcode_hash` set to `hash`, everything else as it was
/// (comments and order kept: the file is edited, not re-serialised).
pub fn with_hash(text: &str, hash: &str) -> Result<String, String> {
    let start = text.find(FIELD).ok_or_else(|| {
        "the configuration has no \"staff_passcode_hash\" field; add \"staff_passcode_hash\": null"
            .to_string()
    })?;
    let after_key = start + FIELD.len();
    let colon = text[after_key..]
        .find(':')
        .map(|i| after_key + i + 1)
        .ok_or("staff_passcode_hash: no value")?;
    let value_start = colon + (text[colon..].len() - text[colon..].trim_start().len());
    let rest = &text[value_start..];
    let value_len = if rest.starts_with("null") {
        4
    } else if let Some(quoted) = rest.strip_prefix('"') {
        quoted
            .find('"')
            .map(|end| end + 2)
            .ok_or("staff_passcode_hash: unterminated string")?
    } else {
        return Err("staff_passcode_hash must be null or a string".to_string());
    };
    Ok(format!(
        "{}\"{hash}\"{}",
        &text[..value_start],
        &text[value_start + value_len..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_replaces_null_or_an_old_hash_and_nothing_else() {
        let text = "{\n  \"a\": 1,\n  \"staff_passcode_hash\": null,\n  \"b\": \"x\"\n}";
        let once = with_hash(text, "$argon2id$one").expect("set");
        assert_eq!(
            once,
            "{\n  \"a\": 1,\n  \"staff_passcode_hash\": \"$argon2id$one\",\n  \"b\": \"x\"\n}"
        );
        let twice = with_hash(&once, "$argon2id$two").expect("reset");
        assert!(twice.contains("\"staff_passcode_hash\": \"$argon2id$two\","));
        assert!(!twice.contains("one"));
        assert!(
            with_hash("{\"a\": 1}", "h").is_err(),
            "no field: told how to add it"
        );
        assert!(with_hash("{\"staff_passcode_hash\": 5}", "h").is_err());
    }

    #[test]
    fn a_0640_configuration_stays_0640_with_the_hash_in_it() {
        use std::os::unix::fs::PermissionsExt;
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/kiosk.json");
        let text = std::fs::read_to_string(demo).expect("demo config");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("kiosk.json");
        std::fs::write(&path, &text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let passcode = Passcode::new("20250401").expect("passcode");
        let hash = hash_passcode(&passcode).expect("hash");
        store(&path, &text, &hash).expect("store");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640, "not 0644: the hash stays from others");
        assert!(
            std::fs::read_to_string(&path)
                .expect("read")
                .contains(&hash)
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["kiosk.json"], "no temporary file left");
    }
}
