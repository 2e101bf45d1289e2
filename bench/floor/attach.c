/* Loads a BPF object, attaches every program by its section name and holds
 * them until SIGTERM or SIGINT. Used by bench/cpu_overhead.sh for the empty
 * program row. Usage: attach OBJECT */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s OBJECT\n", argv[0]);
        return 2;
    }
    struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
    if (!obj || libbpf_get_error(obj)) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    if (bpf_object__load(obj)) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    struct bpf_program *prog;
    bpf_object__for_each_program(prog, obj) {
        struct bpf_link *link = bpf_program__attach(prog);
        if (!link || libbpf_get_error(link)) {
            fprintf(stderr, "cannot attach %s\n", bpf_program__name(prog));
            return 1;
        }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("attached\n");
    fflush(stdout);
    while (!stop)
        pause();
    bpf_object__close(obj);
    return 0;
}
