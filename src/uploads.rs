//! Bulk member uploads and exports by CSV: reading the file, the upload's progress and record, export files.
//!
//! An upload is planned and accounted for here; the binding reads the file twice, piece by piece
//! (a [`Survey`] to check and count it before anything is sent, then the [`Upload`] itself), lists
//! the group's members, sends the batches (`addMembers`) and reports back with [`Upload::settle`].
//! Nothing here does I/O. Memory follows a batch, not the file: one piece of text and one record
//! at a time, the first [`MAX_LISTED`] errors and members, and a number (8 bytes) per row with a
//! usable number, to tell a repeated row.

pub mod csv;

use crate::error::{Error, ErrorCode};
use crate::validate::is_e164;
use csv::{CsvWriter, Problem, Record, MAX_FIELDS, MAX_RECORD_BYTES};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};
use std::hash::{Hash, Hasher};

/// Members added per `addMembers` call unless the caller says otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 100;
/// The most a batch may hold.
pub const MAX_BATCH_SIZE: usize = 1000;
/// Rows a file may hold unless the caller says otherwise (`maxRows`).
pub const DEFAULT_MAX_ROWS: usize = 100_000;
/// Errors, and members, an upload record lists (its counts cover every row).
pub const MAX_LISTED: usize = 1_000;
/// The most of a row's number, as written, that the error log repeats.
const MAX_WRITTEN_CHARS: usize = 64;

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

/// An E.164 number as one integer (at most 15 digits, no leading zero), to tell repeats apart.
fn number_key(e164: &str) -> Option<u64> {
    e164.strip_prefix('+')?.parse().ok()
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    pub row: usize,
    /// As written in the file (its first 64 characters).
    pub mobile_number: String,
    pub reason: String,
}

/// Orders the kept errors by row, so the heap drops the latest row first.
#[derive(Debug, PartialEq, Eq)]
struct ByRow(RowError);

impl Ord for ByRow {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.row.cmp(&other.0.row)
    }
}

impl PartialOrd for ByRow {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
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

fn clip_written(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_WRITTEN_CHARS).collect();
    if s.chars().nth(MAX_WRITTEN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Where a file's columns are, from its header row.
#[derive(Debug, Clone, PartialEq)]
struct Columns {
    header: Vec<String>,
    number: usize,
    name: Option<usize>,
}

impl Columns {
    fn from_header(op: &str, rec: &Record) -> Result<Columns, Error> {
        match rec.problem {
            Some(Problem::Unclosed { .. }) => {
                return Err(Error::invalid(
                    op,
                    "csv",
                    "has a header row that opens a quote and never closes it",
                ))
            }
            Some(Problem::TooLong) => {
                return Err(Error::invalid(
                    op,
                    "csv",
                    &format!(
                    "has a header row longer than {} KiB or with more than {MAX_FIELDS} columns",
                    MAX_RECORD_BYTES / 1024
                ),
                ))
            }
            None => {}
        }
        let header = &rec.fields;
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        let number = NUMBER_HEADERS
            .iter()
            .find_map(|n| keys.iter().position(|k| k == n))
            .ok_or_else(|| {
                Error::invalid(
                    op,
                    "csv",
                    &format!(
                        "has no mobile-number column: the header row must name one mobileNumber, mobile or phone (it reads: {})",
                        clip_written(&header.join(", "))
                    ),
                )
            })?;
        let name = NAME_HEADERS
            .iter()
            .find_map(|n| keys.iter().position(|k| k == n));
        Ok(Columns {
            header: header.clone(),
            number,
            name,
        })
    }

    /// A data row's number in E.164 and its key, or the row's line in the error log.
    fn number(&self, row: usize, rec: &Record) -> Result<(String, u64), RowError> {
        let written = rec.fields.get(self.number).map(|s| s.trim()).unwrap_or("");
        let fail = |reason: String| RowError {
            row,
            mobile_number: clip_written(written),
            reason,
        };
        match rec.problem {
            Some(Problem::Unclosed { line }) => return Err(fail(format!(
                "opens a quoted field that is never closed, so the rest of the file (from line {line} to the end) was read as this one row and none of it was imported; close the quote and upload those rows again"
            ))),
            Some(Problem::TooLong) => return Err(fail(format!(
                "is longer than {} KiB or has more than {MAX_FIELDS} fields (a quote that is never closed?)",
                MAX_RECORD_BYTES / 1024
            ))),
            None => {}
        }
        if rec.fields.len() > self.header.len() {
            return Err(fail(format!(
                "has {} fields but the header has {} (a comma in an unquoted field?)",
                rec.fields.len(),
                self.header.len()
            )));
        }
        let number = normalize_number(written).map_err(|r| fail(r.to_string()))?;
        let key = number_key(&number)
            .ok_or_else(|| fail("not a mobile number in E.164 (+, then 8 to 15 digits)".into()))?;
        Ok((number, key))
    }

    fn member(&self, row: usize, rec: &Record, number: String, outcome: Outcome) -> MemberRow {
        let mut attributes = Map::new();
        for (c, value) in rec.fields.iter().enumerate() {
            let value = value.trim();
            if c == self.number || Some(c) == self.name || value.is_empty() {
                continue;
            }
            if let Some(h) = self
                .header
                .get(c)
                .map(|h| h.trim())
                .filter(|h| !h.is_empty())
            {
                attributes.insert(h.to_string(), Value::from(value));
            }
        }
        MemberRow {
            row,
            mobile_number: number,
            name: self
                .name
                .and_then(|c| rec.fields.get(c))
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            attributes,
            outcome,
        }
    }
}

/// The first pass over a file, before anything is sent: its columns, how many rows it has (at
/// most `max_rows`), and what is known of them without the platform (bad rows, repeats).
#[derive(Debug)]
pub struct Survey {
    op: &'static str,
    max_rows: usize,
    /// Records read so far (blank ones too: they keep their row numbers).
    index: usize,
    columns: Option<Columns>,
    total: usize,
    bad: usize,
    /// The key of every usable row's number, repeats included (sorted once the pass is over).
    numbers: Vec<u64>,
}

impl Survey {
    pub fn new(op: &'static str, max_rows: usize) -> Survey {
        Survey {
            op,
            max_rows,
            index: 0,
            columns: None,
            total: 0,
            bad: 0,
            numbers: Vec::new(),
        }
    }

    /// Takes the records of one piece of the file. Refuses a bad header (`invalid_input`, field
    /// `csv`) and a file of more than `max_rows` rows (`too_large`) as soon as either shows.
    pub fn take(&mut self, records: &[Record]) -> Result<(), Error> {
        for rec in records {
            self.index += 1;
            if rec.is_blank() {
                continue;
            }
            let Some(columns) = &self.columns else {
                self.columns = Some(Columns::from_header(self.op, rec)?);
                continue;
            };
            self.total += 1;
            if self.total > self.max_rows {
                return Err(Error::new(
                    ErrorCode::TooLarge,
                    self.op,
                    format!(
                        "csv has more than {} rows (the maxRows option); split the file or raise maxRows",
                        self.max_rows
                    ),
                )
                .with_field("csv"));
            }
            match columns.number(self.index, rec) {
                Ok((_, key)) => self.numbers.push(key),
                Err(_) => self.bad += 1,
            }
        }
        Ok(())
    }
}

/// A row waiting in a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    row: usize,
    number: String,
    /// Its place in [`Upload::members`], when it is listed there.
    slot: Option<usize>,
}

/// One bulk upload of members into a group, from the second pass over the file to its record.
#[derive(Debug)]
pub struct Upload {
    pub file_name: String,
    pub started_at: i64,
    columns: Columns,
    batch_size: usize,
    /// Data rows in the file (blank lines not counted).
    total: usize,
    /// The distinct numbers of the file, sorted, and which of them this pass has met (a bit
    /// each): meeting one again is a repeat. Eight bytes a number, where a hash set takes three
    /// times that.
    numbers: Vec<u64>,
    met: Vec<u64>,
    /// Numbers in the group before the upload.
    existing: HashSet<u64>,
    /// Rows settled, and rows failed, before anything is sent (bad rows, repeats, numbers
    /// already in the group).
    known_done: usize,
    known_failed: usize,
    index: usize,
    header_seen: bool,
    batch: Vec<Pending>,
    /// The first [`MAX_LISTED`] rows with a usable number.
    members: Vec<MemberRow>,
    members_omitted: usize,
    /// The [`MAX_LISTED`] errors of the lowest rows.
    errors: BinaryHeap<ByRow>,
    failed: usize,
    /// Rows sent (or due to be) that failed.
    sent_failed: usize,
    added: usize,
    already: usize,
    duplicates: usize,
    /// Whether everything still pending failed at once ([`BatchFailure::FailAll`]).
    stopped: Option<String>,
}

impl Upload {
    /// The upload planned from a file's survey. Refuses (`invalid_input`, field `csv`) a file
    /// with no header or no rows.
    pub fn new(
        survey: Survey,
        file_name: &str,
        batch_size: usize,
        now: i64,
    ) -> Result<Upload, Error> {
        let op = survey.op;
        let Some(columns) = survey.columns else {
            return Err(Error::invalid(op, "csv", "is empty: it needs a header row (for example mobileNumber,name) and a row per member"));
        };
        if survey.total == 0 {
            return Err(Error::invalid(
                op,
                "csv",
                "has a header row but no members below it",
            ));
        }
        let mut numbers = survey.numbers;
        let usable = numbers.len();
        numbers.sort_unstable();
        numbers.dedup();
        let duplicates = usable - numbers.len();
        let met = vec![0; numbers.len().div_ceil(64)];
        Ok(Upload {
            file_name: file_name.to_string(),
            started_at: now,
            columns,
            batch_size: batch_size.clamp(1, MAX_BATCH_SIZE),
            total: survey.total,
            numbers,
            met,
            existing: HashSet::new(),
            known_done: survey.bad + duplicates,
            known_failed: survey.bad,
            index: 0,
            header_seen: false,
            batch: Vec::new(),
            members: Vec::new(),
            members_omitted: 0,
            errors: BinaryHeap::new(),
            failed: 0,
            sent_failed: 0,
            added: 0,
            already: 0,
            duplicates: 0,
            stopped: None,
        })
    }

    /// Notes the numbers already in the group (from a `listMembers` answer): they are not sent.
    pub fn mark_existing(&mut self, listing: &Value) {
        self.existing = listing
            .get("members")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("mobileNumber").and_then(Value::as_str))
                    .filter_map(number_key)
                    .collect()
            })
            .unwrap_or_default();
        let already = self
            .existing
            .iter()
            .filter(|k| self.numbers.binary_search(k).is_ok())
            .count();
        self.known_done += already;
    }

    /// Whether an earlier row had this number; notes that this one has.
    fn met_before(&mut self, key: u64) -> bool {
        // A number the first pass did not see (the file changed in between) counts as new.
        let Ok(i) = self.numbers.binary_search(&key) else {
            return false;
        };
        let Some(word) = self.met.get_mut(i / 64) else {
            return false;
        };
        let bit = 1u64 << (i % 64);
        let seen = *word & bit != 0;
        *word |= bit;
        seen
    }

    fn error(&mut self, e: RowError) {
        self.failed += 1;
        self.errors.push(ByRow(e));
        if self.errors.len() > MAX_LISTED {
            self.errors.pop();
        }
    }

    /// Takes the records of one piece of the file (second pass); answers the batches they
    /// filled, to send in order.
    pub fn take(&mut self, records: &[Record]) -> Vec<Vec<Pending>> {
        let mut full = Vec::new();
        for rec in records {
            self.index += 1;
            if rec.is_blank() {
                continue;
            }
            if !self.header_seen {
                self.header_seen = true;
                continue;
            }
            let row = self.index;
            let (number, key) = match self.columns.number(row, rec) {
                Ok(n) => n,
                Err(e) => {
                    self.error(e);
                    continue;
                }
            };
            let outcome = if self.met_before(key) {
                self.duplicates += 1;
                Outcome::Duplicate
            } else if self.existing.contains(&key) {
                self.already += 1;
                Outcome::AlreadyMember
            } else {
                Outcome::Pending
            };
            let slot = if self.members.len() < MAX_LISTED {
                let m = self.columns.member(row, rec, number.clone(), outcome);
                self.members.push(m);
                Some(self.members.len() - 1)
            } else {
                self.members_omitted += 1;
                None
            };
            if outcome != Outcome::Pending {
                continue;
            }
            let p = Pending { row, number, slot };
            if let Some(reason) = self.stopped.clone() {
                self.settle(&[p], Err(&reason));
                continue;
            }
            self.batch.push(p);
            if self.batch.len() >= self.batch_size {
                full.push(std::mem::take(&mut self.batch));
            }
        }
        full
    }

    /// The file ended: the last batch, if rows are waiting.
    pub fn finish(&mut self) -> Option<Vec<Pending>> {
        (!self.batch.is_empty()).then(|| std::mem::take(&mut self.batch))
    }

    /// The numbers of a batch, for `addMembers`.
    pub fn numbers(batch: &[Pending]) -> Vec<String> {
        batch.iter().map(|p| p.number.clone()).collect()
    }

    /// Records a batch's fate: added, or failed with `reason` (each row gets a line in the log).
    pub fn settle(&mut self, batch: &[Pending], result: Result<(), &str>) {
        for p in batch {
            let outcome = match result {
                Ok(()) => {
                    self.added += 1;
                    Outcome::Added
                }
                Err(reason) => {
                    self.sent_failed += 1;
                    self.error(RowError {
                        row: p.row,
                        mobile_number: p.number.clone(),
                        reason: reason.to_string(),
                    });
                    Outcome::Failed
                }
            };
            if let Some(m) = p.slot.and_then(|i| self.members.get_mut(i)) {
                m.outcome = outcome;
            }
        }
    }

    /// After a [`BatchFailure::FailAll`]: every row still pending, and every one read from now
    /// on, fails with `reason` without being sent.
    pub fn stop(&mut self, reason: &str) {
        self.stopped = Some(reason.to_string());
        let waiting = std::mem::take(&mut self.batch);
        self.settle(&waiting, Err(reason));
    }

    /// Why the upload stopped, if it did: rows of batches not sent yet fail with it.
    pub fn stopped(&self) -> Option<String> {
        self.stopped.clone()
    }

    pub fn progress(&self) -> Progress {
        Progress {
            done: (self.known_done + self.added + self.sent_failed).min(self.total),
            total: self.total,
            failed: self.known_failed + self.sent_failed,
        }
    }

    /// `Completed` (no row failed), `CompletedWithErrors` (some did, some went in) or `Failed`
    /// (nothing went in, or the upload was stopped). Rows repeated in the file are not failures.
    pub fn status(&self) -> &'static str {
        let ok = self.added + self.already;
        if self.failed == 0 && self.stopped.is_none() {
            "Completed"
        } else if ok > 0 && self.stopped.is_none() {
            "CompletedWithErrors"
        } else {
            "Failed"
        }
    }

    /// The listed errors, in row order.
    fn listed_errors(&self) -> Vec<RowError> {
        let mut errors: Vec<RowError> = self.errors.iter().map(|e| e.0.clone()).collect();
        errors.sort_by_key(|e| e.row);
        errors
    }

    /// The error log as CSV: `row,mobileNumber,reason`, in row order (the listed errors), every
    /// cell safe to open in a spreadsheet.
    pub fn error_log_csv(&self) -> String {
        let mut w = CsvWriter::new();
        w.row(&["row", "mobileNumber", "reason"]);
        for e in self.listed_errors() {
            w.row(&[e.row.to_string(), e.mobile_number, e.reason]);
        }
        w.finish()
    }

    /// The upload's history row, shaped like the platform's, with the first [`MAX_LISTED`]
    /// errors and members (`errorsOmitted` and `membersOmitted` count the rest).
    pub fn record(&self, group_id: &str, now: i64) -> Value {
        let errors = self.listed_errors();
        json!({
            "groupId": group_id,
            "fileName": self.file_name,
            "startedAt": crate::time::iso_from_ms(self.started_at),
            "completedAt": crate::time::iso_from_ms(now),
            "status": self.status(),
            "total": self.total,
            "added": self.added,
            "alreadyMembers": self.already,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "errorsOmitted": self.failed.saturating_sub(errors.len()),
            "errors": errors,
            "errorLogCsv": self.error_log_csv(),
            "members": self.members,
            "membersOmitted": self.members_omitted,
        })
    }
}

/// The columns of an export, documented ones first, then any others the platform sent.
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

/// Every item as a CSV row under `columns` plus any further fields, sorted by name; every cell
/// (the header too: its names come from the server) safe to open in a spreadsheet.
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
    let mut w = CsvWriter::new();
    w.row(&header);
    for it in items {
        let row: Vec<String> = header
            .iter()
            .map(|k| it.get(*k).map(cell).unwrap_or_default())
            .collect();
        w.row(&row);
    }
    w.finish()
}

/// Pages one export may fetch before it stops with `invalid_response`.
pub const MAX_EXPORT_PAGES: usize = 10_000;

/// The pages of one export: a server that hands back a cursor it gave before (which would page
/// forever) or pages past [`MAX_EXPORT_PAGES`] is refused. Cursors are kept as hashes, so a
/// server's long cursors cost nothing.
#[derive(Debug, Default)]
pub struct ExportPages {
    seen: HashSet<u64>,
    pages: usize,
}

impl ExportPages {
    /// After a page: its next cursor (`None` at the end) if paging may go on there.
    pub fn next(&mut self, op: &str, cursor: Option<String>) -> Result<Option<String>, Error> {
        self.pages += 1;
        let Some(c) = cursor else {
            return Ok(None);
        };
        if self.pages >= MAX_EXPORT_PAGES {
            return Err(Error::new(
                ErrorCode::InvalidResponse,
                op,
                format!("the listing did not end after {MAX_EXPORT_PAGES} pages"),
            ));
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        c.hash(&mut h);
        if !self.seen.insert(h.finish()) {
            return Err(Error::new(
                ErrorCode::InvalidResponse,
                op,
                "the server handed back a page cursor it had given before, so the listing would never end",
            ));
        }
        Ok(Some(c))
    }
}

#[cfg(test)]
mod tests {
    use super::csv::{read_csv, RecordReader};
    use super::*;

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

    #[test]
    fn exports() {
        let items = vec![
            json!({"id": "u1", "mobileNumber": "+911000000001", "role": "Admin", "isProvisioned": true}),
            json!({"id": "u2", "mobileNumber": "+911000000002", "role": "Member", "isProvisioned": false, "note": "a, b"}),
        ];
        let text = export_csv(&items, MEMBER_COLUMNS);
        let back = read_csv(&text);
        assert_eq!(
            back[0].fields,
            vec!["id", "mobileNumber", "role", "isProvisioned", "note"]
        );
        assert_eq!(
            back[1].fields,
            vec!["u1", "+911000000001", "Admin", "true", ""]
        );
        assert_eq!(back[2].fields[4], "a, b");
        assert_eq!(
            export_csv(&[], SUBSCRIBER_COLUMNS),
            "id,mobileNumber,name,profilePic,isProvisioned\r\n"
        );
    }

    #[test]
    fn exports_are_safe_to_open_in_a_spreadsheet() {
        let items = vec![
            json!({"id": "=1+1", "mobileNumber": "+911000000001", "name": "+SUM(A1)", "profilePic": "@x", "=cmd": "-2"}),
            json!({"id": "u2", "mobileNumber": "-911000000002", "name": "\tTab", "profilePic": "\rCR"}),
        ];
        let back = read_csv(&export_csv(&items, SUBSCRIBER_COLUMNS));
        assert_eq!(
            back[0].fields,
            vec![
                "id",
                "mobileNumber",
                "name",
                "profilePic",
                "isProvisioned",
                "'=cmd"
            ]
        );
        assert_eq!(
            back[1].fields,
            vec!["'=1+1", "+911000000001", "'+SUM(A1)", "'@x", "", "'-2"]
        );
        assert_eq!(
            back[2].fields,
            vec!["u2", "'-911000000002", "'\tTab", "'\rCR", "", ""]
        );
    }

    #[test]
    fn export_paging_ends() {
        let mut p = ExportPages::default();
        let op = "exportSubscribers";
        assert_eq!(
            p.next(op, Some("a".into())).ok().flatten().as_deref(),
            Some("a")
        );
        assert_eq!(
            p.next(op, Some("b".into())).ok().flatten().as_deref(),
            Some("b")
        );
        let Err(e) = p.next(op, Some("a".into())) else {
            panic!("a cursor seen before was followed");
        };
        assert_eq!(e.code, ErrorCode::InvalidResponse);
        assert!(e.message.contains("given before"), "{e}");
        let mut p = ExportPages::default();
        assert!(p.next(op, Some("a".into())).is_ok());
        assert!(
            p.next(op, Some("a".into())).is_err(),
            "the same cursor again"
        );
        assert_eq!(ExportPages::default().next(op, None).ok(), Some(None));
        // New cursors without end stop at the cap.
        let mut p = ExportPages::default();
        let mut pages = 1;
        let e = loop {
            match p.next(op, Some(format!("c{pages}"))) {
                Ok(_) => pages += 1,
                Err(e) => break e,
            }
        };
        assert_eq!(pages, MAX_EXPORT_PAGES);
        assert_eq!(e.code, ErrorCode::InvalidResponse);
        assert!(e.message.contains("10000 pages"), "{e}");
    }
}
