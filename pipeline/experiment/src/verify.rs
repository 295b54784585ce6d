//! Whether a cached record may serve its planned cell: its content matches its checksum, it
//! is the record of that cell (key, full configuration, data) and it holds that cell's methods.
//! A record failing any check is never served: the cache moves it aside and the cell is
//! computed again.

use super::cell::{CELL_SCHEMA, VERSION};
use super::plan::Cell;
use super::record::CellRecord;

/// Parses `bytes` as the record of `cell` (whose data has checksum `data_checksum`); `Err`
/// says why it cannot serve the cell.
pub fn checked_record(
    bytes: &[u8],
    cell: &Cell,
    data_checksum: &str,
) -> Result<CellRecord, String> {
    let record: CellRecord =
        serde_json::from_slice(bytes).map_err(|e| format!("unreadable ({e})"))?;
    if let Some(stored) = &record.checksum {
        if *stored != record.content_checksum() {
            return Err("its content does not match its checksum (edited or corrupted)".into());
        }
    }
    if record.key != cell.key {
        return Err(format!("it holds the cell {}", record.key));
    }
    if record.config != cell.config {
        return Err(format!(
            "its configuration is that of `{}`, not of the planned `{}`",
            record.config.label(),
            cell.config.label()
        ));
    }
    if record.data_checksum != data_checksum {
        return Err(format!(
            "it was computed on data {}, not the planned {data_checksum}",
            record.data_checksum
        ));
    }
    if (record.schema.as_str(), record.version.as_str()) != (CELL_SCHEMA, VERSION)
        || record.config.key(&record.data_checksum) != cell.key
    {
        return Err(format!(
            "its key does not recompute (schema `{}`, version {})",
            record.schema, record.version
        ));
    }
    let methods: Vec<_> = record.results.iter().map(|r| r.method).collect();
    if methods != cell.config.methods() {
        return Err(format!("it holds the methods {methods:?}"));
    }
    Ok(record)
}
