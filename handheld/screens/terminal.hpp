// The terminal's screens as one pure state machine: next(state, event) -> commands. Events are scans, keys and
// taps, server replies and pushed events, link changes and clock ticks; commands are what to send, what to play.
// It never touches a socket, a window, a file or the clock: the app, wms-sim and the tests all drive it the same
// way, so every flow a picker sees is testable without a window (CONVENTIONS: "screens are state machines").
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "wms/proto/messages.hpp"
#include "wms/proto/wire.hpp"

namespace wms::term {

enum class Profile { handheld, vehicle };
// handheld: parcel picking, pack verification. vehicle: pallet moves. Both can log in; the role decides.

enum class Screen {
  login,        // user code + PIN
  idle,         // logged in, no task held: "waiting for work" (tasks arrive by push)
  pick,         // working the current task, see PickStep
  short_pick,   // reason + quantity found
  pack,         // pack verification: scan tote/order, then every item, then close
  version,      // the server speaks another protocol version: nothing works until the app is updated
};

enum class PickStep {
  location,     // scan the bin (or, for a pallet, the bulk location)
  product,      // scan the product (GTIN / GS1-128) or, for a pallet, its SSCC label
  quantity,     // more than one unit left: the keypad shows the remaining qty, confirm (or change it)
  tote,         // batch picking: scan the tote of this task's order
  drop,         // pallet: drive to the drop location and scan it
};

enum class ShortReason { empty, damaged, not_found };
const char* to_string(ShortReason r);  // wire spelling: empty | damaged | not_found

enum class BannerKind { none, error, info, success };
struct Banner {
  BannerKind kind = BannerKind::none;
  std::string title;   // one or two words, huge: "WRONG LOCATION"
  std::string detail;  // plain words: "You scanned A01-02-A. Go to A01-01-A."
};

// A confirmation the server refused after the device had moved on (typically on replay after a dead spot):
// the picker must see it, so it stays listed until dismissed.
struct Notice {
  std::uint64_t task = 0;
  std::string text;
};

struct PackLine {
  std::uint32_t line = 0;
  std::string sku, description;
  std::vector<std::string> barcodes;
  std::int64_t expected = 0;
  std::int64_t scanned = 0;
};

// Everything the view draws and the machine decides on. Plain data: copyable, comparable in tests.
struct State {
  Profile profile = Profile::handheld;
  Screen screen = Screen::login;

  // Login form. `field` is which input the keypad and wedge type into (0 = user, 1 = PIN).
  std::string login_user, login_pin;
  int login_field = 0;
  bool login_busy = false;

  // Session.
  std::string device;              // this device's id: tasks claimed by it are "mine"
  std::string user, name, role;
  bool online = false;
  std::uint32_t queued = 0;        // confirmations in the device's durable outbox, not yet answered
  std::uint64_t seq = 0;           // last event seq applied (Clone pattern)

  // Tasks this device knows about: every open task of released waves (from snapshot + pushed events).
  std::map<std::uint64_t, proto::TaskView> tasks;
  std::map<std::uint64_t, proto::WaveView> waves;
  std::vector<std::uint64_t> route;   // tasks this device holds, in walk order; route.front() is current
  // task -> units this device confirmed (acknowledged or still queued). A claimed task is picked only by its
  // device, so the server's `picked` never exceeds this; remaining = qty - max(picked, confirmed).
  std::map<std::uint64_t, std::int64_t> confirmed;
  // A snapshot older than what we applied: the server's history went back (a backup was restored) and picks it
  // acknowledged may be gone from it. Once nothing waits in the outbox, `confirmed` is dropped and the server's
  // `picked` counts again, so a task reopened by the restore is picked again.
  bool history_went_back = false;
  // Claims of named tasks sent and not answered yet. Online, such a task joins the route only once the server says
  // it is ours (two devices never walk to the same bin on one task); offline it joins at once, so a dead spot does
  // not stop the picker (a conflict then comes back as a notice on reconnect).
  std::set<std::uint64_t> claiming;
  // Online the server hands out work: one task.claim_next at a time. After an empty answer the device asks again
  // only when new free work shows up (a released or re-allocated task, a snapshot).
  bool claim_next_out = false, claim_next_dry = false;
  // Tasks the shift manager took off this device (task.unclaim) while this user is signed in: never claimed back
  // by name, and sent as task.claim_next's `skip`, so the freed work goes to another device.
  std::set<std::uint64_t> relieved;

  // Current pick.
  PickStep step = PickStep::location;
  std::string keypad;               // digits typed on the keypad (quantity, short qty)
  std::int64_t qty = 0;             // the quantity that will be confirmed
  std::string location_scan;        // the bin label scanned for the current task (sent with the confirm)
  std::string product_scan;         // the product GTIN-14 taken from the scan
  std::string sscc;                 // pallet label scanned
  std::map<std::string, std::string> totes;  // order ref -> tote label (batch picking)
  std::map<std::string, std::uint64_t> tote_waves;  // order ref -> the wave its tote was taken in

  // Short pick form. Units found wait here for their last scan before the short is sent: the tote (a batch pick)
  // or the drop lane (a pallet task).
  std::optional<ShortReason> short_reason;
  std::optional<proto::PickShortReq> short_pending;

  // Pack verification.
  std::string pack_ref, pack_tote;
  std::vector<PackLine> pack_lines;
  std::uint32_t cartons = 1;

  Banner banner;
  std::vector<Notice> notices;
  std::uint64_t next_tag = 1;       // correlates commands with their replies

  // Derived, for the status bar and the big screen.
  const proto::TaskView* current() const;
  std::uint64_t current_wave() const;
  std::uint32_t wave_tasks_left(std::uint64_t wave) const;
  std::int64_t remaining(const proto::TaskView& t) const;
  bool batch(const proto::TaskView& t) const;  // parcel wave with several orders: every pick goes into a tote
  std::string work_mode() const;               // the task mode this session works: "parcel" or "pallet"
};

// ---- events ---------------------------------------------------------------------------------------------
struct Scan {                      // a complete scan (wedge Enter, camera decode); may hold GS1 separators
  std::string code;
};
enum class Key { d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, back, clear, enter };
struct Press {
  Key key;
};
enum class Button {
  login, next_field, logout,
  confirm,                 // confirm the quantity / the short pick / close the carton
  short_pick, cancel,      // open / leave the short-pick form
  reason_empty, reason_damaged, reason_not_found,
  skip,                    // put the current task at the end of the route
  dismiss,                 // clear the banner and the first notice
  pack_mode, pick_mode,
  cartons_more, cartons_less,
};
struct Tap {
  Button button;
};
struct TextInput {                  // typed text for the login form (on-screen or physical keyboard)
  std::string text;
};

// Replies, correlated by the tag the machine put on the command.
struct LoginResult {
  proto::Status status = proto::Status::ok;
  std::string error;
  proto::LoginRep rep;
};
struct Snapshot {
  proto::SnapshotRep rep;
};
struct TaskPushed {                 // task.released | task.updated | task.cancelled
  std::uint64_t seq = 0;
  std::string type;
  proto::TaskView task;
};
struct WavePushed {
  std::uint64_t seq = 0;
  std::string type;
  proto::WaveView wave;
};
struct Link {
  bool online = false;
  std::uint32_t queued = 0;
};
// The answer to a queued or direct command. For replays after a restart the tag is 0 and `task` tells which.
struct Answer {
  std::uint64_t tag = 0;
  std::string type;                 // request type: pick.confirm | pick.short | task.claim | pack.contents ...
  std::uint64_t task = 0;
  std::int64_t qty = 0;             // units the request confirmed (pick.confirm qty, pick.short qty_found)
  proto::Status status = proto::Status::ok;
  std::string error;
  std::optional<proto::PickRep> pick;
  std::optional<proto::PickShortRep> short_pick;
  std::optional<proto::TaskView> claimed;
  std::optional<proto::TaskClaimNextRep> claimed_next;
  std::optional<proto::PackContentsRep> pack;
};
struct VersionMismatch {
  std::string detail;
};
struct Tick {
  std::int64_t now_ms = 0;
};
using Event = std::variant<Scan, Press, Tap, TextInput, LoginResult, Snapshot, TaskPushed, WavePushed, 
                           Link, Answer, VersionMismatch, Tick>;

// ---- commands -------------------------------------------------------------------------------------------
// `queued` commands go through the device's durable outbox (each with its own idempotency key, replayed in
// order after a dead spot or a restart); the others are sent only when online and fail fast otherwise.
struct SendLogin {
  std::uint64_t tag = 0;
  std::string user, pin;
};
struct SendLogout {};
struct RequestSnapshot {};
struct SendClaim {                  // queued
  std::uint64_t tag = 0;
  proto::TaskClaimReq req;
};
struct SendClaimNext {              // queued: the server picks the next free tasks for this device
  std::uint64_t tag = 0;
  proto::TaskClaimNextReq req;
};
struct SendPick {                   // queued
  std::uint64_t tag = 0;
  proto::PickConfirmReq req;
};
struct SendShort {                  // queued
  std::uint64_t tag = 0;
  proto::PickShortReq req;
};
struct SendPackQuery {
  std::uint64_t tag = 0;
  proto::PackContentsReq req;
};
struct SendPackClose {              // queued
  std::uint64_t tag = 0;
  proto::PackCloseReq req;
};
enum class Sound { error, ok, done };
struct Play {
  Sound sound;
};
using Command = std::variant<SendLogin, SendLogout, RequestSnapshot, SendClaim, SendClaimNext, SendPick, SendShort,
                             SendPackQuery, SendPackClose, Play>;

// The state machine. Mutates `s` and returns what to do; never blocks.
std::vector<Command> next(State& s, const Event& e);

// How many tasks a device claims ahead, so it can keep picking through a dead spot; online it asks the server
// for more when the route is down to k_claim_more_at.
inline constexpr std::size_t k_route_ahead = 6;
inline constexpr std::size_t k_claim_more_at = 3;

}  // namespace wms::term
