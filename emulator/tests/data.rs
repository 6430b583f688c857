//! `--data FILE` in SQLite: what a change writes, files it refuses, one emulator per file, and no
//! acknowledged write lost to `kill -9`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use kaizala_emulator::Config;
use serde_json::{json, Value};

fn data_config(path: &Path) -> Config {
    Config {
        data: Some(path.to_path_buf()),
        ..test_config()
    }
}

/// Bytes this process has written (to files and sockets) so far.
fn bytes_written() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    io.lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Rows written to the database so far, per table.
fn stats(e: &Emu) -> std::collections::BTreeMap<&'static str, u64> {
    e.running.state.saving.as_ref().expect("--data").stats()
}

/// What was written between two `stats`.
fn written(
    before: &std::collections::BTreeMap<&'static str, u64>,
    after: &std::collections::BTreeMap<&'static str, u64>,
) -> Vec<(&'static str, u64)> {
    after
        .iter()
        .map(|(t, n)| (*t, n - before.get(t).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[tokio::test]
async fn a_change_writes_only_its_own_rows_however_many_members() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let e = emu_with(data_config(&path)).await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let root = e.group("Contoso Relief");
    let messages = format!("groups/{root}/messages");
    let post = |text: &'static str| e.call(&s, "POST", &messages, Some(json!({ "message": text })));
    let before = stats(&e);
    assert_eq!(post("with the demo tenant").await.0, 200);
    let small = written(&before, &stats(&e));

    // A picture: written once, never again.
    let part = reqwest::multipart::Part::bytes(vec![7u8; 200_000])
        .file_name("p.png")
        .mime_str("image/png")
        .unwrap();
    let r = e
        .http
        .post(format!("{}v1/media", s.endpoint))
        .header("accessToken", &s.token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let media_rows = stats(&e)["media"];

    // 100,000 members, a thousand a call.
    for batch in 0..100u32 {
        let members: Vec<String> = (0..1000u32)
            .map(|i| format!("+9177{:08}", batch * 1000 + i))
            .collect();
        let (st, body) = e
            .call(
                &s,
                "PUT",
                &format!("groups/{root}/members"),
                Some(json!({ "members": members })),
            )
            .await;
        assert_eq!(st, 200, "{body}");
    }
    let before = stats(&e);
    let bytes_before = bytes_written();
    assert_eq!(post("with 100,000 members").await.0, 200);
    let bytes = bytes_written() - bytes_before;
    let big = written(&before, &stats(&e));
    // What this process wrote meanwhile (the database's pages, and a little from tests alongside):
    // far from the megabytes of a world rewritten whole.
    assert!(bytes < 1024 * 1024, "one message wrote {bytes} bytes");
    assert_eq!(
        small, big,
        "a message writes the same rows with 15 or 100,015 members"
    );
    assert!(
        big.iter().all(|(t, _)| *t == "messages" || *t == "meta"),
        "{big:?}"
    );
    assert_eq!(
        stats(&e)["media"],
        media_rows,
        "the picture was not written again"
    );

    // One more member is one user and one membership.
    let before = stats(&e);
    let (st, _) = e
        .call(
            &s,
            "PUT",
            &format!("groups/{root}/members"),
            Some(json!({ "members": ["+919999999901"] })),
        )
        .await;
    assert_eq!(st, 200);
    let one = written(&before, &stats(&e));
    assert_eq!(
        one.iter().find(|(t, _)| *t == "members").map(|x| x.1),
        Some(1),
        "{one:?}"
    );
    assert_eq!(
        one.iter().find(|(t, _)| *t == "users").map(|x| x.1),
        Some(1),
        "{one:?}"
    );

    // It all comes back after a restart.
    e.running.stop().await;
    let e2 = emu_with(data_config(&path)).await;
    let s2 = e2.login(GROUP_ADMIN_NORTH).await;
    let (st, g) = e2.call(&s2, "GET", &format!("groups/{root}"), None).await;
    assert_eq!(st, 200);
    assert_eq!(g["groups"][0]["currentLevelUserCount"], 15 + 100_000 + 1);
    let (_, msgs) = e2
        .call(
            &s2,
            "GET",
            &format!("groups/{root}/messages?count=100"),
            None,
        )
        .await;
    let texts: Vec<&str> = msgs["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.contains(&"with 100,000 members"), "{texts:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_private_and_a_file_not_ours_is_refused_and_left_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let e = emu_with(data_config(&path)).await;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the state file is its owner's only");
    e.running.stop().await;

    let refused = |name: &str, bytes: Vec<u8>, says: &'static str| {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        async move {
            let err = kaizala_emulator::start(data_config(&p))
                .await
                .err()
                .unwrap_or_else(|| panic!("{} was taken", p.display()));
            assert!(err.contains(says), "{err}");
            assert_eq!(std::fs::read(&p).unwrap(), bytes, "left untouched");
        }
    };
    // An older emulator's JSON state file.
    refused(
        "old.json",
        br#"{"version": 1, "tenant": {}}"#.to_vec(),
        "--import",
    )
    .await;
    // Garbage, and a database cut short.
    refused(
        "garbage.db",
        b"\x00\x01 not a database".repeat(50),
        "corrupt",
    )
    .await;
    let whole = std::fs::read(&path).unwrap();
    let mut cut = whole[..16].to_vec();
    cut.extend(vec![0xAB; 4000]);
    refused("cut.db", cut, "corrupt").await;

    // Another program's database, and one written by a newer emulator.
    for (name, pragma, says) in [
        ("other.db", "CREATE TABLE x (a)", "another program"),
        ("newer.db", "PRAGMA user_version = 9", "newer emulator"),
    ] {
        let p = dir.path().join(name);
        if name == "newer.db" {
            std::fs::copy(&path, &p).unwrap();
        }
        {
            let c = rusqlite::Connection::open(&p).unwrap();
            c.execute_batch(pragma).unwrap();
        }
        let bytes = std::fs::read(&p).unwrap();
        let err = kaizala_emulator::start(data_config(&p))
            .await
            .err()
            .expect("refused");
        assert!(err.contains(says), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "left untouched");
    }
}

/// The emulator binary with `args`, and the URL it prints.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaizala-emulator"))
        .args(["--port", "0", "--quiet"])
        .args(["--connector-limit", "1000000", "--tenant-limit", "1000000"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("Kaizala emulator listening on ")
        .unwrap_or_else(|| panic!("no URL: {line:?}"))
        .to_string();
    (child, url)
}

/// An access token of the seed's organisation admin, and its endpoint URL.
async fn admin_token(http: &reqwest::Client, url: &str) -> (String, String, String) {
    let seed: Value = http
        .get(format!("{url}/_emulator/seed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tok: Value = http
        .get(format!("{url}/v1/accessToken"))
        .header("applicationId", seed["applicationId"].as_str().unwrap())
        .header(
            "applicationSecret",
            seed["applicationSecret"].as_str().unwrap(),
        )
        .header("refreshToken", seed["userRefreshToken"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        tok["accessToken"].as_str().unwrap().to_string(),
        tok["endpointUrl"].as_str().unwrap().to_string(),
        seed["mainGroupId"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_second_emulator_on_the_same_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let p = path.to_str().unwrap();
    let (mut first, url) = spawn(&["--data", p]);
    let mut second = Command::new(env!("CARGO_BIN_EXE_kaizala-emulator"))
        .args(["--port", "0", "--quiet", "--data", p])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It stops at once; one still running after a minute has taken the file.
    let mut status = None;
    for _ in 0..600 {
        status = second.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        second.kill().unwrap();
        second.wait().unwrap();
        first.kill().unwrap();
        first.wait().unwrap();
        panic!("a second emulator started on the same file");
    };
    assert!(!status.success());
    let mut says = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().unwrap(), &mut says).unwrap();
    assert!(says.contains("in use by another emulator"), "{says}");
    // The same in one process.
    let err = kaizala_emulator::start(data_config(&path))
        .await
        .err()
        .expect("refused");
    assert!(err.contains("in use"), "{err}");

    // The first one keeps serving and keeps what it acknowledged.
    let http = reqwest::Client::new();
    let (token, endpoint, group) = admin_token(&http, &url).await;
    let r = http
        .post(format!("{endpoint}v1/groups/{group}/messages"))
        .header("accessToken", &token)
        .json(&json!({"message": "kept"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    first.kill().unwrap();
    first.wait().unwrap();
    let (mut again, url) = spawn(&["--data", p]);
    let (token, endpoint, group) = admin_token(&http, &url).await;
    let msgs: Value = http
        .get(format!("{endpoint}v1/groups/{group}/messages?count=100"))
        .header("accessToken", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(msgs.to_string().contains("\"kept\""), "{msgs}");
    again.kill().unwrap();
    again.wait().unwrap();
}

#[tokio::test]
async fn no_acknowledged_write_is_lost_to_kill_9() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let p = path.to_str().unwrap();
    let (mut child, url) = spawn(&["--data", p]);
    let http = reqwest::Client::new();
    let (token, endpoint, group) = admin_token(&http, &url).await;

    // Eight writers post messages and create groups until the process dies under them.
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for wid in 0..8 {
        let (http, token, endpoint, group, acked) = (
            http.clone(),
            token.clone(),
            endpoint.clone(),
            group.clone(),
            acked.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let (path, body, key) = if i % 5 == 0 {
                    (
                        "groups".to_string(),
                        json!({"name": format!("g-{wid}-{i}"), "welcomeMessage": ""}),
                        "groupId",
                    )
                } else {
                    (
                        format!("groups/{group}/messages"),
                        json!({ "message": format!("m-{wid}-{i}") }),
                        "referenceId",
                    )
                };
                let sent = http
                    .post(format!("{endpoint}v1/{path}"))
                    .header("accessToken", &token)
                    .json(&body)
                    .send()
                    .await;
                let Ok(resp) = sent else { return };
                if resp.status() != 200 {
                    return;
                }
                let Ok(v) = resp.json::<Value>().await else {
                    return;
                };
                let id = v[key].as_str().unwrap_or_default().to_string();
                acked.lock().unwrap().push((key.to_string(), id));
            }
        }));
    }
    for _ in 0..24_000 {
        if acked.lock().unwrap().len() >= 300 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no last save
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300);

    let (mut again, url) = spawn(&["--data", p]);
    let (token, endpoint, group) = admin_token(&http, &url).await;
    let mut messages = std::collections::HashSet::new();
    let mut from = 0i64;
    loop {
        let page: Value = http
            .get(format!(
                "{endpoint}v1/groups/{group}/messages?count=100&fromDate={from}"
            ))
            .header("accessToken", &token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list = page["messages"].as_array().unwrap();
        for m in list {
            messages.insert(m["referenceId"].as_str().unwrap().to_string());
        }
        if page["hasMore"] != true {
            break;
        }
        let last = list.last().unwrap()["sentAt"].as_str().unwrap();
        from = kaizala_emulator::clock::parse_iso(last).unwrap() + 1;
    }
    let groups: Value = http
        .get(format!("{endpoint}v1/groups?fetchAllGroups=true"))
        .header("accessToken", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let groups: std::collections::HashSet<String> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["groupId"].as_str().unwrap().to_string())
        .collect();
    let lost: Vec<&(String, String)> = acked
        .iter()
        .filter(|(kind, id)| {
            if kind == "groupId" {
                !groups.contains(id)
            } else {
                !messages.contains(id)
            }
        })
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost: {lost:?}",
        lost.len()
    );
    again.kill().unwrap();
    again.wait().unwrap();
}
