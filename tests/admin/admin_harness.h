// An in-process admin server for tests: real SQLite journal and catalog, a real data root and
// event bus in a fresh temporary folder, a fake status probe, and clients for it.
#ifndef POWERVIEW_TESTS_ADMIN_ADMIN_HARNESS_H_
#define POWERVIEW_TESTS_ADMIN_ADMIN_HARNESS_H_

#include <filesystem>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "powerview/v1/admin_service.grpc.pb.h"
#include "server/admin/admin_server.h"
#include "server/admin/provision_backend.h"
#include "server/admin/reprocessor.h"
#include "server/admin/status_probe.h"
#include "server/catalog/catalog.h"
#include "server/journal/sqlite_journal.h"
#include "server/lifecycle/data_root.h"
#include "server/pipeline/event_bus.h"

namespace powerview::admin {

class FakeProbe : public StatusProbe {
 public:
  DependencyHealth InfluxDb() override { return influx; }
  DependencyHealth Grafana() override { return grafana; }
  WorkerLoad Workers() override { return workers; }

  DependencyHealth influx;
  DependencyHealth grafana;
  WorkerLoad workers;
};

class AdminHarness {
 public:
  AdminHarness();
  ~AdminHarness();

  // Starts the server on `address` ("tcp" = 127.0.0.1:0 with `token`, "unix" = a socket in the
  // temporary folder). ASSERTs that it started.
  void Start(const std::string& listener = "tcp", const std::string& token = "s3cret",
             ProvisionBackend* provision = nullptr);

  // A stub for the running server; `tls_ca` PEM makes it use TLS (TCP only).
  std::unique_ptr<v1::AdminService::Stub> Stub(const std::string& tls_ca = "") const;
  std::shared_ptr<grpc::Channel> Channel(const std::string& tls_ca = "") const;
  // A context carrying `authorization: Bearer <token>` (none when empty), 10 s deadline.
  std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "s3cret") const;

  // Writes `content` to `<root>/<relative>` (folders created) and returns the path.
  std::string WriteFile(const std::string& relative, const std::string& content) const;

  std::filesystem::path dir;
  std::string root;  // canonical data root
  std::string address;
  AdminServerOptions options;
  std::unique_ptr<journal::SqliteJournal> journal;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<lifecycle::DataRoot> data_root;
  pipeline::EventBus bus;
  int wakes = 0;
  std::unique_ptr<Reprocessor> reprocessor;
  FakeProbe probe;
  std::unique_ptr<AdminServer> server;
};

}  // namespace powerview::admin

#endif  // POWERVIEW_TESTS_ADMIN_ADMIN_HARNESS_H_
