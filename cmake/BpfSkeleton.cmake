# BPF objects -> bpftool skeletons.
#
# vmlinux.h is generated from the build machine's kernel BTF: CO-RE relocates
# every field access at load time, so the object runs on other kernels too.
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)
set(CGW_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "Kernel BTF that vmlinux.h is generated from")

set(CGW_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${CGW_BPF_GEN_DIR})

if(NOT EXISTS ${CGW_VMLINUX_BTF})
  message(FATAL_ERROR "No kernel BTF at ${CGW_VMLINUX_BTF}: cgwarden needs a kernel built with "
                      "CONFIG_DEBUG_INFO_BTF=y, or point CGW_VMLINUX_BTF at a BTF file.")
endif()

add_custom_command(
  OUTPUT ${CGW_BPF_GEN_DIR}/vmlinux.h
  COMMAND ${BPFTOOL} btf dump file ${CGW_VMLINUX_BTF} format c > ${CGW_BPF_GEN_DIR}/vmlinux.h.tmp
  COMMAND ${CMAKE_COMMAND} -E rename ${CGW_BPF_GEN_DIR}/vmlinux.h.tmp ${CGW_BPF_GEN_DIR}/vmlinux.h
  COMMENT "Generating vmlinux.h from ${CGW_VMLINUX_BTF}"
  VERBATIM)

# One target owns vmlinux.h: every skeleton waits for it, so a parallel build
# never runs the generator twice or compiles against a half-written header.
add_custom_target(vmlinux_h DEPENDS ${CGW_BPF_GEN_DIR}/vmlinux.h)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(CGW_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(CGW_BPF_ARCH arm64)
else()
  message(FATAL_ERROR "Unsupported architecture for BPF: ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# cgw_bpf_skeleton(NAME [CLANG_FLAGS...]) compiles bpf/NAME.bpf.c and generates
# NAME.skel.h, rebuilding when any header it includes changes (clang's depfile).
# Extra arguments go to clang (e.g. -mcpu=v3 for atomics that return a value).
function(cgw_bpf_skeleton name)
  set(src ${CMAKE_SOURCE_DIR}/bpf/${name}.bpf.c)
  set(obj ${CGW_BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${CGW_BPF_GEN_DIR}/${name}.skel.h)
  set(dep ${CGW_BPF_GEN_DIR}/${name}.bpf.d)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${CGW_BPF_ARCH}
            -Wall -Werror -Wno-unused-function
            -I${CGW_BPF_GEN_DIR} -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/bpf
            -MD -MF ${dep} -MT ${obj} ${ARGN}
            -c ${src} -o ${obj}
    DEPENDS ${src} ${CGW_BPF_GEN_DIR}/vmlinux.h
    DEPFILE ${dep}
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${skel}.tmp ${skel}
    DEPENDS ${obj}
    COMMENT "Skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel DEPENDS ${skel})
  add_dependencies(${name}_skel vmlinux_h)
endfunction()
