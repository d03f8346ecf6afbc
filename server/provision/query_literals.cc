#include "server/provision/query_literals.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace powerview::provision {
namespace {

bool NeedsGrafanaShield(absl::string_view text) {
  return text.find('$') != absl::string_view::npos || text.find('[') != absl::string_view::npos;
}

// Backslash escapes for InfluxQL quoted strings and identifiers (influxql scanner: \n \\ \" \').
std::string InfluxQlQuoted(absl::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (c == quote) out.push_back('\\');
        out.push_back(c);
    }
  }
  out.push_back(quote);
  return out;
}

}  // namespace

std::string FluxString(absl::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '$':  // Flux `${` interpolation and Grafana variables
      case '[':  // Grafana `[[name]]` variables
        absl::StrAppendFormat(&out, "\\x%02x", u);
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          absl::StrAppendFormat(&out, "\\x%02x", u);
        } else {
          out.push_back(c);  // UTF-8 bytes of non-ASCII characters pass unchanged
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string InfluxQlIdentifier(absl::string_view name) { return InfluxQlQuoted(name, '"'); }

std::string InfluxQlString(absl::string_view value) { return InfluxQlQuoted(value, '\''); }

std::string InfluxQlExactRegex(absl::string_view value) {
  std::string out = "/^";
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '$' || c == '[' || c == '/' || u < 0x20 || u == 0x7f) {
      // RE2 hex escape; `/` would end the InfluxQL regex literal.
      absl::StrAppendFormat(&out, "\\x%02x", u);
    } else if (absl::string_view("\\.+*?()|]{}^").find(c) != absl::string_view::npos) {
      out.push_back('\\');
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  out += "$/";
  return out;
}

std::string InfluxQlTagEquals(absl::string_view tag, absl::string_view value) {
  if (NeedsGrafanaShield(value)) {
    return absl::StrCat(InfluxQlIdentifier(GrafanaSafeText(tag)), " =~ ",
                        InfluxQlExactRegex(value));
  }
  return absl::StrCat(InfluxQlIdentifier(tag), " = ", InfluxQlString(value));
}

std::string InfluxQlFieldSelector(absl::string_view field) {
  if (NeedsGrafanaShield(field)) return InfluxQlExactRegex(field);
  return InfluxQlIdentifier(field);
}

std::string GrafanaSafeText(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '$' || c == '[') {
      out.push_back('_');
    } else if (c == '"' || c == '\'' || c == '\\') {
      continue;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace powerview::provision
