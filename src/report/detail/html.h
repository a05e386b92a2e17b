// Private to src/report: the pieces every self-contained HTML page of fleetplan shares (the
// plan report, the economics sections, the sweep report).
#pragma once

#include <string>
#include <vector>

namespace fleetplan::report::detail {

//! Text with &, <, > and " escaped for HTML content and attribute values.
std::string html_escape(const std::string& text);

//! A table with a header row; every cell is escaped.
std::string html_table(const std::vector<std::string>& headers,
                       const std::vector<std::vector<std::string>>& rows);

//! A whole page: the doctype, `<title>title</title>`, the house style (plus `extra_style`,
//! CSS rules) and `body` (HTML, not escaped).
std::string html_page(const std::string& title, const std::string& body,
                      const std::string& extra_style = "");

}  // namespace fleetplan::report::detail
