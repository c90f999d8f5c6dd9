/*
 * fault.h: fault-injection points for the crash test (tests/chaos/).
 *
 * Compiled in only with -DPR_FAULT_INJECT (CMake option PR_FAULT_INJECT,
 * used by the chaos build, never by an installed one): FAULT_POINT("name")
 * kills the process with SIGKILL, exactly there, when the environment has
 * PR_FAULT_STOP=name. Without the flag it is nothing at all.
 *
 * The points are the windows where a kill leaves files and records apart:
 *   register-written       REGISTER: proxy files written, not committed
 *   unregister-committed   UNREGISTER: record gone, file not yet unlinked
 *   expire-committed       expiry: record expired, file not yet unlinked
 */
#ifndef PR_FAULT_H
#define PR_FAULT_H

#ifdef PR_FAULT_INJECT
void fault_point(const char *name);
#define FAULT_POINT(name)	fault_point(name)
#else
#define FAULT_POINT(name)	((void)0)
#endif

#endif /* PR_FAULT_H */
