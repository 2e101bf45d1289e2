// HTTP for root tests, on cgwarden's own client: scrape the exporter, query
// Prometheus' HTTP API, all on 127.0.0.1.
#pragma once

#include <string>

#include "cgwarden/common/http_client.h"

namespace cgw::test {

// status 0 when the request failed; body then says why.
using cgw::HttpResponse;

HttpResponse http_get(int port, const std::string &path);
// application/x-www-form-urlencoded POST, e.g. /api/v1/query with "query=...".
HttpResponse http_post_form(int port, const std::string &path, const std::string &form);

std::string url_encode(const std::string &text);

// A TCP port on 127.0.0.1 that was free a moment ago (for servers that
// cannot pick their own and report it).
int free_port();

}  // namespace cgw::test
