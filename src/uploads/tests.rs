//! Tests of an upload from file to record: both passes, limits, the error log, progress.

use super::csv::{read_csv, Record, RecordReader};
use super::rows::MAX_WRITTEN_CHARS;
use super::*;
use serde_json::json;

const NOW: i64 = 1_700_000_000_000;

/// Reads `text` in pieces of `piece` bytes, as the binding reads a file, handing each piece's
/// records to `take`.
fn pieces<E>(
    text: &str,
    piece: usize,
    mut take: impl FnMut(&[Record]) -> Result<(), E>,
) -> Result<(), E> {
    let mut r = RecordReader::new();
    let mut recs = Vec::new();
    for p in text.as_bytes().chunks(piece.max(1)) {
        r.push(p, &mut recs);
        take(&recs)?;
        recs.clear();
    }
    r.finish(&mut recs);
    take(&recs)
}

/// The first pass and the plan, or the refusal.
fn survey(text: &str, max_rows: usize, batch: usize) -> Result<Upload, Error> {
    let mut s = Survey::new("importMembers", max_rows);
    pieces(text, 7, |recs| s.take(recs))?;
    Upload::new(s, "m.csv", batch, NOW)
}

/// Both passes (after `listing` is marked): the upload and every batch it filled, in order.
fn upload(text: &str, batch: usize, listing: Value) -> (Upload, Vec<Vec<Pending>>) {
    let mut up = match survey(text, DEFAULT_MAX_ROWS, batch) {
        Ok(u) => u,
        Err(e) => panic!("{e}"),
    };
    up.mark_existing(&listing);
    let mut batches = Vec::new();
    let _ = pieces::<()>(text, 5, |recs| {
        batches.extend(up.take(recs));
        Ok(())
    });
    batches.extend(up.finish());
    (up, batches)
}

fn none() -> Value {
    json!({})
}

#[test]
fn numbers_are_normalised() {
    assert_eq!(
        normalize_number(" +91 109-999 9999 "),
        Ok("+911099999999".into())
    );
    assert_eq!(normalize_number("0014155550100"), Ok("+14155550100".into()));
    assert_eq!(
        normalize_number("(+1) 415.555.0100"),
        Ok("+14155550100".into())
    );
    assert!(normalize_number("").is_err());
    assert!(normalize_number("1099999999")
        .unwrap_err()
        .contains("country code"));
    assert!(normalize_number("+91abc").unwrap_err().contains("E.164"));
    assert!(normalize_number("+0123456789").is_err());
    assert_eq!(number_key("+911099999999"), Some(911_099_999_999));
}

#[test]
fn rows_are_read_with_bad_rows_and_duplicates_marked() {
    let (u, batches) = upload(
        "name,phone,dept,joined\n\
         Ann,+911000000001,Ops,2024\n\
         Bob,not a number,Ops,\n\
         \n\
         Cid,+91 1000 000001,HR,\n\
         Dee,1099999999,,\n\
         Eve,+14155550100,\"R&D, east\",2023,extra\n\
         Fay,+14155550101\n",
        100,
        none(),
    );
    assert_eq!(u.total, 6, "the blank line is not a row");
    assert_eq!(u.members.len(), 3);
    assert_eq!(u.members[0].row, 2);
    assert_eq!(u.members[0].name.as_deref(), Some("Ann"));
    assert_eq!(
        Value::Object(u.members[0].attributes.clone()),
        json!({"dept": "Ops", "joined": "2024"})
    );
    assert_eq!(u.members[1].outcome, Outcome::Duplicate);
    assert_eq!(u.members[1].row, 4, "empty lines are not counted");
    assert_eq!(u.members[2].mobile_number, "+14155550101");
    let errors = u.listed_errors();
    let rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, vec![3, 5, 6]);
    assert_eq!(errors[0].mobile_number, "not a number");
    assert!(errors[2].reason.contains("5 fields"));
    assert_eq!(batches.len(), 1);
    assert_eq!(
        Upload::numbers(&batches[0]),
        vec!["+911000000001", "+14155550101"]
    );
    assert_eq!(
        u.progress(),
        Progress {
            done: 4,
            total: 6,
            failed: 3
        },
        "bad rows and the repeat are known before anything is sent"
    );
}

#[test]
fn file_level_refusals_come_before_anything_is_sent() {
    for (text, part) in [
        ("", "empty"),
        ("\n\n", "empty"),
        ("name,email\nAnn,a@x\n", "no mobile-number column"),
        ("mobile\n", "no members"),
        ("\"mobile,name\n+911000000001,Ann\n", "never closes"),
    ] {
        let Err(e) = survey(text, DEFAULT_MAX_ROWS, 10) else {
            panic!("{text:?} was accepted");
        };
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.field.as_deref(), Some("csv"));
        assert!(e.message.contains(part), "{e}");
    }
}

#[test]
fn a_file_has_a_row_limit() {
    let mut text = String::from("mobile\n\n");
    for i in 0..10 {
        text.push_str(&format!("+9110000000{i:02}\n\n"));
    }
    assert_eq!(
        survey(&text, 10, 10).map(|u| u.total).ok(),
        Some(10),
        "blank lines are not rows"
    );
    let Err(e) = survey(&text, 9, 10) else {
        panic!("11 rows went under a limit of 10");
    };
    assert_eq!(e.code, ErrorCode::TooLarge);
    assert_eq!(e.field.as_deref(), Some("csv"));
    assert!(
        e.message.contains("more than 9 rows") && e.message.contains("maxRows"),
        "{e}"
    );
    // The refusal comes as soon as the limit is passed, not at the end of the file.
    let mut s = Survey::new("importMembers", 2);
    let recs = read_csv("mobile\n+911000000001\n+911000000002\n+911000000003\n");
    assert!(s.take(&recs[..3]).is_ok());
    assert!(s.take(&recs[3..]).is_err());
}

#[test]
fn an_unclosed_quote_is_a_row_error_and_the_rows_before_it_go_in() {
    let text = "mobile,name\n+911000000001,Ann\n+911000000002,\"Bob\n+911000000003,Cid\n+911000000004,Dee\n";
    let (mut u, batches) = upload(text, 10, none());
    assert_eq!(u.total, 2, "the rest of the file is one row");
    assert_eq!(batches.len(), 1);
    assert_eq!(Upload::numbers(&batches[0]), vec!["+911000000001"]);
    u.settle(&batches[0], Ok(()));
    assert_eq!(u.status(), "CompletedWithErrors", "never Completed");
    let errors = u.listed_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, 3);
    assert_eq!(errors[0].mobile_number, "+911000000002");
    assert!(
        errors[0].reason.contains("never closed") && errors[0].reason.contains("from line 3"),
        "{}",
        errors[0].reason
    );
    assert_eq!(
        u.progress(),
        Progress {
            done: 2,
            total: 2,
            failed: 1
        }
    );
    // In the number's own cell, with a megabyte behind it: the log keeps the start only.
    let mut text = String::from("mobile\n+911000000001\n\"+911000000002\n");
    for i in 0..60_000 {
        text.push_str(&format!("+9110{i:08}\n"));
    }
    let (u, _) = upload(&text, 10, none());
    let e = &u.listed_errors()[0];
    assert_eq!(e.row, 3);
    assert!(e.mobile_number.chars().count() <= MAX_WRITTEN_CHARS + 1);
    assert!(u.record("g1", NOW).to_string().len() < 4_000);
}

#[test]
fn an_upload_from_file_to_record() {
    let mut text = String::from("mobileNumber,name\n");
    for i in 0..7 {
        text.push_str(&format!("+9110000100{i:02},M{i}\n"));
    }
    text.push_str("bad,Z\n+911000010000,again\n");
    let (mut u, batches) = upload(
        &text,
        4,
        json!({"members": [{"mobileNumber": "+911000010001"}, {"mobileNumber": "+911099999999"}]}),
    );
    assert_eq!(
        u.progress(),
        Progress {
            done: 3,
            total: 9,
            failed: 1
        }
    );
    assert_eq!(batches.len(), 2);
    assert_eq!(
        Upload::numbers(&batches[0]),
        vec![
            "+911000010000",
            "+911000010002",
            "+911000010003",
            "+911000010004"
        ]
    );
    u.settle(&batches[0], Ok(()));
    u.settle(&batches[1], Err("the platform is down"));
    assert_eq!(
        u.progress(),
        Progress {
            done: 9,
            total: 9,
            failed: 3
        }
    );
    assert_eq!(u.status(), "CompletedWithErrors");
    let r = u.record("g1", NOW + 5);
    assert_eq!(r["added"], 4);
    assert_eq!(r["alreadyMembers"], 1);
    assert_eq!(r["duplicates"], 1);
    assert_eq!(r["failed"], 3);
    assert_eq!(r["errorsOmitted"], 0);
    assert_eq!(r["membersOmitted"], 0);
    assert_eq!(r["total"], 9);
    assert_eq!(r["fileName"], "m.csv");
    assert_eq!(r["errors"][0]["row"], 7);
    assert_eq!(r["members"][1]["outcome"], "alreadyMember");
    assert_eq!(r["members"][6]["outcome"], "failed");
    let log = read_csv(r["errorLogCsv"].as_str().unwrap_or_default());
    assert_eq!(log[0].fields, vec!["row", "mobileNumber", "reason"]);
    assert_eq!(
        log[1].fields,
        vec!["7", "+911000010005", "the platform is down"]
    );
    assert_eq!(
        log[3].fields,
        vec![
            "9",
            "bad",
            "not a mobile number in E.164 (+, then 8 to 15 digits)"
        ]
    );
}

#[test]
fn the_error_log_is_safe_to_open_in_a_spreadsheet() {
    let (u, _) = upload(
        "mobile,name\n=HYPERLINK(\"http://x\"),a\n+91 12,b\n@SUM(1),c\n-1,d\n",
        10,
        none(),
    );
    let log = u.error_log_csv();
    let cells: Vec<String> = read_csv(&log)[1..]
        .iter()
        .map(|r| r.fields[1].clone())
        .collect();
    assert_eq!(
        cells,
        vec!["'=HYPERLINK(\"http://x\")", "'+91 12", "'@SUM(1)", "'-1"]
    );
    // The record's JSON keeps what the file said.
    assert_eq!(
        u.listed_errors()[0].mobile_number,
        "=HYPERLINK(\"http://x\")"
    );
}

#[test]
fn statuses() {
    let (mut u, b) = upload("mobile\n+911000000001\n+911000000002\n", 10, none());
    u.settle(&b[0], Ok(()));
    assert_eq!(u.status(), "Completed");
    let (u, b) = upload(
        "mobile\n+911000000001\n",
        10,
        json!({"members": [{"mobileNumber": "+911000000001"}]}),
    );
    assert!(b.is_empty());
    assert_eq!(
        u.status(),
        "Completed",
        "running the same file again is safe"
    );
    let (mut u, b) = upload("mobile\n+911000000001\nx\n", 10, none());
    u.settle(&b[0], Err("forbidden: only admins add members"));
    u.stop("forbidden: only admins add members");
    assert_eq!(u.status(), "Failed");
    assert_eq!(u.progress().failed, 2);
}

#[test]
fn a_stopped_upload_fails_the_rows_read_after_without_sending_them() {
    let mut text = String::from("mobile\n");
    for i in 0..30 {
        text.push_str(&format!("+9110000000{i:02}\n"));
    }
    let mut up = match survey(&text, 100, 10) {
        Ok(u) => u,
        Err(e) => panic!("{e}"),
    };
    up.mark_existing(&none());
    let recs = read_csv(&text);
    let first = up.take(&recs[..12]);
    assert_eq!(first.len(), 1);
    up.settle(&first[0], Err("forbidden"));
    up.stop("forbidden");
    assert_eq!(up.stopped().as_deref(), Some("forbidden"));
    assert!(up.take(&recs[12..]).is_empty(), "nothing more to send");
    assert!(up.finish().is_none());
    assert_eq!(
        up.progress(),
        Progress {
            done: 30,
            total: 30,
            failed: 30
        }
    );
    assert_eq!(up.status(), "Failed");
    assert_eq!(up.listed_errors().len(), 30);
}

#[test]
fn memory_follows_a_batch_not_the_file() {
    // 20,000 rows, one in four unusable, every tenth a repeat.
    let mut text = String::from("mobile,name,team\n");
    for i in 0..20_000 {
        if i % 4 == 1 {
            text.push_str(&format!("bad{i},N{i},T\n"));
        } else if i % 10 == 0 && i > 0 {
            text.push_str(&format!("+9110{:08},again,T\n", i - 2));
        } else {
            text.push_str(&format!("+9110{i:08},N{i},T\n"));
        }
    }
    let mut up = match survey(&text, DEFAULT_MAX_ROWS, 100) {
        Ok(u) => u,
        Err(e) => panic!("{e}"),
    };
    up.mark_existing(&none());
    let mut most_batches = 0;
    let mut sent = 0;
    pieces::<()>(&text, 64 * 1024, |recs| {
        let batches = up.take(recs);
        most_batches = most_batches.max(batches.len());
        for b in &batches {
            assert!(b.len() == 100);
            sent += b.len();
            up.settle(b, Ok(()));
        }
        assert!(up.members.len() <= MAX_LISTED && up.errors.len() <= MAX_LISTED);
        Ok(())
    })
    .ok();
    if let Some(b) = up.finish() {
        sent += b.len();
        up.settle(&b, Err("x"));
    }
    assert!(most_batches < 60, "{most_batches}");
    let met: u32 = up.met.iter().map(|w| w.count_ones()).sum();
    assert_eq!(met as usize, up.numbers.len(), "every number was met");
    assert!(up.numbers.len() < 15_000 && up.numbers.len() > 13_000);
    let r = up.record("g", NOW);
    assert_eq!(r["total"], 20_000);
    assert_eq!(r["failed"].as_u64(), Some(5_000 + (sent % 100) as u64));
    assert_eq!(r["errors"].as_array().map(Vec::len), Some(MAX_LISTED));
    assert_eq!(
        r["errors"][0]["row"], 3,
        "the first rows' errors are listed"
    );
    assert_eq!(
        r["errorsOmitted"].as_u64(),
        Some(r["failed"].as_u64().unwrap_or(0) - MAX_LISTED as u64)
    );
    assert_eq!(r["members"].as_array().map(Vec::len), Some(MAX_LISTED));
    assert_eq!(
        r["membersOmitted"].as_u64(),
        Some(15_000 - MAX_LISTED as u64)
    );
    assert_eq!(
        r["added"].as_u64().unwrap_or(0)
            + r["duplicates"].as_u64().unwrap_or(0)
            + r["failed"].as_u64().unwrap_or(0),
        20_000
    );
    assert_eq!(
        r["errorLogCsv"]
            .as_str()
            .map(|l| l.trim_end().split("\r\n").count()),
        Some(1 + MAX_LISTED)
    );
}

#[test]
fn batch_failures() {
    let e = |code| Error::new(code, "addMembers", "x");
    assert_eq!(
        on_batch_error(&e(ErrorCode::InvalidInput), 5),
        BatchFailure::Isolate
    );
    assert_eq!(
        on_batch_error(&e(ErrorCode::InvalidInput), 1),
        BatchFailure::FailBatch
    );
    assert_eq!(
        on_batch_error(&e(ErrorCode::Server), 5),
        BatchFailure::FailBatch
    );
    assert_eq!(
        on_batch_error(&e(ErrorCode::Forbidden), 5),
        BatchFailure::FailAll
    );
}
