//! What an import would change: procedures added, removed, and for each changed
//! one the values that differ. Printed before the installed catalog is replaced,
//! so a technician sees a wrong file (a truncated export, another province's
//! fees) before the kiosks show it.

use crate::domain::procedure::Procedure;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub code: String,
    pub name: String,
    /// The keys that differ (`fee`, `time`, `documents`, `sources` …), sorted.
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogDiff {
    pub added: Vec<Entry>,
    pub removed: Vec<Entry>,
    pub changed: Vec<Changed>,
    pub unchanged: usize,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The report as printed by `catalog import`: a summary line, then one line
    /// per procedure (`+` added, `-` removed, `~` changed with its fields).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} added, {} removed, {} changed, {} unchanged.\n",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged
        );
        for e in &self.added {
            out.push_str(&format!("  + {}  {}\n", e.code, e.name));
        }
        for e in &self.removed {
            out.push_str(&format!("  - {}  {}\n", e.code, e.name));
        }
        for c in &self.changed {
            out.push_str(&format!("  ~ {}  {}: {}\n", c.code, c.name, c.fields.join(", ")));
        }
        out
    }
}

/// Method keys reported under a name a reader understands.
fn method_key(k: &str) -> &str {
    match k {
        "time" | "working_days" | "processing_time" => "time",
        "fee" | "fee_amount" => "fee",
        _ => "methods",
    }
}

/// The differing keys of two procedures with the same code.
fn changed_fields(old: &Procedure, new: &Procedure) -> Vec<String> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return vec!["(unreadable)".into()];
    };
    let mut out = BTreeSet::new();
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x == y {
            continue;
        }
        if k == "methods" {
            let by_channel = |v: Option<&Value>| -> HashMap<String, serde_json::Map<String, Value>> {
                v.and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.as_object().cloned())
                    .map(|m| (m.get("channel").map(Value::to_string).unwrap_or_default(), m))
                    .collect()
            };
            let (ma, mb) = (by_channel(x), by_channel(y));
            if ma.len() != mb.len() || ma.keys().any(|c| !mb.contains_key(c)) {
                out.insert("methods".to_string());
            }
            for (ch, m1) in &ma {
                let Some(m2) = mb.get(ch) else { continue };
                for key in m1.keys().chain(m2.keys()) {
                    if m1.get(key) != m2.get(key) {
                        out.insert(method_key(key).to_string());
                    }
                }
            }
        } else {
            out.insert(k.clone());
        }
    }
    out.into_iter().collect()
}

/// Compares the installed procedures with the offered ones, by code. Lists
/// keep the order of their catalog.
pub fn diff(old: &[Procedure], new: &[Procedure]) -> CatalogDiff {
    let old_by: HashMap<&str, &Procedure> = old.iter().map(|p| (p.code.as_str(), p)).collect();
    let new_by: HashMap<&str, &Procedure> = new.iter().map(|p| (p.code.as_str(), p)).collect();
    let entry = |p: &Procedure| Entry { code: p.code.clone(), name: p.name.clone() };
    let mut d = CatalogDiff::default();
    for p in new {
        match old_by.get(p.code.as_str()) {
            None => d.added.push(entry(p)),
            Some(o) => {
                let fields = changed_fields(o, p);
                if fields.is_empty() {
                    d.unchanged += 1;
                } else {
                    d.changed.push(Changed { code: p.code.clone(), name: p.name.clone(), fields });
                }
            }
        }
    }
    d.removed = old.iter().filter(|p| !new_by.contains_key(p.code.as_str())).map(entry).collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::procedure::fixtures::procedure;
    use crate::domain::procedure::{Fact, TimeLimit};

    #[test]
    fn added_removed_and_changed_fields() {
        let a = procedure("1.000001", "Một");
        let b = procedure("1.000002", "Hai");
        let c = procedure("1.000003", "Ba");
        let mut b2 = b.clone();
        b2.methods[0].fee_amount = Some(10_000);
        b2.methods[0].time = Some(TimeLimit::working_days(3));
        b2.unverified = vec![Fact::Documents];
        let mut c2 = c.clone();
        c2.name = "Ba (mới)".into();
        let d = procedure("1.000004", "Bốn");
        let out = diff(&[a.clone(), b, c], &[b2, c2, d]);
        assert_eq!(out.added, vec![Entry { code: "1.000004".into(), name: "Bốn".into() }]);
        assert_eq!(out.removed, vec![Entry { code: "1.000001".into(), name: "Một".into() }]);
        assert_eq!(out.changed.len(), 2);
        assert_eq!(out.changed[0].fields, ["fee", "time", "unverified"]);
        assert_eq!(out.changed[1].fields, ["name"]);
        assert_eq!(out.unchanged, 0);
        let text = out.to_text();
        assert!(text.starts_with("1 added, 1 removed, 2 changed, 0 unchanged.\n"), "{text}");
        assert!(text.contains("  ~ 1.000002  Hai: fee, time, unverified\n"), "{text}");
        assert!(text.contains("  - 1.000001  Một\n"), "{text}");
    }

    #[test]
    fn identical_catalogs_have_no_difference() {
        let a = vec![procedure("1.000001", "Một"), procedure("1.000002", "Hai")];
        let d = diff(&a, &a);
        assert!(d.is_empty());
        assert_eq!(d.unchanged, 2);
    }

    #[test]
    fn a_new_channel_is_a_method_change() {
        let a = procedure("1.000001", "Một");
        let mut b = a.clone();
        let mut online = b.methods[0].clone();
        online.channel = crate::domain::procedure::Channel::TrucTuyen;
        b.methods.push(online);
        assert_eq!(diff(&[a], &[b]).changed[0].fields, ["methods"]);
    }
}
