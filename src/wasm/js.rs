//! JS plumbing for the binding: property access, value conversion, arguments, and the KaizalaError objects.

use crate::error::{Error, ErrorCode};
use crate::normalize::Kind;
use js_sys::{Function, Object, Reflect};
use serde_json::Value;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/wasm/answer.js")]
extern "C" {
    /// `kaizalaScan(value, marks, items)`: whether a parsed answer holds something `marks`
    /// names, with the kinds of the answer and of its key `items`.
    #[wasm_bindgen(js_name = kaizalaScan)]
    fn scan_js(v: &JsValue, marks: &JsValue, items: &str) -> u32;
}

/// What `kaizalaScan` answers, in its lowest two bits.
const CLEAN: u32 = 0;
const MARKED: u32 = 1;

/// A kind as `kaizalaScan` answers it (3 bits): 0 absent, then [`Kind`]'s order from 1.
fn kind_of_code(c: u32) -> Option<Kind> {
    const KINDS: [Kind; 6] = [
        Kind::Null,
        Kind::Bool,
        Kind::Number,
        Kind::String,
        Kind::Array,
        Kind::Object,
    ];
    KINDS.get((c & 7).checked_sub(1)? as usize).copied()
}

/// An answer as `JSON.parse` read it from text already in JS (not copied through the wasm's
/// memory).
pub enum Read {
    /// Nothing in it is marked (see [`crate::normalize::marks`]): the core would hand it back
    /// as it came, so it is not read into the core's tree. With its kind, and that of its
    /// `items` key (`None`: it has none).
    Clean(JsValue, Kind, Option<Kind>),
    /// Something is: the core's tree of it, and the JS value.
    Tree(Value, JsValue),
}

/// `text` as an answer (`None` when it is not JSON, nests past [`MAX_DEPTH`] or holds a number
/// past a double's range, which `JSON.parse` reads as an infinity). The kinds of a clean one are
/// read in the same call into JS as the scan, not one crossing per question.
pub fn read_answer(text: &JsValue, marks: &JsValue, items: &str) -> Option<Read> {
    let js = json_parse(text).ok()?;
    let r = scan_js(&js, marks, items);
    match r & 3 {
        CLEAN => Some(Read::Clean(js, kind_of_code(r >> 2)?, kind_of_code(r >> 5))),
        MARKED => Some(Read::Tree(tree_of(&js)?, js)),
        _ => None,
    }
}

/// [`crate::parse_json`] in the wasm.
pub fn parse_json_text(text: &str) -> Option<Value> {
    tree_of(&json_parse(&JsValue::from_str(text)).ok()?)
}

/// What `JSON.parse` read, as the core's tree (`None` past [`MAX_DEPTH`] or for an infinity).
pub fn tree_of(js: &JsValue) -> Option<Value> {
    to_value(js, 0, true)
}

/// What the binding turns into a promise.
pub type Task = std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>;

/// A promise of `task`: every promise the binding makes goes through this one instance of
/// `future_to_promise` (each future type would otherwise bring a copy of its polling code).
pub fn promise(task: Task) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(task)
}

thread_local! {
    /// The class registered with `setErrorClass` (the npm package's `KaizalaError`).
    static ERROR_CLASS: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Every code string a `KaizalaError` may carry.
pub const CODES: [ErrorCode; 16] = [
    ErrorCode::InvalidInput,
    ErrorCode::Unauthorized,
    ErrorCode::Forbidden,
    ErrorCode::NotFound,
    ErrorCode::Conflict,
    ErrorCode::UnsupportedMedia,
    ErrorCode::TooLarge,
    ErrorCode::Throttled,
    ErrorCode::Timeout,
    ErrorCode::Aborted,
    ErrorCode::Network,
    ErrorCode::Server,
    ErrorCode::InvalidResponse,
    ErrorCode::RelocationLoop,
    ErrorCode::RedirectRefused,
    ErrorCode::NotSignedIn,
];

pub fn set_error_class(cls: JsValue) {
    let cls = cls.is_function().then_some(cls);
    ERROR_CLASS.with(|c| *c.borrow_mut() = cls);
}

/// `obj[key]`, or `undefined` when `obj` is not an object or the getter throws.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

pub fn global() -> JsValue {
    js_sys::global().into()
}

/// `obj[name](...args)`; `Err` when it is not a function or throws.
pub fn call_method(obj: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f = get(obj, name);
    let f: &Function = f
        .dyn_ref::<Function>()
        .ok_or_else(|| JsValue::from_str("not a function"))?;
    let arr = js_sys::Array::new();
    for a in args {
        arr.push(a);
    }
    f.apply(obj, &arr)
}

pub fn is_nullish(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// A JSON value as a plain JS object (objects, not `Map`s): serialised by serde_json and parsed by
/// `JSON.parse`, one crossing of the boundary whatever the size.
pub fn to_js(v: &Value) -> JsValue {
    json_parse(&JsValue::from_str(&crate::json_text(v))).unwrap_or(JsValue::UNDEFINED)
}

/// A JS argument as JSON (`undefined`/`null` → `null`). Functions and other non-data values are
/// refused naming `field`.
pub fn from_js(op: &str, field: &str, v: &JsValue) -> Result<Value, Error> {
    // Most calls leave their options out: one crossing answers for them.
    if v.is_undefined() {
        return Ok(Value::Null);
    }
    to_value(v, 0, false).ok_or_else(|| {
        Error::invalid(
            op,
            field,
            &format!("must be plain data (JSON-like, nested at most {MAX_DEPTH} deep, no cycles)"),
        )
    })
}

/// How deep plain data may nest (deeper, or a cycle, is refused rather than overflowing the
/// stack); as deep as serde_json reads.
const MAX_DEPTH: usize = 128;

/// Plain data as JSON: `undefined`/`null` (also as object values and array items) → `null`,
/// booleans, numbers (safe integers as integers, non-finite → `null`), BigInts within 64 bits,
/// strings, arrays, plain objects and `Map`s with string keys. Anything else (a function, a
/// symbol, a `Set` or another iterable, bytes, or nesting past [`MAX_DEPTH`]) → `None`, and so is
/// a non-finite number when `finite` (what `JSON.parse` read).
fn to_value(v: &JsValue, depth: usize, finite: bool) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    // The kinds in the order an answer holds them most, each test one crossing into JS.
    if let Some(s) = v.as_string() {
        return Some(Value::String(s));
    }
    if let Some(n) = v.as_f64() {
        // A safe integer (`Number.isSafeInteger`).
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return Some(Value::from(n as i64));
        }
        return match serde_json::Number::from_f64(n) {
            Some(n) => Some(Value::Number(n)),
            None => (!finite).then_some(Value::Null),
        };
    }
    if let Some(b) = v.as_bool() {
        return Some(Value::Bool(b));
    }
    if is_nullish(v) {
        return Some(Value::Null);
    }
    if let Some(a) = v.dyn_ref::<js_sys::Array>() {
        return a
            .iter()
            .map(|x| to_value(&x, depth + 1, finite))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array);
    }
    if v.is_bigint() {
        return match i64::try_from(v.clone()) {
            Ok(i) => Some(Value::from(i)),
            Err(b) => u64::try_from(b).ok().map(Value::from),
        };
    }
    // What `JSON.parse` read holds no other kind of object than a plain one.
    let entries = if finite {
        Object::entries(v.unchecked_ref())
    } else if !v.is_object()
        || v.is_instance_of::<js_sys::Uint8Array>()
        || v.is_instance_of::<js_sys::ArrayBuffer>()
    {
        return None;
    } else if v.is_instance_of::<js_sys::Map>() {
        js_sys::Array::from(v)
    } else if Reflect::has(v, &js_sys::Symbol::iterator()) == Ok(true) {
        return None;
    } else {
        Object::entries(v.unchecked_ref())
    };
    let mut m = serde_json::Map::new();
    for e in entries.iter() {
        let e: js_sys::Array = e.unchecked_into();
        let k = e.get(0).as_string()?;
        m.insert(k, to_value(&e.get(1), depth + 1, finite)?);
    }
    Some(Value::Object(m))
}

/// An options object as JSON without its `signal` (an `AbortSignal` is not data).
pub fn options_from_js(op: &str, field: &str, v: &JsValue) -> Result<Value, Error> {
    let mut out = from_js(op, field, v)?;
    if let Value::Object(m) = &mut out {
        crate::take(m, "signal");
    }
    Ok(out)
}

/// A required string argument.
pub fn str_arg(op: &str, field: &str, v: &JsValue) -> Result<String, Error> {
    v.as_string()
        .ok_or_else(|| Error::invalid(op, field, "must be a string"))
}

/// An optional string argument (`undefined`/`null` → `None`).
pub fn opt_str_arg(op: &str, field: &str, v: &JsValue) -> Result<Option<String>, Error> {
    if is_nullish(v) {
        return Ok(None);
    }
    str_arg(op, field, v).map(Some)
}

/// The `signal` of a call's last argument (or of its options object).
pub fn signal_of(op: &str, sources: &[&JsValue]) -> Result<Option<web_sys::AbortSignal>, Error> {
    for src in sources {
        if src.is_undefined() {
            continue;
        }
        let s = get(src, "signal");
        if is_nullish(&s) {
            continue;
        }
        if !s.is_object() || get(&s, "aborted").as_bool().is_none() {
            return Err(Error::invalid(op, "signal", "must be an AbortSignal"));
        }
        return Ok(Some(s.unchecked_into()));
    }
    Ok(None)
}

/// The JS `Error` for `e`: `name` "KaizalaError", `code`, `status`, `retryAfter`, `operation`,
/// `field`, `platformCode`; its prototype is the registered class's when one was registered. Every secret in
/// `secrets` is replaced in the message and field first.
pub fn error_to_js(e: &Error, secrets: &[&str]) -> JsValue {
    let e = e.clone().redacted(secrets);
    let err = js_sys::Error::new(&format!("{}: {}", e.operation, e.message));
    let v: &JsValue = err.as_ref();
    ERROR_CLASS.with(|c| {
        if let Some(cls) = c.borrow().as_ref() {
            let proto = get(cls, "prototype");
            if let Some(proto) = proto.dyn_ref::<Object>() {
                Object::set_prototype_of(&err, proto);
            }
        }
    });
    set(v, "name", &JsValue::from_str("KaizalaError"));
    set(v, "code", &JsValue::from_str(e.code.as_str()));
    set(v, "status", &JsValue::from(e.status));
    let ra = e.retry_after.map_or(JsValue::UNDEFINED, JsValue::from_f64);
    set(v, "retryAfter", &ra);
    set(v, "operation", &JsValue::from_str(&e.operation));
    let field = e
        .field
        .as_deref()
        .map_or(JsValue::UNDEFINED, JsValue::from_str);
    set(v, "field", &field);
    let platform = e
        .platform_code
        .as_deref()
        .map_or(JsValue::UNDEFINED, JsValue::from_str);
    set(v, "platformCode", &platform);
    err.into()
}

fn code_from_str(s: &str) -> Option<ErrorCode> {
    CODES.iter().copied().find(|c| c.as_str() == s)
}

/// A rejection seen from JS (a KaizalaError made here, or anything a token provider threw) as an
/// [`Error`] of `op`. Foreign errors become `code` with their message.
pub fn error_from_js(v: &JsValue, op: &str, code: ErrorCode) -> Error {
    let msg = get(v, "message")
        .as_string()
        .or_else(|| v.as_string())
        .unwrap_or_else(|| "unknown error".into());
    if get(v, "name").as_string().as_deref() == Some("KaizalaError") {
        if let Some(c) = get(v, "code")
            .as_string()
            .as_deref()
            .and_then(code_from_str)
        {
            let status = get(v, "status")
                .as_f64()
                .filter(|s| (0.0..1000.0).contains(s))
                .map_or(0, |s| s as u16);
            let inner_op = get(v, "operation").as_string().unwrap_or_default();
            let msg = msg
                .strip_prefix(&format!("{inner_op}: "))
                .unwrap_or(&msg)
                .to_string();
            let mut e = Error::new(c, op, msg)
                .with_status(status)
                .with_retry_after(get(v, "retryAfter").as_f64());
            e.field = get(v, "field").as_string();
            e.platform_code = get(v, "platformCode").as_string();
            return e;
        }
    }
    Error::new(code, op, msg)
}

/// Calls a user callback with one argument, ignoring what it returns or throws.
pub fn notify(f: &Option<Function>, arg: &JsValue) {
    if let Some(f) = f {
        let _ = f.call1(&JsValue::UNDEFINED, arg);
    }
}
