//! Procedure look-up: browse by field, search as the citizen types on the
//! on-screen keyboard, detail with the documents to bring (each marked
//! required, in some cases, or show only), "take a number for this
//! procedure", and the list of papers printed on the ticket printer. Search runs on the UI thread: it answers in well under a
//! millisecond (see docs/performance.md), faster than posting to a worker.

use super::context::{handler, Feature, KioskContext};
use super::i18n::pick;
use super::printing::{PrintFailure, Printer};
use crate::catalog::usage::{self, UsageKind};
use crate::catalog::view::{field_label, view, ViewLang};
use crate::catalog::Catalog;
use crate::config::Language;
use crate::domain::catalog_age::{self, CatalogState};
use crate::domain::procedure::{Level, Procedure};
use crate::ui::{
    DocumentRow, FieldRow, KioskWindow, MethodRow, Nav, Page, ProcedureAdapter, ProcedureRow, QueueAdapter,
};
use motcua_drivers::printer::{ChecklistItem, ChecklistPrint};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::sync::{Arc, Mutex};

/// Results shown for a query (the list scrolls; more would only slow the eye).
pub const MAX_RESULTS: usize = 40;
/// Longest query the keyboard accepts.
pub const MAX_QUERY: usize = 60;
/// The national public-service portal's page of a procedure.
pub const PORTAL_URL: &str =
    "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=";

fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

/// Puts `rows` into `current` in place when it is a VecModel and returns
/// None; else a new model to set. In place, a keystroke redraws only the rows
/// that changed and the list keeps its row components, where a new model
/// makes Slint build every row (and every field chip) again.
fn sync_rows<T: Clone + PartialEq + 'static>(current: ModelRc<T>, rows: Vec<T>) -> Option<ModelRc<T>> {
    use slint::Model;
    let Some(vm) = current.as_any().downcast_ref::<VecModel<T>>() else {
        return Some(model(rows));
    };
    let old = vm.row_count();
    for i in (rows.len()..old).rev() {
        vm.remove(i);
    }
    for (i, r) in rows.into_iter().enumerate() {
        if i >= old {
            vm.push(r);
        } else if vm.row_data(i).as_ref() != Some(&r) {
            vm.set_row_data(i, r);
        }
    }
    None
}

fn level_label(lang: Language, l: Level) -> String {
    pick(lang, l.label_vi(), l.label_en()).to_string()
}

pub struct Procedures {
    ctx: Arc<KioskContext>,
    /// The procedure catalog once loaded (swapped whole after an import).
    catalog: Arc<Mutex<Option<Arc<Catalog>>>>,
    printer: Arc<Printer>,
    /// The checklist print whose outcome is awaited (0: none; a late outcome
    /// after the citizen moved on is dropped).
    printing: Mutex<u64>,
    /// The first load has ended (before it, no catalog is not yet a fault).
    loaded: std::sync::atomic::AtomicBool,
    /// The last day the centre confirmed the installed catalog is its newest.
    confirmed_on: Mutex<Option<chrono::NaiveDate>>,
}

fn view_lang(lang: Language) -> ViewLang {
    match lang {
        Language::Vi => ViewLang::Vi,
        Language::En => ViewLang::En,
    }
}

fn row(lang: Language, p: &Procedure) -> ProcedureRow {
    ProcedureRow {
        code: p.code.as_str().into(),
        name: match (lang, &p.name_en) {
            (Language::En, Some(en)) => en.as_str().into(),
            _ => p.name.as_str().into(),
        },
        field: field_label(&p.field, view_lang(lang)).into(),
        level: level_label(lang, p.level).into(),
    }
}

impl Procedures {
    pub fn new(ctx: Arc<KioskContext>, printer: Arc<Printer>) -> Arc<Self> {
        Arc::new(Procedures {
            ctx,
            catalog: Arc::default(),
            printer,
            printing: Mutex::new(0),
            loaded: Default::default(),
            confirmed_on: Mutex::new(None),
        })
    }

    /// Opens the catalog (installing the bundled one on first run) in the
    /// background; the list appears as soon as it is loaded.
    pub fn load(self: &Arc<Self>, ui: &KioskWindow) {
        let (dir, slot) = (self.ctx.cfg.data_dir(), self.catalog.clone());
        let popular = self.ctx.cfg.catalog.popular.clone();
        let work = move || {
            let loaded = std::fs::create_dir_all(&dir)
                .map_err(|e| e.to_string())
                .and_then(|_| Catalog::open(&dir).map_err(|e| e.to_string()))
                .or_else(|e| {
                    // The store is unusable (disk, permissions): the bundled catalog still answers.
                    tracing::error!("procedure catalog store unusable ({e}); using the bundled catalog");
                    Catalog::bundled().map_err(|e| e.to_string())
                });
            match loaded {
                Ok(c) => {
                    apply_popularity(&c, &dir, &popular);
                    *slot.lock().expect("catalog lock") = Some(Arc::new(c));
                    true
                }
                Err(e) => {
                    tracing::error!("no procedure catalog available: {e}");
                    false
                }
            }
        };
        let this = self.clone();
        self.ctx.spawn_blocking(ui, work, move |ui, _| {
            this.loaded.store(true, std::sync::atomic::Ordering::SeqCst);
            this.refresh(ui);
        });
    }

    /// The centre has just said the installed catalog is its newest.
    fn confirmed(&self) {
        let today = crate::domain::localtime::service_day(self.ctx.now());
        *self.confirmed_on.lock().expect("confirmed lock") = Some(today);
    }

    /// Uses an already loaded catalog (snapshots, tests).
    pub fn set_catalog(&self, ui: &KioskWindow, catalog: Arc<Catalog>) {
        apply_popularity(&catalog, &self.ctx.cfg.data_dir(), &self.ctx.cfg.catalog.popular);
        *self.catalog.lock().expect("catalog lock") = Some(catalog);
        self.loaded.store(true, std::sync::atomic::Ordering::SeqCst);
        self.refresh(ui);
    }

    /// Forgets the catalog (snapshots and tests of a kiosk that has none).
    pub fn clear_catalog(&self, ui: &KioskWindow) {
        *self.catalog.lock().expect("catalog lock") = None;
        self.loaded.store(true, std::sync::atomic::Ordering::SeqCst);
        self.refresh(ui);
    }

    /// Missing, outdated or current, today. Before the first load has ended
    /// the catalog counts as current (a starting kiosk is not at fault).
    pub fn catalog_state(&self) -> CatalogState {
        let loaded = self.loaded.load(std::sync::atomic::Ordering::SeqCst);
        let cat = self.catalog();
        if !loaded && cat.is_none() {
            return CatalogState::Current;
        }
        let confirmed = *self.confirmed_on.lock().expect("confirmed lock");
        // Confirmed by the centre as its newest: current as of that day.
        let as_of = cat.as_ref().and_then(|c| c.as_of()).max(confirmed);
        catalog_age::state(
            cat.is_some(),
            as_of,
            crate::domain::localtime::service_day(self.ctx.now()),
            self.ctx.cfg.catalog.max_age_days,
        )
    }

    /// The technician's alert for the catalog, if any.
    pub fn alert(&self) -> Option<&'static str> {
        match self.catalog_state() {
            CatalogState::Missing => Some("catalog_missing"),
            CatalogState::Outdated { .. } => Some("catalog_outdated"),
            CatalogState::Current => None,
        }
    }

    /// The calm line the procedure pages show about the catalog ("" when current).
    fn catalog_notice(&self, lang: Language) -> (&'static str, String) {
        if self.catalog().is_none() {
            // Also while the first load runs: the page has nothing to search.
            return ("missing", missing_note(lang).into());
        }
        match self.catalog_state() {
            CatalogState::Current => ("", String::new()),
            CatalogState::Missing => ("missing", missing_note(lang).into()),
            CatalogState::Outdated { as_of } => {
                let d = crate::domain::localtime::format_date(as_of);
                ("outdated", match lang {
                    Language::Vi => format!(
                        "Thông tin thủ tục trên máy này được cập nhật lần cuối ngày {d}, có thể đã thay đổi. Trước khi chuẩn bị giấy tờ, mời bạn hỏi lại cán bộ tại quầy."
                    ),
                    Language::En => format!(
                        "The procedure information on this kiosk was last updated on {d} and may have changed. Before you gather your papers, please check with an officer at a counter."
                    ),
                })
            }
        }
    }

    fn catalog(&self) -> Option<Arc<Catalog>> {
        self.catalog.lock().expect("catalog lock").clone()
    }

    /// Counts a look at (or a ticket for) a procedure, off the UI thread.
    fn record_usage(&self, code: String, kind: UsageKind) {
        if code.is_empty() {
            return;
        }
        let dir = self.ctx.cfg.data_dir();
        self.ctx.rt.spawn_blocking(move || {
            if let Err(e) = usage::record(&dir, &code, kind) {
                tracing::warn!("procedure usage not counted: {e}");
            }
        });
    }

    /// Re-runs the query (or the browse list) and the field chips.
    fn refresh(&self, ui: &KioskWindow) {
        let lang = self.ctx.lang();
        let a = ui.global::<ProcedureAdapter>();
        let (state, notice) = self.catalog_notice(lang);
        a.set_catalog_state(state.into());
        a.set_catalog_notice(notice.into());
        let Some(cat) = self.catalog() else {
            // No catalog could be opened (not even the bundled one): the page
            // says so and offers a number instead of an empty search.
            a.set_fields(model(Vec::new()));
            a.set_results(model(Vec::new()));
            a.set_result_note(missing_note(lang).into());
            return;
        };
        let query = a.get_query().to_string();
        let field = a.get_field_filter().to_string();
        let fields = cat
            .fields()
            .into_iter()
            .map(|f| FieldRow {
                label: field_label(&f.name, view_lang(lang)).into(),
                name: f.name.into(),
                count: f.count as i32,
            })
            .collect();
        if let Some(m) = sync_rows(a.get_fields(), fields) {
            a.set_fields(m);
        }
        let rows: Vec<ProcedureRow> = if query.trim().is_empty() {
            cat.browse((!field.is_empty()).then_some(field.as_str()), None)
                .into_iter()
                .map(|p| row(lang, p))
                .collect()
        } else {
            // Search the whole catalog, then keep the chosen field: a field chip narrows, never hides the best hit's rank.
            cat.search(&query, MAX_RESULTS * 4)
                .into_iter()
                .filter(|h| field.is_empty() || h.field == field)
                .take(MAX_RESULTS)
                .filter_map(|h| cat.get(&h.code).map(|p| row(lang, p)))
                .collect()
        };
        let note = match (rows.len(), query.trim().is_empty(), lang) {
            (0, false, Language::Vi) => {
                "Không tìm thấy thủ tục phù hợp. Hãy gõ ít chữ hơn hoặc chọn một lĩnh vực.".into()
            }
            (0, false, Language::En) => "No matching procedure. Type fewer letters or choose a field.".into(),
            (n, _, Language::Vi) => format!("{n} thủ tục"),
            (n, _, Language::En) => format!("{n} procedures"),
        };
        a.set_result_note(note.into());
        if let Some(m) = sync_rows(a.get_results(), rows) {
            a.set_results(m);
        }
    }

    /// Fills the detail page of `code` and shows it.
    fn open(&self, ui: &KioskWindow, code: &str) {
        if self.fill_detail(ui, code) {
            self.record_usage(code.to_string(), UsageKind::Lookup);
            self.clear_print(ui);
            ui.global::<Nav>().invoke_go(Page::ProcedureDetail);
        }
    }

    /// Fills the detail page of `code` in the current language; false when
    /// the catalog does not have it.
    fn fill_detail(&self, ui: &KioskWindow, code: &str) -> bool {
        let Some(cat) = self.catalog() else { return false };
        let Some(p) = cat.get(code) else {
            tracing::warn!("procedure {code} not in the catalog");
            return false;
        };
        let lang = self.ctx.lang();
        // The kiosk shows the catalog's view: unverified values read "Hỏi tại quầy".
        let v = view(p, view_lang(lang));
        let a = ui.global::<ProcedureAdapter>();
        a.set_code(v.code.as_str().into());
        a.set_name(v.name.as_str().into());
        a.set_field(v.field.as_str().into());
        a.set_level(v.level.as_str().into());
        a.set_agency(v.agency.as_str().into());
        a.set_result(v.result.as_str().into());
        a.set_online_level(v.online_level.as_str().into());
        a.set_documents(model(
            v.documents
                .into_iter()
                .map(|d| DocumentRow {
                    name: d.name.into(),
                    quantity: d.quantity.into(),
                    form: d.form.into(),
                    kind: d.need_kind.into(),
                    need: d.need.into(),
                })
                .collect(),
        ));
        a.set_methods(model(
            v.methods
                .into_iter()
                .map(|m| MethodRow {
                    channel: m.channel.into(),
                    duration: m.duration.into(),
                    fee: m.fee.into(),
                })
                .collect(),
        ));
        a.set_steps(model(v.steps.iter().map(|s| SharedString::from(s.as_str())).collect()));
        a.set_conditions(v.conditions.as_str().into());
        a.set_notice(v.notice.as_str().into());
        a.set_service_code(p.queue_service.as_str().into());
        let service_name = self
            .ctx
            .cfg
            .queue
            .services
            .iter()
            .find(|s| s.code == p.queue_service)
            .map(|s| pick(lang, &s.name_vi, &s.name_en).to_string())
            .unwrap_or_default();
        a.set_service_name(service_name.into());
        a.set_portal_qr(super::qr::qr_image(&format!("{PORTAL_URL}{}", p.code), 4));
        a.set_keyboard_open(false);
        true
    }

    /// Forgets a checklist print in progress and its outcome on screen.
    fn clear_print(&self, ui: &KioskWindow) {
        *self.printing.lock().expect("print lock") = 0;
        let a = ui.global::<ProcedureAdapter>();
        a.set_printer_present(self.printer.configured());
        a.set_printing(false);
        a.set_print_status("".into());
        a.set_print_problem(false);
    }

    /// The list of papers of `code` as it is printed, in the citizen's language.
    fn checklist(&self, code: &str) -> Option<ChecklistPrint> {
        let cat = self.catalog()?;
        let p = cat.get(code)?;
        let lang = self.ctx.lang();
        let v = view(p, if lang == Language::En { ViewLang::En } else { ViewLang::Vi });
        let cfg = &self.ctx.cfg;
        let header_lines = [cfg.centre.name.clone(), cfg.centre.address.clone()]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect();
        let printed = crate::domain::localtime::format_date_time(self.ctx.now());
        Some(ChecklistPrint {
            header_lines,
            title: pick(lang, "DANH SÁCH GIẤY TỜ CẦN CHUẨN BỊ", "PAPERS TO PREPARE").into(),
            procedure: v.name.clone(),
            subtitle: match lang {
                Language::Vi => format!("Mã thủ tục: {} · In lúc {printed}", v.code),
                Language::En => format!("Procedure code: {} · Printed {printed}", v.code),
            },
            items: v
                .documents
                .iter()
                .map(|d| ChecklistItem {
                    name: d.name.clone(),
                    note: [d.need.as_str(), d.quantity.as_str(), d.form.as_str()]
                        .into_iter()
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect(),
            qr_payload: Some(format!("{PORTAL_URL}{}", p.code)),
            qr_caption: pick(
                lang,
                "Xem thủ tục trên Cổng dịch vụ công",
                "The procedure on the national portal",
            )
            .into(),
            footer_lines: vec![pick(
                lang,
                "Mang đủ giấy tờ khi đến nộp hồ sơ. Xin cảm ơn!",
                "Bring every paper when you come to apply. Thank you!",
            )
            .into()],
        })
    }

    /// "In danh sách giấy tờ": the open procedure's checklist on the ticket printer.
    fn print_checklist(self: &Arc<Self>, ui: &KioskWindow) {
        let a = ui.global::<ProcedureAdapter>();
        if a.get_printing() || !self.printer.configured() {
            return;
        }
        let Some(job) = self.checklist(&a.get_code()) else { return };
        let token = self.ctx.next_request();
        *self.printing.lock().expect("print lock") = token;
        a.set_printing(true);
        a.set_print_problem(false);
        a.set_print_status(pick(self.ctx.lang(), "Đang in danh sách giấy tờ…", "Printing the list…").into());
        let this = self.clone();
        self.printer.print_checklist(ui, job, move |ui, result| {
            if *this.printing.lock().expect("print lock") != token {
                return;
            }
            *this.printing.lock().expect("print lock") = 0;
            let a = ui.global::<ProcedureAdapter>();
            a.set_printing(false);
            a.set_print_problem(result.is_err());
            a.set_print_status(checklist_outcome(this.ctx.lang(), &result).into());
        });
    }
}

/// What the procedure pages say when the kiosk has no catalog.
fn missing_note(lang: Language) -> &'static str {
    pick(
        lang,
        "Máy này chưa có danh sách thủ tục. Mời bạn hỏi tại bàn hướng dẫn; bạn vẫn lấy số được bình thường.",
        "This kiosk has no list of procedures yet. Please ask at the information desk; you can still take a number.",
    )
}

/// What the detail page says once the checklist print ended.
fn checklist_outcome(lang: Language, result: &Result<(), PrintFailure>) -> String {
    match (result, lang) {
        (Ok(()), Language::Vi) => "Đã in danh sách giấy tờ: mời lấy phiếu ở khe máy in bên dưới.".into(),
        (Ok(()), Language::En) => "The list is printed: take it from the printer slot below.".into(),
        (Err(f), Language::Vi) => format!(
            "{} Chưa in được danh sách giấy tờ. Mời chụp lại màn hình này hoặc hỏi cán bộ tại quầy.",
            f.problem.citizen_reason(lang)
        ),
        (Err(f), Language::En) => format!(
            "{} The list could not be printed. Photograph this screen or ask at the counter.",
            f.problem.citizen_reason(lang)
        ),
    }
}

impl Feature for Procedures {
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        let p = ui.global::<ProcedureAdapter>();
        p.on_key(handler!(ui, &self, |ui, this, k| {
            let p = ui.global::<ProcedureAdapter>();
            p.set_query(crate::domain::vn_input::apply_key(&p.get_query(), &k, MAX_QUERY).into());
            this.refresh(&ui);
        }));
        p.on_query_edited(handler!(ui, &self, |ui, this, q| {
            ui.global::<ProcedureAdapter>().set_query(q);
            this.refresh(&ui);
        }));
        p.on_filter_field(handler!(ui, &self, |ui, this, f| {
            ui.global::<ProcedureAdapter>().set_field_filter(f);
            this.refresh(&ui);
        }));
        p.on_open(handler!(ui, &self, |ui, this, code| this.open(&ui, &code)));
        p.on_print_checklist(handler!(ui, &self, |ui, this| this.print_checklist(&ui)));
        p.on_take_number(handler!(ui, &self, |ui, this, service| {
            let code = ui.global::<ProcedureAdapter>().get_code().to_string();
            this.record_usage(code, UsageKind::Ticket);
            // Straight to the right service: no second choice to make.
            ui.global::<Nav>().invoke_go(Page::TakeNumber);
            ui.global::<QueueAdapter>().invoke_take(service);
        }));
    }

    /// The list, the chips and an open detail follow a language switch.
    fn refresh_texts(&self, ui: &KioskWindow) {
        self.refresh(ui);
        let code = ui.global::<ProcedureAdapter>().get_code().to_string();
        if ui.global::<Nav>().get_page() == Page::ProcedureDetail && !code.is_empty() {
            self.fill_detail(ui, &code);
        }
    }

    fn end_session(&self, ui: &KioskWindow) {
        let a = ui.global::<ProcedureAdapter>();
        a.set_query("".into());
        a.set_field_filter("".into());
        a.set_keyboard_open(false);
        self.clear_print(ui);
        self.refresh(ui);
    }
}

/// The popularity prior from this kiosk's counts and the configured list.
fn apply_popularity(c: &Catalog, data_dir: &std::path::Path, popular: &[String]) {
    let counts = usage::counts(data_dir).unwrap_or_else(|e| {
        tracing::warn!("procedure usage counts unreadable, search ranks without them: {e}");
        Default::default()
    });
    c.set_popularity(&counts, popular);
}

/// How often a kiosk on a remote centre asks for a newer catalog.
pub const CATALOG_SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// One catalog sync with the centre: downloads the catalog only when its
/// version (ETag) differs from the installed one, installs it atomically (an
/// invalid, partial or older download never replaces the good one) and swaps
/// it in. Returns the version installed, if any.
pub async fn sync_catalog_once(
    client: &crate::centre::client::ApiClient,
    procedures: &Procedures,
) -> Result<Option<String>, String> {
    let installed = procedures.catalog().map(|c| c.version().to_string());
    let Some(bytes) = client.catalog(installed.as_deref()).await.map_err(|e| e.to_string())? else {
        procedures.confirmed(); // the centre has nothing newer
        return Ok(None);
    };
    let dir = procedures.ctx.cfg.data_dir();
    let source = format!("{}/api/v1/catalog", client.base_url());
    let offered = crate::catalog::store::parse_catalog(&bytes).map_err(|e| e.to_string())?.version;
    if let Some(v) = &installed {
        if !crate::catalog::store::needs_update(v, &offered) {
            procedures.confirmed();
            return Ok(None);
        }
    }
    let loaded = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        crate::catalog::store::import_bytes(&dir, &bytes, &source, &Default::default())
            .map_err(|e| e.to_string())?;
        Catalog::open(&dir).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    let version = loaded.version().to_string();
    let cfg = &procedures.ctx.cfg;
    apply_popularity(&loaded, &cfg.data_dir(), &cfg.catalog.popular);
    *procedures.catalog.lock().expect("catalog lock") = Some(Arc::new(loaded));
    procedures.loaded.store(true, std::sync::atomic::Ordering::SeqCst);
    procedures.confirmed();
    Ok(Some(version))
}

/// Keeps the kiosk's catalog in step with a remote centre, hourly.
pub async fn sync_catalog(
    client: crate::centre::client::ApiClient,
    procedures: Arc<Procedures>,
    weak: slint::Weak<KioskWindow>,
) {
    let mut tick = tokio::time::interval(CATALOG_SYNC_EVERY);
    loop {
        tick.tick().await;
        match sync_catalog_once(&client, &procedures).await {
            Ok(Some(v)) => {
                tracing::info!("procedure catalog {v} installed from the centre");
                let post = procedures.clone();
                procedures.ctx.poster.post_to(&weak, move |ui| post.refresh(ui));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("catalog not synced from the centre: {e}"),
        }
    }
}
