// Byte-level text and llm.c token shards (zl/runtime/token_dataset.h).
#include "zl/runtime/token_dataset.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "zl/base/error.h"

namespace zl::runtime {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::int32_t read_le32(const unsigned char* p) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
                                   (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24));
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

TokenStream load_token_file(const std::string& path, const std::string& what) {
  // A directory opens and reads as nothing, and /dev/zero reads without end: only a regular file is data.
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError(what + " " + path + ": not a regular file (" +
                      (std::filesystem::is_directory(path, ec) ? "a directory" : "a device, pipe or socket") +
                      "); give a text file or an llm.c .bin token shard");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(what + " " + path + ": cannot open the data file (" + std::strerror(errno) +
                      "); give a text file, an llm.c .bin token shard, or leave " + what +
                      " out for the built-in task");
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (ends_with(path, ".bin")) return parse_token_shard(bytes, what, path);
  TokenStream stream;
  stream.tokens.reserve(bytes.size());
  for (const char byte : bytes) stream.tokens.push_back(static_cast<unsigned char>(byte));
  stream.vocab_size = 256;
  stream.description = base_name(path) + ": " + std::to_string(bytes.size()) + " bytes (byte-level, vocab 256)";
  return stream;
}

TokenStream parse_token_shard(std::string_view bytes, const std::string& what, const std::string& path) {
  auto bad = [&](const std::string& why) {
    return ConfigError(what + " " + path + ": not an llm.c token shard: " + why +
                       " (a .bin file must start with 256 int32: magic 20240520, version 1, token count)");
  };
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 256 * 4) throw bad("shorter than the 1024-byte header");
  if (read_le32(data) != kShardMagic) throw bad("magic " + std::to_string(read_le32(data)));
  if (read_le32(data + 4) != kShardVersion) throw bad("version " + std::to_string(read_le32(data + 4)));
  const std::int64_t count = read_le32(data + 8);
  if (count < 0 || bytes.size() != 1024 + static_cast<std::size_t>(count) * 2) {
    throw bad("the header says " + std::to_string(count) + " tokens but the file holds " +
              std::to_string((bytes.size() - 1024) / 2));
  }
  TokenStream stream;
  stream.tokens.resize(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < stream.tokens.size(); ++i) {
    stream.tokens[i] = static_cast<std::uint16_t>(data[1024 + 2 * i] | (data[1025 + 2 * i] << 8));
  }
  const std::uint16_t max_token =
      stream.tokens.empty() ? 0 : *std::max_element(stream.tokens.begin(), stream.tokens.end());
  stream.vocab_size = max_token + 1;
  stream.description = base_name(path) + ": " + std::to_string(count) + " tokens (llm.c shard)";
  return stream;
}

TokenDataset split_train_validation(TokenStream all, int context, double validation_fraction, const std::string& what) {
  const std::size_t n = all.tokens.size();
  const std::size_t min_part = static_cast<std::size_t>(context) + 1;
  if (n < 2 * min_part) {
    throw ConfigError(what + ": " + all.description + " is too short: training and validation each need at least " +
                      std::to_string(min_part) +
                      " tokens (the context length + 1); use more data or a smaller context");
  }
  std::size_t val = std::max(min_part, static_cast<std::size_t>(static_cast<double>(n) * validation_fraction));
  val = std::min(val, n - min_part);
  TokenDataset d;
  d.train.tokens.assign(all.tokens.begin(), all.tokens.end() - static_cast<std::ptrdiff_t>(val));
  d.validation.tokens.assign(all.tokens.end() - static_cast<std::ptrdiff_t>(val), all.tokens.end());
  d.train.vocab_size = d.validation.vocab_size = all.vocab_size;
  d.train.description = all.description;
  d.validation.description = all.description + " (validation part)";
  return d;
}

void write_token_shard(const std::string& path, const std::vector<std::uint16_t>& tokens) {
  std::vector<unsigned char> bytes(1024 + tokens.size() * 2, 0);
  auto put32 = [&](std::size_t at, std::int32_t v) {
    for (int i = 0; i < 4; ++i)
      bytes[at + i] = static_cast<unsigned char>((static_cast<std::uint32_t>(v) >> (8 * i)) & 0xff);
  };
  put32(0, kShardMagic);
  put32(4, kShardVersion);
  put32(8, static_cast<std::int32_t>(tokens.size()));
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    bytes[1024 + 2 * i] = static_cast<unsigned char>(tokens[i] & 0xff);
    bytes[1025 + 2 * i] = static_cast<unsigned char>(tokens[i] >> 8);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw SystemError("cannot write " + path, errno);
}

}  // namespace zl::runtime
