# ZL_SANITIZE=address;undefined (or thread): instrument every target. Thread cannot be combined with
# address. scripts/test.sh (the test command) builds the unit tests with address;undefined in
# build-sanitize and runs them there.
if(ZL_SANITIZE)
  if("thread" IN_LIST ZL_SANITIZE AND "address" IN_LIST ZL_SANITIZE)
    message(FATAL_ERROR "ZL_SANITIZE: 'thread' and 'address' cannot be combined; build them separately")
  endif()
  string(REPLACE ";" "," _zl_sanitizers "${ZL_SANITIZE}")
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=${_zl_sanitizers}>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=all>)
  add_link_options(-fsanitize=${_zl_sanitizers})
endif()
