//! Entry bundles (c2sp.org/tlog-tiles, "Log Entries"): the entries of one
//! level-0 tile back to back, each as a big-endian `uint16` length then
//! its bytes. So an entry is at most 65535 bytes, and a bundle holds 1 to
//! 256 of them.

use super::{TILE_WIDTH, TileError};

/// The longest entry a bundle can frame.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// The entry bundle of `entries`: refuses more than 256 entries, none at
/// all, or an entry longer than [`MAX_ENTRY_SIZE`].
pub fn entry_bundle<T: AsRef<[u8]>>(entries: &[T]) -> Result<Vec<u8>, TileError> {
    if entries.is_empty() || entries.len() > usize::from(TILE_WIDTH) {
        let why = format!("a bundle holds 1 to 256 entries, not {}", entries.len());
        return Err(TileError::Bundle(why));
    }
    let mut bundle = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let length = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge {
            position,
            bytes: entry.len(),
        })?;
        bundle.extend_from_slice(&length.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    Ok(bundle)
}

/// The entries of a bundle that must hold exactly `width` of them.
pub fn parse_entry_bundle(bytes: &[u8], width: u16) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let position = entries.len();
        let bad = |why: &str| TileError::Bundle(format!("entry {position} {why}"));
        let Some((length, after)) = rest.split_first_chunk::<2>() else {
            return Err(bad("has a truncated length"));
        };
        let length = usize::from(u16::from_be_bytes(*length));
        if after.len() < length {
            return Err(bad("is shorter than its length says"));
        }
        let (entry, after) = after.split_at(length);
        entries.push(entry);
        rest = after;
    }
    if entries.len() != usize::from(width) {
        let why = format!("it holds {} entries, not {width}", entries.len());
        return Err(TileError::Bundle(why));
    }
    Ok(entries)
}
