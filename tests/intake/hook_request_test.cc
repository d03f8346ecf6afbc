// powerview-notify's own encodings (no protobuf library) against the daemon's: the same hook
// environment gives the same proto.FsEvent on the wire and through the spool, and its gRPC call
// reads answers and errors of a real gRPC server.
#include "client/notify/hook_request.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/notify/grpc_unary.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "notifier.grpc.pb.h"
#include "server/intake/hook_event.h"

namespace powerview {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;

struct Env {
  std::map<std::string, std::string> vars;
  std::function<const char*(const char*)> getenv() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

std::vector<Env> Environments() {
  Env full;
  full.vars = {{"SFTPGO_ACTION", "rename"},
               {"SFTPGO_ACTION_USERNAME", "acme"},
               {"SFTPGO_ACTION_PATH", "/srv/acme/site \"north\"/02000800/x\t\x01.tsv"},
               {"SFTPGO_ACTION_TARGET", "/srv/acme/site/02000800/T302_été.tsv"},
               {"SFTPGO_ACTION_VIRTUAL_PATH", "/site/x.tsv"},
               {"SFTPGO_ACTION_VIRTUAL_TARGET", "/site/T302_été.tsv"},
               {"SFTPGO_ACTION_SSH_CMD", "scp -t \\x"},
               {"SFTPGO_ACTION_PROTOCOL", "SFTP"},
               {"SFTPGO_ACTION_IP", "::1"},
               {"SFTPGO_ACTION_SESSION_ID", "abc-123"},
               {"SFTPGO_ACTION_BUCKET", "b"},
               {"SFTPGO_ACTION_ENDPOINT", "https://e"},
               {"SFTPGO_ACTION_ROLE", "r"},
               {"SFTPGO_ACTION_FILE_SIZE", " 9223372036854775807 "},
               {"SFTPGO_ACTION_STATUS", "-2"},
               {"SFTPGO_ACTION_TIMESTAMP", "1764300000123456789"},
               {"SFTPGO_ACTION_ELAPSED", "-5"},
               {"SFTPGO_ACTION_FS_PROVIDER", "4294967297"},  // cut to 32 bits: 1
               {"SFTPGO_ACTION_OPEN_FLAGS", "+578"}};
  Env minimal;
  minimal.vars = {{"SFTPGO_ACTION", "upload"}, {"SFTPGO_ACTION_TIMESTAMP", "7"}};
  Env zeros;
  zeros.vars = {{"SFTPGO_ACTION", "mkdir"},
                {"SFTPGO_ACTION_PATH", "/d"},
                {"SFTPGO_ACTION_STATUS", "0"},
                {"SFTPGO_ACTION_FILE_SIZE", "0"},
                {"SFTPGO_ACTION_TIMESTAMP", "-9223372036854775808"}};
  return {full, minimal, zeros};
}

TEST(HookRequest, WireEncodingEqualsTheDaemonsEvent) {
  for (const Env& env : Environments()) {
    absl::StatusOr<proto::FsEvent> expected = intake::FsEventFromHookEnvironment(env.getenv());
    ASSERT_TRUE(expected.ok()) << expected.status();
    notify::HookEvent event;
    std::string error;
    ASSERT_TRUE(notify::HookEventFromEnvironment(env.getenv(), 1, &event, &error)) << error;
    proto::FsEvent decoded;
    ASSERT_TRUE(decoded.ParseFromString(notify::EncodeFsEvent(event)));
    EXPECT_TRUE(MessageDifferencer::Equals(decoded, *expected))
        << decoded.DebugString() << "\nexpected\n"
        << expected->DebugString();
    // Byte for byte too: both serialize fields in number order.
    EXPECT_EQ(notify::EncodeFsEvent(event), expected->SerializeAsString());
  }
}

TEST(HookRequest, SpooledEventReadsBackAsTheDaemonsEvent) {
  fs::path dir = fs::temp_directory_path() / absl::StrCat("pv-hook-spool-", getpid());
  fs::remove_all(dir);
  for (const Env& env : Environments()) {
    absl::StatusOr<proto::FsEvent> expected = intake::FsEventFromHookEnvironment(env.getenv());
    ASSERT_TRUE(expected.ok());
    notify::HookEvent event;
    std::string error;
    ASSERT_TRUE(notify::HookEventFromEnvironment(env.getenv(), 1, &event, &error));
    std::string path = notify::SpoolHookEvent((dir / "a" / "spool").string(), event, &error);
    ASSERT_FALSE(path.empty()) << error;
    std::vector<proto::FsEvent> delivered;
    intake::DrainResult r =
        intake::DrainSpool((dir / "a" / "spool").string(), [&](const proto::FsEvent& e) {
          delivered.push_back(e);
          return absl::OkStatus();
        });
    EXPECT_EQ(r.delivered, 1);
    EXPECT_EQ(r.unreadable, 0) << notify::FsEventJson(event);
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_TRUE(MessageDifferencer::Equals(delivered[0], *expected)) << notify::FsEventJson(event);
  }
  fs::remove_all(dir);
}

TEST(HookRequest, RefusesWhatTheDaemonRefuses) {
  for (std::map<std::string, std::string> vars : std::vector<std::map<std::string, std::string>>{
           {{"SFTPGO_ACTION_PATH", "/x"}},
           {{"SFTPGO_ACTION", "upload"}, {"SFTPGO_ACTION_FILE_SIZE", "12a"}},
           {{"SFTPGO_ACTION", "upload"}, {"SFTPGO_ACTION_STATUS", "9223372036854775808"}}}) {
    Env env{vars};
    absl::StatusOr<proto::FsEvent> daemon = intake::FsEventFromHookEnvironment(env.getenv());
    notify::HookEvent event;
    std::string error;
    EXPECT_FALSE(notify::HookEventFromEnvironment(env.getenv(), 1, &event, &error));
    ASSERT_FALSE(daemon.ok());
    EXPECT_EQ(error, daemon.status().message());
  }
}

class RecordingNotifier : public proto::Notifier::Service {
 public:
  grpc::Status SendFsEvent(grpc::ServerContext*, const proto::FsEvent* event,
                           google::protobuf::Empty*) override {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(*event);
    if (event->action() == "refuse") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "path too long: 100% é");
    }
    return grpc::Status::OK;
  }
  std::mutex mu;
  std::vector<proto::FsEvent> events;
};

TEST(HookRequest, UnaryCallOverAUnixSocket) {
  fs::path dir = fs::temp_directory_path() / absl::StrCat("pv-hook-call-", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string socket = (dir / "n.sock").string();
  RecordingNotifier service;
  // The server appears 300 ms after the call started: the call waits for it.
  std::unique_ptr<grpc::Server> server;
  std::thread starter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  });
  notify::HookEvent event;
  event.action = "upload";
  event.fs_path = "/srv/a/b/c/d.tsv";
  event.timestamp = 42;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  notify::UnaryResult ok = notify::CallUnary("unix://" + socket, "/proto.Notifier/SendFsEvent",
                                             notify::EncodeFsEvent(event), deadline);
  starter.join();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(ok.ok) << ok.error;
  EXPECT_EQ(ok.grpc_status, 0);

  event.action = "refuse";
  notify::UnaryResult refused = notify::CallUnary("unix:" + socket, "/proto.Notifier/SendFsEvent",
                                                  notify::EncodeFsEvent(event), deadline);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.grpc_status, static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(refused.error, "path too long: 100% é");

  notify::UnaryResult unknown = notify::CallUnary("unix://" + socket, "/proto.Notifier/Nope",
                                                  notify::EncodeFsEvent(event), deadline);
  EXPECT_EQ(unknown.grpc_status, static_cast<int>(grpc::StatusCode::UNIMPLEMENTED));
  {
    std::lock_guard<std::mutex> lock(service.mu);
    ASSERT_EQ(service.events.size(), 2u);
    EXPECT_EQ(service.events[0].fs_path(), "/srv/a/b/c/d.tsv");
    EXPECT_EQ(service.events[0].timestamp(), 42);
  }
  server->Shutdown();

  // Nobody listening: the call gives up at its deadline, without an answer.
  auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  notify::UnaryResult none = notify::CallUnary("unix://" + (dir / "none.sock").string(),
                                               "/proto.Notifier/SendFsEvent", "", soon);
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.grpc_status, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - soon, std::chrono::milliseconds(500));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace powerview
