// wmsd: the headless warehouse server. Thin main: parse options, take the data-folder lock, optionally seed the
// demo warehouse or add an admin, then hand over to net::Server until SIGTERM/SIGINT.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/restore.hpp"
#include "app/service.hpp"
#include "domain/importers.hpp"
#include "net/server.hpp"
#include "store/lmdb.hpp"
#include "wms/proto/codec.hpp"
#include "wms/proto/messages.hpp"
#include "wms/shared/cli.hpp"
#include "wms/shared/secret.hpp"

namespace {

// One wmsd per data folder: an flock held for the life of the process (released by the kernel on any exit,
// kill -9 included, so a crash never leaves a stale lock behind).
int lock_data_dir(const std::string& dir, bool restoring) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/wmsd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    throw std::runtime_error(
        "another wmsd (pid " + pid + ") is already using data folder " + dir +
        (restoring ? "; stop it first, then restore" : "; stop it first or choose another --data folder"));
  }
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    spdlog::warn("could not write pid to {}", path);
  }
  return fd;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Applies one mutation locally (no network), as the server itself, in its own durable transaction.
void apply_local(wms::store::Env& env, std::string_view type, const msgpack::sbuffer& body, const std::string& what) {
  auto h = msgpack::unpack(body.data(), body.size());
  wms::store::Txn txn(env, wms::store::Txn::Mode::write);
  wms::app::Ctx ctx{"wmsd", "admin", "wmsd-local", 0, {}};
  ctx.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<wms::app::PubEvent> events;
  auto o = wms::app::apply_mutation(txn, ctx, type, h.get(), events);
  if (o.status != wms::proto::Status::ok) {
    std::string detail = o.error;
    if (o.status == wms::proto::Status::import_failed) {
      auto rep = msgpack::unpack(o.body.data(), o.body.size()).get().as<wms::proto::ImportRep>();
      for (const auto& e : rep.errors) detail += "\n  line " + std::to_string(e.line) + " [" + e.column + "]: " + e.message;
    }
    throw std::runtime_error(what + ": " + detail);
  }
  wms::app::write_audit(txn, ctx, type, o.audit);
  txn.commit();
}

void seed_demo(wms::store::Env& env, const std::string& assets) {
  {
    wms::store::Txn t(env, wms::store::Txn::Mode::read);
    bool empty = true;
    t.scan(wms::store::Table::products, "", [&](std::string_view, std::string_view) { return empty = false; });
    if (!empty) {
      spdlog::info("demo: data folder already holds a warehouse, not seeding again");
      return;
    }
  }
  for (const char* kind : {"users", "products", "locations", "accounts", "stock"}) {
    const std::string path = assets + "/demo/" + kind + ".csv";
    apply_local(env, "import", wms::proto::pack_body(wms::proto::ImportReq{kind, read_file(path)}), "seeding " + path);
    spdlog::info("demo: imported {}", path);
  }
}

// Records --currency (if given) and says in the log which currency invoices are in.
void settle_currency(wms::store::Env& env, const std::string& requested) {
  wms::store::Txn txn(env, wms::store::Txn::Mode::write);
  const auto code = wms::app::settle_currency(txn, requested);
  txn.commit();
  if (code)
    spdlog::info("invoices are in {}", *code);
  else
    spdlog::info("invoices will be in {} (the default) unless --currency names another before the first dispatch",
                 wms::app::k_default_currency);
}

// Where --demo finds demo/*.csv by default: beside an installed wmsd (PREFIX/share/wms), else the source tree's
// assets/ (a wmsd run from its build folder).
std::string default_assets() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = (exe.parent_path() / WMS_BIN_TO_ASSETS).lexically_normal();
    if (std::filesystem::exists(installed / "demo" / "products.csv", ec)) return installed.string();
  }
  return WMS_ASSETS_DIR;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"wmsd - warehouse order and allocation server"};
  std::string data, bind = "tcp://127.0.0.1:5555", pub, level = "info", admin, assets = default_assets();
  bool demo = false, no_sync = false;
  std::size_t map_mib = 64, max_map_mib = 0;
  std::uint32_t idem_days = 30;
  std::string currency;  // "" = the folder's, or EUR for a new folder
  std::string restore;
  std::string last_invoice;  // decimal digits only (CLI11 would read "0042" as octal)
  cli.add_option("--data", data, "data folder (LMDB environment, created if missing)")->required();
  cli.add_option("--bind", bind, "request endpoint (ROUTER)")->capture_default_str()->check(wms::cli::endpoint);
  cli.add_option("--pub", pub, "event endpoint (PUB; default: the --bind port + 1, as the clients assume)")
      ->check(wms::cli::endpoint);
  cli.add_flag("--demo", demo, "seed the demo warehouse (users, products, locations, accounts, stock) if empty");
  cli.add_option("--assets", assets, "assets folder (demo data)")->capture_default_str();
  cli.add_option("--add-admin", admin,
                 "create or reset admin user CODE with the PIN read from stdin (or WMS_ADMIN_PIN), then exit");
  cli.add_option("--log-level", level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->transform(CLI::IsMember({"trace", "debug", "info", "warn", "error"}, CLI::ignore_case));
  cli.add_option("--map-mib", map_mib, "initial LMDB map size; it doubles on demand")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cli.add_option("--max-map-mib", max_map_mib,
                 "the map grows no further (0 = no limit); a batch that does not fit is refused busy, nothing applied")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  cli.add_option("--idem-days", idem_days,
                 "days an answer is kept for retries with the same idempotency key (0 = for ever)")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  cli.add_option("--currency", currency,
                 "ISO 4217 code of all prices and invoices, kept in the data folder; it can change until the first "
                 "invoice (a site that never chose invoices in EUR)")
      ->check([](const std::string& v) { return wms::app::currency_problem(v); });
  auto* restore_opt = cli.add_option("--restore", restore,
                                     "put backup FILE (from wmsctl backup) in place of the data folder's database, "
                                     "keeping the replaced one beside "
                                     "it, then exit; wmsd must be stopped")
                          ->excludes("--add-admin")
                          ->excludes("--demo");
  cli.add_option("--last-invoice", last_invoice,
                 "with --restore: the highest invoice number already issued, when the replaced database cannot be "
                 "read or the folder has none (the restored server goes on after it)")
      ->needs(restore_opt)
      ->check([](const std::string& v) -> std::string {
        if (v.empty() || v.size() > 13 || v.find_first_not_of("0123456789") != std::string::npos ||
            std::stoull(v) >= wms::app::k_max_invoice_number)
          return "--last-invoice is an invoice number: decimal digits, below " +
                 std::to_string(wms::app::k_max_invoice_number);
        return {};
      });
  cli.add_flag("--unsafe-no-sync", no_sync, "benchmark only: skip fsync (acknowledged work can be lost)");
  // A restore only puts a file in place: options of a running server would be silently ignored, so they are refused.
  for (const char* o :
       {"--bind", "--pub", "--map-mib", "--max-map-mib", "--idem-days", "--currency", "--unsafe-no-sync"})
    restore_opt->excludes(o);
  cli.set_version_flag("--version", "wmsd " WMS_VERSION);
  cli.footer(
      "Exit status: 0 after SIGTERM/SIGINT (the current commit finished), --add-admin or --restore; 1 when it cannot "
      "start\n(data "
      "folder in use, endpoint taken, unreadable folder, --currency other than the folder's invoices, a restore "
      "refused) or the database reports damage; 2 usage error.");
  if (auto rc = wms::cli::parse(cli, argc, argv)) return *rc;
  if (pub == bind) {
    std::cerr << "--pub and --bind are the same endpoint " << bind << ": events need one of their own\n";
    return 2;
  }
  if (pub.empty()) {
    pub = wms::cli::events_endpoint_for(bind);
    std::string check = pub;
    if (pub == bind || !wms::cli::endpoint(check).empty()) {
      std::cerr << "--bind " << bind << " leaves no next port for events: give --pub too\n";
      return 2;
    }
  }
  const bool map_above_limit = max_map_mib && map_mib > max_map_mib;
  if (map_above_limit) map_mib = max_map_mib;  // a new folder's map starts within the limit

  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (map_above_limit && cli.count("--map-mib"))  // the default 64 under a lower limit is no one's mistake
    spdlog::warn("--map-mib is above --max-map-mib: a new data folder starts at {} MiB", map_mib);
  try {
    std::error_code ec;
    const bool new_folder = !std::filesystem::exists(data, ec);
    int lock_fd = lock_data_dir(data, !restore.empty());
    (void)lock_fd;
    if (!restore.empty()) {
      const auto now =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      std::optional<std::uint64_t> given;
      if (cli.count("--last-invoice")) given = std::stoull(last_invoice, nullptr, 10);
      try {
        const auto r = wms::app::restore_backup(data, restore, given, now);
        if (!r.note.empty()) std::cout << "note: " << r.note << "\n";
        std::cout << r.audit << ".\nStart wmsd on " << data << " to serve it.\n";
        return 0;
      } catch (...) {
        if (new_folder) std::filesystem::remove_all(data, ec);  // a refused restore leaves no trace
        throw;
      }
    }
    if (!admin.empty()) {
      std::string pin;
      if (const char* env_pin = std::getenv("WMS_ADMIN_PIN")) {
        pin = env_pin;
      } else {
        pin = wms::cli::read_secret("PIN for the new admin " + admin + ": ");
        // Typed blind at a terminal: asked twice, so a slip does not leave an admin nobody can sign in as.
        if (::isatty(0) && !pin.empty() && wms::cli::read_secret("The same PIN again: ") != pin) {
          std::cerr << "the two PINs differ: nothing written, run it again\n";
          return 2;
        }
      }
      if (pin.empty()) {
        std::cerr << "no PIN given for the new admin: type it when asked, or pipe it in (echo 4711 | wmsd --data "
                  << data << " --add-admin " << admin << "), or set WMS_ADMIN_PIN\n";
        return 2;
      }
      if (!wms::domain::valid_pin(pin)) {  // before anything is written, --currency included
        std::cerr << "the admin's PIN must be 4 to 12 digits\n";
        return 2;
      }
      wms::store::Env env(data, wms::store::EnvOptions{map_mib << 20, false});
      settle_currency(env, currency);
      apply_local(env, "user.add", wms::proto::pack_body(wms::proto::UserAddReq{admin, admin, "admin", pin}),
                  "adding admin " + admin);
      std::cout << "admin " << admin << " ready in " << data << "\n";
      return 0;
    }
    {
      wms::store::Env env(data, wms::store::EnvOptions{map_mib << 20, false});
      settle_currency(env, currency);
      if (demo) seed_demo(env, assets);
    }
    wms::net::Server server({data, bind, pub, no_sync, map_mib << 20, max_map_mib << 20, idem_days});
    std::signal(SIGTERM, [](int) { wms::net::Server::stop_from_signal(); });
    std::signal(SIGINT, [](int) { wms::net::Server::stop_from_signal(); });
    server.run();
    spdlog::info("wmsd stopped cleanly");
    return 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
