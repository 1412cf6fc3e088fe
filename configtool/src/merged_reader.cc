// Places and number formatting for MergedReader's messages.
#include "zl/config/merged_reader.h"

#include <sstream>

namespace zl::config {

std::string place(const std::string& key, const SourcedValue& v) {
  if (v.source.rfind("file ", 0) == 0) return v.source.substr(5) + ": " + key;
  return v.source + " (" + key + ")";
}

std::string format_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace zl::config
