//! Press and hold on the microphone, as plain arithmetic (tested natively): a press released
//! within [`HOLD_MS`] is a tap (the recorder stays open with Cancel and Send, as before holding
//! existed); a longer one sends when released; and one whose pointer strays [`SLIDE_AWAY_PX`]
//! outside the button cancels, as in the chat apps people already know.

/// Shorter presses are taps: long enough that a quick tap never sends, short enough that a
/// deliberate hold of a second is never mistaken for one.
pub const HOLD_MS: f64 = 350.0;
/// How far outside the button the pointer may wander (a thumb is imprecise) before the hold
/// counts as slid away.
pub const SLIDE_AWAY_PX: f64 = 60.0;

/// A rectangle on the page, in CSS pixels (the button as it was when pressed: the composer
/// rearranges itself once recording starts, so the button's old place is what the finger knows).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
}

/// What a release means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Keep recording, with Cancel and Send shown.
    Tap,
    /// Stop and send the recording.
    Send,
}

/// One press of the microphone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Press {
    /// The pointer pressing (a second finger is ignored).
    pub pointer_id: i32,
    /// When it went down, on the events' clock (milliseconds).
    pub down_at: f64,
    /// Where the button was.
    pub button: Area,
}

impl Press {
    /// Whether a pointer at (`x`, `y`) has left the button by more than [`SLIDE_AWAY_PX`].
    pub fn slid_away(&self, x: f64, y: f64) -> bool {
        let dx = (self.button.left - x).max(x - self.button.right).max(0.0);
        let dy = (self.button.top - y).max(y - self.button.bottom).max(0.0);
        dx.hypot(dy) > SLIDE_AWAY_PX
    }

    /// What releasing at `up_at` means; `recording` says whether the microphone is recording
    /// yet (a hold that ends while the browser still asks for it is a tap: nothing to send).
    pub fn released(&self, up_at: f64, recording: bool) -> Release {
        if recording && up_at - self.down_at >= HOLD_MS { Release::Send } else { Release::Tap }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRESS: Press = Press {
        pointer_id: 1,
        down_at: 1_000.0,
        button: Area { left: 300.0, top: 700.0, right: 340.0, bottom: 740.0 },
    };

    #[test]
    fn a_quick_tap_keeps_recording_and_a_hold_sends() {
        assert_eq!(PRESS.released(1_000.0 + 120.0, true), Release::Tap);
        assert_eq!(PRESS.released(1_000.0 + HOLD_MS - 1.0, true), Release::Tap);
        assert_eq!(PRESS.released(1_000.0 + 1_500.0, true), Release::Send);
        // Still waiting for the microphone: nothing recorded, nothing to send.
        assert_eq!(PRESS.released(1_000.0 + 1_500.0, false), Release::Tap);
    }

    #[test]
    fn only_straying_well_outside_the_button_slides_away() {
        assert!(!PRESS.slid_away(320.0, 720.0));
        assert!(!PRESS.slid_away(300.0 - SLIDE_AWAY_PX + 1.0, 720.0));
        assert!(PRESS.slid_away(300.0 - SLIDE_AWAY_PX - 1.0, 720.0));
        assert!(PRESS.slid_away(320.0, 700.0 - SLIDE_AWAY_PX - 1.0));
        // Diagonally: 45 px right and 45 px below is 64 px away.
        assert!(PRESS.slid_away(340.0 + 45.0, 740.0 + 45.0));
        assert!(!PRESS.slid_away(340.0 + 40.0, 740.0 + 40.0));
    }
}
