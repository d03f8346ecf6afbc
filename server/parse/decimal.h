// Measurement cells: MV2 loggers write plain decimal numbers (`244.26`, `-0.0`); anything else
// in a value cell (empty, text, `NaN`, `inf`, `1.`, `.5`, exponents) is an invalid value.
#ifndef POWERVIEW_SERVER_PARSE_DECIMAL_H_
#define POWERVIEW_SERVER_PARSE_DECIMAL_H_

#include "absl/strings/string_view.h"

namespace powerview::parse {

// Parses `text` if it matches `-?[0-9]+(\.[0-9]+)?` exactly (no spaces, no sign `+`), into the
// nearest double. Returns false, leaving *value alone, for anything else.
bool ParsePlainDecimal(absl::string_view text, double* value);

// Number of characters after the first '.', or 0 without one: "245.36" -> 2, "245." -> 0,
// "24" -> 0. Used to recognise a last row that an interrupted upload cut short.
int FractionDigits(absl::string_view text);

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_DECIMAL_H_
