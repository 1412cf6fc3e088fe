// A floor under the stack size that libraries ask for their threads, for the Prometheus exposer.
//
// Why: Debian's civetweb (under prometheus-cpp's Exposer) creates its threads with a fixed 100 KiB stack
// (built with USE_STACK_SIZE=102400), and glibc carves every thread's static TLS out of that stack. The
// libraries a rank links bring their own static TLS: OpenBLAS 60 KiB, NCCL 12 KiB, cudart 4 KiB,
// cuBLASLt 92 KiB. With OpenBLAS + NCCL the exposer's worker threads are left ~20 KiB and crash with
// SIGSEGV on the first scrape; with cuBLAS too, pthread_create fails and the Exposer throws "null context
// when constructing CivetServer". Neither library can be told otherwise, so this definition of
// pthread_attr_setstacksize — exported from every executable that links zlaunch::metrics
// (metrics/CMakeLists.txt), hence the one the dynamic linker binds civetweb's call to — raises any
// request below kThreadStackFloor to it and passes the rest through to glibc unchanged.
#include <dlfcn.h>
#include <pthread.h>

#include <cstddef>

namespace zl::metrics::detail {

// Enough for the largest static TLS measured above (~180 KiB) plus civetweb's own 100 KiB.
constexpr std::size_t kThreadStackFloor = std::size_t{1} << 20;

std::size_t thread_stack_floor() { return kThreadStackFloor; }

}  // namespace zl::metrics::detail

extern "C" int pthread_attr_setstacksize(pthread_attr_t* attr, std::size_t size) {
  using Real = int (*)(pthread_attr_t*, std::size_t);
  static const auto real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "pthread_attr_setstacksize"));
  const std::size_t floor = zl::metrics::detail::thread_stack_floor();
  return real(attr, size < floor ? floor : size);
}
