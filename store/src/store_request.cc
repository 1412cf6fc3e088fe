// Encoding and decoding of the store's requests (store_request.h).
#include "zl/store/store_request.h"

#include <algorithm>

namespace zl::store::protocol {
namespace {

bool has_one_key(Opcode op) {
  return op == Opcode::kSet || op == Opcode::kGet || op == Opcode::kAdd || op == Opcode::kCompareSet ||
         op == Opcode::kDelete;
}

bool is_known(std::uint8_t op) {
  return op >= static_cast<std::uint8_t>(Opcode::kHello) && op <= static_cast<std::uint8_t>(Opcode::kDelete);
}

}  // namespace

std::string encode_request(const Request& request) {
  Writer w;
  w.u8(static_cast<std::uint8_t>(request.op));
  switch (request.op) {
    case Opcode::kHello:
      w.u32(request.magic).u16(request.version).bytes(request.value);
      break;
    case Opcode::kSet:
      w.bytes(request.keys.at(0)).bytes(request.value);
      break;
    case Opcode::kGet:
      w.bytes(request.keys.at(0)).u32(request.timeout_ms);
      break;
    case Opcode::kAdd:
      w.bytes(request.keys.at(0)).i64(request.delta);
      break;
    case Opcode::kCheck:
    case Opcode::kWait:
      w.u32(static_cast<std::uint32_t>(request.keys.size()));
      for (const auto& key : request.keys) w.bytes(key);
      if (request.op == Opcode::kWait) w.u32(request.timeout_ms);
      break;
    case Opcode::kCompareSet:
      w.bytes(request.keys.at(0)).bytes(request.expected).bytes(request.value);
      break;
    case Opcode::kDelete:
      w.bytes(request.keys.at(0));
      break;
  }
  return w.payload();
}

FrameScan scan_frame(std::string_view buffer, std::size_t limit) {
  FrameScan scan;
  if (buffer.size() < 4) return scan;
  Reader header(buffer.substr(0, 4));
  scan.length = header.u32();
  if (scan.length > limit) {
    scan.kind = FrameScan::Kind::kTooLarge;
  } else if (buffer.size() - 4 >= scan.length) {
    scan.kind = FrameScan::Kind::kComplete;
    scan.payload = buffer.substr(4, scan.length);
    scan.consumed = 4 + static_cast<std::size_t>(scan.length);
  }
  return scan;
}

DecodedRequest decode_request(std::string_view payload) {
  DecodedRequest decoded;
  Reader r(payload);
  const std::uint8_t op_byte = r.u8();
  if (!r.ok()) {
    decoded.error = "malformed request: an empty frame";
    return decoded;
  }
  if (!is_known(op_byte)) {
    decoded.error = "unknown opcode " + std::to_string(op_byte);
    return decoded;
  }
  Request request;
  request.op = static_cast<Opcode>(op_byte);
  const char* name = to_string(request.op);
  switch (request.op) {
    case Opcode::kHello:
      request.magic = r.u32();
      request.version = r.u16();
      request.value = r.bytes(kMaxKeyBytes);
      if (!r.ok() || !r.at_end() || request.magic != kMagic) {
        decoded.error = "malformed HELLO";
        return decoded;
      }
      decoded.request = std::move(request);
      return decoded;
    case Opcode::kCheck:
    case Opcode::kWait: {
      const std::uint32_t n = r.u32();
      // Every key costs at least its 4-byte length: a count the payload cannot hold is refused before
      // anything is reserved for it.
      if (n > payload.size() / 4) {
        decoded.error = std::string("malformed ") + name + " request: key count exceeds the frame";
        return decoded;
      }
      for (std::uint32_t i = 0; i < n && r.ok(); ++i) request.keys.push_back(r.bytes(kMaxKeyBytes));
      if (request.op == Opcode::kWait) request.timeout_ms = std::min(r.u32(), kMaxWaitMs);
      break;
    }
    default:
      break;
  }
  if (has_one_key(request.op)) request.keys.push_back(r.bytes(kMaxKeyBytes));
  switch (request.op) {
    case Opcode::kSet:
      request.value = r.bytes(kMaxValueBytes);
      break;
    case Opcode::kGet:
      request.timeout_ms = std::min(r.u32(), kMaxWaitMs);
      break;
    case Opcode::kAdd:
      request.delta = r.i64();
      break;
    case Opcode::kCompareSet:
      request.expected = r.bytes(kMaxValueBytes);
      request.value = r.bytes(kMaxValueBytes);
      break;
    default:
      break;
  }
  if (!r.ok() || !r.at_end()) {
    decoded.error =
        std::string("malformed ") + name + " request (a key over 4096 bytes or a value over 64 MiB is refused)";
    return decoded;
  }
  decoded.request = std::move(request);
  return decoded;
}

}  // namespace zl::store::protocol
