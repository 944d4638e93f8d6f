// SDL2 window + OpenGL 3 context + Dear ImGui backends for the terminal, its fonts and theme, the wait-for-work
// loop and screenshots (see platform.hpp). It never holds application state and never touches the network: the
// network thread only ever calls Platform::wake().
#include "view/platform.hpp"

#include <SDL_opengl.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace wms::term::view {

namespace {

struct Sizes {
  float body, large, huge;
  float pad, gap, button_h, key_h, border;
};
// Pixel sizes chosen at arm's length with gloves: the handheld's 28 px body is ~4 mm on a 5" 480x800 screen;
// the vehicle terminal is read at a glance from the seat, so everything is ~40% larger.
constexpr Sizes k_handheld{28, 40, 104, 12, 8, 68, 64, 3};
constexpr Sizes k_vehicle{38, 56, 160, 16, 12, 96, 90, 4};

constexpr const char* k_system_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
#ifdef WMS_ASSETS_DIR
constexpr const char* k_assets_font = WMS_ASSETS_DIR "/fonts/DejaVuSans-Bold.ttf";
#else
constexpr const char* k_assets_font = "";
#endif

// Glyph ranges live as long as the atlas (ImGui keeps the pointer until the atlas is built).
// Text fonts: Latin-1, general punctuation (dashes, bullet, ellipsis), arrows, minus and check marks.
constexpr ImWchar k_text_ranges[] = {0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x2193, 0x2212, 0x2212, 0x2713, 0x2717, 0};
// The huge font only shows location codes, numbers and one-word titles: ASCII keeps its atlas small (at the
// vehicle's 160 px, Latin-1 alone doubled the texture to 1024x4096).
constexpr ImWchar k_huge_ranges[] = {0x0020, 0x007E, 0};

bool readable(const std::string& path) {
  if (path.empty()) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::fclose(f);
  return true;
}

// Dear ImGui issue #3220 / #4133: without a wake event, a loop that blocks in SDL_WaitEvent sleeps through
// results arriving from other threads. One registered user event type, pushed at most once until consumed.
std::atomic<Uint32> g_wake_type{0};
std::atomic<bool> g_wake_pending{false};

void apply_theme(const Sizes& z) {
  ImGuiStyle& st = ImGui::GetStyle();
  ImGui::StyleColorsDark(&st);
  st.WindowPadding = ImVec2(z.pad, z.pad);
  st.FramePadding = ImVec2(z.pad, z.pad);
  st.ItemSpacing = ImVec2(z.gap, z.gap);
  st.ItemInnerSpacing = ImVec2(z.gap, z.gap);
  st.TouchExtraPadding = ImVec2(0, 0);
  st.ScrollbarSize = z.key_h * 0.5f;  // a finger-wide scrollbar for the pack list
  st.GrabMinSize = z.key_h * 0.5f;
  st.WindowRounding = st.ChildRounding = st.FrameRounding = st.PopupRounding = 0;
  st.ScrollbarRounding = st.GrabRounding = st.TabRounding = 0;
  st.WindowBorderSize = 0;
  st.ChildBorderSize = 0;
  st.FrameBorderSize = z.border;
  st.DisabledAlpha = 0.6f;
  ImVec4* c = st.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_Text] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_TextDisabled] = ImVec4(0.6f, 0.6f, 0.6f, 1);
  c[ImGuiCol_Border] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Button] = ImVec4(0.23f, 0.23f, 0.23f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.23f, 0.23f, 0.23f, 1);  // no hover on a touch screen
  c[ImGuiCol_ButtonActive] = ImVec4(0.45f, 0.45f, 0.45f, 1);
  c[ImGuiCol_ScrollbarBg] = ImVec4(0.1f, 0.1f, 0.1f, 1);
  c[ImGuiCol_ScrollbarGrab] = ImVec4(0.7f, 0.7f, 0.7f, 1);
  c[ImGuiCol_ScrollbarGrabHovered] = ImVec4(0.8f, 0.8f, 0.8f, 1);
  c[ImGuiCol_ScrollbarGrabActive] = ImVec4(1, 1, 1, 1);
}

}  // namespace

ImVec2 default_size(Profile profile) {
  return profile == Profile::vehicle ? ImVec2(1024, 768) : ImVec2(480, 800);
}

float layout_scale(Profile profile, ImVec2 size) {
  const ImVec2 base = default_size(profile);
  const float scale = std::min(size.x / base.x, size.y / base.y);
  return std::clamp(scale, 0.6f, 3.0f);
}

Ui load_ui(Profile profile, const std::string& font_file, float scale) {
  const Sizes& base = profile == Profile::vehicle ? k_vehicle : k_handheld;
  scale = std::clamp(scale, 0.6f, 3.0f);
  // Every size scales together (fonts, padding, targets), so a 720x1280 handheld gets the 480x800 layout 1.5x.
  const Sizes z{std::round(base.body * scale),  std::round(base.large * scale),
                std::round(base.huge * scale),  std::round(base.pad * scale),
                std::round(base.gap * scale),   std::round(base.button_h * scale),
                std::round(base.key_h * scale), std::max(2.0f, std::round(base.border * scale))};
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  io.Fonts->TexDesiredWidth = 2048;  // a squarer texture than the default 1024-wide one for the big sizes

  std::string path;
  if (font_file != "builtin") {
    for (const std::string& candidate : {font_file, std::string(k_system_font), std::string(k_assets_font)}) {
      if (readable(candidate)) {
        path = candidate;
        break;
      }
    }
  }

  Ui ui;
  ui.profile = profile;
  ui.pad = z.pad;
  ui.gap = z.gap;
  ui.button_h = z.button_h;
  ui.key_h = z.key_h;
  ui.border = z.border;
  if (!path.empty()) {
    ImFontConfig cfg;
    cfg.OversampleH = 2;  // large glyphs gain nothing from 3x horizontal oversampling; it only grows the atlas
    cfg.OversampleV = 1;
    ui.body = io.Fonts->AddFontFromFileTTF(path.c_str(), z.body, &cfg, k_text_ranges);
    cfg.OversampleH = 1;
    ui.large = io.Fonts->AddFontFromFileTTF(path.c_str(), z.large, &cfg, k_text_ranges);
    ui.huge = io.Fonts->AddFontFromFileTTF(path.c_str(), z.huge, &cfg, k_huge_ranges);
  }
  if (ui.body && ui.large && ui.huge) {
    SDL_Log("font: %s at %.0f/%.0f/%.0f px", path.c_str(), static_cast<double>(z.body), static_cast<double>(z.large),
            static_cast<double>(z.huge));
  } else {
    // ProggyClean is a 13 px bitmap-style font: scaled up it is blocky but legible, and the app still works.
    io.Fonts->Clear();
    ImFontConfig cfg;
    cfg.SizePixels = z.body;
    ui.body = io.Fonts->AddFontDefault(&cfg);
    cfg.SizePixels = z.large;
    ui.large = io.Fonts->AddFontDefault(&cfg);
    cfg.SizePixels = z.huge;
    ui.huge = io.Fonts->AddFontDefault(&cfg);
    ui.fallback_font = true;
    // ProggyClean has Latin-1 only: show the dashes, ellipsis, bullet and minus the screens use as ASCII rather
    // than as '?'. Remapping needs the built atlas; the backend then uploads this same atlas.
    io.Fonts->Build();
    for (ImFont* font : {ui.body, ui.large, ui.huge}) {
      for (ImWchar c : {0x2013, 0x2014, 0x2212}) font->AddRemapChar(c, '-');
      font->AddRemapChar(0x2026, '.');
      font->AddRemapChar(0x2022, '*');
    }
    if (font_file == "builtin") {
      SDL_Log("font: ImGui's built-in font scaled, as asked");
    } else {
      SDL_LogWarn(
          SDL_LOG_CATEGORY_APPLICATION,
          "font: DejaVu Sans Bold not found (%s; install fonts-dejavu-core), using ImGui's built-in font scaled",
          k_system_font);
    }
  }
  io.FontDefault = ui.body;
  apply_theme(z);
  return ui;
}

Platform::Platform(const WindowOptions& options) : options_(options) {
  // A tap that focuses the window must also press the button under the finger.
  SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER | SDL_INIT_EVENTS) != 0) {
    throw std::runtime_error(std::string("SDL_Init failed: ") + SDL_GetError());
  }
  // GL 3.0 + GLSL 130: what Mesa's software renderer and every handheld GPU we target provide.
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 0);

  const ImVec2 size = default_size(options_.profile);
  const int w = options_.width > 0 ? options_.width : static_cast<int>(size.x);
  const int h = options_.height > 0 ? options_.height : static_cast<int>(size.y);
  Uint32 flags = SDL_WINDOW_OPENGL;
  flags |= options_.hidden ? SDL_WINDOW_HIDDEN : SDL_WINDOW_SHOWN;
  if (options_.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  window_ = SDL_CreateWindow(options_.title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
  if (!window_) {
    const std::string why = SDL_GetError();
    SDL_Quit();
    throw std::runtime_error("SDL_CreateWindow failed: " + why);
  }
  gl_ = SDL_GL_CreateContext(window_);
  if (!gl_) {
    const std::string why = SDL_GetError();
    SDL_DestroyWindow(window_);
    SDL_Quit();
    throw std::runtime_error("OpenGL 3.0 context failed: " + why);
  }
  SDL_GL_MakeCurrent(window_, gl_);
  SDL_GL_SetSwapInterval(1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is code; nothing to remember between runs
  io.LogFilename = nullptr;
  // No keyboard/gamepad navigation: every key belongs to the scan wedge, ImGui must never take focus.
  io.ConfigFlags &= ~(ImGuiConfigFlags_NavEnableKeyboard | ImGuiConfigFlags_NavEnableGamepad);
  int dw = 0, dh = 0;
  SDL_GL_GetDrawableSize(window_, &dw, &dh);
  const float scale = layout_scale(options_.profile, ImVec2(static_cast<float>(dw), static_cast<float>(dh)));
  if (scale != 1.0f) SDL_Log("layout scaled %.2fx for a %dx%d screen", static_cast<double>(scale), dw, dh);
  ui_ = load_ui(options_.profile, options_.font_file, scale);
  if (!ImGui_ImplSDL2_InitForOpenGL(window_, gl_) || !ImGui_ImplOpenGL3_Init("#version 130")) {
    ImGui::DestroyContext();
    SDL_GL_DeleteContext(gl_);
    SDL_DestroyWindow(window_);
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_TIMER | SDL_INIT_EVENTS);
    throw std::runtime_error("Dear ImGui SDL2/OpenGL3 backends failed to start");
  }

  // Wedge scanners type text: SDL_TEXTINPUT carries it (with the keyboard layout applied).
  SDL_StartTextInput();
  const Uint32 type = SDL_RegisterEvents(1);
  g_wake_type = type == static_cast<Uint32>(-1) ? 0 : type;
  g_wake_pending = false;
  SDL_Log("window %dx%d (%s), GL %s", w, h, options_.profile == Profile::vehicle ? "vehicle" : "handheld",
          reinterpret_cast<const char*>(glGetString(GL_VERSION)));
}

Platform::~Platform() {
  g_wake_type = 0;
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  SDL_GL_DeleteContext(gl_);
  SDL_DestroyWindow(window_);
  SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_TIMER | SDL_INIT_EVENTS);
}

void Platform::wake() {
  const Uint32 type = g_wake_type.load();
  if (type == 0 || g_wake_pending.exchange(true)) return;
  SDL_Event ev;
  std::memset(&ev, 0, sizeof ev);
  ev.type = type;
  if (SDL_PushEvent(&ev) != 1) g_wake_pending = false;  // queue full or filtered: let the next call try
}

Input Platform::wait(int timeout_ms) {
  Input in;
  if (quit_after_) {
    in.quit = true;
    return in;
  }
  SDL_Event ev;
  bool got = false;
  // While settling (or until the screenshot hook has its frame) poll; otherwise sleep until something happens.
  const bool shot_due =
      !options_.screenshot_path.empty() && frames_ < static_cast<std::uint64_t>(options_.screenshot_frame);
  if (settle_ > 0 || shot_due) {
    if (settle_ > 0) --settle_;
    got = SDL_PollEvent(&ev) == 1;
  } else {
    got = (timeout_ms < 0 ? SDL_WaitEvent(&ev) : SDL_WaitEventTimeout(&ev, timeout_ms)) == 1;
    in.timed_out = !got;
  }
  bool any = false;
  for (; got; got = SDL_PollEvent(&ev) == 1) {
    any = true;
    const Uint32 wake_type = g_wake_type.load();
    if (wake_type != 0 && ev.type == wake_type) {
      g_wake_pending = false;
      in.woken = true;
      continue;
    }
    ImGui_ImplSDL2_ProcessEvent(&ev);
    if (ev.type == SDL_QUIT) in.quit = true;
    if (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_CLOSE &&
        ev.window.windowID == SDL_GetWindowID(window_)) {
      in.quit = true;
    }
    if (ev.type == SDL_KEYDOWN && ev.key.keysym.sym == SDLK_F12 && !options_.screenshot_dir.empty()) {
      if (ev.key.repeat == 0) {
        request_screenshot(options_.screenshot_dir + "/wms-" + std::to_string(++f12_count_) + ".png");
      }
      continue;
    }
    in.events.push_back(ev);
  }
  if (any) settle_ = k_settle_frames;
  return in;
}

void Platform::begin_frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  ImGui::NewFrame();
}

void Platform::end_frame() {
  ImGui::Render();
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window_, &w, &h);
  glViewport(0, 0, w, h);
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  ++frames_;
  if (!options_.screenshot_path.empty() && frames_ == static_cast<std::uint64_t>(options_.screenshot_frame)) {
    pending_shot_ = options_.screenshot_path;
    if (options_.exit_after_screenshot) quit_after_ = true;
  }
  if (!pending_shot_.empty()) {
    if (write_framebuffer_png(pending_shot_, w, h)) SDL_Log("screenshot written to %s", pending_shot_.c_str());
    pending_shot_.clear();
  }
  SDL_GL_SwapWindow(window_);
}

void Platform::request_screenshot(std::string path) {
  pending_shot_ = std::move(path);
}

bool write_framebuffer_png(const std::string& path, int width, int height) {
  if (width <= 0 || height <= 0) return false;
  const std::size_t row = static_cast<std::size_t>(width) * 3;
  std::vector<unsigned char> pixels(row * static_cast<std::size_t>(height));
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // GL's first row is the bottom one; PNG's is the top one.
  std::vector<unsigned char> flipped(pixels.size());
  for (int y = 0; y < height; ++y) {
    std::memcpy(&flipped[static_cast<std::size_t>(y) * row], &pixels[static_cast<std::size_t>(height - 1 - y) * row],
                row);
  }
  if (stbi_write_png(path.c_str(), width, height, 3, flipped.data(), static_cast<int>(row)) == 0) {
    SDL_LogWarn(SDL_LOG_CATEGORY_APPLICATION, "screenshot: could not write %s", path.c_str());
    return false;
  }
  return true;
}

}  // namespace wms::term::view
