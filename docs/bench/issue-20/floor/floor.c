/* floor.c: the paced cycle of .ci/bench/floor (mode one) in C, one thread,
 * no runtime: what the same system calls cost on this machine without Go.
 * The peer is the Go floor's own (-peer), so the load is the same.
 *   cc -O2 -o /tmp/floor-c floor.c
 *   /tmp/floor-c /tmp/radiogw-floor RATE GAP_US SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXPER 4096

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
	if (argc < 5) {
		fprintf(stderr, "usage: floor-c PEER_BINARY RATE GAP_US SECONDS\n");
		return 2;
	}
	int rate = atoi(argv[2]), gapus = atoi(argv[3]), seconds = atoi(argv[4]);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(u, (void *)&a, sizeof a);
	socklen_t al = sizeof a;
	getsockname(u, (void *)&a, &al);
	char udp[64], rs[32], ackfile[] = "/tmp/floor-c-ackXXXXXX";
	snprintf(udp, sizeof udp, "127.0.0.1:%d", ntohs(a.sin_port));
	snprintf(rs, sizeof rs, "%d", rate);
	close(mkstemp(ackfile));
	unlink(ackfile);
	pid_t peer = fork();
	if (peer == 0) {
		execl(argv[1], argv[1], "-peer", udp, "-ack", ackfile, "-rate", rs, (char *)0);
		_exit(1);
	}
	char addr[64] = {0};
	for (int i = 0; i < 100 && !addr[0]; i++) {
		usleep(20000);
		FILE *f = fopen(ackfile, "r");
		if (f) {
			if (!fgets(addr, sizeof addr, f)) addr[0] = 0;
			fclose(f);
		}
	}
	char *colon = strrchr(addr, ':');
	if (!colon) {
		fprintf(stderr, "no peer\n");
		return 1;
	}
	struct sockaddr_in ta = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1)), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int t = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(t, (void *)&ta, sizeof ta) != 0) {
		perror("connect");
		return 1;
	}
	char jn[] = "/tmp/floor-c-jXXXXXX", on[] = "/tmp/floor-c-oXXXXXX";
	int j = mkstemp(jn), o = mkstemp(on);
	unlink(jn);
	unlink(on);
	static char bufs[BATCH][2048], jrec[MAXPER * 150], orec[MAXPER * 185], mq[MAXPER * 350], ack[4096];
	struct mmsghdr h[BATCH];
	struct iovec iov[BATCH];
	memset(h, 0, sizeof h);
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof bufs[i];
		h[i].msg_hdr.msg_iov = &iov[i];
		h[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec gap = {0, gapus * 1000L};
	double start = now(), t0 = 0, c0 = 0;
	long n0 = 0, k0 = 0, total = 0, cycles = 0;
	for (;;) {
		double el = now() - start;
		if (t0 == 0 && el >= 3) t0 = now(), c0 = cpu(), n0 = total, k0 = cycles;
		if (el >= 3 + seconds) break;
		nanosleep(&gap, 0);
		int n = 0, flags = MSG_WAITFORONE, r;
		while ((r = recvmmsg(u, h, BATCH, flags, 0)) > 0) {
			n += r;
			if (r < BATCH) break;
			flags = MSG_DONTWAIT;
		}
		int m = n < MAXPER ? n : MAXPER;
		if (write(j, jrec, m * 150) < 0 || write(o, orec, m * 185) < 0 || fsync(o) != 0 || write(t, mq, m * 350) < 0 ||
		    read(t, ack, sizeof ack) <= 0) {
			perror("cycle");
			return 1;
		}
		total += n;
		cycles++;
	}
	double el = now() - t0, c = (cpu() - c0) * 1000;
	printf("c gap=%dus rate=%d cycles/s=%.0f datagrams/s=%.0f cpu_ms_per_s=%.1f cpu_ms_per_1k=%.1f cpu_us_per_cycle=%.0f\n", gapus, rate,
	       (cycles - k0) / el, (total - n0) / el, c / el, c / ((total - n0) / 1000.0), c * 1000 / (cycles - k0));
	kill(peer, SIGKILL);
	waitpid(peer, 0, 0);
	return 0;
}
