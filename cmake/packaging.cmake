# Install rules and the Debian package (CPack DEB): binaries in /usr/bin, the config and
# secrets file in /etc/vouch (conffiles: an upgrade keeps the operator's edits), the
# hardened systemd unit and its sysusers entry, the docs and the monitoring files in
# /usr/share/doc/vouch. Build it with tools/package.
include(GNUInstallDirs)

install(TARGETS vouchd vouchctl RUNTIME DESTINATION bin)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/vouch.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/vouch.sysusers DESTINATION lib/sysusers.d
  RENAME vouch.conf)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/vouch.toml ${PROJECT_SOURCE_DIR}/packaging/vouch.env
  DESTINATION /etc/vouch PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/reference.md
  ${PROJECT_SOURCE_DIR}/docs/operator-guide.md ${PROJECT_SOURCE_DIR}/docs/architecture.md
  DESTINATION share/doc/vouch)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/prometheus/vouch-alerts.yml
  ${PROJECT_SOURCE_DIR}/deploy/grafana/vouch-dashboard.json
  DESTINATION share/doc/vouch/monitoring)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vouch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "vouch developers <vouch@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Lever reference-check integration engine (vouchd, vouchctl)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Debug info stays in the build tree; the package carries stripped binaries.
set(CPACK_STRIP_FILES ON)
# dpkg-shlibdeps reads the binaries' libraries (CAF, curl, LMDB, Boost, OpenSSL) into Depends.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lmdb-utils, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
  ${PROJECT_SOURCE_DIR}/packaging/postrm ${PROJECT_SOURCE_DIR}/packaging/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Absolute /etc destinations are meant: the package owns /etc/vouch.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
