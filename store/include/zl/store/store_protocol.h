// Wire format of the rendezvous store (DESIGN.md §3). Shared by the server, the client and the tests
// that craft frames by hand. Everything is big-endian (network byte order).
//
//   frame    = u32 payload_length, payload            (payload_length <= kMaxFrameBytes)
//   bytes    = u32 length, length raw bytes
//   request  = u8 opcode, then per opcode:
//     HELLO        u32 kMagic, u16 kProtocolVersion, bytes token      (must be the first request)
//     SET          bytes key, bytes value
//     GET          bytes key, u32 timeout_ms                         (blocks until present or timeout)
//     ADD          bytes key, i64 delta                              (value kept as decimal text)
//     CHECK        u32 n, n x bytes key
//     WAIT         u32 n, n x bytes key, u32 timeout_ms
//     COMPARE_SET  bytes key, bytes expected, bytes desired
//     DELETE       bytes key
//   response = u8 status, then:
//     kOk       GET: bytes value | ADD: i64 new value | CHECK: u8 all_present | COMPARE_SET: bytes stored
//               | DELETE: u8 existed | HELLO, SET, WAIT: nothing
//     kTimeout  nothing (GET/WAIT deadline passed; the connection stays usable)
//     kError    bytes message; the server closes the connection after sending it
//
// COMPARE_SET follows torch.distributed.Store: when the key is absent and `expected` is empty, or
// the stored value equals `expected`, the value becomes `desired`; the reply is the value stored now.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zl::store::protocol {

inline constexpr std::uint32_t kMagic = 0x5a4c5354;  // "ZLST"
inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxKeyBytes = 4096;
inline constexpr std::size_t kMaxValueBytes = 64u << 20;
// Before HELLO succeeds a peer may send at most this much: an unauthenticated peer cannot make the
// server allocate more.
inline constexpr std::size_t kMaxHelloFrameBytes = 8192;
// COMPARE_SET carries two values; WAIT/CHECK key lists are bounded by the frame size too.
inline constexpr std::size_t kMaxFrameBytes = 2 * kMaxValueBytes + 65536;
inline constexpr std::uint32_t kMaxWaitMs = 24u * 3600u * 1000u;

enum class Opcode : std::uint8_t {
  kHello = 1,
  kSet = 2,
  kGet = 3,
  kAdd = 4,
  kCheck = 5,
  kWait = 6,
  kCompareSet = 7,
  kDelete = 8,
};

enum class Status : std::uint8_t { kOk = 0, kTimeout = 1, kError = 2 };

const char* to_string(Opcode op);

// A payload with its big-endian u32 length in front.
std::string frame(std::string_view payload);

// Appends big-endian fields to a payload; frame() prepends the length.
class Writer {
 public:
  Writer& u8(std::uint8_t v);
  Writer& u16(std::uint16_t v);
  Writer& u32(std::uint32_t v);
  Writer& i64(std::int64_t v);
  Writer& bytes(std::string_view v);
  [[nodiscard]] const std::string& payload() const { return payload_; }
  [[nodiscard]] std::string frame() const;

 private:
  std::string payload_;
};

// Reads fields from one payload. Every read checks the remaining length; a malformed payload makes
// ok() false and later reads return zero/empty values, so parsers check ok() once at the end.
class Reader {
 public:
  // Reads `payload` in place: the bytes must outlive the Reader (a temporary string is refused).
  explicit Reader(std::string_view payload) : data_(payload) {}
  explicit Reader(std::string&& payload) = delete;
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::int64_t i64();
  std::string bytes(std::size_t max_length);
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] bool at_end() const { return pos_ == data_.size(); }

 private:
  bool take(std::size_t n);
  std::string_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace zl::store::protocol
