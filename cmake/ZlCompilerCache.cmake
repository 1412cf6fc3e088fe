# Use ccache when it is installed: CI rebuilds from a clean clone, and the cache under ~/.ccache keeps
# a rebuild of unchanged sources cheap on our 2-core machines.
find_program(ZL_CCACHE ccache)
if(ZL_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER ${ZL_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${ZL_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${ZL_CCACHE})
endif()
