# pv_plugin: SFTPGo notifier plugin mode (go-plugin handshake, AutoMTLS, go-plugin's services)
# and the grpc.health.v1 service the admin API reuses. Included from this folder's CMakeLists.
add_library(pv_plugin STATIC
  ${CMAKE_CURRENT_LIST_DIR}/health_service.cc
  ${CMAKE_CURRENT_LIST_DIR}/plugin_mode.cc
  ${CMAKE_CURRENT_LIST_DIR}/plugin_services.cc
  ${CMAKE_CURRENT_LIST_DIR}/tls_selfsigned.cc
)
target_compile_options(pv_plugin PRIVATE ${POWERVIEW_WARNINGS})
target_link_libraries(pv_plugin PUBLIC pv_common pv_proto OpenSSL::Crypto
  absl::status absl::statusor absl::strings absl::synchronization absl::time)
