// ZL_SIMD_CLONES: compiles a hot element-wise CPU kernel for AVX-512, AVX2 and the baseline x86-64 ISA
// and picks the best at load time (GCC/Clang target_clones), so one portable binary still uses the wide
// vector units. The clones compute the same bits: the compiler does not reassociate (no -ffast-math)
// and does not contract a*b+c into an FMA (zl_kernels builds with -ffp-contract=off; the AVX-512 clone
// would otherwise, as avx512f implies FMA). On non-x86 targets the macro is empty.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__CUDACC__)
#define ZL_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ZL_SIMD_CLONES
#endif
