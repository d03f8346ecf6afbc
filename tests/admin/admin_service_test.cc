// The admin service over a real in-process gRPC server: authentication, TLS, health, the
// catalog and report calls, status and provisioning (with a fake backend).
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/intake/tls_selfsigned.h"
#include "tests/admin/admin_harness.h"

namespace powerview::admin {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One ingested or rejected file of `company/campaign/device`, finished at `finished`.
int64_t AddReport(AdminHarness& h, const std::string& company, const std::string& campaign,
                  const std::string& device, v1::IngestStatus status, absl::Time finished) {
  EXPECT_TRUE(h.catalog->RecordCampaign(company, campaign, finished).ok());
  v1::IngestReport r;
  r.set_path(absl::StrCat(h.root, "/", company, "/", campaign, "/", device, "/T302_",
                          absl::ToUnixSeconds(finished), ".tsv"));
  r.set_company(company);
  r.set_campaign(campaign);
  r.set_folder_serial(device);
  r.set_master_sn(device);
  r.set_status(status);
  r.mutable_counts()->set_points(120);
  *r.mutable_finished_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(finished));
  if (status == v1::INGEST_STATUS_INGESTED) {
    v1::Channel u1;
    u1.set_channel_id(absl::StrCat("M", device, "_U1"));
    u1.set_label("U1");
    u1.set_name("Ph 1");
    u1.set_unit("V");
    u1.set_field_key(absl::StrCat("M", device, "_U1_V"));
    u1.set_device_sn(device);
    u1.set_device_type(v1::DEVICE_TYPE_MASTER);
    EXPECT_TRUE(h.catalog->RecordChannels(r, "tri", {u1}).ok());
  } else {
    r.set_error("no data rows");
  }
  absl::StatusOr<int64_t> id = h.catalog->AddReport(r);
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : 0;
}

TEST(AdminAuth, TcpNeedsTheBearerToken) {
  AdminHarness h;
  h.Start("tcp", "s3cret");
  auto stub = h.Stub();
  v1::ListCompaniesResponse response;
  grpc::Status none = stub->ListCompanies(h.Context("").get(), {}, &response);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("authorization: Bearer"));
  grpc::Status wrong = stub->ListCompanies(h.Context("guess").get(), {}, &response);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto basic = h.Context("");
  basic->AddMetadata("authorization", "Basic czNjcmV0");
  EXPECT_EQ(stub->ListCompanies(basic.get(), {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub->ListCompanies(h.Context("s3cret").get(), {}, &response).ok());
  // Every admin call is guarded, streams included.
  v1::GetStatusResponse status;
  EXPECT_EQ(stub->GetStatus(h.Context("").get(), {}, &status).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto context = h.Context("");
  auto watch = stub->Watch(context.get(), v1::WatchRequest());
  v1::WatchResponse event;
  EXPECT_FALSE(watch->Read(&event));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(AdminAuth, UnixSocketNeedsNoToken) {
  AdminHarness h;
  h.Start("unix");
  v1::ListCompaniesResponse response;
  EXPECT_TRUE(h.Stub()->ListCompanies(h.Context("").get(), {}, &response).ok());
  std::error_code ec;
  auto perms = std::filesystem::status(h.dir / "admin.sock", ec).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_all, std::filesystem::perms::none);
}

TEST(AdminAuth, TcpWithoutATokenDoesNotStart) {
  AdminHarness h;
  AdminServerOptions options;
  options.address = "127.0.0.1:0";
  AdminBackends backends;
  auto started = AdminServer::Start(options, backends);
  EXPECT_TRUE(absl::IsFailedPrecondition(started.status())) << started.status();
  EXPECT_THAT(std::string(started.status().message()), HasSubstr("--admin-token"));
}

TEST(AdminAuth, TlsWithTheServersCertificate) {
  AdminHarness h;
  auto cert = intake::MakeSelfSignedCertificate("localhost", absl::Hours(1));
  ASSERT_TRUE(cert.ok()) << cert.status();
  std::ofstream(h.dir / "admin.crt") << cert->certificate_pem;
  std::ofstream(h.dir / "admin.key") << cert->private_key_pem;
  h.options.tls_cert_file = (h.dir / "admin.crt").string();
  h.options.tls_key_file = (h.dir / "admin.key").string();
  h.Start("tcp", "s3cret");
  v1::GetStatusResponse status;
  grpc::Status s = h.Stub(cert->certificate_pem)->GetStatus(h.Context().get(), {}, &status);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // A plaintext client cannot talk to the TLS listener.
  auto plain = h.Context();
  plain->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(h.Stub()->GetStatus(plain.get(), {}, &status).ok());
}

TEST(AdminHealth, ServingWithoutAToken) {
  AdminHarness h;
  h.Start("tcp");
  auto health = grpc::health::v1::Health::NewStub(h.Channel());
  for (const char* service : {"", "powerview.v1.AdminService"}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("proto.Notifier");  // never on the admin listener
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_EQ(health->Check(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(AdminCatalog, CompaniesAndCampaignsWithDevicesAndChannels) {
  AdminHarness h;
  absl::Time t = absl::FromUnixSeconds(1767225600);
  AddReport(h, "acme", "north", "02001171", v1::INGEST_STATUS_INGESTED, t);
  AddReport(h, "acme", "south", "02001283", v1::INGEST_STATUS_REJECTED, t);
  AddReport(h, "zenith", "roof", "02000800", v1::INGEST_STATUS_INGESTED, t);
  h.Start();
  auto stub = h.Stub();

  v1::ListCompaniesResponse companies;
  ASSERT_TRUE(stub->ListCompanies(h.Context().get(), {}, &companies).ok());
  ASSERT_EQ(companies.companies_size(), 2);
  EXPECT_EQ(companies.companies(0).name(), "acme");
  EXPECT_EQ(companies.companies(0).campaigns_size(), 2);
  EXPECT_EQ(companies.companies(0).campaigns(0).devices_size(), 0) << "devices only in campaigns";

  v1::ListCampaignsRequest request;
  request.set_company("acme");
  request.set_campaign("north");
  v1::ListCampaignsResponse campaigns;
  ASSERT_TRUE(stub->ListCampaigns(h.Context().get(), request, &campaigns).ok());
  ASSERT_EQ(campaigns.campaigns_size(), 1);
  const v1::Campaign& north = campaigns.campaigns(0);
  ASSERT_EQ(north.devices_size(), 1);
  EXPECT_EQ(north.devices(0).master_sn(), "02001171");
  ASSERT_EQ(north.devices(0).channels_size(), 1);
  EXPECT_EQ(north.devices(0).channels(0).field_key(), "M02001171_U1_V");

  v1::ListCampaignsResponse all;
  ASSERT_TRUE(stub->ListCampaigns(h.Context().get(), {}, &all).ok());
  EXPECT_EQ(all.campaigns_size(), 3);

  request.set_company("nobody");
  request.clear_campaign();
  grpc::Status unknown = stub->ListCampaigns(h.Context().get(), request, &campaigns);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown.error_message(), HasSubstr("nobody"));
  request.set_company("acme");
  request.set_campaign("west");
  EXPECT_EQ(stub->ListCampaigns(h.Context().get(), request, &campaigns).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_company("");
  EXPECT_EQ(stub->ListCampaigns(h.Context().get(), request, &campaigns).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_company("../etc");
  request.clear_campaign();
  EXPECT_EQ(stub->ListCampaigns(h.Context().get(), request, &campaigns).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(AdminReports, FiltersAndPages) {
  AdminHarness h;
  absl::Time t0 = absl::FromUnixSeconds(1767225600);
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(AddReport(h, "acme", "north", i % 2 ? "02000002" : "02000001",
                            i == 3 ? v1::INGEST_STATUS_REJECTED : v1::INGEST_STATUS_INGESTED,
                            t0 + absl::Hours(i)));
  }
  AddReport(h, "zenith", "roof", "02000800", v1::INGEST_STATUS_INGESTED, t0);
  h.Start();
  auto stub = h.Stub();

  // Pages of two, newest first, until the token runs out.
  v1::ListIngestReportsRequest request;
  request.set_company("acme");
  request.set_page_size(2);
  std::vector<int64_t> seen;
  for (int page = 0; page < 5; ++page) {
    v1::ListIngestReportsResponse response;
    ASSERT_TRUE(stub->ListIngestReports(h.Context().get(), request, &response).ok());
    for (const auto& r : response.reports()) seen.push_back(r.report_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre(ids[4], ids[3], ids[2], ids[1], ids[0]));

  auto list = [&](v1::ListIngestReportsRequest r) {
    v1::ListIngestReportsResponse response;
    grpc::Status s = stub->ListIngestReports(h.Context().get(), r, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<int64_t> out;
    for (const auto& report : response.reports()) out.push_back(report.report_id());
    return out;
  };
  v1::ListIngestReportsRequest by_status;
  by_status.set_status(v1::INGEST_STATUS_REJECTED);
  EXPECT_THAT(list(by_status), ElementsAre(ids[3]));
  v1::ListIngestReportsRequest by_device;
  by_device.set_device("02000002");
  EXPECT_THAT(list(by_device), ElementsAre(ids[3], ids[1]));
  v1::ListIngestReportsRequest by_time;
  *by_time.mutable_since_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(t0 + absl::Hours(2)));
  *by_time.mutable_until_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(t0 + absl::Hours(3)));
  EXPECT_THAT(list(by_time), ElementsAre(ids[3], ids[2]));
  v1::ListIngestReportsRequest by_campaign;
  by_campaign.set_company("zenith");
  by_campaign.set_campaign("roof");
  EXPECT_EQ(list(by_campaign).size(), 1u);

  auto code = [&](v1::ListIngestReportsRequest r) {
    v1::ListIngestReportsResponse response;
    return stub->ListIngestReports(h.Context().get(), r, &response).error_code();
  };
  v1::ListIngestReportsRequest bad = by_time;
  std::swap(*bad.mutable_since_time(), *bad.mutable_until_time());
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
  bad = {};
  bad.set_page_size(-1);
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
  bad = {};
  bad.set_page_token("not-a-token");
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
  bad = {};
  bad.set_status(static_cast<v1::IngestStatus>(42));
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
  bad = {};
  bad.set_company("nobody");
  EXPECT_EQ(code(bad), grpc::StatusCode::NOT_FOUND);
}

TEST(AdminReports, GetOneReport) {
  AdminHarness h;
  int64_t id = AddReport(h, "acme", "north", "02001171", v1::INGEST_STATUS_REJECTED,
                         absl::FromUnixSeconds(1767225600));
  h.Start();
  auto stub = h.Stub();
  v1::GetIngestReportRequest request;
  request.set_report_id(id);
  v1::GetIngestReportResponse response;
  ASSERT_TRUE(stub->GetIngestReport(h.Context().get(), request, &response).ok());
  EXPECT_EQ(response.report().error(), "no data rows");
  EXPECT_EQ(response.report().report_id(), id);
  request.set_report_id(id + 100);
  grpc::Status missing = stub->GetIngestReport(h.Context().get(), request, &response);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing.error_message(), HasSubstr(absl::StrCat(id + 100)));
  request.set_report_id(0);
  EXPECT_EQ(stub->GetIngestReport(h.Context().get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(AdminStatus, QueueWorkersDependenciesVersions) {
  AdminHarness h;
  journal::NewJob job;
  job.path = "/x/a.tsv";
  job.dedupe_key = "a";
  ASSERT_TRUE(h.journal->Enqueue(job).ok());
  job.dedupe_key = "b";
  ASSERT_TRUE(h.journal->Enqueue(job).ok());
  h.probe.grafana = {
      true, false, "http://grafana:3000", "", "connection refused", absl::Milliseconds(1)};
  h.Start();
  v1::GetStatusResponse status;
  ASSERT_TRUE(h.Stub()->GetStatus(h.Context().get(), {}, &status).ok());
  EXPECT_EQ(status.queue().pending(), 2);
  EXPECT_EQ(status.workers().workers(), 2);
  EXPECT_EQ(status.workers().busy(), 1);
  EXPECT_TRUE(status.influxdb().reachable());
  EXPECT_EQ(status.influxdb().version(), "1.6.7");
  EXPECT_TRUE(status.grafana().configured());
  EXPECT_FALSE(status.grafana().reachable());
  EXPECT_EQ(status.grafana().error(), "connection refused");
  EXPECT_FALSE(status.provisioning_configured());
  EXPECT_EQ(status.version(), POWERVIEW_VERSION);
  EXPECT_FALSE(status.grpc_version().empty());
  EXPECT_FALSE(status.sqlite_version().empty());
  EXPECT_GE(status.uptime().seconds(), 299);
  EXPECT_EQ(status.data_root(), h.root);
}

}  // namespace
}  // namespace powerview::admin
