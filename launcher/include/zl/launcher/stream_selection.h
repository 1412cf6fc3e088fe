// torchrun's per-rank stream selections, the values of --tee and --redirects (also accelerate
// launch's --tee): "0".."3" (none, stdout, stderr, both) for every local rank, or a mapping
// "LOCAL_RANK:N,..." where unlisted local ranks select none (torch/distributed/elastic/multiprocessing/
// api.py, Std.from_str and to_map).
//
// In zlaunch every stream is written to its rank file (the failure report reads them) and mirrored on
// the console; --redirects takes the selected streams off the console, as torchrun's redirect does.
// --tee only says what zlaunch does anyway (file and console), so it is checked and changes nothing.
#pragma once

#include <map>
#include <string>

namespace zl::launcher {

struct StreamSelection {
  int every = 0;                     // bit 1 stdout, bit 2 stderr
  std::map<int, int> by_local_rank;  // a mapping was given: these local ranks, the rest none
  bool is_mapping = false;

  [[nodiscard]] bool selects(int local_rank, bool is_stderr) const;
};

// Throws UsageError naming `flag` and the accepted forms on anything else.
StreamSelection parse_stream_selection(const std::string& text, const std::string& flag);

}  // namespace zl::launcher
