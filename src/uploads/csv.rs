//! CSV text both ways: records read from a stream of bytes in bounded memory, and files written so
//! a spreadsheet opening them runs no formula.

use crate::validate::is_e164;
use csv_core::{ReadRecordResult, Reader, Terminator, WriteResult, Writer, WriterBuilder};
use std::borrow::Cow;

/// The most bytes one record may hold; a longer one is kept as a problem, not as its cells.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// The most fields one record may hold.
pub const MAX_FIELDS: usize = 1024;
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Why a record could not be read as cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A quoted field was still open when the input ended: everything from the record's start
    /// (line `line` of the input) to the end was read as this one record.
    Unclosed { line: u64 },
    /// More than [`MAX_RECORD_BYTES`] bytes or [`MAX_FIELDS`] fields (its cells are not kept).
    TooLong,
}

/// One record: its cells, or what went wrong (then `fields` may be empty or partial).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub fields: Vec<String>,
    pub problem: Option<Problem>,
}

impl Record {
    /// A record of empty cells (a blank line, or `,,`) is no row.
    pub fn is_blank(&self) -> bool {
        self.problem.is_none() && self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// Reads records from input given piece by piece (a piece may end anywhere, even inside a UTF-8
/// character). Quoted fields, commas and line breaks inside quotes, `""` escapes, CRLF, LF or CR,
/// and a UTF-8 byte-order mark are handled by `csv-core`; memory stays within one record's bound.
#[derive(Debug, Clone)]
pub struct RecordReader {
    reader: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
    /// The record being read went past a bound: its bytes are dropped as they come.
    too_long: bool,
    /// The input line the record being read started on.
    start_line: u64,
    /// The first bytes, held until it is clear whether they are a byte-order mark (`None` once
    /// that is settled).
    head: Option<Vec<u8>>,
}

impl Default for RecordReader {
    fn default() -> Self {
        RecordReader::new()
    }
}

impl RecordReader {
    pub fn new() -> RecordReader {
        RecordReader {
            reader: Reader::new(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            out_len: 0,
            ends_len: 0,
            too_long: false,
            start_line: 1,
            head: Some(Vec::new()),
        }
    }

    /// Reads `input`, appending every record it completes to `records`.
    pub fn push(&mut self, input: &[u8], records: &mut Vec<Record>) {
        match self.head.take() {
            None => self.read(input, records),
            Some(mut head) => {
                // A UTF-8 byte-order mark is dropped here, whatever the pieces (csv-core only
                // sees one that arrives whole).
                let want = BOM.len() - head.len();
                let (more, rest) = input.split_at(want.min(input.len()));
                head.extend_from_slice(more);
                if head.len() < BOM.len() {
                    self.head = Some(head);
                    return;
                }
                if head != BOM {
                    self.read(&head, records);
                }
                self.read(rest, records);
            }
        }
    }

    fn read(&mut self, mut input: &[u8], records: &mut Vec<Record>) {
        while !input.is_empty() {
            let (res, nin, nout, nend) = self.reader.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            input = input.get(nin..).unwrap_or_default();
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
                ReadRecordResult::OutputFull => self.grow_out(),
                ReadRecordResult::OutputEndsFull => self.grow_ends(),
                ReadRecordResult::Record => records.push(self.take(None)),
            }
        }
    }

    /// The input ended: appends the last record, if any. A quoted field still open makes it a
    /// [`Problem::Unclosed`] record.
    pub fn finish(&mut self, records: &mut Vec<Record>) {
        if let Some(head) = self.head.take() {
            self.read(&head, records);
        }
        // csv-core does not say whether it stands inside a quoted field (and its `Reader::clone`
        // does not copy its tables, so a copy cannot be asked), so it is shown a line break: only
        // a quoted field takes one in as a character; anywhere else it ends the record as the
        // end of input would.
        let mut unclosed = false;
        loop {
            let (res, nin, nout, nend) = self.reader.read_record(
                b"\n",
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::OutputFull => self.grow_out(),
                ReadRecordResult::OutputEndsFull => self.grow_ends(),
                ReadRecordResult::Record => {
                    records.push(self.take(None));
                    break;
                }
                ReadRecordResult::InputEmpty | ReadRecordResult::End => {
                    unclosed = nin == 1 && nout == 1;
                    break;
                }
            }
        }
        if unclosed && !self.too_long {
            // That line break is not the file's.
            self.out_len = self.out_len.saturating_sub(1);
        }
        loop {
            let (res, _, nout, nend) = self.reader.read_record(
                &[],
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::Record => {
                    let problem = unclosed.then_some(Problem::Unclosed {
                        line: self.start_line,
                    });
                    records.push(self.take(problem));
                }
                ReadRecordResult::OutputFull => self.grow_out(),
                ReadRecordResult::OutputEndsFull => self.grow_ends(),
                ReadRecordResult::InputEmpty | ReadRecordResult::End => break,
            }
        }
    }

    fn grow_out(&mut self) {
        // Room for one byte more than the bound, so a record at the bound still fits.
        if self.out.len() > MAX_RECORD_BYTES {
            self.drop_record();
        } else {
            let n = (self.out.len() * 2).min(MAX_RECORD_BYTES + 1);
            self.out.resize(n, 0);
        }
    }

    fn grow_ends(&mut self) {
        if self.ends.len() >= MAX_FIELDS {
            self.drop_record();
        } else {
            let n = (self.ends.len() * 2).min(MAX_FIELDS);
            self.ends.resize(n, 0);
        }
    }

    /// Past a bound: forget what was read of this record and keep reading to its end.
    fn drop_record(&mut self) {
        self.too_long = true;
        self.out_len = 0;
        self.ends_len = 0;
    }

    fn take(&mut self, problem: Option<Problem>) -> Record {
        let record = if self.too_long {
            Record {
                fields: Vec::new(),
                problem: problem.or(Some(Problem::TooLong)),
            }
        } else {
            let mut start = 0;
            let fields = self.ends[..self.ends_len]
                .iter()
                .map(|&end| {
                    let end = end.clamp(start, self.out_len);
                    let f = String::from_utf8_lossy(&self.out[start..end]).into_owned();
                    start = end;
                    f
                })
                .collect();
            Record { fields, problem }
        };
        self.out_len = 0;
        self.ends_len = 0;
        self.too_long = false;
        self.start_line = self.reader.line();
        record
    }
}

/// Every record of a whole CSV text (see [`RecordReader`]).
pub fn read_csv(text: &str) -> Vec<Record> {
    let mut r = RecordReader::new();
    let mut records = Vec::new();
    r.push(text.as_bytes(), &mut records);
    r.finish(&mut records);
    records
}

/// The cell as written to a CSV file: one that a spreadsheet would run as a formula (it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'` in front, as OWASP recommends
/// against CSV injection; a phone number in E.164 (`+` and digits) stays as it is.
pub fn safe_cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_e164(s) => {
            Cow::Owned(format!("'{s}"))
        }
        _ => Cow::Borrowed(s),
    }
}

/// Writes CSV text (RFC 4180: CRLF, fields quoted only when they need it), every cell through
/// [`safe_cell`].
pub struct CsvWriter {
    w: Writer,
    out: Vec<u8>,
    buf: Vec<u8>,
}

impl CsvWriter {
    pub fn new() -> CsvWriter {
        CsvWriter {
            w: WriterBuilder::new().terminator(Terminator::CRLF).build(),
            out: Vec::new(),
            buf: vec![0; 1024],
        }
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                let w = &mut self.w;
                write_all(&mut self.buf, &mut self.out, |b| w.delimiter(b));
            }
            let cell = safe_cell(cell.as_ref());
            let mut input = cell.as_bytes();
            loop {
                let (res, nin, nout) = self.w.field(input, &mut self.buf);
                self.out.extend_from_slice(&self.buf[..nout]);
                input = input.get(nin..).unwrap_or_default();
                if res == WriteResult::InputEmpty {
                    break;
                }
            }
        }
        let w = &mut self.w;
        write_all(&mut self.buf, &mut self.out, |b| w.terminator(b));
    }

    pub fn finish(mut self) -> String {
        let w = &mut self.w;
        write_all(&mut self.buf, &mut self.out, |b| w.finish(b));
        String::from_utf8(self.out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

impl Default for CsvWriter {
    fn default() -> Self {
        CsvWriter::new()
    }
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

/// A CSV text from a header and rows, every cell through [`safe_cell`].
pub fn write_csv<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> String {
    let mut w = CsvWriter::new();
    w.row(header);
    for row in rows {
        w.row(row);
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(records: &[Record]) -> Vec<Vec<&str>> {
        records
            .iter()
            .map(|r| r.fields.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn reads_real_csv() {
        let text = "\u{feff}Mobile Number,Name,Team\r\n+911099999999,\"Doe, Jane\",\"North\r\nline\"\r\n\r\n+14155550100,\"Say \"\"hi\"\"\",\n+14155550101,Lee,South";
        let r = read_csv(text);
        let c = cells(&r);
        assert_eq!(c[0], vec!["Mobile Number", "Name", "Team"]);
        assert_eq!(c[1], vec!["+911099999999", "Doe, Jane", "North\r\nline"]);
        assert_eq!(c[c.len() - 2], vec!["+14155550100", "Say \"hi\"", ""]);
        assert_eq!(c[c.len() - 1], vec!["+14155550101", "Lee", "South"]);
        assert!(r.iter().all(|r| r.problem.is_none()));
        // A long field grows the buffers.
        let long = "x".repeat(10_000);
        let r = read_csv(&format!("a,b\n{long},{long}\n"));
        assert_eq!(cells(&r)[1], vec![long.as_str(), long.as_str()]);
    }

    #[test]
    fn input_in_pieces_reads_the_same_as_whole() {
        let text = "\u{feff}n,name\r\n+911000000001,\"Zoë, \"\"Z\"\"\"\n+911000000002,\"two\nlines\"\r\n+911000000003,ünï\n";
        let whole = read_csv(text);
        for size in [1, 2, 3, 5, 7, 64] {
            let mut r = RecordReader::new();
            let mut got = Vec::new();
            for piece in text.as_bytes().chunks(size) {
                r.push(piece, &mut got);
            }
            r.finish(&mut got);
            assert_eq!(got, whole, "pieces of {size} bytes");
        }
    }

    #[test]
    fn an_unclosed_quote_is_a_problem_not_a_silent_end() {
        let r = read_csv("n,name\n+911000000001,Ann\n+911000000002,\"Bob\n+911000000003,Cid\n+911000000004,Dee\n");
        assert_eq!(r.len(), 3, "the rest of the file is one record");
        assert_eq!(r[1].problem, None);
        assert_eq!(r[2].problem, Some(Problem::Unclosed { line: 3 }));
        assert_eq!(r[2].fields[0], "+911000000002");
        assert!(r[2].fields[1].contains("+911000000004,Dee"));
        // A quote closed at the very end, or a lone quote inside an unquoted field, is fine.
        for ok in [
            "a\n\"x\"",
            "a\n\"x\"\n",
            "a\nx\"y\n",
            "a\n\"x\"\"\"",
            "a\nx\"y",
        ] {
            let r = read_csv(ok);
            assert!(r.iter().all(|r| r.problem.is_none()), "{ok:?}: {r:?}");
        }
        // An opening quote as the very last byte.
        let r = read_csv("a\n\"");
        assert_eq!(r[1].problem, Some(Problem::Unclosed { line: 2 }));
    }

    #[test]
    fn memory_stays_within_one_record() {
        // A quote opened on row 2 and never closed, before a megabyte of rows.
        let mut text = String::from("n\n\"+911000000001\n");
        for i in 0..100_000 {
            text.push_str(&format!("+9110{i:08}\n"));
        }
        let mut r = RecordReader::new();
        let mut got = Vec::new();
        for piece in text.as_bytes().chunks(4096) {
            r.push(piece, &mut got);
            assert!(r.out.len() <= MAX_RECORD_BYTES + 1 && r.ends.len() <= MAX_FIELDS);
        }
        r.finish(&mut got);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].problem, Some(Problem::Unclosed { line: 2 }));
        assert!(got[1].fields.is_empty(), "its text is not kept");
        // Too many fields, or too many bytes, in one closed record.
        let wide = format!("a\n{}\nb\n", ",".repeat(MAX_FIELDS + 5));
        let r = read_csv(&wide);
        assert_eq!(r[1].problem, Some(Problem::TooLong));
        assert_eq!(
            cells(&r[2..]),
            vec![vec!["b"]],
            "the record after it is read"
        );
        let long = format!("a\n{}\nb\n", "x".repeat(MAX_RECORD_BYTES + 1));
        let r = read_csv(&long);
        assert_eq!(r[1].problem, Some(Problem::TooLong));
        assert_eq!(cells(&r[2..]), vec![vec!["b"]]);
        let fits = format!("a\n{}\n", "x".repeat(MAX_RECORD_BYTES));
        assert_eq!(read_csv(&fits)[1].problem, None);
        let fits = read_csv(&format!("a\n{}", ",".repeat(MAX_FIELDS - 1)));
        assert_eq!(
            (fits[1].problem.clone(), fits[1].fields.len()),
            (None, MAX_FIELDS)
        );
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
        assert_eq!(
            cells(&back[1..]),
            vec![vec!["1", "a,b", "say \"x\""], vec!["2", "line\nbreak", ""]]
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        for (cell, written) in [
            ("=1+1", "'=1+1"),
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("+91 12", "'+91 12"),
            ("+12", "'+12"),
            // Valid E.164 numbers stay as they are.
            ("+911099999999", "+911099999999"),
            ("+14155550100", "+14155550100"),
            // Anything else too.
            ("Ann", "Ann"),
            ("a=b", "a=b"),
            (" =1", " =1"),
            ("", ""),
            ("'=1", "'=1"),
        ] {
            assert_eq!(safe_cell(cell), written, "{cell:?}");
        }
        let text = write_csv(&["=h", "n"], &[vec!["=cmd|' /C calc'!A0", "+911099999999"]]);
        let back = read_csv(&text);
        assert_eq!(
            cells(&back),
            vec![
                vec!["'=h", "n"],
                vec!["'=cmd|' /C calc'!A0", "+911099999999"]
            ]
        );
    }
}
