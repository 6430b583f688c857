//! Bulk member uploads and exports by CSV (§6): reading the file, the upload's progress and record, export files.
//!
//! An upload is planned and accounted for here; the binding lists the group's members, sends the
//! batches (`addMembers`) and reports back with [`Upload::settle`]. Nothing here does I/O.

use crate::error::{Error, ErrorCode};
use crate::validate::is_e164;
use csv_core::{ReadRecordResult, Reader, Terminator, WriteResult, WriterBuilder};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// Members added per `addMembers` call unless the caller says otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 100;
/// The most a batch may hold.
pub const MAX_BATCH_SIZE: usize = 1000;

/// Header names (lower-cased, letters and digits only) taken as the mobile-number column.
const NUMBER_HEADERS: &[&str] = &[
    "mobilenumber",
    "mobile",
    "mobileno",
    "phonenumber",
    "phone",
    "phoneno",
    "number",
    "msisdn",
    "cellphone",
    "cell",
];
/// Header names taken as the member's name.
const NAME_HEADERS: &[&str] = &["name", "fullname", "membername", "displayname", "username"];

/// Every record of a CSV text: quoted fields, commas and line breaks inside quotes, `""` escapes,
/// CRLF or LF, and a UTF-8 byte-order mark are all handled by `csv-core`.
pub fn read_csv(text: &str) -> Vec<Vec<String>> {
    let input = text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes();
    let mut reader = Reader::new();
    let mut records = Vec::new();
    let mut out = vec![0u8; 4096];
    let mut ends = vec![0usize; 64];
    let (mut pos, mut out_len, mut ends_len) = (0, 0, 0);
    loop {
        let (res, nin, nout, nend) =
            reader.read_record(&input[pos..], &mut out[out_len..], &mut ends[ends_len..]);
        pos += nin;
        out_len += nout;
        ends_len += nend;
        match res {
            ReadRecordResult::InputEmpty => {
                if pos >= input.len() {
                    // Tell the reader the input ended (the last record may lack a line break).
                    let (res, _, nout, nend) =
                        reader.read_record(&[], &mut out[out_len..], &mut ends[ends_len..]);
                    out_len += nout;
                    ends_len += nend;
                    match res {
                        ReadRecordResult::Record => {
                            records.push(fields(&out[..out_len], &ends[..ends_len]));
                            out_len = 0;
                            ends_len = 0;
                            continue;
                        }
                        ReadRecordResult::OutputFull => {
                            out.resize(out.len() * 2, 0);
                            continue;
                        }
                        ReadRecordResult::OutputEndsFull => {
                            ends.resize(ends.len() * 2, 0);
                            continue;
                        }
                        _ => break,
                    }
                }
            }
            ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            ReadRecordResult::Record => {
                records.push(fields(&out[..out_len], &ends[..ends_len]));
                out_len = 0;
                ends_len = 0;
            }
            ReadRecordResult::End => break,
        }
    }
    records
}

fn fields(out: &[u8], ends: &[usize]) -> Vec<String> {
    let mut start = 0;
    ends.iter()
        .map(|&end| {
            let f = String::from_utf8_lossy(&out[start..end]).into_owned();
            start = end;
            f
        })
        .collect()
}

/// A CSV text from a header and rows (RFC 4180: CRLF, fields quoted only when they need it).
pub fn write_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w = WriterBuilder::new().terminator(Terminator::CRLF).build();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1024];
    let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    for row in std::iter::once(&head).chain(rows) {
        for (i, f) in row.iter().enumerate() {
            if i > 0 {
                write_all(&mut buf, &mut out, |b| w.delimiter(b));
            }
            let mut input = f.as_bytes();
            loop {
                let (res, nin, nout) = w.field(input, &mut buf);
                out.extend_from_slice(&buf[..nout]);
                input = &input[nin..];
                if res == WriteResult::InputEmpty {
                    break;
                }
            }
        }
        write_all(&mut buf, &mut out, |b| w.terminator(b));
    }
    write_all(&mut buf, &mut out, |b| w.finish(b));
    String::from_utf8_lossy(&out).into_owned()
}

fn write_all(
    buf: &mut [u8],
    out: &mut Vec<u8>,
    mut step: impl FnMut(&mut [u8]) -> (WriteResult, usize),
) {
    loop {
        let (res, n) = step(buf);
        out.extend_from_slice(&buf[..n]);
        if res == WriteResult::InputEmpty {
            break;
        }
    }
}

fn header_key(h: &str) -> String {
    h.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A number as people write it (`+91 109-999 9999`, `0091…`) in E.164, or why it cannot be.
pub fn normalize_number(raw: &str) -> Result<String, &'static str> {
    let s: String = raw
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/')))
        .collect();
    let s = match s.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => s,
    };
    if s.is_empty() {
        return Err("no mobile number");
    }
    let digits = s.strip_prefix('+').unwrap_or(&s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a mobile number in E.164 (+, then 8 to 15 digits)");
    }
    if !s.starts_with('+') {
        return Err("no country code (write the number as +<country code><number>)");
    }
    if !is_e164(&s) {
        return Err("not a mobile number in E.164 (+, then 8 to 15 digits)");
    }
    Ok(s)
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Not sent yet.
    Pending,
    Added,
    /// In the group before the upload (not an error: running a file again is safe).
    AlreadyMember,
    /// The same number appeared on an earlier row of the file; that row stands for it.
    Duplicate,
    Failed,
}

/// One row of the file with a usable number.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRow {
    /// The record's place in the file, the header being row 1 (as a spreadsheet numbers them;
    /// empty lines are not counted).
    pub row: usize,
    pub mobile_number: String,
    pub name: Option<String>,
    /// The other columns, by their header, empty cells left out.
    pub attributes: Map<String, Value>,
    pub outcome: Outcome,
}

/// One line of the error log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    pub row: usize,
    /// As written in the file.
    pub mobile_number: String,
    pub reason: String,
}

/// `{done, total, failed}` in rows of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub failed: usize,
}

/// What to do when a batch fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFailure {
    /// The platform refused something in it (400): send its rows one by one to find which.
    Isolate,
    /// This batch's rows failed; go on with the next.
    FailBatch,
    /// No later batch can succeed either (not signed in, no right to add, no such group): every
    /// row still pending fails with this reason.
    FailAll,
}

pub fn on_batch_error(e: &Error, batch_len: usize) -> BatchFailure {
    match e.code {
        ErrorCode::InvalidInput if batch_len > 1 => BatchFailure::Isolate,
        ErrorCode::Unauthorized
        | ErrorCode::Forbidden
        | ErrorCode::NotFound
        | ErrorCode::NotSignedIn => BatchFailure::FailAll,
        _ => BatchFailure::FailBatch,
    }
}

/// One bulk upload of members into a group, from the file to its record.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub started_at: i64,
    /// Rows with a usable number, in file order (duplicates included, marked).
    pub members: Vec<MemberRow>,
    pub errors: Vec<RowError>,
    /// Data rows in the file (blank lines not counted).
    pub total: usize,
    /// Whether everything still pending failed at once ([`BatchFailure::FailAll`]).
    pub stopped: Option<String>,
}

impl Upload {
    /// Reads the file. Refuses (`invalid_input`, field `csv`) a file with no header, no
    /// mobile-number column, or no rows; a bad row is not a refusal but a line of the error log.
    pub fn parse(op: &str, file_name: &str, text: &str, now: i64) -> Result<Upload, Error> {
        let mut records = read_csv(text).into_iter().enumerate().filter(|(_, r)| {
            // Blank lines (and rows of empty cells) are not rows.
            r.iter().any(|f| !f.trim().is_empty())
        });
        let Some((_, header)) = records.next() else {
            return Err(Error::invalid(op, "csv", "is empty: it needs a header row (for example mobileNumber,name) and a row per member"));
        };
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        let number_col = NUMBER_HEADERS
            .iter()
            .find_map(|n| keys.iter().position(|k| k == n))
            .ok_or_else(|| {
                Error::invalid(
                    op,
                    "csv",
                    &format!(
                        "has no mobile-number column: the header row must name one mobileNumber, mobile or phone (it reads: {})",
                        header.join(", ")
                    ),
                )
            })?;
        let name_col = NAME_HEADERS
            .iter()
            .find_map(|n| keys.iter().position(|k| k == n));
        let mut up = Upload {
            file_name: file_name.to_string(),
            started_at: now,
            members: Vec::new(),
            errors: Vec::new(),
            total: 0,
            stopped: None,
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, rec) in records {
            let row = i + 1;
            up.total += 1;
            let written = rec.get(number_col).map(|s| s.trim()).unwrap_or("");
            if rec.len() > header.len() {
                up.errors.push(RowError {
                    row,
                    mobile_number: written.to_string(),
                    reason: format!(
                        "has {} fields but the header has {} (a comma in an unquoted field?)",
                        rec.len(),
                        header.len()
                    ),
                });
                continue;
            }
            let number = match normalize_number(written) {
                Ok(n) => n,
                Err(reason) => {
                    up.errors.push(RowError {
                        row,
                        mobile_number: written.to_string(),
                        reason: reason.to_string(),
                    });
                    continue;
                }
            };
            let mut attributes = Map::new();
            for (c, value) in rec.iter().enumerate() {
                let value = value.trim();
                if c == number_col || Some(c) == name_col || value.is_empty() {
                    continue;
                }
                if let Some(h) = header.get(c).map(|h| h.trim()).filter(|h| !h.is_empty()) {
                    attributes.insert(h.to_string(), Value::from(value));
                }
            }
            let outcome = if seen.contains_key(&number) {
                Outcome::Duplicate
            } else {
                seen.insert(number.clone(), row);
                Outcome::Pending
            };
            up.members.push(MemberRow {
                row,
                mobile_number: number,
                name: name_col
                    .and_then(|c| rec.get(c))
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty()),
                attributes,
                outcome,
            });
        }
        if up.total == 0 {
            return Err(Error::invalid(
                op,
                "csv",
                "has a header row but no members below it",
            ));
        }
        Ok(up)
    }

    /// Marks the rows whose numbers are already in the group (from a `listMembers` answer).
    pub fn mark_existing(&mut self, listing: &Value) {
        let existing: HashSet<&str> = listing
            .get("members")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("mobileNumber").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        for m in &mut self.members {
            if m.outcome == Outcome::Pending && existing.contains(m.mobile_number.as_str()) {
                m.outcome = Outcome::AlreadyMember;
            }
        }
    }

    /// The rows still to send, in file order, `size` at a time (indices into `members`).
    pub fn batches(&self, size: usize) -> Vec<Vec<usize>> {
        let pending: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.members[i].outcome == Outcome::Pending)
            .collect();
        pending
            .chunks(size.clamp(1, MAX_BATCH_SIZE))
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// The numbers of a batch, for `addMembers`.
    pub fn numbers(&self, batch: &[usize]) -> Vec<String> {
        batch
            .iter()
            .filter_map(|&i| self.members.get(i))
            .map(|m| m.mobile_number.clone())
            .collect()
    }

    /// Records a batch's fate: added, or failed with `reason` (each row gets a line in the log).
    pub fn settle(&mut self, batch: &[usize], result: Result<(), &str>) {
        for &i in batch {
            let Some(m) = self.members.get_mut(i) else {
                continue;
            };
            if m.outcome != Outcome::Pending {
                continue;
            }
            match result {
                Ok(()) => m.outcome = Outcome::Added,
                Err(reason) => {
                    m.outcome = Outcome::Failed;
                    self.errors.push(RowError {
                        row: m.row,
                        mobile_number: m.mobile_number.clone(),
                        reason: reason.to_string(),
                    });
                }
            }
        }
    }

    /// After a [`BatchFailure::FailAll`]: every pending row fails with `reason`.
    pub fn fail_rest(&mut self, reason: &str) {
        let pending: Vec<usize> = (0..self.members.len())
            .filter(|&i| self.members[i].outcome == Outcome::Pending)
            .collect();
        self.settle(&pending, Err(reason));
        self.stopped = Some(reason.to_string());
    }

    fn count(&self, o: Outcome) -> usize {
        self.members.iter().filter(|m| m.outcome == o).count()
    }

    pub fn progress(&self) -> Progress {
        Progress {
            done: self.total - self.count(Outcome::Pending),
            total: self.total,
            failed: self.errors.len(),
        }
    }

    /// `Completed` (no row failed), `CompletedWithErrors` (some did, some went in) or `Failed`
    /// (nothing went in, or the upload was stopped). Rows repeated in the file are not failures.
    pub fn status(&self) -> &'static str {
        let ok = self.count(Outcome::Added) + self.count(Outcome::AlreadyMember);
        if self.errors.is_empty() && self.stopped.is_none() {
            "Completed"
        } else if ok > 0 && self.stopped.is_none() {
            "CompletedWithErrors"
        } else {
            "Failed"
        }
    }

    /// The error log as CSV: `row,mobileNumber,reason`, in row order.
    pub fn error_log_csv(&self) -> String {
        let mut errors = self.errors.clone();
        errors.sort_by_key(|e| e.row);
        let rows: Vec<Vec<String>> = errors
            .into_iter()
            .map(|e| vec![e.row.to_string(), e.mobile_number, e.reason])
            .collect();
        write_csv(&["row", "mobileNumber", "reason"], &rows)
    }

    /// The upload's history row, shaped like the platform's (§6).
    pub fn record(&self, group_id: &str, now: i64) -> Value {
        let mut errors = self.errors.clone();
        errors.sort_by_key(|e| e.row);
        json!({
            "groupId": group_id,
            "fileName": self.file_name,
            "startedAt": crate::time::iso_from_ms(self.started_at),
            "completedAt": crate::time::iso_from_ms(now),
            "status": self.status(),
            "total": self.total,
            "added": self.count(Outcome::Added),
            "alreadyMembers": self.count(Outcome::AlreadyMember),
            "duplicates": self.count(Outcome::Duplicate),
            "failed": self.errors.len(),
            "errors": errors,
            "errorLogCsv": self.error_log_csv(),
            "members": self.members,
        })
    }
}

/// The columns of an export, documented ones first (§3), then any others the platform sent.
pub const MEMBER_COLUMNS: &[&str] = &["id", "mobileNumber", "role", "isProvisioned"];
pub const SUBSCRIBER_COLUMNS: &[&str] =
    &["id", "mobileNumber", "name", "profilePic", "isProvisioned"];

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every item as a CSV row under `columns` plus any further fields, sorted by name.
pub fn export_csv(items: &[Value], columns: &[&str]) -> String {
    let mut extra: Vec<&str> = items
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().map(String::as_str))
        .filter(|k| !columns.contains(k))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    let header: Vec<&str> = columns.iter().copied().chain(extra).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|it| {
            header
                .iter()
                .map(|k| it.get(*k).map(cell).unwrap_or_default())
                .collect()
        })
        .collect();
    write_csv(&header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn reads_real_csv() {
        let text = "\u{feff}Mobile Number,Name,Team\r\n+911099999999,\"Doe, Jane\",\"North\r\nline\"\r\n\r\n+14155550100,\"Say \"\"hi\"\"\",\n+14155550101,Lee,South";
        let r = read_csv(text);
        assert_eq!(r[0], vec!["Mobile Number", "Name", "Team"]);
        assert_eq!(r[1], vec!["+911099999999", "Doe, Jane", "North\r\nline"]);
        assert_eq!(r[r.len() - 2], vec!["+14155550100", "Say \"hi\"", ""]);
        assert_eq!(r[r.len() - 1], vec!["+14155550101", "Lee", "South"]);
        // A long field grows the buffers.
        let long = "x".repeat(10_000);
        let r = read_csv(&format!("a,b\n{long},{long}\n"));
        assert_eq!(r[1], vec![long.clone(), long]);
    }

    #[test]
    fn writes_csv_that_reads_back() {
        let rows = vec![
            vec!["1".to_string(), "a,b".to_string(), "say \"x\"".to_string()],
            vec!["2".to_string(), "line\nbreak".to_string(), String::new()],
        ];
        let text = write_csv(&["n", "text", "q"], &rows);
        assert!(text.starts_with("n,text,q\r\n1,\"a,b\",\"say \"\"x\"\"\"\r\n"));
        let back = read_csv(&text);
        assert_eq!(back[1..], rows[..]);
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
    }

    fn upload(text: &str) -> Upload {
        match Upload::parse("importMembers", "m.csv", text, NOW) {
            Ok(u) => u,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn parse_marks_bad_rows_and_duplicates() {
        let u = upload(
            "name,phone,dept,joined\n\
             Ann,+911000000001,Ops,2024\n\
             Bob,not a number,Ops,\n\
             \n\
             Cid,+91 1000 000001,HR,\n\
             Dee,1099999999,,\n\
             Eve,+14155550100,\"R&D, east\",2023,extra\n\
             Fay,+14155550101\n",
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
        let rows: Vec<usize> = u.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![3, 5, 6]);
        assert_eq!(u.errors[0].mobile_number, "not a number");
        assert!(u.errors[2].reason.contains("5 fields"));
    }

    #[test]
    fn file_level_refusals() {
        for (text, part) in [
            ("", "empty"),
            ("\n\n", "empty"),
            ("name,email\nAnn,a@x\n", "no mobile-number column"),
            ("mobile\n", "no members"),
        ] {
            let Err(e) = Upload::parse("importMembers", "f.csv", text, NOW) else {
                panic!("{text:?} was accepted");
            };
            assert_eq!(e.code, ErrorCode::InvalidInput);
            assert_eq!(e.field.as_deref(), Some("csv"));
            assert!(e.message.contains(part), "{e}");
        }
    }

    #[test]
    fn an_upload_from_file_to_record() {
        let mut text = String::from("mobileNumber,name\n");
        for i in 0..7 {
            text.push_str(&format!("+9110000100{i:02},M{i}\n"));
        }
        text.push_str("bad,Z\n+911000010000,again\n");
        let mut u = upload(&text);
        u.mark_existing(&json!({"members": [{"mobileNumber": "+911000010001"}, {"mobileNumber": "+911099999999"}]}));
        assert_eq!(
            u.progress(),
            Progress {
                done: 3,
                total: 9,
                failed: 1
            }
        );
        let batches = u.batches(4);
        assert_eq!(batches.len(), 2);
        assert_eq!(
            u.numbers(&batches[0]),
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
        assert_eq!(r["total"], 9);
        assert_eq!(r["fileName"], "m.csv");
        assert_eq!(r["errors"][0]["row"], 7);
        assert_eq!(r["members"][1]["outcome"], "alreadyMember");
        let log = read_csv(r["errorLogCsv"].as_str().unwrap_or_default());
        assert_eq!(log[0], vec!["row", "mobileNumber", "reason"]);
        assert_eq!(log[1], vec!["7", "+911000010005", "the platform is down"]);
        assert_eq!(
            log[3],
            vec![
                "9",
                "bad",
                "not a mobile number in E.164 (+, then 8 to 15 digits)"
            ]
        );
    }

    #[test]
    fn statuses() {
        let mut u = upload("mobile\n+911000000001\n+911000000002\n");
        let b = u.batches(10);
        u.settle(&b[0], Ok(()));
        assert_eq!(u.status(), "Completed");
        let mut u = upload("mobile\n+911000000001\n");
        u.mark_existing(&json!({"members": [{"mobileNumber": "+911000000001"}]}));
        assert!(u.batches(10).is_empty());
        assert_eq!(
            u.status(),
            "Completed",
            "running the same file again is safe"
        );
        let mut u = upload("mobile\n+911000000001\nx\n");
        u.fail_rest("forbidden: only admins add members");
        assert_eq!(u.status(), "Failed");
        assert_eq!(u.progress().failed, 2);
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

    #[test]
    fn exports() {
        let items = vec![
            json!({"id": "u1", "mobileNumber": "+911000000001", "role": "Admin", "isProvisioned": true}),
            json!({"id": "u2", "mobileNumber": "+911000000002", "role": "Member", "isProvisioned": false, "note": "a, b"}),
        ];
        let text = export_csv(&items, MEMBER_COLUMNS);
        let back = read_csv(&text);
        assert_eq!(
            back[0],
            vec!["id", "mobileNumber", "role", "isProvisioned", "note"]
        );
        assert_eq!(back[1], vec!["u1", "+911000000001", "Admin", "true", ""]);
        assert_eq!(back[2][4], "a, b");
        assert_eq!(
            export_csv(&[], SUBSCRIBER_COLUMNS),
            "id,mobileNumber,name,profilePic,isProvisioned\r\n"
        );
    }
}
