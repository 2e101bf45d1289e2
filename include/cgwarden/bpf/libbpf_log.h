// Routes libbpf's messages (including full verifier logs) into spdlog.
#pragma once

namespace cgw {

// Idempotent; call before opening any BPF object.
void route_libbpf_log_to_spdlog();

}  // namespace cgw
