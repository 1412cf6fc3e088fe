// Reading and writing safetensors files (zl/runtime/safetensors.h).
#include "zl/runtime/safetensors.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/kernels/cast.h"

namespace zl::runtime {
namespace {

const char* safetensors_dtype(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "F32";
    case DType::kBF16:
      return "BF16";
    case DType::kF16:
      return "F16";
  }
  return "?";
}

// The bytes a tensor of `shape` and `dtype` holds, or nullopt when a dimension is negative or the
// product does not fit in 64 bits (a header may say anything).
std::optional<std::uint64_t> tensor_bytes(const Shape& shape, DType dtype) {
  std::uint64_t n = dtype_size(dtype);
  for (const std::int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) return std::nullopt;
  }
  return n;
}

}  // namespace

SafetensorsFile SafetensorsFile::read(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError(path + ": not a regular file; --init_from takes a .safetensors file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the safetensors file (check the path given to --init_from)");
  return parse(std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), path);
}

SafetensorsFile SafetensorsFile::parse(std::vector<char> bytes, const std::string& path) {
  auto bad = [&](const std::string& why) { return ConfigError(path + ": not a valid safetensors file: " + why); };
  if (bytes.size() < 8) throw bad("shorter than the 8-byte header length");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_len > bytes.size() - 8) throw bad("header length " + std::to_string(header_len) + " exceeds the file");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_len));
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("header is not JSON: ") + e.what());
  }
  if (!header.is_object()) throw bad("header is not a JSON object");
  SafetensorsFile file;
  file.path_ = path;
  bytes.erase(bytes.begin(), bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_len));
  file.data_ = std::move(bytes);
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (value.is_object()) {
        for (const auto& [k, v] : value.items()) file.metadata_[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
      continue;
    }
    try {
      SafetensorsEntry e;
      e.name = name;
      e.dtype = parse_dtype(value.at("dtype").get<std::string>(), path + ": tensor '" + name + "'");
      // Integers only: nlohmann converts a float such as 2e91 to an integer without a range check.
      const nlohmann::json& tensor = value;  // structured bindings cannot be captured (clang 14)
      const std::string& tensor_name = name;
      auto integers = [&](const char* key, bool non_negative) {
        const nlohmann::json& list = tensor.at(key);
        if (!list.is_array()) throw bad("tensor '" + tensor_name + "': " + key + " is not a list");
        for (const auto& x : list) {
          if (!(non_negative ? x.is_number_unsigned() : x.is_number_integer())) {
            throw bad("tensor '" + tensor_name + "': " + key + " holds " + x.dump() + ", not " +
                      (non_negative ? "a non-negative integer" : "an integer"));
          }
        }
        return list;
      };
      e.shape = integers("shape", false).get<Shape>();
      const auto offsets = integers("data_offsets", true).get<std::vector<std::size_t>>();
      if (offsets.size() != 2) throw bad("tensor '" + name + "': data_offsets must have two entries");
      e.begin = offsets[0];
      e.end = offsets[1];
      if (e.begin > e.end || e.end > file.data_.size()) throw bad("tensor '" + name + "': data outside the file");
      const auto expected = tensor_bytes(e.shape, e.dtype);
      if (!expected) throw bad("tensor '" + name + "': shape " + shape_string(e.shape) + " is not a tensor size");
      if (e.end - e.begin != *expected) {
        throw bad("tensor '" + name + "': " + std::to_string(e.end - e.begin) + " bytes for shape " +
                  shape_string(e.shape));
      }
      file.entries_.push_back(e);
    } catch (const nlohmann::json::exception& ex) {
      throw bad("tensor '" + name + "': " + ex.what());
    }
  }
  return file;
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::vector<float> SafetensorsFile::to_f32(const std::string& name) const {
  const SafetensorsEntry* e = find(name);
  if (e == nullptr) throw ConfigError(path_ + ": no tensor named '" + name + "'");
  const std::size_t n = static_cast<std::size_t>(shape_numel(e->shape));
  std::vector<float> out(n);
  if (n == 0) return out;  // a tensor with a zero dimension: nothing to copy (and no buffer to copy into)
  const char* src = data_.data() + e->begin;
  if (e->dtype == DType::kF32) {
    std::memcpy(out.data(), src, n * sizeof(float));
  } else {
    std::vector<std::uint16_t> bits(n);
    std::memcpy(bits.data(), src, n * sizeof(std::uint16_t));
    if (e->dtype == DType::kBF16)
      kernels::cpu::cast_bf16_to_fp32(bits.data(), out.data(), n);
    else
      kernels::cpu::cast_fp16_to_fp32(bits.data(), out.data(), n);
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    header[name] = {
        {"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + t.bytes()}}};
    offset += t.bytes();
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text.push_back(' ');  // align the data section, as the reference writer
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw SystemError("cannot write " + tmp, errno);
    unsigned char len[8];
    std::uint64_t n = text.size();
    for (unsigned char& b : len) {
      b = static_cast<unsigned char>(n & 0xff);
      n >>= 8;
    }
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : tensors) {
      const Tensor host = t.device() == Device::kCpu ? t : t.to(t.dtype());
      out.write(static_cast<const char*>(host.raw()), static_cast<std::streamsize>(host.bytes()));
    }
    if (!out) throw SystemError("cannot write " + tmp, errno);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw SystemError("cannot rename " + tmp + " to " + path, errno);
}

}  // namespace zl::runtime
