// The X11 id of an SDL window (0 when not on X11). In a file of its own: <SDL_syswm.h> includes Xlib, whose
// macros (Status, Screen, None, Success) break any other header included after it.
#include <SDL.h>
#include <SDL_syswm.h>

unsigned long x11_window_id(SDL_Window* window) {
  SDL_SysWMinfo wm;
  SDL_VERSION(&wm.version);
  if (!window || !SDL_GetWindowWMInfo(window, &wm) || wm.subsystem != SDL_SYSWM_X11) return 0;
  return static_cast<unsigned long>(wm.info.x11.window);
}
