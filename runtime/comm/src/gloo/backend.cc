// GlooBackend: zl::comm::Backend over a gloo::rendezvous::Context with the TCP transport.
#include "zl/comm/gloo/backend.h"

#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>

#include <cstring>
#include <vector>

#include "ring_reduce_scatter.h"
#include "zl/base/error.h"
#include "zl/comm/reduce_functions.h"

namespace zl::comm {
namespace {

class GlooBackend final : public Backend {
 public:
  GlooBackend(const GlooOptions& options, gloo::rendezvous::Store& store) : timeout_(options.timeout) {
    try {
      gloo::transport::tcp::attr attr(options.hostname.c_str());
      device_ = gloo::transport::tcp::CreateDevice(attr);
      auto context = std::make_shared<gloo::rendezvous::Context>(options.rank, options.size);
      context->setTimeout(options.timeout);
      context->connectFullMesh(store, device_);
      context_ = std::move(context);
    } catch (const std::exception& e) {
      throw InfrastructureError("gloo: rank " + std::to_string(options.rank) + " of " + std::to_string(options.size) +
                                " could not connect to its peers on " + options.hostname + ": " + e.what());
    }
  }

  [[nodiscard]] int rank() const override { return context_->rank; }
  [[nodiscard]] int size() const override { return context_->size; }
  [[nodiscard]] const char* name() const override { return "gloo"; }

  void all_reduce(void* data, std::size_t count, DataType type, ReduceOp op) override {
    if (count == 0) return;
    if (size() > 1) {
      gloo::AllreduceOptions opts(context_);
      set_output(opts, data, count, type);
      opts.setReduceFunction(
          [type](void* out, const void* a, const void* b, std::size_t n) { sum_into(out, a, b, n, type); });
      opts.setTag(next_tag());
      opts.setTimeout(timeout_);
      gloo::allreduce(opts);
    }
    if (op == ReduceOp::kAvg) scale_in_place(data, count, type, 1.0f / static_cast<float>(size()));
  }

  void reduce_scatter(const void* in, void* out, std::size_t count, DataType type, ReduceOp op) override {
    if (count == 0) return;
    ring_reduce_scatter(*context_, in, out, count, type, timeout_);
    if (op == ReduceOp::kAvg) scale_in_place(out, count, type, 1.0f / static_cast<float>(size()));
  }

  void all_gather(const void* in, void* out, std::size_t count, DataType type) override {
    if (count == 0) return;
    const std::size_t bytes = count * element_size(type);
    if (size() == 1) {
      if (in != out) std::memmove(out, in, bytes);
      return;
    }
    gloo::AllgatherOptions opts(context_);
    // Gloo copies the input into the output's own block first; an input that already is that block
    // (in-place gather) must not be passed as a separate input.
    auto* out_bytes = static_cast<char*>(out);
    if (in != out_bytes + static_cast<std::size_t>(rank()) * bytes) {
      opts.setInput(const_cast<char*>(static_cast<const char*>(in)), bytes);
    }
    opts.setOutput(out_bytes, bytes * static_cast<std::size_t>(size()));
    opts.setTag(next_tag());
    opts.setTimeout(timeout_);
    gloo::allgather(opts);
  }

  void broadcast(void* data, std::size_t count, DataType type, int root) override {
    if (count == 0 || size() == 1) return;
    gloo::BroadcastOptions opts(context_);
    opts.setOutput(static_cast<char*>(data), count * element_size(type));
    opts.setRoot(root);
    opts.setTag(next_tag());
    opts.setTimeout(timeout_);
    gloo::broadcast(opts);
  }

  void barrier() override {
    if (size() == 1) return;
    gloo::BarrierOptions opts(context_);
    opts.setTag(next_tag());
    opts.setTimeout(timeout_);
    gloo::barrier(opts);
  }

 private:
  static void set_output(gloo::AllreduceOptions& opts, void* data, std::size_t count, DataType type) {
    if (type == DataType::kFp32) {
      opts.setOutput(static_cast<float*>(data), count);
    } else {
      opts.setOutput(static_cast<std::uint16_t*>(data), count);
    }
  }

  std::uint32_t next_tag() { return tag_++; }

  std::chrono::milliseconds timeout_;
  std::shared_ptr<gloo::transport::Device> device_;
  std::shared_ptr<gloo::Context> context_;
  std::uint32_t tag_ = 0;  // same sequence on every rank: collectives are issued in the same order
};

}  // namespace

std::unique_ptr<Backend> make_gloo_backend(const GlooOptions& options, gloo::rendezvous::Store& store) {
  return std::make_unique<GlooBackend>(options, store);
}

}  // namespace zl::comm
