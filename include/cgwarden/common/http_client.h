// A minimal HTTP/1.0 client (civetweb's): `cgwarden decisions` asks the
// running daemon, tests scrape the exporter and query Prometheus.
#pragma once

#include <chrono>
#include <string>

#include "cgwarden/common/result.h"

namespace cgw {

struct HttpResponse {
    int status = 0;
    std::string body;
};

struct HostPort {
    std::string host;
    int port = 0;
};

// "127.0.0.1:9477", "[::1]:9477", "localhost:9477". A wildcard listen address
// (0.0.0.0, ::) is reached on loopback.
Result<HostPort> connect_address(const std::string &listen);

// Sends `head` (request line and headers, ending in an empty line) and
// `body`; an error when nothing answered or the answer was not HTTP.
Result<HttpResponse> http_request(const HostPort &to, const std::string &head,
                                  const std::string &body,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

Result<HttpResponse> http_get(const HostPort &to, const std::string &path);

}  // namespace cgw
