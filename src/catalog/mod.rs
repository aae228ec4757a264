//! The procedure catalog: installed in its own SQLite file ([`store`]), loaded
//! into memory with a search index ([`search`]).
//!
//! ```no_run
//! # fn main() -> Result<(), motcua_kiosk::catalog::CatalogError> {
//! use motcua_kiosk::catalog::Catalog;
//! let catalog = Catalog::open(std::path::Path::new("/var/lib/motcua"))?;
//! for hit in catalog.search("dang ky khai sinh", 10) {
//!     println!("{} {} ({:.1})", hit.code, hit.name, hit.score);
//! }
//! let p = catalog.get("1.001193").expect("in the bundled catalog");
//! println!("{} — {}", p.name, p.agency);
//! # Ok(()) }
//! ```

pub mod diff;
pub mod export;
pub mod search;
pub mod store;
pub mod synth;
pub mod usage;
pub mod view;

use crate::domain::procedure::{CatalogFile, CatalogVersion, Level, Procedure};
use crate::domain::text::fold;
use search::SearchIndex;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

pub use search::MatchedIn;
pub use store::{
    import_bytes, import_file, needs_update, parse_catalog, CatalogError, CatalogInfo, ImportOptions,
    ImportOutcome, ImportStage,
};

/// The catalog shipped with the firmware, installed on first run.
pub const BUNDLED_JSON: &str = include_str!("../../data/catalog.json");
/// `source` recorded for the bundled catalog.
pub const BUNDLED_SOURCE: &str = "bundled";

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub code: String,
    pub name: String,
    pub field: String,
    pub score: f32,
    pub matched_in: MatchedIn,
}

/// A lĩnh vực and how many procedures it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldSummary {
    pub name: String,
    pub count: usize,
}

/// A loaded catalog: procedures plus search index. Immutable; share it with
/// `Arc<Catalog>` and swap the `Arc` after an import.
#[derive(Debug)]
pub struct Catalog {
    info: CatalogInfo,
    procedures: Vec<Procedure>,
    by_code: HashMap<String, usize>,
    index: SearchIndex,
}

impl Catalog {
    /// Builds a catalog from a file, validating it first.
    pub fn from_file(file: CatalogFile, source: &str) -> Result<Self, CatalogError> {
        let issues = crate::domain::procedure::validate(&file);
        if !issues.is_empty() {
            return Err(CatalogError::Invalid(issues));
        }
        let info = CatalogInfo {
            format: file.format,
            version: file.version,
            sample: file.sample,
            note: file.note,
            source: source.to_string(),
            imported_at: String::new(),
            procedures: file.procedures.len(),
        };
        Ok(Self::build(info, file.procedures))
    }

    fn build(info: CatalogInfo, procedures: Vec<Procedure>) -> Self {
        let by_code = procedures.iter().enumerate().map(|(i, p)| (p.code.clone(), i)).collect();
        let index = SearchIndex::build(&procedures);
        Catalog { info, procedures, by_code, index }
    }

    /// The bundled catalog, in memory (nothing is written).
    pub fn bundled() -> Result<Self, CatalogError> {
        Self::from_file(parse_catalog(BUNDLED_JSON.as_bytes())?, BUNDLED_SOURCE)
    }

    /// Loads an installed catalog database.
    pub fn load(db_path: &Path) -> Result<Self, CatalogError> {
        let (info, file) = store::read_catalog(db_path)?;
        Ok(Self::build(info, file.procedures))
    }

    /// Loads the catalog installed in `data_dir`, installing the bundled one
    /// first when there is none, when the bundled one is newer (firmware
    /// update), or when the installed file is unusable (it is moved aside as
    /// `catalog.sqlite3.corrupt-<time>`).
    pub fn open(data_dir: &Path) -> Result<Self, CatalogError> {
        let path = store::db_path(data_dir);
        let bundled_version = bundled_version()?;
        let install_bundled = match store::read_info(&path) {
            Ok(None) => true,
            Ok(Some(info)) => needs_update(&info.version, &bundled_version),
            Err(e) => {
                let to = store::quarantine(data_dir)?;
                tracing::error!(
                    "catalog unusable ({e}); moved to {} and reinstalling the bundled one",
                    to.display()
                );
                true
            }
        };
        if install_bundled {
            let file = parse_catalog(BUNDLED_JSON.as_bytes())?;
            store::install(data_dir, &file, BUNDLED_SOURCE, &ImportOptions::default())?;
        }
        match Self::load(&path) {
            Ok(c) => Ok(c),
            Err(e) if !install_bundled => {
                // Metadata was readable but the procedures are not.
                let to = store::quarantine(data_dir)?;
                tracing::error!(
                    "catalog unusable ({e}); moved to {} and reinstalling the bundled one",
                    to.display()
                );
                let file = parse_catalog(BUNDLED_JSON.as_bytes())?;
                store::install(data_dir, &file, BUNDLED_SOURCE, &ImportOptions::default())?;
                Self::load(&path)
            }
            Err(e) => Err(e),
        }
    }

    pub fn info(&self) -> &CatalogInfo {
        &self.info
    }

    pub fn version(&self) -> &str {
        &self.info.version
    }

    /// The day its facts were last checked (see [`crate::domain::catalog_age::as_of`]).
    pub fn as_of(&self) -> Option<chrono::NaiveDate> {
        let newest = self.procedures.iter().filter_map(Procedure::last_checked).max();
        let imported = chrono::DateTime::parse_from_rfc3339(&self.info.imported_at)
            .ok()
            .map(|t| crate::domain::localtime::service_day(t.with_timezone(&chrono::Utc)));
        crate::domain::catalog_age::as_of(newest, imported)
    }

    pub fn len(&self) -> usize {
        self.procedures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty()
    }

    /// Every procedure, in catalog order.
    pub fn procedures(&self) -> &[Procedure] {
        &self.procedures
    }

    /// A procedure by code; the localised form `1.001193.000.00.00.H56` works too.
    pub fn get(&self, code: &str) -> Option<&Procedure> {
        let code = code.trim();
        let base = code.get(..8).filter(|_| code.len() > 8 && code.as_bytes()[8] == b'.').unwrap_or(code);
        self.by_code.get(base).map(|&i| &self.procedures[i])
    }

    /// Ranked search, best first: see [`search`] for what matches.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.index
            .search(query, limit)
            .into_iter()
            .map(|h| {
                let p = &self.procedures[h.doc];
                Hit {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    field: p.field.clone(),
                    score: h.score,
                    matched_in: h.matched_in,
                }
            })
            .collect()
    }

    /// The lĩnh vực of the catalog with their procedure counts, in Vietnamese
    /// alphabetical order (diacritics ignored).
    pub fn fields(&self) -> Vec<FieldSummary> {
        let mut out: Vec<FieldSummary> = Vec::new();
        for p in &self.procedures {
            match out.iter_mut().find(|f| f.name == p.field) {
                Some(f) => f.count += 1,
                None => out.push(FieldSummary { name: p.field.clone(), count: 1 }),
            }
        }
        out.sort_by_cached_key(|f| (fold(&f.name), f.name.clone()));
        out
    }

    /// The levels present in the catalog with their procedure counts.
    pub fn levels(&self) -> Vec<(Level, usize)> {
        Level::ALL
            .into_iter()
            .map(|l| (l, self.procedures.iter().filter(|p| p.level == l).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Procedures of a field (compared without diacritics or case) and/or a
    /// level, in catalog order. `None` means any.
    pub fn browse(&self, field: Option<&str>, level: Option<Level>) -> Vec<&Procedure> {
        let field = field.map(fold);
        self.procedures
            .iter()
            .filter(|p| field.as_ref().is_none_or(|f| fold(&p.field) == *f))
            .filter(|p| level.is_none_or(|l| p.level == l))
            .collect()
    }

    /// Procedures whose `queue_service` is not one of `known` (the configured
    /// queue services): the kiosk could not issue a ticket for them.
    pub fn unknown_queue_services<'a>(&'a self, known: &[&str]) -> Vec<&'a Procedure> {
        self.procedures.iter().filter(|p| !known.contains(&p.queue_service.as_str())).collect()
    }

    /// Sets the popularity prior search uses to break near-ties, from this
    /// centre's counts and a configured list of codes (see [`usage::popularity`]).
    pub fn set_popularity(&self, counts: &HashMap<String, usage::Usage>, configured: &[String]) {
        self.index.set_prior(&usage::popularity(&self.procedures, counts, configured));
    }

    /// The popularity prior of a procedure, in [0, 1].
    pub fn popularity(&self, code: &str) -> f32 {
        self.by_code.get(code).map_or(0.0, |&i| self.index.prior()[i])
    }

    /// Approximate heap memory of the search index, in bytes.
    pub fn index_heap_bytes(&self) -> usize {
        self.index.heap_bytes()
    }

    /// Distinct folded words in the search index.
    pub fn index_terms(&self) -> usize {
        self.index.term_count()
    }
}

/// Version of the bundled catalog.
pub fn bundled_version() -> Result<String, CatalogError> {
    #[derive(serde::Deserialize)]
    struct Head {
        version: String,
    }
    let head: Head = serde_json::from_str(BUNDLED_JSON)
        .map_err(|e| CatalogError::Json { path: "version".into(), message: e.to_string() })?;
    if CatalogVersion::parse(&head.version).is_none() {
        return Err(CatalogError::Json { path: "version".into(), message: "not a dotted version".into() });
    }
    Ok(head.version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::procedure::{Fact, TimeLimit, TimeUnit};

    #[test]
    fn bundled_catalog_is_valid_and_big_enough() {
        let c = Catalog::bundled().unwrap();
        assert!(c.len() >= 40, "{}", c.len());
        assert!(c.info().sample);
        assert_eq!(c.version(), bundled_version().unwrap());
        for f in ["Hộ tịch", "Chứng thực", "Cư trú", "Hộ kinh doanh", "Xây dựng", "Đất đai"]
        {
            assert!(c.fields().iter().any(|s| s.name == f), "no field {f}");
        }
        // Lao động – xã hội: its real fields (bảo trợ xã hội, người có công, BHXH) all go to LD.
        assert!(c.procedures().iter().filter(|p| p.queue_service == "LD").count() >= 5);
    }

    #[test]
    fn bundled_procedures_go_to_configured_queue_services() {
        let c = Catalog::bundled().unwrap();
        let cfg = Config::default();
        let known: Vec<&str> = cfg.queue.services.iter().map(|s| s.code.as_str()).collect();
        let orphans: Vec<&str> = c.unknown_queue_services(&known).iter().map(|p| p.code.as_str()).collect();
        assert!(orphans.is_empty(), "{orphans:?}");
    }

    #[test]
    fn bundled_facts_from_the_national_database() {
        let c = Catalog::bundled().unwrap();
        let ks = c.get("1.001193").unwrap();
        assert_eq!(ks.name, "Đăng ký khai sinh");
        assert_eq!(ks.level, Level::Xa);
        assert_eq!(ks.queue_service, "HT");
        assert_eq!(ks.documents[0].quantity_text(), "Bản chính: 1 - Bản sao: 0");
        let ck = c.get("2.000884").unwrap();
        assert!(ck.methods.iter().any(|m| m.fee_display() == "10.000 đ"), "{:?}", ck.methods);
        let tt = c.get("1.004222").unwrap();
        assert_eq!(tt.methods[0].limit(), Some(TimeLimit::working_days(7)));
        let adoption = c.get("2.001263").unwrap();
        assert_eq!(adoption.methods[0].fee_amount, Some(400_000));
        // A limit in calendar days stays in calendar days.
        assert_eq!(adoption.methods[0].limit(), Some(TimeLimit::calendar_days(30)));
        assert_eq!(c.get("2.000815").unwrap().queue_service, "CT");
    }

    #[test]
    fn bundled_corrections_hold() {
        let c = Catalog::bundled().unwrap();
        // Free for Vietnamese citizens residing in Viet Nam (Luật Hộ tịch, art. 11).
        for code in ["1.001193", "1.000894", "1.000656", "1.004837"] {
            let p = c.get(code).unwrap();
            assert!(p.methods.iter().all(|m| m.fee_amount == Some(0)), "{code}: {:?}", p.methods);
            assert!(p.is_verified(Fact::Fee), "{code}");
        }
        // 1.012753 is the organisations' procedure; households use 1.013978.
        assert!(c.get("1.012753").is_none());
        assert!(c.get("1.013978").unwrap().name.ends_with("người gốc Việt Nam định cư ở nước ngoài"));
        // Phòng Tư pháp no longer exists.
        assert!(c.procedures().iter().all(|p| !p.name.contains("Phòng Tư pháp")), "Phòng Tư pháp in a name");
        // Household business follows Decree 168/2025, not 01/2021.
        let hkd = c.get("1.001612").unwrap();
        assert!(hkd.legal_basis.iter().any(|l| l.contains("168/2025/NĐ-CP")));
        assert!(c.procedures().iter().all(|p| !p.legal_basis.iter().any(|l| l.contains("01/2021/NĐ-CP"))));
        // Calendar-day limits.
        for code in ["2.001263", "1.012812", "1.013225"] {
            assert_eq!(
                c.get(code).unwrap().methods[0].limit().unwrap().unit,
                TimeUnit::CalendarDays,
                "{code}"
            );
        }
        // Criminal record certificate added, with its sources.
        let lltp = c.get("3.000333").unwrap();
        assert!(lltp.sources.len() >= 3);
        assert!(lltp.is_verified(Fact::Fee) && lltp.is_verified(Fact::Time));
        // Every procedure says where it was checked or what is unverified.
        for p in c.procedures() {
            assert!(!p.sources.is_empty() || p.unverified.len() == Fact::ALL.len(), "{}", p.code);
            assert!(p.name_en.is_some(), "{} has no English name", p.code);
        }
    }

    #[test]
    fn catalog_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>(_: &T) {}
        let c = std::sync::Arc::new(Catalog::bundled().unwrap());
        shared(&c);
        let c2 = std::sync::Arc::clone(&c);
        let hits = std::thread::spawn(move || c2.search("khai sinh", 3)).join().unwrap();
        assert_eq!(hits, c.search("khai sinh", 3));
    }

    #[test]
    fn get_accepts_the_localised_code() {
        let c = Catalog::bundled().unwrap();
        assert_eq!(c.get("1.001193.000.00.00.H56").unwrap().code, "1.001193");
        assert_eq!(c.get(" 1.000894 ").unwrap().code, "1.000894");
        assert!(c.get("9.999999").is_none());
        assert!(c.get("").is_none());
    }

    #[test]
    fn browse_by_field_and_level() {
        let c = Catalog::bundled().unwrap();
        let ht = c.browse(Some("ho tich"), None);
        assert!(ht.len() >= 10);
        assert!(ht.iter().all(|p| p.field == "Hộ tịch"));
        let fields = c.fields();
        let ht_count = fields.iter().find(|f| f.name == "Hộ tịch").unwrap().count;
        assert_eq!(ht.len(), ht_count);
        let xa = c.browse(None, Some(Level::Xa));
        let tinh = c.browse(None, Some(Level::Tinh));
        assert!(!xa.is_empty() && !tinh.is_empty());
        assert_eq!(xa.len() + tinh.len() + c.browse(None, Some(Level::Huyen)).len(), c.len());
        let sum: usize = c.levels().iter().map(|(_, n)| n).sum();
        assert_eq!(sum, c.len());
        assert_eq!(c.browse(None, None).len(), c.len());
        assert!(c.browse(Some("không có"), None).is_empty());
        // Fields are in alphabetical order, diacritics ignored.
        let folded: Vec<String> = fields.iter().map(|f| fold(&f.name)).collect();
        let mut sorted = folded.clone();
        sorted.sort();
        assert_eq!(folded, sorted);
    }

    #[test]
    fn open_installs_the_bundled_catalog_once() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        assert_eq!(c.info().source, BUNDLED_SOURCE);
        assert!(!c.info().imported_at.is_empty());
        let first = c.info().imported_at.clone();
        let again = Catalog::open(dir.path()).unwrap();
        assert_eq!(again.info().imported_at, first);
        assert_eq!(again.len(), c.len());
    }

    #[test]
    fn open_replaces_a_corrupt_file_and_keeps_it_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(store::db_path(dir.path()), b"garbage garbage garbage garbage").unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        assert!(c.len() >= 40);
        let aside = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".corrupt-"))
            .count();
        assert_eq!(aside, 1);
    }

    #[test]
    fn open_upgrades_to_a_newer_bundled_catalog_only() {
        let dir = tempfile::tempdir().unwrap();
        // An older catalog installed by a previous firmware.
        let mut old = parse_catalog(BUNDLED_JSON.as_bytes()).unwrap();
        old.version = "2000.1.1".into();
        old.procedures.truncate(3);
        store::install(dir.path(), &old, "old firmware", &ImportOptions::default()).unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        assert_eq!(c.version(), bundled_version().unwrap());
        // A newer catalog from the centre is kept.
        let mut newer = parse_catalog(BUNDLED_JSON.as_bytes()).unwrap();
        newer.version = "9999.1.1".into();
        newer.procedures.truncate(5);
        store::install(dir.path(), &newer, "centre", &ImportOptions::default()).unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        assert_eq!(c.version(), "9999.1.1");
        assert_eq!(c.len(), 5);
    }
}
