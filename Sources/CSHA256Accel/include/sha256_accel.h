// Hardware SHA-256 block compression (x86 SHA extensions) for ArbiterCore's FastSHA256.
#ifndef ARBITER_SHA256_ACCEL_H
#define ARBITER_SHA256_ACCEL_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (and SSSE3/SSE4.1) and this build can use them.
int arbiter_sha256_accel_available(void);

/// Compresses `blocks` 64-byte blocks at `data` into `state` (a..h, host order).
/// Only call when arbiter_sha256_accel_available() returned 1.
void arbiter_sha256_accel_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
