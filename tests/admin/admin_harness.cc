#include "tests/admin/admin_harness.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace powerview::admin {

namespace fs = std::filesystem;

AdminHarness::AdminHarness() {
  static int counter = 0;
  dir = fs::temp_directory_path() / absl::StrCat("pv-admin-", getpid(), "-", ++counter);
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  auto opened_journal = journal::SqliteJournal::Open((dir / "powerview.db").string());
  EXPECT_TRUE(opened_journal.ok()) << opened_journal.status();
  journal = std::move(*opened_journal);
  auto opened_catalog = catalog::OpenSqliteCatalog((dir / "powerview.db").string());
  EXPECT_TRUE(opened_catalog.ok()) << opened_catalog.status();
  catalog = std::move(*opened_catalog);
  auto opened_root = lifecycle::DataRoot::Open((dir / "data").string());
  EXPECT_TRUE(opened_root.ok()) << opened_root.status();
  data_root = std::make_unique<lifecycle::DataRoot>(std::move(*opened_root));
  root = data_root->root();
  reprocessor = std::make_unique<Reprocessor>(data_root.get(), journal.get(), journal.get(),
                                              catalog.get(), &bus, [this] { ++wakes; });
  probe.influx = {true, true, "http://127.0.0.1:8086", "1.6.7", "", absl::Milliseconds(2)};
  probe.workers = {2, 1};
}

AdminHarness::~AdminHarness() {
  server.reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void AdminHarness::Start(const std::string& listener, const std::string& token,
                         ProvisionBackend* provision) {
  if (listener == "unix") {
    options.address = absl::StrCat("unix://", (dir / "admin.sock").string());
  } else {
    options.address = "127.0.0.1:0";
    options.token = token;
  }
  AdminBackends backends;
  backends.journal = journal.get();
  backends.catalog = catalog.get();
  backends.bus = &bus;
  backends.reprocessor = reprocessor.get();
  backends.provision = provision;
  backends.probe = &probe;
  backends.data_root = root;
  backends.started = absl::Now() - absl::Minutes(5);
  backends.poll_interval = absl::Milliseconds(20);
  auto started = AdminServer::Start(options, backends);
  ASSERT_TRUE(started.ok()) << started.status();
  server = std::move(*started);
  address = listener == "unix" ? options.address : absl::StrCat("127.0.0.1:", server->port());
}

std::shared_ptr<grpc::Channel> AdminHarness::Channel(const std::string& tls_ca) const {
  if (tls_ca.empty()) return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls_ca;
  return grpc::CreateChannel(absl::StrCat("localhost:", server->port()), grpc::SslCredentials(ssl));
}

std::unique_ptr<v1::AdminService::Stub> AdminHarness::Stub(const std::string& tls_ca) const {
  return v1::AdminService::NewStub(Channel(tls_ca));
}

std::unique_ptr<grpc::ClientContext> AdminHarness::Context(const std::string& token) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

std::string AdminHarness::WriteFile(const std::string& relative, const std::string& content) const {
  fs::path path = fs::path(root) / relative;
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

}  // namespace powerview::admin
