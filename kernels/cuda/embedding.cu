// CUDA twin of kernels/cpu/embedding.cc. Forward: a gather plus add per element (identical bits).
// Backward without atomics, in the CPU's order, so both twins produce the same bits: dwpe by one thread
// per (t, c) adding over b; dwte by one thread per channel c walking all (b, t) in order (a token may
// repeat: this is the serial dependency, so dwte's parallelism is C threads, fine for GPT-2's C = 768
// at these batch sizes; a bucketed version would be the next step if it ever shows in a profile).
#include "elementwise.cuh"
#include "zl/kernels/embedding.h"

namespace zl::kernels::cuda {
namespace {

constexpr unsigned int kColumnThreads = 64;  // small blocks spread the per-channel loops over more SMs

struct EmbeddingForward {
  float* out;
  const std::int32_t* tokens;
  const float* wte;
  const float* wpe;
  int T;
  int C;
  __device__ void scalar(std::size_t i) const {
    const std::size_t bt = i / static_cast<std::size_t>(C);
    const std::size_t c = i - bt * C;
    const std::size_t t = bt % static_cast<std::size_t>(T);
    out[i] = wte[static_cast<std::size_t>(tokens[bt]) * C + c] + wpe[t * C + c];
  }
  __device__ void vec4(std::size_t i) const {  // C % 4 == 0: the four stay in one row
    const std::size_t bt = i / static_cast<std::size_t>(C);
    const std::size_t c = i - bt * C;
    const std::size_t t = bt % static_cast<std::size_t>(T);
    const float4 w = load4(wte + static_cast<std::size_t>(tokens[bt]) * C + c);
    const float4 p = load4(wpe + t * C + c);
    store4(out + i, make_float4(w.x + p.x, w.y + p.y, w.z + p.z, w.w + p.w));
  }
};

__global__ void embedding_dwpe_kernel(float* dwpe, const float* dout, int B, int T, int C) {
  const std::size_t TC = static_cast<std::size_t>(T) * C;
  for (std::size_t tc = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; tc < TC;
       tc += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    float acc = dwpe[tc];
    for (int b = 0; b < B; ++b) acc += dout[b * TC + tc];
    dwpe[tc] = acc;
  }
}

__global__ void embedding_dwte_kernel(float* dwte, const float* dout, const std::int32_t* tokens, int BT, int C) {
  const int c = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (c >= C) return;
  for (int bt = 0; bt < BT; ++bt) {
    dwte[static_cast<std::size_t>(tokens[bt]) * C + c] += dout[static_cast<std::size_t>(bt) * C + c];
  }
}

}  // namespace

void embedding_forward(float* out, const std::int32_t* tokens, const float* wte, const float* wpe, int B, int T,
                       int C) {
  const std::size_t n = static_cast<std::size_t>(B) * T * C;
  launch_elementwise(EmbeddingForward{out, tokens, wte, wpe, T, C}, n, C % 4 == 0 && all_aligned16(out, wte, wpe));
}

void embedding_backward(float* dwte, float* dwpe, const float* dout, const std::int32_t* tokens, int B, int T, int C) {
  if (B == 0 || T == 0 || C == 0) return;
  const cudaStream_t stream = current_cuda_stream();
  const std::size_t TC = static_cast<std::size_t>(T) * C;
  embedding_dwpe_kernel<<<blocks_for(TC, kColumnThreads), kColumnThreads, 0, stream>>>(dwpe, dout, B, T, C);
  ZL_CUDA_CHECK_LAUNCH();
  embedding_dwte_kernel<<<(static_cast<unsigned int>(C) + kColumnThreads - 1) / kColumnThreads, kColumnThreads, 0,
                          stream>>>(dwte, dout, tokens, B * T, C);
  ZL_CUDA_CHECK_LAUNCH();
}

}  // namespace zl::kernels::cuda
