//! Call audio of the display board, made offline: a synthesised two-tone chime
//! and the Vietnamese call joined from the word clips in `data/voice/`
//! (embedded in the binary), read one call after another by the [`Announcer`].
//!
//! Playback needs no library and no apt package at build time: the sound is
//! piped as a WAV file to a player command (`display.audio_command`, default
//! `aplay -q -`). When the configured player is not installed the
//! [`CommandSink`] falls back to `paplay`, then `pw-play -`, and otherwise says
//! once, clearly, that calls are shown but not heard.

use super::prompts::Prompt;
use crate::config::Language;
use crate::domain::announce::{
    call_text, call_words_in, AnnounceQueue, Announcement, Queued, VoiceRegion, Word,
};
use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Sample rate of the clips and of everything played.
pub const RATE: u32 = 16_000;
/// Calls waiting to be read before the oldest is dropped.
pub const MAX_WAITING_CALLS: usize = 8;
/// Players tried, in order, when the configured one is not installed.
pub const FALLBACK_PLAYERS: &[&str] = &["paplay", "pw-play -"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    #[error("not a 16-bit PCM WAV file: {0}")]
    BadWav(String),
    #[error("no audio player could be started (tried {0})")]
    NoPlayer(String),
    #[error("the audio player `{command}` failed: {reason}")]
    PlayerFailed { command: String, reason: String },
}

/// Mono 16-bit samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcm {
    pub rate: u32,
    pub samples: Vec<i16>,
}

impl Pcm {
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(self.rate.max(1)))
    }
}

/// A RIFF/WAVE file of 16-bit mono PCM.
pub fn encode_wav(pcm: &Pcm) -> Vec<u8> {
    let data_len = (pcm.samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&pcm.rate.to_le_bytes());
    out.extend_from_slice(&(pcm.rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in &pcm.samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Reads a 16-bit mono PCM WAV file (other chunks are skipped).
pub fn decode_wav(bytes: &[u8]) -> Result<Pcm, AudioError> {
    let bad = |m: &str| Err(AudioError::BadWav(m.to_string()));
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return bad("no RIFF/WAVE header");
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let mut pos = 12;
    let mut rate = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let len = u32_at(pos + 4) as usize;
        let body = pos + 8;
        let end = body.checked_add(len).filter(|e| *e <= bytes.len());
        match id {
            b"fmt " => {
                if len < 16 || end.is_none() {
                    return bad("short fmt chunk");
                }
                let (format, channels, bits) = (u16_at(body), u16_at(body + 2), u16_at(body + 14));
                if format != 1 || channels != 1 || bits != 16 {
                    return bad(&format!(
                        "format {format}, {channels} channel(s), {bits} bits; want PCM mono 16-bit"
                    ));
                }
                rate = Some(u32_at(body + 4));
            }
            b"data" => {
                let Some(rate) = rate else { return bad("data before fmt") };
                // A streamed WAV may say its data runs to the end of the file.
                let end = end.unwrap_or(bytes.len());
                let samples =
                    bytes[body..end].chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
                return Ok(Pcm { rate, samples });
            }
            _ => {}
        }
        pos = body + len + (len & 1);
    }
    bad("no data chunk")
}

/// The chime: two bell-like tones (E5 then C5, "ding-dong") with a soft
/// attack and an exponential decay; 1.5 s. Samples in -1..1.
pub fn chime(rate: u32) -> Vec<f32> {
    let rate_f = rate as f32;
    let len = (rate_f * 1.5) as usize;
    let mut out = vec![0.0f32; len];
    for (start, freq) in [(0.0f32, 659.25f32), (0.45, 523.25)] {
        let first = (start * rate_f) as usize;
        for (i, s) in out.iter_mut().enumerate().skip(first) {
            let t = (i - first) as f32 / rate_f;
            let attack = (t / 0.008).min(1.0);
            let env = attack * (-t / 0.32).exp();
            let w = 2.0 * std::f32::consts::PI * freq * t;
            // A little second and third harmonic sounds like a bell, not a beep.
            *s += env * (w.sin() + 0.3 * (2.0 * w).sin() + 0.08 * (3.0 * w).sin());
        }
    }
    let peak = out.iter().fold(0.0f32, |m, s| m.max(s.abs())).max(1e-6);
    // Fade the tail so the sound does not end in a click.
    let fade = (rate_f * 0.05) as usize;
    for i in 0..fade.min(len) {
        out[len - 1 - i] *= i as f32 / fade as f32;
    }
    out.iter().map(|s| s * 0.7 / peak).collect()
}

macro_rules! clips {
    ($($key:literal),* $(,)?) => {
        &[$(($key, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/voice/", $key, ".wav")) as &[u8])),*]
    };
}

/// The word clips, embedded (see `data/voice/README.md`).
static CLIPS: &[(&str, &[u8])] = clips![
    "moi_so",
    "den_quay_so",
    "chu_a",
    "chu_b",
    "chu_c",
    "chu_d",
    "chu_e",
    "chu_f",
    "chu_g",
    "chu_h",
    "chu_i",
    "chu_j",
    "chu_k",
    "chu_l",
    "chu_m",
    "chu_n",
    "chu_o",
    "chu_p",
    "chu_q",
    "chu_r",
    "chu_s",
    "chu_t",
    "chu_u",
    "chu_v",
    "chu_w",
    "chu_x",
    "chu_y",
    "chu_z",
    "khong",
    "mot",
    "hai",
    "ba",
    "bon",
    "nam",
    "sau",
    "bay",
    "tam",
    "chin",
    "muoi_huyen",
    "muoi_ngang",
    "mot_sac",
    "tu",
    "lam",
    "tram",
    "linh",
    "nghin",
    "le",
    "ngan",
];

fn bank() -> &'static HashMap<&'static str, Vec<i16>> {
    static BANK: OnceLock<HashMap<&'static str, Vec<i16>>> = OnceLock::new();
    BANK.get_or_init(|| {
        CLIPS
            .iter()
            .filter_map(|(key, bytes)| match decode_wav(bytes) {
                Ok(p) if p.rate == RATE => Some((*key, p.samples)),
                Ok(p) => {
                    tracing::error!(clip = key, rate = p.rate, "voice clip is not 16 kHz; skipped");
                    None
                }
                Err(e) => {
                    tracing::error!(clip = key, error = %e, "voice clip unreadable; skipped");
                    None
                }
            })
            .collect()
    })
}

/// The voice reading `words`: the clips joined with short pauses (longer
/// around the ticket number, so "A-023" stands out). Samples in -1..1.
pub fn voice(words: &[Word]) -> Vec<f32> {
    let bank = bank();
    let gap = |ms: u32| vec![0.0f32; (RATE * ms / 1000) as usize];
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let long = matches!(w, Word::DenQuaySo) || matches!(words[i - 1], Word::MoiSo);
            out.extend(gap(if long { 180 } else { 50 }));
        }
        match bank.get(w.key()) {
            Some(clip) => out.extend(clip.iter().map(|s| f32::from(*s) / 32768.0)),
            None => tracing::warn!(word = w.key(), "no clip for this word; it is skipped"),
        }
    }
    out
}

/// What a call sounds like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSettings {
    pub chime: bool,
    pub voice: bool,
    /// 0-100, applied to the samples (linear gain).
    pub volume: u8,
    /// Northern (linh, nghìn) or southern (lẻ, ngàn) reading of numbers.
    pub region: VoiceRegion,
}

impl AudioSettings {
    pub fn from_config(d: &crate::config::DisplayConfig) -> Self {
        Self {
            chime: d.chime,
            voice: d.voice,
            volume: d.volume.min(100) as u8,
            // The config check refuses other values; north is the standard.
            region: VoiceRegion::from_key(&d.voice_region).unwrap_or_default(),
        }
    }

    /// Whether a call makes any sound at all.
    pub fn audible(&self) -> bool {
        (self.chime || self.voice) && self.volume > 0
    }
}

/// One call, ready to play.
#[derive(Debug, Clone, PartialEq)]
pub struct Playback {
    pub call: Announcement,
    /// The words read (empty with the voice off).
    pub words: Vec<Word>,
    pub chime: bool,
    /// A kiosk prompt (`None` for a call or a ticket number).
    pub prompt: Option<(Prompt, Language)>,
    pub pcm: Pcm,
}

/// The chime and/or the voice for a call, at the configured volume.
pub fn render_call(call: &Announcement, s: &AudioSettings) -> Playback {
    let mut mix: Vec<f32> = Vec::new();
    if s.chime {
        mix.extend(chime(RATE));
    }
    let words = if s.voice { call_words_in(&call.ticket, call.counter, s.region) } else { Vec::new() };
    if !words.is_empty() {
        if s.chime {
            mix.extend(std::iter::repeat_n(0.0, (RATE / 5) as usize));
        }
        mix.extend(voice(&words));
    }
    let gain = f32::from(s.volume.min(100)) / 100.0;
    let samples = mix.iter().map(|x| (x * gain * 32767.0).round().clamp(-32768.0, 32767.0) as i16).collect();
    Playback { call: call.clone(), words, chime: s.chime, prompt: None, pcm: Pcm { rate: RATE, samples } }
}

/// The call audio of a board from its `[display]` settings: `None` when it
/// makes no sound (`audio_command = "none"`, chime and voice off, volume 0).
pub fn announcer_for(d: &crate::config::DisplayConfig) -> Option<Arc<Announcer>> {
    let settings = AudioSettings::from_config(d);
    match CommandSink::from_config(&d.audio_command) {
        Some(sink) if settings.audible() => Some(Arc::new(Announcer::start(settings, Box::new(sink)))),
        _ => {
            tracing::info!("call audio is off (display.audio_command, chime, voice or volume)");
            None
        }
    }
}

/// Where the sound goes.
pub trait AudioSink: Send + 'static {
    /// Plays `p`; returns when it has been played, or at once when `stop`
    /// is raised meanwhile (the sound is cut: a ticket number must not wait
    /// behind a page's prompt).
    fn play_until(&mut self, p: &Playback, stop: &AtomicBool) -> Result<(), AudioError>;

    /// Plays `p` to its end.
    fn play(&mut self, p: &Playback) -> Result<(), AudioError> {
        self.play_until(p, &AtomicBool::new(false))
    }
}

/// Plays by piping a WAV file to a player command's standard input.
pub struct CommandSink {
    candidates: Vec<Vec<String>>,
    current: usize,
    gave_up: bool,
    warned_failure: bool,
}

impl CommandSink {
    /// The configured command, then the fallbacks. `None` when the config
    /// says `none` (no sound wanted on this board).
    pub fn from_config(command: &str) -> Option<CommandSink> {
        let command = command.trim();
        if command.is_empty() || command.eq_ignore_ascii_case("none") {
            return None;
        }
        let mut list = vec![command.to_string()];
        for f in FALLBACK_PLAYERS {
            if !list.iter().any(|c| c == f) {
                list.push(f.to_string());
            }
        }
        Some(Self::with_candidates(list))
    }

    /// Tries these commands in order (words split on spaces, no shell).
    pub fn with_candidates(commands: Vec<String>) -> CommandSink {
        let candidates = commands
            .iter()
            .map(|c| c.split_whitespace().map(String::from).collect::<Vec<_>>())
            .filter(|c| !c.is_empty())
            .collect();
        CommandSink { candidates, current: 0, gave_up: false, warned_failure: false }
    }

    /// The command in use (after fallbacks), if any works.
    pub fn command(&self) -> Option<String> {
        (!self.gave_up).then(|| self.candidates.get(self.current).map(|c| c.join(" "))).flatten()
    }

    /// Runs `argv` with `wav` on its standard input until it exits, the
    /// `budget` runs out, or `stop` is raised (then the player is stopped at
    /// once and `Ok(true)` says the sound was cut).
    fn play_with(argv: &[String], wav: &[u8], budget: Duration, stop: &AtomicBool) -> std::io::Result<bool> {
        if stop.load(Ordering::Acquire) {
            return Ok(true);
        }
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        // The WAV goes in from its own thread: a real player reads it as fast
        // as it plays, so writing here would block for the length of the
        // sound, and nothing could cut it meanwhile. The thread is not waited
        // for after a stop (a stuck player's pipe must not hold the voice).
        let (tx, written) = std::sync::mpsc::channel();
        if let Some(mut stdin) = child.stdin.take() {
            let wav = wav.to_vec();
            let spawned = std::thread::Builder::new().name("audio-pipe".into()).spawn(move || {
                let r = match stdin.write_all(&wav) {
                    // A player that exits early closes the pipe; its exit status says why.
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
                    _ => Ok(()),
                };
                let _ = tx.send(r);
            });
            if let Err(e) = spawned {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        }
        let deadline = Instant::now() + budget;
        loop {
            let exited = child.try_wait().inspect_err(|_| {
                let _ = child.kill();
                let _ = child.wait();
            })?;
            if let Some(status) = exited {
                if let Ok(Err(e)) = written.recv_timeout(Duration::from_millis(500)) {
                    return Err(e);
                }
                return if status.success() {
                    Ok(false)
                } else {
                    Err(std::io::Error::other(format!("exited with {status}")))
                };
            }
            if stop.load(Ordering::Acquire) {
                stop_player(&mut child);
                return Ok(true);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "did not finish in time; killed",
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Stops a player now: SIGTERM (aplay and paplay stop the sound and close
/// the device), SIGKILL if it has not exited within [`STOP_GRACE`].
fn stop_player(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) on our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// How long a stopped player may take to exit before it is killed.
pub const STOP_GRACE: Duration = Duration::from_millis(300);

impl AudioSink for CommandSink {
    fn play_until(&mut self, p: &Playback, stop: &AtomicBool) -> Result<(), AudioError> {
        let tried =
            || self.candidates.iter().map(|c| format!("`{}`", c.join(" "))).collect::<Vec<_>>().join(", ");
        if self.gave_up {
            return Err(AudioError::NoPlayer(tried()));
        }
        let wav = encode_wav(&p.pcm);
        let budget = p.pcm.duration() + Duration::from_secs(10);
        while let Some(argv) = self.candidates.get(self.current) {
            match Self::play_with(argv, &wav, budget, stop) {
                Ok(cut) => {
                    if cut {
                        tracing::debug!("the sound was cut for a more urgent one");
                    }
                    self.warned_failure = false;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let next = self.candidates.get(self.current + 1).map(|c| c.join(" "));
                    match &next {
                        Some(n) => {
                            tracing::warn!("audio player `{}` is not installed; trying `{n}`", argv[0])
                        }
                        None => tracing::warn!("audio player `{}` is not installed", argv[0]),
                    }
                    self.current += 1;
                }
                Err(e) => {
                    let command = argv.join(" ");
                    if !self.warned_failure {
                        tracing::warn!(%command, error = %e, "the audio player failed; this call was not heard");
                        self.warned_failure = true;
                    } else {
                        tracing::debug!(%command, error = %e, "the audio player failed again");
                    }
                    return Err(AudioError::PlayerFailed { command, reason: e.to_string() });
                }
            }
        }
        self.gave_up = true;
        let list = tried();
        tracing::warn!(
            "no audio player found (tried {list}): calls are shown on the board but not heard. \
             Install alsa-utils (aplay) or pulseaudio-utils (paplay), or set display.audio_command"
        );
        Err(AudioError::NoPlayer(list))
    }
}

/// One call as a [`RecordingSink`] saw it.
#[derive(Debug, Clone)]
pub struct Played {
    pub call: Announcement,
    pub words: Vec<Word>,
    pub chime: bool,
    pub prompt: Option<(Prompt, Language)>,
    pub samples: usize,
    pub started: Instant,
    pub ended: Instant,
    /// Stopped before its end (a ticket cut this prompt).
    pub cut: bool,
}

/// Records what would be played, taking `delay` per call as a speaker would
/// (tests, benchmarks, and a board without speakers in a demo).
#[derive(Clone, Default)]
pub struct RecordingSink {
    pub log: Arc<Mutex<Vec<Played>>>,
    pub delay: Duration,
}

impl RecordingSink {
    pub fn new(delay: Duration) -> Self {
        Self { log: Arc::default(), delay }
    }

    pub fn played(&self) -> Vec<Played> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl AudioSink for RecordingSink {
    fn play_until(&mut self, p: &Playback, stop: &AtomicBool) -> Result<(), AudioError> {
        let started = Instant::now();
        let end = started + self.delay;
        let mut cut = stop.load(Ordering::Acquire);
        while !cut && Instant::now() < end {
            std::thread::sleep((end - Instant::now()).min(Duration::from_millis(5)));
            cut = stop.load(Ordering::Acquire);
        }
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(Played {
            call: p.call.clone(),
            words: p.words.clone(),
            chime: p.chime,
            prompt: p.prompt,
            samples: p.pcm.samples.len(),
            started,
            ended: Instant::now(),
            cut,
        });
        Ok(())
    }
}

struct AnnouncerState {
    queue: AnnounceQueue,
    playing: bool,
    closed: bool,
}

/// The state a player thread waits on: what is queued, whether an item is
/// playing (so callers can wait for quiet), whether the player is closed.
pub(super) trait PlayerState {
    type Item;
    fn pop(&mut self) -> Option<Self::Item>;
    fn playing(&mut self) -> &mut bool;
    fn closed(&self) -> bool;
}

impl PlayerState for AnnouncerState {
    type Item = Announcement;
    fn pop(&mut self) -> Option<Announcement> {
        self.queue.pop()
    }
    fn playing(&mut self) -> &mut bool {
        &mut self.playing
    }
    fn closed(&self) -> bool {
        self.closed
    }
}

/// A player thread's wait: marks the last item done, then blocks until the
/// next one (marked playing) or until the player is closed (None).
pub(super) fn next_to_play<S: PlayerState>(shared: &(Mutex<S>, Condvar)) -> Option<S::Item> {
    let (lock, cv) = shared;
    let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
    *st.playing() = false;
    cv.notify_all();
    loop {
        if st.closed() {
            return None;
        }
        if let Some(item) = st.pop() {
            *st.playing() = true;
            return Some(item);
        }
        st = cv.wait(st).unwrap_or_else(|p| p.into_inner());
    }
}

type Shared = Arc<(Mutex<AnnouncerState>, Condvar)>;

/// Reads calls out one after another on its own thread, in the order they
/// were announced. Dropping it stops the thread after the current call.
pub struct Announcer {
    shared: Shared,
    settings: AudioSettings,
}

impl Announcer {
    pub fn start(settings: AudioSettings, sink: Box<dyn AudioSink>) -> Announcer {
        let shared: Shared = Arc::new((
            Mutex::new(AnnouncerState {
                queue: AnnounceQueue::new(MAX_WAITING_CALLS),
                playing: false,
                closed: false,
            }),
            Condvar::new(),
        ));
        let worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("announcer".into())
            .spawn(move || Self::run(worker, settings, sink));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the announcer thread; calls will not be heard");
        }
        Announcer { shared, settings }
    }

    fn run(shared: Shared, settings: AudioSettings, mut sink: Box<dyn AudioSink>) {
        while let Some(call) = next_to_play(&shared) {
            tracing::info!(ticket = %call.ticket, counter = call.counter, "{}", call_text(&call.ticket, call.counter));
            let playback = render_call(&call, &settings);
            if let Err(e) = sink.play(&playback) {
                tracing::debug!(error = %e, "call not heard");
            }
        }
    }

    /// Queues a call to be read (returns at once).
    pub fn announce(&self, call: Announcement) {
        if !self.settings.audible() {
            return;
        }
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        match st.queue.push(call) {
            Queued::Added => {}
            Queued::AlreadyWaiting => tracing::debug!("call already waiting to be read"),
            Queued::DroppedOldest(d) => {
                tracing::info!(ticket = %d.ticket, "too many calls waiting to be read; the oldest is skipped")
            }
        }
        cv.notify_all();
    }

    /// Waits until every queued call has been played (tests); false on timeout.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let (lock, cv) = &*self.shared;
        let deadline = Instant::now() + timeout;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        while st.playing || !st.queue.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            st = cv.wait_timeout(st, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        true
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        let (lock, cv) = &*self.shared;
        lock.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
        cv.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(t: &str, c: u32) -> Announcement {
        Announcement { ticket: t.into(), counter: c }
    }

    #[test]
    fn clips_match_the_vocabulary() {
        // Every word has exactly one clip, 16 kHz mono, between 0.1 and 1.5 s,
        // and words.tsv (what make_clips.py reads) lists the same words.
        let words = Word::all();
        assert_eq!(CLIPS.len(), words.len());
        for w in &words {
            let (_, bytes) = CLIPS.iter().find(|(k, _)| *k == w.key()).unwrap_or_else(|| panic!("{w:?}"));
            let pcm = decode_wav(bytes).unwrap();
            assert_eq!(pcm.rate, RATE, "{}", w.key());
            let d = pcm.duration().as_millis();
            assert!((100..=1500).contains(&d), "{}: {d} ms", w.key());
            let peak = pcm.samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
            assert!(peak > 16_000, "{} is nearly silent", w.key());
        }
        assert_eq!(bank().len(), words.len(), "every clip decodes");
        let tsv = include_str!("../../data/voice/words.tsv");
        let listed: Vec<(String, String)> = tsv
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut f = l.split('\t');
                (f.next().unwrap().to_string(), f.next().unwrap().to_string())
            })
            .collect();
        let expected: Vec<(String, String)> =
            words.iter().map(|w| (w.key().to_string(), w.text().to_string())).collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn wav_round_trips_and_rejects_other_formats() {
        let pcm = Pcm { rate: RATE, samples: vec![0, 1, -1, i16::MAX, i16::MIN, 1234] };
        let wav = encode_wav(&pcm);
        assert_eq!(wav.len(), 44 + 12);
        assert_eq!(decode_wav(&wav).unwrap(), pcm);
        let mut stereo = wav.clone();
        stereo[22] = 2;
        assert!(matches!(decode_wav(&stereo), Err(AudioError::BadWav(_))));
        assert!(decode_wav(b"RIFF....WAVE").is_err());
        assert!(decode_wav(b"not a wav").is_err());
    }

    /// Energy of `x` at `freq` (one Goertzel bin), normalised by length.
    fn tone_power(x: &[f32], freq: f32) -> f32 {
        let k = 2.0 * (2.0 * std::f32::consts::PI * freq / RATE as f32).cos();
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for v in x {
            let s = v + k * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.len() as f32).powi(2)
    }

    #[test]
    fn chime_is_two_tones_that_fade_out() {
        let c = chime(RATE);
        assert_eq!(c.len(), (RATE as f32 * 1.5) as usize);
        let peak = c.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!((0.69..=0.71).contains(&peak), "{peak}");
        let at = |ms: usize| (RATE as usize) * ms / 1000;
        // Before the second tone starts, E5 dominates; later C5 does.
        let first = &c[at(50)..at(400)];
        let second = &c[at(700)..at(1100)];
        assert!(tone_power(first, 659.25) > 10.0 * tone_power(first, 523.25));
        assert!(tone_power(second, 523.25) > 3.0 * tone_power(second, 659.25));
        // The tail is silent (no click at the end).
        assert!(c[c.len() - 10..].iter().all(|s| s.abs() < 0.01));
        let rms = |x: &[f32]| (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt();
        assert!(rms(&c[at(1300)..]) < rms(&c[at(450)..at(650)]) / 4.0, "it decays");
    }

    #[test]
    fn a_call_is_chime_then_voice_at_the_volume() {
        let full = AudioSettings { chime: true, voice: true, volume: 100, region: VoiceRegion::North };
        let p = render_call(&call("A-023", 5), &full);
        assert_eq!(crate::domain::announce::spoken(&p.words), "mời số a hai mươi ba đến quầy số năm");
        let chime_len = chime(RATE).len();
        let voice_len = voice(&p.words).len();
        assert_eq!(p.pcm.samples.len(), chime_len + (RATE / 5) as usize + voice_len);
        let d = p.pcm.duration().as_secs_f32();
        assert!((3.0..8.0).contains(&d), "{d} s");

        let chime_only = render_call(&call("A-023", 5), &AudioSettings { voice: false, ..full });
        assert!(chime_only.words.is_empty() && chime_only.chime);
        assert_eq!(chime_only.pcm.samples.len(), chime_len, "the chime works with the voice off");

        let voice_only = render_call(&call("A-023", 5), &AudioSettings { chime: false, ..full });
        assert_eq!(voice_only.pcm.samples.len(), voice_len);

        let half = render_call(&call("A-023", 5), &AudioSettings { volume: 50, ..full });
        let peak = |p: &Playback| p.pcm.samples.iter().map(|s| i32::from(s.unsigned_abs())).max().unwrap();
        let (pf, ph) = (peak(&p), peak(&half));
        assert!((ph * 2 - pf).abs() <= 2, "half volume halves the amplitude: {pf} vs {ph}");
        assert!(!AudioSettings { volume: 0, ..full }.audible());
        assert!(
            !AudioSettings { chime: false, voice: false, volume: 80, region: VoiceRegion::North }.audible()
        );

        // A southern centre hears lẻ and ngàn, from their own clips.
        let south = AudioSettings { region: VoiceRegion::South, ..full };
        let p = render_call(&call("B-105", 12), &south);
        assert_eq!(
            crate::domain::announce::spoken(&p.words),
            "mời số bê một trăm lẻ năm đến quầy số mười hai"
        );
        let north = render_call(&call("B-105", 12), &full);
        assert_ne!(p.pcm.samples, north.pcm.samples, "the clips differ");
        let mut d = crate::config::DisplayConfig::default();
        assert_eq!(AudioSettings::from_config(&d).region, VoiceRegion::North);
        d.voice_region = "south".into();
        assert_eq!(AudioSettings::from_config(&d).region, VoiceRegion::South);
    }

    #[test]
    fn announcer_reads_calls_in_order_one_at_a_time() {
        let sink = RecordingSink::new(Duration::from_millis(40));
        let a = Announcer::start(
            AudioSettings { chime: true, voice: true, volume: 80, region: VoiceRegion::North },
            Box::new(sink.clone()),
        );
        for (t, c) in [("A-001", 1), ("B-001", 3), ("C-001", 5)] {
            a.announce(call(t, c));
        }
        assert!(a.wait_idle(Duration::from_secs(5)));
        let played = sink.played();
        let order: Vec<&str> = played.iter().map(|p| p.call.ticket.as_str()).collect();
        assert_eq!(order, ["A-001", "B-001", "C-001"]);
        for w in played.windows(2) {
            assert!(w[1].started >= w[0].ended, "calls never overlap");
        }
        let silent = RecordingSink::new(Duration::ZERO);
        let off = Announcer::start(
            AudioSettings { chime: false, voice: false, volume: 80, region: VoiceRegion::North },
            Box::new(silent.clone()),
        );
        off.announce(call("A-001", 1));
        assert!(off.wait_idle(Duration::from_secs(1)));
        assert!(silent.played().is_empty(), "nothing to play with chime and voice off");
    }

    #[test]
    fn command_sink_pipes_a_wav_and_falls_back_when_a_player_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("played.wav");
        let mut sink = CommandSink::with_candidates(vec![
            "motcua-no-such-player -q -".into(),
            format!("dd of={} status=none", out.display()),
        ]);
        let p = render_call(
            &call("B-105", 12),
            &AudioSettings { chime: true, voice: true, volume: 80, region: VoiceRegion::North },
        );
        sink.play(&p).unwrap();
        assert_eq!(sink.command().unwrap(), format!("dd of={} status=none", out.display()));
        let written = std::fs::read(&out).unwrap();
        assert_eq!(decode_wav(&written).unwrap(), p.pcm, "the player received the whole call");

        let mut failing = CommandSink::with_candidates(vec!["false".into()]);
        assert!(matches!(failing.play(&p), Err(AudioError::PlayerFailed { .. })));
        let mut none = CommandSink::with_candidates(vec!["motcua-no-such-player".into()]);
        assert!(matches!(none.play(&p), Err(AudioError::NoPlayer(_))));
        assert!(none.command().is_none());
        assert!(matches!(none.play(&p), Err(AudioError::NoPlayer(_))), "gives up without retrying");
        assert!(CommandSink::from_config("none").is_none());
        let default = CommandSink::from_config("aplay -q -").unwrap();
        assert_eq!(default.candidates.len(), 3, "aplay, then paplay, then pw-play");
    }
}
