// CSV row parsing for the import command. Column names are documented in README.md ("CSV imports").
#include "importers.hpp"

#include <optional>
#include <set>

#include "rules.hpp"
#include "wms/shared/decimal.hpp"
#include "wms/shared/gtin.hpp"

namespace wms::domain {
namespace {

// Reads cells of one row by column name, recording the first error per cell.
class Cells {
 public:
  Cells(const csv::Table& t, const csv::Row& r, Errors& e) : t_(t), r_(r), e_(e) {}
  bool failed() const { return failed_; }

  std::string text(const char* col, bool required, std::size_t max = 200) {
    auto c = t_.column(col);
    std::string v = c ? std::string(t_.cell(r_, *c)) : std::string();
    if (required && v.empty()) return fail(col, "is empty"), std::string();
    if (v.size() > max) return fail(col, "is longer than " + std::to_string(max) + " characters"), std::string();
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
  bool failed_ = false;
};

bool require_columns(const csv::Table& t, std::initializer_list<const char*> cols, Errors& errors) {
  const bool semicolons = csv::semicolon_separated(t.header);
  bool ok = true;
  for (const char* c : cols) {
    if (!t.column(c)) {
      errors.push_back({1, c,
                        std::string("required column '") + c + "' is missing from the header" +
                            (semicolons ? csv::k_semicolon_hint : "")});
      ok = false;
    }
  }
  return ok;
}

constexpr std::int64_t k_max_qty = 1'000'000'000;
constexpr std::int64_t k_max_money_minor = 100'000'000'00;

template <class T, class F>
std::vector<Lined<T>> each_row(const csv::Table& t, Errors& errors, F&& f) {
  std::vector<Lined<T>> out;
  for (const auto& row : t.rows) {
    Cells c(t, row, errors);
    T v = f(c);
    if (!c.failed()) out.push_back({row.line, std::move(v)});
  }
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

std::vector<Lined<Product>> parse_products(const csv::Table& t, Errors& errors) {
  if (!require_columns(t, {"sku", "description", "list_price"}, errors)) return {};
  return each_row<Product>(t, errors, [](Cells& c) {
    Product p;
    p.sku = c.code("sku");
    p.description = c.text("description", true);
    std::string codes = c.text("barcodes", false, 400);
    std::size_t start = 0;
    while (start <= codes.size() && !codes.empty()) {
      std::size_t end = codes.find_first_of("| ", start);
      std::string one = codes.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!one.empty()) {
        auto g = gtin::normalize(one);
        if (!g) c.fail("barcodes", "'" + one + "' is not a valid GTIN-8/12/13/14 (length or check digit)");
        else p.barcodes.push_back(*g);
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    p.uom = c.text("uom", false, 8);
    if (p.uom.empty()) p.uom = "EA";
    p.units_per_case = c.integer("units_per_case", 1, k_max_qty, 1);
    p.units_per_pallet = c.integer("units_per_pallet", 1, k_max_qty, 1);
    p.weight_g = c.scaled("weight_kg", 3, k_max_qty, 0, "a weight in kg with up to 3 decimals");
    p.cost_minor = c.scaled("cost_price", 2, k_max_money_minor, 0, "an amount with up to 2 decimals");
    p.list_minor = c.scaled("list_price", 2, k_max_money_minor, std::nullopt, "an amount with up to 2 decimals");
    p.tax_bps = static_cast<std::int32_t>(c.scaled("tax_rate", 2, 100'00, 0, "a percentage with up to 2 decimals"));
    return p;
  });
}

std::vector<Lined<Location>> parse_locations(const csv::Table& t, Errors& errors) {
  if (!require_columns(t, {"code", "walk_seq", "kind"}, errors)) return {};
  return each_row<Location>(t, errors, [](Cells& c) {
    Location l;
    l.code = c.code("code");
    l.warehouse = c.text("warehouse", false, 32);
    l.zone = c.text("zone", false, 32);
    l.aisle = c.text("aisle", false, 32);
    l.bay = c.text("bay", false, 32);
    l.level = c.text("level", false, 32);
    l.bin = c.text("bin", false, 32);
    l.walk_seq = static_cast<std::uint32_t>(c.integer("walk_seq", 0, 4'000'000'000LL, std::nullopt));
    l.kind = c.text("kind", true, 16);
    if (!l.kind.empty() && l.kind != k_kind_pick && l.kind != k_kind_bulk && l.kind != k_kind_staging &&
        l.kind != k_kind_dock)
      c.fail("kind", "'" + l.kind + "' must be pick, bulk, staging or dock");
    l.barcode = c.text("barcode", false, 64);
    if (l.barcode.empty()) l.barcode = l.code;
    else if (!valid_code(l.barcode)) c.fail("barcode", "'" + l.barcode + "' must be printable characters without spaces");
    return l;
  });
}

std::vector<Lined<StockRow>> parse_stock(const csv::Table& t, Errors& errors) {
  if (!require_columns(t, {"sku", "location", "qty"}, errors)) return {};
  return each_row<StockRow>(t, errors, [](Cells& c) {
    StockRow s;
    s.sku = c.code("sku");
    s.location = c.code("location");
    s.qty = c.integer("qty", 0, k_max_qty, std::nullopt);
    return s;
  });
}

std::vector<Lined<Account>> parse_accounts(const csv::Table& t, Errors& errors) {
  if (!require_columns(t, {"code", "name"}, errors)) return {};
  return each_row<Account>(t, errors, [](Cells& c) {
    Account a;
    a.code = c.code("code");
    a.name = c.text("name", true);
    a.price_tier = c.text("price_tier", false, 16);
    if (a.price_tier.empty()) a.price_tier = "list";
    if (!tier_discount_bps(a.price_tier)) c.fail("price_tier", "'" + a.price_tier + "' must be list, silver, gold or platinum");
    a.terms = c.text("terms", false, 16);
    if (a.terms.empty()) a.terms = "net30";
    auto days = parse_terms(a.terms);
    if (!days) c.fail("terms", "'" + a.terms + "' must be prepay or netN (N = 0..365 days)");
    a.net_days = days.value_or(0);
    a.mode = c.text("delivery", false, 16);
    if (a.mode.empty()) a.mode = "parcel";
    if (a.mode != "parcel" && a.mode != "pallet") c.fail("delivery", "'" + a.mode + "' must be parcel or pallet");
    return a;
  });
}

namespace {
// Copies `field` from `old` when the file has no column `col`.
template <class T, class V>
void keep_if_absent(const csv::Table& t, const char* col, V T::*field, T& fresh, const T& old) {
  if (!t.column(col)) fresh.*field = old.*field;
}
}  // namespace

void keep_unlisted(const csv::Table& t, Product& fresh, const Product& old) {
  keep_if_absent(t, "barcodes", &Product::barcodes, fresh, old);
  keep_if_absent(t, "uom", &Product::uom, fresh, old);
  keep_if_absent(t, "units_per_case", &Product::units_per_case, fresh, old);
  keep_if_absent(t, "units_per_pallet", &Product::units_per_pallet, fresh, old);
  keep_if_absent(t, "weight_kg", &Product::weight_g, fresh, old);
  keep_if_absent(t, "cost_price", &Product::cost_minor, fresh, old);
  keep_if_absent(t, "tax_rate", &Product::tax_bps, fresh, old);
}

void keep_unlisted(const csv::Table& t, Location& fresh, const Location& old) {
  keep_if_absent(t, "warehouse", &Location::warehouse, fresh, old);
  keep_if_absent(t, "zone", &Location::zone, fresh, old);
  keep_if_absent(t, "aisle", &Location::aisle, fresh, old);
  keep_if_absent(t, "bay", &Location::bay, fresh, old);
  keep_if_absent(t, "level", &Location::level, fresh, old);
  keep_if_absent(t, "bin", &Location::bin, fresh, old);
  keep_if_absent(t, "barcode", &Location::barcode, fresh, old);
}

void keep_unlisted(const csv::Table& t, Account& fresh, const Account& old) {
  keep_if_absent(t, "price_tier", &Account::price_tier, fresh, old);
  keep_if_absent(t, "terms", &Account::terms, fresh, old);
  keep_if_absent(t, "terms", &Account::net_days, fresh, old);
  keep_if_absent(t, "delivery", &Account::mode, fresh, old);
}

std::vector<Lined<OrderRow>> parse_orders(const csv::Table& t, Errors& errors) {
  if (!require_columns(t, {"order_ref", "account", "sku", "qty"}, errors)) return {};
  return each_row<OrderRow>(t, errors, [](Cells& c) {
    OrderRow o;
    o.ref = c.code("order_ref");
    o.account = c.code("account");
    o.sku = c.code("sku");
    o.qty = c.integer("qty", 1, k_max_qty, std::nullopt);
    return o;
  });
}

std::vector<Lined<UserRow>> parse_users(const csv::Table& t, Errors& errors) {
  if (!require_columns(t, {"code", "role", "pin"}, errors)) return {};
  return each_row<UserRow>(t, errors, [](Cells& c) {
    UserRow u;
    u.code = c.code("code");
    u.name = c.text("name", false);
    u.role = c.text("role", true, 16);
    if (!u.role.empty() && !is_role(u.role)) c.fail("role", "'" + u.role + "' must be picker, forklift, manager or admin");
    u.pin = c.text("pin", true, 12);
    if (!u.pin.empty() && !valid_pin(u.pin)) c.fail("pin", "must be 4 to 12 digits");
    return u;
  });
}

}  // namespace wms::domain
