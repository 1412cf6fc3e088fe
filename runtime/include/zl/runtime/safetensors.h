// safetensors files (Hugging Face): an 8-byte little-endian header length, a JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the raw
// little-endian tensor bytes. Reading supports F32, BF16 and F16; writing produces the same format.
//
// Errors are zl::ConfigError naming the file and, where it applies, the tensor: a truncated file, a
// header that is not JSON, an unsupported dtype, offsets outside the data or disagreeing with the shape.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "zl/runtime/tensor.h"

namespace zl::runtime {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  std::size_t begin = 0;  // byte offsets into the data section
  std::size_t end = 0;
};

class SafetensorsFile {
 public:
  // Reads and validates the whole file.
  static SafetensorsFile read(const std::string& path);
  // Validates a file's bytes; `path` names it in errors. Any bytes give a file or a ConfigError
  // (tests/fuzz/safetensors_fuzzer.cc holds it to that).
  static SafetensorsFile parse(std::vector<char> bytes, const std::string& path);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::vector<SafetensorsEntry>& entries() const { return entries_; }
  [[nodiscard]] const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // nullptr when absent.
  [[nodiscard]] const SafetensorsEntry* find(const std::string& name) const;
  // The tensor's values converted to fp32 (row-major, as stored). Throws ConfigError when absent.
  [[nodiscard]] std::vector<float> to_f32(const std::string& name) const;

 private:
  std::string path_;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
  std::vector<char> data_;
};

// Writes host tensors (any dtype) under their names; the file is written to path + ".tmp" and renamed.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace zl::runtime
