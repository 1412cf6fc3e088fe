// ProgressReporter (progress_reporter.h).
#include "zl/rank/progress_reporter.h"

#include <nlohmann/json.hpp>

#include "zl/store/store_client.h"
#include "zl/store/store_keys.h"

namespace zl::rank {

ProgressReporter::ProgressReporter(const RankContext& context, std::chrono::milliseconds heartbeat_period)
    : heartbeat_period_(heartbeat_period) {
  if (!context.has_store()) return;
  try {
    key_ = store::progress_key(context.attempt, context.identity.rank);
    store::StoreClient::Options options;
    options.connect_timeout = std::chrono::seconds(10);
    options.io_timeout = std::chrono::seconds(10);
    client_ =
        std::make_unique<store::StoreClient>(store::StoreAddress::parse(context.store), context.store_token, options);
  } catch (const std::exception&) {
    client_.reset();
  }
}

ProgressReporter::~ProgressReporter() = default;

void ProgressReporter::report(std::int64_t step, std::string_view collective) {
  if (!client_) return;
  const auto now = std::chrono::steady_clock::now();
  if (seq_ == 0 || step != state_step_ || collective != state_collective_) {
    state_step_ = step;
    state_collective_ = std::string(collective);
    state_since_ = now;
  }
  const auto state_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - state_since_).count();
  nlohmann::json value = {
      {"step", step}, {"collective", std::string(collective)}, {"seq", ++seq_}, {"state_ms", state_ms}};
  if (heartbeat_period_.count() > 0) value["heartbeat_ms"] = heartbeat_period_.count();
  try {
    client_->set(key_, value.dump());
  } catch (const std::exception&) {
    client_.reset();
  }
}

}  // namespace zl::rank
