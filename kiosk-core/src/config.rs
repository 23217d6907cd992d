//! `config/kiosk.json`: everything a store or a kiosk maker sets. Every field is documented in
//! `config/README.md`; a bad file or field is refused at start with the field and the reason.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use reset_protocol::ResetKind;
use serde::Deserialize;

/// The languages the kiosk speaks to customers: Japanese, English, and the languages of Japan's
/// largest groups of foreign residents (docs/languages.md). Each has a catalogue
/// `assets/i18n/<code>.ftl`; the staff screens are in Japanese or English (any other language
/// shows them in English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Japanese,
    English,
    /// Simplified Chinese (zh-Hans).
    Chinese,
    Korean,
    Vietnamese,
    /// Brazilian Portuguese (pt-BR).
    Portuguese,
}

impl Language {
    /// Every language, in the order the language choice lists them.
    pub const ALL: [Language; 6] = [
        Language::Japanese,
        Language::English,
        Language::Chinese,
        Language::Korean,
        Language::Vietnamese,
        Language::Portuguese,
    ];

    /// The BCP 47 tag: the catalogue's file name and the configuration's value.
    pub fn code(self) -> &'static str {
        match self {
            Language::Japanese => "ja",
            Language::English => "en",
            Language::Chinese => "zh-Hans",
            Language::Korean => "ko",
            Language::Vietnamese => "vi",
            Language::Portuguese => "pt-BR",
        }
    }

    /// The language a tag names (as [`Language::code`] writes it).
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|language| language.code() == code)
    }

    /// Where the language stands in [`Language::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default, rename = "_comment")]
    _comment: Option<serde_json::Value>,
    store_id: String,
    offered_resets: Vec<String>,
    service_hours: HoursFile,
    timeouts: TimeoutsFile,
    default_language: String,
    keypad_layout: String,
    reader: Option<String>,
    centre: CentreFile,
    demo: bool,
    hide_cursor: bool,
    #[serde(default = "default_sound")]
    sound: bool,
    /// Optional: the voice guidance (`{"device", "guidance", "volume"}`), read as a JSON value
    /// so that each field's problem is named.
    #[serde(default)]
    audio: Option<serde_json::Value>,
    state_dir: String,
    staff_passcode_hash: Option<String>,
    #[serde(default)]
    audit_log: AuditFile,
    /// Optional (default 30): how often the kiosk tells the centre how it is. Read as any JSON
    /// value so that a wrong type is refused naming the field (serde's own error would not).
    #[serde(default)]
    heartbeat_seconds: Option<serde_json::Value>,
}

const DEFAULT_HEARTBEAT_SECONDS: u64 = 30;

/// The heartbeat's bounds: more often than every 5 s would load the centre of a large fleet
/// for nothing; less often than hourly would leave a dead kiosk unseen for too long.
pub const HEARTBEAT_SECONDS: std::ops::RangeInclusive<u64> = 5..=3600;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    max_file_kib: u64,
    max_files: usize,
}

impl Default for AuditFile {
    fn default() -> AuditFile {
        AuditFile {
            max_file_kib: 1024,
            max_files: 8,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    start: String,
    end: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeoutsFile {
    screen_seconds: u64,
    pin_seconds: u64,
    warning_seconds: u64,
    max_extensions: u32,
    done_seconds: u64,
    slow_mode: bool,
    card_seconds: u64,
    /// Optional: how often a completion the centre could not take is offered again.
    #[serde(default = "default_completion_retry")]
    completion_retry_seconds: u64,
}

fn default_completion_retry() -> u64 {
    30
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "mode", rename_all = "snake_case")]
enum CentreFile {
    InProcess,
    Http {
        url: String,
        kiosk_id: String,
        credential_file: String,
        ca_certificate: String,
        certificate: String,
        key: String,
        timeout_seconds: u64,
    },
}

fn default_sound() -> bool {
    true
}

/// How loud the kiosk speaks: five steps, 6 dB apart, 5 the recordings as made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Volume(u8);

impl Volume {
    pub const QUIETEST: Volume = Volume(1);
    pub const LOUDEST: Volume = Volume(5);
    /// A store that says nothing: one step below the recordings.
    pub const DEFAULT: Volume = Volume(4);

    pub fn new(step: u8) -> Option<Volume> {
        (Volume::QUIETEST.0..=Volume::LOUDEST.0)
            .contains(&step)
            .then_some(Volume(step))
    }

    pub fn step(self) -> u8 {
        self.0
    }

    /// One step louder or quieter, staying within the five.
    pub fn louder(self) -> Volume {
        Volume(self.0.saturating_add(1).min(Volume::LOUDEST.0))
    }

    pub fn quieter(self) -> Volume {
        Volume(self.0.saturating_sub(1).max(Volume::QUIETEST.0))
    }

    /// The factor samples are multiplied by: 0 dB at step 5, then 6 dB (half the amplitude)
    /// less for each step below (hearing judges loudness by ratio, not by difference).
    pub fn gain(self) -> f32 {
        0.5f32.powi(i32::from(Volume::LOUDEST.0 - self.0))
    }
}

/// The voice guidance and the sounds the kiosk plays (docs/audio.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio {
    /// The ALSA PCM `aplay -D` plays to (`default`: the system's).
    pub device: String,
    /// Each screen's prompt spoken (a customer can silence it for their session).
    pub guidance: bool,
    /// Where every customer starts.
    pub volume: Volume,
}

impl Default for Audio {
    fn default() -> Audio {
        Audio {
            device: "default".to_string(),
            guidance: true,
            volume: Volume::DEFAULT,
        }
    }
}

impl Audio {
    /// The `audio` object of the configuration; each problem names its field.
    fn from_json(value: &serde_json::Value) -> Result<Audio, (String, String)> {
        let field = |name: &str| format!("audio.{name}");
        let object = value
            .as_object()
            .ok_or_else(|| ("audio".to_string(), format!("{value} is not an object")))?;
        let mut audio = Audio::default();
        for (name, value) in object {
            match name.as_str() {
                "device" => audio.device = value
                    .as_str()
                    .filter(|device| !device.trim().is_empty())
                    .ok_or_else(|| {
                        (
                            field(name),
                            format!(
                                "{value} is not an ALSA device name (\"default\", \"hw:0,0\", …)"
                            ),
                        )
                    })?
                    .to_string(),
                "guidance" => {
                    audio.guidance = value
                        .as_bool()
                        .ok_or_else(|| (field(name), format!("{value} is not true or false")))?
                }
                "volume" => {
                    audio.volume = value
                        .as_u64()
                        .and_then(|step| u8::try_from(step).ok())
                        .and_then(Volume::new)
                        .ok_or_else(|| {
                            (field(name), format!("{value} is not a step from 1 to 5"))
                        })?
                }
                "_comment" => {}
                _ => {
                    return Err((
                        field(name),
                        "unknown field (expected device, guidance, volume)".to_string(),
                    ));
                }
            }
        }
        Ok(audio)
    }
}

/// How the kiosk reaches the reset centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CentreSetting {
    /// The stand-in centre inside the kiosk process (the demo).
    InProcess,
    /// `reset-center serve` (or the real service) over HTTPS with mutual TLS.
    Http {
        /// `https://…` only.
        url: String,
        kiosk_id: String,
        credential_file: PathBuf,
        /// The centre's CA (PEM): the only one the centre's certificate may chain to.
        ca_certificate: PathBuf,
        /// This kiosk's certificate (PEM), issued by `reset-center kiosk add`.
        certificate: PathBuf,
        /// Its private key (PEM); on a kiosk, systemd's credential
        /// `/run/credentials/kiosk-app.service/kiosk.key` (deploy/debian/kiosk-app/kiosk-app.service).
        key: PathBuf,
        timeout: Duration,
    },
}

/// The digit order of the numeric keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeypadLayout {
    /// 1 2 3 / 4 5 6 / 7 8 9 / 0, like a phone.
    Fixed,
    /// A new random order for every PIN entry (against shoulder-surfing by position).
    Shuffled,
}

/// Inactivity limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Menus, consent, card insertion.
    pub screen: Duration,
    /// PIN screens, counted from the last key.
    pub pin: Duration,
    /// The warning with 「続ける」 shows this long before the end.
    pub warning: Duration,
    pub max_extensions: u32,
    /// The done screen returns to the top after this.
    pub done: Duration,
    /// Deadline of each card operation.
    pub card: Duration,
    /// How often a completion the centre could not take yet is offered again (the outbox).
    pub completion_retry: Duration,
}

/// The kiosk's configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub store_id: String,
    pub offered: Vec<ResetKind>,
    pub service_start: NaiveTime,
    pub service_end: NaiveTime,
    pub timeouts: Timeouts,
    pub default_language: Language,
    pub keypad: KeypadLayout,
    /// `None`: the first reader with a card.
    pub reader: Option<String>,
    pub centre: CentreSetting,
    pub demo: bool,
    pub hide_cursor: bool,
    /// The card-left alert's beeps.
    pub sound: bool,
    /// The voice guidance, its device and volume.
    pub audio: Audio,
    /// Where the kiosk keeps what must survive a restart: the audit log, the staff lockout,
    /// the out-of-service switch.
    pub state_dir: PathBuf,
    /// The staff passcode as an Argon2id PHC string; `None`: maintenance mode cannot be entered.
    pub staff_passcode_hash: Option<String>,
    pub audit_rotation: crate::audit::Rotation,
    /// How often the kiosk sends the centre its heartbeat (`heartbeat_seconds`).
    pub heartbeat: Duration,
    /// The file this came from, and the SHA-256 of its bytes (shown to staff).
    pub source: PathBuf,
    pub checksum: String,
}

/// A configuration that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("kiosk configuration {path}: {field}: {problem}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub field: String,
    pub problem: String,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            field: "(file)".to_string(),
            problem: e.to_string(),
        })?;
        Config::parse(&text, path)
    }

    /// Parses the text of a configuration file; `path` names it in errors and anchors relative
    /// paths inside it.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let error = |field: &str, problem: String| ConfigError {
            path: path.to_path_buf(),
            field: field.to_string(),
            problem,
        };
        let file: ConfigFile =
            serde_json::from_str(text).map_err(|e| error(&json_field(&e), e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));

        if file.store_id.trim().is_empty() {
            return Err(error("store_id", "must not be empty".to_string()));
        }
        let mut offered = Vec::new();
        for name in &file.offered_resets {
            let kind = ResetKind::parse(name).ok_or_else(|| {
                error(
                    "offered_resets",
                    format!("{name:?} is not \"signing\" or \"auth\""),
                )
            })?;
            if !offered.contains(&kind) {
                offered.push(kind);
            }
        }
        if offered.is_empty() {
            return Err(error(
                "offered_resets",
                "must offer at least one reset".to_string(),
            ));
        }
        let time = |field: &str, text: &str| {
            NaiveTime::parse_from_str(text, "%H:%M")
                .map_err(|_| error(field, format!("{text:?} is not a time HH:MM")))
        };
        let service_start = time("service_hours.start", &file.service_hours.start)?;
        let service_end = time("service_hours.end", &file.service_hours.end)?;

        let t = &file.timeouts;
        let slow = if t.slow_mode { 2 } else { 1 };
        // No limit of the kiosk is longer than a day; a bigger number is a mistake (and would
        // overflow when doubled in slow mode).
        const MAX_SECONDS: u64 = 24 * 3600;
        let seconds = |field: &str, value: u64, minimum: u64| {
            if value > MAX_SECONDS {
                Err(error(
                    field,
                    format!("{value} is more than the maximum of {MAX_SECONDS} seconds"),
                ))
            } else if value < minimum {
                Err(error(
                    field,
                    format!("{value} is less than the minimum of {minimum} seconds"),
                ))
            } else {
                Ok(Duration::from_secs(value))
            }
        };
        // The warning must leave at least 20 s to react; screens must outlast their warning.
        let warning = seconds("timeouts.warning_seconds", t.warning_seconds, 20)?;
        let screen = seconds(
            "timeouts.screen_seconds",
            t.screen_seconds,
            t.warning_seconds.saturating_add(10),
        )? * slow;
        let pin = seconds(
            "timeouts.pin_seconds",
            t.pin_seconds,
            t.warning_seconds.saturating_add(10),
        )? * slow;
        if t.max_extensions < 10 {
            return Err(error(
                "timeouts.max_extensions",
                format!("{} is less than 10", t.max_extensions),
            ));
        }
        let timeouts = Timeouts {
            screen,
            pin,
            warning,
            max_extensions: t.max_extensions,
            done: seconds("timeouts.done_seconds", t.done_seconds, 3)?,
            card: seconds("timeouts.card_seconds", t.card_seconds, 1)?,
            completion_retry: seconds(
                "timeouts.completion_retry_seconds",
                t.completion_retry_seconds,
                1,
            )?,
        };

        let default_language = Language::from_code(&file.default_language).ok_or_else(|| {
            let codes: Vec<&str> = Language::ALL.iter().map(|l| l.code()).collect();
            error(
                "default_language",
                format!(
                    "{:?} is not one of {}",
                    file.default_language,
                    codes.join(", ")
                ),
            )
        })?;
        let keypad = match file.keypad_layout.as_str() {
            "fixed" => KeypadLayout::Fixed,
            "shuffled" => KeypadLayout::Shuffled,
            other => {
                return Err(error(
                    "keypad_layout",
                    format!("{other:?} is not \"fixed\" or \"shuffled\""),
                ));
            }
        };
        let reader = file.reader.filter(|r| !r.trim().is_empty());
        let centre = match file.centre {
            CentreFile::InProcess => CentreSetting::InProcess,
            CentreFile::Http {
                url,
                kiosk_id,
                credential_file,
                ca_certificate,
                certificate,
                key,
                timeout_seconds,
            } => {
                if !url.starts_with("https://") {
                    return Err(error(
                        "centre.url",
                        format!(
                            "{url:?} is not an https:// URL: the centre is reached over TLS only \
                             (plain HTTP would carry the new PIN in clear)"
                        ),
                    ));
                }
                if kiosk_id.trim().is_empty() {
                    return Err(error("centre.kiosk_id", "must not be empty".to_string()));
                }
                CentreSetting::Http {
                    url,
                    kiosk_id,
                    credential_file: base.join(credential_file),
                    ca_certificate: base.join(ca_certificate),
                    certificate: base.join(certificate),
                    key: base.join(key),
                    timeout: seconds("centre.timeout_seconds", timeout_seconds, 1)?,
                }
            }
        };
        if file.state_dir.trim().is_empty() {
            return Err(error("state_dir", "must not be empty".to_string()));
        }
        let staff_passcode_hash = file.staff_passcode_hash.filter(|h| !h.trim().is_empty());
        if let Some(hash) = &staff_passcode_hash {
            crate::staff::check_phc(hash)
                .map_err(|problem| error("staff_passcode_hash", problem))?;
        }
        if !(16..=1024 * 1024).contains(&file.audit_log.max_file_kib) {
            return Err(error(
                "audit_log.max_file_kib",
                format!(
                    "{} is not between 16 and 1048576 (1 GiB)",
                    file.audit_log.max_file_kib
                ),
            ));
        }
        if !(2..=1000).contains(&file.audit_log.max_files) {
            return Err(error(
                "audit_log.max_files",
                format!("{} is not between 2 and 1000", file.audit_log.max_files),
            ));
        }
        let heartbeat_seconds = match &file.heartbeat_seconds {
            None => DEFAULT_HEARTBEAT_SECONDS,
            Some(value) => value
                .as_u64()
                .filter(|seconds| HEARTBEAT_SECONDS.contains(seconds))
                .ok_or_else(|| {
                    error(
                        "heartbeat_seconds",
                        format!(
                            "{value} is not a whole number of seconds between {} and {}",
                            HEARTBEAT_SECONDS.start(),
                            HEARTBEAT_SECONDS.end()
                        ),
                    )
                })?,
        };
        let audio = match &file.audio {
            None => Audio::default(),
            Some(value) => {
                Audio::from_json(value).map_err(|(field, problem)| error(&field, problem))?
            }
        };
        if !file.demo && centre == CentreSetting::InProcess {
            return Err(error(
                "centre",
                "the in-process centre is for the demo only; production needs {\"mode\": \"http\", …}".to_string(),
            ));
        }
        Ok(Config {
            store_id: file.store_id,
            offered,
            service_start,
            service_end,
            timeouts,
            default_language,
            keypad,
            reader,
            centre,
            demo: file.demo,
            hide_cursor: file.hide_cursor,
            sound: file.sound,
            audio,
            state_dir: base.join(file.state_dir),
            staff_passcode_hash,
            audit_rotation: crate::audit::Rotation {
                max_file_bytes: file.audit_log.max_file_kib * 1024,
                max_files: file.audit_log.max_files,
            },
            heartbeat: Duration::from_secs(heartbeat_seconds),
            source: path.to_path_buf(),
            checksum: checksum(text),
        })
    }

    /// Whether `now` (Japan time) is within service hours.
    pub fn in_service_hours(&self, now: NaiveTime) -> bool {
        if self.service_start == self.service_end {
            return true;
        }
        if self.service_start < self.service_end {
            self.service_start <= now && now < self.service_end
        } else {
            now >= self.service_start || now < self.service_end
        }
    }

    pub fn hours_text(&self) -> (String, String) {
        (
            self.service_start.format("%-H:%M").to_string(),
            self.service_end.format("%-H:%M").to_string(),
        )
    }
}

/// Where the demo keeps its state when run by this user. The demo's configuration puts it in
/// the checkout (`var/demo`), which a user other than the checkout's owner cannot write (the
/// demo run under cage as an unprivileged user, or a shared checkout). The demo then keeps its
/// state in one of the user's own: `$XDG_STATE_HOME/mynumber-kiosk/demo`, else
/// `~/.local/state/mynumber-kiosk/demo`, else `$TMPDIR/mynumber-kiosk-demo-<uid>` (made 0700
/// and refused unless this user owns it). Only for the demo: a production kiosk whose state
/// directory cannot be written must say so, not write elsewhere.
pub fn demo_state_dir(configured: &Path) -> Result<PathBuf, String> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    demo_state_dir_in(
        configured,
        var("XDG_STATE_HOME"),
        var("HOME"),
        std::env::temp_dir(),
    )
}

/// [`demo_state_dir`] with the user's directories given.
fn demo_state_dir_in(
    configured: &Path,
    xdg_state_home: Option<PathBuf>,
    home: Option<PathBuf>,
    tmp: PathBuf,
) -> Result<PathBuf, String> {
    if writable(configured) {
        return Ok(configured.to_path_buf());
    }
    let own = xdg_state_home
        .or_else(|| home.map(|h| h.join(".local/state")))
        .map(|base| base.join("mynumber-kiosk/demo"));
    if let Some(dir) = own.filter(|dir| writable(dir)) {
        return Ok(dir);
    }
    // This user's id: the owner of its own /proc entry (std has no getuid, and no unsafe is
    // needed).
    let uid = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self")
            .map_err(|e| format!("/proc/self: {e}"))?
            .uid()
    };
    let dir = tmp.join(format!("mynumber-kiosk-demo-{uid}"));
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        let meta =
            std::fs::symlink_metadata(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
            return Err(format!(
                "{} is not a private directory of this user; the demo will not keep its state there",
                dir.display()
            ));
        }
    }
    if writable(&dir) {
        Ok(dir)
    } else {
        Err(format!(
            "neither {} nor a directory of this user can be written",
            configured.display()
        ))
    }
}

/// Whether `dir` exists (or can be made) and this user can write a file in it.
fn writable(dir: &Path) -> bool {
    std::fs::create_dir_all(dir).is_ok() && tempfile::NamedTempFile::new_in(dir).is_ok()
}

/// The SHA-256 of the configuration's bytes, in hex: staff compare it with the one shipped.
fn checksum(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The field serde complained about, when it says ("unknown field `x`", "missing field `x`").
fn json_field(error: &serde_json::Error) -> String {
    let text = error.to_string();
    text.split('`')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_else(|| "(json)".to_string())
}

/// The current time in Japan (the service hours are Japan time whatever the machine's zone).
pub fn japan_now() -> NaiveTime {
    let japan =
        chrono::FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!("+09:00 is valid"));
    chrono::Utc::now().with_timezone(&japan).time()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = include_str!("../../config/kiosk.json");

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("config/kiosk.json"))
    }

    #[test]
    fn the_shipped_config_is_valid() {
        let config = parse(GOOD).expect("valid");
        assert!(config.demo);
        assert_eq!(config.offered, vec![ResetKind::Signing, ResetKind::Auth]);
        assert_eq!(config.default_language, Language::Japanese);
        assert_eq!(config.audio, Audio::default());
    }

    #[test]
    fn volume_steps_are_six_decibels_apart_and_stay_within_five() {
        assert_eq!(Volume::LOUDEST.gain(), 1.0);
        assert_eq!(Volume::new(4).map(Volume::gain), Some(0.5));
        assert_eq!(Volume::QUIETEST.gain(), 0.0625);
        assert_eq!(Volume::LOUDEST.louder(), Volume::LOUDEST);
        assert_eq!(Volume::QUIETEST.quieter(), Volume::QUIETEST);
        assert_eq!(Volume::DEFAULT.louder().quieter(), Volume::DEFAULT);
        assert_eq!(Volume::new(0), None);
        assert_eq!(Volume::new(6), None);
    }

    #[test]
    fn each_bad_field_is_named_with_its_reason() {
        let hash_start = GOOD.find("\"$argon2id$").expect("the demo passcode hash");
        let hash =
            &GOOD[hash_start..hash_start + GOOD[hash_start + 1..].find('"').expect("end") + 2];
        let cases = [
            (
                "\"state_dir\": \"../var/demo\"",
                "\"state_dir\": \" \"",
                "state_dir",
                "must not be empty",
            ),
            (
                hash,
                "\"$2b$12$notargon\"",
                "staff_passcode_hash",
                "not a PHC string",
            ),
            (
                "\"max_files\": 8",
                "\"max_files\": 1",
                "audit_log.max_files",
                "between 2 and 1000",
            ),
            (
                "\"offered_resets\": [\"signing\", \"auth\"]",
                "\"offered_resets\": [\"sign-in\"]",
                "offered_resets",
                "not \"signing\"",
            ),
            (
                "\"offered_resets\": [\"signing\", \"auth\"]",
                "\"offered_resets\": []",
                "offered_resets",
                "at least one",
            ),
            (
                "\"start\": \"00:00\"",
                "\"start\": \"6h30\"",
                "service_hours.start",
                "not a time",
            ),
            (
                "\"warning_seconds\": 20",
                "\"warning_seconds\": 5",
                "timeouts.warning_seconds",
                "minimum of 20",
            ),
            (
                "\"max_extensions\": 10",
                "\"max_extensions\": 3",
                "timeouts.max_extensions",
                "less than 10",
            ),
            (
                "\"default_language\": \"ja\"",
                "\"default_language\": \"fr\"",
                "default_language",
                "\"fr\"",
            ),
            (
                "\"keypad_layout\": \"fixed\"",
                "\"keypad_layout\": \"random\"",
                "keypad_layout",
                "\"random\"",
            ),
            (
                "\"store_id\"",
                "\"store_name\"",
                "store_name",
                "unknown field",
            ),
            (
                "\"volume\": 4",
                "\"volume\": 9",
                "audio.volume",
                "not a step from 1 to 5",
            ),
            (
                "\"device\": \"default\"",
                "\"device\": \"\"",
                "audio.device",
                "not an ALSA device name",
            ),
            (
                "\"guidance\": true",
                "\"guidance\": \"yes\"",
                "audio.guidance",
                "not true or false",
            ),
            (
                "\"guidance\": true",
                "\"speech\": true",
                "audio.speech",
                "unknown field",
            ),
        ];
        for (from, to, field, problem) in cases {
            assert!(GOOD.contains(from), "{from}");
            let error = parse(&GOOD.replace(from, to)).expect_err("refused");
            assert_eq!(error.field, field, "{error}");
            assert!(error.problem.contains(problem), "{error}");
        }
    }

    #[test]
    fn the_heartbeat_interval_is_optional_and_bounded() {
        assert_eq!(
            parse(GOOD).expect("valid").heartbeat,
            Duration::from_secs(30)
        );
        let with = |seconds: &str| {
            parse(&GOOD.replace(
                "\"demo\": true",
                &format!("\"demo\": true,\n  \"heartbeat_seconds\": {seconds}"),
            ))
        };
        for good in [5, 60, 3600] {
            assert_eq!(
                with(&good.to_string()).expect("valid").heartbeat,
                Duration::from_secs(good)
            );
        }
        for bad in ["4", "0", "3601", "-1", "2.5", "\"30\""] {
            let error = with(bad).expect_err(bad);
            assert_eq!(error.field, "heartbeat_seconds", "{error}");
            assert!(error.problem.contains("between 5 and 3600"), "{error}");
        }
    }

    #[test]
    fn production_needs_the_http_centre() {
        let error = parse(&GOOD.replace("\"demo\": true", "\"demo\": false")).expect_err("refused");
        assert_eq!(error.field, "centre");
    }

    /// The centre over plain HTTP is refused at start, naming the field; its TLS files are read
    /// relative to the configuration like every other path.
    #[test]
    fn the_centre_is_reached_over_https_only() {
        let production = include_str!("../../config/kiosk.production.json");
        let path = Path::new("/etc/kiosk/kiosk.json");
        let config = Config::parse(production, path).expect("valid");
        let CentreSetting::Http {
            url,
            ca_certificate,
            key,
            ..
        } = &config.centre
        else {
            panic!("the production example uses the centre over the network");
        };
        assert!(url.starts_with("https://"));
        assert_eq!(
            ca_certificate,
            Path::new("/etc/kiosk/test-pki/centre-ca.crt")
        );
        assert_eq!(key, Path::new("/etc/kiosk/../var/STORE-0001.key"));
        let plain = production.replace("\"https://127.0.0.1:8700\"", "\"http://127.0.0.1:8700\"");
        assert_ne!(plain, production);
        let error = Config::parse(&plain, path).expect_err("plain HTTP is refused");
        assert_eq!(error.field, "centre.url");
        assert!(error.problem.contains("https://"), "{error}");
        let missing = production.replace("\"key\": \"../var/STORE-0001.key\",", "");
        assert!(
            Config::parse(&missing, path).is_err(),
            "the key is required"
        );
    }

    /// The configuration the Debian package installs in /etc/mynumber-kiosk is a production
    /// one: the centre over HTTPS, its certificates beside it, the key and the credential where
    /// systemd hands them to the kiosk (deploy/debian/kiosk-app/kiosk-app.service), its state
    /// in the unit's state directory.
    #[test]
    fn the_packaged_configuration_is_a_production_one() {
        let packaged = include_str!("../../deploy/debian/kiosk-app/kiosk.json");
        let path = Path::new("/etc/mynumber-kiosk/kiosk.json");
        let config = Config::parse(packaged, path).expect("valid");
        assert!(!config.demo);
        let CentreSetting::Http {
            url,
            credential_file,
            ca_certificate,
            certificate,
            key,
            ..
        } = &config.centre
        else {
            panic!("the packaged configuration uses the centre over the network");
        };
        assert!(url.starts_with("https://"));
        let credentials = Path::new("/run/credentials/kiosk-app.service");
        assert_eq!(key, &credentials.join("kiosk.key"));
        assert_eq!(credential_file, &credentials.join("kiosk-credential"));
        assert_eq!(
            ca_certificate,
            Path::new("/etc/mynumber-kiosk/centre-ca.crt")
        );
        assert_eq!(certificate, Path::new("/etc/mynumber-kiosk/kiosk.crt"));
        assert_eq!(config.state_dir, Path::new("/var/lib/mynumber-kiosk"));
        let unit = include_str!("../../deploy/debian/kiosk-app/kiosk-app.service");
        assert!(unit.contains("StateDirectory=mynumber-kiosk\n"));
        assert!(unit.contains("LoadCredential=kiosk.key:/etc/mynumber-kiosk/kiosk.key\n"));
        assert!(
            unit.contains("LoadCredential=kiosk-credential:/etc/mynumber-kiosk/kiosk-credential\n")
        );
    }

    #[test]
    fn service_hours_wrap_and_equal_means_all_day() {
        let mut config = Config::parse(
            include_str!("../../config/kiosk.production.json"),
            Path::new("config/kiosk.production.json"),
        )
        .expect("valid");
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
        assert!(!config.in_service_hours(at(6, 29)));
        assert!(config.in_service_hours(at(6, 30)));
        assert!(!config.in_service_hours(at(23, 0)));
        config.service_end = config.service_start;
        assert!(config.in_service_hours(at(3, 0)));
    }

    #[test]
    fn the_demo_keeps_its_state_where_this_user_can_write() {
        let scratch = tempfile::tempdir().expect("scratch");
        let dir = |name: &str| scratch.path().join(name);
        let writable = dir("var/demo");
        assert_eq!(
            demo_state_dir_in(&writable, None, None, dir("tmp")),
            Ok(writable.clone())
        );
        // A state directory that cannot be made (under a file: even root cannot) falls back to
        // the user's state directory, or to the home's, or to a private one in /tmp.
        std::fs::write(dir("a-file"), "x").expect("file");
        let impossible = dir("a-file/var/demo");
        assert_eq!(
            demo_state_dir_in(&impossible, Some(dir("xdg")), Some(dir("home")), dir("tmp")),
            Ok(dir("xdg/mynumber-kiosk/demo"))
        );
        assert_eq!(
            demo_state_dir_in(&impossible, None, Some(dir("home")), dir("tmp")),
            Ok(dir("home/.local/state/mynumber-kiosk/demo"))
        );
        std::fs::create_dir(dir("tmp")).expect("tmp");
        let private = demo_state_dir_in(&impossible, None, None, dir("tmp")).expect("private");
        assert!(private.starts_with(dir("tmp")), "{}", private.display());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private)
            .expect("made")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        // Someone else's (here: a group-readable one) is refused, not used.
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        assert!(demo_state_dir_in(&impossible, None, None, dir("tmp")).is_err());
    }
}
