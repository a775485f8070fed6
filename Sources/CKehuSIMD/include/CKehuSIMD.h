#ifndef CKEHU_SIMD_H
#define CKEHU_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Where commas and line feeds are among 64 bytes: bit i is set when byte i is one.
typedef struct {
    uint64_t commas;
    uint64_t lineFeeds;
} KehuCSVMasks;

/// The comma and line-feed masks of the 64 bytes at `p` (all 64 must be readable). SSE2 on
/// x86-64 (part of its baseline: four 16-byte compares per character); a byte loop elsewhere.
static inline __attribute__((always_inline)) KehuCSVMasks kehu_csv_masks64(const void *p) {
    KehuCSVMasks masks = {0, 0};
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i lineFeed = _mm_set1_epi8('\n');
    const unsigned char *bytes = (const unsigned char *)p;
    for (int i = 0; i < 4; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * i));
        masks.commas |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << (16 * i);
        masks.lineFeeds |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lineFeed)) << (16 * i);
    }
#else
    const unsigned char *bytes = (const unsigned char *)p;
    for (int i = 0; i < 64; i++) {
        masks.commas |= (uint64_t)(bytes[i] == ',') << i;
        masks.lineFeeds |= (uint64_t)(bytes[i] == '\n') << i;
    }
#endif
    return masks;
}

#endif
