// Constructors of the four stage implementations behind make_zero_storage (zero_storage.h), one file
// each. Internal to the engine.
#pragma once

#include <memory>

#include "zl/engine/zero_storage.h"

namespace zl::engine {

std::unique_ptr<ZeroStorage> make_stage0_storage(const Partition&, comm::Communicator&, const ZeroOptions&,
                                                 runtime::Allocator&);
std::unique_ptr<ZeroStorage> make_stage1_storage(const Partition&, comm::Communicator&, const ZeroOptions&,
                                                 runtime::Allocator&);
std::unique_ptr<ZeroStorage> make_stage2_storage(const Partition&, comm::Communicator&, const ZeroOptions&,
                                                 runtime::Allocator&);
std::unique_ptr<ZeroStorage> make_stage3_storage(const Partition&, comm::Communicator&, const ZeroOptions&,
                                                 runtime::Allocator&);

}  // namespace zl::engine
