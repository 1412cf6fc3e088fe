// ZL_HOST_DEVICE marks math that must agree bit for bit between the CPU and CUDA kernels: it is
// compiled for both by nvcc and as plain inline C++ by the host compiler, so the CPU tests exercise
// the very code the GPU runs.
#pragma once

#if defined(__CUDACC__)
#define ZL_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define ZL_HOST_DEVICE inline
#endif
