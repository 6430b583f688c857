//! Every promise-returning method of `KaizalaClient`, as one table (see the top of `mod.rs`).
//!
//! An entry's builder reads the JS arguments, validates them through the core and returns the
//! request to send; the one shared async path [`run`] sends it and shapes the answer. Nothing in
//! here is generic over the method, so adding one costs a few hundred bytes of wasm.

use super::js::{from_js, get, opt_str_arg, options_from_js, signal_of, str_arg, to_js};
use super::session::{now, Answer, Inner};
use super::KaizalaClient;
use crate::error::{Error, ErrorCode};
use crate::request::{Body, Method, RequestSpec};
use crate::tokens::{self, Tokens};
use crate::{
    actions, auth, groups, media, members, messages, normalize, reactions, subscribers, users,
    webhooks,
};
use js_sys::Promise;
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, FormData};

/// A method's arguments (missing ones are `undefined`).
pub type Args = [JsValue; 6];

/// Builds a method's request from its arguments.
pub type Build = fn(&Call) -> Result<Prepared, Error>;

/// One call being prepared: the method's JS name, its arguments, the client.
pub struct Call<'a> {
    pub op: &'static str,
    pub args: &'a Args,
    pub inner: &'a Rc<Inner>,
}

/// What the answer becomes.
pub enum After {
    /// The normalised body.
    Normalize,
    /// `loginWithPin`: keep the tokens, answer `{grantedScope, scopes, refreshTokenExpiry}`.
    Login,
    /// `completeAuthorization`: keep the tokens, answer tokenInfo.
    Authorization,
}

/// A request ready to send.
pub struct Prepared {
    spec: RequestSpec,
    form: Option<FormData>,
    signal: Option<AbortSignal>,
    after: After,
}

impl Call<'_> {
    /// A required string argument.
    fn str(&self, field: &str, v: &JsValue) -> Result<String, Error> {
        str_arg(self.op, field, v)
    }

    /// An options object (or array / string) as JSON, without its `signal`.
    fn opts(&self, field: &str, v: &JsValue) -> Result<Value, Error> {
        options_from_js(self.op, field, v)
    }

    /// The `signal` of the first of `sources` that has one.
    fn signal(&self, sources: &[&JsValue]) -> Result<Option<AbortSignal>, Error> {
        signal_of(self.op, sources)
    }

    fn send(&self, signal: Option<AbortSignal>, spec: RequestSpec) -> Result<Prepared, Error> {
        Ok(Prepared {
            spec,
            form: None,
            signal,
            after: After::Normalize,
        })
    }
}

/// The one async path of every table method: sends, then shapes the answer or the error.
pub async fn run(inner: Rc<Inner>, op: &'static str, p: Prepared) -> Result<JsValue, JsValue> {
    let r = async {
        let answer = inner.send(p.spec, p.form, p.signal).await?;
        let (mut body, js) = match (&p.after, answer) {
            // Nothing to fold: what `JSON.parse` read from the server's text, as it is.
            (After::Normalize, Answer::Clean(js)) => return Ok(js),
            (_, Answer::Tree(v, js)) => (v, js),
            (_, clean) => (clean.into_value(), None),
        };
        match p.after {
            After::Normalize => {
                // Nothing folded after all: the JS value, as above.
                let changed = normalize::normalize(op, &mut body);
                Ok(js.filter(|_| !changed).unwrap_or_else(|| to_js(&body)))
            }
            After::Login => {
                let mut t = Tokens::new(&inner.app_id, &inner.connection);
                tokens::apply_login(&mut t, &body, now())?;
                let out = crate::object(vec![
                    (
                        "grantedScope",
                        body.get("grantedScope").cloned().unwrap_or(Value::Null),
                    ),
                    ("scopes", t.scopes.clone().into()),
                    ("refreshTokenExpiry", t.refresh_token_expiry.into()),
                ]);
                inner.replace_tokens(t);
                Ok(to_js(&out))
            }
            After::Authorization => {
                let mut t = Tokens::new(&inner.app_id, &inner.connection);
                tokens::apply_access_token(&mut t, &body, now())?;
                inner.replace_tokens(t);
                inner.store.remove(&inner.oauth_key());
                Ok(inner.token_info_js())
            }
        }
    };
    r.await.map_err(|e: Error| inner.js_error(e, op))
}

/// Declares the table [`METHODS`] and, for each entry, the Rust method of the same arguments.
macro_rules! methods {
    ($( $(#[$doc:meta])* $js:literal => fn $rust:ident($($arg:ident),*) |$c:ident| $body:block )*) => {
        /// Every promise-returning method: its JS name and its builder, in `__call` index order.
        pub static METHODS: &[(&str, Build)] = &[$(
            ($js, {
                fn build($c: &Call) -> Result<Prepared, Error> {
                    let [$($arg,)* ..] = $c.args;
                    $body
                }
                build
            }),
        )*];

        impl KaizalaClient {
            $(
                $(#[$doc])*
                pub fn $rust(&self, $($arg: JsValue),*) -> Promise {
                    self.invoke($js, &[$($arg),*])
                }
            )*
        }
    };
}

methods! {
    // ---- sign-in -------------------------------------------------------------------------

    /// `generatePin(mobileNumber, {signal}?)` → `{}`; the platform texts a PIN to the number.
    "generatePin" => fn generate_pin(mobile_number, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, auth::generate_pin(&c.inner.app_id, &c.str("mobileNumber", mobile_number)?)?)
    }

    /// `loginWithPin(mobileNumber, pin, {signal}?)` → `{grantedScope, scopes, refreshTokenExpiry}`;
    /// the refresh token is kept for this connection (never returned).
    "loginWithPin" => fn login_with_pin(mobile_number, pin, call) |c| {
        let s = c.signal(&[call])?;
        let m = c.str("mobileNumber", mobile_number)?;
        let pin = from_js(c.op, "pin", pin)?;
        let mut p = c.send(s, auth::login_with_pin(&c.inner.app_id, &m, &pin)?)?;
        p.after = After::Login;
        Ok(p)
    }

    /// `completeAuthorization(codeOrRedirectUrl, {signal}?)` → tokenInfo. Checks the `state`
    /// stored by `authorizeUrl`, exchanges the code (needs `applicationSecret`), keeps the tokens.
    "completeAuthorization" => fn complete_authorization(code_or_url, call) |c| {
        let s = c.signal(&[call])?;
        let input = c.str("codeOrRedirectUrl", code_or_url)?;
        let inner = c.inner;
        let expected = inner.store.get(&inner.oauth_key());
        let code = auth::parse_authorization_result(&input, expected.as_deref())?;
        let secret = inner.secret.clone().ok_or_else(|| {
            Error::new(
                ErrorCode::NotSignedIn,
                c.op,
                "exchanging the code needs applicationSecret (do it on your server and hand the page a tokenProvider)",
            )
        })?;
        let mut p = c.send(s, auth::exchange_code(&inner.app_id, &secret, &code)?)?;
        p.after = After::Authorization;
        Ok(p)
    }

    // ---- raw calls ---------------------------------------------------------------------------

    /// `request(method, path, {query?, body?, signal?})`: any call under `{endpointUrl}v1/` through
    /// the same token, retry and relocation pipeline. `path` is relative (`groups/g1/members`),
    /// already percent-encoded, each segment checked like every call's (`request::check_path`);
    /// POSTs are never re-sent after an unknown fate.
    "request" => fn request(method, path, options) |c| {
        let s = c.signal(&[options])?;
        c.send(s, raw_request(c, method, path, options)?)
    }

    // ---- groups ---------------------------------------------------------------------------

    /// `createGroup({name, welcomeMessage, members?, groupType?}, {signal}?)` → `{groupName, groupId, membersAdded}`.
    "createGroup" => fn create_group(options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, groups::create_group(&c.opts("options", options)?)?)
    }

    /// `listGroups({showDetail?, fetchAllGroups?}?, {signal}?)` → `{groups}`.
    "listGroups" => fn list_groups(options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, groups::list_groups(&c.opts("options", options)?)?)
    }

    /// `getGroup(groupId, {signal}?)` → `{groups: [Group]}`.
    "getGroup" => fn get_group(group_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, groups::get_group(&c.str("groupId", group_id)?)?)
    }

    /// `createSubGroup(groupId, {groupName, welcomeMessage, groupImageUrl?, members?, addUserToGroup?}, {signal}?)` → `{groupId, groupName}`.
    "createSubGroup" => fn create_sub_group(group_id, options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, groups::create_sub_group(&c.str("groupId", group_id)?, &c.opts("options", options)?)?)
    }

    /// `addSubGroups(groupId, [groupId] | {subGroups}, {signal}?)` → `{result}`.
    "addSubGroups" => fn add_sub_groups(group_id, sub_groups, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, groups::add_sub_groups(&c.str("groupId", group_id)?, &c.opts("subGroups", sub_groups)?)?)
    }

    /// `listSubGroups(groupId, {fetchAllGroups?}?, {signal}?)` → the group with `subGroups`.
    "listSubGroups" => fn list_sub_groups(group_id, options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, groups::list_sub_groups(&c.str("groupId", group_id)?, &c.opts("options", options)?)?)
    }

    /// `removeSubGroup(groupId, subGroupId, {signal}?)` → `{result}`.
    "removeSubGroup" => fn remove_sub_group(group_id, sub_group_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, groups::remove_sub_group(&c.str("groupId", group_id)?, &c.str("subGroupId", sub_group_id)?)?)
    }

    // ---- members and subscribers ----------------------------------------------------------

    /// `addMembers(groupId, [phone] | {members}, {signal}?)` → `{result}`.
    "addMembers" => fn add_members(group_id, members_, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, members::add_members(&c.str("groupId", group_id)?, &c.opts("members", members_)?)?)
    }

    /// `listMembers(groupId, {signal}?)` → `{members: [{id, role, mobileNumber, isProvisioned}]}`.
    "listMembers" => fn list_members(group_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, members::list_members(&c.str("groupId", group_id)?)?)
    }

    /// `removeMember(groupId, memberId, {signal}?)` → `{result}`.
    "removeMember" => fn remove_member(group_id, member_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, members::remove_member(&c.str("groupId", group_id)?, &c.str("memberId", member_id)?)?)
    }

    /// `addSubscribers(groupId, [phone] | {subscribers}, {signal}?)` → `{result: {phone: {isAdded}}}`.
    "addSubscribers" => fn add_subscribers(group_id, list, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, subscribers::add_subscribers(&c.str("groupId", group_id)?, &c.opts("subscribers", list)?)?)
    }

    /// `listSubscribers(groupId, {cursor?, count?}?, {signal}?)` → `{subscribers, cursor?}`.
    "listSubscribers" => fn list_subscribers(group_id, options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, subscribers::list_subscribers(&c.str("groupId", group_id)?, &c.opts("options", options)?)?)
    }

    /// `removeSubscribers(groupId, [phone] | {subscribers}, {signal}?)` → `{result: {phone: {isRemoved}}}`.
    "removeSubscribers" => fn remove_subscribers(group_id, list, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, subscribers::remove_subscribers(&c.str("groupId", group_id)?, &c.opts("subscribers", list)?)?)
    }

    // ---- messages and media ---------------------------------------------------------------

    /// `sendMessage(groupId, text | {message, sendToAllSubscribers?, subscribers?}, {signal}?)` → `{referenceId}`.
    "sendMessage" => fn send_message(group_id, message, call) |c| {
        let s = c.signal(&[call, message])?;
        c.send(s, messages::send_message(&c.str("groupId", group_id)?, &c.opts("message", message)?)?)
    }

    /// `listMessages(groupId, {fromDate?, count?}?, {signal}?)` → `{messages: [{referenceId, text,
    /// sender, senderName, sentAt}], hasMore}`. An emulator extension (`GET groups/{id}/messages`):
    /// the platform's reference has no message listing.
    "listMessages" => fn list_messages(group_id, options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, messages::list_messages(&c.str("groupId", group_id)?, &c.opts("options", options)?)?)
    }

    /// `uploadMedia(data, {fileName, mimeType?}, {signal}?)` → `{mediaResource}`. `data`: Blob,
    /// File, ArrayBuffer, Uint8Array or Node Buffer; the type comes from the file name when not
    /// given; unsupported types are refused (`unsupported_media`) before upload.
    "uploadMedia" => fn upload_media(data, options, call) |c| {
        let s = c.signal(&[call, options])?;
        let (spec, form) = media_form(c, data, options)?;
        let mut p = c.send(s, spec)?;
        p.form = Some(form);
        Ok(p)
    }

    /// `uploadMediaFromUrl(url | {mediaUrl}, {signal}?)` → `{mediaResource}`.
    "uploadMediaFromUrl" => fn upload_media_from_url(media_url, call) |c| {
        let s = c.signal(&[call, media_url])?;
        c.send(s, media::upload_media_from_url(&c.opts("mediaUrl", media_url)?)?)
    }

    // ---- actions --------------------------------------------------------------------------

    /// `postAction(groupId, {actionType | id, actionBody, subscribers?, sendToAllSubscribers?}, {signal}?)` → `{referenceId, actionId?}`.
    "postAction" => fn post_action(group_id, options, call) |c| {
        group_and_options(c, actions::post_action, group_id, options, call)
    }

    /// `postJob(groupId, {title, assignedTo, dueDate?, …}, {signal}?)` → `{referenceId, actionId}`.
    "postJob" => fn post_job(group_id, options, call) |c| {
        group_and_options(c, actions::post_job, group_id, options, call)
    }

    /// `postPoll(groupId, {question, choices, expiryInHours?, …}, {signal}?)` → `{referenceId, actionId}`.
    "postPoll" => fn post_poll(group_id, options, call) |c| {
        group_and_options(c, actions::post_poll, group_id, options, call)
    }

    /// `postSurvey(groupId, {title, questions, …}, {signal}?)` → `{referenceId, actionId}`.
    "postSurvey" => fn post_survey(group_id, options, call) |c| {
        group_and_options(c, actions::post_survey, group_id, options, call)
    }

    /// `postLetsMeet(groupId, {title, startingTime, duration?, place?, …}, {signal}?)` → `{referenceId, actionId}`.
    "postLetsMeet" => fn post_lets_meet(group_id, options, call) |c| {
        group_and_options(c, actions::post_lets_meet, group_id, options, call)
    }

    /// `postAnnouncement(groupId, {title, message, mediaResources?, …}, {signal}?)` → `{referenceId, actionId}`.
    "postAnnouncement" => fn post_announcement(group_id, options, call) |c| {
        group_and_options(c, actions::post_announcement, group_id, options, call)
    }

    /// `postMedia(groupId, {mediaResource, caption?, actionType? | mimeType?}, {signal}?)` → `{referenceId, actionId}`.
    "postMedia" => fn post_media(group_id, options, call) |c| {
        group_and_options(c, actions::post_media, group_id, options, call)
    }

    /// `postCustomAction(groupId, packageId, {title?, questions?, properties?, …}, {signal}?)` → `{referenceId, actionId}`.
    "postCustomAction" => fn post_custom_action(group_id, package_id, options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, actions::post_custom_action(
            &c.str("groupId", group_id)?,
            &c.str("packageId", package_id)?,
            &c.opts("options", options)?,
        )?)
    }

    /// `listActions(groupId, {actionType?, fromDate?, count?}?, {signal}?)` → `{actions, hasMore}`.
    "listActions" => fn list_actions(group_id, options, call) |c| {
        group_and_options(c, actions::list_actions, group_id, options, call)
    }

    /// `getAction(groupId, actionId, {getDetails?}?, {signal}?)` → `{actionType, actionDetails, sender, sentAt}`.
    "getAction" => fn get_action(group_id, action_id, options, call) |c| {
        group_id_and_options(c, actions::get_action, "actionId", [group_id, action_id, options, call])
    }

    /// `respondToAction(groupId, actionId, {actionType | id, responseId?, actionBody, questions?}, {signal}?)` → `{responseId}`.
    "respondToAction" => fn respond_to_action(group_id, action_id, options, call) |c| {
        group_id_and_options(c, actions::respond_to_action, "actionId", [group_id, action_id, options, call])
    }

    // ---- reactions ------------------------------------------------------------------------

    /// `addReaction(groupId, {referenceId, reactionType, sourceGroupId?, comment?}, {signal}?)` → `{reactionId}`.
    "addReaction" => fn add_reaction(group_id, options, call) |c| {
        group_and_options(c, reactions::add_reaction, group_id, options, call)
    }

    /// `reactionSummary(groupId, referenceId, {sourceGroupId?}?, {signal}?)` → `{summary: [{referenceId, reactionsCountMap}]}`.
    "reactionSummary" => fn reaction_summary(group_id, reference_id, options, call) |c| {
        group_id_and_options(c, reactions::reaction_summary, "referenceId", [group_id, reference_id, options, call])
    }

    /// `groupReactionSummary(groupId, {sourceGroupId?, cursor?}?, {signal}?)` → `{cursor, summary}`.
    "groupReactionSummary" => fn group_reaction_summary(group_id, options, call) |c| {
        group_and_options(c, reactions::group_reaction_summary, group_id, options, call)
    }

    /// `reactionDetails(groupId, referenceId, {sourceGroupId?, reactionType?, cursor?}?, {signal}?)` → `{cursor, reactionDetails}`.
    "reactionDetails" => fn reaction_details(group_id, reference_id, options, call) |c| {
        group_id_and_options(c, reactions::reaction_details, "referenceId", [group_id, reference_id, options, call])
    }

    // ---- webhooks -------------------------------------------------------------------------

    /// `createWebhook({objectId, objectType, eventTypes, callBackUrl, callBackToken?, callBackContext?, validity?}, {signal}?)` → `{webhookId}`.
    "createWebhook" => fn create_webhook(options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, webhooks::create_webhook(&c.opts("options", options)?)?)
    }

    /// `listWebhooks({objectId?, objectType?}?, {signal}?)` → `{webhooks}`.
    "listWebhooks" => fn list_webhooks(options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, webhooks::list_webhooks(&c.opts("options", options)?)?)
    }

    /// `updateWebhook(webhookId, {…registration fields, active?}, {signal}?)` → `{result}`.
    "updateWebhook" => fn update_webhook(webhook_id, options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, webhooks::update_webhook(&c.str("webhookId", webhook_id)?, &c.opts("options", options)?)?)
    }

    /// `deleteWebhook(webhookId, {signal}?)` → `{result}`.
    "deleteWebhook" => fn delete_webhook(webhook_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, webhooks::delete_webhook(&c.str("webhookId", webhook_id)?)?)
    }

    // ---- users and bots -------------------------------------------------------------------

    /// `me({signal}?)` → `{id, mobileNumber, name, profilePic}`.
    "me" => fn me(call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, users::me())
    }

    /// `createBot({name, profilePic?}, {signal}?)` → `{botUserId, name, …}`.
    "createBot" => fn create_bot(options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, users::create_bot(&c.opts("options", options)?)?)
    }

    /// `listBots({signal}?)` → `{bots}`.
    "listBots" => fn list_bots(call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, users::list_bots())
    }

    /// `updateBot(botUserId, {name?, profilePic?}, {signal}?)` → `{result}`.
    "updateBot" => fn update_bot(bot_user_id, options, call) |c| {
        let s = c.signal(&[call, options])?;
        c.send(s, users::update_bot(&c.str("botUserId", bot_user_id)?, &c.opts("options", options)?)?)
    }

    /// `deleteBot(botUserId, {signal}?)` → `{result}`.
    "deleteBot" => fn delete_bot(bot_user_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, users::delete_bot(&c.str("botUserId", bot_user_id)?)?)
    }

    /// `botAccessToken(botUserId, {signal}?)` → `{accessToken, endpointUrl, accessTokenExpiry, …}` for acting as the bot.
    "botAccessToken" => fn bot_access_token(bot_user_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, users::bot_access_token(&c.str("botUserId", bot_user_id)?)?)
    }

    /// `addBotToGroup(groupId, botUserId, {signal}?)` → the platform's answer.
    "addBotToGroup" => fn add_bot_to_group(group_id, bot_user_id, call) |c| {
        let s = c.signal(&[call])?;
        c.send(s, users::add_bot_to_group(&c.str("groupId", group_id)?, &c.str("botUserId", bot_user_id)?)?)
    }
}

/// `(groupId, options, {signal}?)` methods.
fn group_and_options(
    c: &Call,
    f: fn(&str, &Value) -> Result<RequestSpec, Error>,
    group_id: &JsValue,
    options: &JsValue,
    call: &JsValue,
) -> Result<Prepared, Error> {
    let s = c.signal(&[call, options])?;
    c.send(
        s,
        f(&c.str("groupId", group_id)?, &c.opts("options", options)?)?,
    )
}

/// `(groupId, id, options, {signal}?)` methods; `second` names the id.
fn group_id_and_options(
    c: &Call,
    f: fn(&str, &str, &Value) -> Result<RequestSpec, Error>,
    second: &str,
    [group_id, id, options, call]: [&JsValue; 4],
) -> Result<Prepared, Error> {
    let s = c.signal(&[call, options])?;
    c.send(
        s,
        f(
            &c.str("groupId", group_id)?,
            &c.str(second, id)?,
            &c.opts("options", options)?,
        )?,
    )
}

/// `request(method, path, {query?, body?})`'s request.
fn raw_request(
    c: &Call,
    method: &JsValue,
    path: &JsValue,
    options: &JsValue,
) -> Result<RequestSpec, Error> {
    const OP: &str = "request";
    let m = match c.str("method", method)?.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        _ => {
            return Err(Error::invalid(
                OP,
                "method",
                "must be GET, POST, PUT or DELETE",
            ))
        }
    };
    let p = c.str("path", path)?;
    if crate::find(&p, "://").is_some() || p.starts_with("//") || p.contains(['?', '#']) {
        return Err(Error::invalid(
            OP,
            "path",
            "must be a path below {endpointUrl}v1/ (put parameters in query)",
        ));
    }
    let p = p.trim_start_matches('/');
    let p = p.strip_prefix("v1/").unwrap_or(p).to_string();
    let mut spec = RequestSpec::new(OP, m, p);
    match from_js(OP, "query", &get(options, "query"))? {
        Value::Null => {}
        Value::Object(q) => {
            for (k, v) in q {
                let v = match v {
                    Value::String(s) => s,
                    Value::Null => continue,
                    Value::Number(_) | Value::Bool(_) => crate::json_text(&v),
                    _ => {
                        return Err(Error::invalid(
                            OP,
                            &format!("query.{k}"),
                            "must be a string, number or boolean",
                        ))
                    }
                };
                spec = spec.query(&k, v);
            }
        }
        _ => return Err(Error::invalid(OP, "query", "must be an object")),
    }
    match from_js(OP, "body", &get(options, "body"))? {
        Value::Null => {}
        b => spec = spec.json(b),
    }
    Ok(spec)
}

/// `uploadMedia`'s request and its multipart form.
fn media_form(
    c: &Call,
    data: &JsValue,
    options: &JsValue,
) -> Result<(RequestSpec, FormData), Error> {
    let op = c.op;
    let name = match get(options, "fileName").as_string() {
        Some(n) if !n.trim().is_empty() => n,
        _ => return Err(Error::invalid(op, "fileName", "is required")),
    };
    let mime = opt_str_arg(op, "mimeType", &get(options, "mimeType"))?;
    let spec = media::upload_media(&name, mime.as_deref())?;
    let Body::Multipart { mime_type, .. } = &spec.body else {
        return Err(Error::invalid(op, "fileName", "could not be prepared"));
    };
    let blob = to_blob(op, data, mime_type)?;
    let form = FormData::new().map_err(|_| {
        Error::new(
            ErrorCode::InvalidInput,
            op,
            "FormData is not available here",
        )
    })?;
    form.append_with_blob_and_filename("file", &blob, &name)
        .map_err(|_| Error::invalid(op, "data", "could not be added to the form"))?;
    Ok((spec, form))
}

/// `data` as a Blob of type `mime`: a Blob/File, ArrayBuffer or any ArrayBuffer view (Uint8Array,
/// Node Buffer).
fn to_blob(op: &str, data: &JsValue, mime: &str) -> Result<web_sys::Blob, Error> {
    let ok = data.is_instance_of::<web_sys::Blob>()
        || data.is_instance_of::<js_sys::ArrayBuffer>()
        || js_sys::ArrayBuffer::is_view(data);
    let bad = || {
        Error::invalid(
            op,
            "data",
            "must be a Blob, File, ArrayBuffer or Uint8Array",
        )
    };
    if !ok {
        return Err(bad());
    }
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    web_sys::Blob::new_with_blob_sequence_and_options(&js_sys::Array::of1(data), &bag)
        .map_err(|_| bad())
}
