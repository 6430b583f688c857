//! The JSON snapshot of a world: what `GET /_emulator/export` answers and `--import FILE` reads
//! (the same shape older emulators kept their `--data` file in, so such a file can be imported).

use std::path::Path;

use crate::world::{World, STATE_VERSION};

/// The world in a snapshot file. A file that cannot be read as a world stops start-up with a clear
/// message.
pub fn load(path: &Path) -> Result<World, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read the snapshot {}: {e}", path.display()))?;
    parse(&bytes).map_err(|e| format!("the snapshot {}: {e}", path.display()))
}

/// A world from snapshot bytes.
pub fn parse(bytes: &[u8]) -> Result<World, String> {
    let mut world: World =
        serde_json::from_slice(bytes).map_err(|e| format!("is not a world snapshot ({e})"))?;
    if world.version != STATE_VERSION {
        return Err(format!(
            "has version {}, this emulator reads version {STATE_VERSION}",
            world.version
        ));
    }
    world.reindex();
    Ok(world)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_world_round_trips_through_a_snapshot() {
        let w = crate::seed::demo_world();
        let text = serde_json::to_vec(&w).unwrap();
        let back = parse(&text).unwrap();
        assert_eq!(back.tenant.id, w.tenant.id);
        assert_eq!(back.users().len(), w.users().len());
        let admin = back.user_by_mobile(crate::seed::ORG_ADMIN).unwrap();
        assert_eq!(admin.name, "Asha Rao");
        let root = back.groups.get(&w.seed.main_group_id).unwrap();
        assert_eq!(root.members.len(), 15);
        assert_eq!(
            serde_json::to_vec(&back).unwrap(),
            text,
            "the same bytes back"
        );
    }

    #[test]
    fn a_broken_snapshot_is_refused() {
        assert!(parse(b"{ not json")
            .unwrap_err()
            .contains("not a world snapshot"));
        let mut w = serde_json::to_value(World::empty()).unwrap();
        w["version"] = serde_json::json!(99);
        let err = parse(&serde_json::to_vec(&w).unwrap()).unwrap_err();
        assert!(err.contains("version 99"), "{err}");
    }
}
