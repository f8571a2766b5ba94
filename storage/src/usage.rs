//! Where a store's bytes go: for each table its entries, the bytes of its keys and values,
//! the b-tree's own bytes and the space lost to fragmentation; for the file, its size beside
//! the pages in use. `clinic stats --storage` prints it; it is the measure a smaller store
//! is judged by.

use redb::{
    Key, ReadTransaction, ReadableDatabase, ReadableTableMetadata, TableDefinition, TableHandle,
    Value,
};
use serde::Serialize;

use crate::backup::{EachTable, each_table};
use crate::error::Result;
use crate::store::Store;

/// One table's share of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableUsage {
    pub name: String,
    pub entries: u64,
    /// Keys and values as inserted.
    pub stored_bytes: u64,
    /// The b-tree's branch keys and other metadata.
    pub metadata_bytes: u64,
    /// Space in its pages that holds nothing.
    pub fragmented_bytes: u64,
    /// Leaf and branch pages.
    pub pages: u64,
}

/// The whole store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StorageUsage {
    /// The file on disk (sealed pages and the key header included).
    pub file_bytes: u64,
    pub page_bytes: u64,
    /// Pages redb has allocated; the rest of the file is free pages.
    pub allocated_pages: u64,
    pub residents: u64,
    /// Tables by size (stored, metadata and fragmented bytes), largest first.
    pub tables: Vec<TableUsage>,
}

impl StorageUsage {
    /// The file's bytes per resident held (0 when none).
    pub fn bytes_per_resident(&self) -> u64 {
        self.file_bytes.checked_div(self.residents).unwrap_or(0)
    }
}

struct Collect(Vec<TableUsage>);

impl EachTable for Collect {
    fn table<K: Key + 'static, V: Value + 'static>(
        &mut self,
        src: &ReadTransaction,
        def: TableDefinition<K, V>,
    ) -> Result<()> {
        let table = src.open_table(def)?;
        let stats = table.stats()?;
        self.0.push(TableUsage {
            name: def.name().to_string(),
            entries: table.len()?,
            stored_bytes: stats.stored_bytes(),
            metadata_bytes: stats.metadata_bytes(),
            fragmented_bytes: stats.fragmented_bytes(),
            pages: stats.leaf_pages() + stats.branch_pages(),
        });
        Ok(())
    }
}

impl Store {
    /// Where this store's bytes go, from one read transaction (and the write transaction's
    /// page count, aborted: nothing is written).
    pub fn storage_usage(&self) -> Result<StorageUsage> {
        let (allocated_pages, page_bytes) = {
            let tx = self.db.begin_write()?;
            let stats = tx.stats()?;
            let counts = (stats.allocated_pages(), stats.page_size() as u64);
            tx.abort()?;
            counts
        };
        let snapshot = self.db.begin_read()?;
        let mut tables = Collect(Vec::new());
        each_table(&snapshot, &mut tables)?;
        let mut tables = tables.0;
        tables.sort_by_key(|t| {
            std::cmp::Reverse(t.stored_bytes + t.metadata_bytes + t.fragmented_bytes)
        });
        Ok(StorageUsage {
            file_bytes: std::fs::metadata(&self.path)?.len(),
            page_bytes,
            allocated_pages,
            residents: self.resident_count()?,
            tables,
        })
    }
}
