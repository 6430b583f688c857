//! What a row of a member file says: where the columns are (from the header row), a row's number
//! in E.164, its name and other columns, or why it cannot be used.

use super::csv::{Problem, Record, MAX_FIELDS, MAX_RECORD_BYTES};
use super::{MemberRow, Outcome, RowError};
use crate::error::Error;
use crate::validate::is_e164;
use serde_json::{Map, Value};

/// The most of a row's number, as written, that the error log repeats.
pub const MAX_WRITTEN_CHARS: usize = 64;

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
pub fn number_key(e164: &str) -> Option<u64> {
    e164.strip_prefix('+')?.parse().ok()
}

pub fn clip_written(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_WRITTEN_CHARS).collect();
    if s.chars().nth(MAX_WRITTEN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Where a file's columns are, from its header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    header: Vec<String>,
    number: usize,
    name: Option<usize>,
}

impl Columns {
    pub fn from_header(op: &str, rec: &Record) -> Result<Columns, Error> {
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
    pub fn number(&self, row: usize, rec: &Record) -> Result<(String, u64), RowError> {
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

    pub fn member(&self, row: usize, rec: &Record, number: String, outcome: Outcome) -> MemberRow {
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
