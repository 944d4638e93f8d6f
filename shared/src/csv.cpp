// RFC 4180 CSV reader implementation: a single forward pass over the text with physical line tracking.
// It must never do I/O or throw; every malformed input becomes a ParseError naming a line.
#include "wms/shared/csv.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace wms::csv {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// ASCII only on purpose: header names are identifiers, and locale-dependent lowering would make
// column lookup differ between machines.
std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

struct Field {
    std::string text;
    bool quoted = false;
};

struct Record {
    std::size_t line = 0;
    std::vector<Field> fields;
};

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {
        if (text_.substr(0, utf8_bom.size()) == utf8_bom) text_.remove_prefix(utf8_bom.size());
    }

    bool at_end() const { return pos_ >= text_.size(); }

    std::variant<Record, ParseError> read_record() {
        Record record;
        record.line = line_;
        for (;;) {
            while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
            Field field;
            bool more_fields = false;
            if (pos_ < text_.size() && text_[pos_] == '"') {
                auto err = read_quoted(field.text);
                if (err) return std::move(*err);
                field.quoted = true;
                while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
                if (pos_ < text_.size() && text_[pos_] == ',') {
                    ++pos_;
                    more_fields = true;
                } else if (!consume_line_end()) {
                    return ParseError{line_, "unexpected character after closing quote"};
                }
            } else {
                more_fields = read_unquoted(field.text);
            }
            record.fields.push_back(std::move(field));
            if (!more_fields) return record;
        }
    }

private:
    // True if at end of input or a line end was consumed.
    bool consume_line_end() {
        if (pos_ >= text_.size()) return true;
        if (text_[pos_] == '\n') {
            ++pos_;
            ++line_;
            return true;
        }
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
            pos_ += 2;
            ++line_;
            return true;
        }
        return false;
    }

    std::optional<ParseError> read_quoted(std::string& out) {
        const std::size_t start_line = line_;
        ++pos_;  // opening quote
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    out.push_back('"');
                    pos_ += 2;
                    continue;
                }
                ++pos_;
                return std::nullopt;
            }
            if (c == '\n') ++line_;
            out.push_back(c);
            ++pos_;
        }
        // Report where the field began: the end of file is useless for finding a stray quote.
        return ParseError{start_line, "unterminated quoted field"};
    }

    // Returns true if the field ended at a separator (another field follows on this record).
    // A stray '"' inside an unquoted field is kept literally (e.g. 15" monitor) rather than rejected.
    bool read_unquoted(std::string& out) {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') ++pos_;
        std::string_view raw = text_.substr(start, pos_ - start);
        bool more_fields = false;
        if (pos_ < text_.size()) {
            if (text_[pos_] == ',') {
                more_fields = true;
            } else {
                if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
                ++line_;
            }
            ++pos_;
        }
        out.assign(trim_blanks(raw));
        return more_fields;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

bool is_blank_line(const Record& r) {
    return r.fields.size() == 1 && !r.fields.front().quoted && r.fields.front().text.empty();
}

std::vector<std::string> take_texts(Record& r) {
    std::vector<std::string> out;
    out.reserve(r.fields.size());
    for (auto& f : r.fields) out.push_back(std::move(f.text));
    return out;
}

}  // namespace

bool semicolon_separated(const std::vector<std::string>& header) {
  return header.size() == 1 && header[0].find(';') != std::string::npos;
}

std::optional<std::size_t> Table::column(std::string_view name) const {
    const std::string wanted = to_lower_ascii(trim_blanks(name));
    const auto it = std::find(header.begin(), header.end(), wanted);
    if (it == header.end()) return std::nullopt;
    return static_cast<std::size_t>(it - header.begin());
}

std::string_view Table::cell(const Row& row, std::size_t col) const {
    if (col >= row.cells.size()) return {};
    return row.cells[col];
}

namespace {
// Offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no surrogates, at most
// U+10FFFF), or npos.
std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF)
      n = 1;
    else if (b == 0xE0)
      n = 2, lo = 0xA0;
    else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
      n = 2;
    else if (b == 0xED)
      n = 2, hi = 0x9F;
    else if (b == 0xF0)
      n = 3, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
      n = 3;
    else if (b == 0xF4)
      n = 3, hi = 0x8F;
    else
      return i;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}
}  // namespace

std::variant<Table, ParseError> parse(std::string_view text) {
  if (const auto bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    const auto line =
        1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[bad])));
    return ParseError{line, std::string("the file is not UTF-8 text (byte ") + hex +
                                "); save it as \"CSV UTF-8\" (a spreadsheet's plain CSV uses another encoding)"};
  }
    Reader reader(text);
    Table table;
    bool have_header = false;
    while (!reader.at_end()) {
        auto result = reader.read_record();
        if (auto* err = std::get_if<ParseError>(&result)) return std::move(*err);
        auto& record = std::get<Record>(result);
        if (is_blank_line(record)) continue;

        if (!have_header) {
            for (auto& field : record.fields) {
                std::string name = to_lower_ascii(trim_blanks(field.text));
                if (name.empty())
                  return ParseError{record.line,
                                    "column " + std::to_string(table.header.size() + 1) +
                                        " of the header has no name: every column needs one (a spreadsheet may "
                                        "have saved empty columns after the last: delete them)"};
                if (std::find(table.header.begin(), table.header.end(), name) != table.header.end()) {
                    return ParseError{record.line, "duplicate header name '" + name + "'"};
                }
                table.header.push_back(std::move(name));
            }
            have_header = true;
            continue;
        }

        if (record.fields.size() > table.header.size()) {
          ParseError e{record.line, "row has " + std::to_string(record.fields.size()) + " cells, expected at most " +
                                        std::to_string(table.header.size())};
          // A file separated by ';' (with decimal commas) is wrong as a whole: one error says so.
          if (semicolon_separated(table.header)) return ParseError{e.line, e.message + k_semicolon_hint};
          table.row_problems.push_back(std::move(e));
          continue;
        }
        table.rows.push_back(Row{record.line, take_texts(record)});
    }
    if (!have_header) return ParseError{1, "empty input: no header row"};
    return table;
}

std::string quote(std::string_view cell) {
  const bool edge_space =
      !cell.empty() && (cell.front() == ' ' || cell.front() == '\t' || cell.back() == ' ' || cell.back() == '\t');
  if (!edge_space && cell.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(cell);
  std::string out = "\"";
  for (char ch : cell) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string line(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + quote(cells[i]);
  return out + "\n";
}

}  // namespace wms::csv
