// Which compute kernels ("core") OpenBLAS runs in this process, and a better choice when it guessed
// wrong. OpenBLAS picks its core from CPUID when the library loads. On virtual machines whose CPUID hides
// the CPU model (Firecracker reports "Intel(R) Xeon(R) Processor"), OpenBLAS 0.3.21 falls back to its
// Prescott (SSE3) kernels on CPUs with AVX-512, and sgemm-bound training runs 3-4x slower
// (BENCHMARKS.md). OPENBLAS_CORETYPE, read only at load time, overrides the guess; so the advice must be
// applied before a process starts, which is what the launcher does for its ranks.
#pragma once

#include <string>
#include <string_view>

#include "zl/base/system_info.h"

namespace zl::kernels {

// openblas_get_corename() of this process, e.g. "Cooperlake" or "Prescott".
std::string blas_core_name();

// The OPENBLAS_CORETYPE that uses the CPU's vectors ("SkylakeX" with AVX-512, "Haswell" with AVX2),
// or "" when no change is needed: the chosen core already uses AVX2 or wider, the CPU has neither, or
// the user set OPENBLAS_CORETYPE (user_setting non-null and non-empty), whose choice always stands.
std::string better_blas_coretype(std::string_view chosen_core, SimdLevel cpu, const char* user_setting);

// better_blas_coretype() for this process and machine.
std::string better_blas_coretype_here();

}  // namespace zl::kernels
