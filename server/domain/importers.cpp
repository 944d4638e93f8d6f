// CSV row parsing for the import command. Column names are documented in README.md ("CSV imports").
#include "importers.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "rules.hpp"
#include "wms/shared/decimal.hpp"
#include "wms/shared/gtin.hpp"

namespace wms::domain {
namespace {

// Columns a new record needs that the header lacks: reported once per column, on line 1, naming the first new
// record that needed it (a file of updates may leave them out).
struct MissingForNew {
  struct Use {
    std::size_t line = 0;
    std::string key;
    std::set<std::string> keys;  // every new record that needed it
  };
  std::map<std::string, Use> cols;
};

// Reads cells of one row by column name, recording the first error per cell.
bool single_line(std::string_view v) {
  for (char ch : v)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return false;
  return v.find("\xC2\x85") == std::string_view::npos && v.find("\xE2\x80\xA8") == std::string_view::npos &&
         v.find("\xE2\x80\xA9") == std::string_view::npos;
}

class Cells {
 public:
  Cells(const csv::Table& t, const csv::Row& r, Errors& e, MissingForNew& m) : t_(t), r_(r), e_(e), m_(m) {}
  bool failed() const { return failed_; }
  // The file has no such column, or this row's cell is empty.
  bool blank(const char* col) const {
    auto c = t_.column(col);
    return !c || t_.cell(r_, *c).empty();
  }
  // The record this row names (its key) is new; remembered for a column it needs that the header lacks.
  void set_new_key(std::string key) { new_key_ = std::move(key); }

  std::string text(const char* col, bool required, std::size_t max = 200) {
    auto c = t_.column(col);
    if (required && !c) {  // only for a new record (an existing one keeps its value); said once, on line 1
      if (new_key_) {
        auto& use = m_.cols[col];
        if (use.keys.empty()) use.line = r_.line, use.key = *new_key_;
        use.keys.insert(*new_key_);
      }
      failed_ = true;
      return {};
    }
    std::string v = c ? std::string(t_.cell(r_, *c)) : std::string();
    if (required && v.empty()) return fail(col, "is empty"), std::string();
    // One line per value: it is printed in tables, on labels and on invoices. Besides ASCII controls, Unicode's
    // next-line (U+0085) and line and paragraph separators (U+2028, U+2029) break a line too.
    if (!single_line(v)) return fail(col, "holds a line break or another control character"), std::string();
    if (csv::utf8_chars(v) > max)  // characters, not bytes: "Müller" is 6 (the file is UTF-8, csv::parse checked)
      return fail(col, "is longer than " + std::to_string(max) + " characters"), std::string();
    return v;
  }
  std::string code(const char* col) {
    std::string v = text(col, true, 64);
    if (!v.empty() && !valid_code(v)) fail(col, "'" + v + "' must be printable characters without spaces");
    return v;
  }
  std::int64_t integer(const char* col, std::int64_t min, std::int64_t max, std::optional<std::int64_t> dflt) {
    std::string v = text(col, !dflt);
    if (v.empty()) return dflt.value_or(0);
    auto n = decimal::parse_int(v);
    if (!n) return fail(col, "'" + v + "' is not a whole number"), 0;
    if (*n < min || *n > max)
      return fail(col, std::to_string(*n) + " is out of range " + std::to_string(min) + ".." + std::to_string(max)), 0;
    return *n;
  }
  std::int64_t scaled(const char* col, int scale, std::int64_t max, std::optional<std::int64_t> dflt, const char* what) {
    std::string v = text(col, !dflt);
    if (v.empty()) return dflt.value_or(0);
    auto n = decimal::parse_scaled(v, scale);
    if (!n) return fail(col, "'" + v + "' is not " + what), 0;
    if (*n < 0 || *n > max) return fail(col, "'" + v + "' must be between 0 and " + decimal::format_scaled(max, scale)), 0;
    return *n;
  }
  void fail(const char* col, const std::string& msg) {
    failed_ = true;
    e_.push_back({static_cast<std::uint32_t>(r_.line), col, std::string(col) + " " + msg});
  }

 private:
  const csv::Table& t_;
  const csv::Row& r_;
  Errors& e_;
  MissingForNew& m_;
  std::optional<std::string> new_key_;
  bool failed_ = false;
};

// For a row that names an existing record: a column the file leaves out, or an empty cell, keeps the stored value.
template <class T>
class Merge {
 public:
  Merge(const Cells& c, const std::optional<T>& old, T& fresh) : c_(c), old_(old), fresh_(fresh) {}
  template <class V>
  bool keep(const char* col, V T::*field) {
    if (!old_ || !c_.blank(col)) return false;
    fresh_.*field = (*old_).*field;
    return true;
  }

 private:
  const Cells& c_;
  const std::optional<T>& old_;
  T& fresh_;
};

template <class T>
std::optional<T> look_up(const Existing<T>& existing, const std::string& key) {
  if (!existing || key.empty()) return std::nullopt;
  return existing(key);
}

// The header: `required` columns must be there, and every column must be one of `known` (a misspelt "List Price"
// would otherwise be ignored and the file would import without changing what it was meant to). Errors on line 1.
bool check_header(const csv::Table& t, const char* kind, std::initializer_list<const char*> required,
                  std::initializer_list<const char*> known, Errors& errors) {
  const bool semicolons = csv::semicolon_separated(t.header);
  bool ok = true;
  for (const char* c : required) {
    if (!t.column(c)) {
      errors.push_back({1, c,
                        std::string("required column '") + c + "' is missing from the header" +
                            (semicolons ? csv::k_semicolon_hint : "")});
      ok = false;
    }
  }
  if (semicolons) return false;  // the one problem worth saying
  std::string names;
  for (const char* k : known) names += (names.empty() ? "" : ", ") + std::string(k);
  for (const auto& h : t.header) {
    if (std::find_if(known.begin(), known.end(), [&](const char* k) { return h == k; }) != known.end()) continue;
    errors.push_back({1, h, "unknown column '" + h + "': a " + kind + " file has " + names});
    ok = false;
  }
  return ok;
}

// An upsert file needs something to set besides the code.
bool check_not_code_only(const csv::Table& t, const char* code, Errors& errors) {
  if (t.header.size() > 1) return true;
  errors.push_back({1, code, std::string("the file has only the ") + code + " column: nothing to import"});
  return false;
}

constexpr std::int64_t k_max_qty = 1'000'000'000;
constexpr std::int64_t k_max_money_minor = 100'000'000'00;

template <class T, class F>
std::vector<Lined<T>> each_row(const csv::Table& t, Errors& errors, const char* noun, F&& f) {
  std::vector<Lined<T>> out;
  const std::size_t first = errors.size();
  MissingForNew missing;
  for (const auto& row : t.rows) {
    Cells c(t, row, errors, missing);
    T v = f(c);
    if (!c.failed()) out.push_back({row.line, std::move(v)});
  }
  // Header problems first, as the errors are in file order.
  Errors head;
  for (const auto& [col, use] : missing.cols)
    head.push_back({1, col,
                    "column '" + col + "' is missing from the header, and a new " + noun + " needs it ('" + use.key +
                        "' on line " + std::to_string(use.line) + " is new" +
                        (use.keys.size() > 1 ? ", and " + std::to_string(use.keys.size() - 1) + " more new " + noun +
                                                   (use.keys.size() > 2 ? "s" : "")
                                             : std::string()) +
                        "); an update may leave it out"});
  errors.insert(errors.begin() + static_cast<std::ptrdiff_t>(first), head.begin(), head.end());
  return out;
}

}  // namespace

bool valid_code(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  for (char ch : code)
    if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7f) return false;
  return true;
}

bool valid_pin(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 12) return false;
  for (char ch : pin)
    if (ch < '0' || ch > '9') return false;
  return true;
}

std::vector<Lined<Product>> parse_products(const csv::Table& t, Errors& errors, const Existing<Product>& existing) {
  if (!check_header(t, "products", {"sku"},
                    {"sku", "description", "barcodes", "uom", "units_per_case", "units_per_pallet", "weight_kg",
                     "cost_price", "list_price", "tax_rate"},
                    errors) ||
      !check_not_code_only(t, "sku", errors))
    return {};
  return each_row<Product>(t, errors, "product", [&](Cells& c) {
    Product p;
    p.sku = c.code("sku");
    const auto old = look_up(existing, p.sku);
    if (!old && !c.failed()) c.set_new_key(p.sku);
    Merge<Product> m(c, old, p);
    if (!m.keep("description", &Product::description)) p.description = c.text("description", true);
    if (!m.keep("barcodes", &Product::barcodes)) {
      // "-": no barcodes at all (an empty cell keeps an existing product's).
      std::string codes = c.text("barcodes", false, 400);
      std::size_t start = 0;
      bool bad = false;
      while (start <= codes.size() && !codes.empty() && codes != "-") {
        std::size_t end = codes.find_first_of("| ", start);
        std::string one = codes.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!one.empty()) {
          auto g = gtin::normalize(one);
          if (!g)
            c.fail("barcodes", "'" + one + "' is not a valid GTIN-8/12/13/14 (length or check digit)"), bad = true;
          else
            p.barcodes.push_back(*g);
        }
        if (end == std::string::npos) break;
        start = end + 1;
      }
      if (!bad && p.barcodes.empty() && !codes.empty() && codes != "-")
        c.fail("barcodes", "'" + codes + "' lists no barcode (write - for a product without barcodes)");
    }
    if (!m.keep("uom", &Product::uom)) {
      p.uom = c.text("uom", false, 8);
      if (p.uom.empty()) p.uom = "EA";
    }
    if (!m.keep("units_per_case", &Product::units_per_case))
      p.units_per_case = c.integer("units_per_case", 1, k_max_qty, 1);
    if (!m.keep("units_per_pallet", &Product::units_per_pallet))
      p.units_per_pallet = c.integer("units_per_pallet", 1, k_max_qty, 1);
    if (!m.keep("weight_kg", &Product::weight_g))
      p.weight_g = c.scaled("weight_kg", 3, k_max_qty, 0, "a weight in kg with up to 3 decimals");
    if (!m.keep("cost_price", &Product::cost_minor))
      p.cost_minor = c.scaled("cost_price", 2, k_max_money_minor, 0, "an amount with up to 2 decimals");
    if (!m.keep("list_price", &Product::list_minor))
      p.list_minor = c.scaled("list_price", 2, k_max_money_minor, std::nullopt, "an amount with up to 2 decimals");
    if (!m.keep("tax_rate", &Product::tax_bps))
      p.tax_bps = static_cast<std::int32_t>(c.scaled("tax_rate", 2, 100'00, 0, "a percentage with up to 2 decimals"));
    return p;
  });
}

std::vector<Lined<Location>> parse_locations(const csv::Table& t, Errors& errors, const Existing<Location>& existing) {
  if (!check_header(t, "locations", {"code"},
                    {"code", "warehouse", "zone", "aisle", "bay", "level", "bin", "walk_seq", "kind", "barcode"},
                    errors) ||
      !check_not_code_only(t, "code", errors))
    return {};
  return each_row<Location>(t, errors, "location", [&](Cells& c) {
    Location l;
    l.code = c.code("code");
    const auto old = look_up(existing, l.code);
    if (!old && !c.failed()) c.set_new_key(l.code);
    Merge<Location> m(c, old, l);
    if (!m.keep("warehouse", &Location::warehouse)) l.warehouse = c.text("warehouse", false, 32);
    if (!m.keep("zone", &Location::zone)) l.zone = c.text("zone", false, 32);
    if (!m.keep("aisle", &Location::aisle)) l.aisle = c.text("aisle", false, 32);
    if (!m.keep("bay", &Location::bay)) l.bay = c.text("bay", false, 32);
    if (!m.keep("level", &Location::level)) l.level = c.text("level", false, 32);
    if (!m.keep("bin", &Location::bin)) l.bin = c.text("bin", false, 32);
    if (!m.keep("walk_seq", &Location::walk_seq))
      l.walk_seq = static_cast<std::uint32_t>(c.integer("walk_seq", 0, 4'000'000'000LL, std::nullopt));
    if (!m.keep("kind", &Location::kind)) {
      l.kind = c.text("kind", true, 16);
      if (!l.kind.empty() && l.kind != k_kind_pick && l.kind != k_kind_bulk && l.kind != k_kind_staging &&
          l.kind != k_kind_dock)
        c.fail("kind", "'" + l.kind + "' must be pick, bulk, staging or dock");
    }
    if (!m.keep("barcode", &Location::barcode)) {
      l.barcode = c.text("barcode", false, 64);
      if (l.barcode.empty())
        l.barcode = l.code;
      else if (!valid_code(l.barcode))
        c.fail("barcode", "'" + l.barcode + "' must be printable characters without spaces");
    }
    return l;
  });
}

std::vector<Lined<StockRow>> parse_stock(const csv::Table& t, Errors& errors) {
  if (!check_header(t, "stock", {"sku", "location", "qty"}, {"sku", "location", "qty"}, errors)) return {};
  return each_row<StockRow>(t, errors, "stock row", [](Cells& c) {
    StockRow s;
    s.sku = c.code("sku");
    s.location = c.code("location");
    s.qty = c.integer("qty", 0, k_max_qty, std::nullopt);
    return s;
  });
}

std::vector<Lined<Account>> parse_accounts(const csv::Table& t, Errors& errors, const Existing<Account>& existing) {
  if (!check_header(t, "accounts", {"code"}, {"code", "name", "price_tier", "terms", "delivery"}, errors) ||
      !check_not_code_only(t, "code", errors))
    return {};
  return each_row<Account>(t, errors, "account", [&](Cells& c) {
    Account a;
    a.code = c.code("code");
    const auto old = look_up(existing, a.code);
    if (!old && !c.failed()) c.set_new_key(a.code);
    Merge<Account> m(c, old, a);
    if (!m.keep("name", &Account::name)) a.name = c.text("name", true);
    if (!m.keep("price_tier", &Account::price_tier)) {
      a.price_tier = c.text("price_tier", false, 16);
      if (a.price_tier.empty()) a.price_tier = "list";
      if (!tier_discount_bps(a.price_tier))
        c.fail("price_tier", "'" + a.price_tier + "' must be list, silver, gold or platinum");
    }
    if (m.keep("terms", &Account::terms)) {
      a.net_days = old->net_days;
    } else {
      a.terms = c.text("terms", false, 16);
      if (a.terms.empty()) a.terms = "net30";
      auto days = parse_terms(a.terms);
      if (!days) c.fail("terms", "'" + a.terms + "' must be prepay or netN (N = 0..365 days)");
      a.net_days = days.value_or(0);
    }
    if (!m.keep("delivery", &Account::mode)) {
      a.mode = c.text("delivery", false, 16);
      if (a.mode.empty()) a.mode = "parcel";
      if (a.mode != "parcel" && a.mode != "pallet") c.fail("delivery", "'" + a.mode + "' must be parcel or pallet");
    }
    return a;
  });
}

std::vector<Lined<OrderRow>> parse_orders(const csv::Table& t, Errors& errors) {
  if (!check_header(t, "orders", {"order_ref", "account", "sku", "qty"}, {"order_ref", "account", "sku", "qty"},
                    errors))
    return {};
  return each_row<OrderRow>(t, errors, "order line", [](Cells& c) {
    OrderRow o;
    o.ref = c.code("order_ref");
    o.account = c.code("account");
    o.sku = c.code("sku");
    o.qty = c.integer("qty", 1, k_max_qty, std::nullopt);
    return o;
  });
}

std::vector<Lined<UserRow>> parse_users(const csv::Table& t, Errors& errors) {
  if (!check_header(t, "users", {"code", "role", "pin"}, {"code", "name", "role", "pin"}, errors)) return {};
  if (t.rows.size() > k_max_user_rows) {  // each row's PIN hash takes ~0.07-0.1 s (on wmsd's PIN lane)
    errors.push_back({1, "",
                      "a users file holds at most " + std::to_string(k_max_user_rows) + " rows, this one " +
                          std::to_string(t.rows.size()) +
                          ": every PIN is hashed (~0.1 s) before the file is applied, so split it into several files"});
    return {};
  }
  return each_row<UserRow>(t, errors, "user", [](Cells& c) {
    UserRow u;
    u.code = c.code("code");
    u.name = c.text("name", false);
    u.role = c.text("role", true, 16);
    if (!u.role.empty() && !is_role(u.role))
      c.fail("role", "'" + u.role + "' must be picker, forklift, manager or admin");
    u.pin = c.text("pin", true, 12);
    if (!u.pin.empty() && !valid_pin(u.pin)) c.fail("pin", "must be 4 to 12 digits");
    return u;
  });
}

}  // namespace wms::domain
