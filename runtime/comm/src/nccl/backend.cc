// NcclBackend: zl::comm::Backend over an NCCL communicator on a dedicated CUDA stream (nccl/backend.h).
#include "zl/comm/nccl/backend.h"

#include <cuda_runtime.h>
#include <gloo/rendezvous/store.h>
#include <nccl.h>

#include <cstring>
#include <string>
#include <vector>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"
#include "zl/kernels/cuda_stream.h"

#define ZL_NCCL_CHECK(expr)                                                                                 \
  do {                                                                                                      \
    const ncclResult_t zl_nccl_rc_ = (expr);                                                                \
    if (zl_nccl_rc_ != ncclSuccess) {                                                                       \
      throw ::zl::InfrastructureError(::zl::detail::source_location(__FILE__, __LINE__) + ": " #expr ": " + \
                                      ncclGetErrorString(zl_nccl_rc_));                                     \
    }                                                                                                       \
  } while (0)

#define ZL_CUDA_RT_CHECK(expr)                                                                              \
  do {                                                                                                      \
    const cudaError_t zl_cuda_rc_ = (expr);                                                                 \
    if (zl_cuda_rc_ != cudaSuccess) {                                                                       \
      throw ::zl::InfrastructureError(::zl::detail::source_location(__FILE__, __LINE__) + ": " #expr ": " + \
                                      cudaGetErrorString(zl_cuda_rc_));                                     \
    }                                                                                                       \
  } while (0)

namespace zl::comm {
namespace {

ncclDataType_t nccl_type(DataType type) {
  switch (type) {
    case DataType::kFp32:
      return ncclFloat32;
    case DataType::kBf16:
      return ncclBfloat16;
    case DataType::kFp16:
      return ncclFloat16;
  }
  return ncclFloat32;
}

ncclRedOp_t nccl_op(ReduceOp op) { return op == ReduceOp::kAvg ? ncclAvg : ncclSum; }

class NcclBackend final : public Backend {
 public:
  NcclBackend(const NcclOptions& options, gloo::rendezvous::Store& store)
      : rank_(options.rank), size_(options.size), device_(options.device) {
    device::use_cuda_device(device_);
    const std::string key = options.key_prefix + "/unique_id";
    ncclUniqueId id;
    if (rank_ == 0) {
      ZL_NCCL_CHECK(ncclGetUniqueId(&id));
      store.set(key, std::vector<char>(id.internal, id.internal + sizeof(id.internal)));
    } else {
      store.wait({key}, options.timeout);
      const std::vector<char> bytes = store.get(key);
      if (bytes.size() != sizeof(id.internal)) {
        throw InfrastructureError("nccl: the unique id in the store under '" + key + "' has " +
                                  std::to_string(bytes.size()) + " bytes, expected " +
                                  std::to_string(sizeof(id.internal)));
      }
      std::memcpy(id.internal, bytes.data(), bytes.size());
    }
    ZL_NCCL_CHECK(ncclCommInitRank(&comm_, size_, id, rank_));
    ZL_CUDA_RT_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    ZL_CUDA_RT_CHECK(cudaEventCreate(&started_));
    ZL_CUDA_RT_CHECK(cudaEventCreate(&finished_));
  }

  ~NcclBackend() override {
    if (scratch_ != nullptr) cudaFree(scratch_);
    if (started_ != nullptr) cudaEventDestroy(started_);
    if (finished_ != nullptr) cudaEventDestroy(finished_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
    if (comm_ != nullptr) ncclCommDestroy(comm_);
  }

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  [[nodiscard]] const char* name() const override { return "nccl"; }

  // An event recorded on the submitting thread's current stream (its compute stream), now.
  std::shared_ptr<void> submission_fence() override {
    cudaEvent_t event = nullptr;
    ZL_CUDA_RT_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    std::shared_ptr<void> fence(event, [](void* e) { cudaEventDestroy(static_cast<cudaEvent_t>(e)); });
    ZL_CUDA_RT_CHECK(cudaEventRecord(event, static_cast<cudaStream_t>(kernels::cuda::current_stream())));
    return fence;
  }

  // On the communication thread: its current device is this rank's (per-thread state), and the
  // communication stream waits for the fence on the device, not on the host. The collective's clock
  // starts when the stream has passed the fence.
  void wait_for(const std::shared_ptr<void>& fence) override {
    ZL_CUDA_RT_CHECK(cudaSetDevice(device_));
    if (fence != nullptr) ZL_CUDA_RT_CHECK(cudaStreamWaitEvent(stream_, static_cast<cudaEvent_t>(fence.get()), 0));
    ZL_CUDA_RT_CHECK(cudaEventRecord(started_, stream_));
    timed_ = true;
  }

  [[nodiscard]] double last_device_seconds() const override { return last_seconds_; }

  void all_reduce(void* data, std::size_t count, DataType type, ReduceOp op) override {
    const std::size_t bytes = count * element_size(type);
    if (on_host(data)) {
      void* staged = scratch(bytes);
      upload(staged, data, bytes);
      ZL_NCCL_CHECK(ncclAllReduce(staged, staged, count, nccl_type(type), nccl_op(op), comm_, stream_));
      download(data, staged, bytes);
    } else {
      ZL_NCCL_CHECK(ncclAllReduce(data, data, count, nccl_type(type), nccl_op(op), comm_, stream_));
    }
    complete();
  }

  void reduce_scatter(const void* in, void* out, std::size_t count, DataType type, ReduceOp op) override {
    const std::size_t bytes = count * element_size(type);
    if (on_host(in)) {
      char* staged = static_cast<char*>(scratch(bytes * static_cast<std::size_t>(size_ + 1)));
      char* staged_out = staged + bytes * static_cast<std::size_t>(size_);
      upload(staged, in, bytes * static_cast<std::size_t>(size_));
      ZL_NCCL_CHECK(ncclReduceScatter(staged, staged_out, count, nccl_type(type), nccl_op(op), comm_, stream_));
      download(out, staged_out, bytes);
    } else {
      ZL_NCCL_CHECK(ncclReduceScatter(in, out, count, nccl_type(type), nccl_op(op), comm_, stream_));
    }
    complete();
  }

  void all_gather(const void* in, void* out, std::size_t count, DataType type) override {
    const std::size_t bytes = count * element_size(type);
    if (on_host(in)) {
      char* staged = static_cast<char*>(scratch(bytes * static_cast<std::size_t>(size_)));
      char* mine = staged + bytes * static_cast<std::size_t>(rank_);
      upload(mine, in, bytes);
      ZL_NCCL_CHECK(ncclAllGather(mine, staged, count, nccl_type(type), comm_, stream_));
      download(out, staged, bytes * static_cast<std::size_t>(size_));
    } else {
      ZL_NCCL_CHECK(ncclAllGather(in, out, count, nccl_type(type), comm_, stream_));
    }
    complete();
  }

  void broadcast(void* data, std::size_t count, DataType type, int root) override {
    const std::size_t bytes = count * element_size(type);
    if (on_host(data)) {
      void* staged = scratch(bytes);
      upload(staged, data, bytes);
      ZL_NCCL_CHECK(ncclBroadcast(staged, staged, count, nccl_type(type), root, comm_, stream_));
      download(data, staged, bytes);
    } else {
      ZL_NCCL_CHECK(ncclBroadcast(data, data, count, nccl_type(type), root, comm_, stream_));
    }
    complete();
  }

  void barrier() override {
    // NCCL has no barrier: an all-reduce of one element is the conventional substitute.
    float* one = static_cast<float*>(scratch(sizeof(float)));
    ZL_NCCL_CHECK(ncclAllReduce(one, one, 1, ncclFloat32, ncclSum, comm_, stream_));
    complete();
  }

 private:
  // Waits for the communication stream (never the whole device) and reads the collective's device time.
  void complete() {
    if (timed_) ZL_CUDA_RT_CHECK(cudaEventRecord(finished_, stream_));
    ZL_CUDA_RT_CHECK(cudaStreamSynchronize(stream_));
    last_seconds_ = -1.0;
    if (timed_) {
      float milliseconds = 0.0f;
      ZL_CUDA_RT_CHECK(cudaEventElapsedTime(&milliseconds, started_, finished_));
      last_seconds_ = static_cast<double>(milliseconds) / 1e3;
      timed_ = false;
    }
  }

  // Host buffers (pageable or pinned) cannot be handed to NCCL; they are staged through scratch_.
  static bool on_host(const void* p) {
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
      (void)cudaGetLastError();  // an unknown pointer is host memory; clear the error
      return true;
    }
    return attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged;
  }
  // At least `bytes` of device memory owned by the backend (grown, never shrunk).
  void* scratch(std::size_t bytes) {
    if (bytes > scratch_bytes_) {
      if (scratch_ != nullptr) ZL_CUDA_RT_CHECK(cudaFree(scratch_));
      scratch_ = nullptr;
      ZL_CUDA_RT_CHECK(cudaMalloc(&scratch_, bytes));
      scratch_bytes_ = bytes;
    }
    return scratch_;
  }
  void upload(void* device_dst, const void* host_src, std::size_t bytes) {
    ZL_CUDA_RT_CHECK(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, stream_));
  }
  void download(void* host_dst, const void* device_src, std::size_t bytes) {
    ZL_CUDA_RT_CHECK(cudaMemcpyAsync(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, stream_));
  }

  int rank_;
  int size_;
  int device_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  void* scratch_ = nullptr;
  std::size_t scratch_bytes_ = 0;
  cudaEvent_t started_ = nullptr;   // recorded after the fence (wait_for) ...
  cudaEvent_t finished_ = nullptr;  // ... and after the collective (complete)
  bool timed_ = false;
  double last_seconds_ = -1.0;
};

}  // namespace

std::unique_ptr<Backend> make_nccl_backend(const NcclOptions& options, gloo::rendezvous::Store& store) {
  return std::make_unique<NcclBackend>(options, store);
}

}  // namespace zl::comm
