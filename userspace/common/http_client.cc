#include "cgwarden/common/http_client.h"

#include <civetweb.h>

#include <charconv>

namespace cgw {

Result<HostPort> connect_address(const std::string &listen) {
    size_t colon = listen.rfind(':');
    auto bad = [&listen] {
        return Error{"\"" + listen + "\" is not an address host:port like 127.0.0.1:9477"};
    };
    if (colon == std::string::npos || colon == 0)
        return bad();
    HostPort to;
    std::string_view port(listen.data() + colon + 1, listen.size() - colon - 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), to.port);
    if (ec != std::errc() || end != port.data() + port.size() || to.port <= 0 || to.port > 65535)
        return bad();
    to.host = listen.substr(0, colon);
    if (to.host.size() > 2 && to.host.front() == '[' && to.host.back() == ']')
        to.host = to.host.substr(1, to.host.size() - 2);
    if (to.host == "0.0.0.0")
        to.host = "127.0.0.1";
    else if (to.host == "::")
        to.host = "::1";
    return to;
}

Result<HttpResponse> http_request(const HostPort &to, const std::string &head,
                                  const std::string &body, std::chrono::milliseconds timeout) {
    char error[256] = "";
    mg_connection *conn = mg_connect_client(to.host.c_str(), to.port, 0, error, sizeof error);
    if (!conn)
        return Error{"connecting to " + to.host + ":" + std::to_string(to.port) + ": " + error};
    mg_write(conn, head.data(), head.size());
    mg_write(conn, body.data(), body.size());
    if (mg_get_response(conn, error, sizeof error, static_cast<int>(timeout.count())) < 0) {
        mg_close_connection(conn);
        return Error{"no answer from " + to.host + ":" + std::to_string(to.port) + ": " + error};
    }
    HttpResponse out;
    out.status = mg_get_response_info(conn)->status_code;
    char buf[16384];
    int n;
    while ((n = mg_read(conn, buf, sizeof buf)) > 0)
        out.body.append(buf, static_cast<size_t>(n));
    mg_close_connection(conn);
    return out;
}

Result<HttpResponse> http_get(const HostPort &to, const std::string &path) {
    return http_request(to, "GET " + path + " HTTP/1.0\r\nHost: " + to.host + "\r\n\r\n", "");
}

}  // namespace cgw
