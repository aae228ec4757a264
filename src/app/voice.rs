//! Spoken guidance on the kiosk, with the display board's embedded offline
//! voice: the ticket number and its counter(s) read aloud when the ticket
//! appears — "Mời số A-023 đến quầy số một, hai", from the board's word clips
//! (`audio.rs`) — and one short prompt per page or notice, from the prompt
//! clips (`prompts.rs`): "Chạm vào lĩnh vực để in số", "Mời bạn nhận vé in ở
//! khe bên dưới", "Bạn còn cần thêm thời gian? …", in the session's language
//! (Vietnamese or English; a ticket number is always read in Vietnamese, as the
//! board will call it).
//!
//! The voice is a feature: it hears every page change and says that page's
//! prompt once (not again when the citizen comes back within
//! [`QUIET`](super::prompts::QUIET)); on its tick it notices the idle warning
//! and the answer to a call for help; the take-number page tells it when a
//! priority ticket awaits confirmation. Nothing piles up: at most the newest
//! prompt waits to be read (a new page cuts the stale one), a ticket number is
//! read before any prompt, and a session's end drops the prompt not yet read.
//!
//! On/off, volume and player are `kiosk.voice`, `kiosk.voice_volume` and
//! `kiosk.audio_command` (docs/config.md). Reading happens on its own thread;
//! the UI never waits for the speaker.

use super::audio::{next_to_play, voice, AudioSink, CommandSink, Pcm, Playback, PlayerState, RATE};
use super::context::Feature;
use super::prompts::{clip, Guide, Prompt};
use crate::config::Language;
use crate::domain::announce::{number_words_in, ticket_words_in, Announcement, VoiceRegion, Word};
use crate::ui::{HelpAdapter, KioskWindow, Nav, Page, QueueAdapter, RatingAdapter, Session, TicketAdapter};
use slint::{ComponentHandle, Model};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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

/// Ticket numbers waiting to be read at most (each is a tap and an issue).
const MAX_TICKETS: usize = 4;

/// One thing to read.
#[derive(Debug, Clone, PartialEq)]
pub enum Spoken {
    /// A ticket number and its counters.
    Ticket(Announcement, Vec<Word>),
    /// A page's prompt in a language.
    Prompt(Prompt, Language),
}

/// What waits to be read: ticket numbers first, then the newest prompt only.
#[derive(Debug, Default)]
pub struct Pending {
    tickets: VecDeque<Spoken>,
    prompt: Option<Spoken>,
}

impl Pending {
    /// A new ticket: read it next; the prompt of the page it replaces is stale.
    pub fn ticket(&mut self, call: Announcement, words: Vec<Word>) {
        if self.tickets.len() >= MAX_TICKETS {
            self.tickets.pop_front();
        }
        self.tickets.push_back(Spoken::Ticket(call, words));
        self.prompt = None;
    }

    /// The prompt to read after any ticket (`None`: the page says nothing);
    /// replaces the one not yet read.
    pub fn prompt(&mut self, p: Option<(Prompt, Language)>) {
        self.prompt = p.map(|(p, l)| Spoken::Prompt(p, l));
    }

    pub fn pop(&mut self) -> Option<Spoken> {
        self.tickets.pop_front().or_else(|| self.prompt.take())
    }

    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty() && self.prompt.is_none()
    }
}

struct ReaderState {
    pending: Pending,
    playing: bool,
    closed: bool,
    /// What is playing is a prompt (a ticket may cut it).
    prompt_playing: bool,
    /// Raised to cut the prompt playing; lowered for each new item.
    stop: Arc<AtomicBool>,
}

impl ReaderState {
    /// Cuts the prompt being read, if one is (a ticket number is never cut).
    fn cut_prompt(&mut self) {
        if self.playing && self.prompt_playing {
            self.stop.store(true, Ordering::Release);
        }
    }
}

type Reader = Arc<(Mutex<ReaderState>, Condvar)>;

impl PlayerState for ReaderState {
    type Item = Spoken;
    fn pop(&mut self) -> Option<Spoken> {
        let next = self.pending.pop();
        if let Some(n) = &next {
            // Under the lock, so a cut asked for after this pop cuts this item.
            self.prompt_playing = matches!(n, Spoken::Prompt(..));
            self.stop.store(false, Ordering::Release);
        }
        next
    }
    fn playing(&mut self) -> &mut bool {
        &mut self.playing
    }
    fn closed(&self) -> bool {
        self.closed
    }
}

/// The notices the voice has already heard of (seen on its tick).
#[derive(Default)]
struct Seen {
    idle_warning: bool,
    help: String,
    /// The ticket whose print outcome was said, and that outcome.
    print: Option<(String, Prompt)>,
    /// The rating's thanks were said (until the rating page shows something else).
    thanked: bool,
}

/// The kiosk's voice: a reader thread fed through [`Pending`] (none when off).
pub struct Voice {
    reader: Mutex<Option<Reader>>,
    on: bool,
    volume: u8,
    region: VoiceRegion,
    guide: Mutex<Guide>,
    seen: Mutex<Seen>,
    /// The ticket is printed: its page's prompt waits for the print's outcome.
    printer: bool,
}

impl Voice {
    /// Speaks through the configured player when `kiosk.voice` is on.
    pub fn from_config(cfg: &crate::config::Config) -> Voice {
        let k = &cfg.kiosk;
        let region = VoiceRegion::from_key(&cfg.display.voice_region).unwrap_or_default();
        let v = Voice {
            reader: Mutex::new(None),
            on: k.voice,
            volume: k.voice_volume.min(100) as u8,
            region,
            guide: Mutex::default(),
            seen: Mutex::default(),
            printer: !cfg.printer.uri.is_empty(),
        };
        if k.voice {
            match CommandSink::from_config(&k.audio_command) {
                Some(sink) => v.use_sink(Box::new(sink)),
                None => tracing::info!("kiosk.audio_command is `none`: the kiosk does not speak"),
            }
        }
        v
    }

    /// Speaks into `sink` instead of the configured player (tests: a
    /// recording sink); with `kiosk.voice` off the kiosk stays silent.
    pub fn use_sink(&self, mut sink: Box<dyn AudioSink>) {
        if !self.on {
            return;
        }
        let reader: Reader = Arc::new((
            Mutex::new(ReaderState {
                pending: Pending::default(),
                playing: false,
                closed: false,
                prompt_playing: false,
                stop: Arc::default(),
            }),
            Condvar::new(),
        ));
        let (worker, gain) = (reader.clone(), f32::from(self.volume) / 100.0);
        let stop = reader.0.lock().expect("voice lock").stop.clone();
        let spawned = std::thread::Builder::new().name("kiosk-voice".into()).spawn(move || {
            while let Some(next) = next_to_play(&worker) {
                let p = render(next, gain);
                if let Err(e) = sink.play_until(&p, &stop) {
                    tracing::debug!(error = %e, "kiosk voice not heard");
                }
            }
        });
        match spawned {
            Ok(_) => {
                if let Some(old) = self.reader.lock().expect("voice lock").replace(reader) {
                    old.0.lock().unwrap_or_else(|p| p.into_inner()).closed = true;
                    old.1.notify_all();
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot start the kiosk voice thread"),
        }
    }

    /// Changes what waits to be read (nothing when the voice is off or silent).
    fn queue(&self, change: impl FnOnce(&mut Pending)) {
        self.reading(|st| change(&mut st.pending));
    }

    fn reading(&self, change: impl FnOnce(&mut ReaderState)) {
        let Some(reader) = self.reader.lock().expect("voice lock").clone() else { return };
        if self.volume == 0 {
            return;
        }
        let (lock, cv) = &*reader;
        change(&mut lock.lock().unwrap_or_else(|p| p.into_inner()));
        cv.notify_all();
    }

    /// Reads a new ticket's number and counters (returns at once), cutting
    /// the prompt being read: the number must not wait behind it.
    pub fn ticket(&self, number: &str, counters: &[u32]) {
        let call =
            Announcement { ticket: number.to_string(), counter: counters.first().copied().unwrap_or(0) };
        let words = ticket_words(number, counters, self.region);
        self.reading(|st| {
            st.pending.ticket(call, words);
            st.cut_prompt();
        });
    }

    /// Says `prompt` now, whatever was said lately (a notice with its own
    /// once-only rule): after any ticket number, cutting the prompt being
    /// read, which it makes stale (the printer's slot when the print failed).
    fn say_now(&self, prompt: Prompt, lang: Language) {
        self.reading(|st| {
            st.pending.prompt(Some((prompt, lang)));
            st.cut_prompt();
        });
    }

    /// Says `prompt` unless it was said moments ago; it replaces a prompt not yet read.
    pub fn say(&self, prompt: Prompt, lang: Language) {
        if self.guide.lock().expect("guide lock").should_say(prompt, Instant::now()) {
            self.queue(|p| p.prompt(Some((prompt, lang))));
        }
    }

    /// A page is shown: its prompt (if any, and not said moments ago)
    /// replaces whatever prompt still waits.
    pub fn page_shown(&self, prompt: Option<Prompt>, lang: Language) {
        let fresh = prompt.filter(|p| self.guide.lock().expect("guide lock").should_say(*p, Instant::now()));
        self.queue(|p| p.prompt(fresh.map(|f| (f, lang))));
    }

    /// Waits until nothing is being or waits to be read (tests); false on timeout.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let Some(reader) = self.reader.lock().expect("voice lock").clone() else { return true };
        let (lock, cv) = &*reader;
        let deadline = Instant::now() + timeout;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        while st.playing || !st.pending.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            st = cv.wait_timeout(st, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        true
    }
}

/// The sound of `s` at `gain`.
fn render(s: Spoken, gain: f32) -> Playback {
    let scale = |x: f32| (x * gain * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
    match s {
        Spoken::Ticket(call, words) => {
            let samples = voice(&words).iter().map(|x| scale(*x)).collect();
            Playback { call, words, chime: false, prompt: None, pcm: Pcm { rate: RATE, samples } }
        }
        Spoken::Prompt(p, lang) => {
            tracing::debug!(prompt = p.text(lang), "the kiosk says");
            let samples = clip(p, lang).iter().map(|x| scale(f32::from(*x) / 32768.0)).collect();
            let call = Announcement { ticket: String::new(), counter: 0 };
            Playback {
                call,
                words: Vec::new(),
                chime: false,
                prompt: Some((p, lang)),
                pcm: Pcm { rate: RATE, samples },
            }
        }
    }
}

/// How the shown ticket's print ended, as the prompt that says it: `None`
/// while printing, off the ticket page, or without a printer.
fn print_outcome(ui: &KioskWindow) -> Option<(String, Prompt)> {
    let t = ui.global::<TicketAdapter>();
    if ui.global::<Nav>().get_page() != Page::Ticket || !t.get_printer_present() {
        return None;
    }
    let outcome = if t.get_print_problem() {
        Prompt::PrintFailed
    } else if t.get_reprint_enabled() {
        Prompt::Ticket
    } else {
        return None; // still printing
    };
    Some((t.get_number().to_string(), outcome))
}

/// The thanks the rating page shows now, as its prompt (the "kept, will be
/// sent" variant when the centre could not be reached).
fn rating_thanks(ui: &KioskWindow) -> Option<Prompt> {
    let r = ui.global::<RatingAdapter>();
    (ui.global::<Nav>().get_page() == Page::Rating && r.get_state() == "thanks").then(|| {
        if r.get_message().is_empty() {
            Prompt::RatingThanks
        } else {
            Prompt::RatingKept
        }
    })
}

fn session_lang(ui: &KioskWindow) -> Language {
    Language::parse(&ui.global::<Session>().get_language()).unwrap_or_default()
}

impl Feature for Voice {
    fn wire(self: Arc<Self>, _ui: &KioskWindow) {}

    fn navigated(&self, ui: &KioskWindow, page: Page) {
        // What the page shows decides what is said: the priority question
        // when it is asked, the printer's slot only when there is a printer.
        let priority = ui.global::<QueueAdapter>().get_priority_options().row_count() > 0;
        let printer = self.printer || ui.global::<TicketAdapter>().get_printer_present();
        self.page_shown(Prompt::for_page(page, priority, printer), session_lang(ui));
    }

    /// Notices what appears without a page change: the idle warning (the
    /// voice hears the tick after the idle rule), the answer to a call for
    /// help, how the ticket's print ended and the rating's thanks.
    fn tick(&self, ui: &KioskWindow) {
        let warning = ui.global::<Session>().get_idle_warning();
        let help = ui.global::<HelpAdapter>().get_state().to_string();
        let print = print_outcome(ui);
        let rating = rating_thanks(ui);
        let (warned, helped, printed, thanked) = {
            let mut seen = self.seen.lock().expect("seen lock");
            let warned = warning && !seen.idle_warning;
            let helped = (help != seen.help).then(|| help.clone());
            let printed = print.clone().filter(|p| seen.print.as_ref() != Some(p));
            let thanked = rating.filter(|_| !seen.thanked);
            seen.idle_warning = warning;
            seen.help = help;
            if print.is_some() {
                seen.print = print;
            }
            seen.thanked = rating.is_some();
            (warned, helped, printed, thanked)
        };
        let lang = session_lang(ui);
        if let Some((_, p)) = printed {
            self.say_now(p, lang);
        }
        if let Some(p) = thanked {
            self.say_now(p, lang);
        }
        if warned {
            self.say(Prompt::IdleWarning, lang);
        }
        match helped.as_deref() {
            Some("sent") => self.say(Prompt::HelpSent, lang),
            Some("failed") => self.say(Prompt::HelpFailed, lang),
            _ => {}
        }
    }

    /// The citizen left: the prompt not yet read is dropped and the next
    /// citizen hears every prompt (a ticket number still being read is kept).
    fn end_session(&self, ui: &KioskWindow) {
        self.guide.lock().expect("guide lock").forget();
        *self.seen.lock().expect("seen lock") = Seen {
            idle_warning: ui.global::<Session>().get_idle_warning(),
            help: ui.global::<HelpAdapter>().get_state().to_string(),
            print: print_outcome(ui),
            thanked: rating_thanks(ui).is_some(),
        };
        self.queue(|p| p.prompt(None));
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

    #[test]
    fn only_the_newest_prompt_waits_and_a_ticket_comes_first() {
        // Must hold: prompts never pile up, a ticket drops the stale prompt of
        // the page before, and the ticket page's prompt follows the number.
        let mut p = Pending::default();
        for prompt in [Prompt::Services, Prompt::Procedures, Prompt::Dossier] {
            p.prompt(Some((prompt, Language::Vi)));
        }
        assert_eq!(p.pop(), Some(Spoken::Prompt(Prompt::Dossier, Language::Vi)));
        assert_eq!(p.pop(), None);
        p.prompt(Some((Prompt::Services, Language::Vi)));
        let call = Announcement { ticket: "A-001".into(), counter: 1 };
        p.ticket(call.clone(), vec![Word::MoiSo]);
        p.prompt(Some((Prompt::Ticket, Language::En)));
        assert_eq!(p.pop(), Some(Spoken::Ticket(call, vec![Word::MoiSo])));
        assert_eq!(p.pop(), Some(Spoken::Prompt(Prompt::Ticket, Language::En)));
        assert!(p.is_empty());
        p.prompt(Some((Prompt::Rating, Language::Vi)));
        p.prompt(None);
        assert!(p.is_empty(), "a silent page cuts the stale prompt");
    }

    #[test]
    fn prompts_are_read_at_the_configured_volume() {
        // Must hold: `kiosk.voice_volume` scales a prompt as it does a ticket.
        let peak = |p: &Playback| p.pcm.samples.iter().map(|s| i32::from(s.unsigned_abs())).max().unwrap();
        let full = render(Spoken::Prompt(Prompt::Home, Language::Vi), 1.0);
        let quiet = render(Spoken::Prompt(Prompt::Home, Language::Vi), 0.4);
        assert_eq!(full.prompt, Some((Prompt::Home, Language::Vi)));
        assert_eq!(full.pcm.samples.len(), clip(Prompt::Home, Language::Vi).len());
        assert!((peak(&quiet) - peak(&full) * 2 / 5).abs() <= 2, "{} vs {}", peak(&quiet), peak(&full));
        let en = render(Spoken::Prompt(Prompt::Home, Language::En), 1.0);
        assert_ne!(en.pcm.samples.len(), full.pcm.samples.len(), "the English clip");
    }
}
