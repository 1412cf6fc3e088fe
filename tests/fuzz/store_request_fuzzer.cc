// libFuzzer target: the rendezvous store's frame splitting and request decoding (store_request.h), as
// the server applies them to what a peer sends: the input is a byte stream of frames, the first
// judged under the pre-HELLO frame limit, the rest under the authenticated one.
//
// Contract held: decoding any bytes gives a request or an error message, never an exception, a crash
// or a sanitizer report, and a decoded request encodes and decodes back to itself.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "zl/store/store_request.h"

namespace proto = zl::store::protocol;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  bool first = true;
  while (true) {
    const auto scan = proto::scan_frame(stream, first ? proto::kMaxHelloFrameBytes : proto::kMaxFrameBytes);
    if (scan.kind != proto::FrameScan::Kind::kComplete) break;
    stream.remove_prefix(scan.consumed);
    first = false;
    const auto decoded = proto::decode_request(scan.payload);
    if (!decoded.request) {
      if (decoded.error.empty()) {
        std::fprintf(stderr, "store fuzzer: a payload refused without a message\n");
        std::abort();
      }
      continue;
    }
    const auto again = proto::decode_request(proto::encode_request(*decoded.request));
    if (!again.request || !(*again.request == *decoded.request)) {
      std::fprintf(stderr, "store fuzzer: %s does not survive encode and decode\n",
                   proto::to_string(decoded.request->op));
      std::abort();
    }
  }
  return 0;
}
