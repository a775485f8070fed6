#ifndef CKEHU_PREFETCH_H
#define CKEHU_PREFETCH_H

/// Asks the CPU to bring the cache line holding `address` closer (a read, kept in all levels).
/// Kernels that visit scattered consumers' rows issue it for the consumers a few steps ahead,
/// so the memory loads overlap instead of each one stalling in turn. A hint only: it never
/// faults, and on targets without a prefetch instruction it does nothing.
static inline __attribute__((always_inline)) void kehu_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// The same hint for a line about to be written (the duplicate check's table slots).
static inline __attribute__((always_inline)) void kehu_prefetch_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
