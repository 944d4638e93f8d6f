// wmsctl: the back-office CLI over the wire protocol (never opens the database itself). Thin: parse the command
// line, send one or a few requests as an authenticated admin/manager, print a table or --json.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/cli.hpp"
#include "wms/shared/client.hpp"
#include "wms/shared/csv.hpp"
#include "wms/shared/decimal.hpp"
#include "wms/shared/secret.hpp"

namespace {
using wms::client::Reply;
using wms::proto::Status;

// ---- output ----
void json_string(std::ostream& os, std::string_view s) {
  os << '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': os << "\\\""; break;
      case '\\': os << "\\\\"; break;
      case '\n': os << "\\n"; break;
      case '\r': os << "\\r"; break;
      case '\t': os << "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          os << buf;
        } else {
          os << c;
        }
    }
  }
  os << '"';
}

void json(std::ostream& os, const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL: os << "null"; break;
    case msgpack::type::BOOLEAN: os << (o.via.boolean ? "true" : "false"); break;
    case msgpack::type::POSITIVE_INTEGER: os << o.via.u64; break;
    case msgpack::type::NEGATIVE_INTEGER: os << o.via.i64; break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: os << o.via.f64; break;
    case msgpack::type::STR: json_string(os, {o.via.str.ptr, o.via.str.size}); break;
    case msgpack::type::BIN: json_string(os, {o.via.bin.ptr, o.via.bin.size}); break;
    case msgpack::type::ARRAY:
      os << '[';
      for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
        if (i) os << ',';
        json(os, o.via.array.ptr[i]);
      }
      os << ']';
      break;
    case msgpack::type::MAP:
      os << '{';
      for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        if (i) os << ',';
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type == msgpack::type::STR) json_string(os, {kv.key.via.str.ptr, kv.key.via.str.size});
        else json_string(os, "?");
        os << ':';
        json(os, kv.val);
      }
      os << '}';
      break;
    default: os << "null";
  }
}

const msgpack::object* field(const msgpack::object& map, std::string_view name) {
  return wms::proto::find_key(map, name);
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() > tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Milliseconds since the epoch as UTC date and time to the second ("" for 0: not happened).
std::string utc_time(std::uint64_t ms) {
  if (ms == 0) return "";
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (!::gmtime_r(&secs, &tm)) return std::to_string(ms);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// Text of a cell; *_minor columns are money and print as 12.50, *_ms columns are times and print in UTC.
std::string text(const msgpack::object& map, std::string_view col) {
  const auto* v = field(map, col);
  if (!v) return "";
  const bool money = ends_with(col, "_minor");
  switch (v->type) {
    case msgpack::type::STR: return std::string(v->via.str.ptr, v->via.str.size);
    case msgpack::type::POSITIVE_INTEGER:
      if (ends_with(col, "_ms")) return utc_time(v->via.u64);
      return money ? wms::decimal::format_money(static_cast<std::int64_t>(v->via.u64)) : std::to_string(v->via.u64);
    case msgpack::type::NEGATIVE_INTEGER:
      if (col == "idle_s") return "";  // -1: not heard from since wmsd started
      return money ? wms::decimal::format_money(v->via.i64) : std::to_string(v->via.i64);
    case msgpack::type::BOOLEAN: return v->via.boolean ? "yes" : "no";
    case msgpack::type::ARRAY: {  // a list of codes (barcodes, totes): space-separated
      std::string out;
      for (std::uint32_t i = 0; i < v->via.array.size; ++i)
        if (const auto& e = v->via.array.ptr[i]; e.type == msgpack::type::STR)
          out += (out.empty() ? "" : " ") + std::string(e.via.str.ptr, e.via.str.size);
      return out;
    }
    default: return "";
  }
}

// "1 order", "3 orders": a number as printed, with its noun.
std::string counted(const std::string& n, const char* one, const char* many) {
  return n + " " + (n == "1" ? one : many);
}

// Heading of a column or field for people: money prints as 12.50, so it loses the "_minor" of its wire name;
// times print as UTC, so "at_ms" reads "at (UTC)". --json keeps the wire names and values.
std::string label(std::string_view col) {
  std::string h(col);
  if (ends_with(h, "_minor")) h = h.substr(0, h.size() - 6);
  if (ends_with(h, "_ms")) h = h.substr(0, h.size() - 3) + " (UTC)";
  return h;
}

// Rows (maps) under a header of `cols`, aligned.
void table_rows(const std::vector<const msgpack::object*>& rows, std::initializer_list<std::string_view> cols) {
  std::vector<std::vector<std::string>> cells;
  cells.emplace_back();
  for (auto c : cols) cells.back().push_back(label(c));
  for (const auto* row : rows) {
    if (!row) continue;
    cells.emplace_back();
    for (auto c : cols) cells.back().push_back(text(*row, c));
  }
  // Widths in characters, not bytes: a "Müller" row lines up with the others.
  std::vector<std::size_t> width(cols.size(), 0);
  for (const auto& r : cells)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], wms::csv::utf8_chars(r[i]));
  for (const auto& r : cells) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - wms::csv::utf8_chars(r[i]) + 2, ' ');
    }
    std::cout << line << "\n";
  }
  if (cells.size() == 1) std::cout << "(none)\n";
}
void table(const msgpack::object* rows, std::initializer_list<std::string_view> cols) {
  std::vector<const msgpack::object*> list;
  if (rows && rows->type == msgpack::type::ARRAY)
    for (std::uint32_t i = 0; i < rows->via.array.size; ++i) list.push_back(&rows->via.array.ptr[i]);
  table_rows(list, cols);
}

void fields(const msgpack::object& map, std::initializer_list<std::string_view> cols) {
  for (auto c : cols) std::cout << label(c) << ": " << text(map, c) << "\n";
}

// `order confirm --all`: confirmations sent before the first answer is waited for.
constexpr std::size_t k_confirm_window = 64;

// A refusal that concerns one order only (its state, its account, its lines): `order confirm --all` goes on.
bool order_own_refusal(Status s) {
  return s == Status::not_found || s == Status::invalid_state || s == Status::invalid || s == Status::conflict ||
         s == Status::insufficient_stock;
}

struct Cli {
  std::string server, user, pin;
  bool json_out = false;
  int timeout_ms = 10000;
  std::unique_ptr<wms::client::Connection> conn;

  void connect() {
    char host[64] = {};
    ::gethostname(host, sizeof host - 1);
    conn = std::make_unique<wms::client::Connection>(
        server, std::string(wms::proto::k_cli_device_prefix) + std::string(host) + "-" + std::to_string(::getpid()),
        wms::client::Options{timeout_ms, 3});
    if (pin.empty()) read_pin();
    // Not sent: the server would count it as a wrong PIN, and a script without a PIN would lock the user.
    if (pin.empty()) {
      std::cerr << "error: no PIN for " << user << ": set WMS_PIN, pass --pin, or type it when asked\n";
      std::exit(2);
    }
    Reply r = conn->login(user, pin);
    if (!r.ok()) fail(r, "login as " + user);
  }
  // From stdin; at a terminal after a prompt and without echo (wms::cli::read_secret).
  void read_pin() { pin = wms::cli::read_secret("PIN for " + user + ": "); }
  // Ends the session; also on the way out after a refusal, so a run never leaves a session open behind it.
  void logout() noexcept {
    if (conn && !conn->token().empty()) {
      try {
        conn->call(wms::proto::LogoutReq{});
        conn->set_token("");
      } catch (...) {
      }
    }
  }
  ~Cli() { logout(); }
  // `json_close`: printed after the JSON of the refusal (the end of an array it is the last element of).
  [[noreturn]] void fail(const Reply& r, const std::string& what, const char* json_close = "") {
    report(r, what, {}, (std::string(json_close) + "\n").c_str());
    logout();
    std::exit(1);
  }
  // Prints a refusal: on stderr, and with --json as an object on stdout ("ref": what it was about, when given).
  void report(const Reply& r, const std::string& what, const std::string& ref = {}, const char* json_close = "\n") {
    std::cerr << "error: " << what << ": " << wms::proto::to_string(r.status) << ": " << r.error << "\n";
    if (r.status == Status::import_failed) {
      const auto* errs = field(r.body, "errors");
      if (errs && errs->type == msgpack::type::ARRAY)
        for (std::uint32_t i = 0; i < errs->via.array.size; ++i) {
          const auto& e = errs->via.array.ptr[i];
          std::cerr << "  line " << text(e, "line") << ", column " << (text(e, "column").empty() ? "-" : text(e, "column"))
                    << ": " << text(e, "message") << "\n";
        }
    }
    if (json_out) {  // the refusal itself, and the body when it has one (an import's row errors)
      std::cout << "{\"status\":";
      json_string(std::cout, wms::proto::to_string(r.status));
      std::cout << ",\"error\":";
      json_string(std::cout, r.error);
      if (!ref.empty()) {
        std::cout << ",\"ref\":";
        json_string(std::cout, ref);
      }
      std::cout << ",\"body\":";
      json(std::cout, r.body);
      std::cout << "}" << json_close;
    }
  }
  template <class Req>
  Reply send(const Req& req, const std::string& what) {
    Reply r = conn->call(req);
    if (!r.ok()) fail(r, what);
    return r;
  }
  // Prints the reply as JSON when asked, else runs the human printer.
  template <class F>
  void show(const Reply& r, F&& human) {
    if (json_out) {
      json(std::cout, r.body);
      std::cout << "\n";
    } else {
      human(r.body);
    }
  }
};

// Master data as an import file (`products --csv`): every row the prefix selects, fetched page by page, under the
// import's column names and units, so the file can be edited and loaded back with `import`.
template <class Req, class Rep, class View, class Cells>
void export_csv(Cli& c, wms::proto::MasterListReq q, const std::vector<std::string>& header,
                std::vector<View> Rep::*rows, std::string View::*code, Cells&& cells) {
  q.limit = static_cast<std::uint32_t>(wms::proto::k_max_list_items);
  bool first = true;
  for (;;) {
    const auto rep = c.send(Req{q}, "list " + std::string(Req::k_type)).template as<Rep>();
    if (first) std::cout << wms::csv::line(header);  // after the first answer: a refusal prints no half file
    first = false;
    for (const auto& v : rep.*rows) std::cout << wms::csv::line(cells(v));
    if (!rep.more || (rep.*rows).empty()) break;
    q.after = (rep.*rows).back().*code;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}


void print_order(const msgpack::object& o) {
  fields(o, {"ref", "account", "status", "mode"});
  if (const auto shipped = text(o, "shipped_units");
      text(o, "status") == "confirmed" && !shipped.empty() && shipped != "0")
    std::cout << "shipped: " << shipped << " of " << text(o, "ordered_units")
              << " units so far (part shipped: the order stays confirmed until every unit has shipped)\n";
  if (text(o, "cartons") != "" && text(o, "cartons") != "0") fields(o, {"cartons", "packed_ms"});
  // An entered order has no price yet (it is locked at confirmation): no 0.00 a clerk could take for a price.
  if (text(o, "status") == "entered") {
    table(field(o, "lines"), {"line", "sku", "ordered"});
    std::cout << "(prices and tax are set when the order is confirmed)\n";
    return;
  }
  table(field(o, "lines"), {"line", "sku", "ordered", "allocated", "picked", "shipped", "backordered", "price_minor", "tax_bps"});
}
void print_invoice(const msgpack::object& inv) {
  fields(inv, {"number", "order_ref", "account"});
  // Invoices issued before wmsd recorded these (2026-11-24) do not have them.
  for (const char* f : {"account_name", "currency"})
    std::cout << label(f) << ": " << (text(inv, f).empty() ? "(not recorded)" : text(inv, f)) << "\n";
  fields(inv, {"issue_date", "due_date", "terms"});
  table(field(inv, "lines"), {"line", "sku", "description", "qty", "unit_price_minor", "net_minor", "tax_bps", "tax_minor"});
  fields(inv, {"net_minor", "tax_minor", "total_minor"});
}
void print_tasks(const msgpack::object* tasks) {
  // tote (parcel) and drop_location / sscc (pallet) say where the picked goods went.
  table(tasks, {"id", "wave", "order_ref", "location", "sku", "qty", "picked", "status", "claimed_by", "tote",
                "drop_location", "sscc"});
}
// A master data listing, and how to see the rest when the limit stopped it.
void print_master(const msgpack::object& b, std::string_view rows, std::string_view code,
                  std::initializer_list<std::string_view> cols) {
  const auto* list = field(b, rows);
  if (cols.size()) table(list, cols);  // none: the caller printed the rows
  if (text(b, "more") == "yes" && list && list->via.array.size > 0)
    std::cout << "(more: add --after " << text(list->via.array.ptr[list->via.array.size - 1], code) << ")\n";
}
void print_pack(const msgpack::object& p) {
  fields(p, {"ref", "account", "tote", "totes"});
  const std::string cartons = text(p, "cartons");
  std::cout << "packed: " << (cartons.empty() || cartons == "0" ? "no" : "yes, " + cartons + " carton(s)") << "\n";
  table(field(p, "lines"), {"line", "sku", "description", "picked"});
}

}  // namespace

int main(int argc, char** argv) {
  namespace proto = wms::proto;
  Cli c;
  CLI::App app{"wmsctl - back-office commands for wmsd"};
  app.fallthrough();  // global options (--json, --server, ...) may also come after the command
  app.require_subcommand(1);
  c.server = "tcp://127.0.0.1:5555";
  c.user = std::getenv("WMS_USER") ? std::getenv("WMS_USER") : "admin";
  c.pin = std::getenv("WMS_PIN") ? std::getenv("WMS_PIN") : "";
  app.add_option("--server", c.server, "wmsd request endpoint")
      ->capture_default_str()
      ->envname("WMS_SERVER")
      ->check(wms::cli::server_endpoint);
  app.add_option("--user", c.user, "user code (env WMS_USER)")->capture_default_str();
  app.add_option("--pin", c.pin, "PIN (env WMS_PIN; read from stdin when absent)");
  app.add_flag("--json", c.json_out, "print the server's answer as JSON");
  app.add_option("--timeout-ms", c.timeout_ms, "per-attempt timeout")->capture_default_str();
  app.set_version_flag("--version", "wmsctl " WMS_VERSION);

  std::string kind, file, ref, status, mode, sku, location, reason, code, role, name, newpin, tote;
  std::uint64_t id = 0;
  std::uint32_t max_orders = 0, limit = 50, cartons = 0;
  std::int64_t qty = 0, delta = 0;
  bool all = false;

  auto* imp = app.add_subcommand("import", "import a CSV file (all rows or none)");
  imp->add_option("kind", kind, "products | locations | stock | accounts | orders | users")
      ->required()
      ->check(CLI::IsMember({"products", "locations", "stock", "accounts", "orders", "users"}));
  imp->add_option("file", file, "CSV file with a header row")->required()->check(CLI::ExistingFile);
  // Lists keyed by a number come in pages in number order: --after the last number shown, --limit rows.
  std::uint64_t after_no = 0;
  std::uint32_t page_rows = 1000;
  auto paged = [&](CLI::App* cmd, const char* number) {
    cmd->add_option("--after", after_no, std::string("start after this ") + number + " (the next page)");
    cmd->add_option("--limit", page_rows, "at most this many rows (1-10000)")
        ->capture_default_str()
        ->check(CLI::Range(1, static_cast<int>(proto::k_max_list_items)));
    return cmd;
  };
  auto* orders = paged(app.add_subcommand("orders", "list orders, oldest first"), "order id");
  // Values checked here too (usage, exit 2, like every other mistyped option), not only by the server.
  orders->add_option("--status", status, "entered | confirmed | cancelled | closed")
      ->check(CLI::IsMember({"entered", "confirmed", "cancelled", "closed"}));
  auto* order = app.add_subcommand("order", "show, confirm or cancel an order");
  order->require_subcommand(1);
  auto* oshow = order->add_subcommand("show", "show one order with its lines");
  oshow->add_option("ref", ref)->required();
  auto* oconf = order->add_subcommand("confirm", "lock prices and allocate stock (shortfall -> backorder)");
  auto* oconf_ref = oconf->add_option("ref", ref);
  oconf->add_flag("--all", all, "confirm every entered order")->excludes(oconf_ref);  // usage, before any login
  auto* ocancel = order->add_subcommand("cancel", "cancel an order, releasing its reservations");
  ocancel->add_option("ref", ref)->required();
  auto* alloc = app.add_subcommand("allocate", "retry backorders against available stock");
  auto* waves = paged(app.add_subcommand("waves", "list waves"), "wave id");
  auto* wave = app.add_subcommand("wave", "create or release a wave");
  wave->require_subcommand(1);
  auto* wcreate = wave->add_subcommand("create", "wave the allocated orders of one delivery mode");
  wcreate->add_option("--mode", mode, "parcel | pallet")->required()->check(CLI::IsMember({"parcel", "pallet"}));
  wcreate->add_option("--max-orders", max_orders, "at most this many orders (0 = all)");
  auto* wrelease = wave->add_subcommand("release", "push a wave's tasks to the devices");
  // Ids and numbers start at 1: an empty or 0 argument (a script whose `wave create` failed) is a usage error.
  const auto positive = [](const std::string& v) {
    return v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
                   v.find_first_not_of('0') == std::string::npos
               ? "'" + v + "' is not an id (a whole number from 1)"
               : std::string();
  };
  wrelease->add_option("id", id)->required()->check(positive);
  auto* tasks = paged(app.add_subcommand("tasks", "list pick tasks"), "task id");
  tasks->add_option("--wave", id, "only this wave");
  tasks->add_option("--status", status, "open | claimed | done | short | cancelled")
      ->check(CLI::IsMember({"open", "claimed", "done", "short", "cancelled"}));
  auto* task = app.add_subcommand("task", "manage one device's work");
  task->require_subcommand(1);
  auto* tunclaim = task->add_subcommand("unclaim", "free a task, or every task a device holds, for other devices");
  tunclaim->add_option("id", id, "task id");
  tunclaim->add_option("--device", code, "every open task this device holds (e.g. a broken handheld)");
  auto* devs =
      app.add_subcommand("devices", "devices signed in or seen since wmsd started, and the open tasks each holds");
  bool all_devices = false;
  devs->add_flag("--all", all_devices, "also devices that signed out and hold no task (each wmsctl run is one)");
  auto* excs = paged(app.add_subcommand("exceptions", "list exceptions (short picks)"), "exception id");
  auto* invs = paged(app.add_subcommand("invoices", "list invoices"), "invoice number");
  auto* inv = app.add_subcommand("invoice", "show an invoice");
  inv->require_subcommand(1);
  auto* ishow = inv->add_subcommand("show", "show one invoice with its lines");
  ishow->add_option("number", id)->required()->check(positive);
  auto* stock = app.add_subcommand("stock", "stock per SKU and location");
  stock->add_option("--sku", sku);
  stock->add_option("--location", location);
  bool count_due = false;
  stock->add_flag("--count-due", count_due, "only the bins waiting for a count (a short pick was reported there)");
  auto* disp = app.add_subcommand("dispatch", "ship what is picked of an order and invoice it");
  disp->add_option("ref", ref)->required();
  auto* recv = app.add_subcommand("receive", "goods receipt into a location (serves backorders)");
  recv->add_option("--sku", sku)->required();
  recv->add_option("--location", location)->required();
  recv->add_option("--qty", qty)->required();
  recv->add_option("--ref", ref, "delivery note / PO reference");
  auto* mv =
      app.add_subcommand("move", "move available stock between locations (putaway, replenishment; serves backorders)");
  std::string to;
  mv->add_option("--sku", sku)->required();
  mv->add_option("--from", location, "where the units are now")->required();
  mv->add_option("--to", to, "where they go")->required();
  mv->add_option("--qty", qty)->required();
  mv->add_option("--reason", reason, "for the audit trail");
  auto* adj = app.add_subcommand("adjust", "stock adjustment with a reason");
  adj->add_option("--sku", sku)->required();
  adj->add_option("--location", location)->required();
  adj->add_option("--delta", delta, "units to add (negative to remove)")->required()->allow_extra_args(false);
  adj->add_option("--reason", reason)->required();
  auto* cnt = app.add_subcommand(
      "count", "record what a count found in a bin: it becomes the on-hand and clears a count due after a short pick");
  cnt->add_option("--sku", sku)->required();
  cnt->add_option("--location", location)->required();
  cnt->add_option("--qty", qty, "units found there, those still waiting for their picks included")->required();
  cnt->add_option("--reason", reason, "for the audit trail");
  std::int64_t expected = -1;
  cnt->add_option("--expected", expected,
                  "the on_hand the count sheet (stock --count-due) showed: refused if stock moved there since")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000'000}));
  auto* user = app.add_subcommand("user", "manage users");
  user->require_subcommand(1);
  auto* uadd = user->add_subcommand("add", "create a user or reset its PIN and role");
  uadd->add_option("code", code)->required();
  uadd->add_option("--role", role, "picker | forklift | manager | admin")->required();
  uadd->add_option("--name", name);
  uadd->add_option("--new-pin", newpin, "the user's PIN (4-12 digits)")->required();
  auto* audit = app.add_subcommand("audit", "newest audit records");
  audit->add_option("--limit", limit, "newest first, at most this many (1-10000)")
      ->capture_default_str()
      ->check(CLI::Range(1, static_cast<int>(proto::k_max_list_items)));
  std::string audit_type, audit_user, audit_device;
  bool audit_logins = false;
  audit->add_option("--type", audit_type, "only this request type, e.g. dispatch, pick.confirm, import, login")
      ->check([](const std::string& v) {
        return proto::is_audit_type(v)
                   ? std::string()
                   : "'" + v + "' is not a request type the audit trail records: one of " + proto::audit_types_text();
      });
  audit->add_option("--user", audit_user, "only this user");
  audit->add_option("--device", audit_device, "only this device");
  audit->add_flag("--logins", audit_logins, "include sign-ins (left out unless asked for: every wmsctl run signs in)");
  auto* backup = app.add_subcommand("backup", "hot, consistent copy of the database to FILE on the server host");
  backup->add_option("file", file, "new file (must not exist)")->required()->check([](const std::string& v) {
    return v.empty() ? std::string("the backup file needs a name") : std::string();
  });
  auto* pack = app.add_subcommand("pack", "pack station: what to pack, and closing an order's packing");
  pack->require_subcommand(1);
  auto* pshow = pack->add_subcommand("show", "units picked and not shipped of an order, by ref or by tote");
  pshow->add_option("ref", ref, "order ref");
  pshow->add_option("--tote", tote, "tote label, e.g. TOTE-12");
  auto* pclose = pack->add_subcommand("close", "mark an order packed");
  pclose->add_option("ref", ref)->required();
  pclose->add_option("--cartons", cartons, "cartons packed (1 or more)")->required();
  auto* ping = app.add_subcommand("ping", "check the server answers and the login works");
  // Master data listings: products, locations, accounts (office) and users (admin), in code order.
  std::string prefix, after;
  std::uint32_t rows = 1000;
  bool csv_out = false;
  auto master = [&](const char* cmd_name, const char* what) {
    auto* cmd = app.add_subcommand(cmd_name, what);
    cmd->add_option("--prefix", prefix, "only codes that start with this");
    cmd->add_option("--after", after, "start after this code (the next page)");
    auto* limit_opt = cmd->add_option("--limit", rows, "at most this many rows (1-10000)")
                          ->capture_default_str()
                          ->check(CLI::Range(1, static_cast<int>(proto::k_max_list_items)));
    if (std::string_view(cmd_name) != "users")
      cmd->add_flag("--csv", csv_out,
                    "every row as an import file (columns and units of `import`), to edit and load back; not with "
                    "--json")
          ->excludes(limit_opt);  // --json is checked after parsing: its help would list every --csv
    return cmd;
  };
  auto* prods = master("products", "list products (SKU, barcodes, prices)");
  auto* locs = master("locations", "list locations (walk order, kind, barcode)");
  auto* accts = master("accounts", "list customer accounts (price tier, terms, delivery mode)");
  auto* users = master("users", "list users, their roles and locks (admin)");

  app.footer(
      "Exit status: 0 done; 1 refused by the server (the reason is printed); 2 usage error; 3 server unreachable.");
  if (auto rc = wms::cli::parse(app, argc, argv)) return *rc;  // --help/--version 0, a usage error 2, as documented
  if (csv_out && c.json_out) {
    std::cerr << "--csv excludes --json: a listing is printed as one or the other\n";
    return 2;
  }

  try {
    c.connect();
    if (*imp) {
      auto r = c.send(proto::ImportReq{kind, read_file(file)}, "import " + kind + " from " + file);
      c.show(r, [&](const msgpack::object& b) {
        std::cout << "imported " << text(b, "rows") << " row(s) of " << kind;
        const bool upsert = kind == "products" || kind == "locations" || kind == "accounts" || kind == "users";
        if (upsert && !text(b, "created").empty()) {  // an older wmsd does not count
          std::cout << ": " << text(b, "created") << " new, " << text(b, "updated") << " updated";
          if (kind != "users") std::cout << ", " << text(b, "unchanged") << " unchanged";
        }
        std::cout << "\n";
      });
    } else if (*orders) {
      c.show(c.send(proto::OrdersReq{status, after_no, page_rows}, "list orders"), [](const msgpack::object& b) {
        print_master(b, "orders", "id", {"id", "ref", "account", "status", "mode", "ordered_units", "shipped_units"});
      });
    } else if (*oshow) {
      proto::OrderShowReq q;
      q.ref = ref;
      c.show(c.send(q, "show order " + ref), print_order);
    } else if (*oconf) {
      std::vector<std::string> refs;
      if (all) {  // every entered order, page by page (a list page holds at most k_max_list_items)
        for (std::uint64_t from = 0;;) {
          const auto page = c.send(proto::OrdersReq{"entered", from, proto::k_max_list_items}, "list entered orders")
                                .as<proto::OrdersRep>();
          for (const auto& o : page.orders) refs.push_back(o.ref);
          if (!page.more || page.orders.empty()) break;
          from = page.orders.back().id;
        }
        if (refs.empty() && !c.json_out) std::cout << "no entered orders to confirm\n";
      } else if (!ref.empty()) {
        refs.push_back(ref);
      } else {
        std::cerr << "order confirm needs a REF or --all\n";
        return 2;
      }
      // Sent with up to k_confirm_window unanswered, so one durable commit carries many confirmations. An order
      // refused on its own account (already confirmed or cancelled meanwhile, account removed, ...) is reported and
      // the rest go on; exit 1 at the end. A refusal of the session or the server (signed out, busy, ...) stops it.
      // --all with --json: one array of the answers, a refused order as {"status","error","ref","body"}.
      const bool array = all && c.json_out;
      if (array) std::cout << "[";
      bool refused = false;
      std::size_t printed = 0;
      std::optional<Reply> stopped;
      std::string stopped_ref;
      try {
        c.conn->call_each(
            proto::OrderConfirmReq::k_type, refs.size(),
            [&](std::size_t i) {
              proto::OrderConfirmReq q;
              q.ref = refs[i];
              return proto::pack_body(q);
            },
            true, k_confirm_window,
            [&](std::size_t i, Reply& r) {
              if (!r.ok() && !order_own_refusal(r.status)) {
                if (!stopped) {
                  stopped = std::move(r);
                  stopped_ref = refs[i];
                }
                return false;
              }
              if (array && printed++) std::cout << ",";
              if (!r.ok()) {
                refused = true;
                c.report(r, "confirm order " + refs[i], refs[i], array ? "" : "\n");
              } else if (array || c.json_out) {
                json(std::cout, r.body);
                if (!array) std::cout << "\n";
              } else {
                std::int64_t back = 0;
                if (const auto* lines = field(r.body, "lines"))
                  for (std::uint32_t k = 0; k < lines->via.array.size; ++k)
                    back += std::stoll(text(lines->via.array.ptr[k], "backordered"));
                std::cout << "confirmed " << text(r.body, "ref")
                          << (back ? " (" + counted(std::to_string(back), "unit", "units") + " backordered)" : "")
                          << "\n";
              }
              return true;
            });
      } catch (const wms::client::Unreachable&) {
        if (array) std::cout << "]\n";  // what was printed stays one JSON array
        throw;
      }
      if (stopped) {
        if (array && printed) std::cout << ",";
        c.report(*stopped, "confirm order " + stopped_ref, stopped_ref, array ? "]\n" : "\n");
        c.logout();
        return 1;
      }
      if (array) std::cout << "]\n";
      if (refused) {
        c.logout();
        return 1;
      }
    } else if (*ocancel) {
      proto::OrderCancelReq q;
      q.ref = ref;
      c.show(c.send(q, "cancel order " + ref), print_order);
    } else if (*alloc) {
      c.show(c.send(proto::AllocateReq{}, "allocate backorders"), [](const msgpack::object& b) {
        std::cout << "allocated " << counted(text(b, "units"), "unit", "units") << " on "
                  << counted(text(b, "lines"), "backorder line", "backorder lines") << "\n";
        if (const auto due = text(b, "count_due_bins"); !due.empty() && due != "0")
          std::cout << (due == "1" ? "1 bin waits for a count and gives" : due + " bins wait for a count and give")
                    << " no order stock until counted (wmsctl stock --count-due)\n";
      });
    } else if (*waves) {
      c.show(c.send(proto::WavesReq{after_no, page_rows}, "list waves"), [](const msgpack::object& b) {
        print_master(b, "waves", "id", {"id", "mode", "status", "orders", "tasks", "tasks_left"});
      });
    } else if (*wcreate) {
      c.show(c.send(proto::WaveCreateReq{mode, max_orders}, "create " + mode + " wave"), [](const msgpack::object& b) {
        std::cout << "created wave " << text(b, "id") << " (" << text(b, "mode") << ", "
                  << counted(text(b, "orders"), "order", "orders") << ", " << counted(text(b, "tasks"), "task", "tasks")
                  << ")\n";
      });
    } else if (*wrelease) {
      proto::WaveReleaseReq q;
      q.wave = id;
      c.show(c.send(q, "release wave " + std::to_string(id)), [](const msgpack::object& b) {
        std::cout << "released wave " << text(b, "id") << ": " << counted(text(b, "tasks_left"), "task", "tasks")
                  << " pushed to devices\n";
      });
    } else if (*tasks) {
      c.show(c.send(proto::TasksReq{id, status, after_no, page_rows}, "list tasks"), [](const msgpack::object& b) {
        print_tasks(field(b, "tasks"));
        print_master(b, "tasks", "id", {});
      });
    } else if (*tunclaim) {
      if ((id == 0) == code.empty()) {
        std::cerr << "task unclaim needs a task ID or --device DEVICE (one of them)\n";
        return 2;
      }
      proto::TaskUnclaimReq q;
      q.task = id;
      q.device = code;
      c.show(c.send(q, id ? "unclaim task " + std::to_string(id) : "unclaim the tasks of device " + code),
             [](const msgpack::object& b) {
               const auto* t = field(b, "tasks");
               std::cout << "released " << (t ? t->via.array.size : 0)
                         << " task(s); they go to the next device that asks\n";
               print_tasks(t);
             });
    } else if (*devs) {
      proto::DevicesReq q;
      q.all = all_devices;
      c.show(c.send(q, "list devices"), [](const msgpack::object& b) {
        table(field(b, "devices"),
              {"device", "user", "signed_in_ms", "last_seen_ms", "idle_s", "tasks_held", "signed_out"});
      });
    } else if (*excs) {
      c.show(c.send(proto::ExceptionsReq{after_no, page_rows}, "list exceptions"), [](const msgpack::object& b) {
        print_master(b, "exceptions", "id",
                     {"id", "kind", "order_ref", "task", "sku", "location", "qty_missing", "qty_cleared", "reason",
                      "outcome", "user"});
      });
    } else if (*invs) {
      c.show(c.send(proto::InvoicesReq{after_no, page_rows}, "list invoices"), [](const msgpack::object& b) {
        print_master(b, "invoices", "number",
                     {"number", "order_ref", "account", "account_name", "issue_date", "due_date", "net_minor",
                      "tax_minor", "total_minor", "currency"});
      });
    } else if (*ishow) {
      c.show(c.send(proto::InvoiceShowReq{id}, "show invoice " + std::to_string(id)), print_invoice);
    } else if (*stock) {
      c.show(c.send(proto::StockReq{sku, location, count_due}, "list stock"), [&](const msgpack::object& b) {
        if (count_due)  // the counting list: each bin with the short pick that asked for its count
          table(field(b, "due"),
                {"sku", "location", "on_hand", "reserved", "reason", "reported_by", "at_ms", "exception"});
        else
          table(field(b, "stock"), {"sku", "location", "on_hand", "reserved", "available", "count_due"});
        if (text(b, "more") == "yes")
          std::cout << "(the first " << proto::k_max_list_items << " rows: narrow it with --sku or --location)\n";
      });
    } else if (*disp) {
      proto::DispatchReq q;
      q.ref = ref;
      c.show(c.send(q, "dispatch " + ref), [](const msgpack::object& b) {
        if (const auto* i = field(b, "invoice")) print_invoice(*i);
        std::cout << "left on backorder: " << text(b, "backordered") << " units\n";
      });
    } else if (*recv) {
      c.show(c.send(proto::ReceiveReq{sku, location, qty, ref}, "receive " + sku), [](const msgpack::object& b) {
        if (const auto* s = field(b, "stock"))
          fields(*s, {"sku", "location", "on_hand", "reserved", "available", "count_due"});
        std::cout << "backorder units allocated: " << text(b, "backorder_units_allocated") << "\n";
        if (const auto note = text(b, "note"); !note.empty()) std::cout << "note: " << note << "\n";
      });
    } else if (*mv) {
      c.show(c.send(proto::MoveReq{sku, location, to, qty, reason}, "move " + sku + " from " + location + " to " + to),
             [](const msgpack::object& b) {
               table_rows({field(b, "from"), field(b, "to")},
                          {"location", "sku", "on_hand", "reserved", "available", "count_due"});
               std::cout << "backorder units allocated: " << text(b, "backorder_units_allocated") << "\n";
             });
    } else if (*adj) {
      c.show(c.send(proto::AdjustReq{sku, location, delta, reason}, "adjust " + sku + " at " + location),
             [](const msgpack::object& b) {
               fields(b, {"sku", "location", "on_hand", "reserved", "available", "count_due"});
             });
    } else if (*cnt) {
      c.show(c.send(proto::StockCountReq{sku, location, qty, reason, expected}, "count " + sku + " at " + location),
             [](const msgpack::object& b) {
               if (const auto* s = field(b, "stock"))
                 fields(*s, {"sku", "location", "on_hand", "reserved", "available", "count_due"});
               const std::string change = text(b, "delta");
               std::cout << "before the count: " << text(b, "before") << " (change "
                         << (change.empty() || change[0] == '-' || change == "0" ? "" : "+") << change << ")\n";
               std::cout << (text(b, "was_due") == "yes" ? "count due after a short pick: cleared\n"
                                                         : "no count was due here\n");
               std::cout << "backorder units allocated: " << text(b, "backorder_units_allocated") << "\n";
             });
    } else if (*uadd) {
      c.show(c.send(proto::UserAddReq{code, name, role, newpin}, "add user " + code), [&](const msgpack::object&) {
        std::cout << "user " << code << (role == "admin" ? " is an " : " is a ") << role
                  << "; PIN set, lock cleared, its open sessions ended\n";
      });
    } else if (*audit) {
      proto::AuditReq q;
      q.limit = limit;
      q.type = audit_type;
      q.user = audit_user;
      q.device = audit_device;
      q.logins = audit_logins || !audit_type.empty();
      c.show(c.send(q, "read audit"), [](const msgpack::object& b) {
        table(field(b, "entries"), {"seq", "at_ms", "user", "device", "type", "detail"});
        if (text(b, "more") == "yes")
          std::cout << "(searched the newest " << proto::k_audit_scan
                    << " records only; older ones were not looked at)\n";
      });
    } else if (*backup) {
      std::string abs = std::filesystem::absolute(file).string();
      c.show(c.send(proto::BackupReq{abs}, "backup to " + abs), [](const msgpack::object& b) {
        std::cout << "backup written to " << text(b, "path") << " (" << text(b, "bytes") << " bytes)\n";
      });
    } else if (*pshow) {
      c.show(c.send(proto::PackContentsReq{ref, tote}, "pack contents of " + (ref.empty() ? tote : ref)), print_pack);
    } else if (*pclose) {
      c.show(c.send(proto::PackCloseReq{ref, cartons}, "close packing of " + ref), [](const msgpack::object& b) {
        std::cout << "packed " << text(b, "ref") << " in " << text(b, "cartons") << " carton(s)\n";
      });
    } else if (*prods || *locs || *accts || *users) {
      proto::MasterListReq q{prefix, after, rows};
      using wms::decimal::format_scaled;
      if (csv_out && *prods) {
        export_csv<proto::ProductsReq>(c, q,
                                       {"sku", "description", "barcodes", "uom", "units_per_case", "units_per_pallet",
                                        "weight_kg", "cost_price", "list_price", "tax_rate"},
                                       &proto::ProductsRep::products, &proto::ProductView::sku,
                                       [](const proto::ProductView& p) {
                                         std::string codes;
                                         for (const auto& b : p.barcodes) codes += (codes.empty() ? "" : "|") + b;
                                         if (codes.empty())
                                           codes = "-";  // none (an empty cell would keep what a site has)
                                         return std::vector<std::string>{p.sku,
                                                                         p.description,
                                                                         codes,
                                                                         p.uom,
                                                                         std::to_string(p.units_per_case),
                                                                         std::to_string(p.units_per_pallet),
                                                                         format_scaled(p.weight_g, 3),
                                                                         format_scaled(p.cost_minor, 2),
                                                                         format_scaled(p.list_minor, 2),
                                                                         format_scaled(p.tax_bps, 2)};
                                       });
      } else if (csv_out && *locs) {
        export_csv<proto::LocationsReq>(
            c, q, {"code", "warehouse", "zone", "aisle", "bay", "level", "bin", "walk_seq", "kind", "barcode"},
            &proto::LocationsRep::locations, &proto::LocationView::code, [](const proto::LocationView& l) {
              return std::vector<std::string>{l.code, l.warehouse, l.zone, l.aisle,
                                              l.bay,  l.level,     l.bin,  std::to_string(l.walk_seq),
                                              l.kind, l.barcode};
            });
      } else if (csv_out && *accts) {
        export_csv<proto::AccountsReq>(c, q, {"code", "name", "price_tier", "terms", "delivery"},
                                       &proto::AccountsRep::accounts, &proto::AccountView::code,
                                       [](const proto::AccountView& a) {
                                         return std::vector<std::string>{a.code, a.name, a.price_tier, a.terms, a.mode};
                                       });
      } else if (*prods) {
        c.show(c.send(proto::ProductsReq{q}, "list products"), [](const msgpack::object& b) {
          print_master(b, "products", "sku",
                       {"sku", "description", "barcodes", "uom", "units_per_case", "units_per_pallet", "weight_g",
                        "cost_minor", "list_minor", "tax_bps"});
        });
      } else if (*locs) {
        c.show(c.send(proto::LocationsReq{q}, "list locations"), [](const msgpack::object& b) {
          print_master(b, "locations", "code",
                       {"code", "kind", "walk_seq", "warehouse", "zone", "aisle", "bay", "level", "bin", "barcode"});
        });
      } else if (*accts) {
        c.show(c.send(proto::AccountsReq{q}, "list accounts"), [](const msgpack::object& b) {
          print_master(b, "accounts", "code", {"code", "name", "price_tier", "terms", "mode"});
        });
      } else {
        c.show(c.send(proto::UsersReq{q}, "list users"), [](const msgpack::object& b) {
          print_master(b, "users", "code", {"code", "name", "role", "failed_pins", "locked_until_ms"});
        });
      }
    } else if (*ping) {
      c.show(c.send(proto::PingReq{}, "ping"), [&](const msgpack::object& b) {
        std::cout << "wmsd at " << c.server << " answers; event seq " << text(b, "seq") << "\n";
      });
    }
  } catch (const wms::client::Unreachable& e) {
    std::cerr << "error: cannot reach wmsd at " << c.server << ": " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
