# ZL_SANITIZE=address;undefined (or thread): instrument every target. Thread cannot be combined with
# address. scripts/test.sh builds the unit tests with address;undefined in build-sanitize.
if(ZL_SANITIZE)
  if("thread" IN_LIST ZL_SANITIZE AND "address" IN_LIST ZL_SANITIZE)
    message(FATAL_ERROR "ZL_SANITIZE: 'thread' and 'address' cannot be combined; build them separately")
  endif()
  string(REPLACE ";" "," _zl_sanitizers "${ZL_SANITIZE}")
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=${_zl_sanitizers}>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=all>
                      # GCC 12's flow analysis under -fsanitize reports std::regex and std::function
                      # internals as maybe-uninitialized (false positives in libstdc++ headers); the
                      # uninstrumented build keeps the warning as an error.
                      $<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  add_link_options(-fsanitize=${_zl_sanitizers})
endif()
