// The parser's share of an ingest report: what the file is and what it produced.
#ifndef POWERVIEW_SERVER_PARSE_REPORT_H_
#define POWERVIEW_SERVER_PARSE_REPORT_H_

#include <string>

#include "powerview/v1/models.pb.h"
#include "server/parse/mv2_parser.h"

namespace powerview::parse {

// Sets format, master_sn, header_json, time_zone, counts, channel_count, channels (statistics)
// and first/last time of `report` from `summary`. Leaves the other fields (path, company,
// status, error, ...) to the caller.
void FillReport(const ParseSummary& summary, powerview::v1::IngestReport* report);

// The report as the JSON written beside ingested files and by `powerviewctl parse --report`:
// proto field names, zero values included, indented.
std::string ReportJson(const powerview::v1::IngestReport& report);

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_REPORT_H_
