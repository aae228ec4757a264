//! Checks JSON responses against `docs/openapi.yaml`: the schema of the
//! documented response for (method, path, status), resolved through `$ref`,
//! with `type`, `required`, `properties`, `items`, `enum`, `const`, `pattern`-free
//! formats (`date`, `date-time`), `minimum`, `oneOf`/`anyOf` (one must match), `allOf`. Records which operations
//! were checked so a test can demand that every documented one was.

use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Mutex;

pub struct OpenApi {
    doc: Value,
    checked: Mutex<BTreeSet<(String, String)>>,
}

impl OpenApi {
    pub fn load() -> OpenApi {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("docs/openapi.yaml exists");
        let doc: Value = serde_norway::from_str(&text).expect("docs/openapi.yaml is valid YAML");
        assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true));
        OpenApi { doc, checked: Mutex::new(BTreeSet::new()) }
    }

    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        let mut v = v;
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let ptr = r.strip_prefix('#').unwrap_or_else(|| panic!("only local refs: {r}"));
            v = self.doc.pointer(ptr).unwrap_or_else(|| panic!("dangling $ref {r}"));
        }
        v
    }

    /// The documented operations `(METHOD, path)`.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for method in item.as_object().unwrap().keys() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
        out
    }

    pub fn checked(&self) -> BTreeSet<(String, String)> {
        self.checked.lock().unwrap().clone()
    }

    /// The declared response of an operation, resolved.
    fn response(&self, method: &str, path: &str, status: u16) -> &Value {
        let op = self.doc["paths"]
            .get(path)
            .and_then(|p| p.get(method.to_lowercase()))
            .unwrap_or_else(|| panic!("{method} {path} is not documented"));
        let resp = op["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("{method} {path} does not document status {status}"));
        self.resolve(resp)
    }

    /// Checks that `status` is documented for the operation and that a JSON body
    /// matches its schema. Panics with the failing location.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &str) {
        self.checked.lock().unwrap().insert((method.to_uppercase(), path.to_string()));
        let resp = self.response(method, path, status);
        let content = &resp["content"];
        if let Some(schema) = content.get("application/json").map(|c| &c["schema"]) {
            let v: Value = serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("{method} {path} {status}: body is not JSON ({e}): {body}"));
            if let Err(e) = self.validate(schema, &v, "$") {
                panic!("{method} {path} {status}: {e}\nbody: {body}");
            }
        } else if status == 204 {
            assert!(body.is_empty(), "{method} {path} 204 with a body: {body}");
        } else {
            assert!(content.is_object(), "{method} {path} {status}: no content documented");
        }
    }

    /// Validates a value against a named component schema.
    pub fn check_schema(&self, name: &str, v: &Value) {
        let schema = &self.doc["components"]["schemas"][name];
        assert!(!schema.is_null(), "no schema {name}");
        if let Err(e) = self.validate(schema, v, "$") {
            panic!("{name}: {e}\nvalue: {v}");
        }
    }

    fn validate(&self, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
        let schema = self.resolve(schema);
        if let Some(alts) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
            let errs: Vec<String> = alts.iter().filter_map(|s| self.validate(s, v, at).err()).collect();
            if errs.len() == alts.len() {
                return Err(format!("{at}: matches no alternative: {}", errs.join(" | ")));
            }
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.validate(s, v, at)?;
            }
        }
        if let Some(c) = schema.get("const") {
            if v != c {
                return Err(format!("{at}: {v} is not {c}"));
            }
        }
        if let Some(types) = schema.get("type") {
            let allowed: Vec<&str> = match types {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let actual = match v {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            let ok = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
            if !ok {
                return Err(format!("{at}: expected {allowed:?}, got {actual}"));
            }
        }
        if let Some(en) = schema.get("enum").and_then(Value::as_array) {
            if !v.is_null() && !en.contains(v) {
                return Err(format!("{at}: {v} not in {en:?}"));
            }
        }
        if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64()) {
            if n < min {
                return Err(format!("{at}: {n} below minimum {min}"));
            }
        }
        if let (Some(fmt), Some(s)) = (schema.get("format").and_then(Value::as_str), v.as_str()) {
            let ok = match fmt {
                "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
                "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
                _ => true,
            };
            if !ok {
                return Err(format!("{at}: `{s}` is not a {fmt}"));
            }
        }
        if let Some(obj) = v.as_object() {
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        return Err(format!("{at}: required field `{r}` missing"));
                    }
                }
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, s) in props {
                    if let Some(x) = obj.get(k) {
                        self.validate(s, x, &format!("{at}.{k}"))?;
                    }
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
            for (i, x) in arr.iter().enumerate() {
                self.validate(items, x, &format!("{at}[{i}]"))?;
            }
        }
        Ok(())
    }
}
