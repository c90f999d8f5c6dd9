/*
 * pr-notify-recv: a stand-in for systemd's notification socket, for the
 * sd_notify tests. Binds a unix datagram socket at PATH and appends every
 * datagram to OUT, one message per line with its newlines turned into
 * '|' and the sender's pid in front: "<pid> READY=1|STATUS=...".
 *
 * usage: pr-notify-recv PATH OUT
 * Runs until killed; the line is flushed before the next receive, so a
 * test can wait for it in OUT. Datagrams are bounded (4 KiB read).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DGRAM_MAX	4096

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	char buf[DGRAM_MAX + 1], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, DGRAM_MAX };
	struct msghdr mh;
	struct cmsghdr *cm;
	struct ucred uc;
	FILE *out;
	ssize_t n, i;
	int fd, on = 1;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: pr-notify-recv PATH OUT\n");
		return 1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	if ((out = fopen(argv[2], "a")) == NULL ||
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("pr-notify-recv");
		return 1;
	}
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(fd, &mh, 0)) == -1) {
			if (errno == EINTR)
				continue;
			perror("recvmsg");
			return 1;
		}
		uc.pid = 0;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_CREDENTIALS)
				memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
		for (i = 0; i < n; i++)
			if (buf[i] == '\n' || buf[i] == '\0')
				buf[i] = '|';
		buf[n] = '\0';
		fprintf(out, "%ld %s\n", (long)uc.pid, buf);
		fflush(out);
	}
}
