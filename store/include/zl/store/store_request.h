// The rendezvous store's requests as values, and the one place their wire layout (store_protocol.h) is
// written and read: the client encodes with encode_request(), the server splits its input with
// scan_frame() and decodes with decode_request(). Decoding is pure and total: any bytes give either a
// request or the message the server sends before closing the connection, never an exception, an
// allocation larger than the payload or a read past it (tests/fuzz/store_request_fuzzer.cc holds it
// to that, and to decode(encode(r)) == r).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zl/store/store_protocol.h"

namespace zl::store::protocol {

struct Request {
  Opcode op = Opcode::kHello;
  // SET, GET, ADD, COMPARE_SET, DELETE: one key; CHECK and WAIT: any number (bounded by the frame).
  std::vector<std::string> keys;
  std::string value;                         // SET: the value; COMPARE_SET: the desired value; HELLO: the token
  std::string expected;                      // COMPARE_SET
  std::int64_t delta = 0;                    // ADD
  std::uint32_t timeout_ms = 0;              // GET, WAIT (decoding clamps it to kMaxWaitMs)
  std::uint32_t magic = kMagic;              // HELLO
  std::uint16_t version = kProtocolVersion;  // HELLO

  bool operator==(const Request&) const = default;
};

// The payload (no length prefix) of `request`; only the fields of its opcode are written.
std::string encode_request(const Request& request);

// One frame at the front of `buffer`.
struct FrameScan {
  enum class Kind {
    kIncomplete,  // fewer bytes than the length field says: read more
    kTooLarge,    // the length field exceeds `limit`: the peer is refused
    kComplete,    // `payload` is the frame's payload; `consumed` bytes (4 + length) are used up
  };
  Kind kind = Kind::kIncomplete;
  std::uint32_t length = 0;  // the length field, once 4 bytes are there
  std::string_view payload;  // points into `buffer`
  std::size_t consumed = 0;
};
FrameScan scan_frame(std::string_view buffer, std::size_t limit);

// A request, or why the payload is not one (the text of the server's error reply).
struct DecodedRequest {
  std::optional<Request> request;
  std::string error;
};
// Keys are at most kMaxKeyBytes, values kMaxValueBytes, a HELLO token kMaxKeyBytes; a CHECK/WAIT key
// count above the payload's size is refused before anything is allocated for it; trailing bytes
// make a payload malformed. HELLO's magic must match; its version is the server's to judge.
DecodedRequest decode_request(std::string_view payload);

}  // namespace zl::store::protocol
