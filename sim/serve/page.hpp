// The web app's one page (sim/serve/page.html, embedded at build time): HTML, CSS and the
// script that builds the controls from /api/setup and draws what /api/events streams.
#pragma once

#include <string>

namespace sim::serve {

const std::string& page_html();

}  // namespace sim::serve
