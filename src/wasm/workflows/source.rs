//! A CSV argument of importMembers read piece by piece, never whole into the wasm: a string (in
//! UTF-16 units) or a `Blob`/`File` (in bytes).

use crate::error::Error;
use crate::uploads::csv::{Record, RecordReader};
use crate::wasm::js::get;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// A CSV argument, read piece by piece (never whole into the wasm): a string, or a `Blob`/`File`.
pub enum CsvSource {
    Text(js_sys::JsString),
    Blob(web_sys::Blob),
}

/// UTF-16 units of a string, and bytes of a Blob, read at a time.
const TEXT_PIECE: u32 = 64 * 1024;
const BLOB_PIECE: f64 = 256.0 * 1024.0;

impl CsvSource {
    /// The source and the file name it carries, if any.
    pub fn of(op: &str, v: &JsValue) -> Result<(CsvSource, Option<String>), Error> {
        if let Some(s) = v.dyn_ref::<js_sys::JsString>() {
            return Ok((CsvSource::Text(s.clone()), None));
        }
        if let Some(b) = v.dyn_ref::<web_sys::Blob>() {
            return Ok((CsvSource::Blob(b.clone()), get(v, "name").as_string()));
        }
        Err(Error::invalid(op, "csv", "must be CSV text or a Blob/File"))
    }

    /// A fresh pass over the whole source.
    pub fn pieces(&self) -> CsvPieces<'_> {
        CsvPieces {
            source: self,
            pos: 0.0,
            reader: RecordReader::new(),
            ended: false,
        }
    }
}

/// One pass over a CSV source: the records of each piece in turn.
pub struct CsvPieces<'a> {
    source: &'a CsvSource,
    pos: f64,
    reader: RecordReader,
    ended: bool,
}

impl CsvPieces<'_> {
    /// The records the next piece completes (the last ones when the source is used up), or
    /// `None` after that.
    pub async fn next(&mut self, op: &str) -> Result<Option<Vec<Record>>, Error> {
        if self.ended {
            return Ok(None);
        }
        let unreadable = || Error::invalid(op, "csv", "could not be read");
        let mut records = Vec::new();
        let bytes = match self.source {
            CsvSource::Text(s) => {
                let len = f64::from(s.length());
                if self.pos >= len {
                    None
                } else {
                    let start = self.pos as u32;
                    let mut end = start.saturating_add(TEXT_PIECE).min(s.length());
                    // Never between the two halves of a surrogate pair.
                    if end < s.length()
                        && (f64::from(0xD800u16)..f64::from(0xDC00u16))
                            .contains(&s.char_code_at(end - 1))
                    {
                        end -= 1;
                    }
                    self.pos = f64::from(end);
                    Some(
                        s.slice(start, end)
                            .as_string()
                            .ok_or_else(unreadable)?
                            .into_bytes(),
                    )
                }
            }
            CsvSource::Blob(b) => {
                if self.pos >= b.size() {
                    None
                } else {
                    let end = (self.pos + BLOB_PIECE).min(b.size());
                    let piece = b
                        .slice_with_f64_and_f64(self.pos, end)
                        .map_err(|_| unreadable())?;
                    self.pos = end;
                    let buf = JsFuture::from(piece.array_buffer())
                        .await
                        .map_err(|_| unreadable())?;
                    Some(js_sys::Uint8Array::new(&buf).to_vec())
                }
            }
        };
        match bytes {
            Some(b) => self.reader.push(&b, &mut records),
            None => {
                self.reader.finish(&mut records);
                self.ended = true;
            }
        }
        Ok(Some(records))
    }
}
