// Turns CSV tables into typed records, checking every cell: a bad cell becomes a RowError naming the line
// and the column, never an exception and never a partly filled record. Cross-record checks (does the SKU
// exist?) need storage and are done by the caller with the line numbers kept here.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "records.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/csv.hpp"

namespace wms::domain {

template <class T>
struct Lined {
  std::size_t line = 0;
  T value;
};

struct StockRow {
  std::string sku;
  std::string location;
  std::int64_t qty = 0;
};
struct OrderRow {
  std::string ref;
  std::string account;
  std::string sku;
  std::int64_t qty = 0;
};
struct UserRow {
  std::string code;
  std::string name;
  std::string role;
  std::string pin;
};

using Errors = std::vector<proto::RowError>;

// A users import hashes one PIN per row (a slow hash by design) inside the write transaction, while every other
// request waits: a file may hold at most this many rows (about 10 s of hashing).
inline constexpr std::size_t k_max_user_rows = 100;

// The stored record a row's code names, if any (products, locations and accounts are upserted by code).
template <class T>
using Existing = std::function<std::optional<T>(const std::string& code)>;

// Each returns the rows that parsed; every problem is appended to `errors` (the import applies only
// when `errors` stays empty). A missing required column is one error on line 1.
//
// Products, locations and accounts: an import updates what its file gives. For a row naming an existing record
// (`existing`), a column the file leaves out or an empty cell keeps the stored value, so a price list of
// sku,list_price changes nothing but prices, and an empty tax_rate cell never turns a product tax-free. Only the
// code column is required in the header; the columns a new record needs (a product's description and list_price,
// a location's walk_seq and kind, an account's name) are one error on line 1 if the file creates such a record
// without them. For a new record, an empty optional cell means the default.
std::vector<Lined<Product>> parse_products(const csv::Table& t, Errors& errors, const Existing<Product>& existing = {});
std::vector<Lined<Location>> parse_locations(const csv::Table& t, Errors& errors,
                                             const Existing<Location>& existing = {});
std::vector<Lined<StockRow>> parse_stock(const csv::Table& t, Errors& errors);
std::vector<Lined<Account>> parse_accounts(const csv::Table& t, Errors& errors, const Existing<Account>& existing = {});
std::vector<Lined<OrderRow>> parse_orders(const csv::Table& t, Errors& errors);
std::vector<Lined<UserRow>> parse_users(const csv::Table& t, Errors& errors);

// A PIN is 4 to 12 digits.
bool valid_pin(std::string_view pin);
// Codes (SKU, location, account, order ref, user): 1..64 printable ASCII characters without spaces.
bool valid_code(std::string_view code);

}  // namespace wms::domain
