//! The kiosk's spoken prompts: one short sentence per page or notice, the
//! words of the screen said plainly ("Chạm vào lĩnh vực để in số"), in the
//! session's language. The clips are embedded (`data/voice/prompt_*.wav`,
//! made by `data/voice/make_clips.py` from `prompts.tsv`); [`Guide`] decides
//! when a prompt is worth saying again. [`voice`](super::voice) reads them.

use crate::config::Language;
use crate::ui::Page;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A prompt said again within this time is not said (the citizen went
/// back and forth between two pages).
pub const QUIET: Duration = Duration::from_secs(15);

/// What the kiosk can say besides a ticket number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prompt {
    /// Home, when the citizen comes back to it.
    Home,
    /// The service tiles (no priority groups configured).
    Services,
    /// The service tiles with the priority question first.
    Priority,
    /// "In vé ưu tiên?": a priority ticket awaits confirmation.
    Confirm,
    /// The ticket, after its number, once it is printed: take it from the printer's slot.
    Ticket,
    /// The ticket could not be printed: remember the number on the screen.
    PrintFailed,
    /// The ticket on a kiosk without a printer: wait for the call.
    Wait,
    Procedures,
    ProcedureDetail,
    Dossier,
    Rating,
    /// The idle warning ("Bạn còn cần thêm thời gian?").
    IdleWarning,
    /// A call for help reached the centre.
    HelpSent,
    /// A call for help could not be sent.
    HelpFailed,
    /// The rating was sent.
    RatingThanks,
    /// The rating is kept on the kiosk and will be sent later.
    RatingKept,
}

impl Prompt {
    pub fn all() -> [Prompt; 16] {
        use Prompt::*;
        [
            Home,
            Services,
            Priority,
            Confirm,
            Ticket,
            PrintFailed,
            Wait,
            Procedures,
            ProcedureDetail,
            Dossier,
            Rating,
            IdleWarning,
            HelpSent,
            HelpFailed,
            RatingThanks,
            RatingKept,
        ]
    }

    /// The clip's name in `data/voice/` (without `.wav`).
    pub fn key(self, lang: Language) -> &'static str {
        let (vi, en) = match self {
            Prompt::Home => ("prompt_home", "prompt_home_en"),
            Prompt::Services => ("prompt_services", "prompt_services_en"),
            Prompt::Priority => ("prompt_priority", "prompt_priority_en"),
            Prompt::Confirm => ("prompt_confirm", "prompt_confirm_en"),
            Prompt::Ticket => ("prompt_ticket", "prompt_ticket_en"),
            Prompt::PrintFailed => ("prompt_print_failed", "prompt_print_failed_en"),
            Prompt::Wait => ("prompt_wait", "prompt_wait_en"),
            Prompt::Procedures => ("prompt_procedures", "prompt_procedures_en"),
            Prompt::ProcedureDetail => ("prompt_procedure", "prompt_procedure_en"),
            Prompt::Dossier => ("prompt_dossier", "prompt_dossier_en"),
            Prompt::Rating => ("prompt_rating", "prompt_rating_en"),
            Prompt::IdleWarning => ("prompt_idle", "prompt_idle_en"),
            Prompt::HelpSent => ("prompt_help_sent", "prompt_help_sent_en"),
            Prompt::HelpFailed => ("prompt_help_failed", "prompt_help_failed_en"),
            Prompt::RatingThanks => ("prompt_rating_thanks", "prompt_rating_thanks_en"),
            Prompt::RatingKept => ("prompt_rating_kept", "prompt_rating_kept_en"),
        };
        super::i18n::pick(lang, vi, en)
    }

    /// What the clip says (the screen's own words where it has them).
    pub fn text(self, lang: Language) -> &'static str {
        let (vi, en) = match self {
            Prompt::Home => (
                "Xin chào quý khách. Chạm vào Lấy số thứ tự để nhận số.",
                "Welcome. Tap Take a number to get your number.",
            ),
            Prompt::Services => ("Chạm vào lĩnh vực để in số.", "Tap an area to print your number."),
            Prompt::Priority => (
                "Bạn có thuộc diện ưu tiên không? Chọn trước, rồi chạm vào lĩnh vực để in số.",
                "Are you entitled to priority? Choose first, then tap an area to print your number.",
            ),
            Prompt::Confirm => (
                "In vé ưu tiên? Bấm In vé, hoặc Chọn lại.",
                "Print a priority ticket? Tap Print ticket, or Change.",
            ),
            Prompt::Ticket => {
                ("Mời bạn nhận vé in ở khe bên dưới.", "Please take your printed ticket below.")
            }
            // The screen: "… Vé chưa in được, … màn hình này là vé của bạn,
            // hãy chụp lại hoặc ghi nhớ số." (the reason is the technician's).
            Prompt::PrintFailed => (
                "Vé chưa in được. Xin ghi nhớ số của bạn trên màn hình.",
                "Your ticket could not be printed. Please remember your number on the screen.",
            ),
            Prompt::Wait => {
                ("Mời bạn ngồi chờ và theo dõi màn hình gọi số.", "Please take a seat and watch the display.")
            }
            Prompt::Procedures => ("Mời chọn hoặc tìm thủ tục.", "Choose or search for a procedure."),
            Prompt::ProcedureDetail => ("Mời xem giấy tờ cần mang theo.", "Here are the papers to bring."),
            Prompt::Dossier => ("Mời quét mã trên giấy biên nhận.", "Please scan the code on your receipt."),
            Prompt::Rating => ("Mời đánh giá mức độ hài lòng.", "Please rate our service."),
            Prompt::IdleWarning => (
                "Bạn còn cần thêm thời gian? Mời chạm vào màn hình.",
                "Do you need more time? Touch the screen.",
            ),
            Prompt::HelpSent => (
                "Nhân viên đang đến. Xin quý khách chờ tại máy này.",
                "A staff member is on the way. Please wait at this kiosk.",
            ),
            Prompt::HelpFailed => (
                "Chưa gọi được nhân viên. Mời quý khách đến bàn hướng dẫn.",
                "The call could not be sent. Please go to the information desk.",
            ),
            Prompt::RatingThanks => ("Cảm ơn bạn đã đánh giá!", "Thank you for your rating!"),
            // The screen adds: "… đã được lưu trên máy và sẽ tự gửi về trung
            // tâm khi có kết nối" (kept on this kiosk, sent when back online).
            Prompt::RatingKept => (
                "Cảm ơn bạn đã đánh giá. Đánh giá đã được lưu và sẽ tự gửi sau.",
                "Thank you for your rating. It is saved and will be sent later.",
            ),
        };
        super::i18n::pick(lang, vi, en)
    }

    /// The prompt of `page`: `priority` when the take-number page asks the
    /// priority question first, `printer` when the ticket is printed (then
    /// the ticket page's prompt waits for the print's outcome: [`Ticket`]
    /// or [`PrintFailed`], said by the voice when the print ends).
    /// Setup (the technician's) says nothing.
    ///
    /// [`Ticket`]: Prompt::Ticket
    /// [`PrintFailed`]: Prompt::PrintFailed
    pub fn for_page(page: Page, priority: bool, printer: bool) -> Option<Prompt> {
        Some(match page {
            Page::Home => Prompt::Home,
            Page::TakeNumber if priority => Prompt::Priority,
            Page::TakeNumber => Prompt::Services,
            Page::Ticket if printer => return None,
            Page::Ticket => Prompt::Wait,
            Page::Procedures => Prompt::Procedures,
            Page::ProcedureDetail => Prompt::ProcedureDetail,
            Page::Dossier => Prompt::Dossier,
            Page::Rating => Prompt::Rating,
            _ => return None,
        })
    }
}

macro_rules! prompt_clips {
    ($($key:literal),* $(,)?) => {
        &[$(($key, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/voice/", $key, ".wav")) as &[u8])),*]
    };
}

/// The prompt clips, embedded (see `data/voice/README.md`).
static CLIPS: &[(&str, &[u8])] = prompt_clips![
    "prompt_home",
    "prompt_home_en",
    "prompt_services",
    "prompt_services_en",
    "prompt_priority",
    "prompt_priority_en",
    "prompt_confirm",
    "prompt_confirm_en",
    "prompt_ticket",
    "prompt_ticket_en",
    "prompt_print_failed",
    "prompt_print_failed_en",
    "prompt_wait",
    "prompt_wait_en",
    "prompt_procedures",
    "prompt_procedures_en",
    "prompt_procedure",
    "prompt_procedure_en",
    "prompt_dossier",
    "prompt_dossier_en",
    "prompt_rating",
    "prompt_rating_en",
    "prompt_idle",
    "prompt_idle_en",
    "prompt_help_sent",
    "prompt_help_sent_en",
    "prompt_help_failed",
    "prompt_help_failed_en",
    "prompt_rating_thanks",
    "prompt_rating_thanks_en",
    "prompt_rating_kept",
    "prompt_rating_kept_en",
];

fn bank() -> &'static HashMap<&'static str, Vec<i16>> {
    static BANK: OnceLock<HashMap<&'static str, Vec<i16>>> = OnceLock::new();
    BANK.get_or_init(|| {
        CLIPS
            .iter()
            .filter_map(|(key, bytes)| match super::audio::decode_wav(bytes) {
                Ok(p) if p.rate == super::audio::RATE => Some((*key, p.samples)),
                Ok(p) => {
                    tracing::error!(clip = key, rate = p.rate, "prompt clip is not 16 kHz; skipped");
                    None
                }
                Err(e) => {
                    tracing::error!(clip = key, error = %e, "prompt clip unreadable; skipped");
                    None
                }
            })
            .collect()
    })
}

/// The samples of `prompt` in `lang` (empty when its clip is missing).
pub fn clip(prompt: Prompt, lang: Language) -> &'static [i16] {
    bank().get(prompt.key(lang)).map(Vec::as_slice).unwrap_or_default()
}

/// Which prompts were said lately: a page's prompt is said once, not again
/// when the citizen comes back to the page within [`QUIET`].
#[derive(Debug, Default)]
pub struct Guide {
    said: HashMap<Prompt, Instant>,
}

impl Guide {
    /// Whether to say `p` now (and remember that it was).
    pub fn should_say(&mut self, p: Prompt, now: Instant) -> bool {
        if self.said.get(&p).is_some_and(|at| now.saturating_duration_since(*at) < QUIET) {
            return false;
        }
        self.said.insert(p, now);
        true
    }

    /// A new citizen: every prompt may be said again.
    pub fn forget(&mut self) {
        self.said.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_match_the_prompts() {
        // Must hold: every prompt has a clip in each language, 16 kHz mono,
        // between 0.5 and 6 s (short!), not silent; and prompts.tsv (what
        // make_clips.py reads) lists exactly these keys, voices and texts.
        let mut expected = Vec::new();
        for p in Prompt::all() {
            for lang in [Language::Vi, Language::En] {
                let (_, bytes) =
                    CLIPS.iter().find(|(k, _)| *k == p.key(lang)).unwrap_or_else(|| panic!("{p:?} {lang:?}"));
                let pcm = super::super::audio::decode_wav(bytes).unwrap();
                assert_eq!(pcm.rate, super::super::audio::RATE, "{}", p.key(lang));
                let d = pcm.duration().as_millis();
                assert!((500..=6000).contains(&d), "{}: {d} ms", p.key(lang));
                let peak = pcm.samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
                assert!(peak > 16_000, "{} is nearly silent", p.key(lang));
                assert_eq!(clip(p, lang).len(), pcm.samples.len());
                expected.push(format!("{}\t{}\t{}", p.key(lang), lang.code(), p.text(lang)));
            }
        }
        assert_eq!(CLIPS.len(), expected.len());
        let tsv = include_str!("../../data/voice/prompts.tsv");
        let listed: Vec<String> = tsv
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('\t').take(3).collect::<Vec<_>>().join("\t"))
            .collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn each_page_has_its_prompt() {
        assert_eq!(Prompt::for_page(Page::TakeNumber, false, true), Some(Prompt::Services));
        assert_eq!(Prompt::for_page(Page::TakeNumber, true, true), Some(Prompt::Priority));
        assert_eq!(Prompt::for_page(Page::Ticket, false, true), None, "said when the print ends");
        assert_eq!(Prompt::for_page(Page::Ticket, false, false), Some(Prompt::Wait));
        assert_eq!(Prompt::for_page(Page::Setup, false, true), None, "the technician's page is silent");
        assert_eq!(Prompt::for_page(Page::Home, false, true), Some(Prompt::Home));
    }

    #[test]
    fn a_prompt_is_not_repeated_within_the_quiet_time() {
        let mut g = Guide::default();
        let t0 = Instant::now();
        assert!(g.should_say(Prompt::Services, t0));
        assert!(g.should_say(Prompt::Procedures, t0 + Duration::from_secs(2)));
        assert!(!g.should_say(Prompt::Services, t0 + Duration::from_secs(5)), "back within seconds");
        assert!(g.should_say(Prompt::Services, t0 + QUIET + Duration::from_secs(1)));
        g.forget();
        assert!(g.should_say(Prompt::Procedures, t0 + Duration::from_secs(3)), "a new citizen hears it");
    }
}
