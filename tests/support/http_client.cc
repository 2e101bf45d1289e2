#include "http_client.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>

namespace cgw::test {

namespace {

constexpr int kTimeoutMs = 10000;

HttpResponse request(int port, const std::string &head, const std::string &body) {
    char error[256] = "";
    mg_connection *conn = mg_connect_client("127.0.0.1", port, 0, error, sizeof error);
    if (!conn)
        return {0, std::string("connect: ") + error};
    mg_write(conn, head.data(), head.size());
    mg_write(conn, body.data(), body.size());
    HttpResponse out;
    if (mg_get_response(conn, error, sizeof error, kTimeoutMs) < 0) {
        out.body = std::string("response: ") + error;
    } else {
        out.status = mg_get_response_info(conn)->status_code;
        char buf[16384];
        int n;
        while ((n = mg_read(conn, buf, sizeof buf)) > 0)
            out.body.append(buf, static_cast<size_t>(n));
    }
    mg_close_connection(conn);
    return out;
}

}  // namespace

HttpResponse http_get(int port, const std::string &path) {
    return request(port, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", "");
}

HttpResponse http_post_form(int port, const std::string &path, const std::string &form) {
    return request(port,
                   "POST " + path +
                       " HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                       std::to_string(form.size()) + "\r\n\r\n",
                   form);
}

std::string url_encode(const std::string &text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            out += hex;
        }
    }
    return out;
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

}  // namespace cgw::test
