// MpiBackend: zl::comm::Backend over MPI_COMM_WORLD (see mpi/backend.h).
#include "zl/comm/mpi/backend.h"

#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/comm/reduce_functions.h"

// Every MPI call result is checked; a failure names the call, file:line and MPI's message.
#define ZL_MPI_CHECK(expr)                                                                                  \
  do {                                                                                                      \
    const int zl_mpi_rc_ = (expr);                                                                          \
    if (zl_mpi_rc_ != MPI_SUCCESS) {                                                                        \
      char zl_mpi_msg_[MPI_MAX_ERROR_STRING];                                                               \
      int zl_mpi_len_ = 0;                                                                                  \
      MPI_Error_string(zl_mpi_rc_, zl_mpi_msg_, &zl_mpi_len_);                                              \
      throw ::zl::InfrastructureError(::zl::detail::source_location(__FILE__, __LINE__) + ": " #expr ": " + \
                                      std::string(zl_mpi_msg_, static_cast<std::size_t>(zl_mpi_len_)));     \
    }                                                                                                       \
  } while (0)

namespace zl::comm {
namespace {

template <DataType kType>
void sum_16bit_op(void* in, void* inout, int* len, MPI_Datatype*) {
  sum_into(inout, inout, in, static_cast<std::size_t>(*len), kType);
}

class MpiBackend final : public Backend {
 public:
  MpiBackend() {
    int initialized = 0;
    ZL_MPI_CHECK(MPI_Initialized(&initialized));
    if (!initialized) {
      int provided = 0;
      ZL_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided));
      owns_mpi_ = true;
      if (provided < MPI_THREAD_SERIALIZED) {
        throw InfrastructureError("mpi: the MPI library provides thread level " + std::to_string(provided) +
                                  ", zlaunch needs MPI_THREAD_SERIALIZED; use an MPI built with thread support");
      }
    }
    ZL_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
    ZL_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
    ZL_MPI_CHECK(MPI_Comm_size(comm_, &size_));
    ZL_MPI_CHECK(MPI_Op_create(&sum_16bit_op<DataType::kBf16>, 1, &bf16_sum_));
    ZL_MPI_CHECK(MPI_Op_create(&sum_16bit_op<DataType::kFp16>, 1, &fp16_sum_));
  }

  ~MpiBackend() override {
    MPI_Op_free(&bf16_sum_);
    MPI_Op_free(&fp16_sum_);
    MPI_Comm_free(&comm_);
    if (owns_mpi_) MPI_Finalize();
  }

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  [[nodiscard]] const char* name() const override { return "mpi"; }

  void all_reduce(void* data, std::size_t count, DataType type, ReduceOp op) override {
    if (count == 0) return;
    ZL_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data, to_int(count), mpi_type(type), sum_op(type), comm_));
    if (op == ReduceOp::kAvg) scale_in_place(data, count, type, 1.0f / static_cast<float>(size_));
  }

  void reduce_scatter(const void* in, void* out, std::size_t count, DataType type, ReduceOp op) override {
    if (count == 0) return;
    const std::size_t bytes = count * element_size(type);
    if (out == static_cast<const char*>(in) + static_cast<std::size_t>(rank_) * bytes) {
      // In place: MPI leaves the reduced block at the start of the buffer; move it to this rank's block.
      void* buffer = const_cast<void*>(in);
      ZL_MPI_CHECK(MPI_Reduce_scatter_block(MPI_IN_PLACE, buffer, to_int(count), mpi_type(type), sum_op(type), comm_));
      if (rank_ != 0) std::memmove(out, buffer, bytes);
    } else {
      ZL_MPI_CHECK(MPI_Reduce_scatter_block(in, out, to_int(count), mpi_type(type), sum_op(type), comm_));
    }
    if (op == ReduceOp::kAvg) scale_in_place(out, count, type, 1.0f / static_cast<float>(size_));
  }

  void all_gather(const void* in, void* out, std::size_t count, DataType type) override {
    if (count == 0) return;
    const std::size_t bytes = count * element_size(type);
    const bool in_place = in == static_cast<char*>(out) + static_cast<std::size_t>(rank_) * bytes;
    ZL_MPI_CHECK(MPI_Allgather(in_place ? MPI_IN_PLACE : in, to_int(count), mpi_type(type), out, to_int(count),
                               mpi_type(type), comm_));
  }

  void broadcast(void* data, std::size_t count, DataType type, int root) override {
    if (count == 0) return;
    ZL_MPI_CHECK(MPI_Bcast(data, to_int(count), mpi_type(type), root, comm_));
  }

  void barrier() override { ZL_MPI_CHECK(MPI_Barrier(comm_)); }

 private:
  static int to_int(std::size_t count) {
    if (count > static_cast<std::size_t>(INT32_MAX)) {
      throw UnavailableError("mpi: a single collective of " + std::to_string(count) +
                             " elements exceeds MPI's int count; lower reduce_bucket_size / allgather_bucket_size");
    }
    return static_cast<int>(count);
  }
  static MPI_Datatype mpi_type(DataType type) { return type == DataType::kFp32 ? MPI_FLOAT : MPI_UINT16_T; }
  MPI_Op sum_op(DataType type) const {
    switch (type) {
      case DataType::kFp32:
        return MPI_SUM;
      case DataType::kBf16:
        return bf16_sum_;
      case DataType::kFp16:
        return fp16_sum_;
    }
    return MPI_SUM;
  }

  bool owns_mpi_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  MPI_Op bf16_sum_ = MPI_OP_NULL;
  MPI_Op fp16_sum_ = MPI_OP_NULL;
};

}  // namespace

std::unique_ptr<Backend> make_mpi_backend() { return std::make_unique<MpiBackend>(); }

}  // namespace zl::comm
