# `cmake --install build --prefix P` installs the zlaunch executable with the siblings it finds next to
# itself (zlaunch-tools, zlaunch-rank-guard, zlaunch-blas-probe: launcher/CMakeLists.txt), train, the
# templates, and the libraries with their headers and a CMake package, so a
# user's program can do
#   find_package(zlaunch REQUIRED)   ->   target_link_libraries(app PRIVATE zlaunch::engine)
# (examples/ is such a program, built against an installed tree by the tests).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS zlaunch zlaunch-tools zlaunch-rank-guard zlaunch-blas-probe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET train)
  install(TARGETS train RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/templates/ DESTINATION ${CMAKE_INSTALL_DATADIR}/zlaunch/templates)

# Library targets exported as zlaunch::<name>.
set(ZL_EXPORTED base:zl_base visible_gpus:zl_visible_gpus device:zl_device kernels:zl_kernels configtool:zl_configtool store:zl_store rank:zl_rank
                comm:zl_comm runtime:zl_runtime engine:zl_engine checkpoint:zl_checkpoint metrics:zl_metrics)
if(TARGET zl_kernels_cuda)
  list(APPEND ZL_EXPORTED kernels_cuda:zl_kernels_cuda)
endif()
set(ZL_EXPORTED_TARGETS "")
foreach(entry IN LISTS ZL_EXPORTED)
  string(REPLACE ":" ";" pair "${entry}")
  list(GET pair 0 export_name)
  list(GET pair 1 target)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  list(APPEND ZL_EXPORTED_TARGETS ${target})
endforeach()
install(TARGETS ${ZL_EXPORTED_TARGETS} EXPORT zlaunchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(dir base/include runtime/device/include kernels/include configtool/include store/include runtime/rank/include
            runtime/comm/include runtime/include runtime/engine/include runtime/checkpoint/include metrics/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/base/include/zl/base/build_info.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/zl/base)
install(EXPORT zlaunchTargets NAMESPACE zlaunch:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zlaunch)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/zlaunchConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/zlaunchConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zlaunch)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/zlaunchConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/zlaunchConfig.cmake ${PROJECT_BINARY_DIR}/zlaunchConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/zlaunch)
