#include "report/detail/html.h"

#include <fmt/format.h>

namespace fleetplan::report::detail {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string html_table(const std::vector<std::string>& headers,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><thead><tr>";
  for (const auto& h : headers) {
    out += "<th>" + html_escape(h) + "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row) {
      out += "<td>" + html_escape(cell) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

std::string html_page(const std::string& title, const std::string& body,
                      const std::string& extra_style) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{}</title>\n"
      "<style>\nbody{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}\n"
      "table{{border-collapse:collapse;margin:1em 0}}\ntd,th{{border:1px solid #ccc;padding:3px "
      "8px;font-size:13px}}\nth{{background:#f2f2f2}}\nsvg text{{font-size:12px}}\n"
      "figcaption{{font-weight:bold;margin:1em 0 .3em}}\n{}</style></head>\n<body>\n{}"
      "</body></html>\n",
      html_escape(title), extra_style, body);
}

}  // namespace fleetplan::report::detail
