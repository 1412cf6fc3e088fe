// parse_stream_selection (stream_selection.h).
#include "zl/launcher/stream_selection.h"

#include <regex>

#include "zl/base/error.h"

namespace zl::launcher {

bool StreamSelection::selects(int local_rank, bool is_stderr) const {
  int streams = every;
  if (is_mapping) {
    const auto it = by_local_rank.find(local_rank);
    streams = it == by_local_rank.end() ? 0 : it->second;
  }
  return (streams & (is_stderr ? 2 : 1)) != 0;
}

StreamSelection parse_stream_selection(const std::string& text, const std::string& flag) {
  // torch's _VALUE_REGEX and _MAPPING_REGEX.
  static const std::regex value(R"([0-3])");
  static const std::regex mapping(R"(^([0-9]+:[0-3],)*[0-9]+:[0-3]$)");
  StreamSelection selection;
  if (std::regex_match(text, value)) {
    selection.every = text[0] - '0';
    return selection;
  }
  if (!std::regex_match(text, mapping)) {
    throw UsageError(flag + " '" + text +
                     "': give 0 (no stream), 1 (stdout), 2 (stderr) or 3 (both) for every local rank, or a mapping "
                     "LOCAL_RANK:N,... such as 0:3,1:1, as torchrun reads it");
  }
  selection.is_mapping = true;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto colon = item.find(':');
    try {
      selection.by_local_rank[std::stoi(item.substr(0, colon))] = item[colon + 1] - '0';
    } catch (const std::out_of_range&) {
      throw UsageError(flag + " '" + text + "': local rank '" + item.substr(0, colon) + "' is out of range");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return selection;
}

}  // namespace zl::launcher
