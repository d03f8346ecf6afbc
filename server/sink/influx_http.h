// Small pieces of the InfluxDB HTTP dialect shared by the writer and its admin calls: query
// string encoding, error texts of 1.x/2.x answers, and gzip request bodies.
#ifndef POWERVIEW_SERVER_SINK_INFLUX_HTTP_H_
#define POWERVIEW_SERVER_SINK_INFLUX_HTTP_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/common/http_client.h"

namespace powerview::sink {

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(absl::string_view text);

// "k1=v1&k2=v2" with both sides encoded; pairs with an empty value are left out.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

// The error message of an InfluxDB answer: `error` (1.x) or `message` (2.x) of a JSON body,
// else the X-Influxdb-Error header, else the start of the body.
std::string InfluxErrorText(const HttpResponse& response);

// True for answers worth sending again unchanged: 408, 429 and 5xx other than 501.
bool IsRetryableStatus(int status);

// A gzip member holding `data`, compressed at zlib `level` (1 fastest .. 9 smallest).
absl::StatusOr<std::string> Gzip(absl::string_view data, int level);

// An InfluxQL double-quoted identifier: "name" with \ and " escaped.
std::string QuoteIdentifier(absl::string_view name);

}  // namespace powerview::sink

#endif  // POWERVIEW_SERVER_SINK_INFLUX_HTTP_H_
