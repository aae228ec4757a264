//! Spoken guidance on the kiosk, with the display board's embedded offline
//! voice (`audio.rs`, the word clips of `data/voice/`): the ticket number and
//! its counter(s) are read aloud when the ticket appears — "Mời số A-023 đến
//! quầy số một, hai". Those clips are the only words the kiosk has; prompts
//! for the other pages need recorded clips, which do not exist yet.
//!
//! On/off, volume and player are `kiosk.voice`, `kiosk.voice_volume` and
//! `kiosk.audio_command` (docs/config.md). Reading happens on its own thread,
//! one text after another; the UI never waits for the speaker.

use super::audio::{voice, AudioSink, CommandSink, Pcm, Playback, RATE};
use crate::domain::announce::{number_words_in, ticket_words_in, Announcement, VoiceRegion, Word};
use std::sync::mpsc;
use std::sync::Mutex;

/// What the kiosk says when a ticket is shown.
pub fn ticket_words(ticket: &str, counters: &[u32], region: VoiceRegion) -> Vec<Word> {
    let mut words = vec![Word::MoiSo];
    words.extend(ticket_words_in(ticket, region));
    if !counters.is_empty() {
        words.push(Word::DenQuaySo);
        for c in counters {
            words.extend(number_words_in(*c, region));
        }
    }
    words
}

/// One text to read: what it is about, and its words.
type Spoken = (Announcement, Vec<Word>);

/// The kiosk's voice: a reader thread fed over a channel (none when off).
pub struct Voice {
    tx: Mutex<Option<mpsc::Sender<Spoken>>>,
    volume: u8,
    region: VoiceRegion,
}

impl Voice {
    /// Speaks through the configured player when `kiosk.voice` is on.
    pub fn from_config(cfg: &crate::config::Config) -> Voice {
        let k = &cfg.kiosk;
        let region = VoiceRegion::from_key(&cfg.display.voice_region).unwrap_or_default();
        let v = Voice { tx: Mutex::new(None), volume: k.voice_volume.min(100) as u8, region };
        if k.voice {
            match CommandSink::from_config(&k.audio_command) {
                Some(sink) => v.use_sink(Box::new(sink)),
                None => tracing::info!("kiosk.audio_command is `none`: the kiosk does not speak"),
            }
        }
        v
    }

    /// Speaks into `sink` from now on (tests: a recording sink), whatever the config says.
    pub fn use_sink(&self, mut sink: Box<dyn AudioSink>) {
        let (tx, rx) = mpsc::channel::<Spoken>();
        let gain = f32::from(self.volume) / 100.0;
        let spawned = std::thread::Builder::new().name("kiosk-voice".into()).spawn(move || {
            for (call, words) in rx {
                let samples = voice(&words)
                    .iter()
                    .map(|x| (x * gain * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
                    .collect();
                let p = Playback { call, words, chime: false, pcm: Pcm { rate: RATE, samples } };
                if let Err(e) = sink.play(&p) {
                    tracing::debug!(error = %e, "kiosk voice not heard");
                }
            }
        });
        match spawned {
            Ok(_) => *self.tx.lock().expect("voice lock") = Some(tx),
            Err(e) => tracing::error!(error = %e, "cannot start the kiosk voice thread"),
        }
    }

    /// Reads a new ticket's number and counters (returns at once).
    pub fn ticket(&self, number: &str, counters: &[u32]) {
        let Some(tx) = self.tx.lock().expect("voice lock").clone() else { return };
        if self.volume == 0 {
            return;
        }
        let call =
            Announcement { ticket: number.to_string(), counter: counters.first().copied().unwrap_or(0) };
        let _ = tx.send((call, ticket_words(number, counters, self.region)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::announce::{call_words, spoken};

    #[test]
    fn a_ticket_is_read_with_every_counter() {
        // Must hold: the board's call, then each further counter by its number.
        let w = ticket_words("A-023", &[1, 2], VoiceRegion::North);
        assert_eq!(spoken(&w), format!("{} hai", spoken(&call_words("A-023", 1))));
    }
}
