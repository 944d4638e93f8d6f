// RFC 4180 CSV reader for import files (item master, stock counts): text in, table or error out.
// It must never do I/O, throw, or guess at malformed input — problems come back as a ParseError with a line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wms::csv {

struct ParseError {
  std::size_t line = 0;
  std::string message;
};

struct Row {
    std::size_t line = 0;  // 1-based physical line where the record starts, so users can find it in an editor
    std::vector<std::string> cells;
};

struct Table {
    std::vector<std::string> header;  // trimmed, lower-cased column names
    std::vector<Row> rows;            // data rows, header excluded
    // Rows left out of `rows` for a problem of their own (more cells than the header has): the other rows are
    // still read, so one pass reports every bad row. An import with any of these imports nothing.
    std::vector<ParseError> row_problems;

    // Index of a header name (case-insensitive), nullopt if absent.
    std::optional<std::size_t> column(std::string_view name) const;
    // Cell text of a row by column index; empty if the row is shorter than the header
    // (short rows are legal, so callers need not bounds-check).
    std::string_view cell(const Row& row, std::size_t col) const;
};

// Code points in valid UTF-8 text (every byte that does not continue a sequence starts one): "Müller" is 6.
inline std::size_t utf8_chars(std::string_view v) {
  std::size_t n = 0;
  for (char ch : v) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

// A spreadsheet saved with ';' between columns (the CSV of many European locales) reads as a one-column header
// holding ';'. Errors about such a file end with this hint.
bool semicolon_separated(const std::vector<std::string>& header);
inline constexpr const char* k_semicolon_hint = " (the file separates columns with ';': save it with commas)";

// Comma separator; fields may be double-quoted ("" inside quotes is a quote, quoted fields may hold commas
// and newlines); LF or CRLF line ends; a leading UTF-8 BOM is skipped; blank/whitespace-only lines are
// skipped; unquoted cells are trimmed of spaces/tabs. Errors: empty input/no header, unterminated quote
// (line where the field started), text after a closing quote, duplicate or empty header name, a data row
// with more cells than the header. Rows with fewer cells are allowed.
std::variant<Table, ParseError> parse(std::string_view text);

// One cell as parse() reads it back: quoted (inner quotes doubled) when it holds a comma, a quote, a line break
// or leading/trailing spaces or tabs, else as is.
std::string quote(std::string_view cell);
// Cells joined by commas, each quoted as needed, ending in "\n".
std::string line(const std::vector<std::string>& cells);

}  // namespace wms::csv
