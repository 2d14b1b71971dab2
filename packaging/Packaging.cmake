# The Debian package: install() rules for everything beside the binaries, and CPack's DEB
# generator. Built from the already-compiled tree, so packaging never compiles slamon again:
#
#   cmake --build build --target package      (or: cd build && cpack -G DEB)
#
# docs/packaging.md lists what goes where and how upgrades treat the conffiles.
#
# Paths: everything but /etc is relative to the install prefix, which CPack sets to /usr.
# The conffiles live in /etc whatever the prefix; CPACK_SET_DESTDIR makes CPack stage that
# absolute destination inside the package instead of the build machine's /etc.
#
# CPack runs the `preinstall` target before installing, and that target normally depends on
# `all`: packaging would build every test and benchmark first. Without that dependency the
# package is made from what is built (build `slamon` first; cpack fails if it is missing).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(SLAMON_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(SLAMON_PACKAGING_BINARY_DIR ${CMAKE_BINARY_DIR}/packaging)
set(SLAMON_SYSCONF_DIR /etc/slamon)  # the unit, the maintainer scripts and the man page say so too
set(SLAMON_DEB_MAINTAINER "slamon maintainers <slamon@example.org>"
    CACHE STRING "Maintainer field of the Debian package")
set(SLAMON_DEB_RELEASE 1 CACHE STRING "Debian revision of the package (the part after the '-')")

# --- Files of other parts of the tree -------------------------------------------------------
# Installed OPTIONAL so that a tree where one of them is still missing can be configured; the
# packaging test (tests/packaging) fails when the package lacks any of them.
set(_slamon_shipped
  "systemd/slamon.service|lib/systemd/system|slamon.service"
  "systemd/slamon.sysusers|lib/sysusers.d|slamon.conf"
  "systemd/slamon.tmpfiles|lib/tmpfiles.d|slamon.conf"
  "rules/prometheus/slamon-alerts.yml|share/slamon/prometheus|slamon-alerts.yml"
  "rules/prometheus/slamon-slo-alerts.yml|share/slamon/prometheus|slamon-slo-alerts.yml"
  "dashboards/grafana/slamon-overview.json|share/slamon/grafana|slamon-overview.json")
foreach(entry ${_slamon_shipped})
  string(REPLACE "|" ";" fields "${entry}")
  list(GET fields 0 source)
  list(GET fields 1 destination)
  list(GET fields 2 name)
  if(NOT EXISTS ${CMAKE_SOURCE_DIR}/${source})
    message(STATUS "packaging: ${source} does not exist yet; the package will lack it")
  endif()
  install(FILES ${CMAKE_SOURCE_DIR}/${source} DESTINATION ${destination} RENAME ${name}
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ OPTIONAL)
endforeach()

# --- Conffiles: the example configuration -----------------------------------------------------
# Each file below /etc is a conffile: dpkg keeps the administrator's edits on upgrade.
set(_slamon_conffiles
  "etc/slamon.yml|${SLAMON_SYSCONF_DIR}|slamon.yml"
  "etc/rules/example.yml|${SLAMON_SYSCONF_DIR}/rules|example.yml"
  "etc/inventory/example.yml|${SLAMON_SYSCONF_DIR}/inventory|example.yml")
set(_slamon_conffiles_text "")
foreach(entry ${_slamon_conffiles})
  string(REPLACE "|" ";" fields "${entry}")
  list(GET fields 0 source)
  list(GET fields 1 destination)
  list(GET fields 2 name)
  install(FILES ${SLAMON_PACKAGING_DIR}/${source} DESTINATION ${destination} RENAME ${name}
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  string(APPEND _slamon_conffiles_text "${destination}/${name}\n")
endforeach()
file(WRITE ${SLAMON_PACKAGING_BINARY_DIR}/control/conffiles "${_slamon_conffiles_text}")

# --- Documentation: man page, copyright, changelog --------------------------------------------
# Debian wants both gzipped with -9n (no name, no time stamp: reproducible). They are made at
# configure time, so `cpack` needs no build step; editing a source re-runs the configuration.
find_program(SLAMON_GZIP gzip REQUIRED)
function(slamon_gzip source target)
  execute_process(COMMAND ${SLAMON_GZIP} -9nc ${source} OUTPUT_FILE ${target}
    RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "packaging: cannot gzip ${source}")
  endif()
  set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${source})
endfunction()

# The Debian changelog names the package version; its date is the last commit's, so two builds
# of one revision make the same file.
set(SLAMON_DEB_VERSION "${PROJECT_VERSION}-${SLAMON_DEB_RELEASE}")
execute_process(COMMAND git log -1 --format=%aD
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE SLAMON_DEB_CHANGELOG_DATE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT SLAMON_DEB_CHANGELOG_DATE)
  string(TIMESTAMP SLAMON_DEB_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
configure_file(${SLAMON_PACKAGING_DIR}/changelog.in ${SLAMON_PACKAGING_BINARY_DIR}/changelog.Debian
  @ONLY)
slamon_gzip(${SLAMON_PACKAGING_BINARY_DIR}/changelog.Debian
  ${SLAMON_PACKAGING_BINARY_DIR}/changelog.Debian.gz)
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${SLAMON_PACKAGING_DIR}/changelog.in)
slamon_gzip(${SLAMON_PACKAGING_DIR}/slamon.1 ${SLAMON_PACKAGING_BINARY_DIR}/slamon.1.gz)

install(FILES ${SLAMON_PACKAGING_BINARY_DIR}/slamon.1.gz DESTINATION share/man/man1
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${SLAMON_PACKAGING_DIR}/copyright ${SLAMON_PACKAGING_BINARY_DIR}/changelog.Debian.gz
  DESTINATION share/doc/slamon
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(FILES ${SLAMON_PACKAGING_DIR}/lintian-overrides DESTINATION share/lintian/overrides
  RENAME slamon PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# --- Maintainer scripts --------------------------------------------------------------------------
foreach(script postinst prerm postrm)
  configure_file(${SLAMON_PACKAGING_DIR}/${script} ${SLAMON_PACKAGING_BINARY_DIR}/control/${script}
    COPYONLY)
endforeach()

# --- CPack ---------------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME slamon)
set(CPACK_PACKAGE_VENDOR "slamon")
set(CPACK_PACKAGE_CONTACT "${SLAMON_DEB_MAINTAINER}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SLA monitoring daemon for network and device fleets")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "slamon measures devices through Prometheus and SNMP, evaluates YAML-defined,
scoped SLA policies on a schedule and keeps the life of every breach in an
embedded database. It exposes compliance and breach gauges on /metrics, serves
a REST API, posts events to Slack, Teams, webhooks, e-mail and Alertmanager,
and renders compliance reports.
.
This package ships the daemon, its systemd unit, an example configuration in
/etc/slamon, and Prometheus alerting rules and a Grafana dashboard in
/usr/share/slamon.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SLAMON_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SLAMON_DEB_MAINTAINER}")
# dpkg-shlibdeps computes the library dependencies from the staged binaries; the postinst
# needs a systemd-sysusers (the dependency dh_installsysusers adds).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd | systemd-standalone-sysusers | systemd-sysusers")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, grafana")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${SLAMON_PACKAGING_BINARY_DIR}/control/conffiles
  ${SLAMON_PACKAGING_BINARY_DIR}/control/postinst
  ${SLAMON_PACKAGING_BINARY_DIR}/control/prerm
  ${SLAMON_PACKAGING_BINARY_DIR}/control/postrm)
# 0755 for the scripts and 0644 for conffiles, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
include(CPack)
