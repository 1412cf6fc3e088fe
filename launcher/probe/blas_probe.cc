// zlaunch-blas-probe: prints the kernels ("core") OpenBLAS chose in this process, which links OpenBLAS
// (through zlaunch::kernels) the way the ranks do, then the OPENBLAS_CORETYPE the advice gives for this
// machine and environment (zl/kernels/blas_core.h), "" when OpenBLAS's choice stands: two lines and
// exit 0, nothing else. The launcher runs it (launcher/src/blas_advice.cc) so that it never loads
// OpenBLAS itself; it is built and installed next to zlaunch.
#include <iostream>

#include "zl/kernels/blas_core.h"

int main() {
  std::cout << zl::kernels::blas_core_name() << '\n' << zl::kernels::better_blas_coretype_here() << '\n';
  return 0;
}
