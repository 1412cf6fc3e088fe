# Use ccache when it is installed: CI rebuilds from a clean clone, and the cache under ~/.ccache keeps
# a rebuild of unchanged sources cheap on our 2-core machines. base_dir (the source tree) makes the
# cache key independent of where the tree is cloned, and nohashdir of which build directory compiles:
# build, build-dev and build-sanitize of the same sources, and a fresh clone elsewhere, share entries.
# (The price: debug info names the source files relative to the build directory.)
find_program(ZL_CCACHE ccache)
if(ZL_CCACHE)
  set(ZL_CCACHE_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} CCACHE_NOHASHDIR=1 ${ZL_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${ZL_CCACHE_LAUNCHER})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ZL_CCACHE_LAUNCHER})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${ZL_CCACHE_LAUNCHER})
endif()
