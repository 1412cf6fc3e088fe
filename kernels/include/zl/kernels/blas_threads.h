// The number of threads OpenBLAS may use in this process. One rank's share of the cores: the runtime
// sets it from OMP_NUM_THREADS (which the launcher sets to cores / local ranks), 1 by default.
#pragma once

namespace zl::kernels {

void set_blas_threads(int threads);
int blas_threads();

}  // namespace zl::kernels
