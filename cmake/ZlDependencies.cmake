# Every dependency comes from a Debian 12 package (scripts/install-deps.sh installs them) and is found
# with find_package. Target names are those the Debian packages export (see docs/dependencies.md).
# The versions found here are baked into `zlaunch env` (base/include/zl/base/build_info.h.in).
find_package(Threads REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)                 # target: yaml-cpp (no namespace in 0.7)
find_package(nlohmann_json 3.11 CONFIG REQUIRED)       # target: nlohmann_json::nlohmann_json
find_package(CLI11 CONFIG REQUIRED)                    # target: CLI11::CLI11 (header-only)
find_package(prometheus-cpp CONFIG REQUIRED)           # no version file in Debian's package
find_package(MPI REQUIRED COMPONENTS C CXX)            # target: MPI::MPI_CXX
find_package(Gloo CONFIG REQUIRED)                     # target: gloo (no namespace)
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)                            # target: BLAS::BLAS
find_path(ZL_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas-pthread REQUIRED)
if(ZL_BUILD_TESTS)
  find_package(GTest REQUIRED)                         # GTest::gtest, GTest::gtest_main
endif()

# Version strings of packages whose CMake config carries none: read once from dpkg at configure time.
function(zl_package_version out package)
  execute_process(COMMAND dpkg-query -W -f=\${Version} ${package}
                  OUTPUT_VARIABLE v ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT v)
    set(v "unknown")
  endif()
  set(${out} "${v}" PARENT_SCOPE)
endfunction()
zl_package_version(ZL_PROMETHEUS_CPP_VERSION prometheus-cpp-dev)
zl_package_version(ZL_GLOO_PACKAGE_VERSION libgloo-dev)
zl_package_version(ZL_OPENBLAS_PACKAGE_VERSION libopenblas-dev)
set(ZL_YAML_CPP_VERSION "${yaml-cpp_VERSION}")
set(ZL_NLOHMANN_JSON_VERSION "${nlohmann_json_VERSION}")
set(ZL_CLI11_VERSION "${CLI11_VERSION}")
set(ZL_GLOO_VERSION "${GLOO_VERSION} (Debian ${ZL_GLOO_PACKAGE_VERSION})")
set(ZL_MPI_VERSION "${MPI_CXX_VERSION}")
