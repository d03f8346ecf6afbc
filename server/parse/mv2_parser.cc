#include "server/parse/mv2_parser.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "server/parse/channels.h"
#include "server/parse/format_registry.h"
#include "server/parse/local_clock.h"
#include "server/parse/row_processor.h"

namespace powerview::parse {
namespace {

constexpr absl::string_view kBom = "\xEF\xBB\xBF";
// A V003 header is a few hundred bytes; this bounds the memory a file without END_HEADER costs.
constexpr size_t kMaxHeaderBytes = 64 << 10;

// Reads the lines before the data rows, skipping blank lines between them.
class PreambleReader {
 public:
  explicit PreambleReader(LineSource* source) : source_(source) {}

  absl::StatusOr<Preamble> Read() {
    Preamble preamble;
    absl::StatusOr<bool> found = NextNonBlank();
    if (!found.ok()) return found.status();
    if (!*found) return absl::InvalidArgumentError("empty file");
    if (Stripped() == "START_HEADER") {
      preamble.has_header = true;
      if (absl::Status s = ReadHeader(&preamble.header_json); !s.ok()) return s;
      found = NextNonBlank();
      if (!found.ok()) return found.status();
      if (!*found) return absl::InvalidArgumentError("bad V003 header: missing START_DATA");
      if (Stripped() != "START_DATA") {
        return absl::InvalidArgumentError(absl::StrFormat(
            "bad V003 header: expected START_DATA after END_HEADER, found '%s' on line %d",
            absl::CHexEscape(Stripped().substr(0, 40)), line_.number));
      }
      found = NextNonBlank();
      if (!found.ok()) return found.status();
      if (!*found) return absl::InvalidArgumentError("missing serial-number line");
    }
    preamble.serial_line = std::string(line_.text);
    found = NextNonBlank();
    if (!found.ok()) return found.status();
    if (!*found) return absl::InvalidArgumentError("missing channel line");
    preamble.channel_line = std::string(line_.text);
    absl::string_view channel = absl::StripTrailingAsciiWhitespace(preamble.channel_line);
    preamble.format =
        std::string(absl::StripAsciiWhitespace(channel.substr(0, channel.find('\t'))));
    return preamble;
  }

 private:
  absl::string_view Stripped() const { return absl::StripAsciiWhitespace(line_.text); }

  absl::StatusOr<bool> NextNonBlank() {
    while (true) {
      absl::StatusOr<bool> more = source_->Next(&line_);
      if (!more.ok() || !*more) return more;
      if (line_.number == 1) line_.text = absl::StripPrefix(line_.text, kBom);
      if (line_.overlong) {
        return absl::InvalidArgumentError(
            absl::StrFormat("line %d is too long for a header line", line_.number));
      }
      if (!absl::StripAsciiWhitespace(line_.text).empty()) return true;
    }
  }

  // The JSON between START_HEADER and END_HEADER, lines joined with "\n".
  absl::Status ReadHeader(std::string* json) {
    while (true) {
      absl::StatusOr<bool> more = source_->Next(&line_);
      if (!more.ok()) return more.status();
      if (!*more) return absl::InvalidArgumentError("bad V003 header: missing END_HEADER");
      if (Stripped() == "END_HEADER") break;
      if (line_.overlong) {
        return absl::InvalidArgumentError(
            absl::StrFormat("bad V003 header: line %d is too long", line_.number));
      }
      if (!json->empty()) json->push_back('\n');
      json->append(line_.text.data(), line_.text.size());
      if (json->size() > kMaxHeaderBytes) {
        return absl::InvalidArgumentError(
            absl::StrFormat("bad V003 header: no END_HEADER within %d bytes", kMaxHeaderBytes));
      }
    }
    *json = std::string(absl::StripAsciiWhitespace(*json));
    return absl::OkStatus();
  }

  LineSource* source_;
  Line line_;
};

inline bool IsEndData(absl::string_view text) {
  return !text.empty() &&
         (text[0] == 'E' || absl::ascii_isspace(static_cast<unsigned char>(text[0]))) &&
         absl::StripAsciiWhitespace(text) == "END_DATA";
}

}  // namespace

absl::StatusOr<ParseSummary> ParseMv2Lines(LineSource* source, const ParseOptions& options,
                                           RowVisitor* visitor) {
  PreambleReader preamble_reader(source);
  absl::StatusOr<Preamble> preamble = preamble_reader.Read();
  if (!preamble.ok()) return preamble.status();

  const FormatRegistry& registry =
      options.registry != nullptr ? *options.registry : FormatRegistry::Builtin();
  const FormatReader* reader = registry.Find(preamble->format);
  if (reader == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported format '", absl::CHexEscape(preamble->format), "'"));
  }
  absl::StatusOr<FormatSettings> settings = reader->Configure(*preamble, options);
  if (!settings.ok()) return settings.status();
  absl::StatusOr<ChannelLayout> layout =
      BuildChannels(preamble->serial_line, preamble->channel_line, settings->master_type);
  if (!layout.ok()) return layout.status();

  FileInfo info;
  info.format = preamble->format;
  info.master_sn = std::move(layout->master_sn);
  info.subtype = std::move(layout->subtype);
  info.header_json = std::move(preamble->header_json);
  info.time_zone = settings->time_zone;
  info.channels = std::move(layout->channels);
  info.columns = std::move(layout->columns);

  LocalClock clock = settings->utc ? LocalClock() : LocalClock(settings->zone);
  RowProcessor rows(&info, layout->column_count, clock, options.clock_floor, visitor);
  Line line;
  while (true) {
    absl::StatusOr<bool> more = source->Next(&line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (settings->ends_at_end_data && IsEndData(line.text)) break;
    if (absl::Status s = rows.Process(line); !s.ok()) return s;
  }
  if (rows.rows() == 0) return absl::InvalidArgumentError("no data rows");

  ParseSummary summary;
  rows.Finish(&summary);
  summary.info = std::move(info);
  return summary;
}

absl::StatusOr<ParseSummary> ParseMv2Buffer(absl::string_view content, const ParseOptions& options,
                                            RowVisitor* visitor) {
  BufferLineSource source(content);
  return ParseMv2Lines(&source, options, visitor);
}

absl::StatusOr<ParseSummary> ParseMv2File(const std::string& path, const ParseOptions& options,
                                          RowVisitor* visitor) {
  absl::StatusOr<std::unique_ptr<FileLineSource>> source =
      FileLineSource::Open(path, options.buffer_size);
  if (!source.ok()) return source.status();
  return ParseMv2Lines(source->get(), options, visitor);
}

}  // namespace powerview::parse
