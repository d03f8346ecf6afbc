// The catalog: what PowerView knows about companies, campaigns, devices, channels and ingested
// files. Its vocabulary is the powerview.v1 protobuf models; provisioning and the admin API read
// it, the pipeline and intake write it.
#ifndef POWERVIEW_SERVER_CATALOG_CATALOG_H_
#define POWERVIEW_SERVER_CATALOG_CATALOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "powerview/v1/models.pb.h"

namespace powerview::catalog {

struct ReportFilter {
  std::string company;
  std::string campaign;
  // Master serial or folder serial.
  std::string device;
  v1::IngestStatus status = v1::INGEST_STATUS_UNSPECIFIED;  // unspecified: any
  absl::Time since = absl::InfinitePast();
  absl::Time until = absl::InfiniteFuture();
  int page_size = 50;
  // Opaque cursor from a previous page; "" for the first page.
  std::string page_token;
};

class Catalog {
 public:
  virtual ~Catalog() = default;

  virtual absl::Status RecordCompany(const std::string& company, absl::Time when) = 0;
  // A campaign folder exists (mkdir, or a file in it). Idempotent.
  virtual absl::Status RecordCampaign(const std::string& company, const std::string& campaign,
                                      absl::Time when) = 0;
  // The campaign folder was removed (rmdir): kept, marked removed, so prune can act on it.
  virtual absl::Status RecordCampaignRemoved(const std::string& company,
                                             const std::string& campaign, absl::Time when) = 0;
  // Records the device and channels of an ingested file. Returns how many of the channels were
  // not known before for this campaign (new channels trigger provisioning).
  virtual absl::StatusOr<int> RecordChannels(const v1::IngestReport& report,
                                             const std::string& subtype,
                                             absl::Span<const v1::Channel> channels) = 0;
  // Stores a report (any status) and returns its id.
  virtual absl::StatusOr<int64_t> AddReport(const v1::IngestReport& report) = 0;
  virtual absl::StatusOr<v1::IngestReport> GetReport(int64_t report_id) = 0;
  // Newest first. `next_page_token` is "" on the last page.
  virtual absl::StatusOr<std::vector<v1::IngestReport>> ListReports(
      const ReportFilter& filter, std::string* next_page_token) = 0;
  // The company tree (campaigns, devices, channels); `company` "" = all companies.
  // Removed campaigns are left out unless `include_removed`.
  virtual absl::StatusOr<std::vector<v1::Company>> ListCompanies(const std::string& company,
                                                                 bool include_removed) = 0;
};

// Catalog tables in the SQLite database at `path` (WAL; may be the journal's file). Thread-safe.
absl::StatusOr<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path);

}  // namespace powerview::catalog

#endif  // POWERVIEW_SERVER_CATALOG_CATALOG_H_
