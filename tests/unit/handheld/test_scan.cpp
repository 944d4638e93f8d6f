// Unit tests for handheld/scan: barcodes written with ZXing (and a test-only GS1 DataMatrix writer) go to PNG files,
// come back through FileFrameSource and Decoder, and their GS1 content through wms::gs1::parse with exact values;
// plus the keyboard-wedge assembler. Must never need a camera, a display or the network.
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <stb/stb_image_write.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scan/decoder.hpp"
#include "scan/frame_source.hpp"
#include "scan/wedge.hpp"
#include "wms/shared/gs1.hpp"
#include "wms/shared/gtin.hpp"

namespace fs = std::filesystem;
using wms::scan::Decoded;
using wms::scan::Decoder;
using wms::scan::FileFrameSource;
using wms::scan::Frame;
using wms::scan::WedgeAssembler;
using wms::scan::WedgeStatus;

namespace {

const std::string GS(1, '\x1d');
const std::string FNC1 = "\xc3\xb1";  // U+00F1 in UTF-8: ZXing's Code 128 writer turns it into FNC1
const std::string k_gtin = "04006381333931";
const std::string k_gtin_case = "10012345678902";
const std::string k_sscc = "340123451234567895";

// A folder under the system temp dir, removed with everything in it at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("wms_scan_test_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(++counter) + "_" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> px;  // grey, 255 = white
};

// Modules (true = dark) to pixels: `scale` px per module, a quiet zone of `quiet` modules, linear codes (one row of
// modules) drawn `bar_px` high.
Image draw(const std::vector<bool>& dark, int cols, int rows, int scale, int quiet, int bar_px = 0) {
  const int row_px = rows == 1 ? bar_px : scale;
  Image img;
  img.width = (cols + 2 * quiet) * scale;
  img.height = rows * row_px + 2 * quiet * scale;
  img.px.assign(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height), 255);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (!dark[static_cast<std::size_t>(r * cols + c)]) continue;
      for (int y = 0; y < row_px; ++y) {
        for (int x = 0; x < scale; ++x) {
          const int py = quiet * scale + r * row_px + y;
          const int px = (quiet + c) * scale + x;
          img.px[static_cast<std::size_t>(py) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(px)] = 0;
        }
      }
    }
  }
  return img;
}

Image zxing_image(ZXing::BarcodeFormat format, const std::string& text, int scale = 3) {
  const ZXing::BitMatrix bm = ZXing::MultiFormatWriter(format).setMargin(0).encode(text, 0, 0);
  std::vector<bool> dark;
  for (int y = 0; y < bm.height(); ++y) {
    for (int x = 0; x < bm.width(); ++x) dark.push_back(bm.get(x, y));
  }
  return draw(dark, bm.width(), bm.height(), scale, 10, 80);
}

// ---- test-only GS1 DataMatrix writer ------------------------------------------------------------------------------
// ZXing-cpp 1.4 cannot write FNC1 into a DataMatrix (zxing-cpp issue #403), so a GS1 DataMatrix is built here from
// ISO/IEC 16022: ECC 200, ASCII encodation (digit pairs as 130+nn, FNC1 = codeword 232), square symbols 10x10 to
// 26x26 (one data region), Reed-Solomon over GF(256) with polynomial 301 and generator roots a^1..a^n, and the module
// placement of annex F. '\x1d' in `data` stands for FNC1.
struct DmSize {
  int size, data, ecc;
};
constexpr std::array<DmSize, 9> k_dm_sizes{{{10, 3, 5},
                                            {12, 5, 7},
                                            {14, 8, 10},
                                            {16, 12, 12},
                                            {18, 18, 14},
                                            {20, 22, 18},
                                            {22, 30, 20},
                                            {24, 36, 24},
                                            {26, 44, 28}}};

std::vector<int> dm_reed_solomon(const std::vector<int>& data, int n) {
  std::array<int, 512> exp{};
  std::array<int, 256> log{};
  for (int i = 0, x = 1; i < 255; ++i) {
    exp[static_cast<std::size_t>(i)] = x;
    log[static_cast<std::size_t>(x)] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x12d;
  }
  for (std::size_t i = 255; i < 512; ++i) exp[i] = exp[i - 255];
  auto mul = [&](int a, int b) {
    return (a && b) ? exp[static_cast<std::size_t>(log[static_cast<std::size_t>(a)] + log[static_cast<std::size_t>(b)])]
                    : 0;
  };
  std::vector<int> g{1};  // generator polynomial, highest degree first
  for (int i = 1; i <= n; ++i) {
    std::vector<int> next(g.size() + 1, 0);
    for (std::size_t k = 0; k < g.size(); ++k) {
      next[k] ^= g[k];
      next[k + 1] ^= mul(g[k], exp[static_cast<std::size_t>(i)]);
    }
    g = next;
  }
  std::vector<int> rem(static_cast<std::size_t>(n), 0);  // LFSR division: data * x^n mod g
  for (int d : data) {
    const int f = d ^ rem[0];
    rem.erase(rem.begin());
    rem.push_back(0);
    for (std::size_t j = 0; j < rem.size(); ++j) rem[j] ^= mul(g[j + 1], f);
  }
  return rem;
}

Image gs1_datamatrix_image(const std::string& data, int scale = 6) {
  std::vector<int> cw;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c == 0x1d) {
      cw.push_back(232);
    } else if (i + 1 < data.size() && std::isdigit(c) && std::isdigit(static_cast<unsigned char>(data[i + 1]))) {
      cw.push_back(130 + (c - '0') * 10 + (data[i + 1] - '0'));
      ++i;
    } else {
      cw.push_back(c + 1);
    }
  }
  const DmSize* sz = nullptr;
  for (const auto& s : k_dm_sizes) {
    if (static_cast<int>(cw.size()) <= s.data) {
      sz = &s;
      break;
    }
  }
  if (!sz) throw std::length_error("too much data for the test DataMatrix writer");
  if (static_cast<int>(cw.size()) < sz->data) cw.push_back(129);  // first pad, then the 253-state randomised pads
  while (static_cast<int>(cw.size()) < sz->data) {
    const int pos = static_cast<int>(cw.size()) + 1;
    int v = 129 + ((149 * pos) % 253) + 1;
    cw.push_back(v > 254 ? v - 254 : v);
  }
  const auto ecc = dm_reed_solomon(cw, sz->ecc);
  cw.insert(cw.end(), ecc.begin(), ecc.end());

  const int nrow = sz->size - 2;
  const int ncol = sz->size - 2;
  std::vector<int> cell(static_cast<std::size_t>(nrow * ncol), 0);  // 10 * codeword number + bit, 1 = fixed dark
  auto at = [&](int r, int c) -> int& { return cell[static_cast<std::size_t>(r * ncol + c)]; };
  auto module = [&](int r, int c, int chr, int bit) {
    if (r < 0) {
      r += nrow;
      c += 4 - ((nrow + 4) % 8);
    }
    if (c < 0) {
      c += ncol;
      r += 4 - ((ncol + 4) % 8);
    }
    at(r, c) = 10 * chr + bit;
  };
  auto place = [&](std::initializer_list<std::pair<int, int>> rc, int chr) {
    int bit = 1;
    for (const auto& [r, c] : rc) module(r, c, chr, bit++);
  };
  auto utah = [&](int r, int c, int chr) {
    place({{r - 2, c - 2}, {r - 2, c - 1}, {r - 1, c - 2}, {r - 1, c - 1}, {r - 1, c}, {r, c - 2}, {r, c - 1}, {r, c}},
          chr);
  };
  const int R = nrow;
  const int C = ncol;
  int chr = 1;
  int r = 4;
  int c = 0;
  do {
    if (r == R && c == 0) {
      place({{R - 1, 0}, {R - 1, 1}, {R - 1, 2}, {0, C - 2}, {0, C - 1}, {1, C - 1}, {2, C - 1}, {3, C - 1}}, chr++);
    }
    if (r == R - 2 && c == 0 && C % 4) {
      place({{R - 3, 0}, {R - 2, 0}, {R - 1, 0}, {0, C - 4}, {0, C - 3}, {0, C - 2}, {0, C - 1}, {1, C - 1}}, chr++);
    }
    if (r == R - 2 && c == 0 && C % 8 == 4) {
      place({{R - 3, 0}, {R - 2, 0}, {R - 1, 0}, {0, C - 2}, {0, C - 1}, {1, C - 1}, {2, C - 1}, {3, C - 1}}, chr++);
    }
    if (r == R + 4 && c == 2 && !(C % 8)) {
      place({{R - 1, 0}, {R - 1, C - 1}, {0, C - 3}, {0, C - 2}, {0, C - 1}, {1, C - 3}, {1, C - 2}, {1, C - 1}},
            chr++);
    }
    do {
      if (r < R && c >= 0 && !at(r, c)) utah(r, c, chr++);
      r -= 2;
      c += 2;
    } while (r >= 0 && c < C);
    r += 1;
    c += 3;
    do {
      if (r >= 0 && c < C && !at(r, c)) utah(r, c, chr++);
      r += 2;
      c -= 2;
    } while (r < R && c >= 0);
    r += 3;
    c += 1;
  } while (r < R || c < C);
  if (!at(R - 1, C - 1)) at(R - 1, C - 1) = at(R - 2, C - 2) = 1;

  const int n = sz->size;
  std::vector<bool> dark(static_cast<std::size_t>(n * n));
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      bool d = false;
      if (x == 0 || y == n - 1) {
        d = true;  // solid "L" finder
      } else if (y == 0) {
        d = x % 2 == 0;  // clock track
      } else if (x == n - 1) {
        d = y % 2 == 1;
      } else {
        const int v = at(y - 1, x - 1);
        d = v == 1 || (v >= 10 && ((cw[static_cast<std::size_t>(v / 10 - 1)] >> (8 - v % 10)) & 1));
      }
      dark[static_cast<std::size_t>(y * n + x)] = d;
    }
  }
  return draw(dark, n, n, scale, 4);
}

fs::path write_png(const fs::path& path, const Image& img) {
  REQUIRE(stbi_write_png(path.c_str(), img.width, img.height, 1, img.px.data(), img.width) != 0);
  return path;
}

// One image file through the whole camera path: FileFrameSource -> Decoder.
std::vector<Decoded> scan_file(const fs::path& path, const Decoder& decoder = Decoder{}) {
  FileFrameSource source(path);
  auto frame = source.next();
  REQUIRE(frame.has_value());
  CHECK(source.finished());
  CHECK_FALSE(source.next().has_value());
  return decoder.decode(*frame);
}

std::vector<wms::scan::WedgeScan> drain(WedgeAssembler& w) {
  std::vector<wms::scan::WedgeScan> out;
  while (auto s = w.take()) out.push_back(std::move(*s));
  return out;
}

void type(WedgeAssembler& w, std::string_view text) {  // one key event per character, as SDL delivers a wedge
  for (char c : text) w.feed_text(std::string_view(&c, 1));
}

}  // namespace

// ---- ZXing round trips --------------------------------------------------------------------------------------------

TEST_CASE("scan: an EAN-13 of a GTIN read from a PNG file gives the 13 digits and normalises to the GTIN-14",
          "[scan]") {
  TempDir dir;
  const auto path = write_png(dir.path / "ean13.png", zxing_image(ZXing::BarcodeFormat::EAN13, "4006381333931"));
  const auto results = scan_file(path);
  REQUIRE(results.size() == 1);
  CHECK(results[0].text == "4006381333931");
  CHECK(results[0].format == "EAN-13");
  CHECK(results[0].symbology_id == "]E0");
  CHECK_FALSE(results[0].gs1);
  CHECK(wms::gtin::normalize(results[0].text) == k_gtin);
  CHECK_FALSE(wms::gs1::looks_like_gs1(results[0].text));
}

TEST_CASE("scan: a GS1-128 pallet label (00)(02)(37) decodes to GS1 text (symbology id C1) that parses to SSCC, content GTIN and count",
          "[scan]") {
  TempDir dir;
  const auto path = write_png(dir.path / "sscc.png", zxing_image(ZXing::BarcodeFormat::Code128,
                                                                 FNC1 + "00" + k_sscc + "02" + k_gtin_case + "3712"));
  const auto results = scan_file(path);
  REQUIRE(results.size() == 1);
  CHECK(results[0].gs1);
  CHECK(results[0].symbology_id == "]C1");
  CHECK(results[0].format == "Code128");
  CHECK(results[0].text == "]C100" + k_sscc + "02" + k_gtin_case + "3712");
  const auto p = wms::gs1::parse(results[0].text);
  REQUIRE(p.ok());
  CHECK(p.parsed->sscc == k_sscc);
  CHECK(p.parsed->gtin == k_gtin_case);
  CHECK(p.parsed->gtin_from_02);
  CHECK(p.parsed->count == 12);
}

TEST_CASE("scan: a GS1-128 item label (01)(10)(17) keeps the GS after the batch and parses exactly", "[scan]") {
  TempDir dir;
  const auto path =
      write_png(dir.path / "item.png",
                zxing_image(ZXing::BarcodeFormat::Code128, FNC1 + "01" + k_gtin + "10ABC-12" + FNC1 + "17251231"));
  const auto results = scan_file(path);
  REQUIRE(results.size() == 1);
  CHECK(results[0].text == "]C101" + k_gtin + "10ABC-12" + GS + "17251231");
  const auto p = wms::gs1::parse(results[0].text);
  REQUIRE(p.ok());
  CHECK(p.parsed->gtin == k_gtin);
  CHECK(p.parsed->batch == "ABC-12");
  CHECK(p.parsed->expiry == "251231");
  CHECK(p.parsed->elements.size() == 3);
}

TEST_CASE("scan: a GS1 DataMatrix decodes to GS1 text (symbology id d2) with GS separators that parses exactly", "[scan]") {
  TempDir dir;
  const std::string data = GS + "01" + k_gtin + "21SN-0042" + GS + "10L7" + GS + "3103001250" + "17260200";
  const auto path = write_png(dir.path / "dm.png", gs1_datamatrix_image(data));
  const auto results = scan_file(path);
  REQUIRE(results.size() == 1);
  CHECK(results[0].gs1);
  CHECK(results[0].format == "DataMatrix");
  CHECK(results[0].symbology_id == "]d2");
  CHECK(results[0].text == "]d201" + k_gtin + "21SN-0042" + GS + "10L7" + GS + "3103001250" + "17260200");
  const auto p = wms::gs1::parse(results[0].text);
  REQUIRE(p.ok());
  CHECK(p.parsed->gtin == k_gtin);
  CHECK(p.parsed->serial == "SN-0042");
  CHECK(p.parsed->batch == "L7");
  CHECK(p.parsed->net_weight_g() == 1250);
  CHECK(p.parsed->expiry == "260200");
}

TEST_CASE("scan: a DataMatrix that only starts with a GS character is not GS1 to ZXing but still parses", "[scan]") {
  TempDir dir;
  const auto path =
      write_png(dir.path / "dm_gs.png", zxing_image(ZXing::BarcodeFormat::DataMatrix, GS + "01" + k_gtin + "10B1", 6));
  const auto results = scan_file(path);
  REQUIRE(results.size() == 1);
  CHECK_FALSE(results[0].gs1);
  CHECK(results[0].symbology_id == "]d1");
  CHECK(results[0].text == GS + "01" + k_gtin + "10B1");
  CHECK(wms::gs1::looks_like_gs1(results[0].text));
  const auto p = wms::gs1::parse(results[0].text);
  REQUIRE(p.ok());
  CHECK(p.parsed->batch == "B1");
}

TEST_CASE("scan: a QR location label comes back as plain text that is not taken for GS1", "[scan]") {
  TempDir dir;
  const auto path = write_png(dir.path / "loc.png", zxing_image(ZXing::BarcodeFormat::QRCode, "LOC-A01-01-A", 6));
  const auto results = scan_file(path);
  REQUIRE(results.size() == 1);
  CHECK(results[0].text == "LOC-A01-01-A");
  CHECK(results[0].format == "QRCode");
  CHECK_FALSE(results[0].gs1);
  CHECK_FALSE(wms::gs1::looks_like_gs1(results[0].text));
}

TEST_CASE("scan: an RGB colour PNG is loaded as grey and decodes", "[scan]") {
  TempDir dir;
  const Image grey = zxing_image(ZXing::BarcodeFormat::Code128, "TOTE-07");
  std::vector<std::uint8_t> rgb;
  for (auto v : grey.px) {  // dark blue bars on a cream background
    rgb.push_back(v ? 250 : 20);
    rgb.push_back(v ? 240 : 30);
    rgb.push_back(v ? 220 : 120);
  }
  const auto path = dir.path / "rgb.png";
  REQUIRE(stbi_write_png(path.c_str(), grey.width, grey.height, 3, rgb.data(), grey.width * 3) != 0);
  const Frame f = wms::scan::load_image(path);
  CHECK(f.width == grey.width);
  CHECK(f.height == grey.height);
  CHECK(f.lum.size() == grey.px.size());
  CHECK(f.origin == path.string());
  const auto results = Decoder{}.decode(f);
  REQUIRE(results.size() == 1);
  CHECK(results[0].text == "TOTE-07");
  CHECK(results[0].symbology_id == "]C0");
}

TEST_CASE("scan: one frame with two labels yields one by default, both on request, and only formats asked for",
          "[scan]") {
  const Image a = zxing_image(ZXing::BarcodeFormat::Code128, "TOTE-07");
  const Image b = zxing_image(ZXing::BarcodeFormat::QRCode, "LOC-A01-01-A", 6);
  Frame f;
  f.width = a.width + b.width;
  f.height = std::max(a.height, b.height);
  f.lum.assign(static_cast<std::size_t>(f.width) * static_cast<std::size_t>(f.height), 255);
  auto blit = [&](const Image& img, int x0) {
    for (int y = 0; y < img.height; ++y) {
      for (int x = 0; x < img.width; ++x) {
        f.lum[static_cast<std::size_t>(y * f.width + x0 + x)] = img.px[static_cast<std::size_t>(y * img.width + x)];
      }
    }
  };
  blit(a, 0);
  blit(b, a.width);

  CHECK(Decoder{}.decode(f).size() == 1);  // by default the first symbol found, like an aimed scanner

  wms::scan::DecoderOptions all;
  all.max_symbols = 4;
  std::set<std::string> texts;
  for (const auto& d : Decoder{all}.decode(f)) texts.insert(d.text);
  CHECK(texts == std::set<std::string>{"TOTE-07", "LOC-A01-01-A"});

  wms::scan::DecoderOptions only128 = all;
  only128.formats = ZXing::BarcodeFormat::Code128;
  const auto r = Decoder{only128}.decode(f);
  REQUIRE(r.size() == 1);
  CHECK(r[0].text == "TOTE-07");
}

TEST_CASE("scan: a blank frame decodes to nothing and a frame of the wrong size is refused", "[scan]") {
  Frame blank{64, 48, std::vector<std::uint8_t>(64 * 48, 255), "blank"};
  CHECK(Decoder{}.decode(blank).empty());
  Frame bad{64, 48, std::vector<std::uint8_t>(10), "bad"};
  CHECK_THROWS_AS(Decoder{}.decode(bad), std::invalid_argument);
  Frame empty{};
  CHECK_THROWS_AS(Decoder{}.decode(empty), std::invalid_argument);
}

TEST_CASE("scan: site format lists parse, unknown names are refused with a message", "[scan]") {
  std::string err;
  const auto f = wms::scan::parse_formats("code128, EAN-13,datamatrix|qrcode", &err);
  REQUIRE(f.has_value());
  CHECK(*f == (ZXing::BarcodeFormat::Code128 | ZXing::BarcodeFormat::EAN13 | ZXing::BarcodeFormat::DataMatrix |
               ZXing::BarcodeFormat::QRCode));
  CHECK(wms::scan::parse_formats("itf,ean8,upca", &err).has_value());
  CHECK_FALSE(wms::scan::parse_formats("code128,bogus", &err).has_value());
  CHECK(err.find("bogus") != std::string::npos);
  CHECK_FALSE(wms::scan::parse_formats("", &err).has_value());
}

// ---- file and folder sources --------------------------------------------------------------------------------------

TEST_CASE("scan: a folder source yields each image once in name order and picks up files dropped later", "[scan]") {
  TempDir dir;
  write_png(dir.path / "b.png", zxing_image(ZXing::BarcodeFormat::Code128, "TOTE-02"));
  write_png(dir.path / "a.png", zxing_image(ZXing::BarcodeFormat::Code128, "TOTE-01"));
  std::ofstream(dir.path / "notes.txt") << "not an image";
  write_png(dir.path / ".c.png.tmp", zxing_image(ZXing::BarcodeFormat::Code128, "TOTE-HIDDEN"));

  FileFrameSource source(dir.path);
  const Decoder decoder;
  auto text_of = [&](const std::optional<Frame>& f) {
    REQUIRE(f.has_value());
    const auto r = decoder.decode(*f);
    REQUIRE(r.size() == 1);
    return r[0].text;
  };
  CHECK(text_of(source.next()) == "TOTE-01");
  CHECK(text_of(source.next()) == "TOTE-02");
  CHECK_FALSE(source.next().has_value());
  CHECK_FALSE(source.finished());
  CHECK(source.last_error().empty());

  // Dropped atomically: written hidden, then renamed.
  write_png(dir.path / ".d.png.tmp", zxing_image(ZXing::BarcodeFormat::QRCode, "LOC-A01-01-A", 6));
  fs::rename(dir.path / ".d.png.tmp", dir.path / "d.PNG");
  const auto d = source.next();
  REQUIRE(d.has_value());
  CHECK(d->origin == (dir.path / "d.PNG").string());
  CHECK(text_of(d) == "LOC-A01-01-A");
  CHECK_FALSE(source.next().has_value());
}

TEST_CASE("scan: an unreadable image in a folder is skipped with a message and retried once it changes", "[scan]") {
  TempDir dir;
  std::ofstream(dir.path / "a.png") << "half a png";
  write_png(dir.path / "b.png", zxing_image(ZXing::BarcodeFormat::Code128, "TOTE-07"));
  FileFrameSource source(dir.path);
  const auto f = source.next();
  REQUIRE(f.has_value());
  CHECK(f->origin == (dir.path / "b.png").string());
  CHECK(source.last_error().find("a.png") != std::string::npos);
  CHECK_FALSE(source.next().has_value());
  CHECK(source.last_error().empty());  // not reported again while unchanged

  write_png(dir.path / "a.png", zxing_image(ZXing::BarcodeFormat::Code128, "TOTE-08"));
  const auto again = source.next();
  REQUIRE(again.has_value());
  CHECK(Decoder{}.decode(*again).at(0).text == "TOTE-08");
}

TEST_CASE("scan: a missing path or an unreadable single file fails at construction naming the path", "[scan]") {
  TempDir dir;
  try {
    FileFrameSource s(dir.path / "nope");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("nope") != std::string::npos);
    CHECK(std::string(e.what()).find("does not exist") != std::string::npos);
  }
  std::ofstream(dir.path / "junk.jpg") << "no jpeg here";
  try {
    FileFrameSource s(dir.path / "junk.jpg");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("junk.jpg") != std::string::npos);
  }
  CHECK_THROWS_AS(wms::scan::load_image(dir.path / "missing.png"), std::runtime_error);
}

TEST_CASE("scan: a camera device that does not exist fails with a clear message", "[scan]") {
  try {
    wms::scan::V4l2FrameSource cam("/dev/video-wms-test-none", 640, 480);
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) ==
          "camera /dev/video-wms-test-none: no such device (is a camera connected? try --camera /dev/video1)");
  }
  // A file that is not a V4L2 device.
  TempDir dir;
  std::ofstream(dir.path / "video0") << "x";
  CHECK_THROWS_AS(wms::scan::V4l2FrameSource((dir.path / "video0").string(), 640, 480), std::runtime_error);
}

// ---- keyboard wedge -----------------------------------------------------------------------------------------------

TEST_CASE("wedge: keys typed one by one become a scan when Enter comes", "[scan][wedge]") {
  WedgeAssembler w;
  type(w, "LOC-A01-01-A");
  CHECK(w.typing());
  CHECK_FALSE(w.take().has_value());
  w.feed_enter();
  const auto s = drain(w);
  REQUIRE(s.size() == 1);
  CHECK(s[0].status == WedgeStatus::ok);
  CHECK(s[0].text == "LOC-A01-01-A");
  CHECK_FALSE(w.typing());
}

TEST_CASE("wedge: the GS key and the typed substitutes caret-bracket and tilde become 0x1D, and the scan parses as GS1",
          "[scan][wedge]") {
  WedgeAssembler w;
  type(w, "]C101" + k_gtin + "10ABC");
  w.feed_gs();
  type(w, "17251231\r");
  w.feed_enter();
  type(w, "01" + k_gtin + "10ABC^]17251231\r");
  type(w, "01" + k_gtin + "10ABC~17251231\n");
  w.feed_text("01" + k_gtin + "10ABC" + GS + "17251231\r\n");  // a raw GS that does arrive as text is kept
  const auto s = drain(w);
  REQUIRE(s.size() == 4);
  CHECK(s[0].text == "]C101" + k_gtin + "10ABC" + GS + "17251231");
  for (std::size_t i = 1; i < 4; ++i) CHECK(s[i].text == "01" + k_gtin + "10ABC" + GS + "17251231");
  for (const auto& scan : s) {
    const auto p = wms::gs1::parse(scan.text);
    REQUIRE(p.ok());
    CHECK(p.parsed->batch == "ABC");
    CHECK(p.parsed->expiry == "251231");
  }
}

TEST_CASE("wedge: location and tote labels pass unchanged - '-' and other label characters are not substitutes",
          "[scan][wedge]") {
  WedgeAssembler w;
  for (const char* label : {"LOC-A01-01-A", "TOTE-07", "SKU_12/3.5", "4006381333931", "(01)04006381333931"}) {
    type(w, label);
    w.feed_enter();
    const auto s = drain(w);
    REQUIRE(s.size() == 1);
    CHECK(s[0].text == label);
  }
}

TEST_CASE("wedge: CR LF, blank lines and surrounding spaces give exactly one trimmed scan", "[scan][wedge]") {
  WedgeAssembler w;
  w.feed_text("  TOTE-07 \t\r\n");
  w.feed_enter();
  w.feed_text("\r\n\n   \r");
  const auto s = drain(w);
  REQUIRE(s.size() == 1);
  CHECK(s[0].text == "TOTE-07");
  w.feed_enter();
  CHECK_FALSE(w.take().has_value());
}

TEST_CASE("wedge: an over-long scan yields one too_long result with the first bytes, then scanning goes on",
          "[scan][wedge]") {
  wms::scan::WedgeOptions o;
  o.max_len = 16;
  WedgeAssembler w(o);
  type(w, std::string(1000, 'X'));
  w.feed_enter();
  type(w, "TOTE-07");
  w.feed_enter();
  const auto s = drain(w);
  REQUIRE(s.size() == 2);
  CHECK(s[0].status == WedgeStatus::too_long);
  CHECK(s[0].text == std::string(16, 'X'));
  CHECK(s[1].status == WedgeStatus::ok);
  CHECK(s[1].text == "TOTE-07");

  WedgeAssembler d;  // default bound 512
  type(d, std::string(512, '1'));
  d.feed_enter();
  type(d, std::string(513, '1'));
  d.feed_enter();
  const auto t = drain(d);
  REQUIRE(t.size() == 2);
  CHECK(t[0].status == WedgeStatus::ok);
  CHECK(t[1].status == WedgeStatus::too_long);
}

TEST_CASE("wedge: reset drops a half-typed scan, substitutes are configurable, the queue is bounded", "[scan][wedge]") {
  WedgeAssembler w;
  type(w, "TOTE-0");
  w.reset();
  type(w, "LOC-B");
  w.feed_enter();
  REQUIRE(w.take()->text == "LOC-B");

  wms::scan::WedgeOptions o;
  o.gs_substitutes = {"{GS}", ""};  // an empty substitute is ignored, not matched everywhere
  WedgeAssembler c(o);
  type(c, "10A{GS}21B~C");
  c.feed_enter();
  CHECK(c.take()->text == "10A" + GS + "21B~C");

  WedgeAssembler q;
  for (int i = 0; i < 100; ++i) q.feed_text("S" + std::to_string(i) + "\n");
  const auto s = drain(q);
  REQUIRE(s.size() == WedgeAssembler::k_max_queued);
  CHECK(s.back().text == "S99");
}
