# zl_set_warnings(target): the project's warning set, as errors when ZL_WERROR is on (the default, and
# what CI builds). Applied per target so that third-party headers (included as SYSTEM) stay quiet.
function(zl_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
                             -Wunused -Woverloaded-virtual -Wimplicit-fallthrough>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${ZL_WERROR}>>:-Werror>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra --Wreorder>
    $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${ZL_WERROR}>>:-Werror=all-warnings -Xcompiler=-Werror>)
endfunction()
