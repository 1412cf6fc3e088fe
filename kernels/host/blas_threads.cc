// blas_threads: OpenBLAS's thread count for this process (zl/kernels/blas_threads.h). Host-side
// configuration, not an op: it lives in kernels/host/ so that every kernels/cpu/*.cc is an op with a
// kernels/cuda/*.cu twin (checked by tests/kernels/kernels_twins_test.cc).
#include "zl/kernels/blas_threads.h"

#include <cblas.h>

namespace zl::kernels {

void set_blas_threads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }

int blas_threads() { return openblas_get_num_threads(); }

}  // namespace zl::kernels
