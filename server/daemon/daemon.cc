#include "server/daemon/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/intake/hook_event.h"
#include "server/parse/parse_options.h"
#include "server/provision/plan_render.h"

namespace powerview::daemon {
namespace {

namespace fs = std::filesystem;

}  // namespace

absl::StatusOr<std::string> PrepareListenAddress(const std::string& address) {
  std::string path;
  if (absl::StartsWith(address, "unix://")) {
    path = address.substr(7);
  } else if (absl::StartsWith(address, "unix:")) {
    path = address.substr(5);
  } else {
    return address;
  }
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", address, "': use unix:///absolute/path"));
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create the folder of ", path, ": ", ec.message()));
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  return absl::StrCat("unix:", path);
}

Daemon::Daemon(Config config) : config_(std::move(config)), started_(absl::Now()) {}

Daemon::~Daemon() { Shutdown(absl::Seconds(5)); }

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Create(Config config) {
  std::unique_ptr<Daemon> d(new Daemon(std::move(config)));
  const Config& c = d->config_;
  std::error_code ec;
  fs::create_directories(c.state_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create the state folder ", c.state_dir, ": ", ec.message()));
  }
  std::string db = c.state_dir + "/powerview.db";
  auto journal = journal::SqliteJournal::Open(db);
  if (!journal.ok()) return journal.status();
  d->journal_ = std::move(*journal);
  auto catalog = catalog::OpenSqliteCatalog(db);
  if (!catalog.ok()) return catalog.status();
  d->catalog_ = std::move(*catalog);

  auto root = lifecycle::DataRoot::Open(c.data_root);
  if (!root.ok()) return root.status();
  d->root_ = std::make_unique<lifecycle::DataRoot>(std::move(*root));

  sink::InfluxConfig influx;
  influx.api = c.influxdb_api == "v2" ? sink::InfluxConfig::Api::kV2 : sink::InfluxConfig::Api::kV1;
  influx.url = c.influxdb_url;
  influx.org = c.influxdb_org;
  influx.token = c.influxdb_token;
  influx.username = c.influxdb_user;
  influx.password = c.influxdb_password;
  influx.gzip = c.influxdb_gzip;
  influx.retry.max_elapsed = c.influx_retry_budget;
  influx.request_timeout = c.influxdb_timeout;
  influx.connect_timeout = c.influxdb_connect_timeout;
  d->http_ = NewCurlHttpClient();
  d->influx_ = std::make_unique<sink::InfluxWriter>(influx, d->http_.get());

  pipeline::IngestSettings ingest;
  ingest.parse.v002_time_zone = c.v002_timezone;
  auto floor = parse::ParseClockFloor(c.clock_floor);
  if (!floor.ok())
    return absl::InvalidArgumentError(absl::StrCat("--clock-floor: ", floor.status().message()));
  ingest.parse.clock_floor = *floor;
  ingest.keep_files = c.keep_files;
  ingest.meta_bucket = c.meta_bucket;
  d->ingest_ = std::make_unique<pipeline::IngestProcessor>(d->root_.get(), d->influx_.get(),
                                                           d->catalog_.get(), ingest);
  Daemon* self = d.get();
  if (c.provision && !c.grafana_url.empty()) {
    provision::ProvisionSettings p;
    p.influx.api = c.influxdb_api == "v2" ? provision::InfluxApiVersion::kV2
                                          : provision::InfluxApiVersion::kV1;
    p.influx.url = c.influxdb_url;
    p.influx.org = c.influxdb_org;
    p.influx.admin_token = c.influxdb_token;
    p.influx.v1_admin_user = c.influxdb_user;
    p.influx.v1_admin_password = c.influxdb_password;
    p.influx.retention = c.influxdb_retention;
    p.influx.v1_read_user = c.grafana_influx_user;
    p.influx.v1_read_password = c.grafana_influx_password;
    p.grafana.url = c.grafana_url;
    p.grafana.token = c.grafana_token;
    p.grafana.basic_user = c.grafana_user;
    p.grafana.basic_password = c.grafana_password;
    p.grafana.org_id = c.grafana_org_id;
    p.grafana.datasource_url = c.grafana_influx_url;
    p.team_members = c.grafana_team_members;
    p.dashboard_template_path = c.dashboard_template;
    p.retry.connect_timeout = c.provision_connect_timeout;
    p.retry.request_timeout = c.provision_timeout;
    p.retry.max_attempts = static_cast<int>(c.provision_attempts);
    p.retry.initial_backoff = c.provision_retry_initial;
    p.retry.max_backoff = c.provision_retry_max;
    p.retry.max_retry_after = c.provision_max_retry_after;
    p.retry.min_write_interval = c.provision_write_interval;
    p.takeover = c.provision_takeover;
    p.grafana.team_folder_permission = c.grafana_team_permission;
    p.grafana.isolate_folders = c.grafana_isolate_folders;
    p.influx.v1_retention_policy = c.influxdb_retention_policy;
    p.naming.uid_prefix = c.naming_uid_prefix;
    p.naming.team = c.naming_team;
    p.naming.folder_title = c.naming_folder_title;
    p.naming.datasource_name = c.naming_datasource;
    p.naming.dashboard_title = c.naming_dashboard_title;
    p.naming.token_description = c.naming_token_description;
    auto store = provision::SqliteProvisionStore::Open(db);
    if (!store.ok()) return store.status();
    d->provision_store_ = std::move(*store);
    auto provisioner = provision::Provisioner::Create(p, d->http_.get(), d->provision_store_.get());
    if (!provisioner.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("provisioning settings: ", provisioner.status().message()));
    }
    d->provisioner_ = std::move(*provisioner);
    provision::ProvisionScheduler::Options schedule;
    schedule.reconcile_interval = c.reconcile_interval;
    schedule.reconcile_applies = c.reconcile_apply;
    schedule.retry_initial = c.retry_initial;
    schedule.retry_max = c.retry_max;
    d->scheduler_ = std::make_unique<provision::ProvisionScheduler>(
        schedule,
        [self](const std::string& company, provision::ProvisionScheduler::Mode mode) {
          return self->RunProvision(company, mode);
        },
        [self]() -> absl::StatusOr<std::vector<std::string>> {
          absl::StatusOr<std::vector<v1::Company>> all = self->catalog_->ListCompanies("", false);
          if (!all.ok()) return all.status();
          std::vector<std::string> names;
          for (const v1::Company& company : *all) names.push_back(company.name());
          return names;
        });
  }
  d->dispatcher_ = std::make_unique<pipeline::JobDispatcher>(
      d->ingest_.get(), &d->bus_, [self](const std::string& company, const std::string& reason) {
        self->QueueProvision(company, reason);
      });
  d->workers_ = std::make_unique<pipeline::WorkerPool>(
      d->journal_.get(), static_cast<int>(c.workers),
      [self](const journal::Job& job) { return self->dispatcher_->Run(job); },
      pipeline::RetrySchedule{c.retry_initial, c.retry_max});
  d->sweeper_ = std::make_unique<pipeline::Sweeper>(d->root_.get(), d->journal_.get(),
                                                    d->journal_.get(), c.settle_time);
  d->intake_ = std::make_unique<intake::EventIntake>(
      d->root_.get(), d->journal_.get(), d->journal_.get(), d->catalog_.get(), &d->bus_,
      [self] { self->workers_->Wake(); },
      [self](const std::string& company) {
        self->dispatcher_->QueueProvision(company, "campaign folder created");
      });
  d->notifier_ = std::make_unique<intake::NotifierService>(d->intake_.get());
  d->status_probe_ = std::make_unique<admin::LiveStatusProbe>(
      d->influx_.get(), d->http_.get(), d->provisioner_ ? c.grafana_url : "", d->workers_.get(),
      c.provision_connect_timeout);
  d->readiness_ =
      std::make_unique<admin::ReadinessMonitor>(d->status_probe_.get(), c.health_interval);
  return d;
}

void Daemon::QueueProvision(const std::string& company, const std::string& reason) {
  if (scheduler_ == nullptr) return;
  PV_LOG_DEBUG("provision", "'%s' asked: %s", company, reason);
  scheduler_->Trigger(company, reason);
}

absl::Status Daemon::RunProvision(const std::string& company,
                                  provision::ProvisionScheduler::Mode mode) {
  // The catalog is read now, when the company's turn has come, not when it was asked for.
  absl::StatusOr<std::vector<v1::Company>> companies = catalog_->ListCompanies(company, false);
  if (!companies.ok()) return companies.status();
  v1::ProvisionScope scope;
  scope.set_kind(v1::PROVISION_SCOPE_KIND_COMPANY);
  scope.set_company(company);
  if (mode == provision::ProvisionScheduler::Mode::kReport) {
    absl::StatusOr<v1::Plan> plan = provisioner_->PlanFor(scope, *companies);
    if (!plan.ok()) return plan.status();
    if (plan->actions_size() > 0) {
      PV_LOG_WARN("provision", "reconcile found differences (not applied):\n%s",
                  provision::RenderPlan(*plan));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ApplyResult> result =
      provisioner_->Reconcile(scope, *companies, [&](const v1::ActionOutcome& outcome, int) {
        pipeline::PipelineEvent e;
        e.type = pipeline::EventType::kProvisionAction;
        e.company = outcome.company();
        e.message = provision::DescribeOutcome(outcome);
        bus_.Publish(std::move(e));
      });
  pipeline::PipelineEvent done;
  done.type = pipeline::EventType::kProvisionDone;
  done.company = company;
  if (!result.ok()) {
    // Grafana or InfluxDB unreachable, or refusing: the executor retries later; ingest goes on.
    done.message = std::string(result.status().message());
    bus_.Publish(done);
    return result.status();
  }
  std::string summary =
      absl::StrFormat("provisioned: %d applied, %d failed, %d skipped after a failure",
                      result->applied(), result->failed(), result->skipped());
  done.message = summary;
  bus_.Publish(done);
  if (result->applied() + result->failed() > 0) {
    PV_LOG_INFO("provision", "'%s': %s", company, summary);
  }
  if (result->failed() > 0) return absl::UnavailableError(summary);
  return absl::OkStatus();
}

absl::Status Daemon::StartPipeline() {
  // Only jobs left by a process of this machine that is gone: a live daemon sharing the
  // journal keeps its claims.
  absl::StatusOr<int64_t> resumed = journal_->RecoverAbandoned();
  if (!resumed.ok()) return resumed.status();
  if (*resumed > 0) {
    PV_LOG_INFO("daemon", "resuming %d unfinished job(s) of a stopped process", *resumed);
  }
  workers_->Start();
  if (scheduler_ != nullptr) scheduler_->Start();
  readiness_->Start();
  loop_ = std::thread([this] { BackgroundLoop(); });
  return absl::OkStatus();
}

void Daemon::RegisterNotifier(grpc::ServerBuilder* builder) {
  builder->RegisterService(notifier_.get());
}

absl::Status Daemon::StartNotifierServer() {
  if (config_.listen.empty()) return absl::OkStatus();
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(64 << 20);
  for (const std::string& address : config_.listen) {
    absl::StatusOr<std::string> prepared = PrepareListenAddress(address);
    if (!prepared.ok()) return prepared.status();
    builder.AddListeningPort(*prepared, grpc::InsecureServerCredentials());
  }
  RegisterNotifier(&builder);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", absl::StrJoin(config_.listen, ", "),
                     " (address in use, or no permission for the socket folder?)"));
  }
  PV_LOG_INFO("daemon", "notifier service listening on %s", absl::StrJoin(config_.listen, ", "));
  return absl::OkStatus();
}

absl::Status Daemon::StartAdminServer() {
  if (config_.admin_listen.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> address = PrepareListenAddress(config_.admin_listen);
  if (!address.ok()) return address.status();
  reprocessor_ =
      std::make_unique<admin::Reprocessor>(root_.get(), journal_.get(), journal_.get(),
                                           catalog_.get(), &bus_, [this] { workers_->Wake(); });
  admin::AdminBackends backends;
  backends.journal = journal_.get();
  backends.catalog = catalog_.get();
  backends.bus = &bus_;
  backends.reprocessor = reprocessor_.get();
  backends.probe = readiness_.get();
  if (provisioner_ != nullptr) {
    provision_backend_ =
        std::make_unique<admin::ProvisionerBackend>(provisioner_.get(), catalog_.get());
    backends.provision = provision_backend_.get();
  }
  backends.data_root = root_->root();
  backends.started = started_;
  admin::AdminServerOptions options;
  options.address = *address;
  options.token = config_.admin_token;
  options.tls_cert_file = config_.admin_tls_cert;
  options.tls_key_file = config_.admin_tls_key;
  absl::StatusOr<std::unique_ptr<admin::AdminServer>> server =
      admin::AdminServer::Start(options, std::move(backends));
  if (!server.ok()) return server.status();
  admin_server_ = std::move(*server);
  intake::HealthService* health = admin_server_->health();
  readiness_->SetListener([health](const std::string& service, bool serving) {
    health->SetStatus(service, serving ? grpc::health::v1::HealthCheckResponse::SERVING
                                       : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  });
  return absl::OkStatus();
}

void Daemon::DrainSpoolOnce() {
  intake::DrainResult r = intake::DrainSpool(
      config_.spool_dir, [this](const proto::FsEvent& e) { return intake_->Accept(e); });
  if (r.delivered + r.failed + r.unreadable > 0) {
    PV_LOG_INFO("spool",
                "%d spooled event(s) taken in, %d left for later, %d unreadable (moved to "
                "bad/)",
                r.delivered, r.failed, r.unreadable);
  }
}

void Daemon::BackgroundLoop() {
  absl::Time next_sweep = absl::Now();
  absl::Time next_spool = absl::Now();
  absl::Time next_prune = absl::Now() + absl::Hours(1);
  while (true) {
    absl::Time now = absl::Now();
    if (now >= next_spool) {
      DrainSpoolOnce();
      next_spool = now + config_.spool_interval;
    }
    if (config_.sweep_interval > absl::ZeroDuration() && now >= next_sweep) {
      absl::StatusOr<pipeline::SweepResult> swept = sweeper_->Scan(now);
      if (!swept.ok()) {
        PV_LOG_WARN("sweeper", "scan failed: %s", swept.status().message());
      } else {
        if (swept->queued > 0) workers_->Wake();
        PV_LOG_DEBUG("sweeper", "%d file(s) seen, %d queued, %d still changing", swept->files_seen,
                     swept->queued, swept->still_changing);
      }
      // Files still being written are looked at again soon rather than a full interval later.
      absl::Duration wait = config_.sweep_interval;
      if (swept.ok() && swept->still_changing > 0 && config_.settle_time < wait) {
        wait = config_.settle_time;
      }
      next_sweep = now + wait;
    }
    if (now >= next_prune) {
      absl::StatusOr<int64_t> pruned = journal_->Prune(now - absl::Hours(24 * 30));
      if (pruned.ok() && *pruned > 0) PV_LOG_INFO("journal", "forgot %d old entries", *pruned);
      next_prune = now + absl::Hours(6);
    }
    absl::Time wake = std::min(next_spool, next_prune);
    if (config_.sweep_interval > absl::ZeroDuration()) wake = std::min(wake, next_sweep);
    std::unique_lock<std::mutex> lock(loop_mu_);
    loop_cv_.wait_for(
        lock, absl::ToChronoMilliseconds(std::max(wake - absl::Now(), absl::Milliseconds(50))),
        [this] { return loop_stop_; });
    if (loop_stop_) return;
  }
}

bool Daemon::Shutdown(absl::Duration grace) {
  // One deadline for everything: the whole shutdown takes at most `grace`.
  absl::Time deadline = absl::Now() + grace;
  if (workers_) workers_->RequestStop();
  if (readiness_) readiness_->SetListener(nullptr);
  if (admin_server_) {
    admin_server_->Shutdown((deadline - absl::Now()) / 3);
    admin_server_.reset();
  }
  bool probes_stopped =
      readiness_ == nullptr ||
      readiness_->Stop(std::max(deadline - absl::Now(), absl::ZeroDuration()) / 4);
  if (server_) {
    absl::Duration left = std::max(deadline - absl::Now(), absl::ZeroDuration());
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(left) / 2));
    server_.reset();
  }
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    loop_stop_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  bool provisioning_stopped =
      scheduler_ == nullptr ||
      scheduler_->Stop(std::max(deadline - absl::Now(), absl::ZeroDuration()) / 2);
  bool workers_stopped =
      workers_ == nullptr || workers_->Stop(std::max(deadline - absl::Now(), absl::ZeroDuration()));
  return provisioning_stopped && workers_stopped && probes_stopped;
}

}  // namespace powerview::daemon
