//! An optional timing model: how long a real My Number Card behind a contactless PC/SC reader
//! (ISO/IEC 14443 Type B, USB CCID) would take to answer each command, so that a virtual card
//! in vpcd mode can answer as late as the real one and the kiosk sees real latency.
//!
//! One exchange costs its **transfer** (the command and response bytes on the air at the
//! link's bit rate, framed and chained as ISO/IEC 14443-3/-4 frame them, the turnaround before
//! each frame, and the reader's USB/CCID overhead) plus the **card's work** (a fixed time per
//! kind of command, the RSA-2048 signature, and EEPROM page writes for the commands that change
//! what the card keeps). Where each figure comes from: `docs/card-timing.md`.
//!
//! Without a profile the card answers at once (the default: tests stay fast). The
//! [`Ledger`] keeps what the card actually held each command for, so a benchmark can tell the
//! card's share of a wait from the software's.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::command::CommandApdu;

/// The ISO/IEC 14443 carrier frequency, fc.
const CARRIER_HZ: u128 = 13_560_000;
/// A Type B character: start bit, eight data bits, stop bit (ISO/IEC 14443-3).
const CHARACTER_ETU: u64 = 10;
/// The shortest start of frame (10 etu of 0, then 2 of 1) and end of frame (10 etu of 0).
const SOF_ETU: u64 = 12;
const EOF_ETU: u64 = 10;
/// What an I-block adds to its information field: the PCB (no CID, no NAD) and the CRC_B.
const BLOCK_OVERHEAD: usize = 3;
/// An R(ACK) block: PCB and CRC_B. Each chained block but the last is acknowledged by one.
const ACK_BLOCK: usize = 3;
/// The Type B activation, always at 106 kbit/s: REQB, ATQB, ATTRIB and its answer, CRC_B
/// included (ISO/IEC 14443-3).
const ACTIVATION_FRAMES: [usize; 4] = [5, 14, 11, 3];
/// EEPROM page writes of each state-changing command, as a tearing-safe card does them
/// [estimates]: VERIFY takes a try off the counter before comparing and gives it back after a
/// right PIN; the reset writes the PIN, the counter and the receipt; a PIN change the PIN.
const WRITES_VERIFY_RIGHT: u32 = 2;
const WRITES_VERIFY_WRONG: u32 = 1;
const WRITES_RESET: u32 = 3;
const WRITES_CHANGE_PIN: u32 = 1;
/// How many exchanges the ledger keeps in order (enough for a few whole sessions).
const RECENT_LIMIT: usize = 512;
const SW_OK: u16 = 0x9000;

/// The contactless link's bit rate, both directions (a divisor of the carrier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub enum BitRate {
    /// fc/128, ~106 kbit/s: every card, and the activation.
    Kbps106,
    /// fc/64, ~212 kbit/s.
    Kbps212,
    /// fc/32, ~424 kbit/s.
    Kbps424,
    /// fc/16, ~848 kbit/s.
    Kbps848,
}

impl BitRate {
    /// Carrier cycles per bit: one etu is this many cycles of fc.
    fn cycles_per_etu(self) -> u128 {
        match self {
            BitRate::Kbps106 => 128,
            BitRate::Kbps212 => 64,
            BitRate::Kbps424 => 32,
            BitRate::Kbps848 => 16,
        }
    }

    /// The time of `etu` bit periods, to the nanosecond.
    pub fn etu(self, etu: u64) -> Duration {
        let nanos = u128::from(etu) * self.cycles_per_etu() * 1_000_000_000 / CARRIER_HZ;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

impl TryFrom<u32> for BitRate {
    type Error = String;

    fn try_from(kbps: u32) -> Result<BitRate, String> {
        match kbps {
            106 => Ok(BitRate::Kbps106),
            212 => Ok(BitRate::Kbps212),
            424 => Ok(BitRate::Kbps424),
            848 => Ok(BitRate::Kbps848),
            other => Err(format!(
                "bit rate {other} kbit/s: ISO/IEC 14443 has 106, 212, 424 and 848"
            )),
        }
    }
}

impl From<BitRate> for u32 {
    fn from(rate: BitRate) -> u32 {
        match rate {
            BitRate::Kbps106 => 106,
            BitRate::Kbps212 => 212,
            BitRate::Kbps424 => 424,
            BitRate::Kbps848 => 848,
        }
    }
}

/// The contactless link between reader and card once the card is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub bit_rate: BitRate,
    /// The largest frame either side takes (FSC = FSD), prologue and CRC_B included; longer
    /// commands and responses are chained.
    pub max_frame_bytes: usize,
    /// Extra guard time after each character but a frame's last, in etu.
    pub egt_etu: u64,
    /// The silence before each frame: the card's TR0 + TR1 before it answers, the reader's own
    /// turnaround before it sends.
    pub turnaround_us: u64,
}

impl Link {
    /// The air time of `frames` frames holding `bytes` bytes in all at `rate`, turnarounds
    /// included.
    fn frames(&self, rate: BitRate, frames: usize, bytes: usize) -> Duration {
        let (frames, bytes) = (frames as u64, bytes as u64);
        let etu = frames * (SOF_ETU + EOF_ETU)
            + bytes * CHARACTER_ETU
            + bytes.saturating_sub(frames) * self.egt_etu;
        rate.etu(etu) + Duration::from_micros(self.turnaround_us) * frames as u32
    }

    /// The air time of one APDU exchange: the command in I-blocks, the response in I-blocks,
    /// and an R(ACK) for each chained block but the last.
    fn exchange(&self, command_bytes: usize, response_bytes: usize) -> Duration {
        let payload = self.max_frame_bytes.saturating_sub(BLOCK_OVERHEAD).max(1);
        let blocks = |bytes: usize| bytes.div_ceil(payload).max(1);
        let (command_blocks, response_blocks) = (blocks(command_bytes), blocks(response_bytes));
        let acks = (command_blocks - 1) + (response_blocks - 1);
        let frames = command_blocks + response_blocks + acks;
        let bytes = command_bytes
            + response_bytes
            + BLOCK_OVERHEAD * (command_blocks + response_blocks)
            + ACK_BLOCK * acks;
        self.frames(self.bit_rate, frames, bytes)
    }

    /// The Type B activation (REQB … answer to ATTRIB), at 106 kbit/s whatever the link's rate.
    fn activation(&self) -> Duration {
        self.frames(
            BitRate::Kbps106,
            ACTIVATION_FRAMES.len(),
            ACTIVATION_FRAMES.iter().sum(),
        )
    }
}

/// What the card's own processor takes, in microseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardWork {
    /// From the field on (or a reset) to the card ready for REQB.
    pub boot_us: u64,
    /// SELECT of the applet or of an EF.
    pub select_us: u64,
    /// READ BINARY, besides the bytes' transfer.
    pub read_binary_us: u64,
    /// VERIFY's comparison (its counter writes are EEPROM writes).
    pub verify_us: u64,
    /// A PKCS#1 v1.5 signature with the RSA-2048 private key (JPKI's SIGN).
    pub rsa_2048_sign_us: u64,
    /// Opening the reset command's secure messaging: MAC check and decryption.
    pub secure_messaging_us: u64,
    /// GET CHALLENGE: the random number generator.
    pub get_challenge_us: u64,
    /// Any other command, and every refusal.
    pub command_us: u64,
    /// One EEPROM page erase and write.
    pub eeprom_write_us: u64,
}

/// A timing profile: the link, the reader and the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingProfile {
    /// For people and logs.
    pub name: String,
    pub link: Link,
    /// The reader's part of every exchange: the USB CCID messages there and back, and its
    /// firmware.
    pub reader_us: u64,
    pub card: CardWork,
}

/// The kinds of exchange the model and the ledger tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Power on or reset: the card activated again.
    Activation,
    Select,
    ReadBinary,
    /// The empty VERIFY: the counter, no comparison.
    TriesLeft,
    Verify,
    Sign,
    GetChallenge,
    /// The stand-in reset (RESET RETRY COUNTER under secure messaging).
    Reset,
    /// CHANGE REFERENCE DATA.
    ChangePin,
    Other,
}

impl Operation {
    /// The kind of a command APDU, from its instruction (and, for VERIFY, whether it carries
    /// a PIN).
    pub fn of(command: &[u8]) -> Operation {
        match command.get(1) {
            Some(0xA4) => Operation::Select,
            Some(0xB0) => Operation::ReadBinary,
            Some(0x20) => match CommandApdu::parse(command) {
                Ok(parsed) if parsed.data.is_empty() => Operation::TriesLeft,
                _ => Operation::Verify,
            },
            Some(0x2A) => Operation::Sign,
            Some(0x84) => Operation::GetChallenge,
            Some(0x2C) => Operation::Reset,
            Some(0x24) => Operation::ChangePin,
            _ => Operation::Other,
        }
    }
}

/// What the model says one exchange costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    /// Air time, turnarounds and the reader.
    pub transfer: Duration,
    /// The card's processor and EEPROM.
    pub card: Duration,
}

impl Cost {
    pub fn total(&self) -> Duration {
        self.transfer + self.card
    }
}

/// A timing profile that could not be had.
#[derive(Debug)]
pub enum TimingError {
    Read(std::path::PathBuf, std::io::Error),
    Parse(std::path::PathBuf, serde_json::Error),
    Invalid(String),
}

impl fmt::Display for TimingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimingError::Read(path, error) => write!(f, "{}: {error}", path.display()),
            TimingError::Parse(path, error) => write!(f, "{}: {error}", path.display()),
            TimingError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for TimingError {}

impl TimingProfile {
    /// The built-in profiles by name, for `--timing NAME`.
    pub const PRESETS: [&'static str; 2] = ["contactless", "contactless-424"];

    /// A My Number Card behind a USB contactless reader at 212 kbit/s. Every figure and its
    /// source: `docs/card-timing.md`.
    pub fn contactless() -> TimingProfile {
        TimingProfile {
            name: "contactless".to_string(),
            link: Link {
                bit_rate: BitRate::Kbps212,
                max_frame_bytes: 256,
                egt_etu: 0,
                turnaround_us: 200,
            },
            reader_us: 1_000,
            card: CardWork {
                boot_us: 5_000,
                select_us: 2_000,
                read_binary_us: 1_000,
                verify_us: 3_000,
                rsa_2048_sign_us: 200_000,
                secure_messaging_us: 3_000,
                get_challenge_us: 2_000,
                command_us: 1_000,
                eeprom_write_us: 5_000,
            },
        }
    }

    /// The same card and reader with the link at 424 kbit/s.
    pub fn contactless_424() -> TimingProfile {
        let mut profile = TimingProfile::contactless();
        profile.name = "contactless-424".to_string();
        profile.link.bit_rate = BitRate::Kbps424;
        profile
    }

    /// `--timing ARG`: `none` (no profile: the card answers at once), a preset's name, or the
    /// path of a JSON file holding a profile.
    pub fn from_arg(arg: &str) -> Result<Option<TimingProfile>, TimingError> {
        let profile = match arg {
            "none" => return Ok(None),
            "contactless" => TimingProfile::contactless(),
            "contactless-424" => TimingProfile::contactless_424(),
            path => TimingProfile::load(Path::new(path))?,
        };
        Ok(Some(profile))
    }

    /// Reads a profile from a JSON file.
    pub fn load(path: &Path) -> Result<TimingProfile, TimingError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| TimingError::Read(path.to_path_buf(), e))?;
        let profile: TimingProfile =
            serde_json::from_str(&text).map_err(|e| TimingError::Parse(path.to_path_buf(), e))?;
        profile.check()?;
        Ok(profile)
    }

    fn check(&self) -> Result<(), TimingError> {
        // Below this no frame has room for a byte of the APDU; ISO/IEC 14443-4's smallest FSC is
        // 16.
        if self.link.max_frame_bytes < 16 {
            return Err(TimingError::Invalid(format!(
                "max_frame_bytes {} is below ISO/IEC 14443-4's smallest frame (16)",
                self.link.max_frame_bytes
            )));
        }
        Ok(())
    }

    /// The cost of one command and the card's response to it.
    pub fn command_cost(&self, command: &[u8], response: &[u8]) -> (Operation, Cost) {
        let operation = Operation::of(command);
        let transfer = self.link.exchange(command.len(), response.len())
            + Duration::from_micros(self.reader_us);
        let sw = match response {
            [.., sw1, sw2] => u16::from_be_bytes([*sw1, *sw2]),
            _ => 0,
        };
        let card = Duration::from_micros(self.work_us(operation, sw))
            + Duration::from_micros(self.card.eeprom_write_us) * eeprom_writes(operation, sw);
        (operation, Cost { transfer, card })
    }

    /// The cost of a power-on or reset: the card boots and is activated again.
    pub fn activation_cost(&self) -> Cost {
        Cost {
            transfer: self.link.activation() + Duration::from_micros(self.reader_us),
            card: Duration::from_micros(self.card.boot_us),
        }
    }

    fn work_us(&self, operation: Operation, sw: u16) -> u64 {
        let card = &self.card;
        match operation {
            Operation::Activation => card.boot_us,
            Operation::Select => card.select_us,
            Operation::ReadBinary => card.read_binary_us,
            Operation::Verify => card.verify_us,
            Operation::Sign if sw == SW_OK => card.rsa_2048_sign_us,
            // The MAC is checked (and the PIN decrypted) whether or not the reset goes through.
            Operation::Reset => card.secure_messaging_us,
            Operation::GetChallenge => card.get_challenge_us,
            Operation::TriesLeft | Operation::Sign | Operation::ChangePin | Operation::Other => {
                card.command_us
            }
        }
    }
}

/// The EEPROM page writes `operation` made, given the status word it answered.
fn eeprom_writes(operation: Operation, sw: u16) -> u32 {
    match operation {
        Operation::Verify if sw == SW_OK => WRITES_VERIFY_RIGHT,
        // 63Cx: the try is gone; 6984 and the rest: the counter was not touched.
        Operation::Verify if sw & 0xFFF0 == 0x63C0 => WRITES_VERIFY_WRONG,
        Operation::Reset if sw == SW_OK => WRITES_RESET,
        Operation::ChangePin if sw == SW_OK => WRITES_CHANGE_PIN,
        _ => 0,
    }
}

/// How many exchanges of one kind the card held, and for how long in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    pub held_us: u64,
}

/// One exchange as the card held it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// Counts the exchanges the card held since it started.
    pub seq: u64,
    pub operation: Operation,
    /// When the command reached the card (wall clock, microseconds since the Unix epoch, to be
    /// compared with another process's clock on the same machine).
    pub received_unix_us: u64,
    /// The card's time: the model's cost of the exchange (the virtual card's own processing
    /// runs within it), or that processing where it took longer or there is no model.
    pub held_us: u64,
}

/// What the card spent its time on: per kind of exchange, and the latest exchanges in order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ledger {
    pub by_operation: BTreeMap<Operation, Tally>,
    pub recent: VecDeque<Exchange>,
    /// The number of exchanges recorded so far (the next one's `seq`).
    pub recorded: u64,
}

impl Ledger {
    pub fn record(&mut self, operation: Operation, received: SystemTime, held: Duration) {
        let held_us = u64::try_from(held.as_micros()).unwrap_or(u64::MAX);
        let tally = self.by_operation.entry(operation).or_default();
        tally.count += 1;
        tally.held_us += held_us;
        if self.recent.len() == RECENT_LIMIT {
            self.recent.pop_front();
        }
        self.recent.push_back(Exchange {
            seq: self.recorded,
            operation,
            received_unix_us: unix_micros(received),
            held_us,
        });
        self.recorded += 1;
    }

    /// The time the card held commands, in all.
    pub fn total(&self) -> Duration {
        Duration::from_micros(self.by_operation.values().map(|t| t.held_us).sum())
    }

    /// What happened after `earlier` (a snapshot of the same ledger): the tallies' difference,
    /// and the exchanges `earlier` had not seen.
    pub fn since(&self, earlier: &Ledger) -> Ledger {
        let by_operation = self
            .by_operation
            .iter()
            .map(|(operation, now)| {
                let before = earlier
                    .by_operation
                    .get(operation)
                    .copied()
                    .unwrap_or_default();
                let tally = Tally {
                    count: now.count.saturating_sub(before.count),
                    held_us: now.held_us.saturating_sub(before.held_us),
                };
                (*operation, tally)
            })
            .filter(|(_, tally)| tally.count > 0)
            .collect();
        let recent = self
            .recent
            .iter()
            .filter(|e| e.seq >= earlier.recorded)
            .copied()
            .collect();
        Ledger {
            by_operation,
            recent,
            recorded: self.recorded,
        }
    }
}

/// Microseconds since the Unix epoch (0 for a clock set before 1970).
pub fn unix_micros(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 212 kbit/s link with every figure spelt out here, so that these tests pin the formula
    /// whatever the presets say.
    fn profile_212() -> TimingProfile {
        TimingProfile {
            name: "test".to_string(),
            link: Link {
                bit_rate: BitRate::Kbps212,
                max_frame_bytes: 256,
                egt_etu: 0,
                turnaround_us: 100,
            },
            reader_us: 1_000,
            card: CardWork {
                boot_us: 5_000,
                select_us: 2_000,
                read_binary_us: 1_000,
                verify_us: 3_000,
                rsa_2048_sign_us: 200_000,
                secure_messaging_us: 3_000,
                get_challenge_us: 2_000,
                command_us: 1_000,
                eeprom_write_us: 5_000,
            },
        }
    }

    fn read_binary_256() -> (Vec<u8>, Vec<u8>) {
        let command = vec![0x00, 0xB0, 0x01, 0x00, 0x00];
        let mut response = vec![0x5A; 256];
        response.extend_from_slice(&[0x90, 0x00]);
        (command, response)
    }

    #[test]
    fn one_etu_is_the_carrier_divided_by_the_rate() {
        // 64 / 13.56 MHz = 4.7197… µs.
        assert_eq!(BitRate::Kbps212.etu(1), Duration::from_nanos(4_719));
        // 128 / 13.56 MHz = 9.4395… µs, the 106 kbit/s bit.
        assert_eq!(BitRate::Kbps106.etu(1), Duration::from_nanos(9_439));
        assert_eq!(BitRate::Kbps424.etu(1000), Duration::from_nanos(2_359_882));
    }

    #[test]
    fn a_256_byte_read_binary_answer_at_212_kbit_s_costs_what_the_formula_says() {
        // The command (5 bytes) fits one I-block: 5 + 3 = 8 bytes. The answer (256 + SW = 258
        // bytes) does not fit one 256-byte frame (253 bytes of payload): two I-blocks of 253 and
        // 5 bytes, 264 bytes with their PCBs and CRCs, and the reader's R(ACK) (3 bytes) between
        // them. 4 frames, 275 bytes: 4 × (12 + 10) + 275 × 10 = 2,838 etu.
        // 2,838 × 64 / 13.56 MHz = 13,394.690 µs; 4 turnarounds of 100 µs; the reader 1,000 µs.
        let (command, response) = read_binary_256();
        let (operation, cost) = profile_212().command_cost(&command, &response);
        assert_eq!(operation, Operation::ReadBinary);
        assert_eq!(
            cost.transfer,
            Duration::from_nanos(13_394_690 + 400_000 + 1_000_000)
        );
        assert_eq!(cost.card, Duration::from_micros(1_000));
        assert_eq!(cost.total(), Duration::from_nanos(15_794_690));
    }

    #[test]
    fn a_short_answer_is_one_frame_each_way() {
        // SELECT EF: 7 + 3 and 2 + 3 bytes, 2 frames: 2 × 22 + 15 × 10 = 194 etu at 212 kbit/s
        // = 915.634 µs; 2 turnarounds; the reader.
        let (_, cost) =
            profile_212().command_cost(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18], &[0x90, 0x00]);
        assert_eq!(
            cost.transfer,
            Duration::from_nanos(915_634 + 200_000 + 1_000_000)
        );
        assert_eq!(cost.card, Duration::from_micros(2_000));
    }

    #[test]
    fn a_faster_link_only_shortens_the_air_time() {
        let (command, response) = read_binary_256();
        let mut fast = profile_212();
        fast.link.bit_rate = BitRate::Kbps424;
        let (_, slow) = profile_212().command_cost(&command, &response);
        let (_, fast) = fast.command_cost(&command, &response);
        // Half the etu, the same 2,838 of them: 6,697.345 µs.
        assert_eq!(
            slow.transfer - fast.transfer,
            Duration::from_nanos(6_697_345)
        );
        assert_eq!(slow.card, fast.card);
    }

    #[test]
    fn the_card_work_follows_what_the_command_did() {
        let profile = TimingProfile::contactless();
        let card = |command: &[u8], sw: [u8; 2]| profile.command_cost(command, &sw).1.card;
        let ms = Duration::from_millis;
        let verify = [0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34];
        // Right PIN: comparison + the counter taken and given back.
        assert_eq!(card(&verify, [0x90, 0x00]), ms(3 + 2 * 5));
        // Wrong PIN: the try stays gone.
        assert_eq!(card(&verify, [0x63, 0xC2]), ms(3 + 5));
        // Blocked: nothing written.
        assert_eq!(card(&verify, [0x69, 0x84]), ms(3));
        // The empty VERIFY only reads the counter.
        assert_eq!(card(&[0x00, 0x20, 0x00, 0x80], [0x63, 0xC3]), ms(1));
        let sign = [0x80, 0x2A, 0x00, 0x80, 0x02, 0x30, 0x31, 0x00];
        assert_eq!(card(&sign, [0x90, 0x00]), ms(200));
        assert_eq!(card(&sign, [0x69, 0x82]), ms(1));
        let reset = [0x0C, 0x2C, 0x02, 0x80, 0x02, 0x87, 0x00];
        assert_eq!(card(&reset, [0x90, 0x00]), ms(3 + 3 * 5));
        assert_eq!(card(&reset, [0x69, 0x88]), ms(3));
    }

    #[test]
    fn activation_runs_at_106_kbit_s() {
        // 4 frames, 33 bytes: 4 × 22 + 330 = 418 etu × 9.4395 µs = 3,945.722 µs; 4 turnarounds
        // of 200 µs; the reader 1 ms; the card boots in 5 ms.
        let cost = TimingProfile::contactless().activation_cost();
        assert_eq!(
            cost.transfer,
            Duration::from_nanos(3_945_722 + 800_000 + 1_000_000)
        );
        assert_eq!(cost.card, Duration::from_millis(5));
    }

    #[test]
    fn profiles_round_trip_through_json_and_bad_ones_are_refused() {
        let profile = TimingProfile::contactless_424();
        let text = serde_json::to_string_pretty(&profile).expect("serialises");
        assert!(text.contains("\"bit_rate\": 424"), "{text}");
        let back: TimingProfile = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, profile);

        let dir = tempfile::tempdir().expect("a temporary directory");
        let bad_rate = text.replace("\"bit_rate\": 424", "\"bit_rate\": 300");
        let path = dir.path().join("profile.json");
        std::fs::write(&path, bad_rate).expect("writes");
        let error = TimingProfile::load(&path).expect_err("300 kbit/s is refused");
        assert!(error.to_string().contains("300 kbit/s"), "{error}");

        let tiny = text.replace("\"max_frame_bytes\": 256", "\"max_frame_bytes\": 3");
        std::fs::write(&path, tiny).expect("writes");
        assert!(TimingProfile::load(&path).is_err());

        assert_eq!(TimingProfile::from_arg("none").expect("none"), None);
        for name in TimingProfile::PRESETS {
            let preset = TimingProfile::from_arg(name).expect("a preset");
            assert_eq!(preset.map(|p| p.name), Some(name.to_string()));
        }
    }

    #[test]
    fn the_ledger_tells_what_happened_since_a_snapshot() {
        let mut ledger = Ledger::default();
        let t = |us: u64| SystemTime::UNIX_EPOCH + Duration::from_micros(us);
        ledger.record(Operation::Select, t(10), Duration::from_micros(4));
        let snapshot = ledger.clone();
        ledger.record(Operation::Select, t(20), Duration::from_micros(5));
        ledger.record(Operation::Sign, t(30), Duration::from_micros(200));
        let since = ledger.since(&snapshot);
        assert_eq!(since.total(), Duration::from_micros(205));
        assert_eq!(
            since.by_operation.get(&Operation::Select),
            Some(&Tally {
                count: 1,
                held_us: 5
            })
        );
        assert_eq!(since.recent.len(), 2);
        let json = serde_json::to_value(&ledger).expect("serialises");
        let back: Ledger = serde_json::from_value(json).expect("parses");
        assert_eq!(back, ledger);
    }
}
