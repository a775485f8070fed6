#ifndef CKEHU_WRITE_BEHIND_H
#define CKEHU_WRITE_BEHIND_H

#include <stdint.h>

/// Installs Kehu's write-behind SQLite VFS as the process's default VFS (once; later calls do
/// nothing and return the first call's result). It wraps the platform's default VFS and changes
/// nothing that is written or when SQLite makes it durable: it only starts the kernel's writeback
/// of a database or WAL file every `chunk_bytes` written, and waits for the chunk before, so a
/// large commit or checkpoint reaches the disk as a stream of small writes instead of one burst
/// at its fsync (the technique of PostgreSQL's `checkpoint_flush_after`). A small fsync of another
/// file (the inbox's group commit) then waits behind at most two chunks, not behind a hundred
/// megabytes. `chunk_bytes` <= 0, or a platform without `sync_file_range`, installs a VFS that
/// only delegates.
/// - Returns: 0 (SQLITE_OK) when installed, or an SQLite error code.
int kehu_write_behind_install(int64_t chunk_bytes);

/// The same pacing for a file Kehu writes itself (segment files): starts the kernel's writeback of
/// bytes [start, end) of `fd` and waits for [previous_start, previous_end), written before. Does
/// nothing on a platform without `sync_file_range`; errors are ignored (the fsync that follows
/// reports them).
void kehu_write_behind(int fd, int64_t start, int64_t end, int64_t previous_start, int64_t previous_end);

/// The bytes of the page cache that a write of `amount` bytes at `offset` dirties: whole 4 KiB
/// pages, which is what writeback moves and what the VFS counts towards a chunk.
int64_t kehu_write_behind_dirtied(int64_t offset, int64_t amount);

/// The name of SQLite's default VFS ("kehu-write-behind" once installed).
const char *kehu_write_behind_default_vfs(void);

/// How many chunks the VFS has started writing back since the process began (for tests).
int64_t kehu_write_behind_chunks(void);

/// How many of those were chunks of SQLite database or WAL files (for tests).
int64_t kehu_write_behind_database_chunks(void);

#endif
