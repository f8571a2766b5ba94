//! Schema version check and forward migrations.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable};

use crate::error::{Error, Result};
use crate::ids::Hlc;
use crate::store::{OpenOptions, SCHEMA_VERSION, meta_u64};
use crate::tables::{self, META};

/// Refuses a file from a newer program version without writing to it: opening a database
/// for writing updates its header, so the check uses a read-only open.
pub(crate) fn check_existing(
    path: &Path,
    options: &OpenOptions,
    unlocked: &crate::encrypted_file::Unlocked,
) -> Result<()> {
    if std::fs::metadata(path).map_or(true, |m| m.len() <= crate::encrypted_file::PAGE) {
        return Ok(());
    }
    let file = crate::encrypted_file::backend(path, unlocked, false)?;
    let db = match options.builder().open_read_only_with_backend(file) {
        Ok(db) => db,
        // After a crash the file needs a repair, which only a writable open does; `prepare`
        // checks the version again after it.
        Err(redb::DatabaseError::RepairAborted) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let tx = db.begin_read()?;
    match tx.open_table(META) {
        Ok(meta) => match meta_u64(&meta, "schema_version")?.map(|v| v as u32) {
            Some(v) if v > SCHEMA_VERSION => Err(Error::NewerSchema {
                found: v,
                supported: SCHEMA_VERSION,
            }),
            _ => Ok(()),
        },
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Creates every table on a new file, migrates an older one, and returns the device id and
/// the last HLC.
pub(crate) fn prepare(db: &Database) -> Result<(String, Hlc)> {
    let tx = db.begin_write()?;
    let result = {
        let mut meta = tx.open_table(META)?;
        let found = meta_u64(&meta, "schema_version")?.map(|v| v as u32);
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(Error::NewerSchema {
                    found: v,
                    supported: SCHEMA_VERSION,
                });
            }
            // Migrations from older versions, in order.
            Some(v) => {
                if v < 2 {
                    index_id_tails(&tx)?;
                }
                if v < 3 {
                    compress_changes(&tx)?;
                }
                if v < SCHEMA_VERSION {
                    meta.insert(
                        "schema_version",
                        (SCHEMA_VERSION as u64).to_le_bytes().as_slice(),
                    )?;
                }
            }
            None => {
                meta.insert(
                    "schema_version",
                    (SCHEMA_VERSION as u64).to_le_bytes().as_slice(),
                )?;
                let device = format!("ws-{:08x}", uuid::Uuid::new_v4().as_u128() as u32);
                meta.insert("device", device.as_bytes())?;
            }
        }
        let device = meta
            .get("device")?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned())
            .ok_or_else(|| Error::Corrupt("the file has no device id".into()))?;
        let hlc = Hlc(meta_u64(&meta, "hlc")?.unwrap_or(0));
        (device, hlc)
    };
    // Creating the tables up front lets readers open them before the first write.
    crate::apply::Tables::open(&tx)?;
    let _ = tx.open_table(tables::STAFF)?;
    let _ = tx.open_table(tables::OUTBOX_REJECTED)?;
    let _ = tx.open_table(tables::DEVICES)?;
    let _ = tx.open_table(tables::ENROLMENTS)?;
    let _ = tx.open_table(tables::FROM_UPSTREAM)?;
    let _ = tx.open_table(tables::ENROLMENTS_USED)?;
    let _ = tx.open_table(tables::DEVICES_SEEN)?;
    tx.commit()?;
    Ok(result)
}

/// Version 2: every resident's ID-number tails go into the name index.
fn index_id_tails(tx: &redb::WriteTransaction) -> Result<()> {
    use redb::ReadableTable;
    let residents = tx.open_table(tables::RESIDENTS)?;
    let mut names = tx.open_table(tables::NAMES)?;
    for row in residents.iter()? {
        let (id, bytes) = row?;
        let resident: crate::model::Resident = crate::apply::decode(bytes.value())?;
        for (key, year) in crate::apply::name_rows(&resident) {
            names.insert((key.as_str(), year, id.value()), ())?;
        }
    }
    Ok(())
}

/// Version 3: each change, stored until then as its full encoding, is stored as `codec.rs`
/// keeps it. In chunks, so a large store never sits in memory whole.
fn compress_changes(tx: &redb::WriteTransaction) -> Result<()> {
    use redb::ReadableTable;
    const CHUNK: usize = 10_000;
    let mut changes = tx.open_table(tables::CHANGES)?;
    let mut from = 0u128;
    loop {
        let mut chunk = Vec::with_capacity(CHUNK);
        for row in changes.range(from..)?.take(CHUNK) {
            let (id, bytes) = row?;
            let change = crate::model::Change::decode(bytes.value())?;
            if change.id.0 != id.value() {
                return Err(Error::Corrupt(format!(
                    "change {} under another key",
                    change.id
                )));
            }
            chunk.push((id.value(), crate::codec::pack_change(&change)?));
        }
        let Some(&(last, _)) = chunk.last() else {
            return Ok(());
        };
        for (id, packed) in &chunk {
            changes.insert(id, packed.as_slice())?;
        }
        match last.checked_add(1) {
            Some(next) => from = next,
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn front_desk() -> crate::Actor {
        crate::Actor {
            staff: "s".into(),
            facility: "H42092100101".into(),
            role: crate::model::Role::FrontDesk,
        }
    }

    /// Registers 欧阳晓燕, with an ID number ending 150023.
    fn register_one(store: &crate::Store) -> crate::Id {
        let form = crate::NewResident {
            name: "欧阳晓燕".into(),
            id_number: Some("420921198503150023".into()),
            ..Default::default()
        };
        store.register(&front_desk(), form).unwrap()
    }

    /// As versions before 3 left the file: each change stored as its full encoding.
    fn store_changes_whole(tx: &redb::WriteTransaction, version: u64) {
        use redb::ReadableTable;
        let mut changes = tx.open_table(tables::CHANGES).unwrap();
        let all: Vec<(u128, Vec<u8>)> = changes
            .iter()
            .unwrap()
            .map(|row| {
                let (id, bytes) = row.unwrap();
                let change = crate::codec::unpack_change(id.value(), bytes.value()).unwrap();
                (id.value(), change.encode().unwrap())
            })
            .collect();
        for (id, whole) in all {
            changes.insert(id, whole.as_slice()).unwrap();
        }
        tx.open_table(META)
            .unwrap()
            .insert("schema_version", version.to_le_bytes().as_slice())
            .unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_and_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clinic.redb");
        let options = OpenOptions::new("密钥").fast_kdf_for_tests();
        {
            let db = crate::Store::open_raw(&path, &options).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(META)
                .unwrap()
                .insert("schema_version", 99u64.to_le_bytes().as_slice())
                .unwrap();
            tx.commit().unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = crate::Store::open(&path, options).err().unwrap();
        assert!(matches!(
            err,
            Error::NewerSchema {
                found: 99,
                supported: SCHEMA_VERSION
            }
        ));
        assert!(err.to_string().contains("newer"));
        assert!(
            std::fs::read(&path).unwrap() == before,
            "the refused file was modified"
        );
    }

    #[test]
    fn a_version_1_store_gets_its_id_number_tails_indexed() {
        use redb::ReadableTable;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clinic.redb");
        let options = OpenOptions::new("密钥").fast_kdf_for_tests();
        let who = register_one(&crate::Store::open(&path, options.clone()).unwrap());
        // As version 1 left it: no tails in the name index.
        {
            let db = crate::Store::open_raw(&path, &options).unwrap();
            let tx = db.begin_write().unwrap();
            {
                let mut names = tx.open_table(tables::NAMES).unwrap();
                let tails: Vec<(String, u16, u128)> = names
                    .iter()
                    .unwrap()
                    .map(|r| {
                        let (k, _) = r.unwrap();
                        let (key, year, id) = k.value();
                        (key.to_string(), year, id)
                    })
                    .filter(|(k, _, _)| k.starts_with('#'))
                    .collect();
                assert_eq!(tails.len(), 2);
                for (k, y, id) in tails {
                    names.remove((k.as_str(), y, id)).unwrap();
                }
            }
            store_changes_whole(&tx, 1);
            tx.commit().unwrap();
        }
        let store = crate::Store::open(&path, options).unwrap();
        for tail in ["0023", "150023"] {
            let hits = store.search(tail, None).unwrap();
            assert_eq!(hits.len(), 1, "{tail}");
            assert_eq!(hits[0].resident.id, who);
        }
        // Four digits that begin a longer tail find nobody: tails match whole.
        assert!(store.search("1500", None).unwrap().is_empty());
    }

    #[test]
    fn a_version_2_store_gets_its_changes_compressed_and_reads_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clinic.redb");
        let options = OpenOptions::new("密钥").fast_kdf_for_tests();
        let (who, journal) = {
            let store = crate::Store::open(&path, options.clone()).unwrap();
            let who = register_one(&store);
            store.issue_card(&front_desk(), who).unwrap();
            (who, store.journal_after(0, usize::MAX).unwrap())
        };
        assert!(
            journal.len() >= 3,
            "a registration, a card and its audit entry"
        );
        // As version 2 left it: each change stored as its full encoding.
        {
            let db = crate::Store::open_raw(&path, &options).unwrap();
            let tx = db.begin_write().unwrap();
            store_changes_whole(&tx, 2);
            tx.commit().unwrap();
        }
        let store = crate::Store::open(&path, options.clone()).unwrap();
        assert_eq!(store.journal_after(0, usize::MAX).unwrap(), journal);
        assert_eq!(store.resident(who).unwrap().unwrap().name, "欧阳晓燕");
        let report = store.verify_audit_chain(store.device()).unwrap();
        assert!(report.broken.is_none(), "{report:?}");
        drop(store);
        // Stored smaller than before, and in the current format.
        let db = crate::Store::open_raw(&path, &options).unwrap();
        let tx = db.begin_read().unwrap();
        let changes = tx.open_table(tables::CHANGES).unwrap();
        for (_, change) in &journal {
            let stored = changes.get(change.id.0).unwrap().unwrap();
            assert!(stored.value().len() < change.encode().unwrap().len());
        }
    }
}
