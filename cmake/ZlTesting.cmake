# zl_add_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <unit|integration|slow|cuda...>
#             [ARGS <arguments of the test executable...>])
# One GoogleTest executable per source file under tests/<component>/, registered as one ctest test
# under the given labels. Integration tests get the built binaries' paths as
# environment (ZL_ZLAUNCH_BIN, ZL_TRAIN_BIN) and ../shared as ZL_SHARED_DIR when it exists.
set(ZL_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH "The shared data folder (optional)")

function(zl_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} zlaunch::test_support GTest::gtest GTest::gtest_main)
  zl_set_warnings(${T_NAME})
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  # One ctest test per executable (its cases run in one process): labels and environment are set here
  # at configure time, where lists keep their meaning.
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --gtest_color=no ${T_ARGS})
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "${T_LABELS}"
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "ZL_ZLAUNCH_BIN=${CMAKE_BINARY_DIR}/bin/zlaunch;ZL_TRAIN_BIN=${CMAKE_BINARY_DIR}/bin/train;ZL_SOURCE_DIR=${PROJECT_SOURCE_DIR};ZL_SHARED_DIR=${ZL_SHARED_DIR}")
endfunction()
