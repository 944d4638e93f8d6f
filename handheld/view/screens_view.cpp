// Draws each Screen / PickStep of the terminal's State and turns taps into Events (see screens_view.hpp). Layout:
// the status bar on top; below it an "info" area (what to do, where, what, how many) and a "controls" area (keypad,
// buttons). On the handheld the controls sit at the bottom under the thumb; on the vehicle terminal they take the
// right-hand column so the info column can use the biggest text. It reads the state and never changes it.
#include "view/screens_view.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace wms::term::view {

namespace {

constexpr ImGuiWindowFlags k_screen_flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                            ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                                            ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                            ImGuiWindowFlags_NoScrollWithMouse;
constexpr ImGuiWindowFlags k_area_flags = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                                          ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoBackground;

const char* k_dash = " \xE2\x80\x94 ";  // " — "

struct Frame {
  const State& s;
  const Ui& ui;
  std::vector<Event>& out;

  bool vehicle() const { return ui.profile == Profile::vehicle; }
  void tap(const char* label, Button b, Tone tone = Tone::normal, ImVec2 size = {0, 0}, bool enabled = true) {
    if (big_button(ui, label, tone, size, enabled)) out.push_back(Tap{b});
  }
  void keys(const char* id, float width = 0) {
    if (auto k = keypad(ui, id, width, false)) out.push_back(Press{*k});
  }
  // Extra vertical space of n gaps on top of the one gap ImGui puts between any two items. Layout heights below
  // count "gap" per item boundary plus n gaps per space(n).
  void space(float n = 1) { ImGui::SetCursorPosY(ImGui::GetCursorPosY() + ui.gap * n); }
  // Two buttons side by side across the available width; the second gets `second_share` of it.
  template <class A, class B>
  void row(A&& first, B&& second, float second_share = 0.5f) {
    const float w = ImGui::GetContentRegionAvail().x - ui.gap;
    first(ImVec2(std::floor(w * (1 - second_share)), ui.button_h));
    ImGui::SameLine(0, ui.gap);
    second(ImVec2(std::floor(w * second_share), ui.button_h));
  }
};

std::string tote_of(const State& s, const proto::TaskView& t) {
  if (auto it = s.totes.find(t.order_ref); it != s.totes.end() && !it->second.empty()) return it->second;
  return t.tote;
}

// Where a screen's controls go. `bottom`: a strip across the bottom (a row of buttons). `side`: keypad screens; on
// the landscape vehicle terminal they take the right-hand column, on the handheld they still sit at the bottom.
enum class Place { bottom, side };

// Splits the area below the status bar into info and controls (see the file comment). `controls_h` is the height
// the controls need; they are anchored to the bottom so they never move when the info text changes.
template <class Info, class Controls>
void split(Frame& f, Place place, float controls_h, Info&& info, Controls&& controls) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = f.ui.gap * 2;
  if (place == Place::bottom || !f.vehicle()) {
    const float info_h = controls_h > 0 ? std::max(1.0f, avail.y - controls_h - gap) : avail.y;
    ImGui::BeginChild("info", ImVec2(avail.x, info_h), false, k_area_flags);
    info();
    ImGui::EndChild();
    if (controls_h > 0) {
      ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + avail.y - controls_h));
      ImGui::BeginChild("controls", ImVec2(avail.x, controls_h), false, k_area_flags);
      controls();
      ImGui::EndChild();
    }
    return;
  }
  const float info_w = std::floor(avail.x * 0.58f);
  ImGui::BeginChild("info", ImVec2(info_w, avail.y), false, k_area_flags);
  info();
  ImGui::EndChild();
  ImGui::SetCursorScreenPos(ImVec2(origin.x + info_w + gap, origin.y));
  ImGui::BeginChild("controls", ImVec2(avail.x - info_w - gap, avail.y), false, k_area_flags);
  ImGui::SetCursorPosY(std::max(0.0f, avail.y - controls_h));
  controls();
  ImGui::EndChild();
}

void info_banner(Frame& f) {
  const BannerKind k = f.s.banner.kind;
  if (k != BannerKind::info && k != BannerKind::success) return;
  if (banner_strip(f.ui, f.s.banner)) f.out.push_back(Tap{Button::dismiss});
  f.space();
}

void rule(const Ui& ui) {
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddLine(p, ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y),
                                      IM_COL32(110, 110, 110, 255), 2.0f);
  ImGui::Dummy(ImVec2(1, ui.gap * 0.5f));
}

// A quantity in huge digits with a word before it ("Take 6").
void qty_row(const Ui& ui, const std::string& label, const std::string& number, float size) {
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float label_w = ui.large->CalcTextSizeA(ui.large->FontSize, 1e9f, 0, label.c_str()).x;
  ImGui::GetWindowDrawList()->AddText(ui.large, ui.large->FontSize,
                                      ImVec2(p.x, p.y + size - ui.large->FontSize * 1.15f), colour::k_text_dim,
                                      label.c_str());
  ImGui::SetCursorScreenPos(ImVec2(p.x + label_w + ui.gap * 2, p.y));
  fit_text(number, ui.huge, colour::k_text, Align::left, ImGui::GetContentRegionAvail().x, size);
  ImGui::SetCursorScreenPos(ImVec2(p.x, ImGui::GetCursorScreenPos().y));
}

// The number being typed on the keypad, in a yellow-outlined box, with "of N" inside on the right.
void number_box(const Ui& ui, const std::string& number, const std::string& of, float size) {
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  const float h = size + ui.gap * 2;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), colour::k_panel);
  dl->AddRect(p, ImVec2(p.x + w, p.y + h), colour::k_instruction, 0.0f, 0, ui.border * 2);
  const float of_w = ui.body->CalcTextSizeA(ui.body->FontSize, 1e9f, 0, of.c_str()).x;
  dl->AddText(ui.body, ui.body->FontSize, ImVec2(p.x + w - of_w - ui.pad, p.y + h - ui.body->FontSize - ui.gap),
              colour::k_text_dim, of.c_str());
  // The number is centred in what "of N" leaves free, so the two never overlap on a narrow column.
  const float number_w = std::max(1.0f, w - of_w - ui.pad * 2);
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + ui.gap));
  fit_text(number, ui.huge, colour::k_text, Align::centre, number_w, size);
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + h));
  ImGui::Dummy(ImVec2(w, 0));
}

// ---- login ---------------------------------------------------------------------------------------------
void login(Frame& f) {
  const State& s = f.s;
  const Ui& ui = f.ui;
  const float controls_h = keypad_height(ui, false) + ui.gap * 2 + ui.button_h;
  split(
      f, Place::side, controls_h,
      [&] {
        info_banner(f);
        wrapped_text("Scan your badge, or type user and PIN", ui.large, colour::k_instruction, Align::left);
        f.space(2);
        if (field_box(ui, "##user", "User", s.login_user, s.login_field == 0) && s.login_field != 0) {
          f.out.push_back(Tap{Button::next_field});
        }
        f.space(1);
        std::string mask;
        for (std::size_t i = 0; i < s.login_pin.size(); ++i) mask += ui.fallback_font ? "*" : "\xE2\x80\xA2";  // •
        if (field_box(ui, "##pin", "PIN", mask, s.login_field == 1) && s.login_field != 1) {
          f.out.push_back(Tap{Button::next_field});
        }
      },
      [&] {
        f.keys("login");
        f.space();
        if (s.login_busy) {
          big_button(ui, ui.fallback_font ? "Signing in...##login" : "Signing in\xE2\x80\xA6##login", Tone::primary,
                     {0, 0}, false);
        } else {
          f.tap("Log in##login", Button::login, Tone::primary);
        }
      });
}

// ---- idle ----------------------------------------------------------------------------------------------
void idle(Frame& f) {
  const State& s = f.s;
  const Ui& ui = f.ui;
  const bool pack = !f.vehicle();  // pack verification is a handheld job
  split(
      f, Place::bottom, ui.button_h,
      [&] {
        info_banner(f);
        f.space(2);
        fit_text("Waiting for work", ui.large, colour::k_instruction, Align::centre);
        wrapped_text("New tasks appear here by themselves.", ui.body, colour::k_text_dim, Align::centre);
        f.space(3);
        std::size_t shown = 0;
        for (const auto id : idle_waves(s)) {
          const auto& w = s.waves.at(id);
          const std::string title = "Wave " + std::to_string(id) + (w.mode.empty() ? "" : k_dash + w.mode);
          fit_text(title, ui.large, colour::k_text);
          fit_text(std::to_string(w.tasks_left) + " of " + std::to_string(w.tasks) + " tasks left", ui.body,
                   colour::k_text_dim);
          f.space();
          ++shown;
        }
        if (shown == 0) wrapped_text("No " + s.work_mode() + " wave open.", ui.body, colour::k_text_dim, Align::centre);
      },
      [&] {
        if (pack) {
          f.row([&](ImVec2 sz) { f.tap("Pack##idle", Button::pack_mode, Tone::normal, sz); },
                [&](ImVec2 sz) { f.tap("Log out##idle", Button::logout, Tone::normal, sz); });
        } else {
          const float w = ImGui::GetContentRegionAvail().x;
          ImGui::SetCursorPosX(w * 0.6f);
          f.tap("Log out##idle", Button::logout, Tone::normal, ImVec2(w * 0.4f, ui.button_h));
        }
      });
}

// ---- pick ----------------------------------------------------------------------------------------------
std::string big_code(const State& s, const proto::TaskView& t) {
  switch (s.step) {
    case PickStep::tote: {
      const std::string tote = tote_of(s, t);
      return tote.empty() ? t.order_ref : tote;
    }
    case PickStep::drop:
      return t.drop_location.empty() ? std::string("?") : t.drop_location;
    default:
      return t.location;
  }
}

void pick(Frame& f) {
  const State& s = f.s;
  const Ui& ui = f.ui;
  const proto::TaskView* t = s.current();
  if (!t) {
    split(
        f, Place::bottom, 0, [&] { fit_text("No task", ui.large, colour::k_instruction, Align::centre); }, [] {});
    return;
  }
  const bool pallet = t->mode == "pallet";
  const std::uint64_t wave = s.current_wave() ? s.current_wave() : t->wave;
  const std::string wave_line = std::to_string(s.wave_tasks_left(wave)) + " left in wave " + std::to_string(wave);

  if (s.step == PickStep::quantity) {
    // At the bin already: where and what shrink to one line, the number takes the room, the keypad is in reach.
    split(
        f, Place::side, keypad_height(ui, false) + (ui.gap * 2 + ui.button_h) * (f.vehicle() ? 2 : 1),
        [&] {
          info_banner(f);
          wrapped_text(instruction(s), ui.large, colour::k_instruction, Align::centre);
          f.space();
          fit_text(t->location + "   " + t->sku, ui.large, colour::k_text, Align::centre);
          f.space();
          number_box(ui, s.keypad.empty() ? std::to_string(s.qty) : s.keypad, "of " + std::to_string(s.remaining(*t)),
                     ui.huge->FontSize);
          if (f.vehicle()) {
            f.space();
            fit_text(wave_line, ui.body, colour::k_text_dim, Align::centre);
          }
        },
        [&] {
          f.keys("qty");
          f.space();
          if (f.vehicle()) {
            f.tap("Confirm##pick", Button::confirm, Tone::primary);
            f.space();
            f.tap("Short pick##pick", Button::short_pick, Tone::warn);
          } else {
            f.row([&](ImVec2 sz) { f.tap("Short pick##pick", Button::short_pick, Tone::warn, sz); },
                  [&](ImVec2 sz) { f.tap("Confirm##pick", Button::confirm, Tone::primary, sz); }, 0.55f);
          }
        });
    return;
  }

  // Location and product steps can be skipped or shorted; the tote and drop steps end with a scan only, but the
  // units found of a short pick on their way to the tote or lane can go back to the short-pick form.
  const bool scanning = s.step == PickStep::location || s.step == PickStep::product;
  const bool short_on_way = s.short_pending.has_value() && !scanning;
  split(
      f, Place::bottom, scanning || short_on_way ? ui.button_h : 0,
      [&] {
        info_banner(f);
        wrapped_text(instruction(s), ui.large, colour::k_instruction, Align::centre);
        f.space();
        fit_text(big_code(s, *t), ui.huge, colour::k_text, Align::centre);
        if (s.step == PickStep::tote && !tote_of(s, *t).empty()) {
          fit_text("Order " + t->order_ref, ui.large, colour::k_text, Align::centre);
        }
        if (s.step == PickStep::drop) {
          fit_text(pallet && !s.sscc.empty() ? "Pallet " + s.sscc : "From " + t->location, ui.large, colour::k_text_dim,
                   Align::centre);
        }
        f.space();
        rule(ui);
        f.space();
        // Below the SKU, in order of importance, only what fits whole (a banner on top takes room): the count,
        // the description, the wave line. The vehicle driver glances: no descriptions. A task's quantity is in
        // units, in pallet mode too (20 units of a 120-unit pallet are not 20 pallets): always "Take N".
        const auto [count_label, qty] = count_of(s);
        const float line = ui.gap * 2;  // an item's spacing plus one f.space()
        // Squeezed by a banner, the count joins the SKU's line rather than go: the picker must see how many.
        const bool squeezed =
            !count_label.empty() && ImGui::GetContentRegionAvail().y < ui.large->FontSize * 2 + line + ui.gap;
        // At the drop the lane is what counts: squeezed there (a banner and a button), the SKU line goes rather
        // than be cut in half.
        if (s.step != PickStep::drop || ImGui::GetContentRegionAvail().y >= ui.large->FontSize * 1.2f)
          fit_text(squeezed ? t->sku + "   " + count_label + " " + std::to_string(qty) : t->sku, ui.large,
                   colour::k_text);
        const bool show_qty = !count_label.empty() && !squeezed;
        const float qty_size = ui.huge->FontSize * (f.vehicle() ? 0.6f : 0.8f);
        const float need_qty = show_qty ? qty_size + line : 0;
        const float need_wave = ui.body->FontSize + line;
        auto room = [] { return ImGui::GetContentRegionAvail().y; };
        if (!f.vehicle() && !t->description.empty()) {
          const float desc_h =
              ui.body->CalcTextSizeA(ui.body->FontSize, 1e9f, ImGui::GetContentRegionAvail().x, t->description.c_str())
                  .y;
          if (room() >= desc_h + ui.gap + need_qty) wrapped_text(t->description, ui.body, colour::k_text_dim);
        }
        if (show_qty) {
          // Squeezed by a banner, the count gets smaller rather than going: the driver must see how many.
          const float fit = std::min(qty_size, room() - line);
          if (fit >= ui.large->FontSize) {
            f.space();
            qty_row(ui, count_label, std::to_string(qty), fit);
          }
        }
        if (room() >= need_wave) {
          f.space();
          fit_text(wave_line, ui.body, colour::k_text_dim);
        }
      },
      [&] {
        if (short_on_way)
          f.tap("Change short##pick", Button::short_pick, Tone::warn);
        else
          f.row([&](ImVec2 sz) { f.tap("Skip##pick", Button::skip, Tone::normal, sz); },
                [&](ImVec2 sz) { f.tap("Short pick##pick", Button::short_pick, Tone::warn, sz); });
      });
}

// ---- short pick ----------------------------------------------------------------------------------------
void short_pick(Frame& f) {
  const State& s = f.s;
  const Ui& ui = f.ui;
  const proto::TaskView* t = s.current();
  auto reason = [&](const char* label, ShortReason r, Button b, ImVec2 size) {
    const bool chosen = s.short_reason && *s.short_reason == r;
    f.tap(label, b, chosen ? Tone::selected : Tone::normal, size);
  };
  auto reasons = [&] {
    if (f.vehicle()) {
      reason("Empty##reason", ShortReason::empty, Button::reason_empty, {0, 0});
      reason("Damaged##reason", ShortReason::damaged, Button::reason_damaged, {0, 0});
      reason("Not found##reason", ShortReason::not_found, Button::reason_not_found, {0, 0});
    } else {
      f.row([&](ImVec2 sz) { reason("Empty##reason", ShortReason::empty, Button::reason_empty, sz); },
            [&](ImVec2 sz) { reason("Damaged##reason", ShortReason::damaged, Button::reason_damaged, sz); });
      reason("Not found##reason", ShortReason::not_found, Button::reason_not_found, {0, 0});
    }
  };
  const float number_size = ui.large->FontSize * 1.6f;
  auto found = [&] {
    number_box(ui, s.keypad.empty() ? "0" : s.keypad, t ? "found of " + std::to_string(s.remaining(*t)) : "found",
               number_size);
  };
  // Handheld: reasons (2 rows), keypad, Cancel/Confirm at the bottom. Vehicle: the reasons stay in the info
  // column, the number, keypad and Cancel/Confirm take the right-hand column.
  const float keypad_and_buttons = keypad_height(ui, false) + ui.gap * 2 + ui.button_h;
  const float controls_h = f.vehicle() ? number_size + ui.gap * 2 + ui.gap * 2 + keypad_and_buttons
                                       : 2 * ui.button_h + ui.gap + ui.gap * 2 + keypad_and_buttons;
  split(
      f, Place::side, controls_h,
      [&] {
        info_banner(f);
        fit_text(t ? "Short pick" + std::string(k_dash) + t->location : std::string("Short pick"), ui.large,
                 colour::k_warn);
        if (f.vehicle()) {
          if (t) fit_text(t->sku, ui.large, colour::k_text);
          f.space(2);
          fit_text("Why?", ui.large, colour::k_text_dim);
          reasons();
        } else {
          f.space(0.5f);
          found();
        }
      },
      [&] {
        if (f.vehicle()) {
          found();
        } else {
          reasons();
        }
        f.space();
        f.keys("found");
        f.space();
        f.row(
            [&](ImVec2 sz) { f.tap("Cancel##short", Button::cancel, Tone::normal, sz); },
            [&](ImVec2 sz) { f.tap("Confirm##short", Button::confirm, Tone::primary, sz, s.short_reason.has_value()); },
            0.55f);
      });
}

// ---- pack ----------------------------------------------------------------------------------------------
void pack_line(const Ui& ui, const PackLine& l) {
  const bool done = l.scanned >= l.expected;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  const std::string count = std::to_string(l.scanned) + " / " + std::to_string(l.expected);
  const float count_w = ui.large->CalcTextSizeA(ui.large->FontSize, 1e9f, 0, count.c_str()).x;
  const float h = ui.large->FontSize + (l.description.empty() ? 0 : ui.body->FontSize) + ui.gap * 2;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), colour::k_panel);
  dl->AddRectFilled(p, ImVec2(p.x + ui.gap, p.y + h), done ? colour::k_good : colour::k_instruction);
  ImGui::SetCursorScreenPos(ImVec2(p.x + ui.gap * 2, p.y + ui.gap));
  ImGui::BeginGroup();
  const float text_w = w - count_w - ui.gap * 5;
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(0, 0));
  fit_text(l.sku, ui.large, colour::k_text, Align::left, text_w);
  if (!l.description.empty()) fit_text(l.description, ui.body, colour::k_text_dim, Align::left, text_w);
  ImGui::PopStyleVar();
  ImGui::EndGroup();
  dl->AddText(ui.large, ui.large->FontSize, ImVec2(p.x + w - count_w - ui.gap * 2, p.y + (h - ui.large->FontSize) / 2),
              done ? colour::k_good : colour::k_text, count.c_str());
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + h));
  ImGui::Dummy(ImVec2(w, 0));
}

void pack(Frame& f) {
  const State& s = f.s;
  const Ui& ui = f.ui;
  const bool started = !s.pack_ref.empty() || !s.pack_tote.empty();
  const bool complete =
      started && !s.pack_lines.empty() &&
      std::all_of(s.pack_lines.begin(), s.pack_lines.end(), [](const PackLine& l) { return l.scanned >= l.expected; });
  const float controls_h = line_height(ui.body) + ui.gap + 3 * ui.button_h + 2 * ui.gap * 2;
  split(
      f, Place::side, controls_h,
      [&] {
        info_banner(f);
        if (!started) {
          f.space(4);
          wrapped_text("Scan the tote or the order", ui.large, colour::k_instruction, Align::centre);
          f.space(2);
          wrapped_text("Then scan every item as it goes into the carton.", ui.body, colour::k_text_dim, Align::centre);
          return;
        }
        std::string head = s.pack_ref.empty() ? s.pack_tote : s.pack_ref;
        if (!s.pack_ref.empty() && !s.pack_tote.empty()) head += "   " + s.pack_tote;
        fit_text(head, ui.large, colour::k_text, Align::centre);
        if (s.pack_lines.empty()) {  // the tote or order was scanned, its contents are on their way
          wrapped_text(ui.fallback_font ? "Looking it up..." : "Looking it up\xE2\x80\xA6", ui.large,
                       colour::k_text_dim, Align::centre);
          return;
        }
        fit_text(complete ? "All checked" : "Scan each item", ui.large,
                 complete ? colour::k_good : colour::k_instruction, Align::centre);
        f.space();
        // The line list scrolls (finger-wide scrollbar) when an order has more lines than fit.
        ImGui::BeginChild("lines", ImVec2(0, 0), false, ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoBackground);
        for (const PackLine& l : s.pack_lines) pack_line(ui, l);
        ImGui::EndChild();
      },
      [&] {
        // Cartons: a label, then [-] N [+] with the number as big as the row allows.
        fit_text("Cartons", ui.body, colour::k_text_dim, Align::centre);
        const float w = ImGui::GetContentRegionAvail().x;
        const float side = std::floor(std::max(ui.button_h * 1.2f, w * 0.3f));
        const float y = ImGui::GetCursorPosY();
        f.tap(ui.fallback_font ? "-##cartons" : "\xE2\x88\x92##cartons", Button::cartons_less, Tone::normal,
              ImVec2(side, ui.button_h), s.cartons > 1);
        ImGui::SameLine(0, ui.gap);
        const float mid = w - 2 * side - 2 * ui.gap;
        ImGui::SetCursorPosY(y + (ui.button_h - ui.large->FontSize * 1.4f) / 2);
        fit_text(std::to_string(s.cartons), ui.huge, colour::k_text, Align::centre, mid, ui.large->FontSize * 1.4f);
        ImGui::SameLine(0, ui.gap);
        ImGui::SetCursorPosY(y);
        f.tap("+##cartons", Button::cartons_more, Tone::normal, ImVec2(side, ui.button_h));
        f.space();
        f.tap("Close carton##pack", Button::confirm, Tone::primary, {0, 0}, complete);
        f.space();
        f.tap("Back to picking##pack", Button::pick_mode);
      });
}

// ---- version -------------------------------------------------------------------------------------------
void version(Frame& f) {
  const Ui& ui = f.ui;
  split(
      f, Place::bottom, 0,
      [&] {
        f.space(4);
        fit_text("UPDATE NEEDED", ui.huge, colour::k_warn, Align::centre);
        f.space(3);
        wrapped_text("The server speaks another protocol version. This app must be updated before it can work.",
                     ui.large, colour::k_text, Align::centre);
        f.space(3);
        if (!f.s.banner.detail.empty()) wrapped_text(f.s.banner.detail, ui.body, colour::k_text_dim, Align::centre);
        f.space(3);
        wrapped_text("Tell your supervisor. (App protocol version " + std::to_string(proto::k_protocol_version) + ")",
                     ui.body, colour::k_text_dim, Align::centre);
      },
      [] {});
}

// ---- notices: server refusals after replay, listed until dismissed -------------------------------------
void notices(Frame& f) {
  const State& s = f.s;
  const Ui& ui = f.ui;
  const ImVec2 min = ImGui::GetWindowPos();
  const ImVec2 size = ImGui::GetWindowSize();
  ImGui::GetWindowDrawList()->AddRectFilled(min, ImVec2(min.x + size.x, min.y + size.y), colour::k_warn);
  const float inset = ui.pad;
  ImGui::SetCursorScreenPos(ImVec2(min.x + inset, min.y + inset));
  ImGui::BeginChild("notices", ImVec2(size.x - 2 * inset, size.y - 2 * inset - ui.button_h - ui.gap * 2), false,
                    k_area_flags);
  fit_text("NOT ACCEPTED", ui.huge, colour::k_text_dark, Align::centre);
  wrapped_text(s.notices.size() == 1 ? "The server refused this after you moved on:"
                                     : "The server refused these after you moved on:",
               ui.body, colour::k_text_dark, Align::centre);
  f.space(2);
  for (std::size_t i = 0; i < s.notices.size(); ++i) {
    // The machine writes the whole story into the text ("Task 7 at A01-02-A: 6 x SKU-1 was NOT recorded: ...").
    wrapped_text(s.notices[i].text, i == 0 ? ui.large : ui.body, colour::k_text_dark);
    f.space(2);
  }
  ImGui::EndChild();
  ImGui::SetCursorScreenPos(ImVec2(min.x + inset, min.y + size.y - inset - ui.button_h));
  const std::string label = s.notices.size() > 1 ? "Seen (1 of " + std::to_string(s.notices.size()) + ")##notice"
                                                 : std::string("Seen##notice");
  f.tap(label.c_str(), Button::dismiss, Tone::normal, ImVec2(size.x - 2 * inset, ui.button_h));
}

const char* window_name(const State& s) {
  switch (s.screen) {
    case Screen::login:
      return "##login";
    case Screen::idle:
      return "##idle";
    case Screen::short_pick:
      return "##short_pick";
    case Screen::pack:
      return "##pack";
    case Screen::version:
      return "##version";
    case Screen::pick:
      switch (s.step) {
        case PickStep::location:
          return "##pick.location";
        case PickStep::product:
          return "##pick.product";
        case PickStep::quantity:
          return "##pick.quantity";
        case PickStep::tote:
          return "##pick.tote";
        case PickStep::drop:
          return "##pick.drop";
      }
  }
  return "##terminal";
}

}  // namespace

StatusLine status_of(const State& s) {
  StatusLine l;
  l.user = s.name.empty() ? s.user : s.name;
  l.online = s.online;
  l.queued = s.queued;
  l.wave = s.current_wave();
  l.tasks_left = l.wave ? s.wave_tasks_left(l.wave) : 0;
  return l;
}

std::vector<std::uint64_t> idle_waves(const State& s) {
  std::vector<std::uint64_t> out;
  for (const auto& [id, w] : s.waves)
    if (w.status != "done" && (w.mode.empty() || w.mode == s.work_mode())) out.push_back(id);
  return out;
}

std::pair<std::string, std::int64_t> count_of(const State& s) {
  const proto::TaskView* t = s.current();
  if (s.screen != Screen::pick || !t || s.step == PickStep::quantity) return {};
  if (s.profile == Profile::vehicle && s.step == PickStep::drop) return {};  // the pallet is on the forks
  const bool scanning = s.step == PickStep::location || s.step == PickStep::product;
  return {s.step == PickStep::tote ? "Put" : "Take", scanning ? s.remaining(*t) : s.qty};
}

std::string instruction(const State& s) {
  const proto::TaskView* t = s.current();
  if (s.screen != Screen::pick || !t) return "";
  switch (s.step) {
    case PickStep::location:
      return "Scan location";
    case PickStep::product:
      return t->mode == "pallet" ? "Scan the pallet label" : "Scan product";
    case PickStep::quantity:
      return std::string("Quantity") + k_dash + "confirm or change";
    case PickStep::tote:
      return "Put into tote for " + t->order_ref + k_dash + "scan tote";
    case PickStep::drop:
      return "Drive to " + (t->drop_location.empty() ? std::string("the drop") : t->drop_location) + k_dash +
             "scan the lane";
  }
  return "";
}

std::vector<Event> draw(const State& s, const Ui& ui) {
  std::vector<Event> out;
  Frame f{s, ui, out};
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->Pos);
  ImGui::SetNextWindowSize(vp->Size);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ui.gap, ui.gap));
  ImGui::PushFont(ui.body);
  ImGui::Begin(window_name(s), nullptr, k_screen_flags | ImGuiWindowFlags_NoScrollbar);

  status_bar(ui, status_of(s));
  const float top = ImGui::GetItemRectMax().y;
  const ImVec2 area_min(vp->Pos.x, top);
  const ImVec2 area_max(vp->Pos.x + vp->Size.x, vp->Pos.y + vp->Size.y);

  if (s.screen != Screen::version && s.banner.kind == BannerKind::error) {
    // Nothing else is drawn, so nothing else can be tapped: the picker deals with the error first.
    // Behind it the sign-in screen ("SIGN IN AGAIN", a refused PIN) takes no scan to go on; the pick screens do.
    const char* hint = s.screen == Screen::login ? "Tap to continue" : "Scan the right code or tap to dismiss";
    if (error_overlay(ui, s.banner, area_min, area_max, hint)) {
      out.push_back(Tap{Button::dismiss});
    }
  } else {
    const float pad = ui.pad;
    ImGui::SetCursorScreenPos(ImVec2(area_min.x + pad, area_min.y + pad));
    ImGui::BeginChild("content", ImVec2(area_max.x - area_min.x - 2 * pad, area_max.y - area_min.y - 2 * pad), false,
                      k_area_flags);
    if (!s.notices.empty() && s.screen != Screen::version) {
      notices(f);
    } else {
      switch (s.screen) {
        case Screen::login:
          login(f);
          break;
        case Screen::idle:
          idle(f);
          break;
        case Screen::pick:
          pick(f);
          break;
        case Screen::short_pick:
          short_pick(f);
          break;
        case Screen::pack:
          pack(f);
          break;
        case Screen::version:
          version(f);
          break;
      }
    }
    ImGui::EndChild();
  }

  ImGui::End();
  ImGui::PopFont();
  ImGui::PopStyleVar(2);
  return out;
}

}  // namespace wms::term::view
