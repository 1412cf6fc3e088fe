# zl_set_warnings(target): the project's warning set, as errors when ZL_WERROR is on (the default, and
# what CI builds). Applied per target so that third-party headers (included as SYSTEM) stay quiet.
function(zl_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
                             -Wunused -Woverloaded-virtual -Wimplicit-fallthrough>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${ZL_WERROR}>>:-Werror>
    # GCC 12's flow analysis under -fsanitize reports std::regex and std::function internals as
    # maybe-uninitialized (false positives in libstdc++ headers); after -Wall, which enables it. The
    # uninstrumented build keeps the warning as an error.
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${ZL_SANITIZE}>>:-Wno-maybe-uninitialized>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra --Wreorder>
    $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${ZL_WERROR}>>:-Werror=all-warnings -Xcompiler=-Werror>)
endfunction()
