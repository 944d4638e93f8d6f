// Glove-sized Dear ImGui widgets (see widgets.hpp). Drawn with the window's draw list over InvisibleButton hit
// areas so every colour, outline and label size is ours to choose; they hold no state between frames.
#include "view/widgets.hpp"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cstring>
#include <string>

namespace wms::term::view {

namespace {

std::string_view visible_label(const char* label) {
  const char* hash = std::strstr(label, "##");
  return hash ? std::string_view(label, static_cast<std::size_t>(hash - label)) : std::string_view(label);
}

ImVec2 text_size(const ImFont* font, float size, std::string_view text, float wrap = 0) {
  return font->CalcTextSizeA(size, FLT_MAX, wrap, text.data(), text.data() + text.size());
}

// Draws `text` centred in [min, max] at `font`'s size or smaller, so it never spills out of the box.
void text_in_box(ImDrawList* dl, const ImFont* font, std::string_view text, ImVec2 min, ImVec2 max, ImU32 col,
                 float inset) {
  const float room_w = std::max(1.0f, max.x - min.x - 2 * inset);
  const float room_h = std::max(1.0f, max.y - min.y - 2 * inset);
  float size = font->FontSize;
  ImVec2 sz = text_size(font, size, text);
  if (sz.x > room_w) size *= room_w / sz.x;
  if (sz.y * size / font->FontSize > room_h) size = std::min(size, font->FontSize * room_h / sz.y);
  sz = text_size(font, size, text);
  const ImVec2 pos(min.x + (max.x - min.x - sz.x) * 0.5f, min.y + (max.y - min.y - sz.y) * 0.5f);
  dl->AddText(font, size, pos, col, text.data(), text.data() + text.size());
}

// `text` cut at a UTF-8 character boundary, with "…" appended, so that it fits `width` at `size`.
std::string ellipsize(const ImFont* font, float size, const std::string& text, float width) {
  if (text_size(font, size, text).x <= width) return text;
  const bool has_ellipsis = font->FindGlyphNoFallback(0x2026) != nullptr;
  const std::string dots = has_ellipsis ? "\xE2\x80\xA6" : "...";
  std::string cut = text;
  while (!cut.empty() && text_size(font, size, cut + dots).x > width) {
    cut.pop_back();
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    // a lead byte left without its continuation bytes is cut too
    if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0xC0) cut.pop_back();
  }
  return cut + dots;
}

void record(const Ui& ui, const char* id, ImVec2 min, ImVec2 max, bool enabled) {
  if (ui.probe) ui.probe->hits.push_back({id, std::string(visible_label(id)), min, max, enabled});
}

struct ToneColours {
  ImU32 fill, fill_held, border, text;
};

ToneColours colours_of(Tone tone) {
  switch (tone) {
    case Tone::primary:
      return {colour::k_success, IM_COL32(0, 160, 60, 255), colour::k_text, colour::k_text};
    case Tone::warn:
      return {colour::k_warn, IM_COL32(255, 210, 90, 255), colour::k_text, colour::k_text_dark};
    case Tone::danger:
      return {colour::k_error, IM_COL32(240, 40, 40, 255), colour::k_text, colour::k_text};
    case Tone::selected:
      return {colour::k_instruction, IM_COL32(255, 240, 120, 255), colour::k_text, colour::k_text_dark};
    case Tone::normal:
      break;
  }
  return {IM_COL32(58, 58, 58, 255), IM_COL32(110, 110, 110, 255), colour::k_text, colour::k_text};
}

}  // namespace

const Probe::Hit* Probe::find(std::string_view label) const {
  for (const Hit& h : hits)
    if (h.label == label || h.id == label) return &h;
  return nullptr;
}

float line_height(const ImFont* font) {
  return font->FontSize;
}

float fit_text(std::string_view text, ImFont* font, ImU32 col, Align align, float max_width, float max_size) {
  const float avail = max_width > 0 ? max_width : ImGui::GetContentRegionAvail().x;
  float size = max_size > 0 ? std::min(max_size, font->FontSize) : font->FontSize;
  ImVec2 sz = text_size(font, size, text);
  if (sz.x > avail && sz.x > 0) {
    size *= avail / sz.x;
    sz = text_size(font, size, text);
  }
  ImVec2 pos = ImGui::GetCursorScreenPos();
  if (align == Align::centre) pos.x += std::max(0.0f, (avail - sz.x) * 0.5f);
  if (align == Align::right) pos.x += std::max(0.0f, avail - sz.x);
  ImGui::GetWindowDrawList()->AddText(font, size, pos, col, text.data(), text.data() + text.size());
  ImGui::Dummy(ImVec2(avail, size));
  return size;
}

void wrapped_text(std::string_view text, ImFont* font, ImU32 col, Align align, float width) {
  const float avail = width > 0 ? width : ImGui::GetContentRegionAvail().x;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 pos = ImGui::GetCursorScreenPos();
  float height = 0;
  if (align == Align::left) {
    dl->AddText(font, font->FontSize, pos, col, text.data(), text.data() + text.size(), avail);
    height = text_size(font, font->FontSize, text, avail).y;
  } else {
    // ImGui wraps left-aligned only: wrap line by line so each line can be centred (or right-aligned).
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end) {
      const char* line_end = font->CalcWordWrapPositionA(1.0f, p, end, avail);
      if (line_end == p) ++line_end;  // a word wider than the box: take one character to make progress
      const float w = text_size(font, font->FontSize, std::string_view(p, static_cast<std::size_t>(line_end - p))).x;
      const float x = align == Align::centre ? (avail - w) * 0.5f : avail - w;
      dl->AddText(font, font->FontSize, ImVec2(pos.x + std::max(0.0f, x), pos.y + height), col, p, line_end);
      height += font->FontSize;
      p = line_end;
      while (p < end && (*p == ' ' || *p == '\n')) ++p;
    }
  }
  ImGui::Dummy(ImVec2(avail, height));
}

bool big_button(const Ui& ui, const char* label, Tone tone, ImVec2 size, bool enabled) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = std::max(1.0f, avail.x);
  if (size.y <= 0) size.y = ui.button_h;
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max(min.x + size.x, min.y + size.y);

  ImGui::BeginDisabled(!enabled);
  const bool clicked = ImGui::InvisibleButton(label, size);
  const bool held = enabled && ImGui::IsItemActive();
  ImGui::EndDisabled();
  record(ui, label, min, max, enabled);

  const ToneColours c = colours_of(tone);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // Disabled: dark fill, grey outline and grey text (still legible: it tells what will become possible).
  const ImU32 fill = !enabled ? IM_COL32(24, 24, 24, 255) : held ? c.fill_held : c.fill;
  const ImU32 border = !enabled ? IM_COL32(90, 90, 90, 255) : c.border;
  const ImU32 text = !enabled ? IM_COL32(140, 140, 140, 255) : c.text;
  dl->AddRectFilled(min, max, fill);
  dl->AddRect(min, max, border, 0.0f, 0, ui.border);
  text_in_box(dl, ui.large, visible_label(label), min, max, text, ui.pad * 0.75f);
  return clicked && enabled;
}

float keypad_height(const Ui& ui, bool ok) {
  const int rows = ok ? 5 : 4;
  return rows * ui.key_h + (rows - 1) * ui.gap;
}

std::optional<Key> keypad(const Ui& ui, const char* id, float width, bool ok) {
  struct K {
    const char* label;
    Key key;
  };
  static constexpr std::array<K, 12> keys{{{"1", Key::d1},
                                           {"2", Key::d2},
                                           {"3", Key::d3},
                                           {"4", Key::d4},
                                           {"5", Key::d5},
                                           {"6", Key::d6},
                                           {"7", Key::d7},
                                           {"8", Key::d8},
                                           {"9", Key::d9},
                                           {"Back", Key::back},
                                           {"0", Key::d0},
                                           {"Clear", Key::clear}}};
  if (width <= 0) width = ImGui::GetContentRegionAvail().x;
  const float key_w = (width - 2 * ui.gap) / 3;
  std::optional<Key> pressed;
  ImGui::PushID(id);
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ui.gap, ui.gap));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i % 3 != 0) ImGui::SameLine();
    if (big_button(ui, keys[i].label, Tone::normal, ImVec2(key_w, ui.key_h))) pressed = keys[i].key;
  }
  if (ok && big_button(ui, "OK", Tone::primary, ImVec2(width, ui.key_h))) pressed = Key::enter;
  ImGui::PopStyleVar();
  ImGui::PopID();
  return pressed;
}

bool field_box(const Ui& ui, const char* id, std::string_view label, std::string_view shown, bool active) {
  const float width = ImGui::GetContentRegionAvail().x;
  const float height = ui.button_h;
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max(min.x + width, min.y + height);
  const bool clicked = ImGui::InvisibleButton(id, ImVec2(width, height));
  record(ui, id, min, max, true);

  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(min, max, colour::k_panel);
  dl->AddRect(min, max, active ? colour::k_instruction : IM_COL32(150, 150, 150, 255), 0.0f, 0,
              active ? ui.border * 2 : ui.border);
  // The label column is as wide for "User" as for "PIN", so the values line up.
  const float inset = ui.pad;
  const float label_w = std::max(text_size(ui.body, ui.body->FontSize, label).x, ui.body->FontSize * 2.6f);
  dl->AddText(ui.body, ui.body->FontSize, ImVec2(min.x + inset, min.y + (height - ui.body->FontSize) * 0.5f),
              active ? colour::k_instruction : colour::k_text_dim, label.data(), label.data() + label.size());
  // The value, shrunk if long; a block cursor in the active field shows where typing goes.
  const float x0 = min.x + inset + label_w + inset;
  const float room = max.x - x0 - 2 * inset;
  float size = ui.large->FontSize;
  const ImVec2 sz = text_size(ui.large, size, shown);
  if (sz.x > room) size *= room / sz.x;
  const ImVec2 pos(x0, min.y + (height - size) * 0.5f);
  dl->AddText(ui.large, size, pos, colour::k_text, shown.data(), shown.data() + shown.size());
  if (active) {
    const float x = pos.x + text_size(ui.large, size, shown).x + 4;
    dl->AddRectFilled(ImVec2(x, pos.y + size * 0.1f), ImVec2(x + size * 0.12f, pos.y + size * 0.95f),
                      colour::k_instruction);
  }
  return clicked;
}

float status_bar(const Ui& ui, const StatusLine& line) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  ImFont* font = ui.body;
  const float fs = font->FontSize;
  const float inset = ui.gap;

  const std::string who = line.user.empty() ? std::string("Not signed in") : line.user;
  const char* link = line.online ? "ONLINE" : "OFFLINE";
  const std::string queued = std::to_string(line.queued) + " queued";
  const std::string wave = line.wave
                               ? "W" + std::to_string(line.wave) + ": " + std::to_string(line.tasks_left) + " left"
                               : std::string("No wave");

  const float w_who = text_size(font, fs, who).x;
  const float w_link = text_size(font, fs, link).x + 2 * inset;
  const float w_queued = text_size(font, fs, queued).x;
  const float w_wave = text_size(font, fs, wave).x;
  const float spacing = 2 * ui.pad;
  const bool one_row = w_who + w_link + w_queued + w_wave + 3 * spacing + 2 * inset <= width;
  const float row_h = fs + 2 * inset;
  const float height = one_row ? row_h : 2 * row_h;

  dl->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + height), colour::k_panel);
  dl->AddLine(ImVec2(origin.x, origin.y + height - 1), ImVec2(origin.x + width, origin.y + height - 1),
              IM_COL32(120, 120, 120, 255), 2.0f);

  auto put = [&](const std::string& s, float x, float y, ImU32 col) {
    dl->AddText(font, fs, ImVec2(x, y), col, s.data(), s.data() + s.size());
  };
  // The link pill: ONLINE in green text; OFFLINE as a solid amber block with black text, seen from metres away.
  auto pill = [&](float x_right, float y) {
    const ImVec2 min(x_right - w_link, y - inset * 0.5f);
    const ImVec2 max(x_right, y + fs + inset * 0.5f);
    if (line.online) {
      dl->AddRect(min, max, colour::k_good, 0.0f, 0, 2.0f);
      dl->AddText(font, fs, ImVec2(min.x + inset, y), colour::k_good, link);
    } else {
      dl->AddRectFilled(min, max, colour::k_warn);
      dl->AddText(font, fs, ImVec2(min.x + inset, y), colour::k_text_dark, link);
    }
  };
  const float left = origin.x + inset;
  const float right = origin.x + width - inset;
  const float y0 = origin.y + inset;
  // Queued confirmations are normal for a moment; while offline they are the picker's proof of work: amber.
  const ImU32 queued_col = line.queued && !line.online ? colour::k_warn : colour::k_text;
  if (one_row) {
    put(who, left, y0, colour::k_text);
    put(wave, left + w_who + spacing, y0, colour::k_text);
    put(queued, right - w_link - spacing - w_queued, y0, queued_col);
    pill(right, y0);
  } else {
    // A long name shrinks a little, then is cut with an ellipsis, rather than run under the link pill.
    const float who_room = width - w_link - spacing - 2 * inset;
    const float who_size = w_who > who_room ? std::max(fs * 0.8f, fs * who_room / w_who) : fs;
    const std::string shown = ellipsize(font, who_size, who, who_room);
    dl->AddText(font, who_size, ImVec2(left, y0 + (fs - who_size) * 0.5f), colour::k_text, shown.data(),
                shown.data() + shown.size());
    pill(right, y0);
    put(wave, left, y0 + row_h, colour::k_text);
    put(queued, right - w_queued, y0 + row_h, queued_col);
  }
  ImGui::Dummy(ImVec2(width, height));
  return height;
}

bool error_overlay(const Ui& ui, const Banner& banner, ImVec2 min, ImVec2 max, std::string_view hint) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(min, max, colour::k_error);
  ImGui::SetCursorScreenPos(min);
  const bool clicked = ImGui::InvisibleButton("##error_overlay", ImVec2(max.x - min.x, max.y - min.y));
  record(ui, "Dismiss error##error_overlay", min, max, true);

  // Title and detail from the top, the hint pinned to the bottom: the eye finds the title first.
  const float inset = ui.pad * 2;
  ImGui::SetCursorScreenPos(ImVec2(min.x + inset, min.y + inset));
  ImGui::PushClipRect(min, max, true);
  ImGui::BeginGroup();
  const float width = max.x - min.x - 2 * inset;
  fit_text(banner.title.empty() ? std::string_view("ERROR") : std::string_view(banner.title), ui.huge, colour::k_text,
           Align::centre, width);
  ImGui::Dummy(ImVec2(width, ui.gap * 2));
  if (!banner.detail.empty()) wrapped_text(banner.detail, ui.large, colour::k_text, Align::centre, width);
  ImGui::EndGroup();
  const float hint_h = text_size(ui.body, ui.body->FontSize, hint, width).y;
  ImGui::SetCursorScreenPos(ImVec2(min.x + inset, max.y - inset - hint_h));
  ImGui::BeginGroup();
  wrapped_text(hint, ui.body, colour::k_text, Align::centre, width);
  ImGui::EndGroup();
  ImGui::PopClipRect();
  return clicked;
}

bool banner_strip(const Ui& ui, const Banner& banner) {
  const ImU32 fill = banner.kind == BannerKind::success ? colour::k_success
                     : banner.kind == BannerKind::error ? colour::k_error
                                                        : colour::k_info;
  const float width = ImGui::GetContentRegionAvail().x;
  const float inset = ui.gap * 1.5f;
  const float text_w = width - 2 * inset;
  // Title and detail share one line when they fit (most "PICKED 6 from A01-02-A" banners do), so the work
  // below moves down as little as possible; otherwise the detail wraps under the title.
  const float title_w = text_size(ui.large, ui.large->FontSize, banner.title).x;
  const float title_size = title_w > text_w ? ui.large->FontSize * text_w / title_w : ui.large->FontSize;
  const float detail_x = banner.title.empty() ? 0 : std::min(title_w, text_w) + ui.pad;
  const float detail_one_line = text_size(ui.body, ui.body->FontSize, banner.detail).x;
  const bool one_line = banner.detail.empty() || detail_x + detail_one_line <= text_w;
  const float title_h = banner.title.empty() ? 0 : title_size;
  const float detail_h =
      banner.detail.empty() || one_line ? 0 : text_size(ui.body, ui.body->FontSize, banner.detail, text_w).y;
  const float height =
      std::max(ui.button_h, std::max(title_h, one_line ? ui.body->FontSize : 0) + detail_h + 2 * inset);
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max(min.x + width, min.y + height);
  const bool clicked = ImGui::InvisibleButton("##banner", ImVec2(width, height));
  record(ui, "Dismiss banner##banner", min, max, true);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(min, max, fill);
  dl->AddRect(min, max, colour::k_text, 0.0f, 0, 2.0f);
  const float content_h = std::max(title_h, one_line ? ui.body->FontSize : 0) + detail_h;
  const float y = min.y + (height - content_h) * 0.5f;
  if (!banner.title.empty()) {
    dl->AddText(ui.large, title_size, ImVec2(min.x + inset, y), colour::k_text, banner.title.c_str());
  }
  if (!banner.detail.empty()) {
    if (one_line) {
      // Bottom-aligned with the title, as one sentence.
      dl->AddText(ui.body, ui.body->FontSize, ImVec2(min.x + inset + detail_x, y + title_h - ui.body->FontSize * 1.05f),
                  colour::k_text, banner.detail.c_str());
    } else {
      dl->AddText(ui.body, ui.body->FontSize, ImVec2(min.x + inset, y + title_h), colour::k_text, banner.detail.c_str(),
                  nullptr, text_w);
    }
  }
  return clicked;
}

}  // namespace wms::term::view
