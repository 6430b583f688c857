//! The dev API's webhook receiver (`/_emulator/inbox/{name}`): named inboxes of received events,
//! bounded in names, events, bytes per event and bytes in all.

use std::collections::{BTreeMap, VecDeque};

use serde_json::Value;

/// Inboxes kept at once; a new name past this is refused until one is cleared.
pub const MAX_INBOXES: usize = 1000;
/// Longest inbox name, in bytes.
pub const MAX_NAME: usize = 200;
/// Events kept per inbox; the oldest goes when a new one comes.
pub const MAX_EVENTS: usize = 1000;
/// Largest event kept (its stored JSON, headers included).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;
/// All inboxes together; past it, the oldest events of the inbox being written go first.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Why an event was not kept.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    NameTooLong,
    TooManyInboxes,
    EventTooLarge,
    Full,
}

impl Refused {
    pub fn message(&self) -> String {
        match self {
            Refused::NameTooLong => format!("an inbox name is at most {MAX_NAME} bytes"),
            Refused::TooManyInboxes => format!(
                "{MAX_INBOXES} inboxes are in use; clear some (DELETE /_emulator/inbox/{{name}})"
            ),
            Refused::EventTooLarge => {
                format!("an event kept by the inbox is at most {MAX_EVENT_BYTES} bytes")
            }
            Refused::Full => format!(
                "the inboxes hold {MAX_BYTES} bytes; clear some (DELETE /_emulator/inbox/{{name}})"
            ),
        }
    }
}

/// Every inbox; each event is kept as its JSON text (read back as JSON when listed).
#[derive(Debug, Default)]
pub struct Inboxes {
    names: BTreeMap<String, VecDeque<String>>,
    bytes: usize,
}

impl Inboxes {
    /// Keeps `event` (a JSON value) in inbox `name`.
    pub fn push(&mut self, name: &str, event: &Value) -> Result<(), Refused> {
        if name.len() > MAX_NAME {
            return Err(Refused::NameTooLong);
        }
        let text = event.to_string();
        if text.len() > MAX_EVENT_BYTES {
            return Err(Refused::EventTooLarge);
        }
        if !self.names.contains_key(name) && self.names.len() >= MAX_INBOXES {
            return Err(Refused::TooManyInboxes);
        }
        let list = self.names.entry(name.to_string()).or_default();
        while list.len() >= MAX_EVENTS || (self.bytes + text.len() > MAX_BYTES && !list.is_empty())
        {
            if let Some(old) = list.pop_front() {
                self.bytes -= old.len();
            }
        }
        if self.bytes + text.len() > MAX_BYTES {
            if list.is_empty() {
                self.names.remove(name);
            }
            return Err(Refused::Full);
        }
        self.bytes += text.len();
        list.push_back(text);
        Ok(())
    }

    /// The events of `name`, newest first.
    pub fn list(&self, name: &str) -> Vec<Value> {
        self.names
            .get(name)
            .map(|l| {
                l.iter()
                    .rev()
                    .map(|t| serde_json::from_str(t).unwrap_or(Value::Null))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn clear(&mut self, name: &str) {
        if let Some(list) = self.names.remove(name) {
            self.bytes -= list.iter().map(String::len).sum::<usize>();
        }
    }

    /// How many inboxes there are and how many bytes they hold.
    pub fn size(&self) -> (usize, usize) {
        (self.names.len(), self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inboxes_are_bounded() {
        let mut b = Inboxes::default();
        for i in 0..(MAX_EVENTS + 10) {
            b.push("a", &json!({ "n": i })).unwrap();
        }
        let listed = b.list("a");
        assert_eq!(listed.len(), MAX_EVENTS);
        assert_eq!(
            listed[0]["n"],
            MAX_EVENTS + 9,
            "newest first, oldest dropped"
        );
        for i in 1..MAX_INBOXES {
            b.push(&format!("n{i}"), &json!(1)).unwrap();
        }
        assert_eq!(b.push("one more", &json!(1)), Err(Refused::TooManyInboxes));
        assert_eq!(
            b.push("a", &json!("x".repeat(MAX_EVENT_BYTES))),
            Err(Refused::EventTooLarge)
        );
        assert_eq!(
            b.push(&"x".repeat(MAX_NAME + 1), &json!(1)),
            Err(Refused::NameTooLong)
        );
        b.clear("a");
        assert_eq!(b.size().0, MAX_INBOXES - 1);
        // Bytes in all: an inbox that keeps growing drops its own oldest events.
        let mut b = Inboxes::default();
        let big = json!("y".repeat(MAX_EVENT_BYTES - 10));
        for _ in 0..(MAX_BYTES / MAX_EVENT_BYTES + 50) {
            b.push(&format!("{}", b.size().0 % 900), &big).unwrap();
        }
        assert!(b.size().1 <= MAX_BYTES);
    }
}
