//! Saving with `--data`: one writer task takes the world's changes out and commits them in one
//! SQLite transaction, for every call that waits on it at that moment (their writes share the
//! commit), and each call is answered only once its change is on disk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{watch, Notify};

use crate::store::{Stats, Store};
use crate::world::World;

/// The store and the writer's bookkeeping.
pub struct Saving {
    /// `None` once closed (`Running::stop`): the file's lock is released then.
    store: Arc<Mutex<Option<Store>>>,
    /// Saves asked for so far (each waiting call takes the next number).
    requested: AtomicU64,
    kick: Notify,
    /// The last save number covered by a commit, and how that commit went.
    committed: watch::Sender<(u64, Result<(), String>)>,
}

impl Saving {
    pub fn new(store: Store) -> Saving {
        Saving {
            store: Arc::new(Mutex::new(Some(store))),
            requested: AtomicU64::new(0),
            kick: Notify::new(),
            committed: watch::Sender::new((0, Ok(()))),
        }
    }

    /// Asks for a save and waits until a commit covers everything changed before the call.
    pub async fn save(&self) -> Result<(), String> {
        let mine = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut rx = self.committed.subscribe();
        self.kick.notify_one();
        let done = rx
            .wait_for(|(covered, _)| *covered >= mine)
            .await
            .map_err(|_| "the writer stopped".to_string())?;
        done.1.clone()
    }

    /// Rows written so far, per table.
    pub fn stats(&self) -> Stats {
        self.store
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|s| s.stats().clone())
            .unwrap_or_default()
    }

    /// Closes the database (after a last save), releasing its lock.
    pub fn close(&self) {
        self.store.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The writer: on each kick, takes every change out of the world (under its lock, briefly) and
/// commits them off the async threads; a failed commit marks the whole world for rewriting, so
/// the next save carries what this one lost.
pub async fn writer(saving: &Saving, world: &Mutex<World>) {
    let lock = || world.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        saving.kick.notified().await;
        loop {
            let target = saving.requested.load(Ordering::SeqCst);
            if target <= saving.committed.borrow().0 {
                break;
            }
            let batch = {
                let mut w = lock();
                crate::store::drain(&mut w)
            };
            let result = match batch {
                Err(e) => Err(e),
                Ok(b) if b.is_empty() => Ok(()),
                Ok(b) => {
                    let store = saving.store.clone();
                    tokio::task::spawn_blocking(move || {
                        match store.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                            Some(s) => s.write(&b),
                            None => Err("the state file is closed".to_string()),
                        }
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()))
                }
            };
            if let Err(e) = &result {
                tracing::error!("could not save state: {e}");
                lock().mark_all();
            }
            drop(saving.committed.send_replace((target, result)));
        }
    }
}
