// Command-line parsing shared by every program (wmsd, wmsctl, wms-shift, wms-sim, wms-terminal): --help and
// --version print and exit 0; any other command-line mistake prints CLI11's message and exits 2 (usage). CLI11's
// own exit codes (105, 106, ...) mean nothing to a shell script, so they are not passed on.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

namespace wms::cli {

// nullopt: go on; otherwise the program's exit status (0 after --help or --version, 2 after a usage error).
inline std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::RequiredError& e) {
    // A mistyped command ("ordrs") is left over as an argument nobody took; CLI11 would only say that a
    // subcommand is required.
    if (const auto left = app.remaining(true); !left.empty()) {
      std::cerr << "unknown command or argument '" << left.front() << "' (see --help)\n";
      return 2;
    }
    app.exit(e);
    return 2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
}

// A ZeroMQ endpoint as the programs take it: tcp://HOST:PORT (or ipc://PATH, inproc://NAME). Without this check a
// plain "localhost:5555" reaches ZeroMQ and comes back as a bare "Invalid argument".
inline const CLI::Validator endpoint(
    [](std::string& v) -> std::string {
      const std::string bad = "'" + v + "' is not an endpoint: write it as tcp://HOST:PORT, e.g. tcp://127.0.0.1:5555";
      if (v.rfind("tcp://", 0) == 0) {  // a host, then a port number (or * to bind any)
        const auto colon = v.rfind(':');
        const std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
        const bool digits =
            !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
        const bool in_range = digits && std::stoi(port) >= 1 && std::stoi(port) <= 65535;
        if (digits && !in_range) return "'" + v + "': the port must be 1 to 65535";
        return colon > 6 && (in_range || port == "*") ? std::string() : bad;
      }
      for (const char* scheme : {"ipc://", "inproc://"})
        if (v.rfind(scheme, 0) == 0 && v.size() > std::char_traits<char>::length(scheme)) return {};
      return bad;
    },
    "ENDPOINT");

// An endpoint to connect to: as `endpoint`, but naming a host. tcp://*:5555 is how a server binds every address;
// ZeroMQ refuses to connect to it with a bare "Invalid argument".
inline const CLI::Validator server_endpoint(
    [](std::string& v) -> std::string {
      std::string copy = v;
      if (std::string bad = endpoint(copy); !bad.empty()) return bad;
      if (v.rfind("tcp://*:", 0) == 0)
        return "'" + v +
               "' is the address a server binds to; to connect, name the server's host, e.g. tcp://127.0.0.1:" +
               v.substr(8);
      return {};
    },
    "ENDPOINT");

// The event endpoint beside a request endpoint, as every program of the project defaults it: the same host, the
// next port (tcp://10.0.0.5:5555 -> tcp://10.0.0.5:5556). Other forms come back unchanged.
inline std::string events_endpoint_for(const std::string& request) {
  const auto colon = request.rfind(':');
  if (request.rfind("tcp://", 0) != 0 || colon == std::string::npos) return request;
  try {
    return request.substr(0, colon + 1) + std::to_string(std::stoi(request.substr(colon + 1)) + 1);
  } catch (const std::exception&) {
    return request;
  }
}

}  // namespace wms::cli
