//! A procedure as the kiosk shows it: every text ready for the screen, in the
//! chosen language, with each value no source confirms replaced by "Hỏi tại
//! quầy" / "Ask at the counter". The kiosk's detail page and `catalog show`
//! both print this, so a technician sees exactly what a citizen would.

use crate::domain::procedure::{Fact, Procedure};
use serde::Serialize;

/// Shown instead of a value nobody has checked.
pub const ASK_VI: &str = "Hỏi tại quầy";
pub const ASK_EN: &str = "Ask at the counter";

/// The language of the texts the view generates (the catalog's own texts stay
/// Vietnamese, except the English name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewLang {
    Vi,
    En,
}

impl ViewLang {
    fn pick(self, vi: &'static str, en: &'static str) -> &'static str {
        match self {
            ViewLang::Vi => vi,
            ViewLang::En => en,
        }
    }

    pub fn ask(self) -> &'static str {
        self.pick(ASK_VI, ASK_EN)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodView {
    pub channel: String,
    pub duration: String,
    pub fee: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentView {
    pub name: String,
    /// What to hand in, in words ("Nộp 1 bản chính", "Chỉ xuất trình, không
    /// nộp"); empty when the list is not confirmed.
    pub quantity: String,
    pub form: String,
    /// `required`, `conditional`, `show_only`; empty when the list is not confirmed.
    pub need_kind: String,
    /// The same in words ("Bắt buộc", "Trong một số trường hợp", "Chỉ xuất trình").
    pub need: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceView {
    /// URL or document.
    pub reference: String,
    /// DD/MM/YYYY.
    pub checked: String,
    /// What it confirms, in words.
    pub confirms: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcedureView {
    pub code: String,
    /// In the view's language when the catalog has it (English name), else Vietnamese.
    pub name: String,
    /// The Vietnamese name, always (what the officer at the counter knows).
    pub name_vi: String,
    pub field: String,
    pub level: String,
    pub agency: String,
    pub methods: Vec<MethodView>,
    pub documents: Vec<DocumentView>,
    pub steps: Vec<String>,
    pub conditions: String,
    pub result: String,
    pub online_level: String,
    pub legal_basis: Vec<String>,
    pub queue_service: String,
    pub sources: Vec<SourceView>,
    /// Values shown as "ask at the counter", in words ("phí, lệ phí").
    pub unverified: Vec<String>,
    /// One line for the screen when something is unverified, else empty.
    pub notice: String,
}

/// Builds the view of `p` in `lang`.
pub fn view(p: &Procedure, lang: ViewLang) -> ProcedureView {
    let ask = lang.ask().to_string();
    let ok = |f: Fact| p.is_verified(f);
    let label = |f: Fact| match lang {
        ViewLang::Vi => f.label_vi(),
        ViewLang::En => f.label_en(),
    };
    let methods = p
        .methods
        .iter()
        .map(|m| MethodView {
            channel: match lang {
                ViewLang::Vi => m.channel.label_vi().to_string(),
                ViewLang::En => channel_en(m.channel).to_string(),
            },
            duration: if !ok(Fact::Time) {
                ask.clone()
            } else if lang == ViewLang::En {
                m.duration_display_en()
            } else {
                m.duration_display()
            },
            fee: if !ok(Fact::Fee) {
                ask.clone()
            } else {
                match (lang, m.fee_amount) {
                    (ViewLang::En, Some(0)) => "Free".to_string(),
                    (ViewLang::En, None) if m.fee.trim().is_empty() => "Not set".to_string(),
                    _ => m.fee_display(),
                }
            },
        })
        .collect();
    let documents = if ok(Fact::Documents) {
        p.documents
            .iter()
            .map(|d| {
                let need = d.need();
                DocumentView {
                    name: d.name.clone(),
                    quantity: d.hand_in(lang == ViewLang::En),
                    form: d.form.clone().unwrap_or_default(),
                    need_kind: need.key().into(),
                    need: lang.pick(need.label_vi(), need.label_en()).into(),
                }
            })
            .collect()
    } else {
        vec![DocumentView {
            name: lang
                .pick("Hỏi tại quầy về giấy tờ cần nộp", "Ask at the counter which papers to bring")
                .into(),
            quantity: String::new(),
            form: String::new(),
            need_kind: String::new(),
            need: String::new(),
        }]
    };
    let or_ask = |f: Fact, text: &str| if ok(f) { text.to_string() } else { ask.clone() };
    // An empty list claims nothing: there is nothing to hide.
    let steps = match (ok(Fact::Steps), p.steps.is_empty()) {
        (false, false) => vec![ask.clone()],
        _ => p.steps.clone(),
    };
    let conditions = match (ok(Fact::Conditions), p.conditions.is_empty()) {
        (false, false) => ask.clone(),
        _ => p.conditions.join("\n"),
    };
    let online_level = if !ok(Fact::OnlineLevel) {
        ask.clone()
    } else {
        match p.online_level {
            Some(o) => match lang {
                ViewLang::Vi => o.label_vi().to_string(),
                ViewLang::En => online_en(o).to_string(),
            },
            None => lang.pick("Không", "No").to_string(),
        }
    };
    let legal_basis = match (ok(Fact::LegalBasis), p.legal_basis.is_empty()) {
        (false, false) => vec![ask.clone()],
        _ => p.legal_basis.clone(),
    };
    // What the citizen sees replaced by "ask at the counter" (code and name are
    // shown whatever their state: they identify the procedure).
    let hidden: Vec<Fact> = Fact::ALL
        .into_iter()
        .filter(|f| !ok(*f))
        .filter(|f| match f {
            Fact::Code | Fact::Name => false,
            Fact::Steps => !p.steps.is_empty(),
            Fact::Conditions => !p.conditions.is_empty(),
            Fact::LegalBasis => !p.legal_basis.is_empty(),
            _ => true,
        })
        .collect();
    let notice = if hidden.is_empty() {
        String::new()
    } else {
        let list: Vec<&str> = hidden.iter().map(|f| label(*f)).collect();
        match lang {
            ViewLang::Vi => format!(
                "Chưa đối chiếu được với nguồn chính thức: {}. Vui lòng hỏi cán bộ tại quầy.",
                list.join(", ")
            ),
            ViewLang::En => {
                format!(
                    "Not yet checked against an official source: {}. Please ask at the counter.",
                    list.join(", ")
                )
            }
        }
    };
    let name = match (lang, &p.name_en) {
        (ViewLang::En, Some(en)) => en.clone(),
        _ => p.name.clone(),
    };
    ProcedureView {
        code: p.code.clone(),
        name,
        name_vi: p.name.clone(),
        field: p.field.clone(),
        level: lang.pick(p.level.label_vi(), p.level.label_en()).to_string(),
        agency: or_ask(Fact::Agency, &p.agency),
        methods,
        documents,
        steps,
        conditions,
        result: if p.result.is_empty() { String::new() } else { or_ask(Fact::Result, &p.result) },
        online_level,
        legal_basis,
        queue_service: p.queue_service.clone(),
        sources: p
            .sources
            .iter()
            .map(|s| SourceView {
                reference: s.reference().to_string(),
                checked: s
                    .checked_date()
                    .map(crate::domain::localtime::format_date)
                    .unwrap_or_else(|| s.checked.clone()),
                confirms: s.covers.iter().map(|f| label(*f).to_string()).collect(),
                note: s.note.clone(),
            })
            .collect(),
        unverified: p.unverified.iter().map(|f| label(*f).to_string()).collect(),
        notice,
    }
}

fn channel_en(c: crate::domain::procedure::Channel) -> &'static str {
    use crate::domain::procedure::Channel;
    match c {
        Channel::TrucTiep => "In person",
        Channel::TrucTuyen => "Online",
        Channel::BuuChinh => "By post",
    }
}

fn online_en(o: crate::domain::procedure::OnlineLevel) -> &'static str {
    use crate::domain::procedure::OnlineLevel;
    match o {
        OnlineLevel::ToanTrinh => "Fully online",
        OnlineLevel::MotPhan => "Partly online",
    }
}

impl ProcedureView {
    /// Plain text, one block per section, as `catalog show` prints it.
    pub fn to_text(&self, lang: ViewLang) -> String {
        let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(format!("{}  {}", self.code, self.name));
        if self.name != self.name_vi {
            line(format!("    {}", self.name_vi));
        }
        line(format!("{}: {} · {}", t("Lĩnh vực", "Field"), self.field, self.level));
        line(format!("{}: {}", t("Cơ quan thực hiện", "Agency"), self.agency));
        line(format!("{}:", t("Cách thức thực hiện", "How to apply")));
        for m in &self.methods {
            line(format!(
                "  - {}: {} {} · {} {}",
                m.channel,
                t("thời hạn", "time"),
                m.duration,
                t("phí, lệ phí", "fee"),
                m.fee
            ));
        }
        line(format!("{}:", t("Thành phần hồ sơ", "Documents")));
        for d in &self.documents {
            let mut s = format!("  - {}", d.name);
            if !d.need.is_empty() {
                s.push_str(&format!(" [{}]", d.need));
            }
            if !d.quantity.is_empty() {
                s.push_str(&format!(" ({})", d.quantity));
            }
            if !d.form.is_empty() {
                s.push_str(&format!(" [{}: {}]", t("mẫu", "form"), d.form));
            }
            line(s);
        }
        if !self.steps.is_empty() {
            line(format!("{}:", t("Trình tự thực hiện", "Steps")));
            for (i, s) in self.steps.iter().enumerate() {
                line(format!("  {}. {s}", i + 1));
            }
        }
        if !self.conditions.is_empty() {
            line(format!("{}: {}", t("Yêu cầu, điều kiện", "Conditions"), self.conditions));
        }
        if !self.result.is_empty() {
            line(format!("{}: {}", t("Kết quả", "Result"), self.result));
        }
        line(format!("{}: {}", t("Dịch vụ công trực tuyến", "Online service"), self.online_level));
        if !self.legal_basis.is_empty() {
            line(format!("{}:", t("Căn cứ pháp lý", "Legal basis")));
            for l in &self.legal_basis {
                line(format!("  - {l}"));
            }
        }
        line(format!("{}: {}", t("Lấy số tại dịch vụ", "Queue service"), self.queue_service));
        if self.sources.is_empty() {
            line(t("Nguồn: chưa có", "Sources: none").to_string());
        } else {
            line(format!("{}:", t("Nguồn đã đối chiếu", "Sources checked")));
            for s in &self.sources {
                let confirms = if s.confirms.is_empty() {
                    String::new()
                } else {
                    format!(" — {}: {}", t("xác nhận", "confirms"), s.confirms.join(", "))
                };
                line(format!("  - {} ({} {}){confirms}", s.reference, t("đọc ngày", "read on"), s.checked));
            }
        }
        if !self.unverified.is_empty() {
            line(format!(
                "{} \"{}\"): {}",
                t("Chưa xác minh (kiosk hiển thị", "Unverified (the kiosk shows"),
                lang.ask(),
                self.unverified.join(", ")
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::procedure::fixtures::procedure;
    use crate::domain::procedure::{Source, TimeLimit};

    #[test]
    fn verified_values_are_shown_as_they_are() {
        let mut p = procedure("1.001193", "Đăng ký khai sinh");
        p.methods[0].time = Some(TimeLimit::same_day(Some("15:00")));
        let v = view(&p, ViewLang::Vi);
        assert_eq!(v.methods[0].duration, "Trong ngày (nhận sau 15:00: ngày làm việc tiếp theo)");
        assert_eq!(v.methods[0].fee, "Miễn phí");
        assert_eq!(v.documents[0].quantity, "Nộp 1 bản chính");
        assert_eq!(
            (v.documents[0].need_kind.as_str(), v.documents[0].need.as_str()),
            ("required", "Bắt buộc")
        );
        assert_eq!(v.notice, "");
        let en = view(&p, ViewLang::En);
        assert_eq!(en.methods[0].fee, "Free");
        assert_eq!(en.methods[0].channel, "In person");
        assert_eq!(en.methods[0].duration, "Same day (received after 15:00: next working day)");
    }

    #[test]
    fn unverified_values_are_never_shown_as_fact() {
        let mut p = procedure("1.001193", "Đăng ký khai sinh");
        p.methods[0].fee_amount = Some(100_000);
        p.unverified = vec![Fact::Fee, Fact::Time, Fact::Documents, Fact::Agency, Fact::Code];
        let v = view(&p, ViewLang::Vi);
        assert_eq!(v.methods[0].fee, ASK_VI);
        assert_eq!(v.methods[0].duration, ASK_VI);
        assert_eq!(v.agency, ASK_VI);
        assert_eq!(v.documents.len(), 1);
        assert!(v.documents[0].name.starts_with("Hỏi tại quầy"), "{:?}", v.documents);
        assert!(!format!("{v:?}").contains("100.000"), "the filler fee leaked: {v:?}");
        // Code and name identify the procedure: shown, but listed as unverified.
        assert_eq!(v.code, "1.001193");
        assert!(v.unverified.contains(&"mã thủ tục".to_string()));
        assert!(!v.notice.contains("mã thủ tục"), "{}", v.notice);
        assert!(v.notice.contains("phí, lệ phí") && v.notice.contains("thời hạn giải quyết"), "{}", v.notice);
        let en = view(&p, ViewLang::En);
        assert_eq!(en.methods[0].fee, ASK_EN);
        assert!(en.notice.starts_with("Not yet checked"), "{}", en.notice);
    }

    #[test]
    fn english_name_and_sources_in_the_text() {
        let mut p = procedure("1.001193", "Đăng ký khai sinh");
        p.name_en = Some("Birth registration".into());
        p.sources = vec![Source {
            url: Some("https://thuvienphapluat.vn/x".into()),
            document: None,
            checked: "2026-12-02".into(),
            covers: vec![Fact::Fee],
            note: String::new(),
        }];
        p.unverified = vec![Fact::Steps];
        let en = view(&p, ViewLang::En);
        assert_eq!(en.name, "Birth registration");
        assert_eq!(en.name_vi, "Đăng ký khai sinh");
        assert_eq!(view(&p, ViewLang::Vi).name, "Đăng ký khai sinh");
        let text = view(&p, ViewLang::Vi).to_text(ViewLang::Vi);
        assert!(text.starts_with("1.001193  Đăng ký khai sinh\n"), "{text}");
        assert!(
            text.contains("https://thuvienphapluat.vn/x (đọc ngày 02/12/2026) — xác nhận: phí, lệ phí"),
            "{text}"
        );
        assert!(
            text.contains("Chưa xác minh (kiosk hiển thị \"Hỏi tại quầy\"): trình tự thực hiện"),
            "{text}"
        );
        assert!(text.contains("  1. Hỏi tại quầy"), "{text}");
        let text = en.to_text(ViewLang::En);
        assert!(text.contains("    Đăng ký khai sinh\n"), "{text}");
    }

    #[test]
    fn empty_unverified_lists_claim_nothing() {
        let mut p = procedure("1.001193", "Đăng ký khai sinh");
        p.steps.clear();
        p.unverified = vec![Fact::Steps, Fact::Conditions];
        let v = view(&p, ViewLang::Vi);
        assert!(v.steps.is_empty() && v.conditions.is_empty());
        assert_eq!(v.notice, "");
    }
}
