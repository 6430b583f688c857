//! The community Python client (edsoncelio/kaizala-api@72e8496, 35 `requests` scripts exported
//! from the platform's Postman collection), call by call, against the emulator: each script's
//! request as tests/fixtures/python_scripts.json holds it (method, URL, params, headers and body
//! exactly as the script builds them), sent with only what a user changes — the base URL, the
//! blanks and sample ids — and judged as the script judges it: it prints the answer, so a 2xx
//! answer is a call that worked.
//!
//! Scripts at `https://kms1.kaiza.la` (the user's endpoint) are sent twice: with the endpoint URL
//! pasted as the token answer gives it (it ends in `/`, so the path reads `…/inc-000//v1/…`), and
//! without its trailing `/`. Three scripts cannot work as written (`media.py` sends no file,
//! `mediaUrl.py` names a picture on the internet, `sendImage.py` sends binary data as its
//! mediaResource); their cases say why and assert what can be asserted.

mod common;

use common::replay::{is_platform_error, send, stage, Sent};
use serde::Deserialize;
use serde_json::Value;

const SCRIPTS: &str = include_str!("fixtures/python_scripts.json");

#[derive(Deserialize)]
struct Doc {
    samples: Vec<(String, String)>,
    python: Vec<Script>,
}

#[derive(Deserialize)]
struct Script {
    source: String,
    method: String,
    url: String,
    #[serde(default)]
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<String>,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    fill: Vec<(String, String)>,
    #[serde(default)]
    answer: Vec<String>,
    answer_is: Option<Value>,
    expect: Option<Refusal>,
    note: Option<String>,
}

/// An answer a script can only get: a refusal in the platform's error shape.
#[derive(Deserialize)]
struct Refusal {
    status: u16,
    #[serde(rename = "errorCode")]
    error_code: String,
    field: Option<String>,
}

fn doc() -> Doc {
    serde_json::from_str(SCRIPTS).expect("tests/fixtures/python_scripts.json")
}

/// The blank headers a user fills in, by name.
fn filled_header(name: &str) -> Option<&'static str> {
    match name {
        "accessToken" => Some("token"),
        "applicationId" => Some("app"),
        "applicationSecret" => Some("secret"),
        "refreshToken" => Some("refresh"),
        _ => None,
    }
}

/// Replays the script at `path` (relative to the repository) in every base-URL set-up it has.
async fn replay(path: &str) {
    let doc = doc();
    let script = doc
        .python
        .iter()
        .find(|s| s.source.ends_with(&format!(":{path}")))
        .unwrap_or_else(|| panic!("no case for {path}"));
    let at_endpoint = script.url.starts_with("https://kms1.kaiza.la");
    let pastes: &[bool] = if at_endpoint { &[true, false] } else { &[true] };
    for &pasted in pastes {
        let mut st = stage().await;
        for need in &script.needs {
            st.make(need).await;
        }
        let ep = st.vars.get("endpointUrl").to_string();
        st.vars.set(
            "endpoint",
            if pasted {
                ep
            } else {
                ep.trim_end_matches('/').to_string()
            },
        );
        let change = |text: &str| {
            let mut t = text.to_string();
            for (from, to) in script.fill.iter().chain(&doc.samples) {
                t = t.replace(from.as_str(), to);
            }
            st.vars.expand(&t)
        };
        let headers = script
            .headers
            .iter()
            .map(|(k, v)| match filled_header(k) {
                Some(var) if v.is_empty() => (k.clone(), st.vars.get(var).to_string()),
                _ => (k.clone(), change(v)),
            })
            .collect();
        let sent = Sent {
            method: script.method.clone(),
            url: change(&script.url),
            query: script
                .params
                .iter()
                .map(|(k, v)| (k.clone(), change(v)))
                .collect(),
            headers,
            body: script.body.as_deref().map(change),
        };
        let a = send(&st.e.http, &sent).await;
        let body = a.json();
        let what = format!(
            "{} — {} {} ({}){}",
            script.source,
            sent.method,
            sent.url,
            if pasted {
                "as pasted"
            } else {
                "without the trailing /"
            },
            script
                .note
                .as_deref()
                .map(|n| format!("; {n}"))
                .unwrap_or_default()
        );
        assert!(a.is_json(), "{what}: content type {:?}", a.content_type);
        match &script.expect {
            Some(r) => {
                assert_eq!(a.status, r.status, "{what}: {}", a.text);
                assert!(is_platform_error(&body), "{what}: {}", a.text);
                assert_eq!(body["errorCode"], r.error_code.as_str(), "{what}");
                if let Some(f) = &r.field {
                    assert_eq!(body["field"], f.as_str(), "{what}");
                }
            }
            None => {
                assert!(
                    (200..300).contains(&a.status),
                    "{what}: HTTP {} {}",
                    a.status,
                    a.text
                );
                assert!(body.is_object(), "{what}: {}", a.text);
                for key in &script.answer {
                    assert!(body.get(key).is_some(), "{what}: no {key} in {}", a.text);
                }
                if let Some(want) = &script.answer_is {
                    assert_eq!(&body, want, "{what}");
                }
            }
        }
    }
}

/// One test per script, named after it.
macro_rules! scripts {
    ($($name:ident => $path:literal,)*) => {
        const LISTED: &[&str] = &[$($path),*];
        $(
            #[tokio::test]
            async fn $name() {
                replay($path).await;
            }
        )*
    };
}

scripts! {
    access_token => "Authentication/accessToken.py",
    generate_pin => "Authentication/generatePin.py",
    login_with_pin_and_application_id => "Authentication/loginWithPinAndApplicationId.py",
    me => "Authentication/me.py",
    create_bot => "Bots/createBot.py",
    delete_bot => "Bots/deleteBot.py",
    generate_bot_token => "Bots/generateBotToken.py",
    get_bot => "Bots/getBot.py",
    update_bot => "Bots/updateBot.py",
    send_audio => "Content Creation APIs/sendAudio.py",
    send_document => "Content Creation APIs/sendDocument.py",
    send_image => "Content Creation APIs/sendImage.py",
    send_message => "Content Creation APIs/sendMessage.py",
    send_video => "Content Creation APIs/sendVideo.py",
    add_members => "Group management/addMembers.py",
    add_sub_group => "Group management/addSubGroup.py",
    add_subscribers => "Group management/addSubscribers.py",
    create_group => "Group management/createGroup.py",
    create_managed_hub => "Group management/createManagedHub.py",
    create_sub_group => "Group management/createSubGroup.py",
    fetch_group_details => "Group management/fetchGroupDetails.py",
    fetch_group_direct => "Group management/fetchGroupDirect.py",
    fetch_group_sub_groups => "Group management/fetchGroupSubGroups.py",
    fetch_sub_group => "Group management/fetchSubGroup.py",
    get_subscribers => "Group management/getSubscribers.py",
    query_members => "Group management/queryMembers.py",
    remove_members => "Group management/removeMembers.py",
    remove_sub_group => "Group management/removeSubGroup.py",
    remove_subscribers => "Group management/removeSubscribers.py",
    get_webhooks => "Subscriptions APIs (webhooks)/getWebhooks.py",
    subscribe_events_action => "Subscriptions APIs (webhooks)/subscribeEventsAction.py",
    subscribe_events_group => "Subscriptions APIs (webhooks)/subscribeEventsGroup.py",
    unsubscribe_webhook => "Subscriptions APIs (webhooks)/unsubscribeWebhook.py",
    media => "Upload Media/media.py",
    media_url => "Upload Media/mediaUrl.py",
}

#[test]
fn every_script_is_a_case_and_has_a_test() {
    let doc = doc();
    assert_eq!(doc.python.len(), 35);
    let mut in_data: Vec<&str> = doc
        .python
        .iter()
        .map(|s| s.source.split_once(':').unwrap().1)
        .collect();
    let mut listed = LISTED.to_vec();
    in_data.sort_unstable();
    listed.sort_unstable();
    assert_eq!(in_data, listed);
    for s in &doc.python {
        assert!(
            s.source.starts_with("edsoncelio/kaizala-api@72e8496:"),
            "{}",
            s.source
        );
    }
}
