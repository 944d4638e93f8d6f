// Barcode decoding of grey frames with ZXing-cpp 1.4, restricted to the formats the site uses (every extra format
// costs time on each frame: see DEPENDENCIES.md). It must never parse GS1 itself (wms::gs1 does) nor touch the UI.
//
// Text of a result, so it can go straight to the same code path as a keyboard-wedge scan:
//   - GS1 symbols (ZXing reports ContentType::GS1: GS1-128, GS1 DataMatrix, GS1 QR, DataBar): the AIM symbology
//     identifier followed by ZXing's element string, e.g. "]C1" "0104006381333931" "10ABC" "\x1d" "17251231", which
//     wms::gs1::parse accepts and wms::gs1::looks_like_gs1 recognises. gs1 = true.
//   - everything else: ZXing's text unchanged ("LOC-A01-01-A", "4006381333931"), gs1 = false. A DataMatrix whose
//     data merely starts with a GS character (made by tools that cannot write FNC1) is reported by ZXing as ]d1, not
//     GS1; its text starts with 0x1D, which looks_like_gs1 and parse accept all the same.
// symbology_id always holds ZXing's identifier ("]C1", "]E0", "]Q1", ...).
#pragma once

#include <ZXing/BarcodeFormat.h>
#include <ZXing/DecodeHints.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/frame_source.hpp"

namespace wms::scan {

struct DecoderOptions {
  // The site's symbologies. Default: Code 128 (location and tote labels, GS1-128), EAN-13 (retail items),
  // DataMatrix and QR Code. EAN-8, UPC-A and ITF-14 (cases) can be added where labels use them. Each costs time on
  // every frame, most of all on frames without a code (what a camera sees most of the time): on a noisy 640x480 frame
  // QR Code alone takes milliseconds, DataMatrix about half a millisecond, a linear format tens of microseconds
  // (tests/bench/bench_decode.cpp). A site without QR labels should leave QR out.
  ZXing::BarcodeFormats formats = ZXing::BarcodeFormat::Code128 | ZXing::BarcodeFormat::EAN13 |
                                  ZXing::BarcodeFormat::DataMatrix | ZXing::BarcodeFormat::QRCode;
  // try_harder (a ZXing default) multiplies the time per frame (see the bench); a camera gives another frame 33 ms
  // later, so a quick look at each frame beats a hard look at one. For single still images (a drop folder)
  // try_harder = true is worth it. Rotation stays on (cartons carry vertical barcodes; it adds little), and so does
  // downscaling, which starts only at 500 px on the short side.
  bool try_harder = false;
  bool try_rotate = true;
  bool try_downscale = true;
  // Stop at the first symbol found, as an aimed hardware scanner does. More makes ZXing search the whole frame
  // after the first hit (about 4x the time on a labelled frame); a screen that wants every code of a logistics label
  // in one shot can ask for more.
  int max_symbols = 1;
};

// "code128,ean13,datamatrix,qrcode" (also "EAN-13", '|' or ' ' as separators) -> formats; nullopt with *error set
// for an unknown name or an empty list.
std::optional<ZXing::BarcodeFormats> parse_formats(std::string_view names, std::string* error);

struct Decoded {
  std::string text;          // see the top of this file
  std::string format;        // ZXing's name: "Code128", "EAN-13", "DataMatrix", "QRCode", ...
  bool gs1 = false;          // the symbol itself says GS1 (FNC1 in first position)
  std::string symbology_id;  // AIM identifier as ZXing reports it: "]C1", "]d2", "]Q3", "]E0", ...
};

class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});

  // Up to max_symbols valid symbols found in the frame, in ZXing's order. Throws std::invalid_argument when
  // frame.lum.size() != width * height (a bug in a source, never a bad scan).
  std::vector<Decoded> decode(const Frame& frame) const;

  const ZXing::DecodeHints& hints() const { return hints_; }

 private:
  ZXing::DecodeHints hints_;
};

}  // namespace wms::scan
