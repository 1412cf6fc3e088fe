# ZL_CUDA=AUTO|ON|OFF. With CUDA, the kernels in kernels/cuda and the NCCL backend are compiled for
# sm_80 and sm_90 and linked into every binary, even on machines without a GPU (the runtime then
# reports "no GPU" and refuses device: cuda with a clear error).
set(ZL_HAVE_CUDA OFF)
if(NOT ZL_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(ZL_HAVE_CUDA ON)
  elseif(ZL_CUDA STREQUAL "ON")
    message(FATAL_ERROR "ZL_CUDA=ON but no CUDA compiler was found (looked for nvcc on PATH and in "
                        "/usr/local/cuda/bin). Install the CUDA toolkit or configure with -DZL_CUDA=OFF.")
  endif()
endif()

if(ZL_HAVE_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)  # otherwise cudart is linked twice (static + shared)
  set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 knows no C++20 dialect flag for nvcc
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  # NCCL ships no CMake config: find it beside the toolkit and make an imported target.
  find_path(ZL_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
  find_library(ZL_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib /usr/local/cuda/lib64)
  if(NOT ZL_NCCL_INCLUDE_DIR OR NOT ZL_NCCL_LIBRARY)
    message(FATAL_ERROR "CUDA is enabled but NCCL was not found (nccl.h / libnccl.so under /usr/local/cuda). "
                        "Install NCCL or configure with -DZL_CUDA=OFF.")
  endif()
  # Named zlaunch::nccl itself (not an alias) so that exported link interfaces refer to a name the
  # installed package defines again (cmake/zlaunchConfig.cmake.in).
  add_library(zlaunch::nccl SHARED IMPORTED GLOBAL)
  set_target_properties(zlaunch::nccl PROPERTIES IMPORTED_LOCATION ${ZL_NCCL_LIBRARY}
                                                 INTERFACE_INCLUDE_DIRECTORIES ${ZL_NCCL_INCLUDE_DIR})
  message(STATUS "zlaunch: CUDA ${CMAKE_CUDA_COMPILER_VERSION} for sm_${CMAKE_CUDA_ARCHITECTURES}, NCCL ${ZL_NCCL_LIBRARY}")
else()
  message(STATUS "zlaunch: CUDA disabled (ZL_CUDA=${ZL_CUDA})")
endif()
