// Test helper for configtool tests: write a file into a directory and return its path.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace zl::config::testing_files {

inline std::string write_file(const std::string& directory, const std::string& name, const std::string& text) {
  const std::filesystem::path path = std::filesystem::path(directory) / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace zl::config::testing_files
