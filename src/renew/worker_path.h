/*
 * worker_path.h: where the renewal worker executable is (daemon and the
 * one-shot renewal of libproxyrenew).
 */
#ifndef PR_WORKER_PATH_H
#define PR_WORKER_PATH_H

#include <stddef.h>

#define WORKER_PATH_ENV		"PROXY_RENEWD_WORKER"
#define WORKER_EXE_NAME		"proxy-renewd-worker"

/*
 * The worker to run, first found of: $PROXY_RENEWD_WORKER (when set and
 * not empty); proxy-renewd-worker next to the running executable (the
 * build tree keeps them in one directory); the installed libexec path.
 * Returns buf (or the environment string); never NULL. Whether the file
 * can be run is the caller's check (access or posix_spawn).
 */
const char	*worker_path_find(char *buf, size_t len);

#endif
