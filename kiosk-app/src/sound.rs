//! What the kiosk plays, through ALSA's `aplay` (16 kHz mono, 16-bit, raw on its stdin): the
//! voice guidance's recordings (`crate::voice`), a neutral tone for each key pressed and the
//! card-left alert's beeps. One player thread plays one thing at a time; something new to
//! play cuts what is playing short within 0.3 s (the customer has moved on, and a stale prompt
//! would talk over the new screen). Without `aplay` or an audio device nothing breaks: the
//! failure is logged once, and the screens say everything the voice says (docs/audio.md).

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use kiosk_core::config::Volume;

use crate::app::LOG;
use crate::voice::RATE;

/// One thing to play, in order with the others of its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A recording (Ogg Vorbis, `crate::voice`).
    Speech(&'static [u8]),
    /// A key was pressed: the same short tone for every key, so that nothing typed is heard.
    KeyTone,
    /// The card was left on the reader: three beeps.
    Alert,
}

/// What the player writes between checks for something newer: 0.1 s.
const CHUNK: usize = RATE as usize / 10;

/// The kiosk's player: cheap to clone, all clones feeding the same thread.
#[derive(Debug, Clone)]
pub struct Speaker {
    /// `None`: silent (a detached app, a tool's shadow of a running kiosk).
    shared: Option<Arc<Shared>>,
}

#[derive(Debug)]
struct Shared {
    device: String,
    state: Mutex<State>,
    changed: Condvar,
    /// Turns `aplay` could not play (no device, no aplay).
    failures: AtomicU64,
    /// Whether the failure was logged (once: a kiosk without a speaker would fill its log).
    warned: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    /// The turn waiting to play (a newer one replaces it).
    next: Option<Turn>,
    playing: bool,
    closed: bool,
}

#[derive(Debug)]
struct Turn {
    parts: Vec<Part>,
    volume: Volume,
}

impl Speaker {
    /// A player for ALSA's PCM `device` (`aplay -D`), its thread started.
    pub fn new(device: &str) -> Speaker {
        let shared = Arc::new(Shared {
            device: device.to_string(),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            failures: AtomicU64::new(0),
            warned: AtomicBool::new(false),
        });
        let player = shared.clone();
        let started = std::thread::Builder::new()
            .name("sound".to_string())
            .spawn(move || player.run());
        match started {
            Ok(_) => Speaker {
                shared: Some(shared),
            },
            Err(error) => {
                tracing::warn!(target: LOG, %error, "no sound: its thread did not start");
                Speaker::silent()
            }
        }
    }

    /// A player that plays nothing.
    pub fn silent() -> Speaker {
        Speaker { shared: None }
    }

    /// Plays `parts` in order at `volume`, cutting short whatever is playing.
    pub fn play(&self, parts: Vec<Part>, volume: Volume) {
        let Some(shared) = &self.shared else {
            return;
        };
        if parts.is_empty() {
            return;
        }
        let mut state = shared.lock();
        state.next = Some(Turn { parts, volume });
        shared.changed.notify_all();
    }

    /// Waits until nothing is playing or waiting to play (at most `limit`); whether it is so.
    /// The tests capture a whole reset's sound this way, one screen after the other.
    pub fn wait_quiet(&self, limit: Duration) -> bool {
        let Some(shared) = &self.shared else {
            return true;
        };
        let state = shared.lock();
        let (state, _) = shared
            .changed
            .wait_timeout_while(state, limit, |state| state.next.is_some() || state.playing)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.next.is_none() && !state.playing
    }

    /// How many turns `aplay` could not play.
    pub fn failures(&self) -> u64 {
        self.shared
            .as_ref()
            .map_or(0, |shared| shared.failures.load(Ordering::Relaxed))
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        // The thread holds one reference: the last Speaker to go closes it.
        if let Some(shared) = &self.shared
            && Arc::strong_count(shared) == 2
        {
            shared.lock().closed = true;
            shared.changed.notify_all();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn run(&self) {
        loop {
            let turn = {
                let mut state = self.lock();
                while state.next.is_none() && !state.closed {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                if state.closed {
                    return;
                }
                state.playing = true;
                state.next.take()
            };
            if let Some(turn) = turn {
                let samples = render(&turn.parts, turn.volume);
                if let Err(problem) = self.play(&samples) {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                    if !self.warned.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            target: LOG,
                            device = %self.device,
                            problem = %problem,
                            "sound cannot be played (the voice guidance and tones are silent; \
                             the screens still say everything)"
                        );
                    }
                }
            }
            let mut state = self.lock();
            state.playing = false;
            self.changed.notify_all();
        }
    }

    /// Plays `samples` to the end, or until a newer turn arrives: then what aplay holds (its
    /// buffer, 0.2 s) plays out and the rest is dropped. aplay is never killed: a killed aplay
    /// would leave its output half written (and on a real device the buffer is short anyway).
    fn play(&self, samples: &[i16]) -> Result<(), String> {
        let mut player = Command::new("aplay")
            .args([
                "-q",
                "-D",
                &self.device,
                "-t",
                "raw",
                "-f",
                "S16_LE",
                "-c",
                "1",
            ])
            .args(["-r", &RATE.to_string(), "--buffer-time=200000", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("aplay: {error}"))?;
        let mut input = player.stdin.take().ok_or("aplay has no stdin")?;
        for chunk in samples.chunks(CHUNK) {
            if self.lock().next.is_some() {
                // Cut short: the customer is somewhere else now.
                break;
            }
            let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.to_le_bytes()).collect();
            if input.write_all(&bytes).is_err() {
                // aplay is gone (no device): its own words say why.
                break;
            }
        }
        drop(input);
        finished(player)
    }
}

/// aplay's verdict, with its first line of complaint.
fn finished(player: Child) -> Result<(), String> {
    let output = player
        .wait_with_output()
        .map_err(|error| format!("aplay: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let said = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "aplay {}: {}",
            output.status,
            said.lines().next().unwrap_or("(nothing said)")
        ))
    }
}

/// A turn's samples at `volume`. A recording that cannot be decoded is skipped (a test decodes
/// every one, so this is a damaged binary, not a customer's problem).
pub fn render(parts: &[Part], volume: Volume) -> Vec<i16> {
    let mut samples = Vec::new();
    for part in parts {
        match part {
            Part::Speech(ogg) => match crate::voice::decode(ogg) {
                Ok(speech) => samples.extend(speech),
                Err(problem) => tracing::error!(target: LOG, %problem, "a recording is damaged"),
            },
            Part::KeyTone => samples.extend(key_tone()),
            Part::Alert => samples.extend(beeps()),
        }
    }
    scale(&mut samples, volume);
    samples
}

/// Every sample times the volume's gain (exact at the loudest step, whose gain is 1).
pub fn scale(samples: &mut [i16], volume: Volume) {
    let gain = volume.gain();
    if gain != 1.0 {
        for sample in samples {
            *sample = (f32::from(*sample) * gain).round() as i16;
        }
    }
}

/// A sine of `hz` for `ms`, faded in and out over 5 ms (no click), at `amplitude`.
fn sine(hz: f32, ms: u32, amplitude: f32) -> impl Iterator<Item = i16> {
    let length = (RATE * ms / 1000) as usize;
    let fade = (RATE * 5 / 1000) as usize;
    (0..length).map(move |n| {
        let t = n as f32 / RATE as f32;
        let edge = n.min(length - 1 - n).min(fade) as f32 / fade as f32;
        ((t * hz * std::f32::consts::TAU).sin() * amplitude * edge) as i16
    })
}

/// The key press: 60 ms at 880 Hz, the same for every key.
pub fn key_tone() -> Vec<i16> {
    sine(880.0, 60, 8000.0).collect()
}

/// The alert: three 150 ms beeps at 1 kHz with 100 ms of silence after each.
pub fn beeps() -> Vec<i16> {
    let gap = (RATE * 100 / 1000) as usize;
    let mut samples = Vec::new();
    for _ in 0..3 {
        samples.extend(sine(1000.0, 150, 12000.0));
        samples.extend(std::iter::repeat_n(0, gap));
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_halves_the_amplitude_per_step_and_leaves_the_loudest_exact() {
        let tone = key_tone();
        let mut loudest = tone.clone();
        scale(&mut loudest, Volume::LOUDEST);
        assert_eq!(loudest, tone);
        let mut quieter = tone.clone();
        scale(&mut quieter, Volume::LOUDEST.quieter());
        let peak = |s: &[i16]| s.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0);
        assert!(peak(&tone) > 7000);
        assert!(peak(&quieter).abs_diff(peak(&tone) / 2) <= 1);
    }

    #[test]
    fn nothing_plays_without_a_device_and_nothing_breaks() {
        let speaker = Speaker::new("hw:CARD=NoSuchCard");
        speaker.play(vec![Part::KeyTone], Volume::DEFAULT);
        assert!(speaker.wait_quiet(Duration::from_secs(10)));
        speaker.play(vec![Part::Alert], Volume::DEFAULT);
        assert!(speaker.wait_quiet(Duration::from_secs(10)));
        assert_eq!(speaker.failures(), 2);
    }
}
