#include "server/sink/influx_http.h"

#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"

namespace powerview::sink {

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    absl::StrAppend(&out, out.empty() ? "" : "&", UrlEncode(key), "=", UrlEncode(value));
  }
  return out;
}

std::string InfluxErrorText(const HttpResponse& response) {
  rapidjson::Document doc;
  doc.Parse(response.body.data(), response.body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    for (const char* key : {"error", "message"}) {
      auto it = doc.FindMember(key);
      if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
        return std::string(it->value.GetString(), it->value.GetStringLength());
      }
    }
  }
  std::string header = response.Header("X-Influxdb-Error");
  if (!header.empty()) return header;
  absl::string_view body = absl::StripAsciiWhitespace(response.body);
  if (body.empty()) return "(no error message)";
  constexpr size_t kMax = 512;
  return body.size() <= kMax ? std::string(body) : absl::StrCat(body.substr(0, kMax), "...");
}

bool IsRetryableStatus(int status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501);
}

absl::StatusOr<std::string> Gzip(absl::string_view data, int level) {
  if (data.size() > (uInt{1} << 31)) {
    return absl::InvalidArgumentError(absl::StrCat("gzip: ", data.size(), " bytes is too large"));
  }
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError(absl::StrCat("gzip: cannot start compression at level ", level));
  }
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return absl::InternalError("gzip: compression did not finish");
  return out;
}

std::string QuoteIdentifier(absl::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace powerview::sink
