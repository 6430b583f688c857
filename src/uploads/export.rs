//! Member and subscriber exports: CSV files of a listing, and the paging of one export.

use super::csv::CsvWriter;
use crate::error::{Error, ErrorCode};
use serde_json::Value;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

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
    use super::super::csv::read_csv;
    use super::*;
    use serde_json::json;

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
