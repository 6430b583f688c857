//! `--data FILE`: loading the saved world at start, and writing it atomically after each change.

use std::io::Write;
use std::path::Path;

use crate::world::{World, STATE_VERSION};

/// The saved world, `None` when the file does not exist yet. A file that cannot be read as a
/// world stops start-up with a clear message; it is never replaced silently.
pub fn load(path: &Path) -> Result<Option<World>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read the state file {}: {e}",
                path.display()
            ))
        }
    };
    let world: World = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "the state file {} is corrupt ({e}); it was left untouched — move it away or pass another --data to start afresh",
            path.display()
        )
    })?;
    if world.version != STATE_VERSION {
        return Err(format!(
            "the state file {} has version {}, this emulator reads version {STATE_VERSION}; it was left untouched",
            path.display(),
            world.version
        ));
    }
    Ok(Some(world))
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`, so a
/// crash leaves either the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write the state file {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_file_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        std::fs::write(&p, b"{ not json").unwrap();
        let err = load(&p).unwrap_err();
        assert!(err.contains("corrupt"), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), b"{ not json");
    }

    #[test]
    fn missing_file_is_none_and_round_trip_works() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        assert!(load(&p).unwrap().is_none());
        let w = World::empty();
        write_atomic(&p, &serde_json::to_vec(&w).unwrap()).unwrap();
        let back = load(&p).unwrap().unwrap();
        assert_eq!(back.tenant.id, w.tenant.id);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
