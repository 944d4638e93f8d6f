// Unit tests for wms::csv::parse: RFC 4180 quoting, line numbers, BOM/CRLF handling and every error path.
// Must never depend on files or other modules: inputs are inline strings.
#include <catch2/catch.hpp>
#include <string>
#include <variant>
#include <vector>

#include "wms/shared/csv.hpp"

using wms::csv::ParseError;
using wms::csv::Table;

namespace {

Table parse_ok(std::string_view text) {
    auto result = wms::csv::parse(text);
    if (auto* err = std::get_if<ParseError>(&result)) {
        FAIL("unexpected parse error at line " << err->line << ": " << err->message);
    }
    return std::get<Table>(std::move(result));
}

ParseError parse_err(std::string_view text) {
    auto result = wms::csv::parse(text);
    REQUIRE(std::holds_alternative<ParseError>(result));
    return std::get<ParseError>(std::move(result));
}

}  // namespace

TEST_CASE("csv: header is trimmed and lower-cased, rows keep their physical line", "[csv]") {
    const auto t = parse_ok(" SKU , Qty\nA-1,5\nB-2, 7 \n");
    REQUIRE(t.header == std::vector<std::string>{"sku", "qty"});
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].line == 2);
    CHECK(t.rows[0].cells == std::vector<std::string>{"A-1", "5"});
    CHECK(t.rows[1].line == 3);
    CHECK(t.rows[1].cells == std::vector<std::string>{"B-2", "7"});
}

TEST_CASE("csv: column lookup is case-insensitive and absent names give nullopt", "[csv]") {
    const auto t = parse_ok("sku,Qty\nA,1\n");
    CHECK(t.column("SKU") == std::optional<std::size_t>{0});
    CHECK(t.column("qty") == std::optional<std::size_t>{1});
    CHECK_FALSE(t.column("price").has_value());
}

TEST_CASE("csv: last record without trailing newline is read", "[csv]") {
    const auto t = parse_ok("a,b\n1,2");
    REQUIRE(t.rows.size() == 1);
    CHECK(t.rows[0].cells == std::vector<std::string>{"1", "2"});
}

TEST_CASE("csv: quoted fields hold commas, doubled quotes and keep inner spaces", "[csv]") {
    const auto t = parse_ok("name,note\n\"Smith, J\",\"say \"\"hi\"\"\"\n\"  padded  \",x\n");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].cells == std::vector<std::string>{"Smith, J", "say \"hi\""});
    CHECK(t.rows[1].cells[0] == "  padded  ");
}

TEST_CASE("csv: quoted newline keeps the record on its start line and shifts later lines", "[csv]") {
    const auto t = parse_ok("sku,desc\nA,\"line one\nline two\nline three\"\nB,plain\n");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].line == 2);
    CHECK(t.rows[0].cells[1] == "line one\nline two\nline three");
    CHECK(t.rows[1].line == 5);
    CHECK(t.rows[1].cells[0] == "B");
}

TEST_CASE("csv: CRLF line ends do not leak carriage returns into cells", "[csv]") {
    const auto t = parse_ok("sku,qty\r\nA,1\r\n\"B\",2\r\n");
    REQUIRE(t.header == std::vector<std::string>{"sku", "qty"});
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].cells == std::vector<std::string>{"A", "1"});
    CHECK(t.rows[1].cells == std::vector<std::string>{"B", "2"});
    CHECK(t.rows[1].line == 3);
}

TEST_CASE("csv: a UTF-8 BOM before the header is skipped", "[csv]") {
    const auto t = parse_ok("\xEF\xBB\xBFsku,qty\nA,1\n");
    REQUIRE(t.header.front() == "sku");
    CHECK(t.column("sku") == std::optional<std::size_t>{0});
}

TEST_CASE("csv: blank and whitespace-only lines are skipped but still counted", "[csv]") {
    const auto t = parse_ok("\n  \nsku,qty\n\nA,1\n \t \r\nB,2\n\n");
    REQUIRE(t.header == std::vector<std::string>{"sku", "qty"});
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].line == 5);
    CHECK(t.rows[1].line == 7);
}

TEST_CASE("csv: rows shorter than the header read missing cells as empty", "[csv]") {
    const auto t = parse_ok("a,b,c\n1\n1,,3\n");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.cell(t.rows[0], 0) == "1");
    CHECK(t.cell(t.rows[0], 1).empty());
    CHECK(t.cell(t.rows[0], 2).empty());
    CHECK(t.cell(t.rows[1], 1).empty());
    CHECK(t.cell(t.rows[1], 2) == "3");
    CHECK(t.cell(t.rows[1], 99).empty());
}

TEST_CASE("csv: trailing separator yields a final empty cell", "[csv]") {
    const auto t = parse_ok("a,b\n1,\n");
    REQUIRE(t.rows.size() == 1);
    CHECK(t.rows[0].cells == std::vector<std::string>{"1", ""});
}

TEST_CASE("csv: empty input or only blank lines is an error", "[csv]") {
    CHECK_FALSE(parse_err("").message.empty());
    CHECK_FALSE(parse_err("\n \r\n\t\n").message.empty());
    CHECK_FALSE(parse_err("\xEF\xBB\xBF").message.empty());
}

TEST_CASE("csv: unterminated quote reports the line where the field started", "[csv]") {
    const auto e = parse_err("a,b\n1,2\n3,\"open\nstill open\n");
    CHECK(e.line == 3);
    CHECK(e.message.find("unterminated") != std::string::npos);
}

TEST_CASE("csv: text after a closing quote is an error", "[csv]") {
    const auto e = parse_err("a,b\n\"x\"y,2\n");
    CHECK(e.line == 2);
    // Spaces after the closing quote are tolerated, letters are not.
    CHECK(std::holds_alternative<Table>(wms::csv::parse("a,b\n\"x\"  ,2\n")));
}

TEST_CASE("csv: duplicate header names are rejected case-insensitively", "[csv]") {
    const auto e = parse_err("sku,qty,SKU\nA,1,B\n");
    CHECK(e.line == 1);
    CHECK(e.message.find("sku") != std::string::npos);
}

TEST_CASE("csv: an empty header name is rejected", "[csv]") {
    CHECK(parse_err("\nsku,,qty\n").line == 2);
    CHECK(parse_err("sku,\"  \"\n").line == 1);
    // A spreadsheet's empty columns after the last: the message says which column and what to do.
    const auto e = parse_err("sku,qty,,\nA,1,,\n");
    CHECK(e.message.find("column 3 of the header has no name") != std::string::npos);
    CHECK(e.message.find("delete them") != std::string::npos);
}

TEST_CASE("csv: a data row with more cells than the header reports its line and counts, and the rest is read",
          "[csv]") {
  const auto parsed = wms::csv::parse("a,b,c\n1,2,3\n\"multi\nline\",2,3,4\n5,6\n7,8,9,10,11\n");
  REQUIRE(std::holds_alternative<Table>(parsed));
  const auto& t = std::get<Table>(parsed);
  REQUIRE(t.row_problems.size() == 2);
  CHECK(t.row_problems[0].line == 3);
  CHECK(t.row_problems[0].message == "row has 4 cells, expected at most 3");
  CHECK(t.row_problems[1].line == 6);
  CHECK(t.row_problems[1].message == "row has 5 cells, expected at most 3");
  REQUIRE(t.rows.size() == 2);  // the good rows around them, for their own checks
  CHECK(t.rows[0].line == 2);
  CHECK(t.rows[1].line == 5);
  CHECK(t.rows[1].cells == std::vector<std::string>{"5", "6"});
}

TEST_CASE("csv: quote and line write cells that parse reads back exactly", "[csv]") {
  CHECK(wms::csv::quote("plain") == "plain");
  CHECK(wms::csv::quote("") == "");
  CHECK(wms::csv::quote("a,b") == "\"a,b\"");
  CHECK(wms::csv::quote("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(wms::csv::quote(" padded") == "\" padded\"");  // unquoted cells are trimmed on reading
  const std::vector<std::string> cells = {"Bolt, M8 \"heavy\"", "", " lead", "trail\t", "two\nlines", "x\r\ny", "7.50"};
  const std::string text = wms::csv::line({"a", "b", "c", "d", "e", "f", "g"}) + wms::csv::line(cells);
  auto parsed = wms::csv::parse(text);
  REQUIRE(std::holds_alternative<Table>(parsed));
  const auto& t = std::get<Table>(parsed);
  REQUIRE(t.rows.size() == 1);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    INFO(i);
    CHECK(std::string(t.cell(t.rows[0], i)) == cells[i]);
  }
}

TEST_CASE("csv: a file that is not UTF-8 is refused with the line and how to save it", "[csv]") {
  const std::string latin1 = "sku,description\nA,Caf\xe9\nB,ok\n";
  auto r = wms::csv::parse(latin1);
  REQUIRE(std::holds_alternative<ParseError>(r));
  CHECK(std::get<ParseError>(r).line == 2);
  CHECK(std::get<ParseError>(r).message.find("not UTF-8") != std::string::npos);
  CHECK(std::get<ParseError>(r).message.find("0xE9") != std::string::npos);
  // Well-formed multi-byte text passes: é, €, a 4-byte emoji.
  CHECK(
      std::holds_alternative<Table>(wms::csv::parse("sku,description\nA,Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6\n")));
  // Overlong, surrogate and truncated sequences do not.
  for (const std::string& bad :
       {std::string("a\n\xc0\xaf\n"), std::string("a\n\xed\xa0\x80\n"), std::string("a\n\xe2\x82")}) {
    INFO(bad.size());
    CHECK(std::holds_alternative<ParseError>(wms::csv::parse(bad)));
  }
}
