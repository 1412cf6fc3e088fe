// ProgressReporter (progress_reporter.h).
#include "zl/launcher/progress_reporter.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "zl/launcher/rank_identity.h"
#include "zl/launcher/store_client.h"

namespace zl::launcher {

std::string progress_key(int attempt, int rank) { return attempt_prefix(attempt) + "progress/" + std::to_string(rank); }

ProgressReporter::ProgressReporter() {
  const char* store = std::getenv("ZLAUNCH_STORE");
  const char* token = std::getenv("ZLAUNCH_STORE_TOKEN");
  if (store == nullptr || token == nullptr) return;
  try {
    const int rank = rank_identity_from_env().rank;
    const char* attempt = std::getenv("ZLAUNCH_ATTEMPT");
    key_ = progress_key(attempt != nullptr ? std::atoi(attempt) : 0, rank);
    StoreClient::Options options;
    options.connect_timeout = std::chrono::seconds(10);
    options.io_timeout = std::chrono::seconds(10);
    client_ = std::make_unique<StoreClient>(StoreAddress::parse(store), token, options);
  } catch (const std::exception&) {
    client_.reset();
  }
}

ProgressReporter::~ProgressReporter() = default;

void ProgressReporter::report(std::int64_t step, std::string_view collective) {
  if (!client_) return;
  const nlohmann::json value = {{"step", step}, {"collective", std::string(collective)}, {"seq", ++seq_}};
  try {
    client_->set(key_, value.dump());
  } catch (const std::exception&) {
    client_.reset();
  }
}

}  // namespace zl::launcher
