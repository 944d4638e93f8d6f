// Unit tests for wms::domain importers: CSV tables become exact typed records, every bad cell becomes a
// RowError with the right line and column, and a row with any error is never returned.
#include <catch2/catch.hpp>

#include "domain/importers.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

using namespace wms::domain;
using wms::proto::RowError;

namespace {

wms::csv::Table table(std::string_view text) {
  auto parsed = wms::csv::parse(text);
  REQUIRE(std::holds_alternative<wms::csv::Table>(parsed));
  return std::get<wms::csv::Table>(std::move(parsed));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// True if `errors` holds an error on `line` for `column` whose message contains `text`.
bool has_error(const Errors& errors, std::uint32_t line, const std::string& column, const std::string& text = "") {
  for (const auto& e : errors)
    if (e.line == line && e.column == column && contains(e.message, text)) return true;
  return false;
}

std::string dump(const Errors& errors) {
  std::string s;
  for (const auto& e : errors) s += std::to_string(e.line) + ":" + e.column + ": " + e.message + "\n";
  return s;
}

template <class T>
std::vector<std::size_t> lines_of(const std::vector<Lined<T>>& rows) {
  std::vector<std::size_t> out;
  for (const auto& r : rows) out.push_back(r.line);
  return out;
}

}  // namespace

// ---- products ------------------------------------------------------------------------------------

TEST_CASE("importers: a full product row parses into exact minor units, grams, basis points and GTIN-14s",
          "[importers][products]") {
  Errors errors;
  auto rows = parse_products(
      table("sku,description,barcodes,uom,units_per_case,units_per_pallet,weight_kg,cost_price,list_price,tax_rate\n"
            "SKU-1,Widget 10mm,4006381333931|96385074,BOX,12,480,0.850,4.10,7.95,7.5\n"),
      errors);
  INFO(dump(errors));
  CHECK(errors.empty());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].line == 2);
  const Product& p = rows[0].value;
  CHECK(p.sku == "SKU-1");
  CHECK(p.description == "Widget 10mm");
  CHECK(p.barcodes == std::vector<std::string>{"04006381333931", "00000096385074"});
  CHECK(p.uom == "BOX");
  CHECK(p.units_per_case == 12);
  CHECK(p.units_per_pallet == 480);
  CHECK(p.weight_g == 850);
  CHECK(p.cost_minor == 410);
  CHECK(p.list_minor == 795);
  CHECK(p.tax_bps == 750);
}

TEST_CASE("importers: optional product columns take their defaults", "[importers][products]") {
  Errors errors;
  auto rows = parse_products(table("SKU,Description,List_Price\nSKU-2,Plain thing,12\n"), errors);
  INFO(dump(errors));
  CHECK(errors.empty());
  REQUIRE(rows.size() == 1);
  const Product& p = rows[0].value;
  CHECK(p.sku == "SKU-2");
  CHECK(p.list_minor == 1200);
  CHECK(p.barcodes.empty());
  CHECK(p.uom == "EA");
  CHECK(p.units_per_case == 1);
  CHECK(p.units_per_pallet == 1);
  CHECK(p.weight_g == 0);
  CHECK(p.cost_minor == 0);
  CHECK(p.tax_bps == 0);
}

TEST_CASE("importers: barcodes may be separated by '|' or spaces and a UPC-A pads to 14 digits",
          "[importers][products]") {
  Errors errors;
  auto rows = parse_products(
      table("sku,description,list_price,barcodes\nS,d,1.00,036000291452 10036000291459|96385074\n"), errors);
  INFO(dump(errors));
  CHECK(errors.empty());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].value.barcodes == std::vector<std::string>{"00036000291452", "10036000291459", "00000096385074"});
}

TEST_CASE("importers: each bad product cell is an error on its line and column, and the row is dropped",
          "[importers][products]") {
  Errors errors;
  auto rows = parse_products(table("sku,description,barcodes,weight_kg,list_price,tax_rate\n"
                                   "OK-1,Good,4006381333931,1.5,7.95,20\n"   // line 2
                                   "BAD-PRICE,d,,,12.345,\n"                  // line 3
                                   "BAD-GTIN,d,4006381333932,,1.00,\n"        // line 4
                                   "BAD-WEIGHT,d,,0.8501,1.00,\n"             // line 5
                                   "BAD-NEG,d,,,-1.00,\n"                     // line 6
                                   "BAD-TAX,d,,,1.00,100.01\n"                // line 7
                                   ",no sku,,,1.00,\n"                        // line 8
                                   "BAD-DESC,,,,1.00,\n"                      // line 9
                                   "bad sku,d,,,1.00,\n"                      // line 10
                                   "OK-2,Also good,,,0.99,0\n"),              // line 11
                             errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{2, 11});
  CHECK(errors.size() == 8);
  CHECK(has_error(errors, 3, "list_price", "'12.345'"));
  CHECK(has_error(errors, 4, "barcodes", "'4006381333932'"));
  CHECK(has_error(errors, 5, "weight_kg", "'0.8501'"));
  CHECK(has_error(errors, 6, "list_price", "-1.00"));
  CHECK(has_error(errors, 7, "tax_rate", "100.01"));
  CHECK(has_error(errors, 8, "sku", "empty"));
  CHECK(has_error(errors, 9, "description", "empty"));
  CHECK(has_error(errors, 10, "sku", "'bad sku'"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].value.weight_g == 1500);
  CHECK(rows[0].value.tax_bps == 2000);
  CHECK(rows[1].value.list_minor == 99);
}

TEST_CASE("importers: line numbers are physical lines, counting blank lines and multi-line quoted cells",
          "[importers][products]") {
  Errors errors;
  auto rows = parse_products(table("sku,description,list_price\n"
                                   "A,\"two, quoted\",\"1.0\n0\"\n"  // lines 2-3
                                   "\n"                              // line 4 (blank, skipped)
                                   "B,b,1.001\n"                     // line 5
                                   "C,c,2.00\n"),                    // line 6
                             errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{6});
  REQUIRE(errors.size() == 2);
  CHECK(has_error(errors, 2, "list_price", "line break"));  // a value is one line: it goes on tables and invoices
  CHECK(has_error(errors, 5, "list_price"));
}

TEST_CASE("importers: a column new records need is one error on line 1 naming the first new one, and no rows",
          "[importers][products]") {
  Errors errors;
  auto rows = parse_products(table("sku,description\nA,a\nB,b\n\"\",c\n"), errors);
  INFO(dump(errors));
  CHECK(rows.empty());
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 1);
  CHECK(errors[0].column == "list_price");
  CHECK(contains(errors[0].message, "'A' on line 2 is new, and 1 more new product)"));
  CHECK(has_error(errors, 4, "sku", "empty"));  // a row without its code is its own error, not a new product

  // The code column itself is always required in the header.
  Errors errors2;
  CHECK(parse_products(table("barcodes\n4006381333931\n"), errors2).empty());
  CHECK(errors2.size() == 1);
  CHECK(has_error(errors2, 1, "sku"));

  // Updates only: nothing missing.
  Product stored;
  stored.sku = "A";
  Errors errors3;
  auto upd =
      parse_products(table("sku,description\nA,a\n"), errors3, [&](const std::string& sku) -> std::optional<Product> {
        if (sku == "A") return stored;
        return std::nullopt;
      });
  CHECK(errors3.empty());
  CHECK(upd.size() == 1);
}

// ---- locations -----------------------------------------------------------------------------------

TEST_CASE("importers: locations parse with their kind, walk sequence and barcode (defaulting to the code)",
          "[importers][locations]") {
  Errors errors;
  auto rows = parse_locations(table("code,warehouse,zone,aisle,bay,level,bin,walk_seq,kind,barcode\n"
                                    "A-01-1,WH1,Z1,A,01,1,a,10,pick,\n"
                                    "B-01-1,WH1,Z2,B,01,1,a,4000000000,bulk,LOC-B011\n"
                                    "STAGE,,,,,,,0,staging,\n"
                                    "DOCK-1,,,,,,,5,dock,\n"),
                              errors);
  INFO(dump(errors));
  CHECK(errors.empty());
  REQUIRE(rows.size() == 4);
  const Location& a = rows[0].value;
  CHECK(a.code == "A-01-1");
  CHECK(a.warehouse == "WH1");
  CHECK(a.zone == "Z1");
  CHECK(a.aisle == "A");
  CHECK(a.bay == "01");
  CHECK(a.level == "1");
  CHECK(a.bin == "a");
  CHECK(a.walk_seq == 10);
  CHECK(a.kind == "pick");
  CHECK(a.barcode == "A-01-1");
  CHECK(rows[1].value.walk_seq == 4000000000u);
  CHECK(rows[1].value.kind == "bulk");
  CHECK(rows[1].value.barcode == "LOC-B011");
  CHECK(rows[2].value.kind == "staging");
  CHECK(rows[3].value.kind == "dock");
}

TEST_CASE("importers: an unknown location kind or bad walk sequence is an error on its line",
          "[importers][locations]") {
  Errors errors;
  auto rows = parse_locations(table("code,walk_seq,kind,barcode\n"
                                    "OK,1,pick,\n"          // 2
                                    "X-1,2,shelf,\n"        // 3
                                    "X-2,abc,pick,\n"       // 4
                                    "X-3,-1,pick,\n"        // 5
                                    "X-4,4000000001,bulk,\n"  // 6
                                    "X-5,3,,\n"             // 7
                                    "X-6,3,bulk,has space\n"),  // 8
                              errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{2});
  CHECK(errors.size() == 6);
  CHECK(has_error(errors, 3, "kind", "'shelf'"));
  CHECK(has_error(errors, 4, "walk_seq", "'abc'"));
  CHECK(has_error(errors, 5, "walk_seq", "-1"));
  CHECK(has_error(errors, 6, "walk_seq", "4000000001"));
  CHECK(has_error(errors, 7, "kind", "empty"));
  CHECK(has_error(errors, 8, "barcode", "'has space'"));
}

// ---- stock ---------------------------------------------------------------------------------------

TEST_CASE("importers: stock rows parse, and a negative or fractional quantity is an error", "[importers][stock]") {
  Errors errors;
  auto rows = parse_stock(table("sku,location,qty\n"
                                "SKU-1,A-01-1,40\n"   // 2
                                "SKU-1,A-01-2,-5\n"   // 3
                                "SKU-1,A-01-3,1.5\n"  // 4
                                "SKU-1,A-01-4,0\n"    // 5
                                "SKU-1,,3\n"          // 6
                                "SKU-1,A-01-5,\n"),   // 7
                          errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{2, 5});
  CHECK(errors.size() == 4);
  CHECK(has_error(errors, 3, "qty", "-5"));
  CHECK(has_error(errors, 4, "qty", "'1.5'"));
  CHECK(has_error(errors, 6, "location", "empty"));
  CHECK(has_error(errors, 7, "qty", "empty"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].value.sku == "SKU-1");
  CHECK(rows[0].value.location == "A-01-1");
  CHECK(rows[0].value.qty == 40);
  CHECK(rows[1].value.qty == 0);

  Errors missing;
  CHECK(parse_stock(table("sku,location\nA,B\n"), missing).empty());
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].line == 1);
  CHECK(missing[0].column == "qty");
}

// ---- accounts ------------------------------------------------------------------------------------

TEST_CASE("importers: accounts parse tier, terms, net days and delivery mode, with defaults",
          "[importers][accounts]") {
  Errors errors;
  auto rows = parse_accounts(table("code,name,price_tier,terms,delivery\n"
                                   "ACME,Acme Ltd,gold,net45,pallet\n"
                                   "BETA,Beta plc,,,\n"
                                   "CASH,Cash Co,platinum,prepay,parcel\n"),
                             errors);
  INFO(dump(errors));
  CHECK(errors.empty());
  REQUIRE(rows.size() == 3);
  const Account& a = rows[0].value;
  CHECK(a.code == "ACME");
  CHECK(a.name == "Acme Ltd");
  CHECK(a.price_tier == "gold");
  CHECK(a.terms == "net45");
  CHECK(a.net_days == 45);
  CHECK(a.mode == "pallet");
  const Account& b = rows[1].value;
  CHECK(b.price_tier == "list");
  CHECK(b.terms == "net30");
  CHECK(b.net_days == 30);
  CHECK(b.mode == "parcel");
  CHECK(rows[2].value.net_days == 0);
  CHECK(rows[2].value.price_tier == "platinum");
}

TEST_CASE("importers: bad terms, tier or delivery mode are errors on their line and column",
          "[importers][accounts]") {
  Errors errors;
  auto rows = parse_accounts(table("code,name,price_tier,terms,delivery\n"
                                   "A1,One,list,net400,parcel\n"   // 2
                                   "A2,Two,diamond,net30,parcel\n"  // 3
                                   "A3,Three,gold,net30,truck\n"    // 4
                                   "A4,,gold,net30,parcel\n"        // 5
                                   "A5,Five,silver,net0,pallet\n"),  // 6
                             errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{6});
  CHECK(errors.size() == 4);
  CHECK(has_error(errors, 2, "terms", "'net400'"));
  CHECK(has_error(errors, 3, "price_tier", "'diamond'"));
  CHECK(has_error(errors, 4, "delivery", "'truck'"));
  CHECK(has_error(errors, 5, "name", "empty"));

  Errors missing;
  CHECK(parse_accounts(table("code,terms\nA,net30\n"), missing).empty());
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].line == 1);
  CHECK(missing[0].column == "name");
  CHECK(contains(missing[0].message, "a new account needs it"));
}

// ---- orders --------------------------------------------------------------------------------------

TEST_CASE("importers: order rows parse and need a quantity of at least 1", "[importers][orders]") {
  Errors errors;
  auto rows = parse_orders(table("order_ref,account,sku,qty\n"
                                 "PO-1,ACME,SKU-1,3\n"   // 2
                                 "PO-1,ACME,SKU-2,0\n"   // 3
                                 "PO-2,ACME,SKU-1,x\n"   // 4
                                 "PO-3,,SKU-1,1\n"),     // 5
                           errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{2});
  CHECK(errors.size() == 3);
  CHECK(has_error(errors, 3, "qty", "0 is out of range"));
  CHECK(has_error(errors, 4, "qty", "'x'"));
  CHECK(has_error(errors, 5, "account", "empty"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].value.ref == "PO-1");
  CHECK(rows[0].value.account == "ACME");
  CHECK(rows[0].value.sku == "SKU-1");
  CHECK(rows[0].value.qty == 3);

  Errors missing;
  CHECK(parse_orders(table("order_ref,account,qty\nPO,A,1\n"), missing).empty());
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].line == 1);
  CHECK(missing[0].column == "sku");
}

// ---- users ---------------------------------------------------------------------------------------

TEST_CASE("importers: users parse, and a bad role or a PIN that is not 4 to 12 digits is an error",
          "[importers][users]") {
  Errors errors;
  auto rows = parse_users(table("code,name,role,pin\n"
                                "ann,Ann,picker,1234\n"             // 2
                                "bob,Bob,boss,1234\n"               // 3
                                "cat,Cat,manager,123\n"             // 4
                                "dan,Dan,admin,12a4\n"              // 5
                                "eve,Eve,forklift,1234567890123\n"  // 6
                                "fay,,admin,123456789012\n"),       // 7
                          errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{2, 7});
  CHECK(errors.size() == 4);
  CHECK(has_error(errors, 3, "role", "'boss'"));
  CHECK(has_error(errors, 4, "pin", "4 to 12 digits"));
  CHECK(has_error(errors, 5, "pin", "4 to 12 digits"));
  CHECK(has_error(errors, 6, "pin"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].value.code == "ann");
  CHECK(rows[0].value.name == "Ann");
  CHECK(rows[0].value.role == "picker");
  CHECK(rows[0].value.pin == "1234");
  CHECK(rows[1].value.name.empty());
  CHECK(rows[1].value.pin == "123456789012");

  Errors missing;
  CHECK(parse_users(table("code,role\nann,picker\n"), missing).empty());
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].line == 1);
  CHECK(missing[0].column == "pin");

  // Every row costs a slow PIN hash while the server waits: a file holds at most k_max_user_rows of them.
  std::string many = "code,role,pin\n";
  for (std::size_t i = 0; i < k_max_user_rows; ++i) many += "u" + std::to_string(i) + ",picker,1234\n";
  Errors fits;
  CHECK(parse_users(table(many), fits).size() == k_max_user_rows);
  CHECK(fits.empty());
  Errors too_many;
  CHECK(parse_users(table(many + "one-more,picker,1234\n"), too_many).empty());
  REQUIRE(too_many.size() == 1);
  CHECK(too_many[0].line == 1);
  CHECK_THAT(too_many[0].message, Catch::Contains("at most 100 rows, this one 101") && Catch::Contains("split it"));
}

TEST_CASE("importers: PINs and codes are validated by valid_pin and valid_code", "[importers]") {
  CHECK(valid_pin("1234"));
  CHECK(valid_pin("123456789012"));
  CHECK_FALSE(valid_pin("123"));
  CHECK_FALSE(valid_pin("1234567890123"));
  CHECK_FALSE(valid_pin("12 4"));
  CHECK_FALSE(valid_pin(""));
  CHECK(valid_code("A-01-1"));
  CHECK(valid_code(std::string(64, 'x')));
  CHECK_FALSE(valid_code(std::string(65, 'x')));
  CHECK_FALSE(valid_code(""));
  CHECK_FALSE(valid_code("a b"));
  CHECK_FALSE(valid_code("tab\there"));
  CHECK_FALSE(valid_code("caf\xc3\xa9"));
}

TEST_CASE("importers: errors from earlier tables are kept, new ones are appended", "[importers]") {
  Errors errors;
  errors.push_back(RowError{9, "x", "earlier"});
  auto rows = parse_stock(table("sku,location,qty\nA,B,-1\n"), errors);
  CHECK(rows.empty());
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].message == "earlier");
  CHECK(errors[1].line == 2);
  CHECK(errors[1].column == "qty");
}

TEST_CASE("importers: for an existing record a left-out column or an empty cell keeps the stored value",
          "[importers]") {
  Errors errors;
  Product old;
  old.sku = "SKU-9";
  old.description = "Old name";
  old.barcodes = {"04006381333931"};
  old.uom = "BOX";
  old.units_per_case = 6;
  old.units_per_pallet = 240;
  old.weight_g = 1250;
  old.cost_minor = 700;
  old.list_minor = 1200;
  old.tax_bps = 750;
  const Existing<Product> products = [&](const std::string& sku) -> std::optional<Product> {
    if (sku == old.sku) return old;
    return std::nullopt;
  };
  // A price update: the key and the price only (description is not needed for an existing product).
  auto rows = parse_products(table("sku,list_price\nSKU-9,9.99\n"), errors, products);
  INFO(dump(errors));
  REQUIRE(rows.size() == 1);
  const Product& p = rows[0].value;
  CHECK(p.list_minor == 999);
  CHECK(p.description == "Old name");
  CHECK(p.barcodes == old.barcodes);
  CHECK(p.uom == "BOX");
  CHECK(p.units_per_case == 6);
  CHECK(p.units_per_pallet == 240);
  CHECK(p.weight_g == 1250);
  CHECK(p.cost_minor == 700);
  CHECK(p.tax_bps == 750);
  // Columns present with empty cells keep the stored values too: an empty tax_rate never makes it tax-free.
  auto rows2 = parse_products(
      table("sku,description,list_price,tax_rate,barcodes,uom,weight_kg\nSKU-9,Renamed,,,,,2.5\n"), errors, products);
  REQUIRE(rows2.size() == 1);
  CHECK(rows2[0].value.description == "Renamed");
  CHECK(rows2[0].value.weight_g == 2500);
  CHECK(rows2[0].value.list_minor == 1200);
  CHECK(rows2[0].value.tax_bps == 750);
  CHECK(rows2[0].value.barcodes == old.barcodes);
  CHECK(rows2[0].value.uom == "BOX");
  // A new product in the same shape of file gets the defaults for its empty optional cells.
  auto rows3 = parse_products(table("sku,description,list_price,tax_rate,uom\nSKU-NEW,New,1.00,,\n"), errors, products);
  REQUIRE(rows3.size() == 1);
  CHECK(rows3[0].value.tax_bps == 0);
  CHECK(rows3[0].value.uom == "EA");
  // A present value is still checked for an existing record.
  Errors bad;
  CHECK(parse_products(table("sku,tax_rate\nSKU-9,101\n"), bad, products).empty());
  CHECK(has_error(bad, 2, "tax_rate"));

  Location lold;
  lold.code = "A1";
  lold.zone = "Z9";
  lold.walk_seq = 40;
  lold.kind = "bulk";
  lold.barcode = "LOC-A1";
  const Existing<Location> locations = [&](const std::string& code) -> std::optional<Location> {
    if (code == lold.code) return lold;
    return std::nullopt;
  };
  auto locs = parse_locations(table("code,walk_seq,zone\nA1,5,\n"), errors, locations);
  REQUIRE(locs.size() == 1);
  CHECK(locs[0].value.walk_seq == 5);
  CHECK(locs[0].value.kind == "bulk");
  CHECK(locs[0].value.barcode == "LOC-A1");
  CHECK(locs[0].value.zone == "Z9");
  auto fresh = parse_locations(table("code,walk_seq,kind\nB1,5,pick\n"), errors, locations);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0].value.barcode == "B1");  // a new location's barcode defaults to its code

  Account aold;
  aold.code = "ACME";
  aold.name = "Acme";
  aold.price_tier = "platinum";
  aold.terms = "prepay";
  aold.net_days = 0;
  aold.mode = "pallet";
  const Existing<Account> accounts = [&](const std::string& code) -> std::optional<Account> {
    if (code == aold.code) return aold;
    return std::nullopt;
  };
  auto accs = parse_accounts(table("code,name,terms,price_tier\nACME,Acme Renamed,,\n"), errors, accounts);
  REQUIRE(accs.size() == 1);
  const Account& a = accs[0].value;
  CHECK(a.name == "Acme Renamed");
  CHECK(a.price_tier == "platinum");
  CHECK(a.terms == "prepay");
  CHECK(a.net_days == 0);
  CHECK(a.mode == "pallet");
  auto accs2 = parse_accounts(table("code,terms\nACME,net14\n"), errors, accounts);
  REQUIRE(accs2.size() == 1);
  CHECK(accs2[0].value.name == "Acme");
  CHECK(accs2[0].value.net_days == 14);
  CHECK(errors.empty());
}

TEST_CASE("importers: a file with semicolons between columns is told to use commas", "[importers]") {
  Errors errors;
  CHECK(parse_products(table("sku;description;list_price\nSKU-1;Thing;1.50\n"), errors).empty());
  REQUIRE(!errors.empty());
  CHECK(has_error(errors, 1, "sku", "separates columns with ';': save it with commas"));
  // With a decimal comma the row has more cells than the header: the CSV reader's own error says it too.
  auto parsed = wms::csv::parse("sku;description;list_price\nSKU-1;Thing;1,50\n");
  REQUIRE(std::holds_alternative<wms::csv::ParseError>(parsed));
  CHECK(contains(std::get<wms::csv::ParseError>(parsed).message, "save it with commas"));
}

TEST_CASE("importers: an unknown column or a file of codes only is refused on line 1", "[importers]") {
  // A misspelt header would otherwise be ignored, and a price list would import without changing a price.
  Errors errors;
  CHECK(parse_products(table("SKU,List Price\nSKU-1,9.99\n"), errors).empty());
  INFO(dump(errors));
  REQUIRE(errors.size() == 1);
  CHECK(has_error(errors, 1, "list price", "unknown column 'list price': a products file has sku, description"));
  Errors only_code;
  CHECK(parse_accounts(table("code\nACME\n"), only_code).empty());
  CHECK(has_error(only_code, 1, "code", "nothing to import"));
  for (const char* text : {"sku,location,qty,note\nA,B,1,x\n"}) {
    Errors e;
    CHECK(parse_stock(table(text), e).empty());
    CHECK(has_error(e, 1, "note", "unknown column"));
  }
  Errors users;
  CHECK(parse_users(table("code,role,pin,email\nbob,picker,1234,b@x\n"), users).empty());
  CHECK(has_error(users, 1, "email"));
  // A semicolon-separated file gets its own hint, not a list of unknown columns.
  Errors semi;
  CHECK(parse_products(table("sku;description;list_price\nA;a;1\n"), semi).empty());
  REQUIRE(semi.size() == 1);
  CHECK(contains(semi[0].message, "save it with commas"));
}

TEST_CASE("importers: barcodes '-' means none and a cell of separators only is an error", "[importers][products]") {
  Product old;
  old.sku = "P";
  old.barcodes = {"04006381333931"};
  const Existing<Product> existing = [&](const std::string& sku) -> std::optional<Product> {
    if (sku == "P") return old;
    return std::nullopt;
  };
  Errors errors;
  auto none = parse_products(table("sku,barcodes\nP,-\n"), errors, existing);
  REQUIRE(none.size() == 1);
  CHECK(none[0].value.barcodes.empty());
  auto kept = parse_products(table("sku,barcodes\nP,\n"), errors, existing);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].value.barcodes == old.barcodes);
  CHECK(errors.empty());
  Errors bad;
  CHECK(parse_products(table("sku,barcodes\nP,|\nP2,\" | \"\n"), bad, existing).empty());
  INFO(dump(bad));
  CHECK(has_error(bad, 2, "barcodes", "lists no barcode"));
}

TEST_CASE("importers: text limits count characters not bytes and Unicode line separators are line breaks",
          "[importers][products]") {
  Errors errors;
  // 200 characters of "ü" (400 bytes) fit a description; 201 do not.
  std::string fits, too_long;
  for (int i = 0; i < 200; ++i) fits += "\xC3\xBC";
  too_long = fits + "e";
  auto rows = parse_products(table("sku,description,list_price\n"
                                   "A," +
                                   fits +
                                   ",1.00\n"
                                   "B," +
                                   too_long +
                                   ",1.00\n"
                                   "C,line\xE2\x80\xA8two,1.00\n"  // U+2028 line separator
                                   "D,para\xE2\x80\xA9two,1.00\n"  // U+2029 paragraph separator
                                   "E,next\xC2\x85line,1.00\n"     // U+0085 next line
                                   "F,Stra\xC3\x9F"
                                   "e \xE2\x80\x93 M\xC3\xBCller,1.00\n"),  // ß, en dash, ü: fine
                             errors);
  INFO(dump(errors));
  CHECK(lines_of(rows) == std::vector<std::size_t>{2, 7});
  REQUIRE(errors.size() == 4);
  CHECK(has_error(errors, 3, "description", "longer than 200 characters"));
  CHECK(has_error(errors, 4, "description", "line break"));
  CHECK(has_error(errors, 5, "description", "line break"));
  CHECK(has_error(errors, 6, "description", "line break"));
}
