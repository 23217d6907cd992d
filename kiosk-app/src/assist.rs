//! What a customer may switch on for their own session from the top screen's accessibility
//! button: larger text and keys, high contrast, more time. The next customer starts with none
//! of it (docs/accessibility.md).

use std::time::Duration;

use crate::theme::{Metrics, Palette};

/// The switches, all off for a new customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Assist {
    /// Text a quarter larger, and the numeric keypad's keys a fifth.
    pub large_text: bool,
    /// The high-contrast palette (`Palette::HIGH_CONTRAST`).
    pub high_contrast: bool,
    /// Every limit of the customer's screens twice as long (the store's `slow_mode`, for one
    /// customer).
    pub more_time: bool,
}

/// One of the switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    LargeText,
    HighContrast,
    MoreTime,
}

impl Switch {
    pub const ALL: [Switch; 3] = [Switch::LargeText, Switch::HighContrast, Switch::MoreTime];
}

impl Assist {
    pub fn is_on(&self, switch: Switch) -> bool {
        match switch {
            Switch::LargeText => self.large_text,
            Switch::HighContrast => self.high_contrast,
            Switch::MoreTime => self.more_time,
        }
    }

    pub fn toggle(&mut self, switch: Switch) {
        let flag = match switch {
            Switch::LargeText => &mut self.large_text,
            Switch::HighContrast => &mut self.high_contrast,
            Switch::MoreTime => &mut self.more_time,
        };
        *flag = !*flag;
    }

    /// Whether anything is switched on (the top screen's button says so).
    pub fn any(&self) -> bool {
        Switch::ALL.iter().any(|switch| self.is_on(*switch))
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
        for switch in Switch::ALL {
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
}
