// Screen <-> agent translation and the device's held work on disk; see bridge.hpp.
#include "bridge.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "wms/proto/codec.hpp"

namespace wms::term {
namespace {

using client::FromAgent;
using client::ToAgent;

template <class T>
std::string packed(const T& v) {
  auto b = proto::pack_body(v);
  return std::string(b.data(), b.size());
}

template <class T>
std::optional<T> unpacked(const std::string& bytes) {
  if (bytes.empty()) return std::nullopt;
  std::string err;
  auto h = proto::unpack_bounded(bytes, &err);
  if (!h) return std::nullopt;
  return proto::decode_body<T>(h->get(), &err);
}

template <class Req>
ToAgent queued(std::uint64_t tag, const Req& req) {
  ToAgent m;
  m.kind = ToAgent::Kind::queued;
  m.tag = tag;
  m.type = std::string(Req::k_type);
  m.body = packed(req);
  return m;
}

struct Held {
  std::string user, name, role;
  std::vector<proto::TaskView> tasks;
  std::vector<std::uint64_t> route;
  std::map<std::uint64_t, std::int64_t> confirmed;
  std::map<std::string, std::string> totes;
  std::map<std::string, std::uint64_t> tote_waves = {};  // added later: older files have none
  std::vector<std::string> notices;
  std::vector<std::uint64_t> notice_tasks;
  // The last event applied, and a restore seen but not yet acted on: an app restarted across a restored backup
  // still notices that the server's history went back (State::history_went_back).
  std::uint64_t seq = 0;
  bool history_went_back = false;
  WMS_MSGPACK_MAP(user, name, role, tasks, route, confirmed, totes, notices, notice_tasks, seq, history_went_back,
                  tote_waves)
};

}  // namespace

std::vector<Sound> dispatch(client::Agent& agent, const std::vector<Command>& commands) {
  std::vector<Sound> sounds;
  for (const Command& c : commands) {
    std::visit(
        [&](const auto& cmd) {
          using T = std::decay_t<decltype(cmd)>;
          if constexpr (std::is_same_v<T, Play>) {
            sounds.push_back(cmd.sound);
          } else if constexpr (std::is_same_v<T, SendLogin>) {
            ToAgent m;
            m.kind = ToAgent::Kind::login;
            m.tag = cmd.tag;
            m.user = cmd.user;
            m.pin = cmd.pin;
            agent.send(std::move(m));
          } else if constexpr (std::is_same_v<T, SendLogout>) {
            ToAgent m;
            m.kind = ToAgent::Kind::logout;
            agent.send(std::move(m));
          } else if constexpr (std::is_same_v<T, RequestSnapshot>) {
            ToAgent m;
            m.kind = ToAgent::Kind::snapshot;
            agent.send(std::move(m));
          } else if constexpr (std::is_same_v<T, SendPackQuery>) {
            ToAgent m;
            m.kind = ToAgent::Kind::direct;
            m.tag = cmd.tag;
            m.type = std::string(proto::PackContentsReq::k_type);
            m.body = packed(cmd.req);
            agent.send(std::move(m));
          } else {
            agent.send(queued(cmd.tag, cmd.req));
          }
        },
        c);
  }
  return sounds;
}

std::vector<Event> translate(std::vector<FromAgent> messages) {
  std::vector<Event> out;
  for (FromAgent& m : messages) {
    switch (m.kind) {
      case FromAgent::Kind::link: out.push_back(Link{m.online, m.queued}); break;
      case FromAgent::Kind::session:
        if (auto rep = unpacked<proto::LoginRep>(m.reply)) out.push_back(LoginResult{proto::Status::ok, {}, *rep});
        break;
      case FromAgent::Kind::login: {
        LoginResult r;
        r.status = m.status;
        r.error = m.error;
        if (m.status == proto::Status::ok) {
          auto rep = unpacked<proto::LoginRep>(m.reply);
          if (!rep) break;
          r.rep = *rep;
        }
        out.push_back(std::move(r));
        break;
      }
      case FromAgent::Kind::snapshot:
        if (auto rep = unpacked<proto::SnapshotRep>(m.reply)) out.push_back(Snapshot{std::move(*rep)});
        break;
      case FromAgent::Kind::event:
        if (m.type.rfind("task.", 0) == 0) {
          if (auto t = unpacked<proto::TaskView>(m.reply)) out.push_back(TaskPushed{m.seq, m.type, std::move(*t)});
        } else if (m.type.rfind("wave.", 0) == 0) {
          if (auto w = unpacked<proto::WaveView>(m.reply)) out.push_back(WavePushed{m.seq, m.type, std::move(*w)});
        } else {
          // Other topics (orders, exceptions) only move the sequence on; the floor screens do not show them.
          out.push_back(WavePushed{m.seq, "other", proto::WaveView{}});
        }
        break;
      case FromAgent::Kind::answer: {
        Answer a;
        a.tag = m.tag;
        a.type = m.type;
        a.status = m.status;
        a.error = m.error;
        if (m.type == "pick.confirm") {
          if (auto r = unpacked<proto::PickConfirmReq>(m.request)) {
            a.task = r->task;
            a.qty = r->qty;
          }
          if (m.status == proto::Status::ok) a.pick = unpacked<proto::PickRep>(m.reply);
        } else if (m.type == "pick.short") {
          if (auto r = unpacked<proto::PickShortReq>(m.request)) {
            a.task = r->task;
            a.qty = r->qty_found;
          }
          if (m.status == proto::Status::ok) a.short_pick = unpacked<proto::PickShortRep>(m.reply);
        } else if (m.type == "task.claim") {
          if (auto r = unpacked<proto::TaskClaimReq>(m.request)) a.task = r->task;
          if (m.status == proto::Status::ok) a.claimed = unpacked<proto::TaskView>(m.reply);
        } else if (m.type == "task.claim_next") {
          if (m.status == proto::Status::ok) a.claimed_next = unpacked<proto::TaskClaimNextRep>(m.reply);
        } else if (m.type == "pack.contents" || m.type == "pack.close") {
          if (m.status == proto::Status::ok) a.pack = unpacked<proto::PackContentsRep>(m.reply);
        }
        out.push_back(std::move(a));
        break;
      }
      case FromAgent::Kind::version: out.push_back(VersionMismatch{m.error}); break;
    }
  }
  return out;
}

void save_held(const std::string& dir, const State& s) {
  Held h;
  h.user = s.user;
  h.name = s.name;
  h.role = s.role;
  // Only the work this device holds: its route and what it claimed. Every open task of every released wave would be
  // rewritten on each event (160 KB for an 800-task wave) and comes back with the next snapshot anyway.
  for (const auto& [id, t] : s.tasks)
    if (t.claimed_by == s.device || std::find(s.route.begin(), s.route.end(), id) != s.route.end()) h.tasks.push_back(t);
  h.route = s.route;
  h.confirmed = s.confirmed;
  h.totes = s.totes;
  h.tote_waves = s.tote_waves;
  h.seq = s.seq;
  h.history_went_back = s.history_went_back;
  for (const auto& n : s.notices) {
    h.notices.push_back(n.text);
    h.notice_tasks.push_back(n.task);
  }
  const std::string path = dir + "/held.mp", tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    const std::string b = packed(h);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
    if (!out) return;
  }
  std::rename(tmp.c_str(), path.c_str());
}

void load_held(const std::string& dir, State& s) {
  std::ifstream in(dir + "/held.mp", std::ios::binary);
  if (!in) return;
  std::stringstream ss;
  ss << in.rdbuf();
  auto h = unpacked<Held>(ss.str());
  if (!h) return;
  s.user = h->user;
  s.name = h->name;
  s.role = h->role;
  s.tasks.clear();
  for (auto& t : h->tasks) s.tasks[t.id] = std::move(t);
  s.route = h->route;
  s.confirmed = h->confirmed;
  s.totes = h->totes;
  s.tote_waves = h->tote_waves;
  s.seq = h->seq;
  s.history_went_back = h->history_went_back;
  s.notices.clear();
  for (std::size_t i = 0; i < h->notices.size(); ++i)
    s.notices.push_back(Notice{i < h->notice_tasks.size() ? h->notice_tasks[i] : 0, h->notices[i]});
  // Back on the sign-in screen until the stored session (or the picker) signs in as the same user.
  s.screen = Screen::login;
}

}  // namespace wms::term
