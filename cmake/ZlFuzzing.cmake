# ZL_FUZZ=ON: build the libFuzzer targets of tests/fuzz (clang only; scripts/fuzz.sh configures it).
# Every target is instrumented for coverage with AddressSanitizer and UndefinedBehaviorSanitizer, any
# report aborting, so a fuzzer stops on the first defect and saves the input; the fuzzers themselves
# link libFuzzer's main. Build only what they need: `cmake --build <dir> --target zl_fuzzers`.
option(ZL_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)
set(ZL_FUZZ_SECONDS 60 CACHE STRING "How long each fuzzer runs as a test (ctest -L fuzz)")
if(ZL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ZL_FUZZ needs clang (libFuzzer): configure with -DCMAKE_C_COMPILER=clang-14 "
                        "-DCMAKE_CXX_COMPILER=clang++-14, or run scripts/fuzz.sh")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
