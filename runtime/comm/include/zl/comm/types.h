// Element types, reduction operations and collective names shared by every communicator backend, and
// the nccl-tests conventions for sizing a collective (its "payload") and turning time into bus
// bandwidth (doc/PERFORMANCE.md of nccl-tests), defined once here.
#pragma once

#include <cstddef>
#include <string>

namespace zl::comm {

enum class DataType { kFp32, kBf16, kFp16 };
enum class ReduceOp { kSum, kAvg };
enum class Collective { kAllReduce, kReduceScatter, kAllGather, kBroadcast, kBarrier };
inline constexpr int kCollectiveCount = 5;

std::size_t element_size(DataType type);
const char* to_string(DataType type);
const char* to_string(Collective collective);  // NCCL names: all_reduce, reduce_scatter, ...
DataType data_type_from_string(const std::string& name, const std::string& what);  // fp32|bf16|fp16

// The payload of one call as nccl-tests sizes it: the full buffer, i.e. count*size for all_reduce and
// broadcast, and the large side (per-rank count * world size) for reduce_scatter and all_gather.
std::size_t payload_bytes(Collective collective, std::size_t count, DataType type, int world_size);

// nccl-tests' bus-bandwidth factor: busbw = algbw * factor. all_reduce 2(n-1)/n, reduce_scatter and
// all_gather (n-1)/n, broadcast 1, barrier 0. Bytes each rank puts on the wire = payload * factor.
double bus_bandwidth_factor(Collective collective, int world_size);

}  // namespace zl::comm
