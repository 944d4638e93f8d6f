// Turns CSV tables into typed records, checking every cell: a bad cell becomes a RowError naming the line
// and the column, never an exception and never a partly filled record. Cross-record checks (does the SKU
// exist?) need storage and are done by the caller with the line numbers kept here.
#pragma once
#include <cstdint>
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

// Each returns the rows that parsed; every problem is appended to `errors` (the import applies only
// when `errors` stays empty). A missing required column is one error on line 1.
std::vector<Lined<Product>> parse_products(const csv::Table& t, Errors& errors);
std::vector<Lined<Location>> parse_locations(const csv::Table& t, Errors& errors);
std::vector<Lined<StockRow>> parse_stock(const csv::Table& t, Errors& errors);
std::vector<Lined<Account>> parse_accounts(const csv::Table& t, Errors& errors);

// An import updates what its file has columns for. A column the file leaves out keeps the value of an existing
// record (a new record gets the default), so a price list of sku,description,list_price does not wipe barcodes,
// weights or tax rates. A column that is there with an empty cell still means the default.
void keep_unlisted(const csv::Table& t, Product& fresh, const Product& old);
void keep_unlisted(const csv::Table& t, Location& fresh, const Location& old);
void keep_unlisted(const csv::Table& t, Account& fresh, const Account& old);
std::vector<Lined<OrderRow>> parse_orders(const csv::Table& t, Errors& errors);
std::vector<Lined<UserRow>> parse_users(const csv::Table& t, Errors& errors);

// A PIN is 4 to 12 digits.
bool valid_pin(std::string_view pin);
// Codes (SKU, location, account, order ref, user): 1..64 printable ASCII characters without spaces.
bool valid_code(std::string_view code);

}  // namespace wms::domain
