// Kehu's write-behind VFS: see include/CKehuWriteBehind.h. A shim in the style of SQLite's own
// vfstrace.c: every method delegates to the wrapped VFS's file, and xWrite additionally paces
// writeback of main database and WAL files with sync_file_range(2) on Linux.
#define _GNU_SOURCE
#include "CKehuWriteBehind.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct PacedFile {
    sqlite3_file base;
    sqlite3_file *real;  // the wrapped VFS's file, allocated right after this struct
    int fd;              // SQLite's descriptor of the file (never closed here), or -1: not paced
    int64_t written;     // page-cache bytes dirtied since the current chunk began
    int64_t low, high;   // the current chunk's byte range
    int64_t startedLow, startedHigh;  // the previous chunk, whose writeback was started
} PacedFile;

static sqlite3_vfs pacedVFS;
static sqlite3_vfs *realVFS;
static int64_t chunkBytes;
static _Atomic int64_t chunksStarted;
static _Atomic int64_t databaseChunksStarted;
static int installResult;
static pthread_once_t installOnce = PTHREAD_ONCE_INIT;
static int64_t requestedChunk;

static sqlite3_file *real(sqlite3_file *file) { return ((PacedFile *)file)->real; }

static int pacedClose(sqlite3_file *file) {
    PacedFile *p = (PacedFile *)file;
    p->fd = -1;
    return p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
}

static int pacedRead(sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset) {
    return real(file)->pMethods->xRead(real(file), buffer, amount, offset);
}

void kehu_write_behind(int fd, int64_t start, int64_t end, int64_t previous_start, int64_t previous_end) {
#ifdef __linux__
    if (previous_end > previous_start) {
        sync_file_range(fd, previous_start, previous_end - previous_start,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    }
    if (end > start) sync_file_range(fd, start, end - start, SYNC_FILE_RANGE_WRITE);
    atomic_fetch_add_explicit(&chunksStarted, 1, memory_order_relaxed);
#else
    (void)fd; (void)start; (void)end; (void)previous_start; (void)previous_end;
#endif
}

/// Starts writeback of the current chunk and waits for the one before it, so at most two chunks
/// of this file are ever queued at the disk on its behalf.
static void pace(PacedFile *p) {
    kehu_write_behind(p->fd, p->low, p->high, p->startedLow, p->startedHigh);
    atomic_fetch_add_explicit(&databaseChunksStarted, 1, memory_order_relaxed);
    p->startedLow = p->low;
    p->startedHigh = p->high;
    p->written = 0;
    p->low = p->high = 0;
}

int64_t kehu_write_behind_dirtied(int64_t offset, int64_t amount) {
    if (amount <= 0) return 0;
    return ((offset + amount + 4095) / 4096 - offset / 4096) * 4096;
}

static int pacedWrite(sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset) {
    PacedFile *p = (PacedFile *)file;
    int rc = p->real->pMethods->xWrite(p->real, buffer, amount, offset);
    if (rc != SQLITE_OK || p->fd < 0) return rc;
    if (p->written == 0) {
        p->low = offset;
        p->high = offset + amount;
    } else {
        if (offset < p->low) p->low = offset;
        if (offset + amount > p->high) p->high = offset + amount;
    }
    // Counted in whole pages of the page cache, which is what writeback moves. When a transaction
    // has overwritten one of its own WAL frames in place (a page written out before the commit
    // and changed again), SQLite rewrites at the commit the 24-byte header of every frame after
    // it, and each dirties a 4 KiB page: measured, 17,473 such writes (70 MB of writeback) in one
    // flush commit, which counting bytes let through unpaced.
    p->written += kehu_write_behind_dirtied(offset, amount);
    if (p->written >= chunkBytes) pace(p);
    return rc;
}

static int pacedTruncate(sqlite3_file *file, sqlite3_int64 size) {
    return real(file)->pMethods->xTruncate(real(file), size);
}

static int pacedSync(sqlite3_file *file, int flags) {
    PacedFile *p = (PacedFile *)file;
    // The fsync writes whatever is left; nothing of this file is pending after it.
    p->written = 0;
    p->low = p->high = p->startedLow = p->startedHigh = 0;
    return p->real->pMethods->xSync(p->real, flags);
}

static int pacedFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    return real(file)->pMethods->xFileSize(real(file), size);
}
static int pacedLock(sqlite3_file *file, int level) { return real(file)->pMethods->xLock(real(file), level); }
static int pacedUnlock(sqlite3_file *file, int level) { return real(file)->pMethods->xUnlock(real(file), level); }
static int pacedCheckReservedLock(sqlite3_file *file, int *out) {
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}
static int pacedFileControl(sqlite3_file *file, int op, void *arg) {
    return real(file)->pMethods->xFileControl(real(file), op, arg);
}
static int pacedSectorSize(sqlite3_file *file) { return real(file)->pMethods->xSectorSize(real(file)); }
static int pacedDeviceCharacteristics(sqlite3_file *file) {
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}
static int pacedShmMap(sqlite3_file *file, int page, int size, int extend, void volatile **out) {
    return real(file)->pMethods->xShmMap(real(file), page, size, extend, out);
}
static int pacedShmLock(sqlite3_file *file, int offset, int n, int flags) {
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}
static void pacedShmBarrier(sqlite3_file *file) { real(file)->pMethods->xShmBarrier(real(file)); }
static int pacedShmUnmap(sqlite3_file *file, int deleteFlag) {
    return real(file)->pMethods->xShmUnmap(real(file), deleteFlag);
}
static int pacedFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    return real(file)->pMethods->xFetch(real(file), offset, amount, out);
}
static int pacedUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *pointer) {
    return real(file)->pMethods->xUnfetch(real(file), offset, pointer);
}

// One method table per version the wrapped file may report, so SQLite never calls a method the
// wrapped file lacks.
#define PACED_METHODS(version)                                                                   \
    {version, pacedClose, pacedRead, pacedWrite, pacedTruncate, pacedSync, pacedFileSize,        \
     pacedLock, pacedUnlock, pacedCheckReservedLock, pacedFileControl, pacedSectorSize,          \
     pacedDeviceCharacteristics, pacedShmMap, pacedShmLock, pacedShmBarrier, pacedShmUnmap,     \
     pacedFetch, pacedUnfetch}
static const sqlite3_io_methods pacedMethods[4] = {
    PACED_METHODS(0), PACED_METHODS(1), PACED_METHODS(2), PACED_METHODS(3)};

#ifdef __linux__
/// The start of SQLite's `unixFile` (os_unix.c; unchanged since 3.7): the descriptor is its
/// fourth member.
typedef struct UnixFilePrefix {
    const sqlite3_io_methods *methods;
    sqlite3_vfs *vfs;
    void *inode;
    int h;
} UnixFilePrefix;

/// SQLite's own descriptor of a file the unix VFS opened, or -1 when it cannot be had safely.
///
/// Not a descriptor of our own: closing any descriptor of a file releases every POSIX lock the
/// process holds on it, including the SHARED lock each WAL-mode connection keeps on the database,
/// and another process could then take it for the last connection and delete the WAL in use
/// (SQLite's unix VFS defers such closes for this reason; a second descriptor would bypass that).
/// The field is read only from a VFS named unix*, and used only if it names the same inode as
/// `name`, so a different layout means no pacing, never a wrong file.
static int unixDescriptor(sqlite3_file *file, const char *name) {
    if (strncmp(realVFS->zName, "unix", 4) != 0 || realVFS->szOsFile < (int)sizeof(UnixFilePrefix)) return -1;
    int h = ((const UnixFilePrefix *)file)->h;
    struct stat opened, named;
    if (h < 0 || fstat(h, &opened) != 0 || stat(name, &named) != 0) return -1;
    return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino ? h : -1;
}
#endif

static int pacedOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    PacedFile *p = (PacedFile *)file;
    memset(p, 0, sizeof(PacedFile));
    p->fd = -1;
    p->real = (sqlite3_file *)&p[1];
    int rc = realVFS->xOpen(realVFS, name, p->real, flags, outFlags);
    if (p->real->pMethods == NULL) {
        p->base.pMethods = NULL;
        return rc;
    }
    int version = p->real->pMethods->iVersion;
    if (version < 0) version = 0;
    if (version > 3) version = 3;
    p->base.pMethods = &pacedMethods[version];
#ifdef __linux__
    if (rc == SQLITE_OK && chunkBytes > 0 && name != NULL && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) {
        p->fd = unixDescriptor(p->real, name);
    }
#endif
    return rc;
}

// The VFS itself delegates everything but xOpen.
static int pacedDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
    (void)vfs;
    return realVFS->xDelete(realVFS, name, syncDir);
}
static int pacedAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return realVFS->xAccess(realVFS, name, flags, out);
}
static int pacedFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return realVFS->xFullPathname(realVFS, name, size, out);
}
static void *pacedDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return realVFS->xDlOpen(realVFS, name);
}
static void pacedDlError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    realVFS->xDlError(realVFS, size, out);
}
static void (*pacedDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return realVFS->xDlSym(realVFS, handle, symbol);
}
static void pacedDlClose(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    realVFS->xDlClose(realVFS, handle);
}
static int pacedRandomness(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return realVFS->xRandomness(realVFS, size, out);
}
static int pacedSleep(sqlite3_vfs *vfs, int microseconds) {
    (void)vfs;
    return realVFS->xSleep(realVFS, microseconds);
}
static int pacedCurrentTime(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    return realVFS->xCurrentTime(realVFS, out);
}
static int pacedGetLastError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return realVFS->xGetLastError ? realVFS->xGetLastError(realVFS, size, out) : 0;
}
static int pacedCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return realVFS->xCurrentTimeInt64(realVFS, out);
}
static int pacedSetSystemCall(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr call) {
    (void)vfs;
    return realVFS->xSetSystemCall(realVFS, name, call);
}
static sqlite3_syscall_ptr pacedGetSystemCall(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return realVFS->xGetSystemCall(realVFS, name);
}
static const char *pacedNextSystemCall(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return realVFS->xNextSystemCall(realVFS, name);
}

static void install(void) {
    realVFS = sqlite3_vfs_find(NULL);
    if (realVFS == NULL) {
        installResult = SQLITE_ERROR;
        return;
    }
    chunkBytes = requestedChunk;
    memset(&pacedVFS, 0, sizeof pacedVFS);
    // Version 1 methods always; the later ones only when the wrapped VFS has them.
    pacedVFS.iVersion = realVFS->iVersion < 3 ? realVFS->iVersion : 3;
    pacedVFS.szOsFile = (int)sizeof(PacedFile) + realVFS->szOsFile;
    pacedVFS.mxPathname = realVFS->mxPathname;
    pacedVFS.zName = "kehu-write-behind";
    pacedVFS.xOpen = pacedOpen;
    pacedVFS.xDelete = pacedDelete;
    pacedVFS.xAccess = pacedAccess;
    pacedVFS.xFullPathname = pacedFullPathname;
    pacedVFS.xDlOpen = realVFS->xDlOpen ? pacedDlOpen : NULL;
    pacedVFS.xDlError = realVFS->xDlError ? pacedDlError : NULL;
    pacedVFS.xDlSym = realVFS->xDlSym ? pacedDlSym : NULL;
    pacedVFS.xDlClose = realVFS->xDlClose ? pacedDlClose : NULL;
    pacedVFS.xRandomness = pacedRandomness;
    pacedVFS.xSleep = pacedSleep;
    pacedVFS.xCurrentTime = pacedCurrentTime;
    pacedVFS.xGetLastError = pacedGetLastError;
    if (pacedVFS.iVersion >= 2) pacedVFS.xCurrentTimeInt64 = pacedCurrentTimeInt64;
    if (pacedVFS.iVersion >= 3) {
        pacedVFS.xSetSystemCall = pacedSetSystemCall;
        pacedVFS.xGetSystemCall = pacedGetSystemCall;
        pacedVFS.xNextSystemCall = pacedNextSystemCall;
    }
    installResult = sqlite3_vfs_register(&pacedVFS, 1);
}

int kehu_write_behind_install(int64_t chunk_bytes) {
    requestedChunk = chunk_bytes;
    pthread_once(&installOnce, install);
    return installResult;
}

const char *kehu_write_behind_default_vfs(void) {
    sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
    return vfs ? vfs->zName : "";
}

int64_t kehu_write_behind_chunks(void) { return atomic_load_explicit(&chunksStarted, memory_order_relaxed); }

int64_t kehu_write_behind_database_chunks(void) {
    return atomic_load_explicit(&databaseChunksStarted, memory_order_relaxed);
}
