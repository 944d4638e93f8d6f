// Where camera-style scans come from: 8-bit grey frames from image files, a "drop images here" folder, or a V4L2
// camera. No decoding here (decoder.hpp) and no UI. A source must never hand out a frame whose lum size is not
// width * height.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wms::scan {

struct Frame {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> lum;  // width * height bytes, row-major, 0 = black
  std::string origin;             // file path or "/dev/video0#123", for messages and logs
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next frame, or nullopt when none is ready now (a folder may get new files, a camera may time out).
  virtual std::optional<Frame> next() = 0;
  // True once the source can never give another frame (a single image after it was taken).
  virtual bool finished() const { return false; }
  // Why the last frame was not produced ("could not read scans/a.png: ..."); empty if nothing went wrong. next()
  // clears it.
  const std::string& last_error() const { return last_error_; }

 protected:
  std::string last_error_;
};

// Decodes an image file (png, jpg/jpeg, bmp, pgm; any colour depth) to 8-bit grey. Throws std::runtime_error
// with the path and stb_image's reason when the file is missing or not a readable image.
Frame load_image(const std::filesystem::path& path);

// A single image file (yields it once), or a folder polled on every next(): files sorted by name, each yielded
// once; a file rewritten later (other size or time) counts as new. Hidden files (".name") are ignored, so a
// writer can drop "scan.png" atomically as ".scan.png.tmp" then rename. An unreadable file in a folder is skipped
// with last_error() set, and retried only when it changes (a half-written file gets its chance).
// Throws std::runtime_error at construction when the path does not exist, is neither file nor folder, or (single
// file) is not a readable image.
class FileFrameSource : public FrameSource {
 public:
  explicit FileFrameSource(std::filesystem::path path);
  std::optional<Frame> next() override;
  bool finished() const override { return single_ && taken_; }

 private:
  struct Stamp {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
    bool operator==(const Stamp&) const = default;
  };

  std::filesystem::path path_;
  bool single_ = false;
  bool taken_ = false;
  std::optional<Frame> single_frame_;
  std::map<std::string, Stamp> seen_;  // file name -> what it looked like when yielded or found unreadable
};

// Live camera through Video4Linux2 (Linux only): mmap streaming, YUYV or GREY, Y taken as luminance. Throws
// std::runtime_error at construction with a clear message when the device does not exist, is not a capture
// device, or cannot stream either format. next() waits at most timeout_ms for a frame: call it off the UI thread.
// NOT TESTED in CI: the build machine has no camera. It only uses the plain V4L2 calls every UVC webcam supports.
class V4l2FrameSource : public FrameSource {
 public:
  V4l2FrameSource(std::string device, int width, int height, int timeout_ms = 100);
  ~V4l2FrameSource() override;
  V4l2FrameSource(const V4l2FrameSource&) = delete;
  V4l2FrameSource& operator=(const V4l2FrameSource&) = delete;

  std::optional<Frame> next() override;

 private:
  struct Buffer {
    void* start = nullptr;
    std::size_t length = 0;
  };
  void close_all() noexcept;

  std::string device_;
  int fd_ = -1;
  int timeout_ms_ = 100;
  int width_ = 0;
  int height_ = 0;
  int bytes_per_line_ = 0;
  bool yuyv_ = true;
  bool streaming_ = false;
  std::uint64_t count_ = 0;
  std::vector<Buffer> buffers_;
};

}  // namespace wms::scan
