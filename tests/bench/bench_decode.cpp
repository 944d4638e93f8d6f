// wms_bench_decode: per-frame decode time of our camera path (FileFrameSource + Decoder) next to its floor, a bare
// ZXing ReadBarcodes of the same frame with the same hints, measured in the same run.
//
// Frame: 640x480 grey, a GS1-128 item label (01)(10)(17) at 2 px per module on a white label, on a grey gradient,
// uniform noise over everything; plus the same scene without the barcode (what a camera sees most of the time).
// Rows: the floor; Decoder::decode on the frame in memory (our wrapper's cost); the PNG load alone and PNG load +
// decode (the drop-folder path); for contrast, harder hints, Code 128 alone, the site formats without QR Code, and
// ZXing's default hints (all formats, harder). Median and p99 over --runs rounds (default 300) after 20 warm-up rounds,
// rows interleaved. Not a ctest test and nothing here passes or fails on time: only the correctness check (every decode
// of the label frame gives the expected text, none of the empty frame finds one) sets the exit code.
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/ZXVersion.h>
#include <stb_image_write.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "scan/decoder.hpp"
#include "scan/frame_source.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string k_label_text =
    "\xc3\xb1"
    "0104006381333931"
    "10ABC-12"
    "\xc3\xb1"
    "17251231";  // FNC1 = U+00F1
const std::string k_expected =
    "]C10104006381333931"
    "10ABC-12"
    "\x1d"
    "17251231";

struct Stats {
  double median_us = 0;
  double p99_us = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {  // nearest rank
    auto r = static_cast<std::size_t>(q * static_cast<double>(v.size()) + 0.999999);
    return v[std::clamp<std::size_t>(r, 1, v.size()) - 1];
  };
  return {rank(0.5), rank(0.99)};
}

struct Row {
  const char* name;
  std::function<bool()> fn;  // false when the result is wrong
  std::vector<double> us;
};

// Runs every row once per round, round after round, so that load from other processes on a shared machine falls on
// all rows alike; the order is shuffled each round so no row always runs in the cache state one other row leaves
// (a fixed cycle made the floor look slower than our wrapper around it). 20 warm-up rounds are not timed.
void measure(std::vector<Row>& rows, int runs, int* wrong) {
  std::vector<std::size_t> order(rows.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::mt19937 rng(12345);
  for (int i = -20; i < runs; ++i) {
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t k : order) {
      Row& row = rows[k];
      const auto a = Clock::now();
      const bool ok = row.fn();
      const auto b = Clock::now();
      *wrong += ok ? 0 : 1;
      if (i >= 0) row.us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    }
  }
}

wms::scan::Frame make_frame(bool with_label, unsigned seed) {
  constexpr int W = 640;
  constexpr int H = 480;
  wms::scan::Frame f;
  f.width = W;
  f.height = H;
  f.origin = "synthetic";
  f.lum.resize(static_cast<std::size_t>(W * H));
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x)
      f.lum[static_cast<std::size_t>(y * W + x)] = static_cast<std::uint8_t>(90 + x / 8 + y / 12);
  }
  if (with_label) {
    const ZXing::BitMatrix bm =
        ZXing::MultiFormatWriter(ZXing::BarcodeFormat::Code128).setMargin(0).encode(k_label_text, 0, 0);
    const int scale = 2;
    const int bar_h = 90;
    const int label_w = (bm.width() + 20) * scale;
    const int label_h = bar_h + 40;
    const int x0 = (W - label_w) / 2;
    const int y0 = (H - label_h) / 2;
    for (int y = 0; y < label_h; ++y) {
      for (int x = 0; x < label_w; ++x) f.lum[static_cast<std::size_t>((y0 + y) * W + x0 + x)] = 235;
    }
    for (int c = 0; c < bm.width(); ++c) {
      if (!bm.get(c, 0)) continue;
      for (int y = 0; y < bar_h; ++y) {
        for (int s = 0; s < scale; ++s) {
          f.lum[static_cast<std::size_t>((y0 + 20 + y) * W + x0 + (10 + c) * scale + s)] = 30;
        }
      }
    }
  }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-24, 24);
  for (auto& p : f.lum) p = static_cast<std::uint8_t>(std::clamp(p + noise(rng), 0, 255));
  return f;
}

bool has_expected(const std::vector<wms::scan::Decoded>& r) {
  return std::any_of(r.begin(), r.end(), [](const auto& d) { return d.text == k_expected; });
}

bool zxing_has_expected(const ZXing::Results& r) {
  return std::any_of(r.begin(), r.end(), [](const auto& x) { return x.isValid() && "]C1" + x.text() == k_expected; });
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 300;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      runs = 50;
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::printf("usage: %s [--runs N] [--quick]\n", argv[0]);
      return std::strcmp(argv[i], "--help") ? 2 : 0;
    }
  }

  const fs::path dir = fs::temp_directory_path() / ("wms_bench_decode_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const wms::scan::Decoder decoder;  // the site defaults: Code128, EAN-13, DataMatrix, QR Code
  const ZXing::DecodeHints defaults;
  ZXing::DecodeHints harder = decoder.hints();
  harder.setTryHarder(true).setMaxNumberOfSymbols(4);
  ZXing::DecodeHints code128_only = decoder.hints();
  code128_only.setFormats(ZXing::BarcodeFormat::Code128);
  ZXing::DecodeHints no_qr = decoder.hints();
  no_qr.setFormats(ZXing::BarcodeFormat::Code128 | ZXing::BarcodeFormat::EAN13 | ZXing::BarcodeFormat::DataMatrix);
  int wrong = 0;

  std::printf("wms_bench_decode: ZXing-cpp %d.%d.%d, %u hardware threads, %d rounds (+20 warm-up), rows interleaved\n",
              ZXING_VERSION_MAJOR, ZXING_VERSION_MINOR, ZXING_VERSION_PATCH, std::thread::hardware_concurrency(), runs);
  std::printf("Decoder hints: %s, tryHarder=%d tryRotate=%d tryDownscale=%d, max %d symbols\n",
              ZXing::ToString(decoder.hints().formats()).c_str(), decoder.hints().tryHarder(),
              decoder.hints().tryRotate(), decoder.hints().tryDownscale(), decoder.hints().maxNumberOfSymbols());

  for (const bool with_label : {true, false}) {
    const wms::scan::Frame frame = make_frame(with_label, 7);
    const fs::path png = dir / (with_label ? "label.png" : "empty.png");
    stbi_write_png(png.c_str(), frame.width, frame.height, 1, frame.lum.data(), frame.width);
    const ZXing::ImageView view(frame.lum.data(), frame.width, frame.height, ZXing::ImageFormat::Lum);
    // For the empty frame "right" means: nothing found.
    auto want = [&](bool found) { return found == with_label; };

    std::vector<Row> rows;
    rows.push_back({"floor: ZXing ReadBarcodes, same hints",
                    [&] { return want(zxing_has_expected(ZXing::ReadBarcodes(view, decoder.hints()))); },
                    {}});
    rows.push_back({"wms::scan::Decoder::decode (frame in memory)",
                    [&] { return want(has_expected(decoder.decode(frame))); },
                    {}});
    rows.push_back({"load_image (PNG -> grey) alone",
                    [&] { return wms::scan::load_image(png).lum.size() == frame.lum.size(); },
                    {}});
    rows.push_back({"FileFrameSource(png).next() + Decoder::decode",
                    [&] {
                      wms::scan::FileFrameSource source(png);
                      const auto f = source.next();
                      return f && want(has_expected(decoder.decode(*f)));
                    },
                    {}});
    rows.push_back({"contrast: same formats, tryHarder, 4 symbols",
                    [&] { return want(zxing_has_expected(ZXing::ReadBarcodes(view, harder))); },
                    {}});
    rows.push_back({"contrast: Code 128 only, same other hints",
                    [&] { return want(zxing_has_expected(ZXing::ReadBarcodes(view, code128_only))); },
                    {}});
    rows.push_back({"contrast: site formats without QR Code",
                    [&] { return want(zxing_has_expected(ZXing::ReadBarcodes(view, no_qr))); },
                    {}});
    rows.push_back({"contrast: ZXing default hints (all formats)",
                    [&] { return want(zxing_has_expected(ZXing::ReadBarcodes(view, defaults))); },
                    {}});
    measure(rows, runs, &wrong);

    std::printf("\n%s\n", with_label ? "640x480 frame with a GS1-128 label (01)(10)(17), noise +-24"
                                     : "640x480 frame without a barcode (same gradient and noise)");
    std::printf("  %-50s %11s %11s %9s\n", "path", "median us", "p99 us", "x floor");
    const double floor_us = stats(rows[0].us).median_us;
    for (const auto& row : rows) {
      const Stats s = stats(row.us);
      std::printf("  %-50s %11.1f %11.1f %9.2f\n", row.name, s.median_us, s.p99_us, s.median_us / floor_us);
    }
  }

  std::error_code ec;
  fs::remove_all(dir, ec);
  if (wrong) {
    std::printf("\nFAILED: %d decodes gave a wrong result\n", wrong);
    return 1;
  }
  std::printf("\nall decodes correct\n");
  return 0;
}
