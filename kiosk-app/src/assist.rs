//! What a customer may switch on for their own session from the top screen's accessibility
//! button: larger text and keys, high contrast, more time, and the voice guidance on or off,
//! louder or quieter. The next customer starts with the store's settings (docs/accessibility.md,
//! docs/audio.md).

use std::time::Duration;

use kiosk_core::config::{Audio, Volume};

use crate::theme::{Metrics, Palette};

/// The switches: for a new customer the first three off, the voice as the store set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assist {
    /// Text a quarter larger, and the numeric keypad's keys a fifth.
    pub large_text: bool,
    /// The high-contrast palette (`Palette::HIGH_CONTRAST`).
    pub high_contrast: bool,
    /// Every limit of the customer's screens twice as long (the store's `slow_mode`, for one
    /// customer).
    pub more_time: bool,
    /// Every control in the lower part of the screen, for a customer in a wheelchair or short
    /// of reach (`widget::frame`, `widget::overlay`).
    pub low: bool,
    /// Each screen's prompt spoken.
    pub voice: bool,
    /// How loud the voice, the key tones and the alert are.
    pub volume: Volume,
    /// The store's voice and volume, where every customer starts.
    store: (bool, Volume),
}

/// One of the switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    LargeText,
    HighContrast,
    MoreTime,
    Low,
    Voice,
}

impl Switch {
    pub const ALL: [Switch; 5] = [
        Switch::LargeText,
        Switch::HighContrast,
        Switch::MoreTime,
        Switch::Low,
        Switch::Voice,
    ];
}

impl Default for Assist {
    /// A new customer at a store that says nothing of its audio.
    fn default() -> Assist {
        Assist::for_store(&Audio::default())
    }
}

impl Assist {
    /// A new customer at a store with `audio`.
    pub fn for_store(audio: &Audio) -> Assist {
        Assist {
            large_text: false,
            high_contrast: false,
            more_time: false,
            low: false,
            voice: audio.guidance,
            volume: audio.volume,
            store: (audio.guidance, audio.volume),
        }
    }

    pub fn is_on(&self, switch: Switch) -> bool {
        match switch {
            Switch::LargeText => self.large_text,
            Switch::HighContrast => self.high_contrast,
            Switch::MoreTime => self.more_time,
            Switch::Low => self.low,
            Switch::Voice => self.voice,
        }
    }

    pub fn toggle(&mut self, switch: Switch) {
        let flag = match switch {
            Switch::LargeText => &mut self.large_text,
            Switch::HighContrast => &mut self.high_contrast,
            Switch::MoreTime => &mut self.more_time,
            Switch::Low => &mut self.low,
            Switch::Voice => &mut self.voice,
        };
        *flag = !*flag;
    }

    /// One volume step louder (`true`) or quieter.
    pub fn step_volume(&mut self, louder: bool) {
        self.volume = if louder {
            self.volume.louder()
        } else {
            self.volume.quieter()
        };
    }

    /// Whether anything differs from what a new customer gets (the top screen's button says
    /// so, and the top screen goes back to the store's settings after its time).
    pub fn any(&self) -> bool {
        self.large_text
            || self.high_contrast
            || self.more_time
            || self.low
            || (self.voice, self.volume) != self.store
    }

    /// The sizes to draw with.
    pub fn metrics(&self, window: Metrics) -> Metrics {
        if self.large_text {
            window.enlarged()
        } else {
            window
        }
    }

    pub fn palette(&self) -> &'static Palette {
        if self.high_contrast {
            &Palette::HIGH_CONTRAST
        } else {
            &Palette::STANDARD
        }
    }

    /// A screen's time limit for this customer.
    pub fn limit(&self, limit: Duration) -> Duration {
        if self.more_time {
            limit.saturating_mul(2)
        } else {
            limit
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_toggle_and_change_what_they_say() {
        let mut assist = Assist::default();
        assert!(!assist.any());
        let window = Metrics::for_size(iced::Size::new(1280.0, 800.0));
        assert_eq!(assist.metrics(window), window);
        assert_eq!(
            assist.limit(Duration::from_secs(60)),
            Duration::from_secs(60)
        );
        for switch in [
            Switch::LargeText,
            Switch::HighContrast,
            Switch::MoreTime,
            Switch::Low,
        ] {
            assist.toggle(switch);
            assert!(assist.is_on(switch));
        }
        assert!(assist.metrics(window).body() > window.body());
        assert!(assist.metrics(window).key() > window.key());
        assert_eq!(*assist.palette(), Palette::HIGH_CONTRAST);
        assert_eq!(
            assist.limit(Duration::from_secs(60)),
            Duration::from_secs(120)
        );
        assist.toggle(Switch::MoreTime);
        assert!(!assist.more_time && assist.any());
    }

    #[test]
    fn the_voice_starts_as_the_store_set_it_and_counts_as_a_change_when_changed() {
        let quiet_store = Audio {
            guidance: false,
            volume: Volume::QUIETEST,
            ..Audio::default()
        };
        let mut assist = Assist::for_store(&quiet_store);
        assert!(!assist.is_on(Switch::Voice) && !assist.any());
        assist.toggle(Switch::Voice);
        assert!(assist.voice && assist.any());
        assist.toggle(Switch::Voice);
        assist.step_volume(false);
        assert_eq!(assist.volume, Volume::QUIETEST);
        assert!(!assist.any());
        assist.step_volume(true);
        assert!(assist.any());
        assert!(Assist::default().voice);
    }
}
