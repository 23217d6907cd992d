//! The removal alert: three short beeps through ALSA's `aplay`, where the kiosk has it and an
//! audio device. Without either nothing happens (and nothing breaks): the visual alert stays.

use std::io::Write;
use std::process::{Command, Stdio};

const RATE: u32 = 16_000;

/// Plays the alert in the background; never blocks, never fails.
pub fn alert() {
    let _ = std::thread::Builder::new()
        .name("alert sound".to_string())
        .spawn(|| {
            let Ok(mut player) = Command::new("aplay")
                .args(["-q", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            else {
                return;
            };
            if let Some(mut input) = player.stdin.take() {
                let _ = input.write_all(&beeps());
            }
            let _ = player.wait();
        });
}

/// Three 150 ms beeps at 1 kHz with 100 ms of silence after each, as a 16-bit mono WAV.
pub fn beeps() -> Vec<u8> {
    let beep = (RATE * 150 / 1000) as usize;
    let gap = (RATE * 100 / 1000) as usize;
    let mut samples: Vec<i16> = Vec::with_capacity(3 * (beep + gap));
    for _ in 0..3 {
        for n in 0..beep {
            let t = n as f32 / RATE as f32;
            samples.push(((t * 1000.0 * std::f32::consts::TAU).sin() * 9000.0) as i16);
        }
        samples.extend(std::iter::repeat_n(0, gap));
    }
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_alert_is_a_well_formed_wav() {
        let wav = super::beeps();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]) as usize,
            wav.len() - 8
        );
        assert_eq!(&wav[36..40], b"data");
    }
}
