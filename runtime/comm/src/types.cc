// Sizes, names and nccl-tests factors for zl::comm types (see types.h).
#include "zl/comm/types.h"

#include "zl/base/error.h"

namespace zl::comm {

std::size_t element_size(DataType type) { return type == DataType::kFp32 ? 4 : 2; }

const char* to_string(DataType type) {
  switch (type) {
    case DataType::kFp32:
      return "fp32";
    case DataType::kBf16:
      return "bf16";
    case DataType::kFp16:
      return "fp16";
  }
  return "?";
}

const char* to_string(Collective collective) {
  switch (collective) {
    case Collective::kAllReduce:
      return "all_reduce";
    case Collective::kReduceScatter:
      return "reduce_scatter";
    case Collective::kAllGather:
      return "all_gather";
    case Collective::kBroadcast:
      return "broadcast";
    case Collective::kBarrier:
      return "barrier";
  }
  return "?";
}

DataType data_type_from_string(const std::string& name, const std::string& what) {
  if (name == "fp32" || name == "float32" || name == "float") return DataType::kFp32;
  if (name == "bf16" || name == "bfloat16") return DataType::kBf16;
  if (name == "fp16" || name == "float16" || name == "half") return DataType::kFp16;
  throw ConfigError(what + " '" + name + "': expected fp32, bf16 or fp16");
}

std::size_t payload_bytes(Collective collective, std::size_t count, DataType type, int world_size) {
  const std::size_t bytes = count * element_size(type);
  switch (collective) {
    case Collective::kReduceScatter:
    case Collective::kAllGather:
      return bytes * static_cast<std::size_t>(world_size);
    case Collective::kAllReduce:
    case Collective::kBroadcast:
      return bytes;
    case Collective::kBarrier:
      return 0;
  }
  return 0;
}

double bus_bandwidth_factor(Collective collective, int world_size) {
  const double n = world_size;
  switch (collective) {
    case Collective::kAllReduce:
      return 2.0 * (n - 1.0) / n;
    case Collective::kReduceScatter:
    case Collective::kAllGather:
      return (n - 1.0) / n;
    case Collective::kBroadcast:
      return 1.0;
    case Collective::kBarrier:
      return 0.0;
  }
  return 0.0;
}

}  // namespace zl::comm
