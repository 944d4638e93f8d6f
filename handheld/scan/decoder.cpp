// ZXing-cpp 1.4 decoding of grey frames into scan texts (see decoder.hpp). It must never hand on an invalid ZXing
// result (checksum error, format error) as a scan.
#include "scan/decoder.hpp"

#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <stdexcept>

namespace wms::scan {

std::optional<ZXing::BarcodeFormats> parse_formats(std::string_view names, std::string* error) {
  try {
    const auto formats = ZXing::BarcodeFormatsFromString(std::string(names));
    if (formats.empty()) {
      if (error) *error = "no barcode format given";
      return std::nullopt;
    }
    return formats;
  } catch (const std::exception& e) {  // ZXing throws std::invalid_argument for an unknown name
    if (error) *error = "unknown barcode format in '" + std::string(names) + "': " + e.what();
    return std::nullopt;
  }
}

Decoder::Decoder(DecoderOptions options) {
  hints_.setFormats(options.formats);
  hints_.setTryHarder(options.try_harder);
  hints_.setTryRotate(options.try_rotate);
  hints_.setTryDownscale(options.try_downscale);
  hints_.setMaxNumberOfSymbols(static_cast<std::uint8_t>(std::clamp(options.max_symbols, 1, 255)));
}

std::vector<Decoded> Decoder::decode(const Frame& frame) const {
  if (frame.width <= 0 || frame.height <= 0 ||
      frame.lum.size() != static_cast<std::size_t>(frame.width) * static_cast<std::size_t>(frame.height)) {
    throw std::invalid_argument("frame " + frame.origin + ": " + std::to_string(frame.lum.size()) + " bytes for " +
                                std::to_string(frame.width) + "x" + std::to_string(frame.height));
  }
  const ZXing::ImageView image(frame.lum.data(), frame.width, frame.height, ZXing::ImageFormat::Lum);
  std::vector<Decoded> out;
  for (const auto& r : ZXing::ReadBarcodes(image, hints_)) {
    if (!r.isValid()) continue;
    Decoded d;
    d.symbology_id = r.symbologyIdentifier();
    d.gs1 = r.contentType() == ZXing::ContentType::GS1;
    d.format = ZXing::ToString(r.format());
    // ZXing gives GS1 element strings without the leading FNC1 and with 0x1D for the others; the identifier in front
    // makes the text self-describing, exactly as a scan engine with "AIM ID prefix" enabled would type it.
    d.text = d.gs1 ? d.symbology_id + r.text() : r.text();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace wms::scan
