// The report printed to PDF by a headless Chromium (Debian's `chromium`), which lays out the
// HTML exactly as a reader's browser would; no C++ library in Debian renders HTML and CSS.
#pragma once

#include <string>

namespace sim::report {

// Prints the HTML file `html` to `pdf` (A4, no header or footer), written to a temporary name
// beside it and renamed once complete. The browser is $CLUSTERSIM_CHROMIUM, else `chromium`
// on PATH. Throws InputError (key "--pdf") when no browser runs, it fails, or it takes longer
// than `timeout_seconds` (it is then killed).
void print_pdf(const std::string& html, const std::string& pdf, int timeout_seconds = 120);

}  // namespace sim::report
