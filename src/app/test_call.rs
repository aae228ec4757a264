//! "Phát thử lời gọi": one sample call through the same pipeline a real call
//! takes on the board ([`render_call`]: chime, spoken words, volume; then
//! [`CommandSink`]: `display.audio_command` and its fallbacks), played now,
//! and what the technician is told about it. Blocking: run it off the UI thread.

use super::audio::{render_call, AudioError, AudioSettings, AudioSink, CommandSink};
use super::i18n::pick;
use crate::config::{DisplayConfig, Language};
use crate::domain::announce::{call_text, Announcement};
use std::time::Duration;

/// What a test call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestCall {
    /// Played to the end by `command`.
    Played {
        command: String,
        length: Duration,
    },
    /// `audio_command = "none"`: this board has no sound.
    NoSound,
    /// Chime and voice off, or the volume at 0: nothing to play.
    Silent,
    Failed(AudioError),
}

/// Plays `call` with the display settings `d` (the page's, not yet saved).
pub fn play(d: &DisplayConfig, call: &Announcement) -> TestCall {
    let settings = AudioSettings::from_config(d);
    let Some(mut sink) = CommandSink::from_config(&d.audio_command) else {
        return TestCall::NoSound;
    };
    if !settings.audible() {
        return TestCall::Silent;
    }
    let playback = render_call(call, &settings);
    tracing::info!(ticket = %call.ticket, counter = call.counter, "test call: {}", call_text(&call.ticket, call.counter));
    match sink.play(&playback) {
        Ok(()) => {
            TestCall::Played { command: sink.command().unwrap_or_default(), length: playback.pcm.duration() }
        }
        Err(e) => {
            tracing::warn!(error = %e, "test call not heard");
            TestCall::Failed(e)
        }
    }
}

impl TestCall {
    pub fn ok(&self) -> bool {
        matches!(self, TestCall::Played { .. })
    }

    /// The line the setup page shows (the player's own words are in the log).
    pub fn report(&self, lang: Language, call: &Announcement) -> String {
        let what = format!("{} → {} {}", call.ticket, pick(lang, "Quầy", "Counter"), call.counter);
        match self {
            TestCall::Played { command, length } => {
                let secs = format!("{:.1}", length.as_secs_f64());
                match lang {
                    Language::Vi => {
                        format!("Đã phát {what} ({} giây, qua `{command}`).", secs.replace('.', ","))
                    }
                    Language::En => format!("Played {what} ({secs} s, through `{command}`)."),
                }
            }
            TestCall::NoSound => pick(
                lang,
                "Bảng này không phát âm thanh (display.audio_command = \"none\").",
                "This board plays no sound (display.audio_command = \"none\").",
            )
            .into(),
            TestCall::Silent => pick(
                lang,
                "Không có gì để phát: chuông và giọng đọc đều tắt, hoặc âm lượng bằng 0.",
                "Nothing to play: the chime and the voice are off, or the volume is 0.",
            )
            .into(),
            TestCall::Failed(AudioError::NoPlayer(tried)) => match lang {
                Language::Vi => format!(
                    "Chưa phát được: không tìm thấy chương trình phát âm thanh (đã thử {tried}). \
                     Cài alsa-utils (aplay) hoặc sửa display.audio_command."
                ),
                Language::En => format!(
                    "Not played: no audio player found (tried {tried}). \
                     Install alsa-utils (aplay) or set display.audio_command."
                ),
            },
            TestCall::Failed(AudioError::PlayerFailed { command, .. }) => match lang {
                Language::Vi => format!("Chưa phát được: `{command}` báo lỗi (chi tiết trong nhật ký)."),
                Language::En => format!("Not played: `{command}` failed (details in the log)."),
            },
            TestCall::Failed(e) => format!("{} {e}", pick(lang, "Chưa phát được:", "Not played:")),
        }
    }
}
