// pv_plugin in-process: environment parsing, version negotiation, the self-signed certificate,
// and a PluginServer reached with a C++ gRPC client (health, controller, stdio, mutual TLS).
#include "server/intake/plugin_mode.h"

#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "plugin/grpc_controller.grpc.pb.h"
#include "plugin/grpc_stdio.grpc.pb.h"
#include "server/intake/tls_selfsigned.h"

namespace powerview::intake {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

EnvironmentLookup Lookup(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(PluginEnvironmentTest, DefaultsWhenNothingIsSet) {
  absl::StatusOr<PluginEnvironment> env = ReadPluginEnvironment(Lookup({}));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_FALSE(env->has_cookie);
  EXPECT_TRUE(env->offered_versions.empty());
  EXPECT_EQ(env->min_port, 10000);
  EXPECT_EQ(env->max_port, 25000);
  EXPECT_EQ(env->client_cert_pem, "");
  EXPECT_EQ(env->unix_socket_dir, "/tmp");
}

TEST(PluginEnvironmentTest, ReadsWhatSftpgoSets) {
  absl::StatusOr<PluginEnvironment> env = ReadPluginEnvironment(Lookup({
      {"SFTPGO_PLUGIN_NOTIFIER", "c499b98b-cd59-4df2-92b3-6268817f4d80"},
      {"PLUGIN_PROTOCOL_VERSIONS", "3, 1,x"},
      {"PLUGIN_MIN_PORT", "20000"},
      {"PLUGIN_MAX_PORT", "20010"},
      {"PLUGIN_CLIENT_CERT", "PEM"},
      {"TMPDIR", "/var/tmp"},
  }));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_TRUE(env->has_cookie);
  EXPECT_THAT(env->offered_versions, ElementsAre(3, 1));  // "x" skipped, as go-plugin does
  EXPECT_EQ(env->min_port, 20000);
  EXPECT_EQ(env->max_port, 20010);
  EXPECT_EQ(env->client_cert_pem, "PEM");
  EXPECT_EQ(env->unix_socket_dir, "/var/tmp");
}

TEST(PluginEnvironmentTest, SocketDirPrefersPluginUnixSocketDir) {
  absl::StatusOr<PluginEnvironment> env = ReadPluginEnvironment(
      Lookup({{"PLUGIN_UNIX_SOCKET_DIR", "/run/sftpgo"}, {"TMPDIR", "/var/tmp"}}));
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->unix_socket_dir, "/run/sftpgo");
}

TEST(PluginEnvironmentTest, WrongCookieIsNoCookie) {
  absl::StatusOr<PluginEnvironment> env =
      ReadPluginEnvironment(Lookup({{"SFTPGO_PLUGIN_NOTIFIER", "something-else"}}));
  ASSERT_TRUE(env.ok());
  EXPECT_FALSE(env->has_cookie);
}

TEST(PluginEnvironmentTest, BadPortsAreErrorsNamingTheVariable) {
  absl::StatusOr<PluginEnvironment> env = ReadPluginEnvironment(Lookup({{"PLUGIN_MIN_PORT", "x"}}));
  EXPECT_EQ(env.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(env.status().message(), HasSubstr("PLUGIN_MIN_PORT='x'"));
  env = ReadPluginEnvironment(Lookup({{"PLUGIN_MIN_PORT", "300"}, {"PLUGIN_MAX_PORT", "200"}}));
  EXPECT_EQ(env.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(env.status().message(), HasSubstr("above PLUGIN_MAX_PORT"));
}

TEST(NegotiateVersionTest, PicksOneWhenOfferedOrWhenNothingIsOffered) {
  PluginEnvironment env;
  EXPECT_EQ(*NegotiateVersion(env), 1);
  env.offered_versions = {2, 1};
  EXPECT_EQ(*NegotiateVersion(env), 1);
}

TEST(NegotiateVersionTest, RefusesLikeGoPlugin) {
  PluginEnvironment env;
  env.offered_versions = {2, 3};
  absl::StatusOr<int> version = NegotiateVersion(env);
  EXPECT_EQ(version.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(version.status().message(),
              HasSubstr("Incompatible API version with plugin. Plugin version: 1, Client "
                        "versions: [2 3]"));
}

TEST(NotPluginLaunchMessageTest, ExplainsHowToConfigureSftpgo) {
  std::string text = NotPluginLaunchMessage("powerviewd");
  EXPECT_THAT(text, HasSubstr("powerviewd: plugin mode was requested"));
  EXPECT_THAT(text, HasSubstr("\"plugins\""));
  EXPECT_THAT(text, HasSubstr("\"type\": \"notifier\""));
  EXPECT_THAT(text, HasSubstr("docs/plugin-mode.md"));
}

TEST(Base64RawStdTest, StandardAlphabetWithoutPadding) {
  EXPECT_EQ(Base64RawStd(""), "");
  EXPECT_EQ(Base64RawStd("a"), "YQ");
  EXPECT_EQ(Base64RawStd("ab"), "YWI");
  EXPECT_EQ(Base64RawStd("abc"), "YWJj");
  EXPECT_EQ(Base64RawStd("\xfb\xff"), "+/8");
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

TEST(SelfSignedCertificateTest, MirrorsGoPluginsTemplate) {
  absl::StatusOr<SelfSignedCertificate> cert =
      MakeSelfSignedCertificate("localhost", absl::Hours(1));
  ASSERT_TRUE(cert.ok()) << cert.status();
  const unsigned char* der = reinterpret_cast<const unsigned char*>(cert->certificate_der.data());
  std::unique_ptr<X509, X509Free> x(
      d2i_X509(nullptr, &der, static_cast<long>(cert->certificate_der.size())));
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(X509_check_host(x.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_GT(X509_check_ca(x.get()), 0);
  EXPECT_TRUE(X509_get_extended_key_usage(x.get()) & XKU_SSL_SERVER);
  EXPECT_TRUE(X509_get_extended_key_usage(x.get()) & XKU_SSL_CLIENT);
  EXPECT_TRUE(X509_get_key_usage(x.get()) & KU_KEY_CERT_SIGN);
  EVP_PKEY* key = X509_get0_pubkey(x.get());
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(key, "EC"));
  char group[64] = {0};
  size_t group_len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof(group), &group_len), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_verify(x.get(), key), 1);  // self-signed
  // The PEM holds the same certificate and the private key matches it.
  BIO* bio =
      BIO_new_mem_buf(cert->certificate_pem.data(), static_cast<int>(cert->certificate_pem.size()));
  std::unique_ptr<X509, X509Free> from_pem(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ASSERT_NE(from_pem, nullptr);
  EXPECT_EQ(X509_cmp(x.get(), from_pem.get()), 0);
  bio =
      BIO_new_mem_buf(cert->private_key_pem.data(), static_cast<int>(cert->private_key_pem.size()));
  EVP_PKEY* private_key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(private_key, nullptr);
  EXPECT_EQ(X509_check_private_key(x.get(), private_key), 1);
  EVP_PKEY_free(private_key);

  absl::StatusOr<SelfSignedCertificate> other =
      MakeSelfSignedCertificate("localhost", absl::Hours(1));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->certificate_der, cert->certificate_der);
}

TEST(SelfSignedCertificateTest, CheckCertificatePemNamesTheInput) {
  absl::Status s = CheckCertificatePem("not a certificate", "PLUGIN_CLIENT_CERT");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("PLUGIN_CLIENT_CERT"));
  absl::StatusOr<SelfSignedCertificate> cert =
      MakeSelfSignedCertificate("localhost", absl::Hours(1));
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(CheckCertificatePem(cert->certificate_pem, "x").ok());
}

// A PluginServer started in this process, on a Unix socket in a private temp folder.
class PluginServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/pv-plugin-unit-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    env_.has_cookie = true;
    env_.offered_versions = {1};
    env_.unix_socket_dir = dir_;
  }
  void TearDown() override {
    if (server_ != nullptr) {
      plugin_->EndStreams();
      server_->Shutdown();
    }
    server_.reset();
    plugin_.reset();
    rmdir(dir_.c_str());
  }

  void Start(bool prefer_tcp = false) {
    plugin_ = std::make_unique<PluginServer>();
    grpc::ServerBuilder builder;
    absl::Status s = plugin_->Prepare(
        &builder, env_, [this] { shutdowns_.fetch_add(1); }, prefer_tcp);
    ASSERT_TRUE(s.ok()) << s;
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    absl::StatusOr<std::string> line = plugin_->HandshakeLine();
    ASSERT_TRUE(line.ok()) << line.status();
    line_ = *line;
    parts_ = absl::StrSplit(line_, '|');
    ASSERT_EQ(parts_.size(), 6u) << line_;
  }

  std::shared_ptr<grpc::Channel> InsecureChannel() {
    std::string target = parts_[2] == "unix" ? absl::StrCat("unix:", parts_[3]) : parts_[3];
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  }

  std::string dir_;
  PluginEnvironment env_;
  std::unique_ptr<PluginServer> plugin_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<int> shutdowns_{0};
  std::string line_;
  std::vector<std::string> parts_;
};

TEST_F(PluginServerTest, HandshakeLineNamesThePrivateSocket) {
  Start();
  EXPECT_THAT(line_, MatchesRegex("1\\|1\\|unix\\|" + dir_ +
                                  "/powerview-plugin-[A-Za-z0-9]+/plugin.sock\\|grpc\\|"));
  struct stat st;
  ASSERT_EQ(stat(parts_[3].c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  std::string folder = parts_[3].substr(0, parts_[3].rfind('/'));
  ASSERT_EQ(stat(folder.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Destroying the server and the PluginServer removes socket and folder.
  plugin_->EndStreams();
  server_->Shutdown();
  server_.reset();
  plugin_.reset();
  EXPECT_NE(stat(folder.c_str(), &st), 0);
}

TEST_F(PluginServerTest, HealthReportsPluginServingAndUnknownServicesNotFound) {
  Start();
  auto health = grpc::health::v1::Health::NewStub(InsecureChannel());
  HealthCheckRequest request;
  request.set_service("plugin");
  HealthCheckResponse response;
  grpc::ClientContext c1;
  ASSERT_TRUE(health->Check(&c1, request, &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  request.set_service("nope");
  grpc::ClientContext c2;
  EXPECT_EQ(health->Check(&c2, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PluginServerTest, WatchFollowsChangesAndEndsWithTheStreams) {
  Start();
  auto health = grpc::health::v1::Health::NewStub(InsecureChannel());
  HealthCheckRequest request;
  request.set_service("proto.Notifier");
  grpc::ClientContext context;
  auto reader = health->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  plugin_->health()->SetStatus("proto.Notifier", HealthCheckResponse::SERVING);
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  plugin_->EndStreams();
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(PluginServerTest, ShutdownCallsBackAndEndsTheStdioStream) {
  Start();
  auto channel = InsecureChannel();
  auto stdio = plugin::GRPCStdio::NewStub(channel);
  grpc::ClientContext stdio_context;
  google::protobuf::Empty empty;
  auto reader = stdio->StreamStdio(&stdio_context, empty);
  std::atomic<bool> stream_ended{false};
  std::thread drain([&] {
    plugin::StdioData data;
    while (reader->Read(&data)) {
    }
    stream_ended = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(stream_ended) << "StreamStdio must stay open until the host cancels it";

  auto controller = plugin::GRPCController::NewStub(channel);
  grpc::ClientContext context;
  plugin::Empty request, reply;
  ASSERT_TRUE(controller->Shutdown(&context, request, &reply).ok());
  EXPECT_EQ(shutdowns_.load(), 1);
  drain.join();
  EXPECT_TRUE(stream_ended);
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(PluginServerTest, TcpListensOnLoopbackWithinTheRange) {
  env_.min_port = 20000;
  env_.max_port = 24999;
  Start(/*prefer_tcp=*/true);
  EXPECT_EQ(parts_[2], "tcp");
  std::vector<std::string> host_port = absl::StrSplit(parts_[3], ':');
  ASSERT_EQ(host_port.size(), 2u);
  EXPECT_EQ(host_port[0], "127.0.0.1");
  int port = std::stoi(host_port[1]);
  EXPECT_GE(port, 20000);
  EXPECT_LE(port, 24999);
  auto health = grpc::health::v1::Health::NewStub(InsecureChannel());
  HealthCheckRequest request;
  request.set_service("plugin");
  HealthCheckResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(health->Check(&context, request, &response).ok());
}

TEST_F(PluginServerTest, TcpWithNoFreePortInTheRangeIsAnError) {
  // Occupy a one-port range.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  env_.min_port = env_.max_port = ntohs(addr.sin_port);
  PluginServer plugin;
  grpc::ServerBuilder builder;
  absl::Status s = plugin.Prepare(&builder, env_, nullptr, /*prefer_tcp=*/true);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("PLUGIN_MIN_PORT"));
  close(fd);
}

TEST_F(PluginServerTest, PrepareRefusesAWrongVersionABadCertificateAndASecondCall) {
  PluginServer plugin;
  grpc::ServerBuilder builder;
  env_.offered_versions = {2};
  EXPECT_EQ(plugin.Prepare(&builder, env_, nullptr).code(), absl::StatusCode::kFailedPrecondition);
  env_.offered_versions = {1};
  env_.client_cert_pem = "garbage";
  EXPECT_EQ(plugin.Prepare(&builder, env_, nullptr).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(plugin.HandshakeLine().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PluginServerTest, HandshakeLineNeedsARunningServer) {
  PluginServer plugin;
  grpc::ServerBuilder builder;
  ASSERT_TRUE(plugin.Prepare(&builder, env_, nullptr).ok());
  EXPECT_EQ(plugin.HandshakeLine().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(plugin.Prepare(&builder, env_, nullptr).code(), absl::StatusCode::kFailedPrecondition);
}

// Mutual TLS from C++ (the Go host tests cover go-plugin's own client): the server certificate
// comes from the handshake line, and only the certificate given in PLUGIN_CLIENT_CERT gets in.
class PluginServerTlsTest : public PluginServerTest {
 protected:
  void SetUp() override {
    PluginServerTest::SetUp();
    absl::StatusOr<SelfSignedCertificate> host =
        MakeSelfSignedCertificate("localhost", absl::Hours(1));
    ASSERT_TRUE(host.ok());
    host_ = *host;
    env_.client_cert_pem = host_.certificate_pem;
  }

  std::string ServerCertificatePem() {
    std::string der;
    EXPECT_TRUE(absl::Base64Unescape(parts_[5], &der));
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<X509, X509Free> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    EXPECT_NE(x, nullptr);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x.get());
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(size));
    BIO_free(bio);
    return pem;
  }

  grpc::Status Check(const SelfSignedCertificate* client) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ServerCertificatePem();
    if (client != nullptr) {
      options.pem_private_key = client->private_key_pem;
      options.pem_cert_chain = client->certificate_pem;
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto channel = grpc::CreateCustomChannel(absl::StrCat("unix:", parts_[3]),
                                             grpc::SslCredentials(options), args);
    auto health = grpc::health::v1::Health::NewStub(channel);
    HealthCheckRequest request;
    request.set_service("plugin");
    HealthCheckResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return health->Check(&context, request, &response);
  }

  SelfSignedCertificate host_;
};

TEST_F(PluginServerTlsTest, HandshakeCarriesTheServerCertificateUnpadded) {
  Start();
  EXPECT_GT(parts_[5].size(), 50u);  // go-plugin ignores a shorter field
  EXPECT_EQ(parts_[5].find('='), std::string::npos);
}

TEST_F(PluginServerTlsTest, AcceptsTheHostCertificateOnly) {
  Start();
  EXPECT_TRUE(Check(&host_).ok());
  EXPECT_FALSE(Check(nullptr).ok()) << "a client without a certificate got in";
  absl::StatusOr<SelfSignedCertificate> stranger =
      MakeSelfSignedCertificate("localhost", absl::Hours(1));
  ASSERT_TRUE(stranger.ok());
  EXPECT_FALSE(Check(&*stranger).ok()) << "a certificate other than PLUGIN_CLIENT_CERT got in";
}

}  // namespace
}  // namespace powerview::intake
