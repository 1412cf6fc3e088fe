// Big-endian field encoding of the rendezvous store's frames (store_protocol.h).
#include "zl/store/store_protocol.h"

namespace zl::store::protocol {

const char* to_string(Opcode op) {
  switch (op) {
    case Opcode::kHello:
      return "HELLO";
    case Opcode::kSet:
      return "SET";
    case Opcode::kGet:
      return "GET";
    case Opcode::kAdd:
      return "ADD";
    case Opcode::kCheck:
      return "CHECK";
    case Opcode::kWait:
      return "WAIT";
    case Opcode::kCompareSet:
      return "COMPARE_SET";
    case Opcode::kDelete:
      return "DELETE";
  }
  return "UNKNOWN";
}

Writer& Writer::u8(std::uint8_t v) {
  payload_.push_back(static_cast<char>(v));
  return *this;
}

Writer& Writer::u16(std::uint16_t v) {
  u8(static_cast<std::uint8_t>(v >> 8));
  return u8(static_cast<std::uint8_t>(v));
}

Writer& Writer::u32(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) u8(static_cast<std::uint8_t>(v >> shift));
  return *this;
}

Writer& Writer::i64(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) u8(static_cast<std::uint8_t>(u >> shift));
  return *this;
}

Writer& Writer::bytes(std::string_view v) {
  u32(static_cast<std::uint32_t>(v.size()));
  payload_.append(v);
  return *this;
}

std::string frame(std::string_view payload) {
  Writer header;
  header.u32(static_cast<std::uint32_t>(payload.size()));
  return header.payload() + std::string(payload);
}

std::string Writer::frame() const { return protocol::frame(payload_); }

bool Reader::take(std::size_t n) {
  if (!ok_ || data_.size() - pos_ < n) {
    ok_ = false;
    return false;
  }
  return true;
}

std::uint8_t Reader::u8() {
  if (!take(1)) return 0;
  return static_cast<std::uint8_t>(data_[pos_++]);
}

std::uint16_t Reader::u16() {
  if (!take(2)) return 0;
  std::uint16_t v = 0;
  for (int i = 0; i < 2; ++i) v = static_cast<std::uint16_t>((v << 8) | static_cast<std::uint8_t>(data_[pos_++]));
  return v;
}

std::uint32_t Reader::u32() {
  if (!take(4)) return 0;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(data_[pos_++]);
  return v;
}

std::int64_t Reader::i64() {
  if (!take(8)) return 0;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(data_[pos_++]);
  return static_cast<std::int64_t>(v);
}

std::string Reader::bytes(std::size_t max_length) {
  const std::uint32_t n = u32();
  if (!ok_ || n > max_length || !take(n)) {
    ok_ = false;
    return {};
  }
  std::string out(data_.substr(pos_, n));
  pos_ += n;
  return out;
}

}  // namespace zl::store::protocol
