//! Organisation workflows in the binding: CSV member uploads and exports, named connections, webhook receiving helpers.

use super::js::{call_method, get, is_nullish, notify, opt_str_arg, signal_of, str_arg, to_js};
use super::session::{now, Inner};
use super::store::Store;
use super::KaizalaClient;
use crate::error::{Error, ErrorCode};
use crate::normalize::{next_cursor, normalize_response, page_items};
use crate::uploads::{self, on_batch_error, BatchFailure, ExportPages, Pending, Survey, Upload};
use crate::{connections, members, subscribers, webhooks};
use js_sys::{Function, Promise};
use serde_json::{json, Value};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

mod source;
use source::CsvSource;

fn check_abort(signal: &Option<AbortSignal>, op: &str) -> Result<(), Error> {
    if signal.as_ref().is_some_and(AbortSignal::aborted) {
        return Err(Error::new(ErrorCode::Aborted, op, "the call was aborted"));
    }
    Ok(())
}

/// `addMembers` for one batch; `Ok(())` when the platform took all of them.
async fn add_batch(
    inner: &Rc<Inner>,
    group_id: &str,
    numbers: Vec<String>,
    signal: &Option<AbortSignal>,
) -> Result<(), Error> {
    let spec = members::add_members(group_id, &json!(numbers))?;
    let v = normalize_response("addMembers", inner.send(spec, None, signal.clone()).await?);
    if !v.is_object() {
        return Err(not_the_answer("addMembers", "is not a JSON object"));
    }
    if v.get("result") == Some(&Value::Bool(false)) {
        return Err(Error::new(
            ErrorCode::Server,
            "addMembers",
            "the platform answered that not all of them were added",
        ));
    }
    Ok(())
}

fn not_the_answer(op: &str, what: &str) -> Error {
    Error::new(ErrorCode::InvalidResponse, op, format!("the answer {what}"))
}

/// A listing's answer, normalised: an object whose `key`, when there, is a list.
fn listing(op: &str, key: &str, v: Value) -> Result<Value, Error> {
    let v = normalize_response(op, v);
    if !v.is_object() {
        return Err(not_the_answer(op, "is not a JSON object"));
    }
    if v.get(key)
        .is_some_and(|items| !items.is_array() && !items.is_null())
    {
        return Err(not_the_answer(
            op,
            &format!("has a {key} that is not a list"),
        ));
    }
    Ok(v)
}

fn progress(f: &Option<Function>, up: &Upload) {
    notify(f, &to_js(&up.progress()));
}

/// Why a batch failed, as the upload record keeps it: no secret of the client in it.
fn reason_of(inner: &Inner, e: &Error) -> String {
    let secrets = inner.secrets();
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    crate::error::redact(&e.message, &refs)
}

/// Sends one batch (row by row when the platform refuses something in it) and settles it.
async fn send_batch(
    inner: &Rc<Inner>,
    group_id: &str,
    up: &mut Upload,
    batch: Vec<Pending>,
    signal: &Option<AbortSignal>,
    on_progress: &Option<Function>,
) -> Result<(), Error> {
    if let Some(reason) = up.stopped() {
        up.settle(&batch, Err(&reason));
        return Ok(());
    }
    match add_batch(inner, group_id, Upload::numbers(&batch), signal).await {
        Ok(()) => up.settle(&batch, Ok(())),
        Err(e) if e.code == ErrorCode::Aborted => return Err(e),
        Err(e) => {
            let reason = reason_of(inner, &e);
            match on_batch_error(&e, batch.len()) {
                BatchFailure::FailBatch => up.settle(&batch, Err(&reason)),
                BatchFailure::FailAll => {
                    up.settle(&batch, Err(&reason));
                    up.stop(&reason);
                }
                BatchFailure::Isolate => {
                    // One at a time, to find the rows the platform refuses.
                    for one in batch.chunks(1) {
                        if let Some(reason) = up.stopped() {
                            up.settle(one, Err(&reason));
                            continue;
                        }
                        match add_batch(inner, group_id, Upload::numbers(one), signal).await {
                            Ok(()) => up.settle(one, Ok(())),
                            Err(e) if e.code == ErrorCode::Aborted => return Err(e),
                            Err(e) => {
                                let reason = reason_of(inner, &e);
                                up.settle(one, Err(&reason));
                                if on_batch_error(&e, 1) == BatchFailure::FailAll {
                                    up.stop(&reason);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // A stopped upload reports once, when the rest of the file has been failed too.
    if up.stopped().is_none() {
        progress(on_progress, up);
    }
    Ok(())
}

/// An upload: the file is read twice, piece by piece — first to check and count it (nothing is
/// sent for a bad file or one past `max_rows`), then to send it in batches.
#[allow(clippy::too_many_arguments)]
async fn import(
    inner: Rc<Inner>,
    group_id: String,
    source: CsvSource,
    file_name: String,
    batch_size: usize,
    max_rows: usize,
    on_progress: Option<Function>,
    signal: Option<AbortSignal>,
) -> Result<Value, Error> {
    const OP: &str = "importMembers";
    let mut survey = Survey::new(OP, max_rows);
    let mut pieces = source.pieces();
    while let Some(records) = pieces.next(OP).await? {
        check_abort(&signal, OP)?;
        survey.take(&records)?;
    }
    let mut up = Upload::new(survey, &file_name, batch_size, now())?;
    // Numbers already in the group are not sent again (and are not errors).
    let members = inner
        .send(members::list_members(&group_id)?, None, signal.clone())
        .await?;
    up.mark_existing(&listing("listMembers", "members", members)?);
    progress(&on_progress, &up);
    let mut pieces = source.pieces();
    loop {
        check_abort(&signal, OP)?;
        let batches = match pieces.next(OP).await? {
            Some(records) => up.take(&records),
            None => break,
        };
        for batch in batches {
            send_batch(&inner, &group_id, &mut up, batch, &signal, &on_progress).await?;
        }
    }
    if let Some(batch) = up.finish() {
        send_batch(&inner, &group_id, &mut up, batch, &signal, &on_progress).await?;
    }
    if up.stopped().is_some() {
        progress(&on_progress, &up);
    }
    Ok(up.record(&group_id, now()))
}

/// Every page of subscribers.
async fn all_subscribers(
    inner: &Rc<Inner>,
    group_id: &str,
    signal: &Option<AbortSignal>,
) -> Result<Vec<Value>, Error> {
    const OP: &str = "listSubscribers";
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = ExportPages::default();
    loop {
        let mut opts = json!({ "count": subscribers::MAX_PAGE });
        if let Some(c) = &cursor {
            opts["cursor"] = json!(c);
        }
        let spec = subscribers::list_subscribers(group_id, &opts)?;
        let page = listing(
            OP,
            "subscribers",
            inner.send(spec, None, signal.clone()).await?,
        )?;
        items.extend(page_items(OP, &page));
        // No `previous` for `next_cursor`: a cursor handed back again is for `pages` to refuse,
        // not an end.
        match pages.next(OP, next_cursor(OP, &page, None))? {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// Every key the storage holds: Web Storage (`length` + `key(i)`), or an object with `keys()`.
fn storage_keys(op: &str, store: &Store) -> Result<Vec<String>, Error> {
    match store {
        Store::Memory(_) => Err(Error::invalid(
            op,
            "storage",
            "\"memory\" is private to each client; pass \"local\", \"session\" or the storage object your clients share",
        )),
        Store::Js { obj, .. } => {
            let len = get(obj, "length").as_f64();
            if let (Some(n), true) = (len, get(obj, "key").is_function()) {
                let mut keys = Vec::new();
                for i in 0..(n.max(0.0) as u32) {
                    if let Some(k) = call_method(obj, "key", &[JsValue::from(i)])
                        .ok()
                        .and_then(|k| k.as_string())
                    {
                        keys.push(k);
                    }
                }
                return Ok(keys);
            }
            if get(obj, "keys").is_function() {
                let it = call_method(obj, "keys", &[]).unwrap_or(JsValue::UNDEFINED);
                let arr = js_sys::Array::from(&it);
                return Ok(arr.iter().filter_map(|k| k.as_string()).collect());
            }
            Err(Error::invalid(
                op,
                "storage",
                "cannot be listed: it needs length and key(i) like localStorage, or a keys() method",
            ))
        }
    }
}

fn default_store(op: &str, storage: &JsValue) -> Result<Store, Error> {
    Store::from_option(storage).map_err(|mut e| {
        e.operation = op.to_string();
        e
    })
}

#[wasm_bindgen(js_class = KaizalaClient)]
impl KaizalaClient {
    /// `importMembers(groupId, csv, {onProgress?, batchSize?, maxRows?, fileName?, signal?}?)` →
    /// the upload record `{groupId, fileName, startedAt, completedAt, status, total, added,
    /// alreadyMembers, duplicates, failed, errors: [{row, mobileNumber, reason}], errorsOmitted,
    /// errorLogCsv, members, membersOmitted}`. A file of more than `maxRows` rows (default
    /// 100,000) is refused with `too_large` before anything is sent.
    #[wasm_bindgen(js_name = importMembers)]
    pub fn import_members(&self, group_id: JsValue, csv: JsValue, options: JsValue) -> Promise {
        const OP: &str = "importMembers";
        let prepared = (|| {
            let group_id = str_arg(OP, "groupId", &group_id)?;
            crate::validate::id(OP, "groupId", &group_id)?;
            let signal = signal_of(OP, &[&options])?;
            let on_progress = match get(&options, "onProgress") {
                f if is_nullish(&f) => None,
                f => Some(
                    f.dyn_into::<Function>()
                        .map_err(|_| Error::invalid(OP, "onProgress", "must be a function"))?,
                ),
            };
            let batch_size = match get(&options, "batchSize") {
                v if is_nullish(&v) => uploads::DEFAULT_BATCH_SIZE,
                v => v
                    .as_f64()
                    .filter(|n| {
                        n.fract() == 0.0 && (1.0..=uploads::MAX_BATCH_SIZE as f64).contains(n)
                    })
                    .map(|n| n as usize)
                    .ok_or_else(|| {
                        Error::invalid(OP, "batchSize", "must be a whole number from 1 to 1000")
                    })?,
            };
            let max_rows = match get(&options, "maxRows") {
                v if is_nullish(&v) => uploads::DEFAULT_MAX_ROWS,
                v => v
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && (1.0..=9_007_199_254_740_991.0).contains(n))
                    .map(|n| n as usize)
                    .ok_or_else(|| {
                        Error::invalid(OP, "maxRows", "must be a whole number of at least 1")
                    })?,
            };
            let file_name = opt_str_arg(OP, "fileName", &get(&options, "fileName"))?;
            let (source, blob_name) = CsvSource::of(OP, &csv)?;
            let name = file_name
                .or(blob_name)
                .unwrap_or_else(|| "members.csv".to_string());
            Ok::<_, Error>((
                group_id,
                signal,
                on_progress,
                batch_size,
                max_rows,
                source,
                name,
            ))
        })();
        let (group_id, signal, on_progress, batch_size, max_rows, source, name) = match prepared {
            Ok(x) => x,
            Err(e) => return self.reject(e, OP),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            import(
                inner.clone(),
                group_id,
                source,
                name,
                batch_size,
                max_rows,
                on_progress,
                signal,
            )
            .await
            .map(|v| to_js(&v))
            .map_err(|e| inner.js_error(e, OP))
        })
    }

    /// `exportMembers(groupId, {signal}?)` → CSV text: `id,mobileNumber,role,isProvisioned`, a row
    /// per member.
    #[wasm_bindgen(js_name = exportMembers)]
    pub fn export_members(&self, group_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "exportMembers";
        let prepared = signal_of(OP, &[&call]).and_then(|s| {
            let g = str_arg(OP, "groupId", &group_id)?;
            Ok((members::list_members(&g)?, s))
        });
        let (spec, signal) = match prepared {
            Ok(x) => x,
            Err(e) => return self.reject(e, OP),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            let r = async {
                let v = listing(
                    "listMembers",
                    "members",
                    inner.send(spec, None, signal).await?,
                )?;
                let items = page_items("listMembers", &v);
                Ok(uploads::export_csv(&items, uploads::MEMBER_COLUMNS))
            };
            r.await
                .map(|csv: String| JsValue::from_str(&csv))
                .map_err(|e| inner.js_error(e, OP))
        })
    }

    /// `exportSubscribers(groupId, {signal}?)` → CSV text of every subscriber, all pages:
    /// `id,mobileNumber,name,profilePic,isProvisioned`.
    #[wasm_bindgen(js_name = exportSubscribers)]
    pub fn export_subscribers(&self, group_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "exportSubscribers";
        let prepared = signal_of(OP, &[&call]).and_then(|s| {
            let g = str_arg(OP, "groupId", &group_id)?;
            crate::validate::id(OP, "groupId", &g)?;
            Ok((g, s))
        });
        let (group_id, signal) = match prepared {
            Ok(x) => x,
            Err(e) => return self.reject(e, OP),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            match all_subscribers(&inner, &group_id, &signal).await {
                Ok(items) => Ok(JsValue::from_str(&uploads::export_csv(
                    &items,
                    uploads::SUBSCRIBER_COLUMNS,
                ))),
                Err(e) => Err(inner.js_error(e, OP)),
            }
        })
    }

    /// `KaizalaClient.connections(storage?)` → `[{name, applicationId, endpointUrl, scopes,
    /// accessTokenExpiry, refreshTokenExpiry, hasRefreshToken, signedIn}]`, every connection held
    /// in that storage (default localStorage), sorted by name — never a token or a secret.
    pub fn connections(storage: JsValue) -> Result<JsValue, JsValue> {
        const OP: &str = "connections";
        let r = (|| {
            let store = default_store(OP, &storage)?;
            let keys = storage_keys(OP, &store)?;
            let entries: Vec<(String, String)> = keys
                .into_iter()
                .filter(|k| connections::is_connection_key(k))
                .filter_map(|k| store.get(&k).map(|v| (k, v)))
                .collect();
            let list =
                connections::list(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())), now());
            Ok::<_, Error>(to_js(&list))
        })();
        r.map_err(|e| super::js::error_to_js(&e, &[]))
    }

    /// `KaizalaClient.removeConnection(name, storage?)` → how many entries were removed: connection
    /// `name` is forgotten (its tokens, of every connector, and any OAuth state).
    #[wasm_bindgen(js_name = removeConnection)]
    pub fn remove_connection(name: JsValue, storage: JsValue) -> Result<u32, JsValue> {
        const OP: &str = "removeConnection";
        let r = (|| {
            let name = str_arg(OP, "name", &name)?;
            crate::validate::non_empty(OP, "name", &name)?;
            let store = default_store(OP, &storage)?;
            let keys = storage_keys(OP, &store)?;
            let gone = connections::keys_of(&keys, &name, None);
            for k in &gone {
                store.remove(k);
            }
            Ok::<_, Error>(gone.len() as u32)
        })();
        r.map_err(|e| super::js::error_to_js(&e, &[]))
    }
}

/// `webhookValidationToken(url)` → the `validationToken` of the platform's validation GET (answer
/// it as the plain-text body), or `null` when the request is not one.
#[wasm_bindgen(js_name = webhookValidationToken)]
pub fn webhook_validation_token(url: JsValue) -> Result<Option<String>, JsValue> {
    let u = str_arg("webhookValidationToken", "url", &url)
        .map_err(|e| super::js::error_to_js(&e, &[]))?;
    Ok(webhooks::validation_token(&u))
}

/// The `kz-callback-token` header from a `Headers` object (fetch), a `node:http` headers object
/// (lower-cased names; a repeated header is an array) or any plain object or `Map`.
fn callback_header(headers: &JsValue) -> Option<String> {
    const NAME: &str = "kz-callback-token";
    if get(headers, "get").is_function() {
        if let Some(s) = call_method(headers, "get", &[JsValue::from_str(NAME)])
            .ok()
            .and_then(|v| v.as_string())
        {
            return Some(s);
        }
    }
    if !headers.is_object() {
        return None;
    }
    let obj: &js_sys::Object = headers.unchecked_ref();
    js_sys::Object::keys(obj).iter().find_map(|k| {
        let k = k.as_string()?;
        if !k.eq_ignore_ascii_case(NAME) {
            return None;
        }
        let v = get(headers, &k);
        v.as_string()
            .or_else(|| js_sys::Array::from(&v).get(0).as_string())
    })
}

/// `verifyWebhook(headers, callBackToken)` → whether the delivery carries the registered
/// `kz-callback-token` (compared in constant time).
#[wasm_bindgen(js_name = verifyWebhook)]
pub fn verify_webhook(headers: JsValue, call_back_token: JsValue) -> Result<bool, JsValue> {
    const OP: &str = "verifyWebhook";
    let token = str_arg(OP, "callBackToken", &call_back_token)
        .and_then(|t| crate::validate::non_empty(OP, "callBackToken", &t).map(|()| t))
        .map_err(|e| super::js::error_to_js(&e, &[]))?;
    let got = callback_header(&headers);
    Ok(webhooks::verify_callback_token(got.as_deref(), &token))
}

/// `parseWebhookEvent(body)` → the event (`{eventType, eventId, objectId, objectType, data,
/// context, fromUser, fromUserId, fromUserName, fromUserProfilePic}`); `body` is the raw text, a
/// `Uint8Array`/`Buffer`, or the parsed object. Throws `invalid_input` for anything else.
#[wasm_bindgen(js_name = parseWebhookEvent)]
pub fn parse_webhook_event(body: JsValue) -> Result<JsValue, JsValue> {
    const OP: &str = "parseWebhookEvent";
    let r = (|| {
        let text = if let Some(s) = body.as_string() {
            Some(s)
        } else if js_sys::ArrayBuffer::is_view(&body)
            || body.is_instance_of::<js_sys::ArrayBuffer>()
        {
            let bytes = js_sys::Uint8Array::new(&body).to_vec();
            Some(
                String::from_utf8(bytes)
                    .map_err(|_| Error::invalid(OP, "body", "is not UTF-8 text"))?,
            )
        } else {
            None
        };
        let v: Value = match text {
            Some(t) => serde_json::from_str(&t)
                .map_err(|e| Error::invalid(OP, "body", &format!("is not JSON ({e})")))?,
            None => super::js::from_js(OP, "body", &body)?,
        };
        webhooks::parse_event(&v)
    })();
    r.map(|v| to_js(&v))
        .map_err(|e| super::js::error_to_js(&e, &[]))
}
