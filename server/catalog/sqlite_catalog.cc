#include <map>
#include <mutex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "server/catalog/catalog.h"
#include "server/common/sqlite.h"

namespace powerview::catalog {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS companies (
  name TEXT PRIMARY KEY,
  created_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS campaigns (
  company TEXT NOT NULL,
  name TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  removed_us INTEGER,
  last_ingest_us INTEGER NOT NULL DEFAULT 0,
  files_ingested INTEGER NOT NULL DEFAULT 0,
  files_rejected INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (company, name)
);
CREATE TABLE IF NOT EXISTS devices (
  company TEXT NOT NULL,
  campaign TEXT NOT NULL,
  master_sn TEXT NOT NULL,
  subtype TEXT NOT NULL DEFAULT '',
  folder_serials TEXT NOT NULL DEFAULT '',
  last_ingest_us INTEGER NOT NULL DEFAULT 0,
  last_sample_us INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (company, campaign, master_sn)
);
CREATE TABLE IF NOT EXISTS channels (
  company TEXT NOT NULL,
  campaign TEXT NOT NULL,
  master_sn TEXT NOT NULL,
  field_key TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  label TEXT NOT NULL,
  name TEXT NOT NULL,
  unit TEXT NOT NULL,
  device_sn TEXT NOT NULL,
  device_type INTEGER NOT NULL,
  device_subtype TEXT NOT NULL,
  position INTEGER NOT NULL,
  first_seen_us INTEGER NOT NULL,
  PRIMARY KEY (company, campaign, master_sn, field_key)
);
CREATE TABLE IF NOT EXISTS reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  company TEXT NOT NULL,
  campaign TEXT NOT NULL,
  folder_serial TEXT NOT NULL,
  master_sn TEXT NOT NULL,
  status INTEGER NOT NULL,
  finished_us INTEGER NOT NULL,
  path TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_scope ON reports(company, campaign, id);
CREATE INDEX IF NOT EXISTS reports_path ON reports(path, id);
)sql";

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

google::protobuf::Timestamp ToProto(int64_t micros) {
  return TimeUtil::MicrosecondsToTimestamp(micros);
}

class SqliteCatalog : public Catalog {
 public:
  explicit SqliteCatalog(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  absl::Status Init() { return db_->Exec(kSchema); }

  absl::Status RecordCompany(const std::string& company, absl::Time when) override {
    std::lock_guard<std::mutex> lock(mu_);
    return RecordCompanyLocked(company, when);
  }

  absl::Status RecordCampaign(const std::string& company, const std::string& campaign,
                              absl::Time when) override {
    std::lock_guard<std::mutex> lock(mu_);
    return RecordCampaignLocked(company, campaign, when);
  }

  absl::Status RecordCampaignRemoved(const std::string& company, const std::string& campaign,
                                     absl::Time when) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto update =
        db_->Prepare("UPDATE campaigns SET removed_us = ? WHERE company = ? AND name = ?");
    if (!update.ok()) return update.status();
    update->Bind(1, Micros(when)).Bind(2, company).Bind(3, campaign);
    return update->Run();
  }

  absl::StatusOr<int> RecordChannels(const v1::IngestReport& report, const std::string& subtype,
                                     absl::Span<const v1::Channel> channels) override {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Time now = absl::Now();
    if (absl::Status s = RecordCampaignLocked(report.company(), report.campaign(), now); !s.ok()) {
      return s;
    }
    if (absl::Status s = db_->Exec("BEGIN"); !s.ok()) return s;
    absl::StatusOr<int> added = RecordChannelsLocked(report, subtype, channels, now);
    if (!added.ok()) {
      db_->Exec("ROLLBACK").IgnoreError();
      return added.status();
    }
    if (absl::Status s = db_->Exec("COMMIT"); !s.ok()) return s;
    return added;
  }

  absl::StatusOr<int64_t> AddReport(const v1::IngestReport& report) override {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Time now = absl::Now();
    if (absl::Status s = RecordCampaignLocked(report.company(), report.campaign(), now); !s.ok()) {
      return s;
    }
    auto insert = db_->Prepare(
        "INSERT INTO reports (company, campaign, folder_serial, master_sn, status, finished_us, "
        "path, data) VALUES (?,?,?,?,?,?,?,?)");
    if (!insert.ok()) return insert.status();
    int64_t finished = report.has_finished_time()
                           ? TimeUtil::TimestampToMicroseconds(report.finished_time())
                           : Micros(now);
    insert->Bind(1, report.company())
        .Bind(2, report.campaign())
        .Bind(3, report.folder_serial())
        .Bind(4, report.master_sn())
        .Bind(5, int64_t{report.status()})
        .Bind(6, finished)
        .Bind(7, report.path())
        .Bind(8, report.SerializeAsString());
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    int64_t id = db_->LastInsertRowId();
    bool ingested = report.status() == v1::INGEST_STATUS_INGESTED;
    auto update = db_->Prepare(absl::StrCat(
        "UPDATE campaigns SET last_ingest_us = MAX(last_ingest_us, ?), ",
        ingested ? "files_ingested = files_ingested + 1" : "files_rejected = files_rejected + 1",
        " WHERE company = ? AND name = ?"));
    if (!update.ok()) return update.status();
    update->Bind(1, finished).Bind(2, report.company()).Bind(3, report.campaign());
    if (absl::Status s = update->Run(); !s.ok()) return s;
    return id;
  }

  absl::StatusOr<v1::IngestReport> GetReport(int64_t report_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto query = db_->Prepare("SELECT id, data FROM reports WHERE id = ?");
    if (!query.ok()) return query.status();
    query->Bind(1, report_id);
    auto row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("no ingest report with id ", report_id));
    return ReadReport(*query);
  }

  absl::StatusOr<std::vector<v1::IngestReport>> ListReports(const ReportFilter& filter,
                                                            std::string* next_page_token) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t before = INT64_MAX;
    if (!filter.page_token.empty() && !absl::SimpleAtoi(filter.page_token, &before)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid page token '", filter.page_token, "'"));
    }
    int page_size = filter.page_size <= 0 ? 50 : std::min(filter.page_size, 1000);
    auto query = db_->Prepare(
        "SELECT id, data FROM reports WHERE id < ?1 AND (?2 = '' OR company = ?2) AND "
        "(?3 = '' OR campaign = ?3) AND (?4 = '' OR folder_serial = ?4 OR master_sn = ?4) AND "
        "(?5 = 0 OR status = ?5) AND finished_us >= ?6 AND finished_us <= ?7 "
        "ORDER BY id DESC LIMIT ?8");
    if (!query.ok()) return query.status();
    auto clamp = [](absl::Time t) {
      if (t == absl::InfinitePast()) return INT64_MIN;
      if (t == absl::InfiniteFuture()) return INT64_MAX;
      return absl::ToUnixMicros(t);
    };
    query->Bind(1, before)
        .Bind(2, filter.company)
        .Bind(3, filter.campaign)
        .Bind(4, filter.device)
        .Bind(5, int64_t{filter.status})
        .Bind(6, clamp(filter.since))
        .Bind(7, clamp(filter.until))
        .Bind(8, int64_t{page_size + 1});
    std::vector<v1::IngestReport> reports;
    while (true) {
      auto row = query->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      auto report = ReadReport(*query);
      if (!report.ok()) return report.status();
      reports.push_back(std::move(*report));
    }
    next_page_token->clear();
    if (static_cast<int>(reports.size()) > page_size) {
      reports.resize(page_size);
      *next_page_token = absl::StrCat(reports.back().report_id());
    }
    return reports;
  }

  absl::StatusOr<std::vector<v1::Company>> ListCompanies(const std::string& company,
                                                         bool include_removed) override;

 private:
  absl::Status RecordCompanyLocked(const std::string& company, absl::Time when) {
    auto insert = db_->Prepare("INSERT OR IGNORE INTO companies (name, created_us) VALUES (?, ?)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, company).Bind(2, Micros(when));
    return insert->Run();
  }

  absl::Status RecordCampaignLocked(const std::string& company, const std::string& campaign,
                                    absl::Time when) {
    if (absl::Status s = RecordCompanyLocked(company, when); !s.ok()) return s;
    auto insert = db_->Prepare(
        "INSERT INTO campaigns (company, name, created_us) VALUES (?, ?, ?) "
        "ON CONFLICT (company, name) DO UPDATE SET removed_us = NULL");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, company).Bind(2, campaign).Bind(3, Micros(when));
    return insert->Run();
  }

  absl::StatusOr<int> RecordChannelsLocked(const v1::IngestReport& report,
                                           const std::string& subtype,
                                           absl::Span<const v1::Channel> channels, absl::Time now) {
    int64_t last_sample =
        report.has_last_time() ? TimeUtil::TimestampToMicroseconds(report.last_time()) : 0;
    auto device = db_->Prepare(
        "INSERT INTO devices (company, campaign, master_sn, subtype, folder_serials, "
        "last_ingest_us, last_sample_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (company, campaign, master_sn) DO UPDATE SET subtype = ?4, "
        "folder_serials = CASE WHEN instr(',' || folder_serials || ',', ',' || ?5 || ',') > 0 "
        "THEN folder_serials WHEN folder_serials = '' THEN ?5 ELSE folder_serials || ',' || ?5 "
        "END, last_ingest_us = ?6, last_sample_us = MAX(last_sample_us, ?7)");
    if (!device.ok()) return device.status();
    device->Bind(1, report.company())
        .Bind(2, report.campaign())
        .Bind(3, report.master_sn())
        .Bind(4, subtype)
        .Bind(5, report.folder_serial())
        .Bind(6, Micros(now))
        .Bind(7, last_sample);
    if (absl::Status s = device->Run(); !s.ok()) return s;
    auto insert = db_->Prepare(
        "INSERT OR IGNORE INTO channels (company, campaign, master_sn, field_key, channel_id, "
        "label, name, unit, device_sn, device_type, device_subtype, position, first_seen_us) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!insert.ok()) return insert.status();
    int added = 0;
    int position = 0;
    for (const v1::Channel& c : channels) {
      insert->Reset();
      insert->Bind(1, report.company())
          .Bind(2, report.campaign())
          .Bind(3, report.master_sn())
          .Bind(4, c.field_key())
          .Bind(5, c.channel_id())
          .Bind(6, c.label())
          .Bind(7, c.name())
          .Bind(8, c.unit())
          .Bind(9, c.device_sn())
          .Bind(10, int64_t{c.device_type()})
          .Bind(11, c.device_subtype())
          .Bind(12, int64_t{position++})
          .Bind(13, Micros(now));
      if (absl::Status s = insert->Run(); !s.ok()) return s;
      added += db_->Changes();
    }
    return added;
  }

  static absl::StatusOr<v1::IngestReport> ReadReport(const SqliteStatement& row) {
    v1::IngestReport report;
    if (!report.ParseFromString(row.ColumnText(1))) {
      return absl::DataLossError(
          absl::StrCat("catalog: report ", row.ColumnInt(0), " cannot be decoded"));
    }
    report.set_report_id(row.ColumnInt(0));
    return report;
  }

  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;
};

absl::StatusOr<std::vector<v1::Company>> SqliteCatalog::ListCompanies(const std::string& company,
                                                                      bool include_removed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Company> companies;
  std::map<std::string, size_t> company_index;
  std::map<std::pair<std::string, std::string>, v1::Campaign*> campaigns;
  std::map<std::tuple<std::string, std::string, std::string>, v1::Device*> devices;

  auto list = db_->Prepare("SELECT name FROM companies WHERE ?1 = '' OR name = ?1 ORDER BY name");
  if (!list.ok()) return list.status();
  list->Bind(1, company);
  while (true) {
    auto row = list->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    v1::Company c;
    c.set_name(list->ColumnText(0));
    c.set_bucket(c.name());
    company_index[c.name()] = companies.size();
    companies.push_back(std::move(c));
  }
  if (companies.empty() && !company.empty()) {
    return absl::NotFoundError(absl::StrCat("company '", company, "' is not in the catalog"));
  }
  // Campaigns: pointers into repeated fields stay valid because each company's campaigns are
  // all added before any device is attached.
  // File counters count each file (upload path) once, by the outcome of its latest report, so a
  // reprocess does not count a file twice.
  auto camp = db_->Prepare(
      "SELECT k.company, k.name, k.created_us, k.last_ingest_us, "
      "COALESCE(f.ingested, 0), COALESCE(f.rejected, 0), k.removed_us IS NOT NULL "
      "FROM campaigns k LEFT JOIN ("
      "  SELECT company, campaign, SUM(status = 1) AS ingested, SUM(status != 1) AS rejected "
      "  FROM reports r WHERE (?1 = '' OR company = ?1) AND "
      "  id = (SELECT MAX(id) FROM reports l WHERE l.path = r.path) "
      "  GROUP BY company, campaign) f ON f.company = k.company AND f.campaign = k.name "
      "WHERE ?1 = '' OR k.company = ?1 ORDER BY k.company, k.name");
  if (!camp.ok()) return camp.status();
  camp->Bind(1, company);
  while (true) {
    auto row = camp->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (camp->ColumnInt(6) != 0 && !include_removed) continue;
    auto it = company_index.find(camp->ColumnText(0));
    if (it == company_index.end()) continue;
    v1::Campaign* c = companies[it->second].add_campaigns();
    c->set_company(camp->ColumnText(0));
    c->set_name(camp->ColumnText(1));
    *c->mutable_created_time() = ToProto(camp->ColumnInt(2));
    if (camp->ColumnInt(3) > 0) *c->mutable_last_ingest_time() = ToProto(camp->ColumnInt(3));
    c->set_files_ingested(camp->ColumnInt(4));
    c->set_files_rejected(camp->ColumnInt(5));
  }
  for (v1::Company& c : companies) {
    for (v1::Campaign& campaign : *c.mutable_campaigns()) {
      campaigns[{c.name(), campaign.name()}] = &campaign;
    }
  }
  auto dev = db_->Prepare(
      "SELECT company, campaign, master_sn, subtype, folder_serials, last_ingest_us, "
      "last_sample_us FROM devices WHERE ?1 = '' OR company = ?1 ORDER BY company, campaign, "
      "master_sn");
  if (!dev.ok()) return dev.status();
  dev->Bind(1, company);
  while (true) {
    auto row = dev->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto it = campaigns.find({dev->ColumnText(0), dev->ColumnText(1)});
    if (it == campaigns.end()) continue;
    v1::Device* d = it->second->add_devices();
    d->set_master_sn(dev->ColumnText(2));
    d->set_subtype(dev->ColumnText(3));
    for (absl::string_view s : absl::StrSplit(dev->ColumnText(4), ',', absl::SkipEmpty())) {
      d->add_folder_serials(std::string(s));
    }
    if (dev->ColumnInt(5) > 0) *d->mutable_last_ingest_time() = ToProto(dev->ColumnInt(5));
    if (dev->ColumnInt(6) > 0) *d->mutable_last_sample_time() = ToProto(dev->ColumnInt(6));
  }
  for (v1::Company& c : companies) {
    for (v1::Campaign& campaign : *c.mutable_campaigns()) {
      for (v1::Device& d : *campaign.mutable_devices()) {
        devices[{c.name(), campaign.name(), d.master_sn()}] = &d;
      }
    }
  }
  auto chan = db_->Prepare(
      "SELECT company, campaign, master_sn, field_key, channel_id, label, name, unit, device_sn, "
      "device_type, device_subtype FROM channels WHERE ?1 = '' OR company = ?1 "
      "ORDER BY company, campaign, master_sn, position, field_key");
  if (!chan.ok()) return chan.status();
  chan->Bind(1, company);
  while (true) {
    auto row = chan->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto it = devices.find({chan->ColumnText(0), chan->ColumnText(1), chan->ColumnText(2)});
    if (it == devices.end()) continue;
    v1::Channel* ch = it->second->add_channels();
    ch->set_field_key(chan->ColumnText(3));
    ch->set_channel_id(chan->ColumnText(4));
    ch->set_label(chan->ColumnText(5));
    ch->set_name(chan->ColumnText(6));
    ch->set_unit(chan->ColumnText(7));
    ch->set_device_sn(chan->ColumnText(8));
    ch->set_device_type(static_cast<v1::DeviceType>(chan->ColumnInt(9)));
    ch->set_device_subtype(chan->ColumnText(10));
  }
  return companies;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path) {
  auto db = SqliteDb::Open(path, /*durable=*/false);
  if (!db.ok()) return db.status();
  auto catalog = std::make_unique<SqliteCatalog>(std::move(*db));
  if (absl::Status s = catalog->Init(); !s.ok()) return s;
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace powerview::catalog
