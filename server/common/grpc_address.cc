#include "server/common/grpc_address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace powerview {

std::string GrpcAddress::Target() const {
  return unix_socket ? absl::StrCat("unix://", path) : absl::StrCat(host, ":", port);
}

absl::StatusOr<GrpcAddress> ParseGrpcAddress(absl::string_view flag, absl::string_view text,
                                             bool listening) {
  auto error = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " '", absl::CEscape(text), "': ", why));
  };
  absl::string_view a = absl::StripAsciiWhitespace(text);
  if (a.empty()) return error("empty; give unix:///absolute/path or host:port");
  if (a.find(',') != absl::string_view::npos || a.find(' ') != absl::string_view::npos) {
    return error(listening ? "one address per flag; repeat the flag for several"
                           : "more than one address; give one");
  }
  for (char c : a) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return error("control character");
  }
  GrpcAddress out;
  if (absl::StartsWith(a, "unix:")) {
    absl::string_view path = absl::StripPrefix(a, "unix:");
    if (absl::StartsWith(path, "//")) path.remove_prefix(2);
    if (!absl::StartsWith(path, "/")) {
      return error("a relative socket path; write unix:///absolute/path");
    }
    if (absl::EndsWith(path, "/")) return error("a folder; name the socket file");
    out.unix_socket = true;
    out.path = std::string(path);
    return out;
  }
  if (absl::StartsWith(a, "http://") && !listening) {
    a = absl::StripSuffix(absl::StripPrefix(a, "http://"), "/");
  } else if (absl::StartsWith(a, "http://") || absl::StartsWith(a, "https://")) {
    return error(listening ? "a URL; write host:port (e.g. 127.0.0.1:9090) without http://"
                           : "a URL; write host:port without https:// and give --tls-ca for TLS");
  }
  if (a.find("://") != absl::string_view::npos || a.find('/') != absl::string_view::npos) {
    return error("not unix:///absolute/path or host:port");
  }
  size_t colon = a.rfind(':');
  if (colon == absl::string_view::npos) return error("no port; write host:port");
  absl::string_view host = a.substr(0, colon);
  absl::string_view port = a.substr(colon + 1);
  bool bracketed = absl::StartsWith(host, "[") && absl::EndsWith(host, "]");
  if (!bracketed && host.find(':') != absl::string_view::npos) {
    return error("write an IPv6 address as [addr]:port");
  }
  if (host.empty()) return error("no host; write host:port (0.0.0.0:port for every interface)");
  int number = -1;
  int lowest = listening ? 0 : 1;
  if (!absl::SimpleAtoi(port, &number) || number < lowest || number > 65535) {
    return error(absl::StrCat("the port must be a number from ", lowest, " to 65535"));
  }
  out.host = std::string(host);
  out.port = number;
  return out;
}

}  // namespace powerview
