# Stamps the version, git revision and build date into a generated header.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE SLAMON_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT SLAMON_GIT_REVISION)
  set(SLAMON_GIT_REVISION "unknown")
endif()
string(TIMESTAMP SLAMON_BUILD_DATE "%Y-%m-%dT%H:%M:%SZ" UTC)
configure_file(${CMAKE_SOURCE_DIR}/cmake/build_info.h.in
  ${CMAKE_BINARY_DIR}/generated/slamon/build_info.h @ONLY)
