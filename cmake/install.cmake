# Install rules and the Debian package (CPack DEB).
#
#   cmake --install build [--prefix /usr]       programs, systemd units, tmpfiles, example
#                                               configuration and the docs
#   cpack --config build/CPackConfig.cmake      build/powerview_<version>_<arch>.deb
#
# Layout (prefix /usr, as in the package): /usr/bin/{powerviewd,powerview-notify,powerviewctl},
# /usr/libexec/powerview/powerviewd-plugin, /usr/lib/systemd/system/powerviewd.service,
# /usr/lib/tmpfiles.d/powerview{,-sftpgo}.conf, /etc/powerview/{powerview.env,plugin.conf},
# /usr/share/doc/powerview/ (README, docs/, deploy/ with the SFTPGo, systemd and compose
# examples). The package's maintainer scripts are in deploy/debian/.
include(GNUInstallDirs)

set(POWERVIEW_DOCDIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/powerview")

install(TARGETS powerviewd powerview-notify powerviewctl
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
# The plugin copy /usr/libexec/powerview/powerviewd-plugin is made by the script below from the
# installed (and, for the package, stripped) powerviewd.

# systemd unit, tmpfiles and the configuration in /etc/powerview: made at install time from
# templates, so that the paths they name are those of the prefix given to `cmake --install`
# (or /usr for the package; configuration in /etc then, else <prefix>/etc).
configure_file("${PROJECT_SOURCE_DIR}/cmake/install_system_files.cmake.in"
               "${PROJECT_BINARY_DIR}/install_system_files.cmake" @ONLY)
install(SCRIPT "${PROJECT_BINARY_DIR}/install_system_files.cmake")

# Documentation, with the same relative layout as the repository so that the links between the
# files work where they are installed.
install(FILES README.md DESTINATION "${POWERVIEW_DOCDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/deploy/debian/copyright" DESTINATION "${POWERVIEW_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${POWERVIEW_DOCDIR}/docs" FILES_MATCHING PATTERN "*.md")
install(FILES deploy/README.md DESTINATION "${POWERVIEW_DOCDIR}/deploy")
install(FILES deploy/.env.sample deploy/compose.yaml deploy/Dockerfile
        DESTINATION "${POWERVIEW_DOCDIR}/deploy")
install(DIRECTORY deploy/sftpgo deploy/powerview deploy/grafana
        DESTINATION "${POWERVIEW_DOCDIR}/deploy")
install(DIRECTORY deploy/systemd/sftpgo.service.d DESTINATION "${POWERVIEW_DOCDIR}/deploy/systemd")

# --- Debian package ----------------------------------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "powerview")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "PowerView maintainers <powerview@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SFTPGo sidecar: MV2 logger uploads to InfluxDB and Grafana")
set(CPACK_PACKAGE_DESCRIPTION "PowerView turns MV2 power logger files uploaded to SFTPGo into \
InfluxDB time series and provisions per-company InfluxDB buckets and Grafana dashboards. It \
runs as SFTPGo's notifier plugin or as a standalone daemon fed by SFTPGo's action hook.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Debian 12's runtime libraries (scripts/debian-root.sh installs the same list). The versions are
# the ones the build links against; dpkg-shlibdeps is not used because it needs a debian/ tree.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.36), libstdc++6 (>= 12), libgcc-s1, libgrpc++1.51, libgrpc29, libprotobuf32, libabsl20220623, libcurl4 (>= 7.88), libnghttp2-14, libsqlite3-0 (>= 3.40), libssl3, zlib1g, adduser, tzdata, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "influxdb")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/deploy/debian/conffiles"
    "${PROJECT_SOURCE_DIR}/deploy/debian/postinst"
    "${PROJECT_SOURCE_DIR}/deploy/debian/prerm"
    "${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}")
# Install with DESTDIR and the real prefix (/usr), so that the install-time templates see it.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
include(CPack)
