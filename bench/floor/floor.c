/*
 * The loopback TCP floor: what one small message written to one socket and read from it costs this machine's kernel,
 * with no runtime, framework or protocol in the way. bench/floor.sh drives it; docs/benchmarks.md, "The floor", has
 * the numbers.
 *
 *   floor send PORT CONNECTIONS RATE SECONDS BYTES
 *       accepts CONNECTIONS, then RATE times a second writes BYTES to each socket of the next group of 50 (a guild),
 *       one send() per delivery, as a gateway does; prints the deliveries and its CPU per delivery.
 *   floor recv PORT CONNECTIONS SECONDS [MODES]
 *       opens CONNECTIONS (TCP_NODELAY) and reads them with one epoll loop (edge-triggered); prints its CPU.
 *       MODES, comma-separated: "short" stops reading a socket after a read shorter than the buffer (one recv per
 *       wake-up instead of one more that finds nothing); "nap" sleeps 0.5 ms after each epoll batch, so wake-ups
 *       gather several sockets (at up to 0.5 ms of added latency).
 *
 * Every address is 127.0.0.1; every loop is bounded by SECONDS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GUILD 50

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int positive(const char *text, const char *what)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*end != '\0' || value <= 0 || value > 1000000) {
        fprintf(stderr, "%s must be a whole number from 1 to 1000000, not \"%s\"\n", what, text);
        exit(2);
    }
    return (int)value;
}

static int sender(struct sockaddr_in *address, int connections, int rate, int seconds, int bytes)
{
    int one = 1;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)address, sizeof *address) || listen(listener, 4096)) {
        perror("listen");
        return 2;
    }
    int *sockets = malloc(sizeof(int) * connections);
    for (int i = 0; i < connections; i++) {
        sockets[i] = accept(listener, NULL, NULL);
        if (sockets[i] < 0) {
            perror("accept");
            return 2;
        }
        setsockopt(sockets[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char *message = malloc(bytes);
    memset(message, 'x', bytes);
    sleep(1);
    int guilds = connections / GUILD > 0 ? connections / GUILD : 1;
    long deliveries = 0, messages = 0;
    double cpu_start = cpu_seconds(), start = now_seconds();
    while (now_seconds() - start < seconds) {
        double wait = start + (double)messages / rate - now_seconds();
        if (wait > 0) {
            struct timespec pause = {0, (long)(wait * 1e9)};
            nanosleep(&pause, NULL);
        }
        int first = (int)(messages % guilds) * GUILD;
        for (int k = 0; k < GUILD && first + k < connections; k++) {
            if (send(sockets[first + k], message, bytes, MSG_NOSIGNAL) == bytes) deliveries++;
        }
        messages++;
    }
    double cpu = cpu_seconds() - cpu_start;
    printf("send %ld deliveries %.3f cpu_s %.2f us_per_delivery\n", deliveries, cpu, cpu * 1e6 / deliveries);
    return 0;
}

static int receiver(struct sockaddr_in *address, int connections, int seconds, const char *modes)
{
    int one = 1;
    int short_read = strstr(modes, "short") != NULL, nap = strstr(modes, "nap") != NULL;
    int poller = epoll_create1(0);
    for (int i = 0; i < connections; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(s, (struct sockaddr *)address, sizeof *address)) {
            perror("connect");
            return 2;
        }
        fcntl(s, F_SETFL, O_NONBLOCK);
        struct epoll_event interest = {.events = EPOLLIN | EPOLLET, .data.fd = s};
        epoll_ctl(poller, EPOLL_CTL_ADD, s, &interest);
    }
    static char buffer[65536];
    struct epoll_event events[256];
    long bytes = 0, reads = 0, waits = 0;
    double cpu_start = cpu_seconds(), start = now_seconds();
    while (now_seconds() - start < seconds) {
        int ready = epoll_wait(poller, events, 256, 100);
        waits++;
        for (int i = 0; i < ready; i++) {
            for (;;) {
                ssize_t n = recv(events[i].data.fd, buffer, sizeof buffer, 0);
                reads++;
                if (n <= 0) break;
                bytes += n;
                if (short_read && n < (ssize_t)sizeof buffer) break;
            }
        }
        if (nap) {
            struct timespec pause = {0, 500000};
            nanosleep(&pause, NULL);
        }
    }
    printf("recv %ld bytes %ld reads %ld epoll_waits %.3f cpu_s\n", bytes, reads, waits, cpu_seconds() - cpu_start);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5 || (strcmp(argv[1], "send") && strcmp(argv[1], "recv"))) {
        fprintf(stderr, "usage: floor send PORT CONNECTIONS RATE SECONDS BYTES | floor recv PORT CONNECTIONS SECONDS [short,nap]\n");
        return 2;
    }
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)positive(argv[2], "PORT"));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int connections = positive(argv[3], "CONNECTIONS");
    if (!strcmp(argv[1], "send")) {
        if (argc != 7) {
            fprintf(stderr, "usage: floor send PORT CONNECTIONS RATE SECONDS BYTES\n");
            return 2;
        }
        return sender(&address, connections, positive(argv[4], "RATE"), positive(argv[5], "SECONDS"), positive(argv[6], "BYTES"));
    }
    return receiver(&address, connections, positive(argv[4], "SECONDS"), argc > 5 ? argv[5] : "");
}
