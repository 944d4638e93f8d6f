// Image files, drop folders and V4L2 cameras as grey frames (see frame_source.hpp). It must never yield a frame whose
// size does not match its pixels, and never define STB_IMAGE_IMPLEMENTATION (libstb carries it).
#include "scan/frame_source.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stb_image.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace wms::scan {
namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm";
}

}  // namespace

Frame load_image(const fs::path& path) {
  int w = 0;
  int h = 0;
  int channels_in_file = 0;
  // desired_channels = 1: stb converts any colour image to grey (its luma weights), so every format arrives alike.
  stbi_uc* pixels = stbi_load(path.c_str(), &w, &h, &channels_in_file, 1);
  if (!pixels) {
    std::error_code ec;
    const std::string why = fs::exists(path, ec) ? stbi_failure_reason() : "no such file";
    throw std::runtime_error("could not read image " + path.string() + ": " + why);
  }
  Frame f;
  f.width = w;
  f.height = h;
  f.lum.assign(pixels, pixels + static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
  f.origin = path.string();
  stbi_image_free(pixels);
  return f;
}

FileFrameSource::FileFrameSource(fs::path path) : path_(std::move(path)) {
  std::error_code ec;
  const auto st = fs::status(path_, ec);
  if (ec || !fs::exists(st)) throw std::runtime_error("scan image source " + path_.string() + " does not exist");
  if (fs::is_regular_file(st)) {
    single_ = true;
    single_frame_ = load_image(path_);
  } else if (!fs::is_directory(st)) {
    throw std::runtime_error("scan image source " + path_.string() + " is neither a file nor a folder");
  }
}

std::optional<Frame> FileFrameSource::next() {
  last_error_.clear();
  if (single_) {
    if (taken_) return std::nullopt;
    taken_ = true;
    return std::move(single_frame_);
  }

  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (name.empty() || name[0] == '.' || !is_image_name(p)) continue;
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    files.push_back(p);
  }
  if (ec) {
    last_error_ = "could not list " + path_.string() + ": " + ec.message();
    return std::nullopt;
  }
  std::sort(files.begin(), files.end());

  for (const auto& p : files) {
    std::error_code size_ec;
    std::error_code time_ec;
    const Stamp stamp{fs::file_size(p, size_ec), fs::last_write_time(p, time_ec)};
    if (size_ec || time_ec) continue;  // vanished between listing and now
    const std::string name = p.filename().string();
    const auto it = seen_.find(name);
    if (it != seen_.end() && it->second == stamp) continue;
    seen_[name] = stamp;
    try {
      return load_image(p);
    } catch (const std::exception& e) {
      last_error_ = e.what();  // skip it; a later change of the file gives it another chance
    }
  }
  return std::nullopt;
}

// ---- V4L2 ---------------------------------------------------------------------------------------------------------

namespace {

int xioctl(int fd, unsigned long request, void* arg) {
  int r = 0;
  do {
    r = ioctl(fd, request, arg);
  } while (r == -1 && errno == EINTR);
  return r;
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

V4l2FrameSource::V4l2FrameSource(std::string device, int width, int height, int timeout_ms)
    : device_(std::move(device)), timeout_ms_(timeout_ms) {
  auto fail = [&](const std::string& what) {
    const std::string msg = "camera " + device_ + ": " + what;
    close_all();
    throw std::runtime_error(msg);
  };

  fd_ = ::open(device_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOENT) fail("no such device (is a camera connected? try --camera /dev/video1)");
    fail("cannot open: " + errno_text());
  }

  v4l2_capability cap{};
  if (xioctl(fd_, VIDIOC_QUERYCAP, &cap) == -1) fail("not a V4L2 device: " + errno_text());
  const std::uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) fail("is not a video capture device (a metadata node? try the next one)");
  if (!(caps & V4L2_CAP_STREAMING)) fail("cannot stream (no mmap I/O)");

  // YUYV is what nearly every UVC webcam offers; GREY covers industrial mono cameras. Either way Y is luminance.
  v4l2_format fmt{};
  bool ok = false;
  for (std::uint32_t pixfmt : {V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_GREY}) {
    fmt = {};
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = static_cast<std::uint32_t>(width);
    fmt.fmt.pix.height = static_cast<std::uint32_t>(height);
    fmt.fmt.pix.pixelformat = pixfmt;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    if (xioctl(fd_, VIDIOC_S_FMT, &fmt) == 0 && fmt.fmt.pix.pixelformat == pixfmt) {
      ok = true;
      break;
    }
  }
  if (!ok) fail("offers neither YUYV nor GREY frames");
  yuyv_ = fmt.fmt.pix.pixelformat == V4L2_PIX_FMT_YUYV;
  width_ = static_cast<int>(fmt.fmt.pix.width);  // the driver may pick the nearest size it has
  height_ = static_cast<int>(fmt.fmt.pix.height);
  const int min_line = width_ * (yuyv_ ? 2 : 1);
  bytes_per_line_ = std::max(static_cast<int>(fmt.fmt.pix.bytesperline), min_line);

  v4l2_requestbuffers req{};
  req.count = 4;
  req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  req.memory = V4L2_MEMORY_MMAP;
  if (xioctl(fd_, VIDIOC_REQBUFS, &req) == -1 || req.count < 2) fail("cannot get mmap buffers: " + errno_text());

  for (std::uint32_t i = 0; i < req.count; ++i) {
    v4l2_buffer buf{};
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = i;
    if (xioctl(fd_, VIDIOC_QUERYBUF, &buf) == -1) fail("VIDIOC_QUERYBUF: " + errno_text());
    void* start = mmap(nullptr, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, buf.m.offset);
    if (start == MAP_FAILED) fail("mmap: " + errno_text());
    buffers_.push_back(Buffer{start, buf.length});
    if (xioctl(fd_, VIDIOC_QBUF, &buf) == -1) fail("VIDIOC_QBUF: " + errno_text());
  }
  v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (xioctl(fd_, VIDIOC_STREAMON, &type) == -1) fail("cannot start streaming: " + errno_text());
  streaming_ = true;
}

V4l2FrameSource::~V4l2FrameSource() {
  close_all();
}

void V4l2FrameSource::close_all() noexcept {
  if (fd_ >= 0 && streaming_) {
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    xioctl(fd_, VIDIOC_STREAMOFF, &type);
  }
  streaming_ = false;
  for (const auto& b : buffers_) munmap(b.start, b.length);
  buffers_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::optional<Frame> V4l2FrameSource::next() {
  last_error_.clear();
  if (fd_ < 0) {
    last_error_ = "camera " + device_ + " is closed";
    return std::nullopt;
  }
  pollfd pfd{fd_, POLLIN, 0};
  const int r = poll(&pfd, 1, timeout_ms_);
  if (r == 0) return std::nullopt;  // no frame yet
  if (r < 0) {
    if (errno != EINTR) last_error_ = "camera " + device_ + ": poll: " + errno_text();
    return std::nullopt;
  }
  v4l2_buffer buf{};
  buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  buf.memory = V4L2_MEMORY_MMAP;
  if (xioctl(fd_, VIDIOC_DQBUF, &buf) == -1) {
    if (errno != EAGAIN) last_error_ = "camera " + device_ + ": " + errno_text() + " (unplugged?)";
    return std::nullopt;
  }
  std::optional<Frame> out;
  const std::size_t need = static_cast<std::size_t>(bytes_per_line_) * static_cast<std::size_t>(height_);
  if (buf.index < buffers_.size() && buf.bytesused >= need && buffers_[buf.index].length >= need) {
    const auto* src = static_cast<const std::uint8_t*>(buffers_[buf.index].start);
    Frame f;
    f.width = width_;
    f.height = height_;
    f.lum.resize(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_));
    const int step = yuyv_ ? 2 : 1;  // YUYV: Y0 U Y1 V, so every other byte is a Y sample
    for (int y = 0; y < height_; ++y) {
      const std::uint8_t* row = src + static_cast<std::size_t>(y) * static_cast<std::size_t>(bytes_per_line_);
      std::uint8_t* dst = f.lum.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width_);
      for (int x = 0; x < width_; ++x) dst[x] = row[x * step];
    }
    f.origin = device_ + "#" + std::to_string(++count_);
    out = std::move(f);
  } else {
    last_error_ = "camera " + device_ + ": short frame (" + std::to_string(buf.bytesused) + " bytes)";
  }
  if (xioctl(fd_, VIDIOC_QBUF, &buf) == -1) last_error_ = "camera " + device_ + ": requeue: " + errno_text();
  return out;
}

}  // namespace wms::scan
