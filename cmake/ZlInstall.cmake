# `cmake --install build --prefix P`: the zlaunch and train executables in P/bin, templates in
# P/share/zlaunch/templates.
include(GNUInstallDirs)
install(TARGETS zlaunch RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET train)
  install(TARGETS train RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/templates/ DESTINATION ${CMAKE_INSTALL_DATADIR}/zlaunch/templates)
