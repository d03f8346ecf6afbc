// Literals for Flux and InfluxQL queries that Grafana panels run. A name from the catalog
// (company, campaign, serial, unit) can hold quotes, backslashes, newlines or unicode; these
// functions turn it into a literal that means exactly that text to the query language, and that
// Grafana's template engine leaves alone (`$name`, `${name}` and `[[name]]` are variable
// references in any query Grafana runs, so `$` and `[` never appear unescaped).
#ifndef POWERVIEW_SERVER_PROVISION_QUERY_LITERALS_H_
#define POWERVIEW_SERVER_PROVISION_QUERY_LITERALS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace powerview::provision {

// A Flux string literal with its double quotes: `a"b$c` -> `"a\"b\x24c"`.
std::string FluxString(absl::string_view value);

// An InfluxQL double-quoted identifier (database, measurement, tag or field key) for statements
// PowerView runs itself (not through Grafana): `a"b` -> `"a\"b"`.
std::string InfluxQlIdentifier(absl::string_view name);

// An InfluxQL single-quoted string literal for statements PowerView runs itself.
std::string InfluxQlString(absl::string_view value);

// An InfluxQL regex literal matching exactly `value`: `/^...$/`, with regex metacharacters,
// `/`, `$` and `[` escaped (hex escapes for the last two, so Grafana sees no variable).
std::string InfluxQlExactRegex(absl::string_view value);

// An InfluxQL condition `"<tag>" = '<value>'` for a Grafana panel query, or the exact-regex
// form when the value holds `$` or `[`, which Grafana would otherwise take as a variable.
std::string InfluxQlTagEquals(absl::string_view tag, absl::string_view value);

// An InfluxQL field selector for a Grafana panel query: `"<field>"`, or `/^<field>$/` when the
// key holds `$` or `[`.
std::string InfluxQlFieldSelector(absl::string_view field);

// Text safe to show inside a Grafana query where no escaping exists (aliases): `$` and `[`
// become `_`, quotes and backslashes are dropped, newlines become spaces.
std::string GrafanaSafeText(absl::string_view text);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_QUERY_LITERALS_H_
