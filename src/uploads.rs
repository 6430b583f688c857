//! Bulk member uploads by CSV: reading the file, the upload's progress and record (exports in `export`).
//!
//! An upload is planned and accounted for here; the binding reads the file twice, piece by piece
//! (a [`Survey`] to check and count it before anything is sent, then the [`Upload`] itself), lists
//! the group's members, sends the batches (`addMembers`) and reports back with [`Upload::settle`].
//! Nothing here does I/O. Memory follows a batch, not the file: one piece of text and one record
//! at a time, the first [`MAX_LISTED`] errors and members, and a number (8 bytes) per row with a
//! usable number, to tell a repeated row.

pub mod csv;
mod export;
mod rows;
#[cfg(test)]
mod tests;

pub use export::{export_csv, ExportPages, MAX_EXPORT_PAGES, MEMBER_COLUMNS, SUBSCRIBER_COLUMNS};
pub use rows::normalize_number;

use crate::error::{Error, ErrorCode};
use csv::{CsvWriter, Record};
use rows::{number_key, Columns};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

/// Members added per `addMembers` call unless the caller says otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 100;
/// The most a batch may hold.
pub const MAX_BATCH_SIZE: usize = 1000;
/// Rows a file may hold unless the caller says otherwise (`maxRows`).
pub const DEFAULT_MAX_ROWS: usize = 100_000;
/// Errors, and members, an upload record lists (its counts cover every row).
pub const MAX_LISTED: usize = 1_000;

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
    /// each): meeting one again is a repeat. A sorted list, not a hash set, for the least memory
    /// a number.
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
